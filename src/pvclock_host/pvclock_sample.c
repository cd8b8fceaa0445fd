/* Tight (TSC, CLOCK_MONOTONIC) sampling. */
#include "pvclock_sample.h"

#include <errno.h>

int pvclock_sample_take(const struct pvclock_clock *clk, unsigned int tries, uint64_t max_width,
			struct pvclock_sample *out)
{
	out->width = UINT64_MAX;
	for (unsigned int i = 0; i < tries; i++) {
		uint64_t t1 = clk->read_tsc(clk->ctx);
		uint64_t ns = clk->read_mono_ns(clk->ctx);
		uint64_t t2 = clk->read_tsc(clk->ctx);

		if (t2 < t1 || t2 - t1 >= out->width)
			continue;
		out->width = t2 - t1;
		out->tsc = t1 + out->width / 2;
		out->mono_ns = ns;
		if (out->width <= max_width / 4)
			break; /* as good as it gets: stop paying for more pairs */
	}
	return out->width <= max_width ? 0 : -EAGAIN;
}
