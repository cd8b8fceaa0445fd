/*
 * The adversarial modes of pvclock-vmm conform, each a policy: what each round of the host
 * thread (kvmclock_adversary.c) writes. Legal ones keep every vCPU's clock monotonic and within
 * ADVERSARY_BOUND_NS of MONOTONIC for a reader that follows the ABI; illegal ones break a rule
 * of the ABI that a careful reader may notice.
 */
#include "clock/adversary.h"
#include "clock/policy.h"

#define ADVERSARY_BOUND_NS 50000ull    /* 50 us */
#define ROUND_NS	   1000000ull  /* 1 ms between rounds */
#define STORM_NS	   10000ull    /* storm: 10 us asked (nanosleep's slack makes it ~60) */
#define ODD_ROUND_NS	   10000000ull /* odd-hold: a hold every 10 ms */
#define BACKSTEP_NS	   1000000ull  /* bad-backstep: 1 ms back ... */
#define BACKSTEP_EVERY	   8	       /* ... every 8th round */
#define DISAGREE_NS	   200000ull   /* bad-stable: vCPU i is i * 200 us ahead */
#define STOPPED_EVERY	   16	       /* stopped: PVCLOCK_GUEST_STOPPED every 16th round */
#define FLIP_ROUNDS	   4	       /* stable-flip: 4 rounds with the bit, 4 without */
#define MIN_MUL		   (1u << 22)  /* scale-pairs: a pair keeps 22 bits of mul */

static bool never_due(const struct clock_policy *p, const struct clock_policy_view *v)
{
	return false;
}

bool adversary_scale_variant(struct pvclock_scale s, unsigned int k, struct pvclock_scale *out)
{
	if (k > 31 || (s.mul >> k) < MIN_MUL || s.shift + (int)k > 63)
		return false;
	out->mul = s.mul >> k;
	out->shift = (int8_t)(s.shift + (int)k);
	return true;
}

void adversary_rebase(struct pvclock_line *line, uint64_t ticks)
{
	uint64_t back = pvclock_scale_delta(ticks, line->scale.mul, line->scale.shift);

	if (!line->valid || line->tsc < ticks || line->ns < back)
		return;
	line->tsc -= ticks;
	line->ns -= back; /* at the old anchor the guest computes back again: the same ns */
}

/* scale-pairs: round n uses the (n mod count)-th equivalent pair, the exact one included. */
static void scale_pairs_line(const struct clock_policy *p, uint64_t n, struct pvclock_line *line)
{
	struct pvclock_scale v;
	unsigned int count = 1;

	while (adversary_scale_variant(line->scale, count, &v))
		count++;
	if (adversary_scale_variant(line->scale, (unsigned int)(n % count), &v))
		line->scale = v;
}

static void far_past_line(const struct clock_policy *p, uint64_t n, struct pvclock_line *line)
{
	adversary_rebase(line, p->ops->adversary->rebase_ticks);
}

static void backstep_line(const struct clock_policy *p, uint64_t n, struct pvclock_line *line)
{
	if (n % BACKSTEP_EVERY == BACKSTEP_EVERY - 1 && line->ns > BACKSTEP_NS)
		line->ns -= BACKSTEP_NS;
}

static void stable_flip_vcpu(const struct clock_policy *p, uint64_t n, unsigned int vcpu,
			     struct adversary_view *v)
{
	if ((n / FLIP_ROUNDS) % 2)
		v->flags &= (uint8_t)~PVCLOCK_TSC_STABLE_BIT;
}

static void stopped_vcpu(const struct clock_policy *p, uint64_t n, unsigned int vcpu,
			 struct adversary_view *v)
{
	if (n % STOPPED_EVERY == 0)
		v->flags |= PVCLOCK_GUEST_STOPPED;
}

/*
 * vcpu-anchors: vCPU i's anchor i * 2^(32 + max(0, -shift)) ticks back, no STABLE promise. A
 * distance that is a multiple of 2^32 after the shift adds a whole number of ns to every
 * product: each vCPU computes exactly the shared line's time, from its own anchor.
 */
static void vcpu_anchors_vcpu(const struct clock_policy *p, uint64_t n, unsigned int vcpu,
			      struct adversary_view *v)
{
	int8_t shift = v->line.scale.shift;

	adversary_rebase(&v->line, (uint64_t)vcpu << (32 + (shift < 0 ? -shift : 0)));
	v->flags &= (uint8_t)~PVCLOCK_TSC_STABLE_BIT;
}

