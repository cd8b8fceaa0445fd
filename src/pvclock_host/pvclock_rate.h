/*
 * CLOCK_MONOTONIC's rate against the TSC, by weighted least squares over recent samples, in
 * two fits: a slow one whose old samples fade over a long half-life (a precise rate while
 * MONOTONIC's rate holds), and a fast one that forgets in tens of milliseconds. When their
 * slopes differ by more than the fast fit's own noise allows, MONOTONIC's rate has changed
 * (NTP slews it, up to 500 ppm at once): the slow fit restarts from the fast one's samples,
 * so the rate follows the change within tens of milliseconds instead of a half-life.
 */
#ifndef PVCLOCK_RATE_H
#define PVCLOCK_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "pvclock_sample.h"
#include "pvclock_scale.h"

/* One exponentially weighted fit of ns against ticks, in the rate's origin coordinates. */
struct pvclock_fit {
	long double decay_per_tick;	  /* log2 weight lost per tick: 1 / half-life */
	long double s0, sx, sy, sxx, sxy; /* weighted sums of 1, x, y, x^2, xy */
	long double see;		  /* weighted sum of squared prediction errors */
};

struct pvclock_rate {
	uint64_t nominal_hz;		/* KVM_GET_TSC_KHZ * 1000: used until samples span enough */
	uint64_t min_span_ticks;	/* samples must span this much before the fit is trusted */
	uint64_t origin_tsc, origin_ns; /* fit coordinates are relative to this sample */
	uint64_t first_tsc, last_tsc;
	unsigned long nr;
	unsigned long changes; /* rate changes followed (the slow fit restarted) */
	struct pvclock_fit slow, fast;
};

/* The fast fit's half-life, and the smallest change it acts on (below, the slow fit's job). */
#define PVCLOCK_RATE_FAST_HALF_LIFE_S 0.02
#define PVCLOCK_RATE_CHANGE_MIN_PPM   1.0
/* A change is a difference of more than this many of the fast slope's standard errors. */
#define PVCLOCK_RATE_CHANGE_SIGMAS 8.0

/* @half_life_s: how fast old samples fade from the slow fit while the rate holds. */
void pvclock_rate_init(struct pvclock_rate *r, uint64_t nominal_hz, double min_span_s,
		       double half_life_s);
void pvclock_rate_add(struct pvclock_rate *r, const struct pvclock_sample *s);
bool pvclock_rate_settled(const struct pvclock_rate *r);
/* Nanoseconds per TSC tick: the slow fit once settled, else 1e9 / nominal_hz. */
long double pvclock_rate_ns_per_tick(const struct pvclock_rate *r);
/* pvclock_rate_ns_per_tick() as a scale: 0, or -EINVAL when no scale can hold it. */
int pvclock_rate_scale(const struct pvclock_rate *r, struct pvclock_scale *out);

#endif
