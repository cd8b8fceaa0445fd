/*
 * clock_warp [reads]: every vCPU reads kvmclock into one shared last-value under a lock and
 * counts warps (a reading below the last one, from any vCPU) and stalls (equal readings), as
 * kvm-unit-tests' kvmclock test does. Each vCPU registers its own struct.
 */
#include "guest/guest.h"
#include "guest/kvmclock.h"

static uint8_t page[4096] __attribute__((aligned(4096)));
static struct kvmclock_warp warp;
static unsigned long per_vcpu = 2000;
static bool ready; /* set once main has parsed per_vcpu: the APs start with vCPU 0 */

static void worker(unsigned int id)
{
	volatile struct pvclock_vcpu_time_info *ti = (volatile void *)&page[0x0c + id * 0x40];

	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, ti);
	guest_vmexit(); /* an exit, so the host publishes */
	/* An exit every 16 reads republishes on this vCPU only. */
	kvmclock_warp_run(&warp, ti, per_vcpu, 16);
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
	__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	worker(0);
	while (__atomic_load_n(&warp.finished, __ATOMIC_ACQUIRE) < n)
		cpu_relax();
	GUEST_PRINT("clock_warp: %u vCPUs, %lu reads: %lu warps, %lu stalls, %lu retries, "
		    "%lu without STABLE\n",
		    n, warp.reads, warp.warps, warp.stalls, warp.retries, warp.unstable);
	GUEST_ASSERT_EQ(warp.reads, n * per_vcpu);
	GUEST_ASSERT_EQ(warp.unstable, 0);
	GUEST_ASSERT_EQ(warp.warps, 0);
	return 0;
}
