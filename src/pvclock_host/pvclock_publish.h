/* Writing kvmclock structs into guest memory with the odd/even version protocol. */
#ifndef PVCLOCK_PUBLISH_H
#define PVCLOCK_PUBLISH_H

#include <stdint.h>

#include "pvclock_abi.h"
#include "pvclock_line.h"

/* The host's own copy of a struct's version: the guest can scribble on the one in RAM. */
struct pvclock_writer {
	uint32_t version;
};

/*
 * Publish @line into @dst (32 bytes of guest RAM, any alignment): version made odd, release
 * fence, fields (tsc_timestamp = line TSC + @tsc_offset, the guest's TSC), release fence,
 * version made even.
 */
void pvclock_publish(struct pvclock_writer *w, void *dst, const struct pvclock_line *line,
		     uint64_t tsc_offset, uint8_t flags);

/* Write struct pvclock_wall_clock = @boot_real_ns (UTC when guest time was 0) into @dst. */
void pvclock_publish_wall_clock(struct pvclock_writer *w, void *dst, uint64_t boot_real_ns);

#endif
