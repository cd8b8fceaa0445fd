/*
 * clock_check [legacy] [reads]: kvmclock on one vCPU, checked from the guest and, through the
 * clock probe, against the host's clocks. Covers enable, read, republish on every entry, never
 * backwards, the version protocol, move, disable, refused addresses and the wall clock.
 */
#include "guest/guest.h"
#include "guest/kvmclock.h"

#define MARK_A 0xdead0000u
#define MARK_B 0xbeef0000u

static uint8_t pages[2][4096] __attribute__((aligned(4096)));
static uint32_t msr_time, msr_wall;

static volatile struct pvclock_vcpu_time_info *at(int page, unsigned int offset)
{
	return (volatile struct pvclock_vcpu_time_info *)&pages[page][offset];
}

static void exit_once(void)
{
	guest_vmexit();
}

/* (a), (b), (c): readings per run bracketed by the host, never backwards, versions sane. */
static void check_reads(volatile struct pvclock_vcpu_time_info *ti, unsigned long runs)
{
	unsigned long retries = 0, backward = 0, republishes = 0;
	uint64_t last = 0;

	for (unsigned long i = 0; i < runs; i++) {
		uint32_t version = ti->version;
		uint64_t first = kvmclock_read(ti, &retries);
		uint64_t second = kvmclock_read(ti, &retries);

		GUEST_ASSERT((version & 1) == 0);
		backward += first < last;
		backward += second < first;
		last = second;
		kvmclock_probe(CLOCK_PROBE_MONO, first, second); /* exit: re-anchored */
		/* One publish per new anchor; the host skips an anchor only when its every
		 * sample was too wide, and the struct then keeps the current one. */
		GUEST_ASSERT(ti->version == version || ti->version == version + 2);
		republishes += ti->version != version;
	}
	GUEST_PRINT("clock_check: %lu reads over %lu runs, %lu republishes: %lu backward, "
		    "%lu retries\n",
		    2 * runs, runs, republishes, backward, retries);
	GUEST_ASSERT_EQ(backward, 0);
	GUEST_ASSERT_EQ(retries, 0); /* one vCPU: the host never writes while it runs */
}

/*
 * A guest TSC write moves the TSC, not the clock: the host re-reads the vCPU's TSC offset and
 * publishes tsc_timestamp in the new TSC domain. Where KVM ignores TSC offsets the TSC does not
 * move, and the clock must not either. Returns false where the TSC did not move.
 */
static bool tsc_jump(volatile struct pvclock_vcpu_time_info *ti, uint32_t msr, uint64_t value,
		     uint64_t jump)
{
	uint64_t tsc0 = rdtsc_ordered(), before = kvmclock_read(ti, NULL), after;
	bool moved;

	wrmsr(msr, value);
	exit_once();
	moved = rdtsc_ordered() - tsc0 >= jump;
	after = kvmclock_read(ti, NULL);
	GUEST_ASSERT(after >= before);
	GUEST_ASSERT(after - before < 1000000000ull); /* the clock did not jump with the TSC */
	kvmclock_probe(CLOCK_PROBE_MONO, after, kvmclock_read(ti, NULL));
	if (!moved)
		GUEST_PRINT("clock_check: this KVM did not move the TSC on a write of MSR 0x%x; "
			    "the clock stayed right\n",
			    msr);
	return moved;
}

static void check_tsc_writes(volatile struct pvclock_vcpu_time_info *ti)
{
	const uint64_t jump = 1ull << 36; /* tens of seconds of ticks */

	if (tsc_jump(ti, MSR_IA32_TSC_ADJUST, rdmsr(MSR_IA32_TSC_ADJUST) + jump, jump))
		tsc_jump(ti, MSR_IA32_TSC, rdtsc_ordered() + jump, jump);
}

