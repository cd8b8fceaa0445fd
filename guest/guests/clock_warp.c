/*
 * clock_warp [reads] [ring0|ring3] [ms]: every vCPU reads kvmclock into one shared last-value
 * under a lock and counts warps (a reading below the last one, from any vCPU) and stalls (equal
 * readings), as kvm-unit-tests' kvmclock test does. Each vCPU registers its own struct and
 * exits every 16 reads. With [ms], each vCPU goes on in rounds of [reads] until its clock says
 * [ms] have passed (the benchmark's steady load); ring3 reads from ring 3, at native speed on
 * hosts that emulate ring 0.
 */
#include "guest/guest.h"
#include "guest/kvmclock.h"

#define EXIT_EVERY 16

static uint8_t page[4096] __attribute__((aligned(4096)));
static struct kvmclock_warp warp;
static unsigned long per_vcpu = 2000, duration_ms;
static bool user_mode;
static unsigned int done;
static bool ready; /* set once main has parsed the arguments: the APs start with vCPU 0 */

static void worker(unsigned int id)
{
	volatile struct pvclock_vcpu_time_info *ti = (volatile void *)&page[0x0c + id * 0x40];
	uint64_t start;

	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, ti);
	guest_vmexit(); /* an exit, so the host publishes */
	if (user_mode)
		guest_enter_user_mode();
	start = kvmclock_read(ti, NULL);
	do
		kvmclock_warp_run(&warp, ti, per_vcpu, EXIT_EVERY);
	while (kvmclock_read(ti, NULL) - start < duration_ms * 1000000ull);
	__atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
}

void guest_ap_main(unsigned int id)
{
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		cpu_relax();
	worker(id);
	for (;;)
		cpu_relax();
}

int main(int argc, char **argv)
{
	unsigned int n = guest_boot_info()->nr_vcpus;

	per_vcpu = guest_arg_ulong(argc, argv, 1, per_vcpu);
	user_mode = argc > 2 && !strcmp(argv[2], "ring3");
	duration_ms = guest_arg_ulong(argc, argv, 3, 0);
	__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	worker(0);
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < n)
		cpu_relax();
	GUEST_PRINT("clock_warp: %u vCPUs, %lu reads: %lu warps, %lu stalls, %lu retries, "
		    "%lu without STABLE\n",
		    n, warp.reads, warp.warps, warp.stalls, warp.retries, warp.unstable);
	if (!duration_ms)
		GUEST_ASSERT_EQ(warp.reads, n * per_vcpu);
	GUEST_ASSERT_EQ(warp.reads % per_vcpu, 0);
	GUEST_ASSERT_EQ(warp.unstable, 0);
	GUEST_ASSERT_EQ(warp.warps, 0);
	return 0;
}
