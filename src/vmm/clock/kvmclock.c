/*
 * kvmclock host glue. Every vCPU publishes the same anchor (the shared timeline in kc->line),
 * so readings agree across vCPUs and PVCLOCK_TSC_STABLE_BIT is honest. The anchor only moves
 * while no vCPU is inside KVM_RUN: with one vCPU that is every entry, for free; with several,
 * the vCPU that finds the anchor stale kicks the others out and re-anchors once all are out
 * (KVM's "master clock" update does the same). A vCPU still running on an old anchor could
 * otherwise read a later time than another vCPU that already has the new, slower line.
 *
 * When a new anchor is taken is the policy's choice (policy.h). A sampler thread measures
 * MONOTONIC's rate against the TSC once per millisecond; anchors take their slope from it.
 */
#include "clock/kvmclock_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/mono_time.h"
#include "pvclock_sample.h"

uint64_t kvmclock_ticks_to_ns(const struct kvmclock *kc, uint64_t ticks)
{
	return (uint64_t)((unsigned __int128)ticks * 1000000000u / kc->tsc_hz);
}

static const struct kvmclock *view_host(const struct clock_policy_view *v)
{
	return container_of(v, const struct kvmclock, policy_view);
}

static uint64_t view_tsc_now(const struct clock_policy_view *v)
{
	const struct pvclock_clock *clk = view_host(v)->clk;

	return clk->read_tsc_fast(clk->ctx);
}

static uint64_t view_ticks_to_ns(const struct clock_policy_view *v, uint64_t ticks)
{
	return kvmclock_ticks_to_ns(view_host(v), ticks);
}

static long double view_model_ns(const struct clock_policy_view *v, uint64_t tsc)
{
	return kvmclock_model_ns(view_host(v), tsc);
}

int kvmclock_init(struct kvmclock *kc, const struct guest_mem *mem, const struct pvclock_clock *clk,
		  unsigned int nr_vcpus, uint64_t tsc_hz, const struct kvmclock_ops *ops,
		  const struct clock_policy *policy)
{
	struct pvclock_scale nominal;
	int ret;

	memset(kc, 0, sizeof(*kc));
	if (!tsc_hz || nr_vcpus == 0 || nr_vcpus > MEMMAP_MAX_VCPUS) {
		pr_err("kvmclock: bad set-up: TSC %" PRIu64 " Hz, %u vCPUs", tsc_hz, nr_vcpus);
		return -EINVAL;
	}
	kc->mem = mem;
	kc->clk = clk;
	kc->ops = *ops;
	kc->policy = *policy;
	kc->policy_view = (struct clock_policy_view){
		.line = &kc->line,
		.tsc_now = view_tsc_now,
		.ticks_to_ns = view_ticks_to_ns,
		.model_ns = view_model_ns,
	};
	kc->nr_vcpus = nr_vcpus;
	kc->tsc_hz = tsc_hz;
	kc->min_bound_ticks = ns_to_ticks(kc, KVMCLOCK_SAMPLE_MAX_NS);
	kc->max_sample_ticks = kc->min_bound_ticks;
	kc->resync_ticks = ns_to_ticks(kc, KVMCLOCK_RESYNC_NS);
	/* A live publisher moves the line while other vCPUs run: no cross-vCPU promise then. */
	kc->flags = policy->ops->live && nr_vcpus > 1 ? 0 : PVCLOCK_TSC_STABLE_BIT;
	pvclock_rate_init(&kc->rate, tsc_hz, KVMCLOCK_RATE_MIN_SPAN_S, KVMCLOCK_RATE_HALF_LIFE_S);
	if (pvclock_scale_from_hz(tsc_hz, &nominal)) {
		pr_err("kvmclock: no scale for a %" PRIu64 " Hz TSC", tsc_hz);
		return -EINVAL;
	}
	kc->rate_scale = pack_scale(nominal);
	kc->start_ns = clk->read_mono_ns(clk->ctx);
	ret = pthread_mutex_init(&kc->lock, NULL);
	if (!ret)
		ret = mono_cond_init(&kc->cond); /* timed waits in kvmclock_wait */
	return -ret;
}

