/*
 * mb_kvmclock [READS [HOST-TIME]]: a multiboot test image in the style QEMU's -kernel runs.
 * It counts the CPUs through fw_cfg, starts them by INIT/SIPI, and has every CPU read kvmclock
 * READS times (default 10000) into one shared last-value under a lock, counting warps (a
 * reading below the last one, from any CPU) and stalls (a reading equal to it). Each CPU
 * registers its own struct, deliberately not 32-byte aligned. With HOST-TIME (UTC seconds,
 * e.g. `date +%s.%N` at launch) the wall clock must be within 1 s of it.
 * Exit: 0 pass, 1 fail, 77 skip (no kvmclock, e.g. QEMU without KVM).
 */
#include "guest/guest.h"
#include "guest/kvmclock.h"
#include "guest/pc.h"

#define NS_PER_SEC 1000000000l
/*
 * The guest's wall clock lies after the host time taken at launch, by at most how long the
 * launch took (process start, VM set-up, boot: seconds under emulation and sanitizers).
 */
#define WALL_EARLY_NS (NS_PER_SEC / 1000)
#define WALL_LATE_NS  (10 * NS_PER_SEC)

static uint8_t clock_page[4096] __attribute__((aligned(4096)));
static struct kvmclock_warp warp;
static unsigned long per_cpu = 10000;
static bool ready;

static volatile struct pvclock_vcpu_time_info *cpu_clock(unsigned int apic_id)
{
	return (volatile void *)&clock_page[0x0c + apic_id * 0x40];
}

static void warp_test(unsigned int apic_id)
{
	volatile struct pvclock_vcpu_time_info *ti = cpu_clock(apic_id);

	GUEST_ASSERT(apic_id < PC_MAX_CPUS); /* one struct each in clock_page */
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		cpu_relax();
	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, ti);
	/* An exit now and then (port 0x80, a no-op on any PC): the host republishes. */
	kvmclock_warp_run(&warp, ti, per_cpu, 64);
}

void guest_ap_main(unsigned int apic_id)
{
	warp_test(apic_id);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* "SECONDS[.FRACTION]" to ns. */
static int64_t parse_time_ns(const char *s)
{
	int64_t ns = 0, scale = NS_PER_SEC;

	for (; *s >= '0' && *s <= '9'; s++)
		ns = ns * 10 + (*s - '0');
	ns *= NS_PER_SEC;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9' && scale > 1; s++) {
			scale /= 10;
			ns += (*s - '0') * scale;
		}
	return ns;
}

static void wall_clock_check(const char *host_time)
{
	static volatile struct pvclock_wall_clock wc;
	int64_t host = parse_time_ns(host_time);
	int64_t guest = (int64_t)(kvmclock_wall_clock_base(MSR_KVM_WALL_CLOCK_NEW, &wc) +
				  kvmclock_read(cpu_clock(0), NULL));
	int64_t diff = guest - host, mag = diff < 0 ? -diff : diff;

	GUEST_PRINT("wall clock: guest %ld.%09ld s, host at launch %ld.%09ld s, difference "
		    "%s%ld.%06ld s (limits -0.001 s, +10 s)\n",
		    guest / NS_PER_SEC, guest % NS_PER_SEC, host / NS_PER_SEC, host % NS_PER_SEC,
		    diff < 0 ? "-" : "+", mag / NS_PER_SEC, mag % NS_PER_SEC / 1000);
	GUEST_ASSERT(diff >= -WALL_EARLY_NS && diff <= WALL_LATE_NS);
}

int main(int argc, char **argv)
{
	unsigned int n = pc_nr_cpus(), started;
	uint32_t features;
	uint64_t t0, t1;

	per_cpu = guest_arg_ulong(argc, argv, 1, per_cpu);
	GUEST_PRINT("mb_kvmclock: %u CPUs (fw_cfg %s), %lu reads each\n", n,
		    pc_fw_cfg_present() ? "present" : "absent", per_cpu);
	started = pc_start_aps(n); /* they wait for 'ready' */
	GUEST_PRINT("INIT/SIPI: %u of %u other CPUs started\n", started, n - 1);
	GUEST_ASSERT_EQ(started, n - 1);
	if (!kvmclock_available(&features)) {
		GUEST_PRINT("SKIP: no kvmclock (CPUID 0x40000001 lacks CLOCKSOURCE2)\n");
		return PC_EXIT_SKIP;
	}
	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, cpu_clock(0));
	if (argc > 2)
		wall_clock_check(argv[2]);
	t0 = kvmclock_read(cpu_clock(0), NULL);
	__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	warp_test(0);
	while (__atomic_load_n(&warp.finished, __ATOMIC_ACQUIRE) < n)
		cpu_relax();
	t1 = kvmclock_read(cpu_clock(0), NULL);
	GUEST_PRINT("warp test: %u CPUs, %lu reads in %lu ms: %lu warps, %lu stalls, %lu retries, "
		    "%lu without STABLE\n",
		    n, warp.reads, (unsigned long)((t1 - t0) / 1000000), warp.warps, warp.stalls,
		    warp.retries, warp.unstable);
	GUEST_ASSERT_EQ(warp.reads, n * per_cpu);
	GUEST_ASSERT_EQ(warp.warps, 0);
	GUEST_ASSERT_EQ(warp.stalls, 0);
	GUEST_ASSERT_EQ(warp.unstable, 0);
	GUEST_PRINT("PASS\n");
	return 0;
}
