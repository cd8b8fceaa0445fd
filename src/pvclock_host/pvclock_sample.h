/* Tight (TSC, CLOCK_MONOTONIC) pairs: rdtsc, clock_gettime, rdtsc, keep the narrowest. */
#ifndef PVCLOCK_SAMPLE_H
#define PVCLOCK_SAMPLE_H

#include <stdint.h>

#include "pvclock_clock.h"

struct pvclock_sample {
	uint64_t tsc; /* midpoint of the two TSC reads */
	uint64_t mono_ns;
	uint64_t width; /* TSC ticks between the two reads: the pair's uncertainty */
};

/*
 * Take up to @tries pairs and keep the narrowest. Returns 0 if it is at most @max_width ticks
 * wide, else -EAGAIN (the narrowest is still stored in @out).
 */
int pvclock_sample_take(const struct pvclock_clock *clk, unsigned int tries, uint64_t max_width,
			struct pvclock_sample *out);

#endif
