/*
 * The host-clock page: the host's CLOCK_REALTIME and CLOCK_MONOTONIC, read by a guest with one
 * MMIO load each, at any ring and with no driver (a Linux program maps it through /dev/mem).
 */
#ifndef PVCLOCK_VMM_HOST_CLOCK_ABI_H
#define PVCLOCK_VMM_HOST_CLOCK_ABI_H

#include <stdint.h>

#include "memmap.h"

/*
 * Every register is one aligned 64-bit load at MEMMAP_HOST_CLOCK + offset, which exits to the
 * host; the host reads its clock during that exit and answers with it. A guest brackets the
 * load with two readings of its own clock, g0 before and g1 after: the host's reading h was
 * taken between them, so guest minus host at that moment lies in [g0 - h, g1 - h], that is
 * (g0 + g1) / 2 - h with an error bound of (g1 - g0) / 2. Anything else on the page ends the
 * run as a guest error naming it: a store (and its value), a load of another size, an offset
 * with no register. The page holds no state: vCPUs may load from it at the same time.
 */
#define HOST_CLOCK_MAGIC     0x00 /* reads HOST_CLOCK_MAGIC_VALUE: the page is there */
#define HOST_CLOCK_REALTIME  0x08 /* the host's CLOCK_REALTIME at this exit, ns since the epoch */
#define HOST_CLOCK_MONOTONIC 0x10 /* the host's CLOCK_MONOTONIC at this exit, ns */
#define HOST_CLOCK_NR_REGS   3
#define HOST_CLOCK_LOAD_SIZE 8
#define HOST_CLOCK_PAGE_SIZE 0x1000

/* "PVHCLK", then the ABI version (1) as 16 bits: the bytes "PVHCLK\1\0" in memory order. */
#define HOST_CLOCK_MAGIC_VALUE 0x00014b4c43485650ull

/* One bracketed reading: the guest's clock minus the host's, and how far off that can be. */
struct host_clock_offset {
	int64_t offset_ns; /* (g0 + g1) / 2 - h, rounded toward minus infinity */
	uint64_t bound_ns; /* (g1 - g0 + 1) / 2: the true offset is within offset_ns +- bound_ns */
};

/*
 * The offset from guest readings @g0 (before the load) and @g1 (after) around host reading @h.
 * Returns 0, or -1 if the guest's clock went back across the load (g1 < g0): no bound then.
 */
static inline int host_clock_bracket(uint64_t g0, uint64_t h, uint64_t g1,
				     struct host_clock_offset *out)
{
	uint64_t width = g1 - g0;

	if (g1 < g0)
		return -1;
	/* g0 + width / 2 cannot overflow; minus h it fits in 64 bits for 292 years either way. */
	out->offset_ns = (int64_t)(g0 + width / 2 - h);
	out->bound_ns = width - width / 2;
	return 0;
}

#endif
