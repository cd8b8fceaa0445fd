/*
 * kvmclock host glue. Every vCPU publishes the same anchor (the shared timeline in kc->line),
 * so readings agree across vCPUs and PVCLOCK_TSC_STABLE_BIT is honest. The anchor only moves
 * while no vCPU is inside KVM_RUN: with one vCPU that is every entry, for free; with several,
 * in a sync (kvmclock_sync.c), as KVM's "master clock" update does. A vCPU still running on an
 * old anchor could otherwise read a later time than another vCPU that already has the new,
 * slower line.
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
	kc->check_ticks = ns_to_ticks(kc, KVMCLOCK_SAMPLER_PERIOD_NS);
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

void kvmclock_reanchor(struct kvmclock *kc, struct kvmclock_vcpu *v)
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
	s.mono_ns += (uint64_t)kvmclock_guest_offset(kc); /* the guest's time, not the host's */
	pvclock_line_reanchor(&kc->line, &s, &rate, &res);
	kc->gen++;
	v->stats.anchors++;
	v->stats.clamps += res.clamped;
}

void kvmclock_publish_current(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	if (v->time_info && kc->line.valid && v->published_gen != kc->gen) {
		uint8_t flags = kc->flags;

		if (unlikely(v->stopped))
			flags |= kvmclock_stopped_flag(v);
		pvclock_publish(&v->writer, v->time_info, &kc->line, v->tsc_offset, flags);
		v->published_gen = kc->gen;
		v->stats.publishes++;
	}
}

bool kvmclock_reanchor_due(const struct kvmclock *kc)
{
	return !kc->line.valid || kc->policy.ops->reanchor_due(&kc->policy, &kc->policy_view);
}

/* One vCPU: nothing else moves the anchor (the live policy's thread aside), so no lock. */
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
	if (kc->policy.ops->live)
		; /* the live policy's thread publishes, while the vCPUs run */
	else if (kc->nr_vcpus > 1)
		kvmclock_before_run_smp(kc, v, id);
	else if (v->time_info)
		kvmclock_before_run_up(kc, v);
	if (t0)
		clock_measure_add_publish(kc->measure, kc->clk->read_tsc(kc->clk->ctx) - t0);
	if (__atomic_load_n(&kc->probing, __ATOMIC_RELAXED))
		v->entry_ns = kc->clk->read_mono_ns(kc->clk->ctx);
}

void kvmclock_after_run(struct kvmclock *kc, unsigned int id)
{
	if (kc->nr_vcpus > 1 && !kc->policy.ops->live)
		kvmclock_leave(kc, &kc->vcpu[id]);
}

/* The live policy's thread: a new anchor, written into every struct while the vCPUs run. */
void kvmclock_live_publish(struct kvmclock *kc)
{
	bool any_on = false;

	pthread_mutex_lock(&kc->lock);
	for (unsigned int i = 0; i < kc->nr_vcpus; i++)
		any_on |= kc->vcpu[i].time_info != NULL;
	if (any_on) {
		kvmclock_reanchor(kc, &kc->vcpu[0]);
		for (unsigned int i = 0; i < kc->nr_vcpus; i++)
			kvmclock_publish_current(kc, &kc->vcpu[i]);
	}
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
		t->wall_writes += s->wall_writes;
		t->sync_wait_ns += s->sync_wait_ns;
		if (s->sync_wait_max_ns > t->sync_wait_max_ns)
			t->sync_wait_max_ns = s->sync_wait_max_ns;
		t->probes += s->probes;
		t->probe_violations += s->probe_violations;
		if (s->max_wall_error_ns > t->max_wall_error_ns)
			t->max_wall_error_ns = s->max_wall_error_ns;
		if (s->best_sample_ns &&
		    (!t->best_sample_ns || s->best_sample_ns < t->best_sample_ns))
			t->best_sample_ns = s->best_sample_ns;
	}
}
