/*
 * pause_watch [MS] [EXIT-EVERY]: read kvmclock continuously for MS ms of guest time (default
 * 1500) and report what a pause, a snapshot or a restore looked like from inside: backward
 * steps (must be none), the largest step between two readings, and how often the struct
 * carried PVCLOCK_GUEST_STOPPED. The flag is cleared after each sighting, as Linux's watchdog
 * code does, so each pause shows once. An exit every EXIT-EVERY reads (default 4096) lets the
 * host republish. The first line says the clock is on; the last two are the result.
 */
#include "guest/guest.h"
#include "guest/kvmclock.h"

static uint8_t clock_page[4096] __attribute__((aligned(4096)));

int main(int argc, char **argv)
{
	volatile struct pvclock_vcpu_time_info *ti = (volatile void *)clock_page;
	uint64_t run_ns = guest_arg_ulong(argc, argv, 1, 1500) * 1000000ul;
	unsigned long exit_every = guest_arg_ulong(argc, argv, 2, 4096);
	unsigned long reads = 0, backward = 0, stopped = 0;
	uint64_t start, last, now, largest = 0;

	GUEST_ASSERT(kvmclock_available(NULL));
	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, ti);
	start = last = kvmclock_read(ti, NULL);
	GUEST_PRINT("pause_watch: clock on, watching %lu ms of guest time\n",
		    (unsigned long)(run_ns / 1000000));
	do {
		now = kvmclock_read(ti, NULL);
		reads++;
		if (now < last)
			backward++;
		else if (now - last > largest)
			largest = now - last;
		last = now > last ? now : last;
		if (ti->flags & PVCLOCK_GUEST_STOPPED) {
			stopped++;
			__atomic_fetch_and(&ti->flags, (uint8_t)~PVCLOCK_GUEST_STOPPED,
					   __ATOMIC_RELAXED);
		}
		if (exit_every && reads % exit_every == 0)
			guest_vmexit();
	} while (now - start < run_ns);
	GUEST_PRINT("pause_watch: largest step %lu us, GUEST_STOPPED seen %lu times, %lu reads\n",
		    (unsigned long)(largest / 1000), stopped, reads);
	GUEST_PRINT("pause_watch: %lu backward steps\n", backward);
	GUEST_ASSERT_EQ(backward, 0);
	return 0;
}
