/* Test helpers every suite uses (test_util.h). */
#include "test_util.h"

#include <dirent.h>

static char test_log[16384];

static void test_log_sink(enum log_level level, const char *msg)
{
	size_t used = strlen(test_log);

	(void)level;
	snprintf(test_log + used, sizeof(test_log) - used, "%s\n", msg);
}

void test_log_capture(void)
{
	test_log[0] = '\0';
	log_set_sink(test_log_sink);
}

void test_log_release(void)
{
	log_set_sink(NULL);
}

const char *test_logged(void)
{
	return test_log;
}

int test_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

void test_require_kvm(const char *suite)
{
	if (access("/dev/kvm", F_OK) != 0) {
		printf("SKIP %s: /dev/kvm is absent on this machine, so no guest can run\n", suite);
		exit(TEST_SKIP);
	}
}

static TCase *test_case_create(const struct test_case *c)
{
	TCase *tc = tcase_create(c->name);

	if (c->setup || c->teardown)
		tcase_add_checked_fixture(tc, c->setup, c->teardown);
	if (c->timeout)
		tcase_set_timeout(tc, c->timeout);
	for (const TTest *const *t = c->tests; t && *t; t++)
		tcase_add_test(tc, *t);
	if (c->loop)
		tcase_add_loop_test(tc, c->loop, 0, c->loops);
	return tc;
}

int test_main(const char *name, bool needs_kvm, const struct test_case *cases, size_t nr_cases)
{
	Suite *s;
	SRunner *sr;
	int failed;

	if (needs_kvm)
		test_require_kvm(program_invocation_short_name);
	s = suite_create(name);
	for (size_t i = 0; i < nr_cases; i++)
		suite_add_tcase(s, test_case_create(&cases[i]));
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
