/* libFuzzer harness: the ELF loader on arbitrary bytes, against a 4 MiB guest RAM. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "elf_load.h"

static void quiet(enum log_level level, const char *msg)
{
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	struct elf_image_info info;

	if (!mem.host) {
		log_set_sink(quiet);
		if (guest_mem_alloc(&mem, 4 << 20))
			abort();
	}
	if (elf_load(&mem, data, size, "fuzz", &info) == 0 &&
	    (info.low < 0x100000 || info.high > mem.size || info.entry < info.low ||
	     info.entry >= info.high))
		abort();	/* accepted something the loader promises to refuse */
	return 0;
}
