/* Image kind detection: the multiboot header decides, then the ELF class. */
#include "boot/image.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#include <stdlib.h>

#include "boot/bzimage.h"
#include "boot/guest_file.h"
#include "boot/multiboot.h"
#include "memmap.h"
#include "core/log.h"

const char *image_kind_name(enum image_kind kind)
{
	return kind == IMAGE_MULTIBOOT ? "multiboot"
	       : kind == IMAGE_LINUX   ? "Linux bzImage"
				       : "native ELF64";
}

static bool image_is_elf(const uint8_t *bytes, size_t size)
{
	return size >= EI_NIDENT && !memcmp(bytes, ELFMAG, SELFMAG);
}

/* The RAM the VMM keeps for the machine this kind of image gets; loaders refuse to overlap it. */
static void keep_for_vmm(struct guest_mem *mem, uint64_t start, uint64_t end, const char *what)
{
	mem->vmm_start = start;
	mem->vmm_end = end;
	mem->vmm_what = what;
}

int image_load(struct guest_mem *mem, const void *bytes, size_t size, const char *name,
	       struct guest_image *image)
{
	struct multiboot_header hdr;
	struct bzimage_header bz;
	size_t offset;
	int found;

	memset(image, 0, sizeof(*image));
	found = bzimage_probe(bytes, size, name, &bz);
	if (found < 0)
		return found;
	if (found) {
		image->kind = IMAGE_LINUX;
		/* a PC machine: the kernel loads at 1 MiB, boot data and tables below */
		keep_for_vmm(mem, 0, PC_HIGH_MEM, "boot parameters and tables");
		image->info = (struct elf_image_info){ .low = BZ_KERNEL,
						       .high = BZ_KERNEL + bz.kernel_size,
						       .nr_segments = 1,
						       .elf_class = 64 };
		return bzimage_load(mem, bytes, size, name, &image->info.entry);
	}
	found = multiboot_find(bytes, size, name, &hdr, &offset);
	if (found < 0)
		return found;
	if (found) {
		image->kind = IMAGE_MULTIBOOT;
		/* A PC machine: low RAM is the image's, as under QEMU, but for the BIOS area. */
		keep_for_vmm(mem, PC_BIOS_AREA, PC_HIGH_MEM, "ACPI and MP tables");
		image->boot_info = MEMMAP_BOOT_INFO; /* moved past the image if it is in the way */
		if (hdr.flags & MULTIBOOT_AOUT_KLUDGE)
			return multiboot_load_aout(mem, bytes, size, name, &hdr, offset,
						   &image->info);
		if (!image_is_elf(bytes, size)) {
			pr_err("multiboot image %s: not ELF and its header has no address fields "
			       "(flag 16), so there is no way to load it",
			       name);
			return -ENOEXEC;
		}
		return elf_load_physical(mem, bytes, size, name, &image->info);
	}
	image->kind = IMAGE_NATIVE;
	keep_for_vmm(mem, 0, GUEST_IMAGE_MIN, "page tables and boot data");
	if (image_is_elf(bytes, size) && ((const uint8_t *)bytes)[EI_CLASS] == ELFCLASS32) {
		pr_err("ELF %s: a 32-bit image needs a multiboot header in its first %u bytes, "
		       "and has none",
		       name, MULTIBOOT_SEARCH_BYTES);
		return -ENOEXEC;
	}
	return elf_load(mem, bytes, size, name, &image->info);
}

int image_load_file(struct guest_mem *mem, const char *path, struct guest_image *image)
{
	void *data = NULL;
	size_t size = 0;
	int ret = guest_file_read(path, "guest image", GUEST_MEM_MAX, &data, &size);

	if (!ret)
		ret = image_load(mem, data, size, path, image);
	free(data);
	return ret;
}
