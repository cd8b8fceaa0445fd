/*
 * kvmclock host glue, the top of its files: set-up and teardown, its threads' start and stop,
 * the MSRs' registration, and the entry before and the exit after KVM_RUN.
 *
 * Every vCPU publishes the same anchor (the shared timeline in kc->line), so readings agree
 * across vCPUs and PVCLOCK_TSC_STABLE_BIT is honest. The anchor only moves while no vCPU is
 * inside KVM_RUN: with one vCPU that is every entry, for free; with several, in a sync
 * (kvmclock_sync.c), as KVM's "master clock" update does. A vCPU still running on an old
 * anchor could otherwise read a later time than another vCPU that already has the new, slower
 * line.
 *
 * When a new anchor is taken is the policy's choice (policy.h). A sampler thread measures
 * MONOTONIC's rate against the TSC once per millisecond; anchors take their slope from it.
 *
 * Calls run one way: this file calls kvmclock_sync.c, _sampler.c, _msr.c, _wall.c and
 * clock_probe.c, which call the base, kvmclock_anchor.c (see kvmclock_internal.h).
 */
#include "clock/kvmclock_internal.h"

#include "clock/adversary.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/log.h"
#include "core/mono_time.h"

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

static bool view_rate_moved(const struct clock_policy_view *v)
{
	return kvmclock_rate_moved(view_host(v));
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
	kc->always_due = policy->ops->always_due;
	kc->entry = policy->ops->live ? KVMCLOCK_ENTRY_LIVE
		    : nr_vcpus > 1    ? KVMCLOCK_ENTRY_SMP
				      : KVMCLOCK_ENTRY_UP;
	kc->policy_view = (struct clock_policy_view){
		.line = &kc->line,
		.tsc_now = view_tsc_now,
		.ticks_to_ns = view_ticks_to_ns,
		.model_ns = view_model_ns,
		.rate_moved = view_rate_moved,
	};
	kc->nr_vcpus = nr_vcpus;
	kc->tsc_hz = tsc_hz;
	kc->min_bound_ticks = ns_to_ticks(kc, KVMCLOCK_SAMPLE_MAX_NS);
	kc->max_sample_ticks = kc->min_bound_ticks;
	kc->resync_ticks = ns_to_ticks(kc, KVMCLOCK_RESYNC_NS);
	kc->check_ticks = ns_to_ticks(kc, KVMCLOCK_SAMPLER_PERIOD_NS);
	kc->flags = kvmclock_views_agree(kc) ? PVCLOCK_TSC_STABLE_BIT : 0;
	pvclock_rate_init(&kc->rate, tsc_hz, KVMCLOCK_RATE_MIN_SPAN_S, KVMCLOCK_RATE_HALF_LIFE_S);
	if (pvclock_scale_from_hz(tsc_hz, &nominal)) {
		pr_err("kvmclock: no scale for a %" PRIu64 " Hz TSC", tsc_hz);
		return -EINVAL;
	}
	kc->rate_scale = pack_scale(nominal);
	kc->start_ns = clk->read_mono_ns(clk->ctx);
	ret = pthread_mutex_init(&kc->lock, NULL);
	if (ret)
		return -ret;
	ret = mono_cond_init(&kc->cond); /* timed waits in kvmclock_wait */
	if (ret)
		pthread_mutex_destroy(&kc->lock);
	return -ret;
}

void kvmclock_destroy(struct kvmclock *kc)
{
	kvmclock_stop(kc);
	pthread_cond_destroy(&kc->cond);
	pthread_mutex_destroy(&kc->lock);
}