/* (f): a move writes the new struct only; a disable stops all writes. */
static void check_move_and_disable(volatile struct pvclock_vcpu_time_info *a)
{
	volatile struct pvclock_vcpu_time_info *b = at(1, 0x24);

	kvmclock_enable(msr_time, b);
	exit_once();
	GUEST_ASSERT(b->version >= 2 && (b->version & 1) == 0);
	a->version = MARK_A;
	exit_once();
	exit_once();
	GUEST_ASSERT_EQ(a->version, MARK_A);
	GUEST_ASSERT(b->system_time != 0);
	kvmclock_disable(msr_time);
	GUEST_ASSERT_EQ(rdmsr(msr_time), 0);
	b->version = MARK_B;
	exit_once();
	exit_once();
	GUEST_ASSERT_EQ(b->version, MARK_B);
}

/* Addresses KVM would refuse: the WRMSR succeeds, RDMSR returns it, nothing is written. */
static void check_refused_addresses(void)
{
	uint64_t outside = guest_boot_info()->mem_size + 0x1000;
	uint64_t crossing = (uint64_t)(uintptr_t)&pages[0][4096 - 16];
	uint64_t vmm = MEMMAP_PML4;
	const uint64_t gpas[] = { outside, crossing, vmm };

	memset(&pages[0][4096 - 16], 0x5a, 16);
	for (unsigned int i = 0; i < 3; i++) {
		wrmsr(msr_time, gpas[i] | KVM_SYSTEM_TIME_ENABLE);
		GUEST_ASSERT_EQ(rdmsr(msr_time), gpas[i] | KVM_SYSTEM_TIME_ENABLE);
		exit_once();
	}
	for (unsigned int i = 0; i < 16; i++)
		GUEST_ASSERT_EQ(pages[0][4096 - 16 + i], 0x5a);
	kvmclock_disable(msr_time);
}

/* (e): wall clock base + kvmclock, checked by the host against CLOCK_REALTIME. */
static void check_wall_clock(volatile struct pvclock_vcpu_time_info *ti)
{
	volatile struct pvclock_wall_clock *wc = (volatile void *)&pages[0][0x100];
	uint64_t base = kvmclock_wall_clock_base(msr_wall, wc);
	uint64_t now = base + kvmclock_read(ti, NULL);

	GUEST_ASSERT_EQ(rdmsr(msr_wall), (uint64_t)(uintptr_t)wc);
	GUEST_ASSERT((wc->version & 1) == 0 && wc->version >= 2);
	GUEST_ASSERT(wc->sec > 1500000000u); /* after 2017: a real UTC time */
	kvmclock_probe(CLOCK_PROBE_WALL, now, now);
	GUEST_PRINT("clock_check: wall clock %u.%09u s at kvmclock 0\n", wc->sec, wc->nsec);
}

int main(int argc, char **argv)
{
	volatile struct pvclock_vcpu_time_info *a = at(0, 0x0c); /* 4-byte aligned, as Linux */
	bool legacy = argc > 1 && !strcmp(argv[1], "legacy");
	unsigned long runs = guest_arg_ulong(argc, argv, 2, 10000);
	uint32_t features = 0;

	msr_time = legacy ? MSR_KVM_SYSTEM_TIME : MSR_KVM_SYSTEM_TIME_NEW;
	msr_wall = legacy ? MSR_KVM_WALL_CLOCK : MSR_KVM_WALL_CLOCK_NEW;
	GUEST_ASSERT(kvmclock_available(&features));
	GUEST_ASSERT(features & (1u << KVM_FEATURE_CLOCKSOURCE));
	GUEST_ASSERT(features & (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT));

	kvmclock_enable(msr_time, a);
	GUEST_ASSERT_EQ(rdmsr(msr_time), (uint64_t)(uintptr_t)a | 1);
	exit_once();
	GUEST_ASSERT(a->version >= 2 && a->tsc_to_system_mul != 0);
	GUEST_ASSERT(a->flags & PVCLOCK_TSC_STABLE_BIT);
	GUEST_ASSERT(a->tsc_timestamp <= rdtsc_ordered());

	check_reads(a, runs);
	check_wall_clock(a);
	check_tsc_writes(a);
	check_move_and_disable(a);
	check_refused_addresses();
	GUEST_PRINT("clock_check: %s MSRs passed\n", legacy ? "legacy" : "new");
	return 0;
}
