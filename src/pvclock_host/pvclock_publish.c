/* Publishing the wall-clock struct (the per-vCPU struct's publish is inline, in the header). */
#include "pvclock_publish.h"

void pvclock_publish_wall_clock(struct pvclock_writer *w, void *dst, uint64_t boot_real_ns)
{
	struct pvclock_wall_clock wc = {
		.sec = (uint32_t)(boot_real_ns / 1000000000ull),
		.nsec = (uint32_t)(boot_real_ns % 1000000000ull),
	};

	pvclock_seqlock_write(w, dst, &wc, offsetof(struct pvclock_wall_clock, sec), sizeof(wc));
}
