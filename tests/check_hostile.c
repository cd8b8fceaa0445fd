/*
 * Integration tests: the hostile guest, one case per test, each with the outcome the README's
 * "Bad input" table documents. Run in the sanitizer build too, so a write outside guest RAM or
 * into the VMM's own memory would be reported.
 */
#include "guest_run.h"

struct hostile_case {
	const char *name;
	const char *policy;		/* NULL: every-entry */
	unsigned int vcpus;
	uint64_t timeout_ms;
	int status;			/* expected exit status */
	const char *logged;		/* expected in the VMM's messages ("" for none) */
};

static const struct hostile_case cases[] = {
	{ "gpa-outside-ram", NULL, 1, 0, 0, "lies outside guest RAM; clock left off" },
	{ "gpa-ram-end", NULL, 1, 0, 0, "lies outside guest RAM; clock left off" },
	{ "gpa-straddle-page", NULL, 1, 0, 0, "crosses a page boundary; clock left off" },
	{ "gpa-page-tables", NULL, 1, 0, 0, "overlaps the VMM's page tables and boot data" },
	{ "gpa-boot-info", NULL, 1, 0, 0, "overlaps the VMM's page tables and boot data" },
	{ "gpa-stack", NULL, 1, 0, 0, "overlaps the VMM's page tables and boot data" },
	{ "gpa-mmio-hole", NULL, 1, 0, 0, "value 0xd0000001: struct at GPA 0xd0000000" },
	{ "gpa-high-bits", NULL, 1, 0, 0, "value 0xfff0000000100001" },
	{ "wall-outside-ram", NULL, 1, 0, 0, "WRMSR 0x4b564d00 value 0x3fffffc" },
	{ "msr-garbage", NULL, 1, 0, 0, "clock left off (logged once per vCPU)" },
	{ "msr-toggle", NULL, 1, 0, 0, "" },
	{ "unknown-msr-read", NULL, 1, 0, 0, "" },
	{ "unknown-msr-write", NULL, 1, 0, 0, "" },
	{ "unknown-port-out", NULL, 1, 0, 66, "guest port write of 0x42 (size 1) to 0x378" },
	{ "unknown-port-in", NULL, 1, 0, 66, "guest port read (size 1) from 0x61" },
	{ "string-io-out", NULL, 1, 0, 0, "" },
	{ "string-io-in", NULL, 1, 0, 66, "debug console takes byte OUTs, got a 1-byte IN" },
	{ "report-outside-ram", NULL, 1, 0, 66, "report at GPA 0xfffff000 (+432 bytes) lies "
						 "outside guest RAM" },
	{ "report-unterminated", NULL, 1, 0, 66, "message not NUL-terminated within 320 bytes" },
	{ "report-oversized", NULL, 1, 0, 66, "nr_values 99 exceeds the maximum of 4" },
	{ "report-half-written", NULL, 1, 0, 66, "unknown command 0" },
	{ "exit-code-range", NULL, 1, 0, 66, "guest DONE with exit code 99 outside 0..63" },
	{ "probe-outside-ram", NULL, 1, 0, 66, "clock probe at GPA 0x123456789000 lies outside "
						"guest RAM" },
	{ "doorbell-read", NULL, 1, 0, 66, "guest read (size 8) of the doorbell at 0xfe000000" },
	{ "doorbell-size", NULL, 1, 0, 66, "guest store of 0x1234 (size 4) to doorbell register "
					   "null: it takes 8-byte stores" },
	{ "doorbell-offset", NULL, 1, 0, 66, "guest store of 0x42 (size 8) to the doorbell at "
					     "0xfe000800: no register there" },
	{ "exception", NULL, 1, 0, 65, "unexpected exception #UD (vector 6) in ring 0 at rip" },
	{ "ring3-ud2", NULL, 1, 0, 65, "unexpected exception #UD (vector 6) in ring 3 at rip" },
	{ "ring3-port", NULL, 1, 0, 65, "unexpected exception #GP (vector 13) in ring 3 at rip" },
	{ "ring3-wrmsr", NULL, 1, 0, 65, "unexpected exception #GP (vector 13) in ring 3 at rip" },
	{ "stack-overflow", NULL, 1, 0, 65, "unexpected exception #DF (vector 8) in ring 0 at rip" },
	{ "infinite-loop", NULL, 1, 300, 68, "guest still running after the 0.300 s timeout" },
	{ "hlt-cli", NULL, 1, 0, 66, "guest executed HLT with nothing to wake it" },
	{ "never-enables", NULL, 1, 0, 0, "" },
	{ "same-gpa", NULL, 2, 0, 0, "" },
	{ "scribble", "live:100us", 1, 0, 0, "" },
};

START_TEST(test_hostile_case)
{
	const struct hostile_case *c = &cases[_i];
	char path[512];
	char *argv[] = { path, (char *)c->name, NULL };
	struct vmm_config cfg = {
		.image_path = path, .argc = 2, .argv = argv, .console = out, .nr_vcpus = c->vcpus,
		.policy = c->policy, .mem_size = 64ull << 20,
		.timeout_ns = (c->timeout_ms ? c->timeout_ms : 60000) * 1000000ull,
	};

	snprintf(path, sizeof(path), "%s/hostile.elf", GUEST_DIR);
	ck_assert_int_eq(vmm_run(&cfg, &res), 0);
	fflush(out);
	ck_assert_msg(vmm_exit_status(&res) == c->status,
		      "%s: status %d (%s), expected %d; output:\n%s\nlog:\n%s", c->name,
		      vmm_exit_status(&res), vm_stop_name(res.stop), c->status, out_text, test_log);
	ck_assert_msg(strstr(test_log, c->logged), "%s: expected the log to contain '%s':\n%s",
		      c->name, c->logged, test_log);
	if (!strcmp(c->name, "string-io-out"))
		ck_assert_ptr_nonnull(strstr(out_text, "rep outsb reaches the console\n"));
	if (!strcmp(c->name, "msr-garbage")) {
		/* Logged once per vCPU however many bad values came. */
		const char *first = strstr(test_log, "clock left off");

		ck_assert_ptr_null(strstr(first + 1, "clock left off"));
		ck_assert_uint_gt(res.clock.bad_addresses, 50);
	}
}
END_TEST

static Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("cases");

	tcase_add_checked_fixture(tc, guest_run_setup, guest_run_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_hostile_case, 0, sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	test_require_kvm("check_hostile");
	return test_run_suite(hostile_suite());
}
