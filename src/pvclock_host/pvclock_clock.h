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

/* RDTSC, unfenced: pvclock_clock_system's read_tsc_fast, for callers that inline it. */
static inline uint64_t pvclock_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * @clk's unfenced TSC. For the system clock, RDTSC inline: on the publish before KVM_RUN, an
 * indirect call into another page costs more than the read itself (the caches are cold after
 * an exit). Fakes keep their hook.
 */
static inline uint64_t pvclock_clock_tsc_fast(const struct pvclock_clock *clk)
{
	if (__builtin_expect(clk == &pvclock_clock_system, 1))
		return pvclock_rdtsc();
	return clk->read_tsc_fast(clk->ctx);
}

#endif
