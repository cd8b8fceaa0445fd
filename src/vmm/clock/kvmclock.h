/* kvmclock host glue: the MSR handlers, per-vCPU clock state and the publish before KVM_RUN. */
#ifndef VMM_KVMCLOCK_H
#define VMM_KVMCLOCK_H

#include "core/compiler.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "clock/clock_measure.h"
#include "clock/kvmclock_stats.h"
#include "clock/wall_watch.h"
#include "dev/doorbell.h"
#include "core/guest_mem.h"
#include "memmap.h"
#include "core/msr_table.h"
#include "pvclock_clock.h"
#include "pvclock_line.h"
#include "pvclock_publish.h"
#include "pvclock_rate.h"
#include "clock/policy.h"

/*
 * When the host writes a wall-clock struct (pvclock_wall_clock). BOOT is KVM's behaviour: only
 * when the guest writes the wall-clock MSR (Linux does at boot and resume). FOLLOW also rewrites
 * every registered struct at once when CLOCK_REALTIME steps (`date --set`), so a guest that
 * re-reads it sees the new time; system_time never moves with it (a step of the wall clock is
 * not a step of MONOTONIC).
 */
enum kvmclock_wall_mode {
	KVMCLOCK_WALL_BOOT,
	KVMCLOCK_WALL_FOLLOW,
};

/* "boot" or "follow" (NULL: boot); 0 or -EINVAL, logged. */
int kvmclock_wall_mode_parse(const char *text, enum kvmclock_wall_mode *mode) __must_check;

/*
 * --pause-clock: guest time across a pause, a snapshot and a restore. Neither ever goes back;
 * the guest sees PVCLOCK_GUEST_STOPPED after each.
 */
enum kvmclock_pause_mode {
	KVMCLOCK_PAUSE_FREEZE,	 /* goes on from where it stopped, as under QEMU */
	KVMCLOCK_PAUSE_CONTINUE, /* keeps host time (a restore: CLOCK_REALTIME): jumps forward */
};

/* "freeze" or "continue" (NULL: freeze); 0 or -EINVAL, logged. */
int kvmclock_pause_mode_parse(const char *text, enum kvmclock_pause_mode *mode) __must_check;
const char *kvmclock_pause_mode_name(enum kvmclock_pause_mode mode);

/* What the VMM does for kvmclock that needs KVM (set up by vm.c/vcpu.c). */
struct kvmclock_ops {
	/* Make vCPU @vcpu leave KVM_RUN soon (machine/vcpu.c: the kick protocol). */
	void (*kick)(void *opaque, unsigned int vcpu);
	/* Carry out a guest WRMSR of IA32_TSC or TSC_ADJUST; return the vCPU's new TSC offset. */
	int (*write_tsc_msr)(void *opaque, unsigned int vcpu, uint32_t msr, uint64_t value,
			     uint64_t *tsc_offset);
	void *opaque;
};

/*
 * Per vCPU, written by its own thread only (but for the live policy's publisher, under
 * kc->lock), and a cache line of its own, so entries of different vCPUs share nothing. What an
 * entry reads comes first (one line, with the counters it bumps in the next).
 */
struct kvmclock_vcpu {
	int inside __attribute__((aligned(64))); /* SMP: in KVM_RUN, or about to be (atomic) */
	struct pvclock_writer writer;
	void *time_info;	    /* host pointer to the guest's struct; NULL: clock off */
	uint64_t published_gen;	    /* anchor generation last written here */
	uint64_t tsc_offset;	    /* guest TSC - host TSC */
	uint64_t last_check_tsc;    /* SMP: when this vCPU last asked whether a sync is due */
	unsigned long seen_changes; /* SMP: the host's rate_changes at that time */
	uint64_t entry_ns;	    /* MONOTONIC before the last KVM_RUN (while probing) */
	uint8_t stopped;	    /* enum kvmclock_stopped: PVCLOCK_GUEST_STOPPED after a pause */
	bool warned_bad_address;
	uint64_t system_msr; /* last value written to a system-time MSR (RDMSR) */
	uint64_t gpa;
	void *wall_info; /* the wall-clock struct this vCPU registered last; NULL: none */
	struct kvmclock_stats stats;
	struct pvclock_line adversary_line; /* conform's modes: what this struct says now */
};

/*
 * The host's model of MONOTONIC: the sampler's latest tight sample as a line with the fitted
 * rate as its slope. vCPUs read it lock-free (a seqlock; the sampler is the only writer), on a
 * cache line of its own: the sampler's writes take nothing else from the vCPUs' caches.
 */