int kvmclock_start(struct kvmclock *kc)
{
	const struct clock_adversary *a = kc->policy.ops->adversary;
	int ret;

	/* Anchors far in the past need guest time past them: as if the guest booted long ago. */
	if (a && a->rebase_ticks && !kc->line.valid)
		kvmclock_set_guest_ns(kc,
				      kvmclock_ticks_to_ns(kc, a->rebase_ticks) + 1000000000ull);
	ret = pthread_create(&kc->sampler, NULL, kvmclock_sampler_thread, kc);

	if (ret) {
		pr_err("kvmclock: cannot start the sampler thread: %s", strerror(ret));
		return -ret;
	}
	kc->sampler_started = true;
	ret = kvmclock_wall_start(kc);
	if (ret || !kc->policy.ops->live)
		return ret;
	ret = pthread_create(
		&kc->live, NULL,
		kc->policy.ops->adversary ? kvmclock_adversary_thread : kvmclock_live_thread, kc);
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

void kvmclock_hold(struct kvmclock *kc)
{
	pthread_mutex_lock(&kc->lock);
}

void kvmclock_release(struct kvmclock *kc)
{
	pthread_mutex_unlock(&kc->lock);
}

int kvmclock_register(struct kvmclock *kc, struct msr_table *msrs, struct doorbell *db)
{
	int ret = 0;

	/* The kernel policy traps nothing: KVM's own kvmclock answers the guest. */
	if (!kc->policy.ops->in_kernel)
		ret = kvmclock_msr_add(kc, msrs);
	if (!ret && !kc->policy.ops->in_kernel)
		ret = kvmclock_wall_add(kc, msrs);
	if (!ret)
		ret = doorbell_connect(db, DOORBELL_PROBE, "clock-probe", kvmclock_probe_ring, kc);
	return ret;
}

/* The entry's work, by kind (the live policy's thread publishes while the vCPUs run). */
static inline __attribute__((always_inline)) void enter(struct kvmclock *kc,
							struct kvmclock_vcpu *v, unsigned int id)
{
	if (likely(kc->entry == KVMCLOCK_ENTRY_UP))
		kvmclock_enter_up(kc, v);
	else if (kc->entry == KVMCLOCK_ENTRY_SMP)
		kvmclock_before_run_smp(kc, v, id);
}

/* The demo's and the bench's timing of the entry: the same code, between two TSC reads. */
static KVMCLOCK_HOT __attribute__((noinline)) void
enter_measured(struct kvmclock *kc, struct kvmclock_vcpu *v, unsigned int id)
{
	uint64_t t0 = kc->clk->read_tsc(kc->clk->ctx), t1, t2;

	enter(kc, v, id);
	t1 = kc->clk->read_tsc(kc->clk->ctx);
	t2 = kc->clk->read_tsc(kc->clk->ctx);
	clock_measure_add_publish(kc->measure, t1 - t0, t2 - t1);
}

KVMCLOCK_HOT void kvmclock_before_run(struct kvmclock *kc, unsigned int id)
{
	struct kvmclock_vcpu *v = &kc->vcpu[id];

	if (unlikely(kc->measure) && v->time_info)
		enter_measured(kc, v, id);
	else
		enter(kc, v, id);
	if (unlikely(__atomic_load_n(&kc->probing, __ATOMIC_RELAXED)))
		v->entry_ns = kc->clk->read_mono_ns(kc->clk->ctx);
}

KVMCLOCK_HOT void kvmclock_after_run(struct kvmclock *kc, unsigned int id)
{
	struct kvmclock_vcpu *v = &kc->vcpu[id];
	const char *t = v->time_info;

	/*
	 * The next entry writes the guest's struct, and after an exit its TLB entry and cache
	 * line are gone: ~80 ns of a publish on PVM, spent waiting. Prefetched now, for writing,
	 * the walk overlaps the handling of this exit. (It cannot fault; the struct is on one
	 * page, maybe on two lines.)
	 */
	if (t) {
		__builtin_prefetch(t, 1, 3);
		__builtin_prefetch(t + sizeof(struct pvclock_vcpu_time_info) - 1, 1, 3);
	}
	if (kc->entry == KVMCLOCK_ENTRY_SMP)
		kvmclock_leave(kc, v);
}

void kvmclock_total_stats(const struct kvmclock *kc, struct kvmclock_stats *t)
{
	memset(t, 0, sizeof(*t));
	t->rate_changes = __atomic_load_n(&kc->rate_changes, __ATOMIC_RELAXED);
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
		if (s->max_adversary_error_ns > t->max_adversary_error_ns)
			t->max_adversary_error_ns = s->max_adversary_error_ns;
		if (s->best_sample_ns &&
		    (!t->best_sample_ns || s->best_sample_ns < t->best_sample_ns))
			t->best_sample_ns = s->best_sample_ns;
	}
}
