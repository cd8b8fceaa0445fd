/*
 * live:<interval>: a host thread re-anchors and republishes every <interval> while the vCPUs
 * run, so guests meet odd versions and must retry: the seqlock under real concurrency. The
 * vCPU threads never write the struct themselves (kvmclock_sampler.c runs the thread). With
 * several vCPUs the structs lack PVCLOCK_TSC_STABLE_BIT: they change while others run.
 */
#include "clock/policy.h"

static bool live_due(const struct clock_policy *p, const struct clock_policy_view *v)
{
	return false;
}

const struct clock_policy_ops policy_live = {
	.name = "live",
	.usage = "live:<interval>",
	.summary = "a thread republishes every <interval> as the guest runs; SMP: no STABLE bit",
	.has_param = true,
	.live = true,
	.reanchor_due = live_due,
};
