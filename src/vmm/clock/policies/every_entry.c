/*
 * every-entry: a new anchor before every KVM_RUN (the default, and what KVM does). With one
 * vCPU, literally. With several, an anchor may only move while every vCPU is out of KVM_RUN
 * (kvmclock_sync.c), so it moves in a sync, at most every 100 ms and only once the published
 * line has drifted from the model of MONOTONIC past what the host can measure; every entry
 * still republishes a struct whose anchor changed.
 */
#include "clock/policy.h"

static bool every_entry_due(const struct clock_policy *p, const struct clock_policy_view *v)
{
	return true;
}

const struct clock_policy_ops policy_every_entry = {
	.name = "every-entry",
	.usage = "every-entry",
	.summary = "re-anchor before each KVM_RUN (default); SMP: a sync on measurable drift",
	.always_due = true,
	.reanchor_due = every_entry_due,
};
