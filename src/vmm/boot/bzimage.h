/*
 * Linux bzImages (the x86 boot protocol, 2.12 or later, 64-bit entry): a checked setup header,
 * the protected-mode kernel at 1 MiB, the command line, an initrd at the top of RAM, and the
 * zero page (struct boot_params) with an e820 map of the PC machine. The 64-bit entry: the
 * kernel unpacks itself from long mode, so no 32-bit trip is needed, and the long-mode state
 * the native guests get (flat 0x10/0x18 selectors, an identity map) is what the protocol asks.
 */
#ifndef VMM_BZIMAGE_H
#define VMM_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/compiler.h"
#include "core/guest_mem.h"

#define BZ_BOOT_PARAMS 0x7000u	/* the zero page */
#define BZ_CMDLINE     0x20000u /* the kernel command line, up to BZ_CMDLINE_MAX bytes */
#define BZ_CMDLINE_MAX 0x10000u
#define BZ_KERNEL      0x100000u /* the protected-mode kernel; its 64-bit entry is +0x200 */

struct bzimage_header {
	uint16_t version;      /* boot protocol */
	uint32_t kernel_off;   /* the protected-mode kernel's offset in the file */
	uint32_t kernel_size;  /* and its size */
	uint32_t init_size;    /* RAM the kernel needs from its load address while it unpacks */
	uint32_t cmdline_size; /* longest command line it takes, without the NUL */
	uint32_t initrd_max;   /* highest address an initrd byte may have */
};

/* 1 if @bytes is a bzImage (a "HdrS" setup header), 0 if not, -ENOEXEC if a broken one. */
int bzimage_probe(const void *bytes, size_t size, const char *name,
		  struct bzimage_header *hdr) __must_check;
/*
 * Copy the kernel to BZ_KERNEL and start the zero page (the image's setup header, the e820
 * map); the 64-bit entry in *@entry. Nothing is copied unless the whole header is acceptable.
 */
int bzimage_load(struct guest_mem *mem, const void *bytes, size_t size, const char *name,
		 uint64_t *entry) __must_check;
/* The kernel command line, within the kernel's cmdline_size; -E2BIG (logged) if it is longer. */
int bzimage_set_cmdline(struct guest_mem *mem, const char *cmdline) __must_check;
/* The initrd, at the top of RAM under the kernel's initrd_addr_max and above init_size. */
int bzimage_set_initrd(struct guest_mem *mem, const void *initrd, size_t size) __must_check;

#endif