struct kvmclock_model {
	uint32_t seq __attribute__((aligned(64)));
	struct pvclock_line line;
	unsigned long changes; /* the rate changes the sampler had followed (rate.changes) */
	long double ns_per_tick;
};
_Static_assert(sizeof(struct kvmclock_model) == 64, "the model is one cache line");

/* How an entry goes (set at init): one vCPU, several, or a live policy's thread publishing. */
enum kvmclock_entry {
	KVMCLOCK_ENTRY_UP,
	KVMCLOCK_ENTRY_SMP,
	KVMCLOCK_ENTRY_LIVE,
};

struct kvmclock {
	/*
	 * What entries read, on the first two cache lines, written only where the anchor moves
	 * (with several vCPUs: in a sync) or at set-up. The shared anchor every vCPU publishes:
	 * with several vCPUs it changes only while every vCPU is out of KVM_RUN
	 * (kvmclock_sync.c), so entries read it lock-free.
	 */
	struct pvclock_line line;
	uint64_t gen;		    /* bumped with every new anchor or flags */
	unsigned long line_changes; /* the model's rate changes when the anchor last moved */
	const struct pvclock_clock *clk;
	struct clock_measure *measure; /* demo/bench: where samples go, NULL otherwise */
	/*
	 * Guest time = host MONOTONIC + this (atomic): 0 from boot; a resume under freeze or a
	 * restore moves it, while every vCPU is held out of KVM_RUN (kvmclock_pause.c).
	 */
	int64_t guest_offset_ns;
	uint8_t flags;	 /* PVCLOCK_TSC_STABLE_BIT while it is honest */
	uint8_t entry;	 /* enum kvmclock_entry */
	bool always_due; /* the policy wants an anchor before every entry */
	bool probing;	 /* a clock probe wants each entry's MONOTONIC (atomic) */
	unsigned int nr_vcpus;
	int updating;	       /* SMP: a sync is moving the anchor (atomic) */
	uint64_t check_ticks;  /* SMP: a vCPU asks if one is due at most this often */
	uint64_t resync_ticks; /* SMP: anchors move at most this often */

	/* The sampler's, on a line of its own (and the vCPUs' after it, a line each). */
	struct kvmclock_model model;
	struct kvmclock_vcpu vcpu[MEMMAP_MAX_VCPUS];

	const struct guest_mem *mem;
	struct kvmclock_ops ops;
	struct clock_policy policy;
	struct clock_policy_view policy_view; /* what the policy sees of this host */
	uint64_t tsc_hz;		      /* KVM_GET_TSC_KHZ * 1000 */
	uint64_t min_bound_ticks;	      /* KVMCLOCK_SAMPLE_MAX_NS in ticks */
	uint64_t max_sample_ticks;	      /* samples wider than this are refused (atomic) */
	uint64_t rate_scale;		      /* the rate as a scale, mul | shift << 32 (atomic) */

	uint64_t wall_msr;		   /* the wall-clock MSR's value (per VM, as in KVM) */
	enum kvmclock_wall_mode wall_mode; /* set before kvmclock_start */
	struct wall_watch wall_watch;	   /* follow: notices CLOCK_REALTIME steps */
	bool wall_watching;
	/* One version counter for every wall-clock struct (vCPUs may share one), under kc->lock. */
	struct pvclock_writer wall_writer;

	/* The sampler thread owns the rate estimate; the model is what it shares. */
	struct pvclock_rate rate;
	uint64_t typical_width;	       /* sampler: running mean of sample widths, ticks */
	uint64_t start_ns, settled_ns; /* MONOTONIC at start, and when the rate settled */
	unsigned long rate_changes;    /* rate.changes, for other threads (atomic) */
	pthread_t sampler, live;
	bool sampler_started, live_started;
	int stop_threads;

	pthread_mutex_t lock; /* syncs, the live publisher, MSR writes that change the anchor */
	pthread_cond_t cond;  /* a sync ended; a vCPU left KVM_RUN during one */
};

int kvmclock_init(struct kvmclock *kc, const struct guest_mem *mem, const struct pvclock_clock *clk,
		  unsigned int nr_vcpus, uint64_t tsc_hz, const struct kvmclock_ops *ops,
		  const struct clock_policy *policy) __must_check;
