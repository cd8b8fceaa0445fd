/* periodic:<interval>: a new anchor on entry only once the interval has passed. */
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
	.summary = "re-anchor on entry only when <interval> has passed (e.g. periodic:10ms)",
	.has_param = true,
	.reanchor_due = periodic_due,
};
