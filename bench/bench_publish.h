/* pvclock-bench: the publish before KVM_RUN, in a hot loop and in situ (bench_publish.c). */
#ifndef PVCLOCK_BENCH_PUBLISH_H
#define PVCLOCK_BENCH_PUBLISH_H

#include <stdbool.h>
#include <stdint.h>

struct bench_publish {
	double hot_p50, hot_p99; /* ns per kvmclock_before_run, back to back */
	unsigned long hot_anchors, hot_clamps;
	double insitu_p50, insitu_p99;	       /* ns, the median run's */
	double insitu_p50_min, insitu_p50_max; /* the runs' spread */
	double insitu_mean;		       /* ns, up to the p99 (median run's) */
	double insitu_bracket; /* ns of the timing's own, taken off each entry (median run's) */
	unsigned long insitu_entries;
};

/*
 * Print the hot-loop figure and, with @in_situ (needs /dev/kvm and the guests in @dir), the
 * in-situ figure and their ratio. @hz: the TSC frequency. 0, or -1 if a run failed.
 */
int bench_publish(const char *dir, uint64_t hz, bool in_situ);

#endif
