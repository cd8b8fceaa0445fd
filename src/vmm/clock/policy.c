/* Policy registry and the --policy parser. */
#include "clock/policy.h"
#include "core/compiler.h"
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct clock_policy_ops *const clock_policies[] = {
	&policy_every_entry, &policy_periodic, &policy_once,
	&policy_threshold,   &policy_live,     &policy_kernel,
};
const unsigned int nr_clock_policies = ARRAY_SIZE(clock_policies);

const struct clock_policy_ops *const clock_adversaries[] = {
	&policy_storm,	      &policy_odd_hold,	      &policy_scale_pairs, &policy_far_past_32,
	&policy_far_past_40,  &policy_stable_flip,    &policy_stopped,	   &policy_vcpu_anchors,
	&policy_bad_backstep, &policy_bad_no_version, &policy_bad_stable,
};
const unsigned int nr_clock_adversaries = ARRAY_SIZE(clock_adversaries);

/* Both tables as one list: the update policies, then conform's modes. */
static const struct clock_policy_ops *policy_at(unsigned int i)
{
	return i < nr_clock_policies ? clock_policies[i] : clock_adversaries[i - nr_clock_policies];
}

/* A policy's parameter: from 1 ns up to an hour, beyond any use and far inside uint64_t. */
#define POLICY_PARAM_MAX_NS 3600000000000.0

static int parse_duration_ns(const char *text, uint64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	};
	char *end;
	double v;

	v = strtod(text, &end);
	if (end == text || !(v > 0))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		v *= (double)units[i].mul;
		if (!(v >= 1) || v > POLICY_PARAM_MAX_NS)
			return -EINVAL;
		*ns = (uint64_t)v;
		return 0;
	}
	return -EINVAL;
}

/* "every-entry, periodic:<interval>, ...": every policy's usage, from the table. */
static void clock_policy_names(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < nr_clock_policies + nr_clock_adversaries && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 policy_at(i)->usage);
}

int clock_policy_parse(const char *spec, struct clock_policy *out)
{
	const char *colon = strchr(spec, ':');
	size_t name_len = colon ? (size_t)(colon - spec) : strlen(spec);
	char names[512];

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < nr_clock_policies + nr_clock_adversaries; i++) {
		const struct clock_policy_ops *ops = policy_at(i);

		if (strlen(ops->name) != name_len || strncmp(ops->name, spec, name_len))
			continue;
		if (ops->has_param != !!colon ||
		    (colon && parse_duration_ns(colon + 1, &out->param_ns))) {
			pr_err("invalid policy '%s': expected %s%s", spec, ops->usage,
			       ops->has_param ? " (from 1 ns to 1 h)" : "");
			return -EINVAL;
		}
		out->ops = ops;
		snprintf(out->spec, sizeof(out->spec), "%s", spec);
		return 0;
	}
	clock_policy_names(names, sizeof(names));
	pr_err("unknown policy '%s' (one of: %s)", spec, names);
	return -EINVAL;
}

void clock_policy_list(char *buf, unsigned int len, bool adversarial)
{
	const struct clock_policy_ops *const *table =
		adversarial ? clock_adversaries : clock_policies;
	unsigned int n = adversarial ? nr_clock_adversaries : nr_clock_policies, used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n && used < len; i++)
		used += (unsigned int)snprintf(buf + used, len - used, "    %-20s %s\n",
					       table[i]->usage, table[i]->summary);
}
