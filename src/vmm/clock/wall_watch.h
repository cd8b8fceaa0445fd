/*
 * A thread that notices steps of CLOCK_REALTIME (settime, `date --set`, leap steps) and calls
 * back at once: a timerfd armed with TFD_TIMER_CANCEL_ON_SET, which the kernel cancels on every
 * discontinuous change. Slews (NTP's adjtime) are not steps and are not reported. Nothing of
 * it runs on the KVM_RUN path.
 */
#ifndef VMM_WALL_WATCH_H
#define VMM_WALL_WATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/compiler.h"

struct wall_watch {
	int timer_fd, stop_fd; /* -1 until started */
	pthread_t thread;
	bool started;
	void (*on_step)(void *opaque);
	void *opaque;
	unsigned long steps; /* steps seen (atomic) */
};

/* Start watching; @on_step runs on the watcher's thread after each step. 0 or -errno (logged). */
int wall_watch_start(struct wall_watch *w, void (*on_step)(void *opaque),
		     void *opaque) __must_check;
/* Stop and join the thread (no-op if never started). */
void wall_watch_stop(struct wall_watch *w);

#endif
