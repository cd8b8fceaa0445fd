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

/* Ask for the wall clock through @msr into @wc; ns (UTC) at which kvmclock read 0. */
uint64_t kvmclock_wall_clock_base(uint32_t msr, volatile struct pvclock_wall_clock *wc);
/* Re-read @wc as the host last wrote it (no MSR write): what a guest that polls it sees. */
uint64_t kvmclock_wall_clock_read(const volatile struct pvclock_wall_clock *wc);

/* The cross-vCPU warp test: every vCPU reads into one shared last value under one lock. */
struct kvmclock_warp {
	int lock;
	uint64_t last;
	unsigned long reads, warps, stalls, unstable, retries;
	unsigned int finished; /* vCPUs done with kvmclock_warp_run */
};

/*
 * Read @ti @n times, each under @w's lock, against the last reading from any vCPU: a reading
 * below it is a warp, an equal one a stall; count readings without the STABLE bit. Every
 * @exit_every reads (0: never), guest_vmexit(): an exit after which the host republishes.
 */
void kvmclock_warp_run(struct kvmclock_warp *w, const volatile struct pvclock_vcpu_time_info *ti,
		       unsigned long n, unsigned long exit_every);

/* Hand the host readings to check (see probe_abi.h) through DOORBELL_PROBE: one exit. */
void kvmclock_probe(uint32_t kind, uint64_t first, uint64_t last);
void kvmclock_probe_full(const struct clock_probe *p);

#endif
