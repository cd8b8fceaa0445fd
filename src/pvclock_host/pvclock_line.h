/* The guest's timeline: one anchor (tsc, ns, scale) that every published struct copies. */
#ifndef PVCLOCK_LINE_H
#define PVCLOCK_LINE_H

#include <stdbool.h>
#include <stdint.h>

#include "pvclock_abi.h"
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
/* Largest lead corrected at full speed: beyond it the slew is capped. */
#define PVCLOCK_MAX_LEAD_NS (PVCLOCK_CONVERGE_NS * PVCLOCK_MAX_SLEW_PPM / 1000000)

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
 * catches up (in PVCLOCK_CONVERGE_NS, slewing at most PVCLOCK_MAX_SLEW_PPM). Integer-only
 * and inline: this runs before every KVM_RUN, where a call into a cold page costs more.
 */
static inline void pvclock_line_reanchor(struct pvclock_line *line, const struct pvclock_sample *s,
					 const struct pvclock_scale *rate,
					 struct pvclock_reanchor *out)
{
	struct pvclock_line next = {
		.tsc = s->tsc, .ns = s->mono_ns, .scale = *rate, .valid = true
	};

	*out = (struct pvclock_reanchor){ 0 };
	/* The expected ways laid out to fall through: it runs right after an exit (cold). */
	if (__builtin_expect(line->valid && s->tsc >= line->tsc, 1)) {
		uint64_t old = pvclock_line_at(line, s->tsc);

		out->lead_ns = (int64_t)(old - s->mono_ns);
		if (__builtin_expect(old > s->mono_ns, 0)) {
			uint64_t lead = old - s->mono_ns;

			if (lead > PVCLOCK_MAX_LEAD_NS)
				lead = PVCLOCK_MAX_LEAD_NS;
			/* Hold at the old line; run slower so MONOTONIC catches up. */
			next.ns = old;
			next.scale.mul -=
				(uint32_t)((uint64_t)rate->mul * lead / PVCLOCK_CONVERGE_NS);
			out->slew_ns = lead;
			out->clamped = true;
		}
	} else if (line->valid) {
		/* The TSC went backwards relative to the anchor (it cannot on a sane host): keep
		 * the old anchor's time so the guest still never steps back. */
		next.ns = line->ns;
		out->clamped = true;
	}
	*line = next;
}

#endif
