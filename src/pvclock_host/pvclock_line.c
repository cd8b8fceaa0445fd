/* Re-anchoring the guest timeline: track CLOCK_MONOTONIC, never step backwards. */
#include "pvclock_line.h"

#include <errno.h>

int pvclock_line_reanchor(struct pvclock_line *line, const struct pvclock_sample *s,
			  const struct pvclock_rate *rate, struct pvclock_reanchor *out)
{
	struct pvclock_line next = { .tsc = s->tsc, .ns = s->mono_ns, .valid = true };
	double slew = 0;

	*out = (struct pvclock_reanchor){ 0 };
	if (line->valid && s->tsc >= line->tsc) {
		uint64_t old = pvclock_line_at(line, s->tsc);

		out->lead_ns = (int64_t)(old - s->mono_ns);
		if (old > s->mono_ns) {
			/* Hold at the old line; slow down so MONOTONIC catches up in ~100 ms. */
			next.ns = old;
			slew = -(double)(old - s->mono_ns) * 1e6 / PVCLOCK_CONVERGE_NS;
			if (slew < -PVCLOCK_MAX_SLEW_PPM)
				slew = -PVCLOCK_MAX_SLEW_PPM;
			out->clamped = true;
		}
	} else if (line->valid) {
		/* The TSC went backwards relative to the anchor (it cannot on a sane host): keep
		 * the old anchor's time so the guest still never steps back. */
		next.tsc = s->tsc;
		next.ns = line->ns;
		out->clamped = true;
	}
	out->ppm_adjust = slew;
	if (pvclock_rate_scale(rate, slew, &next.scale))
		return -EINVAL;
	*line = next;
	return 0;
}
