/*
 * Several vCPUs: entries that share nothing, and the rare sync that moves the shared anchor.
 *
 * An entry takes no lock and writes nothing another vCPU reads: it announces itself, checks
 * that no sync is under way, and republishes its own struct only when the anchor's generation
 * changed (a struct it was given after a sync). The anchor (and the flags) change only in a
 * sync, while every vCPU is out of KVM_RUN, and the sync writes every struct before it lets
 * them go, so a guest never sees two structs on two anchors at once, whichever vCPU's it
 * reads: the STABLE bit stays true.
 * The handshake is Dekker's, on seq_cst operations:
 *
 *   entering vCPU                          sync (kc->lock held)
 *   E1 inside = 1                          U1 updating = 1
 *   E2 if updating: back off (X1..X2),     U2 kick each vCPU found inside; wait until none is
 *      wait for the sync's end, to E1         (woken by X2, re-kicked every KVMCLOCK_REKICK_NS)
 *   E3 read the anchor; publish; KVM_RUN   U3 move the anchor; updating = 0; wake the waiters
 *   X1 inside = 0 (after KVM_RUN)
 *   X2 if updating: wake the sync
 *
 * If E2 reads updating == 0, E2 precedes U1, so E1 precedes U2's loads: the sync sees the vCPU
 * inside and waits for its X1; the anchor cannot move between its E3 and its KVM_RUN. If U2
 * reads inside == 0 for a vCPU, its later E2 reads updating == 1 and it backs off. A vCPU that
 * X2 finds updating takes kc->lock to wake the sync, which checks U2 under that lock, so the
 * wake-up is not lost. Kicks are not lost either (machine/vcpu.c).
 *
 * When: with the model of MONOTONIC measured to a fraction of a ppm, a shared anchor stays
 * right for a long time, so a sync happens only when the policy allows a new anchor, at most
 * every KVMCLOCK_RESYNC_NS, and the model says the published line has drifted by more than the
 * host can measure (half the widest sample it takes), or, for threshold:<ns>, by more than
 * <ns>: not on a timer.
 */
#include "clock/kvmclock_internal.h"

#include <errno.h>
#include <math.h>
#include <time.h>

#include "core/mono_time.h"

static KVMCLOCK_HOT void kvmclock_enter(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	for (;;) {
		__atomic_store_n(&v->inside, 1, __ATOMIC_SEQ_CST);	       /* E1 */
		if (likely(!__atomic_load_n(&kc->updating, __ATOMIC_SEQ_CST))) /* E2 */
			return;
		kvmclock_leave(kc, v);
		pthread_mutex_lock(&kc->lock);
		while (__atomic_load_n(&kc->updating, __ATOMIC_RELAXED))
			pthread_cond_wait(&kc->cond, &kc->lock);
		pthread_mutex_unlock(&kc->lock);
	}
}

KVMCLOCK_HOT void kvmclock_leave(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	__atomic_store_n(&v->inside, 0, __ATOMIC_SEQ_CST);		  /* X1 */
	if (unlikely(__atomic_load_n(&kc->updating, __ATOMIC_SEQ_CST))) { /* X2 */
		pthread_mutex_lock(&kc->lock);
		pthread_cond_broadcast(&kc->cond);
		pthread_mutex_unlock(&kc->lock);
	}
}

/* With kc->lock held: kick every other vCPU inside; false when none is. */
static bool kvmclock_kick_inside(struct kvmclock *kc, unsigned int id)
{
	bool any = false;

	for (unsigned int i = 0; i < kc->nr_vcpus; i++) {
		if (i == id || !__atomic_load_n(&kc->vcpu[i].inside, __ATOMIC_SEQ_CST))
			continue;
		kc->ops.kick(kc->ops.opaque, i);
		any = true;
	}
	return any;
}

static bool kvmclock_any_inside(const struct kvmclock *kc, unsigned int id)
{
	for (unsigned int i = 0; i < kc->nr_vcpus; i++)
		if (i != id && __atomic_load_n(&kc->vcpu[i].inside, __ATOMIC_SEQ_CST))
			return true;
	return false;
}

/* With kc->lock held: wait for a change, or KVMCLOCK_REKICK_NS (then ETIMEDOUT). */
static int kvmclock_wait(struct kvmclock *kc)
{
	struct timespec until = mono_timespec(mono_now_ns() + KVMCLOCK_REKICK_NS);

	return pthread_cond_timedwait(&kc->cond, &kc->lock, &until);
}

