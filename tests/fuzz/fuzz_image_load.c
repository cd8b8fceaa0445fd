/* libFuzzer harness: the image loader (ELF64, ELF32, multiboot) on arbitrary bytes, 4 MiB RAM. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/log.h"
#include "boot/image.h"

static void quiet(enum log_level level, const char *msg)
{
	(void)level;
	(void)msg;
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
	if (image_load(&mem, data, size, "fuzz", &image) == 0 &&
	    (info->low < mem.vmm_end || info->high > mem.size || info->entry < info->low ||
	     info->entry >= info->high))
		abort(); /* accepted something the loader promises to refuse */
	return 0;
}
