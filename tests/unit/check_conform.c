/* pvclock-vmm conform's verdicts: warps read off a console, each outcome, the exit rule. */
#include "cli/conform.h"
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

START_TEST(test_warps_from_every_reader)
{
	ck_assert_int_eq(conform_parse_warps("hello\nno clock here\n"), -1);
	/* the SDK's soak_clock */
	ck_assert_int_eq(conform_parse_warps("soak: t 1 s: 10 reads, 0 warps, 0 stalls\n"
					     "soak: end: 2 vCPUs, 20 reads, 3 warps, 0 stalls\n"),
			 3);
	/* kvm-unit-tests' kvmclock_test: the report line and the totals */
	ck_assert_int_eq(conform_parse_warps("PASS: 0 time warps detected\nTotal warps:  7\n"), 7);
	ck_assert_int_eq(conform_parse_warps("FAIL: 12 time warps detected\n"), 12);
	/* Linux's clock_report */
	ck_assert_int_eq(conform_parse_warps("warps: 0 in 12345 reads on 2 CPUs\n"), 0);
	/* the word with no number beside it says nothing */
	ck_assert_int_eq(conform_parse_warps("warps\nno warps here: none\n"), -1);
	ck_assert_int_eq(conform_parse_warps("warps: 5"), 5); /* at the very end */
}
END_TEST

static struct conform_run run_of(const char *mode, int status, long warps, uint64_t err)
{
	struct conform_run r = { .status = status, .warps = warps, .host_error_ns = err };

	ck_assert_int_eq(clock_policy_parse(mode, &r.mode), 0);
	return r;
}

START_TEST(test_outcomes)
{
	struct conform_run r;

	r = run_of("storm", 0, 0, 10);
	ck_assert_int_eq(conform_judge(&r, 0, 50000), CONFORM_PASS);
	r = run_of("storm", 0, -1, 10); /* a guest that prints no warps line passes on status */
	ck_assert_int_eq(conform_judge(&r, 0, 50000), CONFORM_PASS);
	r = run_of("storm", 1, 0, 10); /* kvm-unit-tests' pass, with --pass-status 1 */
	ck_assert_int_eq(conform_judge(&r, 1, 50000), CONFORM_PASS);
	ck_assert_int_eq(conform_judge(&r, 0, 50000), CONFORM_FAIL);
	r = run_of("scale-pairs", 0, 2, 10);
	ck_assert_int_eq(conform_judge(&r, 0, 50000), CONFORM_FAIL);
	r = run_of("far-past-40", 0, 0, 60000);
	ck_assert_int_eq(conform_judge(&r, 0, 50000), CONFORM_HOST_BOUND);
	r = run_of("odd-hold:1ms", 68, -1, 0);
	ck_assert_int_eq(conform_judge(&r, 0, 50000), CONFORM_HANG);
	r = run_of("stopped", 70, -1, 0);
	ck_assert_int_eq(conform_judge(&r, 0, 50000), CONFORM_ERROR);
	r = run_of("bad-backstep", 65, 4, 0);
	ck_assert_int_eq(conform_judge(&r, 0, 0), CONFORM_DETECTED);
	r = run_of("bad-stable", 0, 0, 0);
	ck_assert_int_eq(conform_judge(&r, 0, 0), CONFORM_NOT_DETECTED);
}
END_TEST

START_TEST(test_exit_rule)
{
	struct conform_run runs[3] = {
		run_of("storm", 0, 0, 1),
		run_of("bad-stable", 0, 0, 0),
		run_of("bad-backstep", 65, 3, 0),
	};

	runs[0].outcome = CONFORM_PASS;
	runs[1].outcome = CONFORM_NOT_DETECTED; /* illegal modes are reported, not judged */
	runs[2].outcome = CONFORM_DETECTED;
	ck_assert(conform_all_legal_passed(runs, 3));
	runs[0].outcome = CONFORM_FAIL;
	ck_assert(!conform_all_legal_passed(runs, 3));
	runs[0].outcome = CONFORM_PASS;
	runs[1].outcome = CONFORM_HANG; /* a hang is never a pass, illegal mode or not */
	ck_assert(!conform_all_legal_passed(runs, 3));
}
END_TEST

START_TEST(test_json)
{
	struct conform_run r = run_of("storm", 0, 0, 12);
	char path[] = "/tmp/check_conform.XXXXXX", text[512] = { 0 };
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	r.vcpus = 2;
	r.outcome = CONFORM_PASS;
	ck_assert_int_eq(conform_write_json(path, "a \"quoted\" path", &r, 1), 0);
	f = fdopen(fd, "r");
	ck_assert_uint_gt(fread(text, 1, sizeof(text) - 1, f), 0);
	fclose(f);
	unlink(path);
	ck_assert_ptr_nonnull(strstr(text, "\"image\":\"a \\\"quoted\\\" path\""));
	ck_assert_ptr_nonnull(strstr(text, "\"passed\":true"));
	ck_assert_ptr_nonnull(strstr(text, "\"mode\":\"storm\",\"legal\":true,\"vcpus\":2"));
}
END_TEST

TEST_SUITE("conform", { .name = "verdicts",
			.tests = TESTS(test_warps_from_every_reader, test_outcomes, test_exit_rule,
				       test_json) })
