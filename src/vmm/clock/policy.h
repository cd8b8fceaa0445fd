/* Host update policies: when the kvmclock host makes a new anchor. One file per policy. */
#ifndef VMM_POLICY_H
#define VMM_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/compiler.h"

struct kvmclock;
struct clock_policy;

struct clock_policy_ops {
	const char *name;		/* as given to --policy, before any ':' */
	const char *usage;		/* e.g. "periodic:<interval>" */
	const char *summary;		/* one line for --help and the demo */
	bool has_param;			/* takes ":<value>" */
	bool in_kernel;			/* no trap: KVM's own kvmclock serves the guest */
	bool live;			/* a host thread publishes while the vCPUs run */
	/* Before KVM_RUN: should the host take a new anchor now? (@kc's lock rules apply) */
	bool (*reanchor_due)(const struct clock_policy *p, const struct kvmclock *kc);
};

struct clock_policy {
	const struct clock_policy_ops *ops;
	uint64_t param_ns;		/* interval or bound, in ns */
	char spec[48];			/* as given, for tables and messages */
};

extern const struct clock_policy_ops policy_every_entry, policy_periodic, policy_once,
	policy_threshold, policy_live, policy_kernel;
/* Every policy, in the order the demo runs them. */
extern const struct clock_policy_ops *const clock_policies[];
extern const unsigned int nr_clock_policies;

/* Parse "name" or "name:value" (value: ns, or with a unit ns/us/ms/s). 0 or -EINVAL, logged. */
int clock_policy_parse(const char *spec, struct clock_policy *out) __must_check;
/* "every-entry", "periodic:<interval>", ... for --help. */
void clock_policy_list(char *buf, unsigned int len);

#endif
