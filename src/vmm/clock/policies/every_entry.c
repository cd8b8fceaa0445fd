/* every-entry: a new anchor before every KVM_RUN (the default, and what KVM does). */
#include "clock/policy.h"

static bool every_entry_due(const struct clock_policy *p, const struct clock_policy_view *v)
{
	return true;
}

const struct clock_policy_ops policy_every_entry = {
	.name = "every-entry",
	.usage = "every-entry",
	.summary = "re-anchor and republish before every KVM_RUN (default)",
	.reanchor_due = every_entry_due,
};
