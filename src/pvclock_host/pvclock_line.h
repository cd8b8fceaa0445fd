/* The guest's timeline: one anchor (tsc, ns, scale) that every published struct copies. */
#ifndef PVCLOCK_LINE_H
#define PVCLOCK_LINE_H

#include <stdbool.h>
#include <stdint.h>

#include "pvclock_abi.h"
#include "pvclock_rate.h"
#include "pvclock_sample.h"
#include "pvclock_scale.h"

/* ns(t) = ns + pvclock_scale_delta(t - tsc, scale): what a guest computes from this anchor. */
struct pvclock_line {
	uint64_t tsc; /* host TSC */
	uint64_t ns;  /* CLOCK_MONOTONIC-based guest time at tsc */
	struct pvclock_scale scale;
	bool valid;
};

struct pvclock_reanchor {
	bool clamped;	  /* MONOTONIC lay behind the old line: held at the old line */
	int64_t lead_ns;  /* old line minus MONOTONIC at the new TSC (before clamping) */
	uint64_t slew_ns; /* lead being slewed away over PVCLOCK_CONVERGE_NS (capped):
					 * the slope is lowered by slew_ns / PVCLOCK_CONVERGE_NS */
};

/* Converge a clamped line back to MONOTONIC over this long, slewing at most this much. */
#define PVCLOCK_CONVERGE_NS  100000000ull /* 100 ms */
#define PVCLOCK_MAX_SLEW_PPM 500

static inline uint64_t pvclock_line_at(const struct pvclock_line *l, uint64_t tsc)
{
	if (tsc <= l->tsc)
		return l->ns;
	return l->ns + pvclock_scale_delta(tsc - l->tsc, l->scale.mul, l->scale.shift);
}

/*
 * Move the anchor to the sample's TSC, with @rate (MONOTONIC's measured ns per tick) as the
 * slope. The new line starts at MONOTONIC, unless that is behind the old line at the same TSC:
 * then it starts on the old line (never backwards) and runs slower than @rate until MONOTONIC
 * catches up (in PVCLOCK_CONVERGE_NS, slewing at most PVCLOCK_MAX_SLEW_PPM). Integer-only:
 * this runs before every KVM_RUN.
 */
void pvclock_line_reanchor(struct pvclock_line *line, const struct pvclock_sample *s,
			   const struct pvclock_scale *rate, struct pvclock_reanchor *out);

#endif
