/* Guest side of kvmclock. */
#include "guest/kvmclock.h"

#include "guest/guest.h"

bool kvmclock_available(uint32_t *features)
{
	uint32_t a, b, c, d;
	char sig[12];

	cpuid(CPUID_KVM_SIGNATURE, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	if (memcmp(sig, "KVMKVMKVM\0\0\0", 12) || a < CPUID_KVM_FEATURES)
		return false;
	cpuid(CPUID_KVM_FEATURES, &a, &b, &c, &d);
	*features = a;
	return a & (1u << KVM_FEATURE_CLOCKSOURCE2);
}

void kvmclock_enable(uint32_t msr, volatile struct pvclock_vcpu_time_info *ti)
{
	wrmsr(msr, (uint64_t)(uintptr_t)ti | KVM_SYSTEM_TIME_ENABLE);
}

void kvmclock_disable(uint32_t msr)
{
	wrmsr(msr, 0);
}

/* One consistent reading: time, the TSC it came from, the flags it was published with. */
static uint64_t kvmclock_read_flags(const volatile struct pvclock_vcpu_time_info *ti, uint64_t *tsc,
				    uint8_t *flags, unsigned long *retries)
{
	uint32_t version;
	uint64_t ns, now;
	uint8_t f;

	for (;;) {
		version = ti->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		/* rdtsc_ordered: LFENCE keeps RDTSC after the version load. */
		now = rdtsc_ordered();
		ns = ti->system_time + pvclock_scale_delta(now - ti->tsc_timestamp,
							   ti->tsc_to_system_mul, ti->tsc_shift);
		f = ti->flags;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(version & 1) && version == ti->version)
			break;
		if (retries)
			(*retries)++;
	}
	if (tsc)
		*tsc = now;
	if (flags)
		*flags = f;
	return ns;
}

uint64_t kvmclock_read_at(const volatile struct pvclock_vcpu_time_info *ti, uint64_t *tsc,
			  unsigned long *retries)
{
	return kvmclock_read_flags(ti, tsc, NULL, retries);
}

uint64_t kvmclock_read_guarded(const volatile struct pvclock_vcpu_time_info *ti, uint64_t *last,
			       uint64_t *tsc, unsigned long *retries)
{
	uint8_t flags;
	uint64_t ns = kvmclock_read_flags(ti, tsc, &flags, retries);
	uint64_t old = __atomic_load_n(last, __ATOMIC_RELAXED);

	if (flags & PVCLOCK_TSC_STABLE_BIT)
		return ns;
	do {
		if (ns <= old)
			return old;
	} while (!__atomic_compare_exchange_n(last, &old, ns, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return ns;
}

uint64_t kvmclock_read(const volatile struct pvclock_vcpu_time_info *ti, unsigned long *retries)
{
	return kvmclock_read_at(ti, NULL, retries);
}

uint64_t kvmclock_wall_clock_base(uint32_t msr, volatile struct pvclock_wall_clock *wc)
{
	wrmsr(msr, (uint64_t)(uintptr_t)wc);
	return kvmclock_wall_clock_read(wc);
}

uint64_t kvmclock_wall_clock_read(const volatile struct pvclock_wall_clock *wc)
{
	uint32_t version;
	uint64_t ns;

	do {
		version = wc->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		ns = (uint64_t)wc->sec * 1000000000ull + wc->nsec;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) || version != wc->version);
	return ns;
}

void kvmclock_probe_full(const struct clock_probe *p)
{
	doorbell_ring(DOORBELL_PROBE, (uint64_t)(uintptr_t)p);
}

void kvmclock_probe(uint32_t kind, uint64_t first, uint64_t last)
{
	struct clock_probe p = { .kind = kind, .first = first, .last = last };

	kvmclock_probe_full(&p);
}

/* With @w's lock held: pair reading @t (at TSC @tsc, from @ti) with the one before it. */
static void kvmclock_warp_pair(struct kvmclock_warp *w, const volatile void *ti, uint64_t t,
			       uint64_t tsc)
{
	int64_t gap = (int64_t)(t - w->last), tsc_gap = (int64_t)(tsc - w->last_tsc);

	w->warps += gap < 0;
	w->stalls += gap == 0;
	if (w->last_ti == ti) {
		w->self_warps += gap < 0;
		w->self_stalls += gap == 0;
	} else if (w->last_ti) {
		w->cross_warps += gap < 0;
		w->cross_stalls += gap == 0;
		w->tsc_warps += tsc_gap < 0;
		w->tsc_stalls += tsc_gap == 0;
		if (!w->cross++ || gap < w->min_cross_ns)
			w->min_cross_ns = gap;
		if (w->cross == 1 || tsc_gap < w->min_cross_tsc)
			w->min_cross_tsc = tsc_gap;
	}
	w->last = t;
	w->last_tsc = tsc;
	w->last_ti = ti;
}

void kvmclock_warp_run(struct kvmclock_warp *w, const volatile struct pvclock_vcpu_time_info *ti,
		       unsigned long n, unsigned long exit_every)
{
	unsigned long retries = 0;

	for (unsigned long i = 0; i < n; i++) {
		uint64_t t, tsc;

		while (__atomic_exchange_n(&w->lock, 1, __ATOMIC_ACQUIRE))
			cpu_relax();
		t = kvmclock_read_guarded(ti, &w->guard, &tsc, &retries);
		kvmclock_warp_pair(w, ti, t, tsc);
		w->reads++;
		w->unstable += !(ti->flags & PVCLOCK_TSC_STABLE_BIT);
		__atomic_store_n(&w->lock, 0, __ATOMIC_RELEASE);
		for (unsigned int k = 0;
		     k < w->handoff && !__atomic_load_n(&w->lock, __ATOMIC_RELAXED); k++)
			cpu_relax();
		if (exit_every && i % exit_every == exit_every - 1)
			guest_vmexit();
	}
	__atomic_fetch_add(&w->retries, retries, __ATOMIC_RELAXED);
	__atomic_fetch_add(&w->finished, 1, __ATOMIC_RELEASE);
}
