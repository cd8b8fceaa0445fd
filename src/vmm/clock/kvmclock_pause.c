/*
 * The guest clock across a pause, a snapshot and a restore. Guest time is host MONOTONIC plus
 * kc->guest_offset_ns; these run only while every vCPU is held out of KVM_RUN, so nothing
 * reads the anchor or the offset meanwhile (the hold's lock orders them with the vCPUs).
 *
 * The guest can only have read the line at TSCs before its vCPUs stopped, so the line at the
 * TSC now is at or past every reading: resuming from there never steps back. Resuming gives
 * every enabled vCPU PVCLOCK_GUEST_STOPPED in its struct, written at once, as KVM_KVMCLOCK_CTRL
 * does in KVM: the flag stays in each rewrite until the guest clears it (Linux does, in its
 * watchdog code), and is never set twice for one pause.
 */
#include "clock/kvmclock_internal.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "pvclock_abi.h"

int kvmclock_pause_mode_parse(const char *text, enum kvmclock_pause_mode *mode)
{
	if (!text || !strcmp(text, "freeze")) {
		*mode = KVMCLOCK_PAUSE_FREEZE;
		return 0;
	}
	if (!strcmp(text, "continue")) {
		*mode = KVMCLOCK_PAUSE_CONTINUE;
		return 0;
	}
	pr_err("invalid pause-clock mode '%s' (freeze or continue)", text);
	return -EINVAL;
}

const char *kvmclock_pause_mode_name(enum kvmclock_pause_mode mode)
{
	return mode == KVMCLOCK_PAUSE_CONTINUE ? "continue" : "freeze";
}

uint64_t kvmclock_held_guest_ns(struct kvmclock *kc)
{
	uint64_t tsc = kc->clk->read_tsc(kc->clk->ctx);
	long double model;

	if (kc->line.valid)
		return pvclock_line_at(&kc->line, tsc);
	model = kvmclock_model_ns(kc, tsc);
	return model >= 0
		       ? (uint64_t)model
		       : kc->clk->read_mono_ns(kc->clk->ctx) + (uint64_t)kvmclock_guest_offset(kc);
}

void kvmclock_resume_at(struct kvmclock *kc, uint64_t guest_ns, bool stopped_flag)
{
	uint64_t mono = kc->clk->read_mono_ns(kc->clk->ctx);

	pthread_mutex_lock(&kc->lock);
	__atomic_store_n(&kc->guest_offset_ns, (int64_t)(guest_ns - mono), __ATOMIC_RELAXED);
	/* A fresh line, not a clamped one: under freeze the old line runs ahead of the new. */
	kc->line.valid = false;
	kvmclock_reanchor(kc, &kc->vcpu[0]);
	kc->gen++;
	/*
	 * Every struct is written now, with the flag: under freeze the old struct runs ahead of
	 * the new line at every TSC from here, and the live policies' threads (and a first
	 * entry that has no anchor due) would leave it there for the guest's first readings.
	 */
	for (unsigned int i = 0; i < kc->nr_vcpus; i++) {
		struct kvmclock_vcpu *v = &kc->vcpu[i];

		if (!v->time_info)
			continue;
		if (stopped_flag)
			v->stopped = KVMCLOCK_STOPPED_PENDING;
		kvmclock_publish_current(kc, v);
		v->adversary_line = kc->line; /* what the struct says: the modes go on from it */
	}
	pthread_mutex_unlock(&kc->lock);
}
