/* Shared test helpers: captured VMM log messages, the /dev/kvm skip, paths to built guests. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

#define TEST_SKIP 77

/* Every message the VMM logs during a test, newline-separated. */
static char test_log[16384];

static inline void test_log_sink(enum log_level level, const char *msg)
{
	size_t used = strlen(test_log);

	(void)level;
	snprintf(test_log + used, sizeof(test_log) - used, "%s\n", msg);
}

static inline void test_log_capture(void)
{
	test_log[0] = '\0';
	log_set_sink(test_log_sink);
}

#define ck_assert_logged(text)                                                         \
	ck_assert_msg(strstr(test_log, (text)) != NULL, "expected log to contain '%s', got:\n%s", \
		      (text), test_log)

/* Integration suites call this first: without /dev/kvm they skip, saying why. */
static inline void test_require_kvm(const char *suite)
{
	if (access("/dev/kvm", F_OK) != 0) {
		printf("SKIP %s: /dev/kvm is absent on this machine, so no guest can run\n", suite);
		exit(TEST_SKIP);
	}
}

static inline int test_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
