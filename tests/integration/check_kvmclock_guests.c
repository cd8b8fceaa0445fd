/* Integration tests: kvmclock published by the VMM, checked by guests and the clock probe. */
#include "guest_run.h"
#include "probe_abi.h"

static void expect_clock_check_passed(const char *msrs, unsigned long runs)
{
	ck_assert_msg(res.stop == VM_STOP_DONE && res.guest_exit_code == 0,
		      "stop %s, exit %d; log:\n%s", vm_stop_name(res.stop), res.guest_exit_code,
		      test_logged());
	ck_assert_ptr_nonnull(strstr(out_text, msrs));
	/* (a) every run's readings lay between MONOTONIC at entry and at exit. */
	ck_assert_uint_ge(res.clock.probes, runs);
	ck_assert_msg(res.clock.probe_violations == 0, "%lu probe violations; log:\n%s",
		      res.clock.probe_violations, test_logged());
	/* (c) a new anchor and publish per entry: each entry re-anchored, or kept the anchor
	 * because every sample was too wide (slow hosts, sanitizers). */
	ck_assert_uint_ge(res.clock.anchors + res.clock.wide_samples, runs);
	ck_assert_uint_ge(res.clock.publishes + res.clock.wide_samples, runs);
	ck_assert_uint_ge(res.clock.publishes, 1000);
	/* Outside RAM, across a page, over the page tables: refused, logged once. */
	ck_assert_uint_eq(res.clock.bad_addresses, 3);
	ck_assert_logged("lies outside guest RAM; clock left off (logged once per vCPU)");
	/* (e) the wall clock matched CLOCK_REALTIME at the exit, within CLOCK_PROBE_WALL_BOUND_NS
	 * plus the time since the run's entry: the host counts any miss as a violation (above). */
	ck_assert_uint_gt(res.clock.max_wall_error_ns, 0);
	printf("%s: %lu probes, %lu publishes, %lu clamps, best sample %llu ns, wall error %llu "
	       "ns\n",
	       msrs, res.clock.probes, res.clock.publishes, res.clock.clamps,
	       (unsigned long long)res.clock.best_sample_ns,
	       (unsigned long long)res.clock.max_wall_error_ns);
}

START_TEST(test_new_msrs)
{
	char *argv[] = { NULL, "new", "10000", NULL };

	run_guest("clock_check", 3, argv, 1, GUEST_RUN_TIMEOUT_NS);
	expect_clock_check_passed("clock_check: new MSRs passed", 10000);
	ck_assert_ptr_nonnull(strstr(out_text, "20000 reads over 10000 runs, "));
	ck_assert_ptr_nonnull(strstr(out_text, " republishes: 0 backward, 0 retries"));
}
END_TEST

START_TEST(test_legacy_msrs)
{
	char *argv[] = { NULL, "legacy", "2000", NULL };

	run_guest("clock_check", 3, argv, 1, GUEST_RUN_TIMEOUT_NS);
	expect_clock_check_passed("clock_check: legacy MSRs passed", 2000);
}
END_TEST

START_TEST(test_two_vcpus_never_warp)
{
	char *argv[] = { NULL, "3000", NULL };

	run_guest("clock_warp", 2, argv, 2, GUEST_RUN_TIMEOUT_NS);
	ck_assert_msg(res.stop == VM_STOP_DONE, "stop %s; log:\n%s", vm_stop_name(res.stop),
		      test_logged());
	ck_assert_ptr_nonnull(strstr(out_text, "2 vCPUs, 6000 reads: 0 warps"));
	ck_assert_ptr_nonnull(strstr(out_text, "0 without STABLE"));
	ck_assert_uint_ge(res.clock.syncs, 1);
	ck_assert_uint_eq(res.clock.msr_writes, 2);
	printf("clock_warp: %s", out_text);
	printf("clock_warp: %lu syncs, %lu publishes\n", res.clock.syncs, res.clock.publishes);
}
END_TEST

/* 8, 16 and 64 vCPUs (oversubscribed: a stress of its own), a short loop each. */
static const unsigned int many_vcpus[] = { 8, 16, 64 };

START_TEST(test_many_vcpus_never_warp)
{
	unsigned int n = many_vcpus[_i];
	char *argv[] = { NULL, "40", NULL }, want[64];

	run_guest("clock_warp", 2, argv, n, GUEST_RUN_TIMEOUT_NS);
	ck_assert_msg(res.stop == VM_STOP_DONE, "%u vCPUs: stop %s; log:\n%s", n,
		      vm_stop_name(res.stop), test_logged());
	snprintf(want, sizeof(want), "%u vCPUs, %u reads: 0 warps", n, n * 40);
	ck_assert_msg(strstr(out_text, want), "expected '%s' in:\n%s", want, out_text);
	ck_assert_ptr_nonnull(strstr(out_text, "0 without STABLE"));
	for (unsigned int i = 0; i < n; i++)
		ck_assert_uint_ge(res.vcpu_clock[i].publishes, 1);
	printf("clock_warp: %s", out_text);
	printf("clock_warp: %u vCPUs: %lu syncs, %lu publishes, %lu exits\n", n, res.clock.syncs,
	       res.clock.publishes, res.nr_exits);
}
END_TEST

TEST_KVM_SUITE("kvmclock",
	       { .name = "guests",
		 GUEST_RUN_FIXTURE,
		 .timeout = 120,
		 .tests = TESTS(test_new_msrs, test_legacy_msrs, test_two_vcpus_never_warp) },
	       { .name = "many_vcpus",
		 GUEST_RUN_FIXTURE,
		 .timeout = 300,
		 .loop = test_many_vcpus_never_warp,
		 .loops = ARRAY_SIZE(many_vcpus) })
