/* CLOCK_REALTIME steps, noticed by a timerfd that the kernel cancels on each (wall_watch.h). */
#include "clock/wall_watch.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/log.h"

/*
 * Arm for an expiry that never comes (far in the future): what matters is the cancel-on-set
 * flag, and it only holds while the timer is armed. Re-armed after every step.
 */
static int wall_watch_arm(int fd)
{
	struct itimerspec far = { .it_value = { .tv_sec = INT32_MAX } };

	if (timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &far, NULL)) {
		pr_err("timerfd_settime(CLOCK_REALTIME, TFD_TIMER_CANCEL_ON_SET): %s",
		       strerror(errno));
		return -errno;
	}
	return 0;
}

/* One wait: true if the clock was stepped, false to stop (the stop eventfd, or an error). */
static bool wall_watch_wait(struct wall_watch *w)
{
	struct pollfd fds[2] = { { w->timer_fd, POLLIN, 0 }, { w->stop_fd, POLLIN, 0 } };
	uint64_t expirations;

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (fds[1].revents)
			return false;
		/* A stepped clock makes the read fail with ECANCELED. */
		if (read(w->timer_fd, &expirations, sizeof(expirations)) < 0 && errno == ECANCELED)
			return wall_watch_arm(w->timer_fd) == 0;
	}
}

static void *wall_watch_thread(void *arg)
{
	struct wall_watch *w = arg;

	while (wall_watch_wait(w)) {
		__atomic_add_fetch(&w->steps, 1, __ATOMIC_RELAXED);
		w->on_step(w->opaque);
	}
	return NULL;
}

int wall_watch_start(struct wall_watch *w, void (*on_step)(void *opaque), void *opaque)
{
	int ret;

	*w = (struct wall_watch){
		.timer_fd = -1, .stop_fd = -1, .on_step = on_step, .opaque = opaque
	};
	w->timer_fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	w->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (w->timer_fd < 0 || w->stop_fd < 0) {
		ret = -errno;
		pr_err("wall-clock watch: %s: %s", w->timer_fd < 0 ? "timerfd_create" : "eventfd",
		       strerror(errno));
		wall_watch_stop(w);
		return ret;
	}
	ret = wall_watch_arm(w->timer_fd);
	if (!ret)
		ret = -pthread_create(&w->thread, NULL, wall_watch_thread, w);
	if (ret) {
		pr_err("wall-clock watch: cannot start: %s", strerror(-ret));
		wall_watch_stop(w);
		return ret;
	}
	w->started = true;
	return 0;
}

void wall_watch_stop(struct wall_watch *w)
{
	uint64_t one = 1;

	if (w->started) {
		if (write(w->stop_fd, &one, sizeof(one)) != sizeof(one))
			pr_err("wall-clock watch: cannot signal the stop: %s", strerror(errno));
		pthread_join(w->thread, NULL);
		w->started = false;
	}
	if (w->timer_fd >= 0)
		close(w->timer_fd);
	if (w->stop_fd >= 0)
		close(w->stop_fd);
	w->timer_fd = w->stop_fd = -1;
}
