/* once: one anchor when the guest first enables its clock, never another (shows drift). */
#include "clock/policy.h"
#include "pvclock_line.h"

static bool once_due(const struct clock_policy *p, const struct clock_policy_view *v)
{
	return !v->line->valid;
}

const struct clock_policy_ops policy_once = {
	.name = "once",
	.usage = "once",
	.summary = "anchor once when the guest enables the clock, never again (drift); SMP too",
	.reanchor_due = once_due,
};
