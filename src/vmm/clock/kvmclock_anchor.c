/*
 * The kvmclock host's base: the model of MONOTONIC, guest time, samples, re-anchoring the
 * shared line and publishing it, and checking guest struct addresses. Every other kvmclock
 * file calls down into this one; it calls none of them.
 *
 * The model is a seqlock: the sampler thread (kvmclock_sampler.c) is its only writer, vCPUs
 * read it lock-free. An anchor takes its MONOTONIC from the model at the TSC now.
 *
 * kvmclock_enter_up is the hot path with one vCPU, before every KVM_RUN. Everything it runs is
 * in this file or inline (the TSC read, the re-anchor, the publish): after an exit the caches
 * and TLBs are cold, and each call into another page cost ~20 ns on PVM, more than the work.
 */
#include "clock/kvmclock_internal.h"

#include <inttypes.h>

#include "core/log.h"
#include "pvclock_sample.h"

uint64_t kvmclock_ticks_to_ns(const struct kvmclock *kc, uint64_t ticks)
{
	return (uint64_t)((unsigned __int128)ticks * 1000000000u / kc->tsc_hz);
}

uint64_t kvmclock_sample_bound(const struct kvmclock *kc)
{
	return __atomic_load_n(&kc->max_sample_ticks, __ATOMIC_RELAXED);
}

/* Odd seq while the (single) writer is in the middle of an update. */
void kvmclock_set_model(struct kvmclock *kc, const struct pvclock_line *line,
			long double ns_per_tick)
{
	uint32_t seq = __atomic_load_n(&kc->model.seq, __ATOMIC_RELAXED);

	__atomic_store_n(&kc->model.seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	kc->model.line = *line;
	kc->model.ns_per_tick = ns_per_tick;
	kc->model.changes = kc->rate.changes;
	__atomic_store_n(&kc->model.seq, seq + 2, __ATOMIC_RELEASE);
}

bool kvmclock_get_model(const struct kvmclock *kc, struct pvclock_line *line,
			long double *ns_per_tick, unsigned long *changes)
{
	uint32_t seq;

	do {
		seq = __atomic_load_n(&kc->model.seq, __ATOMIC_ACQUIRE);
		*line = kc->model.line;
		if (ns_per_tick) /* x87 copies are slow: only for those who ask */
			*ns_per_tick = kc->model.ns_per_tick;
		if (changes)
			*changes = kc->model.changes;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) || seq != __atomic_load_n(&kc->model.seq, __ATOMIC_RELAXED));
	return line->valid;
}

long double kvmclock_model_ns(const struct kvmclock *kc, uint64_t tsc)
{
	struct pvclock_line m;
	long double ns_per_tick;

	if (!kvmclock_get_model(kc, &m, &ns_per_tick, NULL))
		return -1;
	return (long double)m.ns + (long double)kvmclock_guest_offset(kc) +
	       ((long double)tsc - (long double)m.tsc) * ns_per_tick;
}

uint64_t kvmclock_guest_ns(const struct kvmclock *kc)
{
	long double model = kvmclock_model_ns(kc, kc->clk->read_tsc(kc->clk->ctx));

	return model >= 0
		       ? (uint64_t)model
		       : kc->clk->read_mono_ns(kc->clk->ctx) + (uint64_t)kvmclock_guest_offset(kc);
}

