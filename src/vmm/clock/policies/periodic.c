/* periodic:<interval>: a new anchor on entry only once the interval has passed. */
#include "clock/kvmclock.h"

static bool periodic_due(const struct clock_policy *p, const struct kvmclock *kc)
{
	uint64_t age = kc->clk->read_tsc_fast(kc->clk->ctx) - kc->line.tsc;

	return !kc->line.valid || kvmclock_ticks_to_ns(kc, age) >= p->param_ns;
}

const struct clock_policy_ops policy_periodic = {
	.name = "periodic",
	.usage = "periodic:<interval>",
	.summary = "re-anchor on entry only when <interval> has passed (e.g. periodic:10ms)",
	.has_param = true,
	.reanchor_due = periodic_due,
};
