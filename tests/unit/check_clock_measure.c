/* Unit tests for clock_measure: the figures a run's samples summarize to. */
#include <math.h>

#include "clock/clock_measure.h"
#include "test_util.h"

START_TEST(test_summary_figures)
{
	struct clock_measure m;
	struct clock_summary s;

	ck_assert_int_eq(clock_measure_init(&m, 1000, 1000000000), 0);
	/* Error ramps 1 ns per ms (1 ppm) from +500 ns; one backward reading. */
	for (int i = 0; i < 101; i++) {
		struct clock_sample x = { .host_ns = 1000000ull * i,
					  .error_ns = 500 + i,
					  .guest_ns = 1000000ull * i,
					  .retries = i == 7,
					  .exit_cycles = 2000 };

		if (i == 50)
			x.guest_ns = 1;
		clock_measure_add(&m, &x);
	}
	clock_measure_add_publish(&m, 120, 30); /* 30 of the 120 were the timing's own */
	clock_measure_add_publish(&m, 140, 30);
	clock_measure_add_publish(&m, 130, 30);
	clock_measure_add_publish(&m, 20, 30); /* faster than its bracket: counts as 0 */
	clock_measure_add_reads(&m, 16000, 1000);
	clock_measure_summarize(&m, false, &s);
	ck_assert_uint_eq(s.samples, 101);
	ck_assert(fabs(s.duration_s - 0.1) < 1e-9);
	ck_assert(fabs(s.err_median_ns - 550) < 1e-9);
	ck_assert(fabs(s.err_max_ns - 600) < 1e-9);
	ck_assert(fabs(s.drift_ppm - 1) < 1e-9);
	ck_assert_uint_eq(s.backward, 1);
	ck_assert_uint_eq(s.retries, 1);
	ck_assert(fabs(s.publish_ns_median - 90) < 1e-9);
	ck_assert(fabs(s.bracket_ns_median - 30) < 1e-9);
	ck_assert(fabs(s.exit_rt_ns_median - 2000) < 1e-9);
	ck_assert(fabs(s.read_ns - 16) < 1e-9);
	clock_measure_summarize(&m, true, &s);
	ck_assert(fabs(s.offset_ns - 550) < 1e-9);
	ck_assert(fabs(s.err_max_ns - 50) < 1e-9);
	clock_measure_destroy(&m);
}
END_TEST

TEST_MAIN("clock_measure", test_summary_figures)
