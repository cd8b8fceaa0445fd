/* libFuzzer harness: the report channel, from the port write through decoding and handling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "report.h"

static void quiet(enum log_level level, const char *msg)
{
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input: 4 bytes of GPA for the OUT, then bytes copied into guest RAM at that GPA. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	static struct report_dev dev;
	struct io_access a = { .addr = 0x700, .size = 4, .write = true };
	struct guest_report decoded;
	char why[128];
	uint32_t gpa;
	int stop;

	if (!mem.host) {
		log_set_sink(quiet);
		if (guest_mem_alloc(&mem, 2 << 20) || report_dev_init(&dev, &mem, fopen("/dev/null", "w")))
			abort();
	}
	if (size < 4)
		return 0;
	memcpy(&gpa, data, 4);
	gpa %= (uint32_t)mem.size + 0x1000;	/* mostly inside RAM, sometimes just past it */
	if (guest_mem_ptr(&mem, gpa, size - 4))
		memcpy(guest_mem_ptr(&mem, gpa, size - 4), data + 4, size - 4);
	a.data = (uint8_t *)&gpa;
	stop = report_dev_io(&dev, &a);
	if (stop != VM_RUNNING && stop != VM_STOP_DONE && stop != VM_STOP_ABORT &&
	    stop != VM_STOP_GUEST_ERROR)
		abort();
	/* The decoder alone, on the raw bytes, at every length. */
	if (report_decode(data + 4, size - 4, &decoded, why, sizeof(why)) == 0 &&
	    (!memchr(decoded.msg, 0, sizeof(decoded.msg)) || decoded.nr_values > 4))
		abort();
	return 0;
}
