/*
 * The kvmclock host's threads: the sampler takes a tight (TSC, MONOTONIC) pair every
 * millisecond, fits the rate, and shares the latest sample and rate as the model of MONOTONIC
 * (kvmclock_anchor.c); the live policy's publisher writes a new anchor into every struct while
 * the vCPUs run. And start-up calibration. kvmclock.c starts and stops them.
 */
#include "clock/kvmclock_internal.h"

#include <string.h>
#include <time.h>

#include "core/log.h"
#include "pvclock_sample.h"

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

/*
 * MONOTONIC's rate changed (an NTP slew began or ended): every published line carries the old
 * slope, and an idle guest may not exit for seconds. As KVM's master clock update does, kick
 * every vCPU, so its next entry re-anchors on the new rate if its policy re-anchors at all
 * (with several vCPUs, a sync not held back by the 100 ms spacing: kvmclock_sync.c). The live
 * policy's thread re-anchors on its own; under the kernel policy KVM publishes. After the
 * model: the kicked vCPUs must find it.
 */
static void kvmclock_rate_changed(struct kvmclock *kc)
{
	long double ppm = (pvclock_rate_ns_per_tick(&kc->rate) * kc->tsc_hz / 1e9L - 1) * 1e6L;

	__atomic_store_n(&kc->rate_changes, kc->rate.changes, __ATOMIC_SEQ_CST);
	pr_info("clock: MONOTONIC's rate moved: now %+.3Lf ppm against the TSC's nominal "
		"(change %lu); every vCPU re-anchors",
		ppm, kc->rate.changes);
	if (kc->entry == KVMCLOCK_ENTRY_LIVE || kc->policy.ops->in_kernel || !kc->ops.kick)
		return;
	for (unsigned int i = 0; i < kc->nr_vcpus; i++)
		kc->ops.kick(kc->ops.opaque, i);
}

void kvmclock_sampler_step(struct kvmclock *kc)
{
	struct pvclock_scale scale;
	struct pvclock_sample s;
	unsigned long changes = kc->rate.changes;
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
	if (kc->rate.changes != changes)
		kvmclock_rate_changed(kc);
}

void *kvmclock_sampler_thread(void *arg)
{
	struct kvmclock *kc = arg;

	while (!kvmclock_threads_stopping(kc)) {
		kvmclock_sampler_step(kc);
		kvmclock_sleep_ns(KVMCLOCK_SAMPLER_PERIOD_NS);
	}
	return NULL;
}

/*
 * A new anchor, written into every struct while the vCPUs run. Every struct is held odd before
 * the anchor is taken: its clamp (never below the old line) is then evaluated at a TSC later
 * than any reading a vCPU made on the old line, so no vCPU's clock goes back or stands still
 * across the write, however long this thread was preempted in between.
 */
static void kvmclock_live_publish(struct kvmclock *kc)
{
	bool any_on = false;

	pthread_mutex_lock(&kc->lock);
	for (unsigned int i = 0; i < kc->nr_vcpus; i++)
		any_on |= kc->vcpu[i].time_info != NULL;
	if (any_on) {
		for (unsigned int i = 0; kc->line.valid && i < kc->nr_vcpus; i++)
			if (kc->vcpu[i].time_info)
				pvclock_publish_hold(&kc->vcpu[i].writer, kc->vcpu[i].time_info);
		kvmclock_reanchor(kc, &kc->vcpu[0]);
		for (unsigned int i = 0; i < kc->nr_vcpus; i++)
			kvmclock_publish_held(kc, &kc->vcpu[i]);
	}
	pthread_mutex_unlock(&kc->lock);
}

void *kvmclock_live_thread(void *arg)
{
	struct kvmclock *kc = arg;

	while (!kvmclock_threads_stopping(kc)) {
		kvmclock_sleep_ns(kc->policy.param_ns);
		kvmclock_live_publish(kc);
	}
	return NULL;
}

uint64_t kvmclock_calibrate(struct kvmclock *kc, uint64_t ns)
{
	uint64_t t0 = kc->clk->read_mono_ns(kc->clk->ctx), now = t0;

	/* The whole time, not just until the fit is in use: its error keeps falling with span. */
	while (now - t0 < ns) {
		kvmclock_sleep_ns(KVMCLOCK_SAMPLER_PERIOD_NS);
		now = kc->clk->read_mono_ns(kc->clk->ctx);
	}
	return now - t0;
}
