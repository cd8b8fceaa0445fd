/*
 * threshold:<ns>: a new anchor on entry only when the guest's predicted error exceeds the
 * bound. The prediction compares the published line with the host's current model of
 * MONOTONIC (the last sampler sample extended at the measured rate), both at the TSC now.
 * After a change of MONOTONIC's rate the line's slope is the old rate's, so its error grows
 * without bound: due at once (the change's kick brings every vCPU here), though the error
 * now is still small. An idle guest may not exit again for seconds.
 * With several vCPUs, in a sync, at most every 100 ms (sooner on a rate change).
 */
#include <math.h>

#include "clock/policy.h"
#include "pvclock_line.h"

static bool threshold_due(const struct clock_policy *p, const struct clock_policy_view *v)
{
	uint64_t tsc = v->tsc_now(v);
	long double model, err;

	if (!v->line->valid || v->rate_moved(v))
		return true;
	model = v->model_ns(v, tsc);
	if (model < 0)
		return false; /* no model yet: keep the anchor */
	err = fabsl((long double)pvclock_line_at(v->line, tsc) - model);
	return err > (long double)p->param_ns;
}

const struct clock_policy_ops policy_threshold = {
	.name = "threshold",
	.usage = "threshold:<ns>",
	.summary = "re-anchor on entry when predicted error > <ns>; SMP: a sync, at most 10/s",
	.has_param = true,
	.bounds_error = true,
	.reanchor_due = threshold_due,
};
