/*
 * Integration tests: the hostile guest, one case per test, each with the outcome hostile_cases.h
 * (and the README's "Bad input" table) gives it. Run in the sanitizer build too, so a write
 * outside guest RAM or into the VMM's own memory would be reported.
 */
#include "guest_run.h"
#include "hostile_cases.h"

/* One row of hostile_cases.h. */
struct hostile_case {
	const char *name;
	unsigned int vcpus;
	const char *policy;  /* NULL: every-entry */
	uint64_t timeout_ms; /* 0: 60 s */
	int status;	     /* expected exit status */
	const char *logged;  /* expected in the VMM's messages ("" for none) */
};

#define CASE_EXPECTED(id, ...) { __VA_ARGS__ },
static const struct hostile_case cases[] = { HOSTILE_CASES(CASE_EXPECTED) };

START_TEST(test_hostile_case)
{
	const struct hostile_case *c = &cases[_i];
	char path[512];
	char *argv[] = { path, (char *)c->name, NULL };
	struct vmm_config cfg = {
		.image_path = path,
		.argc = 2,
		.argv = argv,
		.console = out,
		.nr_vcpus = c->vcpus,
		.mem_size = 64ull << 20,
		.timeout_ns = (c->timeout_ms ? c->timeout_ms : 60000) * 1000000ull,
	};

	if (c->policy)
		ck_assert_int_eq(clock_policy_parse(c->policy, &cfg.policy), 0);
	snprintf(path, sizeof(path), "%s/hostile.elf", GUEST_DIR);
	ck_assert_int_eq(vmm_run(&cfg, &res), 0);
	fflush(out);
	ck_assert_msg(vmm_exit_status(&res) == c->status,
		      "%s: status %d (%s), expected %d; output:\n%s\nlog:\n%s", c->name,
		      vmm_exit_status(&res), vm_stop_name(res.stop), c->status, out_text,
		      test_logged());
	ck_assert_msg(strstr(test_logged(), c->logged), "%s: expected the log to contain '%s':\n%s",
		      c->name, c->logged, test_logged());
	if (!strcmp(c->name, "string-io-out"))
		ck_assert_ptr_nonnull(strstr(out_text, "rep outsb reaches the console\n"));
	if (!strcmp(c->name, "msr-garbage")) {
		/* Logged once per vCPU however many bad values came. */
		const char *first = strstr(test_logged(), "clock left off");

		ck_assert_ptr_null(strstr(first + 1, "clock left off"));
		ck_assert_uint_gt(res.clock.bad_addresses, 50);
	}
}
END_TEST

TEST_KVM_SUITE("hostile", { .name = "cases",
			    GUEST_RUN_FIXTURE,
			    .timeout = 120,
			    .loop = test_hostile_case,
			    .loops = ARRAY_SIZE(cases) })
