/* Writing kvmclock structs into guest memory with the odd/even version protocol. */
#ifndef PVCLOCK_PUBLISH_H
#define PVCLOCK_PUBLISH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pvclock_abi.h"
#include "pvclock_line.h"

/* The host's own copy of a struct's version: the guest can scribble on the one in RAM. */
struct pvclock_writer {
	uint32_t version;
};

/*
 * One seqlock write into guest RAM: version made odd, the body (the struct after its version
 * word), version made even. The guest reads concurrently on another CPU: the fences order the
 * version stores against the body's (on x86 they only stop the compiler, stores are not
 * reordered). memcpy, not field stores: the guest chooses the address and need not align it.
 */
static inline void pvclock_seqlock_write(struct pvclock_writer *w, void *dst, const void *src,
					 size_t body, size_t size)
{
	uint32_t odd = w->version | 1, even = odd + 1;

	memcpy(dst, &odd, sizeof(odd));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy((char *)dst + body, (const char *)src + body, size - body);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	w->version = even;
	memcpy(dst, &even, sizeof(even));
}

/*
 * Publish @line into @dst (32 bytes of guest RAM, any alignment): version made odd, release
 * fence, fields (tsc_timestamp = line TSC + @tsc_offset, the guest's TSC), release fence,
 * version made even. Inline: it runs before every KVM_RUN, where a call into a cold page
 * costs more than the stores. The body goes as three 8-byte stores straight from registers:
 * a struct built on the stack and copied would be read back in wider loads than it was
 * written with, which stalls (no store forwarding).
 */
static inline void pvclock_publish(struct pvclock_writer *w, void *dst,
				   const struct pvclock_line *line, uint64_t tsc_offset,
				   uint8_t flags)
{
	/* tsc_to_system_mul, tsc_shift, flags, pad: one little-endian word at offset 24 */
	uint64_t scale = line->scale.mul | (uint64_t)(uint8_t)line->scale.shift << 32 |
			 (uint64_t)flags << 40;
	uint64_t tsc = line->tsc + tsc_offset, ns = line->ns;
	uint32_t odd = w->version | 1, even = odd + 1;
	char *d = dst;

	_Static_assert(offsetof(struct pvclock_vcpu_time_info, tsc_shift) == 28 &&
			       offsetof(struct pvclock_vcpu_time_info, flags) == 29,
		       "the scale word's layout");
	memcpy(d, &odd, sizeof(odd));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(d + offsetof(struct pvclock_vcpu_time_info, tsc_timestamp), &tsc, sizeof(tsc));
	memcpy(d + offsetof(struct pvclock_vcpu_time_info, system_time), &ns, sizeof(ns));
	memcpy(d + offsetof(struct pvclock_vcpu_time_info, tsc_to_system_mul), &scale,
	       sizeof(scale));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	w->version = even;
	memcpy(d, &even, sizeof(even));
}

/*
 * Hold @dst odd before deciding what to publish in it (a later pvclock_publish releases it):
 * readers retry from now on. The full fence and LFENCE order a TSC read after this later than
 * every reading a reader completed on the old contents, so a line that is clamped at that TSC
 * is at or above all of them. For a writer that moves the line while guests read (the live
 * policy); the others move it with every reader out of the guest.
 */
static inline void pvclock_publish_hold(struct pvclock_writer *w, void *dst)
{
	uint32_t odd = w->version | 1;

	w->version = odd;
	memcpy(dst, &odd, sizeof(odd));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__builtin_ia32_lfence();
}

/* Write struct pvclock_wall_clock = @boot_real_ns (UTC when guest time was 0) into @dst. */
void pvclock_publish_wall_clock(struct pvclock_writer *w, void *dst, uint64_t boot_real_ns);

#endif
