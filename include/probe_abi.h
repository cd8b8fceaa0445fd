/* Clock probe: a guest hands the host one clock reading to check against the host's clocks. */
#ifndef PVCLOCK_VMM_PROBE_ABI_H
#define PVCLOCK_VMM_PROBE_ABI_H

#include <stdint.h>

/* A guest rings DOORBELL_PROBE (doorbell_abi.h) with the GPA of a struct clock_probe. */
enum clock_probe_kind {
	/* first, last: the run's first and last kvmclock readings; the host checks
	 * MONOTONIC(entry) <= first <= last <= MONOTONIC(exit). */
	CLOCK_PROBE_MONO = 1,
	/* last: wall clock ns (UTC) from the wall-clock struct plus kvmclock; the host compares
	 * it with CLOCK_REALTIME at the exit. */
	CLOCK_PROBE_WALL = 2,
	/* A measurement sample: first = kvmclock ns, last = the guest TSC it was computed from,
	 * extra = TSC cycles of the guest's previous exit round trip, retries = version-loop
	 * retries. The host judges it against MONOTONIC at that TSC (pvclock-vmm demo). */
	CLOCK_PROBE_SAMPLE = 3,
	/* Read cost: first = TSC cycles spent in last = N back-to-back clock reads. */
	CLOCK_PROBE_READ_COST = 4,
	/* A wall-clock sample: first = the guest's UTC ns (wall-clock struct + kvmclock), last =
	 * its kvmclock ns. The host records it against CLOCK_REALTIME (pvclock-vmm wallclock). */
	CLOCK_PROBE_WALL_SAMPLE = 5,
};

/*
 * Largest wall-clock difference the host accepts, beyond the time since the run's entry (the
 * guest read its clock at some moment of the run, and emulated exits can take milliseconds).
 */
#define CLOCK_PROBE_WALL_BOUND_NS 1000000ull

struct clock_probe {
	uint32_t kind;
	uint32_t retries;
	uint64_t first;
	uint64_t last;
	uint64_t extra;
};

_Static_assert(sizeof(struct clock_probe) == 32, "clock_probe is 32 bytes");

#endif
