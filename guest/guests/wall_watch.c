/*
 * wall_watch [ms] [period-ms]: registers the wall clock once, as Linux does at boot, then every
 * [period] re-reads the wall-clock struct (no MSR write) and hands the host its UTC time (the
 * struct plus kvmclock) with its kvmclock reading, for `pvclock-vmm wallclock` to set against
 * CLOCK_REALTIME. Reads in ring 3. Checks that kvmclock itself never steps: a step of the wall
 * clock is not a step of the monotonic clock.
 */
#include "guest/guest.h"
#include "guest/kvmclock.h"

static struct pvclock_vcpu_time_info ti __attribute__((aligned(64)));
static struct pvclock_wall_clock wc __attribute__((aligned(16)));

int main(int argc, char **argv)
{
	uint64_t duration = guest_arg_ulong(argc, argv, 1, 4000) * 1000000ull;
	uint64_t period = guest_arg_ulong(argc, argv, 2, 100) * 1000000ull;
	uint64_t base, start, last, next, largest_gap = 0;
	unsigned long samples = 0, moves = 0;

	GUEST_ASSERT(period > 0);
	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, &ti);
	guest_vmexit(); /* published from here on */
	base = kvmclock_wall_clock_base(MSR_KVM_WALL_CLOCK_NEW, &wc);
	guest_enter_user_mode();
	start = last = next = kvmclock_read(&ti, NULL);
	while (last - start < duration) {
		uint64_t now = kvmclock_read(&ti, NULL), wall;

		if (now < next)
			continue;
		wall = kvmclock_wall_clock_read(&wc);
		moves += wall != base;
		base = wall;
		kvmclock_probe(CLOCK_PROBE_WALL_SAMPLE, wall + now, now);
		largest_gap = now - last > largest_gap ? now - last : largest_gap;
		last = now;
		next += period;
		samples++;
	}
	GUEST_PRINT("wall_watch: %lu samples, the wall clock moved %lu times, largest kvmclock gap "
		    "between samples %lu us\n",
		    samples, moves, (unsigned long)(largest_gap / 1000));
	/* The first gap includes the start; no gap may hold a step of the host's wall clock. */
	GUEST_ASSERT(largest_gap < period + 500000000ull);
	return 0;
}
