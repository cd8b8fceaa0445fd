/*
 * soak_clock [SECONDS] [PERIOD-S]: every vCPU reads kvmclock in ring 3 into one shared last
 * value under a lock (the cross-vCPU warp test) for SECONDS of guest time (default 60), and
 * vCPU 0 prints the running totals every PERIOD-S seconds (default 60):
 *   soak: t 120 s: 123456 reads, 0 warps, 0 stalls, 0 without STABLE
 * so a long run shows, period by period, that the clock never went back. Each vCPU exits
 * every 64 reads, so the host republishes and the VMM's exit path is exercised all along.
 */
#include "guest/guest.h"
#include "guest/kvmclock.h"

#define ROUND_READS 4096
#define EXIT_EVERY  64

static uint8_t page[4096] __attribute__((aligned(4096)));
static struct kvmclock_warp warp;
static uint64_t run_ns, period_ns;
static struct guest_team team; /* every vCPU runs worker once main has the arguments */

static void print_totals(uint64_t elapsed_ns)
{
	GUEST_PRINT("soak: t %lu s: %lu reads, %lu warps, %lu stalls, %lu without STABLE\n",
		    (unsigned long)(elapsed_ns / 1000000000ull), warp.reads, warp.warps,
		    warp.stalls, warp.unstable);
}

static void worker(unsigned int id)
{
	volatile struct pvclock_vcpu_time_info *ti = (volatile void *)&page[id * 0x40];
	uint64_t start, next_print, now;

	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, ti);
	guest_vmexit(); /* an exit, so the host publishes */
	guest_enter_user_mode();
	start = kvmclock_read(ti, NULL);
	next_print = period_ns;
	do {
		kvmclock_warp_run(&warp, ti, ROUND_READS, EXIT_EVERY);
		now = kvmclock_read(ti, NULL) - start;
		if (id == 0 && now >= next_print) {
			print_totals(now);
			next_print += period_ns;
		}
	} while (now < run_ns);
}

void guest_ap_main(unsigned int id)
{
	guest_team_join(&team, id);
}

int main(int argc, char **argv)
{
	unsigned int n = guest_boot_info()->nr_vcpus;

	run_ns = guest_arg_ulong(argc, argv, 1, 60) * 1000000000ull;
	period_ns = guest_arg_ulong(argc, argv, 2, 60) * 1000000000ull;
	GUEST_ASSERT(period_ns > 0);
	GUEST_ASSERT(n * 0x40 <= sizeof(page));
	guest_team_run(&team, worker);
	GUEST_PRINT("soak: end: %u vCPUs, %lu reads, %lu warps, %lu stalls, %lu without STABLE\n",
		    n, warp.reads, warp.warps, warp.stalls, warp.unstable);
	GUEST_ASSERT_EQ(warp.warps, 0);
	return 0;
}
