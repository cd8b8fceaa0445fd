/*
 * clock_measure [ms] [period-us] [ring3|ring0] [reads]: the measurement guest behind
 * `pvclock-vmm demo`. Enables kvmclock, measures the cost of a clock read in a tight loop,
 * then for [ms] milliseconds reads the clock every [period-us] and hands each reading, the TSC
 * it came from and the cycles of the previous exit to the host in one exit.
 * clock_measure check <reads> [ring3|ring0]: reads back to back with no exit, counting
 * backward steps and retries (the live policy's seqlock test).
 */
#include "guest/guest.h"
#include "guest/kvmclock.h"

static struct pvclock_vcpu_time_info ti __attribute__((aligned(64)));

static void wait_published(void)
{
	guest_vmexit(); /* an exit: policies that publish on entry do it now */
	while (__atomic_load_n(&ti.version, __ATOMIC_ACQUIRE) == 0)
		cpu_relax(); /* the live policy's thread publishes within its interval */
}

/* The fastest of 10 batches: a host interrupt in one batch does not count against the clock. */
static void measure_read_cost(unsigned long reads)
{
	unsigned long batch = reads / 10 ? reads / 10 : 1;
	uint64_t best = UINT64_MAX;

	for (int b = 0; b < 10; b++) {
		uint64_t t0 = rdtsc_ordered(), t1;

		for (unsigned long i = 0; i < batch; i++)
			(void)kvmclock_read(&ti, NULL);
		t1 = rdtsc_ordered();
		best = t1 - t0 < best ? t1 - t0 : best;
	}
	kvmclock_probe(CLOCK_PROBE_READ_COST, best, batch);
}

static void sample_loop(uint64_t duration_ns, uint64_t period_ns)
{
	uint64_t start = kvmclock_read(&ti, NULL), exit_cycles = 0;

	for (;;) {
		struct clock_probe p = { .kind = CLOCK_PROBE_SAMPLE };
		unsigned long retries = 0;
		uint64_t c0, c1, next;

		p.first = kvmclock_read_at(&ti, &p.last, &retries);
		p.retries = (uint32_t)retries;
		p.extra = exit_cycles;
		c0 = rdtsc_ordered();
		kvmclock_probe_full(&p);
		c1 = rdtsc_ordered();
		exit_cycles = c1 - c0;
		if (p.first - start >= duration_ns)
			return;
		next = p.first + period_ns;
		while (kvmclock_read(&ti, NULL) < next)
			cpu_relax();
	}
}

static int check_reads(unsigned long reads)
{
	unsigned long retries = 0, backward = 0;
	uint64_t last = kvmclock_read(&ti, NULL);

	for (unsigned long i = 0; i < reads; i++) {
		uint64_t t = kvmclock_read(&ti, &retries);

		backward += t < last;
		last = t;
	}
	GUEST_PRINT("clock_measure: %lu reads, %lu backward, %lu retries\n", reads, backward,
		    retries);
	GUEST_ASSERT_EQ(backward, 0);
	return 0;
}

int main(int argc, char **argv)
{
	bool check = argc > 1 && !strcmp(argv[1], "check");
	const char *mode = argc > 3 ? argv[3] : "ring3"; /* "check N [mode]" too */

	kvmclock_enable(MSR_KVM_SYSTEM_TIME_NEW, &ti);
	wait_published();
	if (strcmp(mode, "ring0"))
		guest_enter_user_mode();
	if (check)
		return check_reads(guest_arg_ulong(argc, argv, 2, 100000));
	measure_read_cost(guest_arg_ulong(argc, argv, 4, 10000));
	sample_loop(guest_arg_ulong(argc, argv, 1, 2000) * 1000000ull,
		    guest_arg_ulong(argc, argv, 2, 1000) * 1000ull);
	return 0;
}
