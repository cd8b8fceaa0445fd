/* kernel: no trap at all; KVM's in-kernel kvmclock serves the guest (the peer to compare). */
#include "clock/policy.h"

static bool kernel_due(const struct clock_policy *p, const struct clock_policy_view *v)
{
	return false;
}

const struct clock_policy_ops policy_kernel = {
	.name = "kernel",
	.usage = "kernel",
	.summary = "no trap: in-kernel KVM kvmclock serves the guest",
	.in_kernel = true,
	.reanchor_due = kernel_due,
};
