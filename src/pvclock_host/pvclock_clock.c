/* The system clock source: the host TSC and clock_gettime. */
#include "pvclock_clock.h"

#include <time.h>

static uint64_t system_read_tsc(void *ctx)
{
	uint32_t lo, hi;

	/* LFENCE keeps RDTSC from running ahead of the clock_gettime it brackets. */
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * An anchor needs no fence: the TSC it takes only has to be earlier than any guest read, and
 * the VM entry that follows orders that.
 */
static uint64_t system_read_tsc_fast(void *ctx)
{
	return pvclock_rdtsc();
}

static uint64_t read_clock(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static uint64_t system_read_mono(void *ctx)
{
	return read_clock(CLOCK_MONOTONIC);
}

static uint64_t system_read_real(void *ctx)
{
	return read_clock(CLOCK_REALTIME);
}

const struct pvclock_clock pvclock_clock_system = {
	.read_tsc = system_read_tsc,
	.read_tsc_fast = system_read_tsc_fast,
	.read_mono_ns = system_read_mono,
	.read_real_ns = system_read_real,
	.ctx = 0,
};
