/* Test helpers every suite uses: the captured VMM log, the /dev/kvm skip, each suite's main. */
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

/* This process's open file descriptors now (leak checks). */
int test_count_fds(void);

/* Without /dev/kvm, exit 77 (CTest's skip) saying so and naming @suite. */
void test_require_kvm(const char *suite);

/*
 * One Check test case: @tests (a TESTS() list), then @loop run for _i in [0, @loops), each
 * between @setup and @teardown (a checked fixture) and stopped after @timeout seconds (0 keeps
 * Check's default, CK_DEFAULT_TIMEOUT).
 */
struct test_case {
	const char *name;
	const TTest *const *tests;
	const TTest *loop;
	int loops;
	void (*setup)(void);
	void (*teardown)(void);
	double timeout;
};

#define TESTS(...) ((const TTest *const[]){ __VA_ARGS__, NULL })
/* The fixture of suites that only check what was logged. */
#define TEST_LOG_FIXTURE .setup = test_log_capture, .teardown = test_log_release

/*
 * Run suite @name made of @cases and return the exit status; with @needs_kvm, skip first where
 * /dev/kvm is absent. Every suite's main is this, through one of the macros below.
 */
int test_main(const char *name, bool needs_kvm, const struct test_case *cases, size_t nr_cases);

#define TEST_SUITE_MAIN(suite, needs_kvm, ...)                                                     \
	int main(void)                                                                             \
	{                                                                                          \
		const struct test_case suite_cases[] = { __VA_ARGS__ };                            \
		return test_main(suite, needs_kvm, suite_cases, ARRAY_SIZE(suite_cases));          \
	}
/* A unit suite of test cases: TEST_SUITE("name", { .name = "core", .tests = TESTS(...) }). */
#define TEST_SUITE(suite, ...) TEST_SUITE_MAIN(suite, false, __VA_ARGS__)
/* The same for an integration suite: it needs /dev/kvm. */
#define TEST_KVM_SUITE(suite, ...) TEST_SUITE_MAIN(suite, true, __VA_ARGS__)
/* The common shape: one case, "core", of the listed tests, each test's log captured. */
#define TEST_MAIN(suite, ...)                                                                      \
	TEST_SUITE(suite, { .name = "core", .tests = TESTS(__VA_ARGS__), TEST_LOG_FIXTURE })

#endif
