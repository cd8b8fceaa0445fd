/* Clock source for the pvclock host: injected, so tests drive it with a fake clock. */
#ifndef PVCLOCK_CLOCK_H
#define PVCLOCK_CLOCK_H

#include <stdint.h>

struct pvclock_clock {
	uint64_t (*read_tsc)(void *ctx);      /* fenced: for bracketing another read */
	uint64_t (*read_tsc_fast)(void *ctx); /* unfenced: for anchors and ages */
	uint64_t (*read_mono_ns)(void *ctx);  /* CLOCK_MONOTONIC */
	uint64_t (*read_real_ns)(void *ctx);  /* CLOCK_REALTIME */
	void *ctx;
};

/* The real thing: RDTSC (fenced by LFENCE where it brackets a clock read) and clock_gettime. */
extern const struct pvclock_clock pvclock_clock_system;

#endif
