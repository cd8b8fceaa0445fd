/* Multiboot v1 loading: find the header, load a.out-kludge images, write the boot information. */
#ifndef VMM_MULTIBOOT_H
#define VMM_MULTIBOOT_H

#include "core/compiler.h"
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "boot/elf_load.h"
#include "core/guest_mem.h"
#include "multiboot_abi.h"

#define MULTIBOOT_MAX_MODULES 8

/*
 * Look for a multiboot header in the first 8 KiB of @image. Returns 1 with *hdr filled, 0 if
 * there is none, or -ENOEXEC (with a message naming @name) for a header whose requirements
 * pvclock-vmm cannot meet (a video mode, unknown required flags).
 */
int multiboot_find(const void *image, size_t size, const char *name, struct multiboot_header *hdr,
		   size_t *offset) __must_check;

/* Load an image by the header's address fields (MULTIBOOT_AOUT_KLUDGE): check, then copy. */
int multiboot_load_aout(struct guest_mem *mem, const void *image, size_t size, const char *name,
			const struct multiboot_header *hdr, size_t offset,
			struct elf_image_info *info) __must_check;

struct multiboot_module_file {
	const char *cmdline; /* the module's string; by convention its path first */
	const void *data;
	size_t size;
};

/*
 * Write the multiboot information (memory sizes and map, the command line: argv joined by
 * spaces, so the image name comes first, as QEMU passes it; the modules; the loader name) at
 * MEMMAP_BOOT_INFO, or, where the image [@image_low, @image_end) is there (a low image), right
 * after the image (from 1 MiB if the BIOS area is in the way); its address in @boot_info. The
 * modules go page-aligned after the image, or after the moved information.
 */
int multiboot_write_info(struct guest_mem *mem, uint64_t image_low, uint64_t image_end, int argc,
			 char *const argv[], const struct multiboot_module_file *mods,
			 unsigned int nr_mods, uint64_t *boot_info) __must_check;

/* The boot vCPU's state at a multiboot entry: 32-bit flat protected mode, EAX magic, EBX info. */
void multiboot_vcpu_state(uint64_t entry, uint64_t boot_info, struct kvm_regs *regs,
			  struct kvm_sregs *sregs);

#endif
