/*
 * Clock probes (DOORBELL_PROBE): a guest hands over its readings; the host judges them against
 * its own clocks (the tests' window check, the wall clock) or records them (the demo's samples).
 */
#include "clock/kvmclock_internal.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/log.h"
#include "core/stop.h"
#include "probe_abi.h"
#include "pvclock_sample.h"

/*
 * A measurement sample: the guest's reading against MONOTONIC at the guest's TSC, from a fresh
 * tight sample taken now and the host's rate, back to the moment of the read (microseconds).
 */
static void kvmclock_judge_sample(struct kvmclock *kc, unsigned int id, const struct clock_probe *p)
{
	struct kvmclock_vcpu *v = &kc->vcpu[id];
	uint64_t host_tsc = p->last - v->tsc_offset;
	struct pvclock_sample s;
	struct pvclock_line model;
	long double ns_per_tick, mono;

	if (!kc->measure)
		return;
	/*
	 * The reference must be as tight as the sampler's: the narrowest of five pairs, up to four
	 * times (the first clock read after an exit can be slow, a busy host preempts). A guest
	 * reading with no tight reference is not judged (counted as a wide sample), rather than
	 * charged with the host's own uncertainty.
	 */
	for (int round = 0; pvclock_sample_take(kc->clk, 5, kvmclock_sample_bound(kc), &s); round++)
		if (round == 3) {
			v->stats.wide_samples++;
			return;
		}
	if (!kvmclock_get_model(kc, &model, &ns_per_tick, NULL))
		ns_per_tick = 1e9L / kc->tsc_hz;
	mono = (long double)s.mono_ns + (long double)kvmclock_guest_offset(kc) -
	       ((long double)s.tsc - (long double)host_tsc) * ns_per_tick;
	clock_measure_add(kc->measure,
			  &(struct clock_sample){
				  .host_ns = s.mono_ns,
				  .error_ns = (int64_t)llroundl((long double)p->first - mono),
				  .guest_ns = p->first,
				  .vcpu = id,
				  .retries = p->retries,
				  .exit_cycles = p->extra,
			  });
}

/* A wall-clock sample: the guest's UTC against CLOCK_REALTIME now (pvclock-vmm wallclock). */
static void kvmclock_record_wall_sample(struct kvmclock *kc, unsigned int id,
					const struct clock_probe *p, uint64_t mono, uint64_t real)
{
	struct clock_sample s = {
		.host_ns = mono,
		.error_ns = (int64_t)(p->first - real),
		.guest_ns = p->last,
		.vcpu = id,
		.wall_base_ns = p->first - p->last,
	};

	kc->vcpu[id].stats.probes++;
	if (kc->measure)
		clock_measure_add(kc->measure, &s);
}

int kvmclock_probe_ring(void *opaque, unsigned int vcpu_id, uint64_t gpa)
{
	struct kvmclock *kc = opaque;
	struct kvmclock_vcpu *v = &kc->vcpu[vcpu_id];
	uint64_t mono = kc->clk->read_mono_ns(kc->clk->ctx);
	uint64_t real = kc->clk->read_real_ns(kc->clk->ctx);
	struct clock_probe p;

	if (!guest_mem_fetch(kc->mem, vcpu_id, "clock probe", gpa, &p, sizeof(p)))
		return VM_STOP_GUEST_ERROR;
	if (p.kind == CLOCK_PROBE_MONO) {
		if (!__atomic_exchange_n(&kc->probing, true, __ATOMIC_RELAXED))
			return VM_RUNNING; /* no entry time recorded yet for this run */
		uint64_t off = (uint64_t)kvmclock_guest_offset(kc); /* guest time, not host */

		v->stats.probes++;
		if (p.first >= v->entry_ns + off && p.first <= p.last && p.last <= mono + off)
			return VM_RUNNING;
		if (v->stats.probe_violations++ < KVMCLOCK_PROBE_LOG_MAX)
			pr_err("vCPU %u: guest clock readings %" PRIu64 "..%" PRIu64 " outside the "
			       "host's window %" PRIu64 "..%" PRIu64
			       " (MONOTONIC at entry, at exit)",
			       vcpu_id, p.first - off, p.last - off, v->entry_ns, mono);
	} else if (p.kind == CLOCK_PROBE_WALL) {
		uint64_t err = p.last > real ? p.last - real : real - p.last;
		/* The guest read its clock at some moment of this run: as early as its entry. */
		uint64_t ran = v->entry_ns && mono > v->entry_ns ? mono - v->entry_ns : 0;

		v->stats.probes++;
		if (err > v->stats.max_wall_error_ns)
			v->stats.max_wall_error_ns = err;
		if (err <= CLOCK_PROBE_WALL_BOUND_NS + ran)
			return VM_RUNNING;
		if (v->stats.probe_violations++ < KVMCLOCK_PROBE_LOG_MAX)
			pr_err("vCPU %u: guest wall clock %" PRIu64 " is %" PRIu64
			       " ns from CLOCK_REALTIME %" PRIu64 " (bound %llu ns + %" PRIu64
			       " ns since the entry)",
			       vcpu_id, p.last, err, real, CLOCK_PROBE_WALL_BOUND_NS, ran);
	} else if (p.kind == CLOCK_PROBE_SAMPLE) {
		kvmclock_judge_sample(kc, vcpu_id, &p);
	} else if (p.kind == CLOCK_PROBE_WALL_SAMPLE) {
		kvmclock_record_wall_sample(kc, vcpu_id, &p, mono, real);
	} else if (p.kind == CLOCK_PROBE_READ_COST) {
		if (kc->measure)
			clock_measure_add_reads(kc->measure, p.first, p.last);
	} else {
		pr_err("vCPU %u: clock probe of unknown kind %u", vcpu_id, p.kind);
		return VM_STOP_GUEST_ERROR;
	}
	return VM_RUNNING;
}