void kvmclock_stop_world(struct kvmclock *kc, unsigned int id)
{
	struct kvmclock_vcpu *v = &kc->vcpu[id];
	uint64_t t0, waited;

	while (__atomic_load_n(&kc->updating, __ATOMIC_RELAXED)) /* another vCPU's sync */
		pthread_cond_wait(&kc->cond, &kc->lock);
	t0 = kc->clk->read_mono_ns(kc->clk->ctx);
	__atomic_store_n(&kc->updating, 1, __ATOMIC_SEQ_CST); /* U1 */
	if (kvmclock_kick_inside(kc, id))
		while (kvmclock_any_inside(kc, id)) /* U2 */
			if (kvmclock_wait(kc) == ETIMEDOUT)
				kvmclock_kick_inside(kc, id);
	waited = kc->clk->read_mono_ns(kc->clk->ctx) - t0;
	v->stats.syncs++;
	v->stats.sync_wait_ns += waited;
	if (waited > v->stats.sync_wait_max_ns)
		v->stats.sync_wait_max_ns = waited;
	if (kc->measure)
		clock_measure_add_sync(kc->measure, waited);
}

void kvmclock_start_world(struct kvmclock *kc)
{
	/*
	 * Every struct gets what the sync changed before any vCPU runs again, not each at its
	 * own next entry: a guest may read another vCPU's struct (Linux's vDSO reads vCPU 0's
	 * on every CPU), and one left on the old line while the others run on the new one is a
	 * cross-vCPU warp. No vCPU is between E1 and X1 (U2), so none writes its own meanwhile.
	 */
	for (unsigned int i = 0; i < kc->nr_vcpus; i++)
		kvmclock_publish_current(kc, &kc->vcpu[i]);
	__atomic_store_n(&kc->updating, 0, __ATOMIC_SEQ_CST); /* U3 */
	pthread_cond_broadcast(&kc->cond);
}

/* Does the anchor need to move? Only where no sync can move it meanwhile (E3, or kc->lock). */
static bool kvmclock_sync_due(const struct kvmclock *kc)
{
	uint64_t tsc, bound_ns;
	long double model;
	bool rate_moved = kvmclock_rate_moved(kc);

	if (unlikely(!kc->line.valid))
		return true;
	tsc = pvclock_clock_tsc_fast(kc->clk);
	if ((tsc - kc->line.tsc < kc->resync_ticks && !rate_moved) ||
	    !kc->policy.ops->reanchor_due(&kc->policy, &kc->policy_view))
		return false;
	/* threshold:<ns>: the user's bound, not the host's floor; a new rate: the old slope */
	if (kc->policy.ops->bounds_error || rate_moved)
		return true;
	model = kvmclock_model_ns(kc, tsc);
	if (model < 0)
		return false; /* no model yet: keep the anchor */
	bound_ns = kvmclock_ticks_to_ns(kc, kvmclock_sample_bound(kc)) / 2;
	return fabsl((long double)pvclock_line_at(&kc->line, tsc) - model) > (long double)bound_ns;
}

static void kvmclock_sync_reanchor(struct kvmclock *kc, unsigned int id)
{
	pthread_mutex_lock(&kc->lock);
	while (__atomic_load_n(&kc->updating, __ATOMIC_RELAXED))
		pthread_cond_wait(&kc->cond, &kc->lock);
	if (kvmclock_sync_due(kc)) { /* still: another vCPU's sync may have just moved it */
		kvmclock_stop_world(kc, id);
		kvmclock_reanchor(kc, &kc->vcpu[id]); /* on the newest model and its rate */
		kvmclock_start_world(kc);
	}
	pthread_mutex_unlock(&kc->lock);
}

/*
 * The model moves once per sampler period: between two of its updates the answer cannot
 * change, so each vCPU asks at most once per period (and on every entry until the first anchor).
 */
static bool kvmclock_check_due(const struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	uint64_t tsc;
	unsigned long changes;

	if (unlikely(!kc->line.valid))
		return true;
	tsc = pvclock_clock_tsc_fast(kc->clk);
	/* A new rate asks at once, once per vCPU (a policy may still decline the sync). */
	changes = __atomic_load_n(&kc->rate_changes, __ATOMIC_RELAXED);
	if (likely(tsc - v->last_check_tsc < kc->check_ticks && changes == v->seen_changes))
		return false;
	v->last_check_tsc = tsc;
	v->seen_changes = changes;
	return kvmclock_sync_due(kc);
}

KVMCLOCK_HOT void kvmclock_before_run_smp(struct kvmclock *kc, struct kvmclock_vcpu *v,
					  unsigned int id)
{
	kvmclock_enter(kc, v);
	if (unlikely(!v->time_info))
		return;
	if (unlikely(kvmclock_check_due(kc, v))) {
		kvmclock_leave(kc, v);
		kvmclock_sync_reanchor(kc, id);
		kvmclock_enter(kc, v);
	}
	kvmclock_publish_current(kc, v); /* E3 */
}
