/*
 * periodic:<interval>: a new anchor on entry only once the interval has passed. With several
 * vCPUs, in a sync, and only if the line has also drifted past what the host can measure.
 */
#include "clock/policy.h"
#include "pvclock_line.h"

static bool periodic_due(const struct clock_policy *p, const struct clock_policy_view *v)
{
	uint64_t age = v->tsc_now(v) - v->line->tsc;

	return !v->line->valid || v->ticks_to_ns(v, age) >= p->param_ns;
}

const struct clock_policy_ops policy_periodic = {
	.name = "periodic",
	.usage = "periodic:<interval>",
	.summary = "re-anchor on entry once <interval> passed; SMP: a sync on measurable drift",
	.has_param = true,
	.reanchor_due = periodic_due,
};
