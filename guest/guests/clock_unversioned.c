/*
 * clock_unversioned [MS]: a deliberately broken kvmclock reader, for testing conform. Every vCPU
 * reads its struct in ring 3 for MS ms of guest time (default 2000) the way the ABI forbids,
 * without the version loop, into one shared last value under a lock, and vCPU 0 prints
 *   clock_unversioned: 2 vCPUs, 123456 reads, 0 warps
 * and fails if there were any. conform must find it failing the modes that write while the
 * guest reads (odd-hold) and passing those a reader without the loop cannot tell apart.
 */
#include "guest/guest.h"
#include "guest/kvmclock.h"

#define CHECK_EVERY 4096 /* broken reads between two looks at the time */

static uint8_t page[4096] __attribute__((aligned(4096)));
static int lock;
static uint64_t last;
static unsigned long reads, warps;
static uint64_t run_ns;
static struct guest_team team; /* every vCPU runs worker once main has the arguments */

/* The fields as they are now, version ignored: what the ABI says never to do. */
static uint64_t read_unversioned(const volatile struct pvclock_vcpu_time_info *ti)
{
	uint64_t tsc = rdtsc_ordered();

	return ti->system_time +
	       pvclock_scale_delta(tsc - ti->tsc_timestamp, ti->tsc_to_system_mul, ti->tsc_shift);
}

static void worker(unsigned int id)
{
	volatile struct pvclock_vcpu_time_info *ti = (volatile void *)&page[id * 0x40];
	uint64_t start, t;
	unsigned long i = 0;

	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, ti);
	guest_vmexit(); /* an exit, so the host publishes */
	guest_enter_user_mode();
	start = kvmclock_read(ti, NULL);
	do {
		while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
			cpu_relax();
		t = read_unversioned(ti);
		warps += t < last;
		last = t;
		reads++;
		__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
		/* The loop's own clock read (a correct one, which waits out an odd version) only
		 * now and then: the broken reads must be what meets the host's writes. */
	} while (++i % CHECK_EVERY || kvmclock_read(ti, NULL) - start < run_ns);
}

void guest_ap_main(unsigned int id)
{
	guest_team_join(&team, id);
}

int main(int argc, char **argv)
{
	unsigned int n = guest_boot_info()->nr_vcpus;

	run_ns = guest_arg_ulong(argc, argv, 1, 2000) * 1000000ull;
	GUEST_ASSERT(n * 0x40 <= sizeof(page));
	guest_team_run(&team, worker);
	GUEST_PRINT("clock_unversioned: %u vCPUs, %lu reads, %lu warps\n", n, reads, warps);
	GUEST_ASSERT_EQ(warps, 0);
	return 0;
}
