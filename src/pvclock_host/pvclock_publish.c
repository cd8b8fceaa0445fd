/*
 * Publishing into guest RAM. The guest reads concurrently on another CPU, so each struct is a
 * seqlock: an odd version tells it a write is in progress; the fences order the version stores
 * against the field stores (on x86 they only stop the compiler, stores are not reordered).
 * memcpy, not field stores: the guest chooses the address and need not align it.
 */
#include "pvclock_publish.h"

#include <string.h>

static void store_version(void *dst, uint32_t version)
{
	memcpy(dst, &version, sizeof(version));
}

/* One seqlock write: version odd, the body (the struct after its version word), version even. */
static inline void seqlock_write(struct pvclock_writer *w, void *dst, const void *src, size_t body,
				 size_t size)
{
	store_version(dst, w->version | 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy((char *)dst + body, (const char *)src + body, size - body);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	w->version = (w->version | 1) + 1;
	store_version(dst, w->version);
}

void pvclock_publish(struct pvclock_writer *w, void *dst, const struct pvclock_line *line,
		     uint64_t tsc_offset, uint8_t flags)
{
	struct pvclock_vcpu_time_info t = {
		.tsc_timestamp = line->tsc + tsc_offset,
		.system_time = line->ns,
		.tsc_to_system_mul = line->scale.mul,
		.tsc_shift = line->scale.shift,
		.flags = flags,
	};

	seqlock_write(w, dst, &t, offsetof(struct pvclock_vcpu_time_info, tsc_timestamp),
		      sizeof(t));
}

void pvclock_publish_wall_clock(struct pvclock_writer *w, void *dst, uint64_t boot_real_ns)
{
	struct pvclock_wall_clock wc = {
		.sec = (uint32_t)(boot_real_ns / 1000000000ull),
		.nsec = (uint32_t)(boot_real_ns % 1000000000ull),
	};

	seqlock_write(w, dst, &wc, offsetof(struct pvclock_wall_clock, sec), sizeof(wc));
}
