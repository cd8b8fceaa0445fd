/*
 * libFuzzer harness: the image loader (ELF64, ELF32, multiboot, bzImage) on arbitrary bytes,
 * 16 MiB RAM. An accepted image must lie in RAM with its entry inside it, and loading it must
 * not have written a byte of the RAM the VMM keeps for that machine ([vmm_start, vmm_end):
 * checked against a fill pattern; a bzImage is exempt, its loader writes the zero page there).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "boot/image.h"
#include "memmap.h"

#define FILL 0xa5

static void quiet(enum log_level level, const char *msg)
{
	(void)level;
	(void)msg;
}

static int vmm_ram_untouched(const struct guest_mem *mem)
{
	for (uint64_t gpa = mem->vmm_start; gpa < mem->vmm_end; gpa++)
		if (mem->host[gpa] != FILL)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	struct guest_image image;
	const struct elf_image_info *info = &image.info;

	if (!mem.host) {
		log_set_sink(quiet);
		if (guest_mem_alloc(&mem, 16 << 20))
			abort();
	}
	memset(mem.host, FILL, GUEST_IMAGE_MIN); /* covers every machine's VMM range */
	if (image_load(&mem, data, size, "fuzz", &image) != 0)
		return 0;
	if (info->high <= info->low || info->high > mem.size || info->entry < info->low ||
	    info->entry >= info->high || mem.vmm_end > GUEST_IMAGE_MIN)
		abort(); /* accepted an image outside RAM or an entry outside the image */
	if (image.kind != IMAGE_LINUX && !vmm_ram_untouched(&mem))
		abort(); /* loaded over RAM the loader promises to keep */
	return 0;
}