void kvmclock_destroy(struct kvmclock *kc)
{
	kvmclock_stop(kc);
	pthread_cond_destroy(&kc->cond);
	pthread_mutex_destroy(&kc->lock);
}

/* Take a sample for a new anchor; -EAGAIN if too wide (the first anchor takes it anyway). */
static int kvmclock_sample(struct kvmclock *kc, struct kvmclock_vcpu *v, struct pvclock_sample *s)
{
	int ret = pvclock_sample_take(kc->clk, KVMCLOCK_SAMPLE_TRIES, kvmclock_sample_bound(kc), s);
	uint64_t width_ns = kvmclock_ticks_to_ns(kc, s->width);

	if (!v->stats.best_sample_ns || width_ns < v->stats.best_sample_ns)
		v->stats.best_sample_ns = width_ns;
	if (ret && kc->line.valid) {
		v->stats.wide_samples++;
		return ret;
	}
	return 0;
}

/*
 * A new anchor at the TSC now. Its MONOTONIC comes from the sampler's model (a tight sample at
 * most ~1 ms old, extended at the fitted rate), not from a clock_gettime right after KVM_RUN
 * returned, which is slow and biased on some hosts; before the model exists, from a direct
 * sample.
 */
static void kvmclock_reanchor(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	struct pvclock_reanchor res;
	struct pvclock_sample s;
	struct pvclock_line model;
	struct pvclock_scale rate;

	if (kvmclock_get_model(kc, &model, NULL)) {
		s.tsc = kc->clk->read_tsc_fast(kc->clk->ctx);
		s.mono_ns = pvclock_line_at(&model, s.tsc);
		rate = model.scale;
	} else if (kvmclock_sample(kc, v, &s)) {
		return; /* keep the current anchor: it is still a valid line */
	} else {
		rate = unpack_scale(__atomic_load_n(&kc->rate_scale, __ATOMIC_RELAXED));
	}
	pvclock_line_reanchor(&kc->line, &s, &rate, &res);
	kc->gen++;
	v->stats.anchors++;
	v->stats.clamps += res.clamped;
}

static void kvmclock_publish(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	pvclock_publish(&v->writer, v->time_info, &kc->line, v->tsc_offset, kc->flags);
	v->published_gen = kc->gen;
	v->stats.publishes++;
}

/* Publish if this vCPU's struct does not hold the current anchor yet. */
static void kvmclock_publish_current(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	if (v->time_info && kc->line.valid && v->published_gen != kc->gen)
		kvmclock_publish(kc, v);
}

static bool kvmclock_reanchor_due(const struct kvmclock *kc)
{
	return !kc->line.valid || kc->policy.ops->reanchor_due(&kc->policy, &kc->policy_view);
}

static bool kvmclock_any_on(const struct kvmclock *kc)
{
	for (unsigned int i = 0; i < kc->nr_vcpus; i++)
		if (kc->vcpu[i].time_info)
			return true;
	return false;
}

/* With kc->lock held: wait for a change, or KVMCLOCK_REKICK_NS (then ETIMEDOUT). */
static int kvmclock_wait(struct kvmclock *kc)
{
	struct timespec until = mono_timespec(mono_now_ns() + KVMCLOCK_REKICK_NS);

	return pthread_cond_timedwait(&kc->cond, &kc->lock, &until);
}

/*
 * SMP, with kc->lock held: stop the world, move the anchor, restart the world. Kicks are not
 * lost (vcpu.c), but the wait re-kicks every KVMCLOCK_REKICK_NS all the same, as the stop path
 * does, so no host that drops one can hold every vCPU here for good.
 */
static void kvmclock_sync_update(struct kvmclock *kc, unsigned int id)
{
	kc->updating = true;
	kc->ops.kick_others(kc->ops.opaque, id);
	while (kc->inside)
		if (kvmclock_wait(kc) == ETIMEDOUT && kc->inside)
			kc->ops.kick_others(kc->ops.opaque, id);
	kvmclock_reanchor(kc, &kc->vcpu[id]);
	kc->vcpu[id].stats.syncs++;
	kc->updating = false;
	pthread_cond_broadcast(&kc->cond);
}

