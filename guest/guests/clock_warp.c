/*
 * clock_warp [reads] [ring0|ring3] [ms] [exit-every]: every vCPU reads kvmclock into one shared
 * last-value under a lock and counts warps (a reading below the last one, from any vCPU) and
 * stalls (equal readings), as kvm-unit-tests' kvmclock test does, split into pairs with
 * another vCPU's reading (cross) and with its own, and compares the raw TSCs of cross pairs.
 * Each vCPU registers its own struct and exits every [exit-every] reads (default 16; 0: never).
 * With [ms], each vCPU goes on in rounds of [reads] until its clock says [ms] have passed (the
 * benchmark's steady load); ring3 reads from ring 3, at native speed on hosts that emulate
 * ring 0.
 *
 * What it asserts is what the ABI promises: with PVCLOCK_TSC_STABLE_BIT on every reading, no
 * pair goes back or stands still, across vCPUs too (reads are tens of ns apart, ticks below a
 * ns); without it on any (a host that cannot promise it, e.g. the live policy on several
 * vCPUs), only each vCPU's own clock is promised, and a guest must guard the rest, as Linux
 * does with its global last value.
 */
#include "guest/guest.h"
#include "guest/kvmclock.h"

static uint8_t page[4096] __attribute__((aligned(4096)));
static struct kvmclock_warp warp;
static unsigned long per_vcpu = 2000, duration_ms, exit_every = 16;
static bool user_mode;
static unsigned int started;
static struct guest_team team; /* every vCPU runs worker once main has the arguments */

static void worker(unsigned int id)
{
	volatile struct pvclock_vcpu_time_info *ti = (volatile void *)&page[0x0c + id * 0x40];
	uint64_t start;

	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, ti);
	guest_vmexit(); /* an exit, so the host publishes */
	if (user_mode)
		guest_enter_user_mode();
	/* All at once: a vCPU that starts late (ring 0 is slow where emulated) pairs with none. */
	__atomic_fetch_add(&started, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < guest_boot_info()->nr_vcpus)
		cpu_relax();
	start = kvmclock_read(ti, NULL);
	do
		kvmclock_warp_run(&warp, ti, per_vcpu, exit_every);
	while (kvmclock_read(ti, NULL) - start < duration_ms * 1000000ull);
}

void guest_ap_main(unsigned int id)
{
	guest_team_join(&team, id);
}

int main(int argc, char **argv)
{
	unsigned int n = guest_boot_info()->nr_vcpus;

	per_vcpu = guest_arg_ulong(argc, argv, 1, per_vcpu);
	user_mode = argc > 2 && !strcmp(argv[2], "ring3");
	duration_ms = guest_arg_ulong(argc, argv, 3, 0);
	exit_every = guest_arg_ulong(argc, argv, 4, exit_every);
	warp.handoff = user_mode ? 16 : 0;
	guest_team_run(&team, worker);
	GUEST_PRINT("clock_warp: %u vCPUs, %lu reads: %lu warps, %lu stalls, %lu retries, "
		    "%lu without STABLE\n",
		    n, warp.reads, warp.warps, warp.stalls, warp.retries, warp.unstable);
	GUEST_PRINT("clock_warp: %lu cross-vCPU pairs: %lu warps, %lu stalls, closest %ld ns; "
		    "own pairs: %lu warps, %lu stalls; cross RDTSC: %lu back, %lu equal, closest "
		    "%ld ticks\n",
		    warp.cross, warp.cross_warps, warp.cross_stalls, warp.min_cross_ns,
		    warp.self_warps, warp.self_stalls, warp.tsc_warps, warp.tsc_stalls,
		    warp.min_cross_tsc);
	if (!duration_ms)
		GUEST_ASSERT_EQ(warp.reads, n * per_vcpu);
	GUEST_ASSERT_EQ(warp.reads % per_vcpu, 0);
	GUEST_ASSERT_EQ(warp.self_warps, 0);
	GUEST_ASSERT_EQ(warp.self_stalls, 0);
	if (warp.unstable == warp.reads && n > 1)
		return 0; /* no cross-vCPU promise: the host said so on every reading */
	GUEST_ASSERT_EQ(warp.unstable, 0);
	GUEST_ASSERT_EQ(warp.warps, 0);
	GUEST_ASSERT_EQ(warp.stalls, 0);
	return 0;
}
