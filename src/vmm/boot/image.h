/* Guest images: tell a native ELF64 image from a multiboot one, and load either. */
#ifndef VMM_IMAGE_H
#define VMM_IMAGE_H

#include "core/compiler.h"
#include <stddef.h>
#include <stdint.h>

#include "boot/elf_load.h"
#include "core/guest_mem.h"

enum image_kind {
	IMAGE_NATIVE,	 /* ELF64 entered in long mode with boot_abi.h's state */
	IMAGE_MULTIBOOT, /* multiboot v1, entered in 32-bit protected mode (a PC machine) */
	IMAGE_LINUX,	 /* a Linux bzImage, entered at its 64-bit entry (a PC machine) */
};

struct guest_image {
	enum image_kind kind;
	struct elf_image_info info;
	uint64_t boot_info; /* multiboot: where the boot information is (multiboot_write_info) */
};

/* The machine behind a kind: a PC (irqchip, PIT, INIT/SIPI) for multiboot and Linux images. */
static inline bool image_is_pc(enum image_kind kind)
{
	return kind == IMAGE_MULTIBOOT || kind == IMAGE_LINUX;
}

/*
 * Load @size bytes at @bytes (@name for messages). An image with a Linux setup header ("HdrS")
 * is a bzImage; one with a multiboot header is multiboot (ELF32, ELF64, or placed by the
 * header's address fields); otherwise it must be a native ELF64. Nothing is copied into @mem
 * unless the whole image is acceptable.
 */
int image_load(struct guest_mem *mem, const void *bytes, size_t size, const char *name,
	       struct guest_image *image) __must_check;
/* The same for the image file at @path (read whole first: guest_file.h). */
int image_load_file(struct guest_mem *mem, const char *path,
		    struct guest_image *image) __must_check;
const char *image_kind_name(enum image_kind kind);

#endif
