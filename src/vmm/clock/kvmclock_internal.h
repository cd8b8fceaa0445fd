/* What the kvmclock host's files share: its constants and helpers (not for other modules). */
#ifndef VMM_KVMCLOCK_INTERNAL_H
#define VMM_KVMCLOCK_INTERNAL_H

#include "clock/kvmclock.h"

#include <time.h>

#define KVMCLOCK_SAMPLE_TRIES 3
/*
 * Refuse (TSC, MONOTONIC) pairs wider than 250 ns, or than 4x this host's typical width where
 * that is larger (slow or emulated hosts), so a preempted sample never becomes an anchor.
 */
#define KVMCLOCK_SAMPLE_MAX_NS	   250
#define KVMCLOCK_WIDTH_FACTOR	   4
#define KVMCLOCK_RESYNC_NS	   100000000ull /* SMP: anchors move at most every 100 ms */
#define KVMCLOCK_SAMPLER_PERIOD_NS 1000000ull	/* the sampler thread's period: 1 ms */
#define KVMCLOCK_RATE_MIN_SPAN_S   0.05
#define KVMCLOCK_RATE_HALF_LIFE_S  60.0
#define KVMCLOCK_PROBE_LOG_MAX	   5
#define KVMCLOCK_REKICK_NS	   100000000 /* SMP sync: re-kick vCPUs still inside after 100 ms */

/*
 * The entry's functions, in .text.hot: the linker puts them side by side, so an entry after an
 * exit (cold TLB) walks to one page of code, not one per file.
 */
#define KVMCLOCK_HOT __attribute__((hot))

static inline uint64_t ns_to_ticks(const struct kvmclock *kc, uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * kc->tsc_hz / 1000000000u);
}

/* The rate as a scale packed in one word, so vCPUs read it with one atomic load. */
static inline uint64_t pack_scale(struct pvclock_scale sc)
{
	return sc.mul | (uint64_t)(uint8_t)sc.shift << 32;
}

static inline struct pvclock_scale unpack_scale(uint64_t v)
{
	return (struct pvclock_scale){ (uint32_t)v, (int8_t)(uint8_t)(v >> 32) };
}

/* A vCPU's GUEST_STOPPED state: set in its next struct, then kept until the guest clears it. */
enum kvmclock_stopped {
	KVMCLOCK_STOPPED_NONE,
	KVMCLOCK_STOPPED_PENDING,
	KVMCLOCK_STOPPED_SHOWN,
};

static inline void kvmclock_sleep_ns(uint64_t ns)
{
	struct timespec t = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	nanosleep(&t, NULL);
}

/* The host's threads (sampler, live publisher, adversary) end when this turns true. */
static inline bool kvmclock_threads_stopping(struct kvmclock *kc)
{
	return __atomic_load_n(&kc->stop_threads, __ATOMIC_ACQUIRE);
}

/*
 * Whether every vCPU's struct holds the same anchor (so PVCLOCK_TSC_STABLE_BIT is honest, while
 * TSC offsets agree). The live policy's publisher moves the line while other vCPUs run, so not
 * with several; conform's modes say in their own flags what they promise.
 */
static inline bool kvmclock_views_agree(const struct kvmclock *kc)
{
	return !kc->policy.ops->live || kc->policy.ops->adversary || kc->nr_vcpus == 1;
}

static inline int64_t kvmclock_guest_offset(const struct kvmclock *kc)
{
	return __atomic_load_n(&kc->guest_offset_ns, __ATOMIC_RELAXED);
}

/*
 * The files of the kvmclock host call one way: kvmclock.c (set-up, threads, the entry) calls
 * the concerns below it, and they call the base, kvmclock_anchor.c; kvmclock_msr.c also calls
 * kvmclock_sync.c, for the flag change that must stop the world. Nothing calls up.
 */

/* kvmclock_anchor.c: the widest (TSC, MONOTONIC) sample still taken, in ticks. */
uint64_t kvmclock_sample_bound(const struct kvmclock *kc);
/*
 * kvmclock_anchor.c: a new anchor at the TSC now. Its MONOTONIC comes from the sampler's model
 * (a tight sample at most ~1 ms old, extended at the fitted rate), not from a clock_gettime
 * right after KVM_RUN returned, which is slow and biased on some hosts; before the model
 * exists, from a direct sample. Only where nothing else reads or moves the anchor.
 */
void kvmclock_reanchor(struct kvmclock *kc, struct kvmclock_vcpu *v);
/* kvmclock_anchor.c: write @v's struct if it does not hold the current anchor and flags yet. */
void kvmclock_publish_current(struct kvmclock *kc, struct kvmclock_vcpu *v);
/* Publish the current line into @v's struct even if it did not move (one held odd). */
void kvmclock_publish_held(struct kvmclock *kc, struct kvmclock_vcpu *v);
/*
 * kvmclock_anchor.c: the entry of the only vCPU: a new anchor if the policy wants one (nothing
 * else moves it, the live policy's thread aside), then the publish. The hot path: one call.
 */
void kvmclock_enter_up(struct kvmclock *kc, struct kvmclock_vcpu *v);
/*
 * kvmclock_anchor.c: a guest-chosen struct address (@value written to @msr by vCPU @vcpu),
 * in RAM, within one page, clear of the VMM's structures; NULL (logged once per vCPU) if not.
 */
void *kvmclock_translate(struct kvmclock *kc, unsigned int vcpu, uint32_t msr, uint64_t value,
			 uint64_t gpa, uint64_t len);

/* kvmclock_sync.c: the entry and exit of a vCPU of several (the handshake with a sync). */
void kvmclock_before_run_smp(struct kvmclock *kc, struct kvmclock_vcpu *v, unsigned int id);
void kvmclock_leave(struct kvmclock *kc, struct kvmclock_vcpu *v);
/*
 * kvmclock_sync.c, with kc->lock held, from vCPU @id's thread outside KVM_RUN: stop every
 * other vCPU (returns once all are out of KVM_RUN; counted in @id's stats), and let them go
 * on. Between the two, the anchor and the flags may change; nowhere else with several vCPUs.
 */
void kvmclock_stop_world(struct kvmclock *kc, unsigned int id);
void kvmclock_start_world(struct kvmclock *kc);

/* kvmclock_sampler.c: the sampler thread, and the live policy's publisher (@arg: the host). */
void *kvmclock_sampler_thread(void *arg);
void *kvmclock_live_thread(void *arg);
/* kvmclock_adversary.c: the thread of conform's modes (clock/adversary.h), and its round @n. */
void *kvmclock_adversary_thread(void *arg);
void kvmclock_adversary_round(struct kvmclock *kc, uint64_t n);
/* kvmclock_msr.c: register the system-time and TSC MSR handlers. */
int kvmclock_msr_add(struct kvmclock *kc, struct msr_table *msrs) __must_check;
/* kvmclock_wall.c: register the wall-clock MSR handlers; the step watcher's start and stop. */
int kvmclock_wall_add(struct kvmclock *kc, struct msr_table *msrs) __must_check;
int kvmclock_wall_start(struct kvmclock *kc) __must_check;
void kvmclock_wall_stop(struct kvmclock *kc);
/* clock_probe.c: the DOORBELL_PROBE service. */
int kvmclock_probe_ring(void *opaque, unsigned int vcpu_id, uint64_t gpa);

#endif
