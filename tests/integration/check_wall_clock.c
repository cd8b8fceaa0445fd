/*
 * Integration test: host clock steps (date --set) reach a guest that re-reads its wall clock
 * under --wall-clock follow, and not under boot or the in-kernel clock; kvmclock itself never
 * steps. It steps CLOCK_REALTIME, so it runs only where that clock is the test's own: inside
 * kvmlab (wall_clock_test.sh sees to that).
 */
#include <math.h>

#include "cli/wallclock.h"
#include "test_util.h"

#define STEP_S	      10.0
#define SEEN_BOUND_MS 1000.0 /* the guest polls every 100 ms; emulated exits add the rest */
#define SAME_MS	      50.0   /* offsets this close are "unchanged" */

static struct wallclock_row run(const char *mode)
{
	struct wallclock_options o = { .guest = GUEST_DIR "/wall_watch.elf",
				       .step_s = STEP_S,
				       .period_ms = 100,
				       .allow_step = true };
	struct wallclock_row row;
	int ret = wallclock_run(&o, mode, &row);

	ck_assert_msg(ret == 0, "%s: wallclock_run gave %d; log:\n%s", mode, ret, test_logged());
	wallclock_print_table(stdout, &row, 1, STEP_S);
	ck_assert_uint_gt(row.samples, 20);
	/* A wall-clock step is not a step of kvmclock: its difference to MONOTONIC holds. */
	ck_assert_msg(row.monotonic_step_ms < 500, "%s: kvmclock moved %.3f ms against MONOTONIC",
		      mode, row.monotonic_step_ms);
	return row;
}

START_TEST(test_follow_sees_both_steps)
{
	struct wallclock_row r = run("follow");

	ck_assert_msg(r.seen_up_ms >= 0 && r.seen_up_ms < SEEN_BOUND_MS, "+step seen after %.1f ms",
		      r.seen_up_ms);
	ck_assert_msg(r.seen_down_ms >= 0 && r.seen_down_ms < SEEN_BOUND_MS,
		      "-step seen after %.1f ms", r.seen_down_ms);
	ck_assert(fabs(r.offset_up_ms - r.offset_before_ms) < SAME_MS);
	ck_assert(fabs(r.offset_down_ms - r.offset_before_ms) < SAME_MS);
}
END_TEST

static void expect_blind(const char *mode)
{
	struct wallclock_row r = run(mode);

	ck_assert_msg(r.seen_up_ms < 0 && r.seen_down_ms < 0, "%s saw a step", mode);
	/* The host moved 10 s ahead; the guest stayed behind until the host came back. */
	ck_assert(fabs(r.offset_up_ms - (r.offset_before_ms - STEP_S * 1e3)) < SAME_MS);
	ck_assert(fabs(r.offset_down_ms - r.offset_before_ms) < SAME_MS);
}

START_TEST(test_boot_does_not)
{
	expect_blind("boot");
}
END_TEST

START_TEST(test_kernel_does_not)
{
	expect_blind("kernel");
}
END_TEST

TEST_KVM_SUITE("wall_clock", { .name = "steps",
			       TEST_LOG_FIXTURE,
			       .timeout = 120,
			       .tests = TESTS(test_follow_sees_both_steps, test_boot_does_not,
					      test_kernel_does_not) })
