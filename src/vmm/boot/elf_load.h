/* ELF guest image loader, ELF64 x86-64 or ELF32 i386 (libelf, from memory or a file). */
#ifndef VMM_ELF_LOAD_H
#define VMM_ELF_LOAD_H

#include "core/compiler.h"
#include <stddef.h>
#include <stdint.h>

#include "core/guest_mem.h"

#define ELF_MAX_SEGMENTS 16

struct elf_image_info {
	uint64_t entry;
	uint64_t low;  /* lowest loaded GPA */
	uint64_t high; /* one past the highest loaded GPA */
	unsigned int nr_segments;
	unsigned int elf_class; /* 64 or 32 */
};

/*
 * Check every PT_LOAD segment of the image (@size bytes at @image; @name is used in messages)
 * and, only if all are acceptable, copy them into @mem and zero their bss. Returns 0, or
 * -ENOEXEC with one message saying what is wrong (or -ENOMEM).
 */
int elf_load(struct guest_mem *mem, const void *image, size_t size, const char *name,
	     struct elf_image_info *info) __must_check;
/*
 * The same for a multiboot loader: segments go to their p_paddr whatever their p_vaddr (a
 * higher-half kernel), and the entry point is translated to where its segment was loaded.
 */
int elf_load_physical(struct guest_mem *mem, const void *image, size_t size, const char *name,
		      struct elf_image_info *info) __must_check;

#endif
