/* TSC-to-ns scale: normalise the ratio into [0.5, 1) by powers of two, then round to 0.32. */
#include "pvclock_scale.h"

#include <errno.h>

#define SCALE_SHIFT_MIN (-32)
#define SCALE_SHIFT_MAX 31

int pvclock_scale_from_ratio(uint64_t ns, uint64_t ticks, struct pvclock_scale *out)
{
	unsigned __int128 num = ns, den = ticks, mul;
	int shift = 0;

	if (!ns || !ticks)
		return -EINVAL;
	/* Find shift with 2^(shift-1) <= ns/ticks < 2^shift; both stay below 2^66. */
	while (num >= den) {
		den <<= 1;
		shift++;
	}
	while (num * 2 < den) {
		num <<= 1;
		shift--;
	}
	if (shift < SCALE_SHIFT_MIN || shift > SCALE_SHIFT_MAX)
		return -EINVAL;
	/* num/den is now in [0.5, 1): mul = round(num / den * 2^32). */
	mul = ((num << 32) + den / 2) / den;
	if (mul >> 32) { /* rounded up to 1.0: use the next shift, 0.5 exactly */
		mul = 1ull << 31;
		shift++;
		if (shift > SCALE_SHIFT_MAX)
			return -EINVAL;
	}
	out->mul = (uint32_t)mul;
	out->shift = (int8_t)shift;
	return 0;
}

int pvclock_scale_from_hz(uint64_t hz, struct pvclock_scale *out)
{
	return pvclock_scale_from_ratio(1000000000ull, hz, out);
}
