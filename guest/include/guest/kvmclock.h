/* Guest side of kvmclock: find it, enable it, read it (version loop), disable it, wall clock. */
#ifndef GUEST_KVMCLOCK_H
#define GUEST_KVMCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "probe_abi.h"
#include "pvclock_abi.h"

/* True if CPUID has the KVM signature and the CLOCKSOURCE2 feature (@features gets EAX). */
bool kvmclock_available(uint32_t *features);

/* Ask the host to publish into @ti (any 4-byte aligned address) through @msr. */
void kvmclock_enable(uint32_t msr, volatile struct pvclock_vcpu_time_info *ti);
void kvmclock_disable(uint32_t msr);

/*
 * Read the clock: version, fenced RDTSC and fields, version again; retry while the version is
 * odd or changed. @retries (optional) counts the retries.
 */
uint64_t kvmclock_read(const volatile struct pvclock_vcpu_time_info *ti, unsigned long *retries);
/* The same, also giving the TSC value the reading was computed from. */
uint64_t kvmclock_read_at(const volatile struct pvclock_vcpu_time_info *ti, uint64_t *tsc,
			  unsigned long *retries);
/*
 * The clock as a guest kernel should serve it: kvmclock_read_at, and where the struct lacks
 * PVCLOCK_TSC_STABLE_BIT (the host promises nothing across vCPUs then) never below the last
 * value any vCPU got through the same @last, as Linux's pvclock_clocksource_read does. @tsc
 * and @retries are optional.
 */
uint64_t kvmclock_read_guarded(const volatile struct pvclock_vcpu_time_info *ti, uint64_t *last,
			       uint64_t *tsc, unsigned long *retries);

/* Ask for the wall clock through @msr into @wc; ns (UTC) at which kvmclock read 0. */
uint64_t kvmclock_wall_clock_base(uint32_t msr, volatile struct pvclock_wall_clock *wc);
/* Re-read @wc as the host last wrote it (no MSR write): what a guest that polls it sees. */
uint64_t kvmclock_wall_clock_read(const volatile struct pvclock_wall_clock *wc);

/*
 * The cross-vCPU warp test: every vCPU reads into one shared last value under one lock. Each
 * reading is paired with the one before it (from any vCPU): a warp if it is below, a stall if
 * equal. The pairs are also split by whose reading came before: another vCPU's (cross, what
 * PVCLOCK_TSC_STABLE_BIT promises about) or its own (self, what every kvmclock promises), and
 * the raw RDTSC values of cross pairs are compared too, so a TSC that differs between host
 * CPUs (or a vCPU thread that migrates between them) shows apart from the host's publishes.
 */
struct kvmclock_warp {
	int lock;
	uint64_t last, last_tsc;
	const volatile void *last_ti; /* whose struct gave @last (NULL before the first) */
	uint64_t guard; /* kvmclock_read_guarded's last value: readings go through it */
	unsigned long reads, warps, stalls, unstable, retries;
	unsigned long cross, cross_warps, cross_stalls, self_warps, self_stalls;
	unsigned long tsc_warps, tsc_stalls; /* cross pairs whose RDTSC went back, stood still */
	int64_t min_cross_ns, min_cross_tsc; /* the closest cross pair (< 0: backward) */
	/*
	 * PAUSEs to wait after unlocking for another vCPU to take the lock (0: none). At native
	 * speed the vCPU that just unlocked takes it again first nearly every time, and there
	 * would be few cross pairs to check.
	 */
	unsigned int handoff;
	unsigned int finished; /* vCPUs done with kvmclock_warp_run */
};

/*
 * Read @ti @n times, each under @w's lock, against the last reading from any vCPU (@ti tells
 * the vCPUs apart: one struct each); count readings without the STABLE bit. Every
 * @exit_every reads (0: never), guest_vmexit(): an exit after which the host republishes.
 */
void kvmclock_warp_run(struct kvmclock_warp *w, const volatile struct pvclock_vcpu_time_info *ti,
		       unsigned long n, unsigned long exit_every);

/* Hand the host readings to check (see probe_abi.h) through DOORBELL_PROBE: one exit. */
void kvmclock_probe(uint32_t kind, uint64_t first, uint64_t last);
void kvmclock_probe_full(const struct clock_probe *p);

#endif
