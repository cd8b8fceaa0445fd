/*
 * libFuzzer harness: a snapshot file as a restore reads it. snap_parse checks the whole file;
 * whatever it accepts is then read the way a restore reads its fixed sections.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/log.h"
#include "snapshot/snap_file.h"

static void quiet(enum log_level level, const char *msg)
{
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snap_machine m;
	struct snap_clock c;
	struct snap_devices d;
	struct snap_file f;

	log_set_sink(quiet);
	if (snap_parse(&f, data, size, "fuzz"))
		return 0;
	if (!snap_get(&f, SNAP_MACHINE, 0, &m, sizeof(m)) && m.nr_vcpus < 4096)
		for (uint32_t i = 0; i < m.nr_vcpus; i++)
			(void)snap_find(&f, SNAP_VCPU_REGS, i);
	(void)snap_get(&f, SNAP_CLOCK, 0, &c, sizeof(c));
	(void)snap_get(&f, SNAP_DEVICES, 0, &d, sizeof(d));
	free(f.sections);
	return 0;
}