/* SMP: anchors move in a stop-the-world sync, so at most once per resync interval. */
static bool kvmclock_sync_due(const struct kvmclock *kc)
{
	if (!kvmclock_any_on(kc) || kc->policy.ops->live)
		return false;
	if (!kc->line.valid)
		return true;
	return kc->clk->read_tsc_fast(kc->clk->ctx) - kc->line.tsc > kc->resync_ticks &&
	       kc->policy.ops->reanchor_due(&kc->policy, &kc->policy_view);
}

static void kvmclock_before_run_smp(struct kvmclock *kc, unsigned int id)
{
	pthread_mutex_lock(&kc->lock);
	while (kc->updating)
		pthread_cond_wait(&kc->cond, &kc->lock);
	if (kvmclock_sync_due(kc))
		kvmclock_sync_update(kc, id);
	if (!kc->policy.ops->live)
		kvmclock_publish_current(kc, &kc->vcpu[id]);
	kc->inside++;
	pthread_mutex_unlock(&kc->lock);
}

static void kvmclock_before_run_up(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	if (kvmclock_reanchor_due(kc))
		kvmclock_reanchor(kc, v);
	kvmclock_publish_current(kc, v);
}

void kvmclock_before_run(struct kvmclock *kc, unsigned int id)
{
	struct kvmclock_vcpu *v = &kc->vcpu[id];
	uint64_t t0 = 0;

	if (kc->measure && v->time_info)
		t0 = kc->clk->read_tsc(kc->clk->ctx);
	if (kc->nr_vcpus > 1)
		kvmclock_before_run_smp(kc, id);
	else if (v->time_info && !kc->policy.ops->live)
		kvmclock_before_run_up(kc, v);
	if (t0)
		clock_measure_add_publish(kc->measure, kc->clk->read_tsc(kc->clk->ctx) - t0);
	if (__atomic_load_n(&kc->probing, __ATOMIC_RELAXED))
		v->entry_ns = kc->clk->read_mono_ns(kc->clk->ctx);
}

/* The live policy's thread: a new anchor, written into every struct while the vCPUs run. */
void kvmclock_live_publish(struct kvmclock *kc)
{
	pthread_mutex_lock(&kc->lock);
	if (kvmclock_any_on(kc)) {
		kvmclock_reanchor(kc, &kc->vcpu[0]);
		for (unsigned int i = 0; i < kc->nr_vcpus; i++)
			kvmclock_publish_current(kc, &kc->vcpu[i]);
	}
	pthread_mutex_unlock(&kc->lock);
}

void kvmclock_after_run(struct kvmclock *kc, unsigned int id)
{
	if (kc->nr_vcpus == 1)
		return;
	pthread_mutex_lock(&kc->lock);
	kc->inside--;
	if (kc->updating && !kc->inside)
		pthread_cond_broadcast(&kc->cond);
	pthread_mutex_unlock(&kc->lock);
}

void kvmclock_total_stats(const struct kvmclock *kc, struct kvmclock_stats *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < kc->nr_vcpus; i++) {
		const struct kvmclock_stats *s = &kc->vcpu[i].stats;

		t->msr_writes += s->msr_writes;
		t->publishes += s->publishes;
		t->anchors += s->anchors;
		t->clamps += s->clamps;
		t->bad_addresses += s->bad_addresses;
		t->wide_samples += s->wide_samples;
		t->syncs += s->syncs;
		t->probes += s->probes;
		t->probe_violations += s->probe_violations;
		if (s->max_wall_error_ns > t->max_wall_error_ns)
			t->max_wall_error_ns = s->max_wall_error_ns;
		if (s->best_sample_ns &&
		    (!t->best_sample_ns || s->best_sample_ns < t->best_sample_ns))
			t->best_sample_ns = s->best_sample_ns;
	}
}
