/* CLOCK_MONOTONIC in ns, and condition variables whose timed waits run on it. */
#ifndef VMM_MONO_TIME_H
#define VMM_MONO_TIME_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t mono_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static inline struct timespec mono_timespec(uint64_t ns)
{
	return (struct timespec){ (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
}

/* A condition variable whose pthread_cond_timedwait deadlines are MONOTONIC (mono_timespec). */
static inline int mono_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int ret;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	ret = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return ret;
}

#endif
