/*
 * clock_warp [reads]: every vCPU reads kvmclock into one shared last-value under a lock and
 * counts warps (a reading below the last one, from any vCPU) and stalls (equal readings), as
 * kvm-unit-tests' kvmclock test does. Each vCPU registers its own struct.
 */
#include "guest.h"
#include "kvmclock.h"

static uint8_t page[4096] __attribute__((aligned(4096)));
static int lock;
static uint64_t last;
static unsigned long warps, stalls, reads, unstable, retries;
static unsigned int finished;
static unsigned long per_vcpu = 2000;

static void worker(unsigned int id)
{
	volatile struct pvclock_vcpu_time_info *ti = (volatile void *)&page[0x0c + id * 0x40];
	unsigned long my_retries = 0;

	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, ti);
	outb(PORT_NULL, 0);	/* an exit, so the host publishes */
	for (unsigned long i = 0; i < per_vcpu; i++) {
		uint64_t t;

		while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
			cpu_relax();
		t = kvmclock_read(ti, &my_retries);
		warps += t < last;
		stalls += t == last;
		last = t;
		reads++;
		unstable += !(ti->flags & PVCLOCK_TSC_STABLE_BIT);
		__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
		if (i % 16 == 0)
			outb(PORT_NULL, 0);	/* republish on this vCPU only */
	}
	__atomic_fetch_add(&retries, my_retries, __ATOMIC_RELAXED);
	__atomic_fetch_add(&finished, 1, __ATOMIC_RELEASE);
}

void guest_ap_main(unsigned int id)
{
	worker(id);
	for (;;)
		cpu_relax();
}

int main(int argc, char **argv)
{
	unsigned int n = guest_boot_info()->nr_vcpus;

	if (argc > 1) {
		per_vcpu = 0;
		for (const char *s = argv[1]; *s >= '0' && *s <= '9'; s++)
			per_vcpu = per_vcpu * 10 + (unsigned long)(*s - '0');
	}
	worker(0);
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < n)
		cpu_relax();
	GUEST_PRINT("clock_warp: %u vCPUs, %lu reads: %lu warps, %lu stalls, %lu retries, "
		    "%lu without STABLE\n", n, reads, warps, stalls, retries, unstable);
	GUEST_ASSERT_EQ(reads, n * per_vcpu);
	GUEST_ASSERT_EQ(unstable, 0);
	GUEST_ASSERT_EQ(warps, 0);
	return 0;
}
