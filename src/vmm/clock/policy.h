/* Host update policies: when the kvmclock host makes a new anchor. One file per policy. */
#ifndef VMM_POLICY_H
#define VMM_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/compiler.h"

struct clock_adversary;
struct clock_policy;
struct pvclock_line;

/*
 * What a policy may see of the clock host, and nothing more: the anchor every vCPU publishes,
 * the TSC now, and the host's model of MONOTONIC. The host fills it in; policies only read.
 */
struct clock_policy_view {
	const struct pvclock_line *line;
	uint64_t (*tsc_now)(const struct clock_policy_view *v);
	uint64_t (*ticks_to_ns)(const struct clock_policy_view *v, uint64_t ticks);
	/* MONOTONIC at host TSC @tsc by the host's model, or -1 before the first sample. */
	long double (*model_ns)(const struct clock_policy_view *v, uint64_t tsc);
	/* MONOTONIC's rate changed since the anchor moved: the line's slope is the old rate's. */
	bool (*rate_moved)(const struct clock_policy_view *v);
};

struct clock_policy_ops {
	const char *name;    /* as given to --policy, before any ':' */
	const char *usage;   /* e.g. "periodic:<interval>" */
	const char *summary; /* one line for --help and the demo: with one vCPU; SMP: ... */
	bool has_param;	     /* takes ":<value>" */
	bool in_kernel;	     /* no trap: KVM's own kvmclock serves the guest */
	bool live;	     /* a host thread publishes while the vCPUs run */
	bool bounds_error;   /* due only past its own error bound (SMP syncs keep it) */
	bool always_due;     /* reanchor_due is always true: one vCPU's entry skips the call */
	/* conform's modes: what the live thread writes each round (clock/adversary.h) */
	const struct clock_adversary *adversary;
	/* Before KVM_RUN: should the host take a new anchor now? (the host's lock rules apply) */
	bool (*reanchor_due)(const struct clock_policy *p, const struct clock_policy_view *v);
};

struct clock_policy {
	const struct clock_policy_ops *ops;
	uint64_t param_ns; /* interval or bound, in ns */
	char spec[48];	   /* as given, for tables and messages */
};

extern const struct clock_policy_ops policy_every_entry, policy_periodic, policy_once,
	policy_threshold, policy_live, policy_kernel;
/* Every policy, in the order the demo runs them. */
extern const struct clock_policy_ops *const clock_policies[];
extern const unsigned int nr_clock_policies;

extern const struct clock_policy_ops policy_storm, policy_odd_hold, policy_scale_pairs,
	policy_far_past_32, policy_far_past_40, policy_stable_flip, policy_stopped,
	policy_vcpu_anchors, policy_bad_backstep, policy_bad_no_version, policy_bad_stable;
/* The adversarial modes of pvclock-vmm conform, legal ones first, in the order it runs them. */
extern const struct clock_policy_ops *const clock_adversaries[];
extern const unsigned int nr_clock_adversaries;

/* Parse "name" or "name:value" (value: ns, or with a unit ns/us/ms/s). 0 or -EINVAL, logged. */
int clock_policy_parse(const char *spec, struct clock_policy *out) __must_check;
/* One line per policy, usage and summary, for --help: the update policies, or conform's modes. */
void clock_policy_list(char *buf, unsigned int len, bool adversarial);

#endif
