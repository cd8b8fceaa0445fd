/* Test helpers every suite uses: captured VMM log messages, the /dev/kvm skip, running a suite. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/compiler.h"
#include "core/log.h"

#define TEST_SKIP 77

/* Capture every message the VMM logs from now on (newline-separated); release stops it. */
void test_log_capture(void);
void test_log_release(void);
/* What was logged since the last capture. */
const char *test_logged(void);

#define ck_assert_logged(text)                                                                     \
	ck_assert_msg(strstr(test_logged(), (text)) != NULL,                                       \
		      "expected log to contain '%s', got:\n%s", (text), test_logged())

/* Integration suites call this first: without /dev/kvm they skip, saying why. */
void test_require_kvm(const char *suite);

/* Run @s, free it, and return the process exit status. */
int test_run_suite(Suite *s);
/* Run @tests as suite @name: one test case, each test's log captured (the common shape). */
int test_run_tests(const char *name, const TTest *const *tests, size_t nr_tests);
#define TEST_MAIN(name, ...)                                                                       \
	int main(void)                                                                             \
	{                                                                                          \
		const TTest *const tests[] = { __VA_ARGS__ };                                      \
		return test_run_tests(name, tests, ARRAY_SIZE(tests));                             \
	}

#endif
