/* CLOCK_MONOTONIC's rate against the TSC, by weighted least squares over recent samples. */
#ifndef PVCLOCK_RATE_H
#define PVCLOCK_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "pvclock_sample.h"
#include "pvclock_scale.h"

struct pvclock_rate {
	uint64_t nominal_hz;		/* KVM_GET_TSC_KHZ * 1000: used until samples span enough */
	uint64_t min_span_ticks;	/* samples must span this much before the fit is trusted */
	long double decay_per_tick;	/* log2 weight lost per tick: half-life of old samples */
	uint64_t origin_tsc, origin_ns; /* fit coordinates are relative to this sample */
	uint64_t first_tsc, last_tsc;
	unsigned long nr;
	long double s0, sx, sy, sxx, sxy; /* weighted sums of 1, x, y, x^2, xy */
};

/* @half_life_s: how fast old samples fade (NTP may change MONOTONIC's rate over time). */
void pvclock_rate_init(struct pvclock_rate *r, uint64_t nominal_hz, double min_span_s,
		       double half_life_s);
void pvclock_rate_add(struct pvclock_rate *r, const struct pvclock_sample *s);
bool pvclock_rate_settled(const struct pvclock_rate *r);
/* Nanoseconds per TSC tick: the fit once settled, else 1e9 / nominal_hz. */
long double pvclock_rate_ns_per_tick(const struct pvclock_rate *r);
/* pvclock_rate_ns_per_tick() as a scale: 0, or -EINVAL when no scale can hold it. */
int pvclock_rate_scale(const struct pvclock_rate *r, struct pvclock_scale *out);

#endif
