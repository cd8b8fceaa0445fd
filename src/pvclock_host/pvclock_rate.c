/*
 * Rate estimate: y = ns, x = ticks, both relative to a recent origin sample; the slope of a
 * weighted least-squares line is ns per tick. Two such fits (pvclock_rate.h): the slow one is
 * the estimate, the fast one watches for a change of rate. The origin moves to the newest
 * sample now and then so the sums stay small enough for exact-enough arithmetic.
 */
#include "pvclock_rate.h"

#include <errno.h>
#include <math.h>

#define RATE_RECENTER_TICKS (1ull << 34)
#define RATE_FRAC_BITS	    40
/*
 * The fast fit judges a change only with this much weight of samples in it (about 29 in a
 * steady millisecond sampling): after a gap of seconds (the sampler preempted) the older
 * samples' weight is gone, and a slope through the first few after it is noise whose own error
 * estimate is too small (test_rate_ignores_outliers_and_gaps: a false change without this).
 */
#define RATE_FAST_MIN_WEIGHT 16

static void fit_init(struct pvclock_fit *f, double half_life_s, uint64_t hz)
{
	*f = (struct pvclock_fit){ .decay_per_tick = 1.0L / ((long double)half_life_s * hz) };
}

static void fit_decay(struct pvclock_fit *f, uint64_t ticks)
{
	long double w = exp2l(-(long double)ticks * f->decay_per_tick);

	f->s0 *= w, f->sx *= w, f->sy *= w, f->sxx *= w, f->sxy *= w, f->see *= w;
}

/* The same sums about an origin @c ticks and @d ns later. */
static void fit_recenter(struct pvclock_fit *f, long double c, long double d)
{
	f->sxx += -2 * c * f->sx + c * c * f->s0;
	f->sxy += -c * f->sy - d * f->sx + c * d * f->s0;
	f->sx -= c * f->s0;
	f->sy -= d * f->s0;
}

/* The slope into *@b; false while the samples cannot define one. */
static bool fit_slope(const struct pvclock_fit *f, long double *b)
{
	long double den = f->s0 * f->sxx - f->sx * f->sx;

	if (!(den > 0))
		return false;
	*b = (f->s0 * f->sxy - f->sx * f->sy) / den;
	return true;
}

/* The slope's standard error, from the fit's prediction errors (an upper estimate). */
static long double fit_slope_error(const struct pvclock_fit *f)
{
	long double sxx_c = f->sxx - f->sx * f->sx / f->s0;

	return sxx_c > 0 ? sqrtl(f->see / f->s0 / sxx_c) : INFINITY;
}

static void fit_add(struct pvclock_fit *f, long double x, long double y)
{
	long double b;

	if (fit_slope(f, &b)) {
		long double e = y - (f->sy + b * (x * f->s0 - f->sx)) / f->s0;

		f->see += e * e;
	}
	f->s0 += 1, f->sx += x, f->sy += y, f->sxx += x * x, f->sxy += x * y;
}

void pvclock_rate_init(struct pvclock_rate *r, uint64_t nominal_hz, double min_span_s,
		       double half_life_s)
{
	*r = (struct pvclock_rate){ .nominal_hz = nominal_hz };
	r->min_span_ticks = (uint64_t)(min_span_s * (double)nominal_hz);
	fit_init(&r->slow, half_life_s, nominal_hz);
	fit_init(&r->fast, PVCLOCK_RATE_FAST_HALF_LIFE_S, nominal_hz);
}

static void rate_recenter(struct pvclock_rate *r, const struct pvclock_sample *s)
{
	long double c = (long double)(s->tsc - r->origin_tsc);
	long double d = (long double)s->mono_ns - (long double)r->origin_ns;

	fit_recenter(&r->slow, c, d);
	fit_recenter(&r->fast, c, d);
	r->origin_tsc = s->tsc;
	r->origin_ns = s->mono_ns;
}

/* Has MONOTONIC's rate moved away from the slow fit's? Then restart it from the fast one. */
static void rate_follow_change(struct pvclock_rate *r)
{
	long double slow, fast, allowed;

	if (!pvclock_rate_settled(r) || r->fast.s0 < RATE_FAST_MIN_WEIGHT)
		return;
	if (!fit_slope(&r->slow, &slow) || !fit_slope(&r->fast, &fast))
		return;
	allowed = PVCLOCK_RATE_CHANGE_SIGMAS * fit_slope_error(&r->fast) +
		  PVCLOCK_RATE_CHANGE_MIN_PPM * 1e-6L * fabsl(slow);
	if (fabsl(fast - slow) > allowed) {
		long double decay = r->slow.decay_per_tick;

		r->slow = r->fast;
		r->slow.decay_per_tick = decay;
		r->changes++;
	}
}

void pvclock_rate_add(struct pvclock_rate *r, const struct pvclock_sample *s)
{
	if (r->nr == 0) {
		r->origin_tsc = r->first_tsc = s->tsc;
		r->origin_ns = s->mono_ns;
	} else {
		/* Out of order (a concurrent sample): the fit wants time to advance. */
		if (s->tsc <= r->last_tsc)
			return;
		fit_decay(&r->slow, s->tsc - r->last_tsc);
		fit_decay(&r->fast, s->tsc - r->last_tsc);
		if (s->tsc - r->origin_tsc > RATE_RECENTER_TICKS)
			rate_recenter(r, s);
	}
	fit_add(&r->slow, (long double)(s->tsc - r->origin_tsc),
		(long double)s->mono_ns - (long double)r->origin_ns);
	fit_add(&r->fast, (long double)(s->tsc - r->origin_tsc),
		(long double)s->mono_ns - (long double)r->origin_ns);
	r->last_tsc = s->tsc;
	r->nr++;
	rate_follow_change(r);
}

bool pvclock_rate_settled(const struct pvclock_rate *r)
{
	return r->nr >= 3 && r->last_tsc - r->first_tsc >= r->min_span_ticks;
}

long double pvclock_rate_ns_per_tick(const struct pvclock_rate *r)
{
	long double slope;

	if (pvclock_rate_settled(r) && fit_slope(&r->slow, &slope))
		return slope;
	return 1e9L / (long double)r->nominal_hz;
}

int pvclock_rate_scale(const struct pvclock_rate *r, struct pvclock_scale *out)
{
	long double ns = ldexpl(pvclock_rate_ns_per_tick(r), RATE_FRAC_BITS);

	if (!(ns >= 1.0L) || ns > 1.8e19L)
		return -EINVAL;
	return pvclock_scale_from_ratio((uint64_t)llroundl(ns), 1ull << RATE_FRAC_BITS, out);
}
