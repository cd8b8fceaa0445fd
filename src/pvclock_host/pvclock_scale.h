/* TSC-to-ns scale (tsc_to_system_mul, tsc_shift) for a frequency or a measured rate. */
#ifndef PVCLOCK_SCALE_H
#define PVCLOCK_SCALE_H

#include <stdint.h>

struct pvclock_scale {
	uint32_t mul;
	int8_t shift;
};

/*
 * The scale for "@ns nanoseconds per @ticks TSC ticks": shift chosen so that the ratio divided
 * by 2^shift lies in [0.5, 1), mul = that fraction in 0.32 fixed point, rounded to nearest.
 * Returns 0, or -EINVAL when the ratio is zero or cannot be represented.
 */
int pvclock_scale_from_ratio(uint64_t ns, uint64_t ticks, struct pvclock_scale *out);
/* The scale for a TSC of @hz ticks per second. */
int pvclock_scale_from_hz(uint64_t hz, struct pvclock_scale *out);

#endif