void kvmclock_destroy(struct kvmclock *kc);
/* Start the sampler (and, for live policies, the publisher) thread; stop joins them. */
int kvmclock_start(struct kvmclock *kc) __must_check;
void kvmclock_stop(struct kvmclock *kc);
/* Let the sampler measure the rate for @ns before the guest starts; returns the ns waited. */
uint64_t kvmclock_calibrate(struct kvmclock *kc, uint64_t ns);
/* One round of the sampler thread's work (tests call it directly). */
void kvmclock_sampler_step(struct kvmclock *kc);
uint64_t kvmclock_ticks_to_ns(const struct kvmclock *kc, uint64_t ticks);
/*
 * The guest time due at host TSC @tsc by the host's model (MONOTONIC + the guest offset), or
 * -1 before the first sample.
 */
long double kvmclock_model_ns(const struct kvmclock *kc, uint64_t tsc);
/*
 * Publish a new model (the sampler; tests), with the rate changes followed so far / read a
 * consistent copy (false: none yet); @ns_per_tick and @changes may be NULL.
 */
void kvmclock_set_model(struct kvmclock *kc, const struct pvclock_line *line,
			long double ns_per_tick);
bool kvmclock_get_model(const struct kvmclock *kc, struct pvclock_line *line,
			long double *ns_per_tick, unsigned long *changes);
/* Has MONOTONIC's rate changed since the anchor moved? Then the line's slope is the old rate. */
bool kvmclock_rate_moved(const struct kvmclock *kc);
/* Register the kvmclock and TSC MSR handlers and the clock probe's doorbell register. */
int kvmclock_register(struct kvmclock *kc, struct msr_table *msrs,
		      struct doorbell *db) __must_check;

/*
 * Hold every host thread that writes guest RAM while the vCPUs are out (the live policy's
 * publisher, conform's rounds, the wall clock's step watcher) until kvmclock_release: a
 * snapshot copies and checksums RAM in between.
 */
void kvmclock_hold(struct kvmclock *kc);
void kvmclock_release(struct kvmclock *kc);

/* Hot path: publish this vCPU's struct before KVM_RUN; account for it after. */
void kvmclock_before_run(struct kvmclock *kc, unsigned int vcpu);
void kvmclock_after_run(struct kvmclock *kc, unsigned int vcpu);

void kvmclock_total_stats(const struct kvmclock *kc, struct kvmclock_stats *out);

/*
 * kvmclock_pause.c, with every vCPU held out of KVM_RUN (a pause, a snapshot, a restore):
 * the guest time now, at or past anything a vCPU can have read; and "go on from @guest_ns":
 * a new anchor there, and (with @stopped_flag) PVCLOCK_GUEST_STOPPED in each enabled vCPU's
 * next struct, kept there until the guest clears it (KVM's rule: the guest's watchdog code
 * acknowledges it). Without the flag a guest's watchdogs see the pause as a stall.
 */
uint64_t kvmclock_held_guest_ns(struct kvmclock *kc);
/*
 * The guest timeline now, from any thread (the model of MONOTONIC plus the guest offset; the
 * published line differs by its few ns of error), and setting it without a new anchor (the
 * kernel policy, whose kvmclock is KVM's: the timeline then serves the ACPI PM timer only).
 */
uint64_t kvmclock_guest_ns(const struct kvmclock *kc);
void kvmclock_set_guest_ns(struct kvmclock *kc, uint64_t guest_ns);
void kvmclock_resume_at(struct kvmclock *kc, uint64_t guest_ns, bool stopped_flag);
/* A vCPU's struct registration as a snapshot keeps it: the MSR value and the writer's version. */
struct kvmclock_saved_vcpu {
	uint64_t system_msr;
	uint32_t version;
	uint8_t stopped;
};
void kvmclock_save_vcpu(const struct kvmclock *kc, unsigned int id,
			struct kvmclock_saved_vcpu *out);
/* Register the saved struct again (as the guest's WRMSR did), in a new VM. */
void kvmclock_restore_vcpu(struct kvmclock *kc, unsigned int id,
			   const struct kvmclock_saved_vcpu *saved);
/* The wall-clock MSR's value, and writing it again on restore. */
void kvmclock_restore_wall(struct kvmclock *kc, unsigned int id, uint64_t wall_msr);

/*
 * FOLLOW: CLOCK_REALTIME stepped: rewrite every registered wall-clock struct (the watcher
 * thread calls it; tests call it after stepping their fake clock).
 */
void kvmclock_wall_step(struct kvmclock *kc);

#endif