static void disagree_vcpu(const struct clock_policy *p, uint64_t n, unsigned int vcpu,
			  struct adversary_view *v)
{
	v->line.ns += vcpu * DISAGREE_NS;
	v->flags |= PVCLOCK_TSC_STABLE_BIT;
}

#define LEGAL(...)                                                                                 \
	{                                                                                          \
		.legal = true, .bound_ns = ADVERSARY_BOUND_NS, __VA_ARGS__                         \
	}
#define ILLEGAL(...)                                                                               \
	{                                                                                          \
		.legal = false, __VA_ARGS__                                                        \
	}

static const struct clock_adversary
	storm = LEGAL(.period_ns = STORM_NS),
	odd_hold = LEGAL(.period_ns = ODD_ROUND_NS, .write = ADVERSARY_HOLD_ODD,
			 .conform_spec = "odd-hold:2ms"),
	scale_pairs = LEGAL(.period_ns = ROUND_NS, .shape_line = scale_pairs_line),
	far_past_32 = LEGAL(.period_ns = ROUND_NS, .rebase_ticks = 1ull << 32,
			    .shape_line = far_past_line),
	far_past_40 = LEGAL(.period_ns = ROUND_NS, .rebase_ticks = 1ull << 40,
			    .shape_line = far_past_line),
	stable_flip = LEGAL(.period_ns = ROUND_NS, .shape_vcpu = stable_flip_vcpu),
	stopped = LEGAL(.period_ns = ROUND_NS, .shape_vcpu = stopped_vcpu),
	vcpu_anchors = LEGAL(.period_ns = ROUND_NS, .rebase_ticks = 1ull << 37,
			     .shape_vcpu = vcpu_anchors_vcpu),
	backstep = ILLEGAL(.period_ns = ROUND_NS, .shape_line = backstep_line),
	no_version = ILLEGAL(.period_ns = ROUND_NS, .write = ADVERSARY_NO_VERSION),
	disagree = ILLEGAL(.period_ns = ROUND_NS, .shape_vcpu = disagree_vcpu);

#define MODE(ident, mode_name, mode_usage, param, what, adv)                                       \
	const struct clock_policy_ops ident = {                                                    \
		.name = mode_name,                                                                 \
		.usage = mode_usage,                                                               \
		.summary = what,                                                                   \
		.has_param = param,                                                                \
		.live = true,                                                                      \
		.adversary = &adv,                                                                 \
		.reanchor_due = never_due,                                                         \
	}

MODE(policy_storm, "storm", "storm", false,
     "legal: a thread republishes every ~60 us as the guest reads (50 us)", storm);
MODE(policy_odd_hold, "odd-hold", "odd-hold:<time>", true,
     "legal: every 10 ms the version stays odd <time> over a garbage body (50 us)", odd_hold);
MODE(policy_scale_pairs, "scale-pairs", "scale-pairs", false,
     "legal: another equivalent (mul, shift) each publish, to a 22-bit mul (50 us)", scale_pairs);
MODE(policy_far_past_32, "far-past-32", "far-past-32", false,
     "legal: tsc_timestamp 2^32 ticks back: 64-bit overflow paths (50 us)", far_past_32);
MODE(policy_far_past_40, "far-past-40", "far-past-40", false,
     "legal: tsc_timestamp 2^40 ticks back (guest time starts past it) (50 us)", far_past_40);
MODE(policy_stable_flip, "stable-flip", "stable-flip", false,
     "legal: PVCLOCK_TSC_STABLE_BIT cleared for 4 ms, set for 4 ms (50 us)", stable_flip);
MODE(policy_stopped, "stopped", "stopped", false,
     "legal: PVCLOCK_GUEST_STOPPED raised every 16 ms, no pause (50 us)", stopped);
MODE(policy_vcpu_anchors, "vcpu-anchors", "vcpu-anchors", false,
     "legal: vCPU i's anchor i * 2^32+ ticks back, no STABLE bit (50 us)", vcpu_anchors);
MODE(policy_bad_backstep, "bad-backstep", "bad-backstep", false,
     "illegal: system_time 1 ms back every 8 ms", backstep);
MODE(policy_bad_no_version, "bad-no-version", "bad-no-version", false,
     "illegal: the body rewritten in place, field by field, version untouched", no_version);
MODE(policy_bad_stable, "bad-stable", "bad-stable", false,
     "illegal: STABLE set while vCPU i runs i * 200 us ahead", disagree);
