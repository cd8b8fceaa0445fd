/* Test helpers every suite uses (test_util.h). */
#include "test_util.h"

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

void test_require_kvm(const char *suite)
{
	if (access("/dev/kvm", F_OK) != 0) {
		printf("SKIP %s: /dev/kvm is absent on this machine, so no guest can run\n", suite);
		exit(TEST_SKIP);
	}
}

int test_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int test_run_tests(const char *name, const TTest *const *tests, size_t nr_tests)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, test_log_capture, test_log_release);
	for (size_t i = 0; i < nr_tests; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
