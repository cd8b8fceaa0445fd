/* The kvmclock host's counters, per vCPU and summed: all a caller of the VMM sees of it. */
#ifndef VMM_KVMCLOCK_STATS_H
#define VMM_KVMCLOCK_STATS_H

#include <stdint.h>

struct kvmclock_stats {
	unsigned long msr_writes;	 /* writes to the system-time MSRs */
	unsigned long publishes;	 /* structs written before KVM_RUN */
	unsigned long anchors;		 /* new anchors (re-anchorings of the shared timeline) */
	unsigned long clamps;		 /* anchors held at the old line: MONOTONIC was behind */
	unsigned long bad_addresses;	 /* MSR writes whose struct address was refused */
	unsigned long wide_samples;	 /* samples wider than the bound: anchor kept */
	unsigned long syncs;		 /* anchor updates that stopped every vCPU (SMP) */
	uint64_t sync_wait_ns;		 /* their time from the kick to every other vCPU out */
	uint64_t sync_wait_max_ns;	 /* the longest such wait */
	unsigned long probes;		 /* clock probes checked */
	unsigned long probe_violations;	 /* probes outside the host's window */
	uint64_t max_wall_error_ns;	 /* largest |guest wall clock - CLOCK_REALTIME| probed */
	unsigned long wall_writes;	 /* wall-clock structs written (MSR writes and steps) */
	uint64_t best_sample_ns;	 /* narrowest (TSC, MONOTONIC) sample, in ns */
	uint64_t max_adversary_error_ns; /* conform's legal modes: published time vs MONOTONIC */
	unsigned long rate_changes;	 /* the host's, in the totals: MONOTONIC's rate changes
					  * the sampler followed (an NTP slew starting, ending) */
};

#endif
