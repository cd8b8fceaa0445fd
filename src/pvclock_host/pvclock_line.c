/* Re-anchoring the guest timeline: track CLOCK_MONOTONIC, never step backwards. */
#include "pvclock_line.h"

/* Largest lead corrected at full speed: beyond it the slew is capped. */
#define PVCLOCK_MAX_LEAD_NS (PVCLOCK_CONVERGE_NS * PVCLOCK_MAX_SLEW_PPM / 1000000)

void pvclock_line_reanchor(struct pvclock_line *line, const struct pvclock_sample *s,
			   const struct pvclock_scale *rate, struct pvclock_reanchor *out)
{
	struct pvclock_line next = {
		.tsc = s->tsc, .ns = s->mono_ns, .scale = *rate, .valid = true
	};

	*out = (struct pvclock_reanchor){ 0 };
	if (line->valid && s->tsc >= line->tsc) {
		uint64_t old = pvclock_line_at(line, s->tsc);

		out->lead_ns = (int64_t)(old - s->mono_ns);
		if (old > s->mono_ns) {
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
