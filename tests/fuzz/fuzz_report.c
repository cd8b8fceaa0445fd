/* libFuzzer harness: the report channel, from the doorbell store through decoding and handling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "dev/doorbell.h"
#include "core/exit.h"
#include "dev/report.h"

static void quiet(enum log_level level, const char *msg)
{
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: 1 byte of access shape (bits 0-4 the doorbell offset, 5-6 log2 of the size, 7 a read),
 * 8 bytes of GPA for the store, then bytes copied into guest RAM at that GPA.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	static struct report_dev dev;
	static struct doorbell db;
	uint8_t store[8];
	struct io_access a = { .data = store };
	struct guest_report decoded;
	char why[128];
	uint64_t gpa;
	int stop;

	if (!mem.host) {
		log_set_sink(quiet);
		doorbell_init(&db);
		if (guest_mem_alloc(&mem, GUEST_MEM_MIN) ||
		    report_dev_init(&dev, &mem, fopen("/dev/null", "w")) ||
		    doorbell_connect(&db, DOORBELL_REPORT, "report", report_dev_ring, &dev))
			abort();
	}
	if (size < 9)
		return 0;
	a.offset = data[0] & 0x1f;
	a.addr = MEMMAP_DOORBELL + a.offset;
	a.size = 1u << ((data[0] >> 5) & 3);
	a.write = !(data[0] & 0x80);
	memcpy(&gpa, data + 1, 8);
	if (!(gpa >> 63))
		gpa %= mem.size + 0x1000; /* mostly inside RAM, sometimes just past it */
	memcpy(store, &gpa, sizeof(store));
	if (guest_mem_ptr(&mem, gpa, size - 9))
		memcpy(guest_mem_ptr(&mem, gpa, size - 9), data + 9, size - 9);
	stop = doorbell_io(&db, &a);
	if (stop != VM_RUNNING && stop != VM_STOP_DONE && stop != VM_STOP_ABORT &&
	    stop != VM_STOP_GUEST_ERROR)
		abort();
	/* The decoder alone, on the raw bytes, at every length. */
	if (report_decode(data + 9, size - 9, &decoded, why, sizeof(why)) == 0 &&
	    (!memchr(decoded.msg, 0, sizeof(decoded.msg)) || decoded.nr_values > 4))
		abort();
	return 0;
}
