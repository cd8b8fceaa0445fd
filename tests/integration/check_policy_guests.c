/* Integration tests: each host update policy, measured by the clock_measure guest. */
#include <math.h>

#include "clock/clock_measure.h"
#include "guest_run.h"

static struct clock_measure m;
static struct clock_summary sum;

static void measure_policy(const char *policy, const char *duration_ms)
{
	char path[512];
	char *argv[] = { path, (char *)duration_ms, "1000", "ring3", "2000", NULL };
	struct vmm_config cfg = {
		.image_path = path,
		.argc = 5,
		.argv = argv,
		.console = out,
		.timeout_ns = GUEST_RUN_TIMEOUT_NS,
		.calibrate_ns = 200000000,
		.measure = &m,
	};

	ck_assert_int_eq(clock_policy_parse(policy, &cfg.policy), 0);
	snprintf(path, sizeof(path), "%s/clock_measure.elf", GUEST_DIR);
	ck_assert_int_eq(clock_measure_init(&m, 100000, 1), 0);
	ck_assert_int_eq(vmm_run(&cfg, &res), 0);
	ck_assert_msg(res.stop == VM_STOP_DONE && res.guest_exit_code == 0, "%s: stop %s; log:\n%s",
		      policy, vm_stop_name(res.stop), test_logged());
	m.tsc_hz = res.tsc_hz;
	clock_measure_summarize(&m, !strcmp(policy, "kernel"), &sum);
	printf("%-14s %5zu samples, err p50 %.0f p99 %.0f max %.0f ns, drift %+.4f ppm, "
	       "%lu anchors, %lu publishes, read %.1f ns\n",
	       policy, sum.samples, sum.err_median_ns, sum.err_p99_ns, sum.err_max_ns,
	       sum.drift_ppm, res.clock.anchors, res.clock.publishes, sum.read_ns);
	ck_assert_uint_gt(sum.samples, 10); /* 300 at 1 kHz; far fewer on a starved host */
	ck_assert_uint_eq(sum.backward, 0);
	ck_assert(sum.read_cycles > 0);
	clock_measure_destroy(&m);
}

START_TEST(test_every_entry)
{
	measure_policy("every-entry", "300");
	ck_assert_uint_ge(res.clock.anchors + res.clock.wide_samples, sum.samples);
	ck_assert_double_lt(sum.err_p99_ns, 10000);
}
END_TEST

START_TEST(test_once_never_writes_again)
{
	measure_policy("once", "300");
	ck_assert_uint_eq(res.clock.anchors, 1);
	ck_assert_uint_eq(res.clock.publishes, 1);
}
END_TEST

START_TEST(test_periodic_at_most_once_per_interval)
{
	measure_policy("periodic:50ms", "300");
	/* The run is the read-cost loop plus 300 ms of samples: about 6 intervals. */
	ck_assert_uint_le(res.clock.anchors, (uint64_t)(sum.duration_s * 1000 / 50) + 3);
	ck_assert_uint_ge(res.clock.anchors, 2);
}
END_TEST

START_TEST(test_threshold_keeps_error_under_bound)
{
	measure_policy("threshold:20000", "300");
	/* The bound, plus what a sample can be off by (250 ns refusal bound, twice). */
	ck_assert_double_le(sum.err_max_ns, 20000 + 500);
}
END_TEST

START_TEST(test_kernel_is_served_in_kernel)
{
	measure_policy("kernel", "300");
	ck_assert_uint_eq(res.clock.msr_writes, 0); /* nothing trapped */
	ck_assert_uint_eq(res.clock.publishes, 0);
	ck_assert(fabs(sum.drift_ppm) < 100);
}
END_TEST

/* clock_measure checking @reads_wanted reads under live:100us, none backward: its retries. */
static unsigned long live_check(unsigned long reads_wanted)
{
	char count[32], path[512];
	char *argv[] = { path, "check", count, "ring3", NULL };
	struct vmm_config cfg;
	unsigned long reads = 0, backward = 1, retries = 0;
	const char *line = NULL, *next;

	snprintf(path, sizeof(path), "%s/clock_measure.elf", GUEST_DIR);
	snprintf(count, sizeof(count), "%lu", reads_wanted);
	cfg = (struct vmm_config){ .image_path = path,
				   .argc = 4,
				   .argv = argv,
				   .console = out,
				   .timeout_ns = GUEST_RUN_TIMEOUT_NS };
	ck_assert_int_eq(clock_policy_parse("live:100us", &cfg.policy), 0);
	ck_assert_int_eq(vmm_run(&cfg, &res), 0);
	fflush(out);
	ck_assert_msg(res.stop == VM_STOP_DONE, "stop %s; log:\n%s", vm_stop_name(res.stop),
		      test_logged());
	next = out_text;				 /* set by the fflush */
	while ((next = strstr(next, "clock_measure: "))) /* this run's: the console's last */
		line = next++;
	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(sscanf(line, "clock_measure: %lu reads, %lu backward, %lu retries", &reads,
				&backward, &retries),
			 3);
	printf("live:100us: %lu reads, %lu backward, %lu retries, %lu publishes by the thread\n",
	       reads, backward, retries, res.clock.publishes);
	ck_assert_uint_ge(reads, reads_wanted);
	ck_assert_uint_eq(backward, 0);
	ck_assert_uint_gt(res.clock.publishes, 1);
	return retries;
}

/*
 * Retries need the publisher and the guest on different CPUs at the same moment: on a busy
 * host they may not overlap for a while, so the read count grows (4x, up to 4 more runs)
 * until the guest has met the publisher mid-write; every run must read nothing backward.
 */
START_TEST(test_live_retries_without_tearing)
{
	unsigned long reads = 100000, retries = live_check(reads);

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("live: one CPU online: retries come only from preemption, not required\n");
		return;
	}
	for (int more = 0; more < 4 && !retries; more++)
		retries = live_check(reads *= 4);
	ck_assert_uint_gt(retries, 0);
}
END_TEST

TEST_KVM_SUITE("policies", { .name = "guests",
			     GUEST_RUN_FIXTURE,
			     .timeout = 120,
			     .tests = TESTS(test_every_entry, test_once_never_writes_again,
					    test_periodic_at_most_once_per_interval,
					    test_threshold_keeps_error_under_bound,
					    test_kernel_is_served_in_kernel,
					    test_live_retries_without_tearing) })