void kvmclock_set_guest_ns(struct kvmclock *kc, uint64_t guest_ns)
{
	uint64_t mono = kc->clk->read_mono_ns(kc->clk->ctx);

	__atomic_store_n(&kc->guest_offset_ns, (int64_t)(guest_ns - mono), __ATOMIC_RELAXED);
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

/* Before the sampler's first model: a direct sample, at the rate measured so far. */
static __attribute__((noinline)) void kvmclock_reanchor_sampled(struct kvmclock *kc,
								struct kvmclock_vcpu *v)
{
	struct pvclock_reanchor res;
	struct pvclock_sample s;
	struct pvclock_scale rate;

	if (kvmclock_sample(kc, v, &s))
		return; /* keep the current anchor: it is still a valid line */
	rate = unpack_scale(__atomic_load_n(&kc->rate_scale, __ATOMIC_RELAXED));
	s.mono_ns += (uint64_t)kvmclock_guest_offset(kc); /* the guest's time, not the host's */
	pvclock_line_reanchor(&kc->line, &s, &rate, &res);
	kc->gen++;
	v->stats.anchors++;
	v->stats.clamps += res.clamped;
}

/* Inlined into the hot path; kvmclock_reanchor is the same for the other files. */
static inline __attribute__((always_inline)) void reanchor(struct kvmclock *kc,
							   struct kvmclock_vcpu *v)
{
	struct pvclock_reanchor res;
	struct pvclock_sample s;
	struct pvclock_line model;
	unsigned long changes;

	if (unlikely(!kvmclock_get_model(kc, &model, NULL, &changes))) {
		kvmclock_reanchor_sampled(kc, v);
		return;
	}
	s.tsc = pvclock_clock_tsc_fast(kc->clk);
	s.mono_ns = pvclock_line_at(&model, s.tsc) + (uint64_t)kvmclock_guest_offset(kc);
	pvclock_line_reanchor(&kc->line, &s, &model.scale, &res);
	kc->line_changes = changes;
	kc->gen++;
	v->stats.anchors++;
	v->stats.clamps += res.clamped;
}

void kvmclock_reanchor(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	reanchor(kc, v);
}

/* The flags for @v's next struct: GUEST_STOPPED once after a pause, then until acknowledged. */
static uint8_t kvmclock_stopped_flag(struct kvmclock_vcpu *v)
{
	const volatile struct pvclock_vcpu_time_info *t = v->time_info;

	if (v->stopped == KVMCLOCK_STOPPED_PENDING) {
		v->stopped = KVMCLOCK_STOPPED_SHOWN;
		return PVCLOCK_GUEST_STOPPED;
	}
	if (t->flags & PVCLOCK_GUEST_STOPPED)
		return PVCLOCK_GUEST_STOPPED; /* not acknowledged yet: keep it */
	v->stopped = KVMCLOCK_STOPPED_NONE;
	return 0;
}

static inline __attribute__((always_inline)) void publish_current(struct kvmclock *kc,
								  struct kvmclock_vcpu *v)
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

KVMCLOCK_HOT void kvmclock_publish_current(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	publish_current(kc, v);
}

void kvmclock_publish_held(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	v->published_gen = kc->gen - 1; /* released even where the anchor did not move */
	publish_current(kc, v);
}

bool kvmclock_rate_moved(const struct kvmclock *kc)
{
	struct pvclock_line model;
	unsigned long changes;

	return kvmclock_get_model(kc, &model, NULL, &changes) && changes > kc->line_changes;
}

/* Every policy wants a first anchor; every-entry wants one each time, with no call to ask. */
static bool kvmclock_reanchor_due(const struct kvmclock *kc)
{
	return kc->always_due || !kc->line.valid ||
	       kc->policy.ops->reanchor_due(&kc->policy, &kc->policy_view);
}

KVMCLOCK_HOT void kvmclock_enter_up(struct kvmclock *kc, struct kvmclock_vcpu *v)
{
	if (unlikely(!v->time_info))
		return;
	if (kvmclock_reanchor_due(kc))
		reanchor(kc, v);
	publish_current(kc, v);
}

void *kvmclock_translate(struct kvmclock *kc, unsigned int vcpu, uint32_t msr, uint64_t value,
			 uint64_t gpa, uint64_t len)
{
	struct kvmclock_vcpu *v = &kc->vcpu[vcpu];
	void *ptr = guest_mem_ptr(kc->mem, gpa, len);
	const char *why = NULL;

	if (!ptr)
		why = "lies outside guest RAM";
	else if ((gpa & (GUEST_PAGE_SIZE - 1)) + len > GUEST_PAGE_SIZE)
		why = "crosses a page boundary";
	else if (guest_mem_overlaps_vmm(kc->mem, gpa, len))
		why = "overlaps the VMM's page tables and boot data";
	if (!why)
		return ptr;
	v->stats.bad_addresses++;
	if (!v->warned_bad_address)
		pr_warn("vCPU %u: WRMSR 0x%x value 0x%" PRIx64 ": struct at GPA 0x%" PRIx64
			" (+%" PRIu64 ") %s; clock left off (logged once per vCPU)",
			vcpu, msr, value, gpa, len, why);
	v->warned_bad_address = true;
	return NULL;
}
