/*
 * The kvmclock host's model of MONOTONIC: a sampler thread takes a tight (TSC, MONOTONIC) pair
 * every millisecond, fits the rate, and shares the latest sample and rate through a seqlock
 * that vCPUs read lock-free; the live policy's publisher thread (and the wall-clock step
 * watcher, kvmclock_wall.c); start-up calibration.
 */
#include "clock/kvmclock_internal.h"

#include <string.h>
#include <time.h>

#include "core/log.h"
#include "pvclock_sample.h"

uint64_t kvmclock_sample_bound(const struct kvmclock *kc)
{
	return __atomic_load_n(&kc->max_sample_ticks, __ATOMIC_RELAXED);
}

/* Track the host's typical sample width (mean over ~16 samples) and derive the bound. */
static void kvmclock_track_width(struct kvmclock *kc, uint64_t width)
{
	uint64_t bound;

	if (width == UINT64_MAX)
		return; /* no usable pair at all this round */
	kc->typical_width = kc->typical_width ? (kc->typical_width * 15 + width) / 16 : width;
	bound = kc->typical_width * KVMCLOCK_WIDTH_FACTOR;
	if (bound < kc->min_bound_ticks)
		bound = kc->min_bound_ticks;
	__atomic_store_n(&kc->max_sample_ticks, bound, __ATOMIC_RELAXED);
}

void kvmclock_sampler_step(struct kvmclock *kc)
{
	struct pvclock_scale scale;
	struct pvclock_sample s;
	int ret =
		pvclock_sample_take(kc->clk, KVMCLOCK_SAMPLE_TRIES, kvmclock_sample_bound(kc), &s);

	kvmclock_track_width(kc, s.width);
	if (ret)
		return;
	pvclock_rate_add(&kc->rate, &s);
	if (pvclock_rate_settled(&kc->rate) && !kc->settled_ns)
		__atomic_store_n(&kc->settled_ns, s.mono_ns, __ATOMIC_RELEASE);
	if (pvclock_rate_scale(&kc->rate, &scale))
		return;
	__atomic_store_n(&kc->rate_scale, pack_scale(scale), __ATOMIC_RELAXED);
	kvmclock_set_model(kc, &(struct pvclock_line){ s.tsc, s.mono_ns, scale, true },
			   pvclock_rate_ns_per_tick(&kc->rate));
}

/* The model is a seqlock: odd seq while the (single) writer is in the middle of an update. */
void kvmclock_set_model(struct kvmclock *kc, const struct pvclock_line *line,
			long double ns_per_tick)
{
	uint32_t seq = __atomic_load_n(&kc->model.seq, __ATOMIC_RELAXED);

	__atomic_store_n(&kc->model.seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	kc->model.line = *line;
	kc->model.ns_per_tick = ns_per_tick;
	__atomic_store_n(&kc->model.seq, seq + 2, __ATOMIC_RELEASE);
}

bool kvmclock_get_model(const struct kvmclock *kc, struct pvclock_line *line,
			long double *ns_per_tick)
{
	uint32_t seq;

	do {
		seq = __atomic_load_n(&kc->model.seq, __ATOMIC_ACQUIRE);
		*line = kc->model.line;
		if (ns_per_tick) /* x87 copies are slow: only for those who ask */
			*ns_per_tick = kc->model.ns_per_tick;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) || seq != __atomic_load_n(&kc->model.seq, __ATOMIC_RELAXED));
	return line->valid;
}

long double kvmclock_model_ns(const struct kvmclock *kc, uint64_t tsc)
{
	struct pvclock_line m;
	long double ns_per_tick;

	if (!kvmclock_get_model(kc, &m, &ns_per_tick))
		return -1;
	return (long double)m.ns + (long double)kvmclock_guest_offset(kc) +
	       ((long double)tsc - (long double)m.tsc) * ns_per_tick;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec t = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	nanosleep(&t, NULL);
}

static bool threads_stopping(struct kvmclock *kc)
{
	return __atomic_load_n(&kc->stop_threads, __ATOMIC_ACQUIRE);
}

static void *kvmclock_sampler_thread(void *arg)
{
	struct kvmclock *kc = arg;

	while (!threads_stopping(kc)) {
		kvmclock_sampler_step(kc);
		sleep_ns(KVMCLOCK_SAMPLER_PERIOD_NS);
	}
	return NULL;
}

static void *kvmclock_live_thread(void *arg)
{
	struct kvmclock *kc = arg;

	while (!threads_stopping(kc)) {
		sleep_ns(kc->policy.param_ns);
		kvmclock_live_publish(kc);
	}
	return NULL;
}

int kvmclock_start(struct kvmclock *kc)
{
	int ret = pthread_create(&kc->sampler, NULL, kvmclock_sampler_thread, kc);

	if (ret) {
		pr_err("kvmclock: cannot start the sampler thread: %s", strerror(ret));
		return -ret;
	}
	kc->sampler_started = true;
	ret = kvmclock_wall_start(kc);
	if (ret || !kc->policy.ops->live)
		return ret;
	ret = pthread_create(&kc->live, NULL, kvmclock_live_thread, kc);
	if (ret) {
		pr_err("kvmclock: cannot start the live publisher thread: %s", strerror(ret));
		return -ret;
	}
	kc->live_started = true;
	return 0;
}

void kvmclock_stop(struct kvmclock *kc)
{
	__atomic_store_n(&kc->stop_threads, 1, __ATOMIC_RELEASE);
	kvmclock_wall_stop(kc);
	if (kc->sampler_started)
		pthread_join(kc->sampler, NULL);
	if (kc->live_started)
		pthread_join(kc->live, NULL);
	kc->sampler_started = kc->live_started = false;
}

uint64_t kvmclock_calibrate(struct kvmclock *kc, uint64_t ns)
{
	uint64_t t0 = kc->clk->read_mono_ns(kc->clk->ctx), now = t0;

	/* The whole time, not just until the fit is in use: its error keeps falling with span. */
	while (now - t0 < ns) {
		sleep_ns(KVMCLOCK_SAMPLER_PERIOD_NS);
		now = kc->clk->read_mono_ns(kc->clk->ctx);
	}
	return now - t0;
}
