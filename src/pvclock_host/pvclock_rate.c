/*
 * Rate estimate: y = ns, x = ticks, both relative to a recent origin sample; the slope of the
 * weighted least-squares line is ns per tick. Weights halve every half-life, so the fit follows
 * NTP's slewing of MONOTONIC instead of averaging over the whole run. The origin moves to the
 * newest sample now and then so the sums stay small enough for exact-enough arithmetic.
 */
#include "pvclock_rate.h"

#include <errno.h>
#include <math.h>

#define RATE_RECENTER_TICKS (1ull << 34)
#define RATE_FRAC_BITS	    40

void pvclock_rate_init(struct pvclock_rate *r, uint64_t nominal_hz, double min_span_s,
		       double half_life_s)
{
	*r = (struct pvclock_rate){ .nominal_hz = nominal_hz };
	r->min_span_ticks = (uint64_t)(min_span_s * (double)nominal_hz);
	r->decay_per_tick = 1.0L / ((long double)half_life_s * nominal_hz);
}

static void rate_recenter(struct pvclock_rate *r, const struct pvclock_sample *s)
{
	long double c = (long double)(s->tsc - r->origin_tsc);
	long double d = (long double)s->mono_ns - (long double)r->origin_ns;
	long double sx = r->sx, sy = r->sy;

	r->sxx += -2 * c * sx + c * c * r->s0;
	r->sxy += -c * sy - d * sx + c * d * r->s0;
	r->sx -= c * r->s0;
	r->sy -= d * r->s0;
	r->origin_tsc = s->tsc;
	r->origin_ns = s->mono_ns;
}

void pvclock_rate_add(struct pvclock_rate *r, const struct pvclock_sample *s)
{
	long double x, y, w;

	if (r->nr == 0) {
		r->origin_tsc = r->first_tsc = s->tsc;
		r->origin_ns = s->mono_ns;
	} else {
		/* Out of order (a concurrent sample): the fit wants time to advance. */
		if (s->tsc <= r->last_tsc)
			return;
		w = exp2l(-(long double)(s->tsc - r->last_tsc) * r->decay_per_tick);
		r->s0 *= w, r->sx *= w, r->sy *= w, r->sxx *= w, r->sxy *= w;
		if (s->tsc - r->origin_tsc > RATE_RECENTER_TICKS)
			rate_recenter(r, s);
	}
	x = (long double)(s->tsc - r->origin_tsc);
	y = (long double)s->mono_ns - (long double)r->origin_ns;
	r->s0 += 1, r->sx += x, r->sy += y, r->sxx += x * x, r->sxy += x * y;
	r->last_tsc = s->tsc;
	r->nr++;
}

bool pvclock_rate_settled(const struct pvclock_rate *r)
{
	return r->nr >= 3 && r->last_tsc - r->first_tsc >= r->min_span_ticks;
}

long double pvclock_rate_ns_per_tick(const struct pvclock_rate *r)
{
	long double den;

	if (pvclock_rate_settled(r)) {
		den = r->s0 * r->sxx - r->sx * r->sx;
		if (den > 0)
			return (r->s0 * r->sxy - r->sx * r->sy) / den;
	}
	return 1e9L / (long double)r->nominal_hz;
}

int pvclock_rate_scale(const struct pvclock_rate *r, struct pvclock_scale *out)
{
	long double ns = ldexpl(pvclock_rate_ns_per_tick(r), RATE_FRAC_BITS);

	if (!(ns >= 1.0L) || ns > 1.8e19L)
		return -EINVAL;
	return pvclock_scale_from_ratio((uint64_t)llroundl(ns), 1ull << RATE_FRAC_BITS, out);
}
