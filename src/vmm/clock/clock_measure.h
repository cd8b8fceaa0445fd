/* Measurements of guest clock readings against the host's clock, and their summary figures. */
#ifndef VMM_CLOCK_MEASURE_H
#define VMM_CLOCK_MEASURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/compiler.h"

#define CLOCK_MEASURE_MAX_VCPUS 64 /* backward steps are counted per vCPU, this many */

/* One guest reading, judged at the exit that reported it. */
struct clock_sample {
	uint64_t host_ns;  /* host MONOTONIC when the host judged the reading */
	int64_t error_ns;  /* guest reading - MONOTONIC at the guest's TSC */
	uint64_t guest_ns; /* the reading */
	uint32_t vcpu;
	uint32_t retries;      /* version-loop retries the guest needed for it */
	uint64_t exit_cycles;  /* guest-measured TSC cycles of its previous exit round trip */
	uint64_t wall_base_ns; /* wall-clock samples: the guest's UTC at kvmclock 0 */
};

struct clock_measure {
	pthread_mutex_t lock;
	uint64_t tsc_hz;
	struct clock_sample *samples;
	size_t nr, cap;
	uint32_t *publish_cycles; /* host cost of each entry's publish (appended lock-free) */
	uint32_t *bracket_cycles; /* the cost of the TSC reads that timed it, taken off it */
	size_t nr_publish, cap_publish;
	uint32_t *sync_ns; /* SMP: each sync's wait from the kick to every vCPU out */
	size_t nr_sync, cap_sync;
	uint64_t read_cycles, reads; /* guest read-cost loop: total cycles over reads */
};

struct clock_summary {
	size_t samples;
	double duration_s;
	double offset_ns; /* median error, removed from the figures when asked */
	double err_median_ns, err_p99_ns, err_max_ns; /* of |error - offset| */
	double drift_ppm;	/* least-squares slope of error against host time */
	unsigned long backward; /* readings below the previous one on the same vCPU */
	unsigned long retries;
	double read_cycles, read_ns; /* per guest clock read */
	double publish_ns_median;    /* host publish before KVM_RUN; 0 if none */
	double publish_ns_p99;
	/*
	 * Their mean up to the p99 (preemptions left out): where the TSC counts in coarse steps
	 * (10 ns on PVM), every reading is a whole number of steps and the median jumps between
	 * them; the mean still moves by less than a step.
	 */
	double publish_ns_mean;
	double bracket_ns_median; /* the timing's own cost, already taken off the publish figures */
	unsigned long syncs;	  /* SMP stop-the-world syncs */
	double sync_ns_median, sync_ns_max; /* their waits */
	double exit_rt_ns_median;	    /* guest-measured exit round trip */
};

int clock_measure_init(struct clock_measure *m, size_t cap, uint64_t tsc_hz) __must_check;
void clock_measure_destroy(struct clock_measure *m);
void clock_measure_add(struct clock_measure *m, const struct clock_sample *s);
/*
 * One entry's publish took @cycles between two fenced TSC reads, whose own cost, timed right
 * after by two more, was @bracket: the publish is counted as the difference (the hot loop of
 * the benchmark has no such cost to take off), the bracket is kept apart.
 */
void clock_measure_add_publish(struct clock_measure *m, uint64_t cycles, uint64_t bracket);
void clock_measure_add_sync(struct clock_measure *m, uint64_t ns);
void clock_measure_add_reads(struct clock_measure *m, uint64_t cycles, uint64_t reads);
/* Summarise; with @remove_offset the median error is subtracted first (kernel policy). */
void clock_measure_summarize(struct clock_measure *m, bool remove_offset,
			     struct clock_summary *out);

#endif
