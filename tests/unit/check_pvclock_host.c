/* Unit tests for the pvclock host library, driven by a fake clock (no KVM, no real time). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>

#include "pvclock_clock.h"
#include "pvclock_line.h"
#include "pvclock_publish.h"
#include "pvclock_rate.h"
#include "pvclock_sample.h"
#include "pvclock_scale.h"
#include "test_util.h"

/* Exact ns for @delta ticks at @hz, from 128-bit integer arithmetic. */
static long double exact_ns(uint64_t delta, uint64_t hz)
{
	unsigned __int128 p = (unsigned __int128)delta * 1000000000u;

	return (long double)(p / hz) + (long double)(p % hz) / hz;
}

static const uint64_t freqs[] = {
	1000000,    1000001,	3579545,    14318180,	33333333,    100000000,	 999999999,
	1000000000, 1000000001, 1193182000, 2095977123, 2400000000,  2999999999, 3333333333,
	4294967295, 4294967296, 5000000000, 7777777777, 10000000000,
};

START_TEST(test_scale_against_exact_arithmetic)
{
	static const uint64_t seconds[] = { 0, 1, 60, 3600, 4 * 3600 };
	long double worst = 0;

	for (size_t f = 0; f < sizeof(freqs) / sizeof(freqs[0]); f++) {
		struct pvclock_scale sc;
		uint64_t hz = freqs[f];

		ck_assert_int_eq(pvclock_scale_from_hz(hz, &sc), 0);
		ck_assert_msg(sc.mul >= (1u << 31), "%lu Hz: mul 0x%x not normalised", hz, sc.mul);
		for (size_t s = 0; s < sizeof(seconds) / sizeof(seconds[0]); s++) {
			for (uint64_t extra = 0; extra < 5000; extra += 997) {
				uint64_t delta = seconds[s] * hz + extra;
				long double want = exact_ns(delta, hz);
				long double got =
					(long double)pvclock_scale_delta(delta, sc.mul, sc.shift);
				/*
				 * mul is within 0.5 of exact in 2^31..2^32: relative error
				 * <= 2^-32; the product's floor loses < 1 ns, a negative shift
				 * < 2^-shift ticks.
				 */
				long double lost = sc.shift < 0 ? (1 << -sc.shift) - 1 : 0;
				long double bound = want * ldexpl(1, -32) + 1 + lost * 1e9L / hz;
				long double err = fabsl(got - want);

				ck_assert_msg(err <= bound,
					      "%lu Hz, delta %lu: got %.0Lf want %.3Lf", hz, delta,
					      got, want);
				if (seconds[s] == 1 && err > worst)
					worst = err;
			}
		}
	}
	printf("scale: worst error over a 1 s delta, 1 MHz..10 GHz: %.3Lf ns\n", worst);
	ck_assert(worst < 2.0L);
}
END_TEST

START_TEST(test_scale_from_ratio_limits)
{
	struct pvclock_scale sc;

	ck_assert_int_eq(pvclock_scale_from_ratio(0, 5, &sc), -EINVAL);
	ck_assert_int_eq(pvclock_scale_from_ratio(5, 0, &sc), -EINVAL);
	ck_assert_int_eq(pvclock_scale_from_ratio(1, 1, &sc), 0); /* exactly 1 ns/tick */
	ck_assert_uint_eq(sc.mul, 1u << 31);
	ck_assert_int_eq(sc.shift, 1);
	ck_assert_int_eq(pvclock_scale_from_ratio(1, 1ull << 40, &sc), -EINVAL); /* shift -40 */
	/* A ratio just below a power of two rounds up to 1.0: the next shift takes it. */
	ck_assert_int_eq(pvclock_scale_from_ratio((1ull << 40) - 1, 1ull << 40, &sc), 0);
	ck_assert_uint_eq(sc.mul, 1u << 31);
	ck_assert_int_eq(sc.shift, 1);
}
END_TEST

/* A fake clock: TSC at hz, MONOTONIC at rate (1 + ppm) with a chosen read width. */
struct fake_clock {
	uint64_t tsc;
	uint64_t hz;
	double ppm;
	uint64_t start_ns;
	uint64_t widths[8]; /* ticks spent inside each clock_gettime, cycling */
	unsigned int calls;
	uint64_t real_offset_ns;
};

static uint64_t fake_tsc(void *ctx)
{
	struct fake_clock *c = ctx;

	return c->tsc += 10;
}

static uint64_t fake_ns_at(const struct fake_clock *c, uint64_t tsc)
{
	return c->start_ns +
	       (uint64_t)llroundl((long double)tsc * 1e9L / c->hz * (1 + c->ppm * 1e-6));
}

static uint64_t fake_mono(void *ctx)
{
	struct fake_clock *c = ctx;
	uint64_t w = c->widths[c->calls++ % 8];
	uint64_t ns = fake_ns_at(c, c->tsc + w / 2);

	c->tsc += w;
	return ns;
}

static uint64_t fake_real(void *ctx)
{
	struct fake_clock *c = ctx;

	return fake_ns_at(c, c->tsc) + c->real_offset_ns;
}

static struct fake_clock fc;
static struct pvclock_clock fake = { fake_tsc, fake_tsc, fake_mono, fake_real, &fc };

static void fake_reset(uint64_t hz, double ppm)
{
	memset(&fc, 0, sizeof(fc));
	fc.hz = hz;
	fc.ppm = ppm;
	fc.start_ns = 1000000000000ull;
	for (int i = 0; i < 8; i++)
		fc.widths[i] = 60;
}

START_TEST(test_sample_keeps_narrowest)
{
	struct pvclock_sample s;
	uint64_t widths[8] = { 900, 400, 80, 700, 900, 900, 900, 900 };

	fake_reset(2000000000, 0);
	memcpy(fc.widths, widths, sizeof(widths));
	ck_assert_int_eq(pvclock_sample_take(&fake, 4, 200, &s), 0);
	ck_assert_uint_eq(s.width, 80 + 10); /* the clock read plus one fake rdtsc step */
	/* The clock was read somewhere between the TSC reads: within half the width. */
	ck_assert_uint_le(llabs((long long)(s.mono_ns - fake_ns_at(&fc, s.tsc))), s.width / 4 + 1);
	fake_reset(2000000000, 0);
	for (int i = 0; i < 8; i++)
		fc.widths[i] = 5000;
	ck_assert_int_eq(pvclock_sample_take(&fake, 3, 200, &s), -EAGAIN);
	ck_assert_uint_eq(fc.calls, 3);
}
END_TEST

START_TEST(test_rate_estimate_converges)
{
	struct pvclock_rate r;
	struct pvclock_sample s;
	uint64_t noise[8] = { 20, 60, 40, 100, 30, 80, 50, 70 };
	long double truth;
	double err_ppm;

	fake_reset(2500000000ull, 37.5);
	memcpy(fc.widths, noise, sizeof(noise));
	truth = 1e9L / fc.hz * (1 + 37.5e-6L);
	pvclock_rate_init(&r, fc.hz, 0.5, 60);
	ck_assert(!pvclock_rate_settled(&r));
	ck_assert(fabsl(pvclock_rate_ns_per_tick(&r) - 0.4L) < 1e-12L); /* nominal */
	for (int i = 0; i < 10000; i++) { /* one sample per millisecond for 10 s */
		fc.tsc += fc.hz / 1000;
		ck_assert_int_eq(pvclock_sample_take(&fake, 1, 1000, &s), 0);
		pvclock_rate_add(&r, &s);
	}
	ck_assert(pvclock_rate_settled(&r));
	err_ppm = (double)((pvclock_rate_ns_per_tick(&r) / truth - 1) * 1e6L);
	printf("rate: 10 s of 1 kHz samples with 20-100 tick jitter: error %.5f ppm\n", err_ppm);
	ck_assert_msg(fabs(err_ppm) < 0.005, "rate error %.5f ppm", err_ppm);
}
END_TEST

/* A fit no scale can hold (MONOTONIC running backwards) is -EINVAL, the library's convention. */
START_TEST(test_rate_scale_refuses_nonsense)
{
	struct pvclock_rate r;
	struct pvclock_scale sc;

	pvclock_rate_init(&r, 1000000000, 0, 60);
	for (uint64_t i = 1; i <= 3; i++)
		pvclock_rate_add(&r, &(struct pvclock_sample){ .tsc = i * 1000000,
							       .mono_ns = 10000000 - i * 1000000 });
	ck_assert(pvclock_rate_settled(&r));
	ck_assert_int_eq(pvclock_rate_scale(&r, &sc), -EINVAL);
}
END_TEST

START_TEST(test_rate_survives_recentering)
{
	struct pvclock_rate r;
	struct pvclock_sample s;
	long double truth;
	double err_ppm;

	fake_reset(3000000000ull, -12);
	truth = 1e9L / fc.hz * (1 - 12e-6L);
	pvclock_rate_init(&r, fc.hz, 0.5, 60);
	for (int i = 0; i < 2000; i++) { /* 200 s: crosses the recentering threshold */
		fc.tsc += fc.hz / 10;
		ck_assert_int_eq(pvclock_sample_take(&fake, 1, 1000, &s), 0);
		pvclock_rate_add(&r, &s);
	}
	err_ppm = (double)((pvclock_rate_ns_per_tick(&r) / truth - 1) * 1e6L);
	ck_assert_msg(fabs(err_ppm) < 0.001, "rate error %.5f ppm", err_ppm);
}
END_TEST

/*
 * Samples at 1 kHz of a 2.445 GHz TSC against a MONOTONIC whose rate is @before_ppm off the
 * nominal until @step_s, then @after_ppm, read with +-30 ns of jitter. Into @r for @total_s;
 * returns the worst rate error in ppm after @step_s + @settle_s, and in *@lead_us the guest time
 * a line on the fitted rate would have gained on MONOTONIC over the run after the step.
 */
static double rate_run(struct pvclock_rate *r, double before_ppm, double step_s, double after_ppm,
		       double total_s, double settle_s, double *lead_us)
{
	const uint64_t hz = 2445000000ull, tick = hz / 1000;
	long double ns = 1e12L, truth = 0, worst = 0, lead = 0;
	uint32_t lcg = 12345;

	pvclock_rate_init(r, hz, 0.05, 60);
	for (uint64_t i = 0; i < (uint64_t)(total_s * 1000); i++) {
		double ppm = i < step_s * 1000 ? before_ppm : after_ppm;
		long double fitted;

		truth = 1e9L / hz * (1 + ppm * 1e-6L);
		ns += truth * tick;
		lcg = lcg * 1103515245u + 12345u;
		pvclock_rate_add(r, &(struct pvclock_sample){ .tsc = i * tick,
							      .mono_ns = (uint64_t)ns +
									 (lcg >> 16) % 61 - 30 });
		fitted = pvclock_rate_ns_per_tick(r);
		if (i >= step_s * 1000)
			lead += (fitted - truth) * tick;
		if (i >= (step_s + settle_s) * 1000 && fabsl(fitted / truth - 1) > worst)
			worst = fabsl(fitted / truth - 1);
	}
	*lead_us = (double)lead / 1e3;
	return (double)worst * 1e6;
}

/* While the rate holds, jitter is not a change: the slow fit keeps its precision. */
START_TEST(test_rate_holds_without_false_changes)
{
	struct pvclock_rate r;
	double lead_us, worst = rate_run(&r, -12, 0, -12, 120, 10, &lead_us);

	printf("rate: 120 s steady with +-30 ns jitter: %lu changes seen, worst error after 10 s "
	       "%.4f ppm\n",
	       r.changes, worst);
	ck_assert_uint_eq(r.changes, 0);
	ck_assert_msg(worst < 0.05, "rate error %.4f ppm", worst);
}
END_TEST

/*
 * Outliers (a sample read 200 ns late now and then) and gaps (the sampler held off for 2 s) are
 * not changes either, nor a gap of 30 ms to 2 s with the reads around it 20 us late or early
 * (the sampler preempted and resumed). After a 2 s gap the fast fit holds only the samples since,
 * and only its minimum weight keeps their noisy slope from passing for a change.
 */
static unsigned long rate_changes_with_gaps(double gap_ms, int64_t before_ns, int64_t after_ns)
{
	const uint64_t hz = 2445000000ull, tick = hz / 1000;
	struct pvclock_rate r;
	uint64_t tsc = 0;
	uint32_t lcg = 777;

	pvclock_rate_init(&r, hz, 0.05, 60);
	for (uint64_t i = 0; i < 60000; i++) {
		int64_t ns;

		tsc += i % 1000 == 999 ? (uint64_t)(gap_ms * (double)tick) : tick;
		lcg = lcg * 1103515245u + 12345u;
		ns = 1000000000000ll + (int64_t)((long double)tsc * 1e9L / hz) + (lcg >> 16) % 61;
		ns += i % 1000 == 998 ? before_ns : i % 1000 == 999 ? after_ns : 0;
		if (i % 997 == 0)
			ns += 200;
		pvclock_rate_add(&r,
				 &(struct pvclock_sample){ .tsc = tsc, .mono_ns = (uint64_t)ns });
	}
	return r.changes;
}

START_TEST(test_rate_ignores_outliers_and_gaps)
{
	static const double gaps_ms[] = { 30, 100, 500, 2000 };
	static const int64_t around_ns[][2] = {
		{ 0, 0 }, { 20000, 0 }, { 0, 20000 }, { 20000, -20000 }, { -5000, 5000 }
	};

	for (size_t g = 0; g < sizeof(gaps_ms) / sizeof(gaps_ms[0]); g++)
		for (size_t a = 0; a < sizeof(around_ns) / sizeof(around_ns[0]); a++) {
			unsigned long changes = rate_changes_with_gaps(gaps_ms[g], around_ns[a][0],
								       around_ns[a][1]);

			ck_assert_msg(changes == 0,
				      "%lu changes with a %.0f ms gap a second, reads around it "
				      "%+lld / %+lld ns off",
				      changes, gaps_ms[g], (long long)around_ns[a][0],
				      (long long)around_ns[a][1]);
		}
	printf("rate: 60 s with a 200 ns outlier a second and a 30-2000 ms gap every second, "
	       "reads around it up to 20 us off: 0 changes\n");
}
END_TEST

/* A 500 ppm slew (NTP's largest) begins: the rate follows in milliseconds, not a half-life. */
START_TEST(test_rate_follows_a_slew)
{
	for (int sign = -1; sign <= 1; sign += 2) {
		struct pvclock_rate r;
		double lead_us, worst_300ms, worst_1s;

		worst_300ms = rate_run(&r, 0, 30, sign * 500.0, 31, 0.3, &lead_us);
		worst_1s = rate_run(&r, 0, 30, sign * 500.0, 60, 1, &lead_us);
		printf("rate: MONOTONIC slewed %+d ppm: %lu changes followed, error %.2f ppm after "
		       "300 ms, %.3f ppm after 1 s, %.1f us gained on MONOTONIC over 30 s\n",
		       sign * 500, r.changes, worst_300ms, worst_1s, lead_us);
		ck_assert_uint_ge(r.changes, 1);
		ck_assert_msg(worst_300ms < 10, "%.2f ppm off 300 ms into the slew", worst_300ms);
		ck_assert_msg(worst_1s < 0.5, "%.3f ppm off 1 s into the slew", worst_1s);
		ck_assert_msg(fabs(lead_us) < 100, "%.1f us gained", lead_us);
	}
}
END_TEST

static struct pvclock_scale nominal_rate(uint64_t hz)
{
	struct pvclock_scale sc;

	ck_assert_int_eq(pvclock_scale_from_hz(hz, &sc), 0);
	return sc;
}

START_TEST(test_reanchor_tracks_monotonic)
{
	struct pvclock_scale r = nominal_rate(1000000000);
	struct pvclock_line line = { 0 };
	struct pvclock_sample s = { .tsc = 5000, .mono_ns = 777000 };
	struct pvclock_reanchor res;

	pvclock_line_reanchor(&line, &s, &r, &res);
	ck_assert(line.valid && !res.clamped);
	ck_assert_uint_eq(line.tsc, 5000);
	ck_assert_uint_eq(line.ns, 777000);
	ck_assert_uint_eq(pvclock_line_at(&line, 6000), 778000);
	/* MONOTONIC ahead of the line: jump forward to it (forward steps are fine). */
	s = (struct pvclock_sample){ .tsc = 10000, .mono_ns = 782500 };
	pvclock_line_reanchor(&line, &s, &r, &res);
	ck_assert(!res.clamped);
	ck_assert_int_eq(res.lead_ns, -500);
	ck_assert_uint_eq(line.ns, 782500);
}
END_TEST

START_TEST(test_reanchor_clamps_and_converges)
{
	struct pvclock_rate r;
	struct pvclock_scale sc;
	struct pvclock_line line = { 0 };
	struct pvclock_sample s = { .tsc = 1000, .mono_ns = 1000000 };
	struct pvclock_reanchor res;
	uint64_t t = 1000, mono = 1000000, last = 0;
	int clamps = 0;

	/* MONOTONIC runs 100 ppm slower than the nominal TSC rate says. */
	pvclock_rate_init(&r, 1000000000, 0.1, 60);
	pvclock_rate_add(&r, &s);
	ck_assert_int_eq(pvclock_rate_scale(&r, &sc), 0);
	pvclock_line_reanchor(&line, &s, &sc, &res);
	for (int i = 0; i < 2000; i++) { /* one re-anchor per ms for 2 s */
		uint64_t before;

		t += 1000000;
		mono += 999900;
		before = pvclock_line_at(&line, t);
		s = (struct pvclock_sample){ .tsc = t, .mono_ns = mono };
		pvclock_rate_add(&r, &s);
		ck_assert_int_eq(pvclock_rate_scale(&r, &sc), 0);
		pvclock_line_reanchor(&line, &s, &sc, &res);
		ck_assert_uint_ge(line.ns, before); /* never below the old line */
		ck_assert_uint_ge(line.ns, last);
		last = line.ns;
		if (i == 0) {
			ck_assert(res.clamped);
			ck_assert_int_eq(res.lead_ns, 100);
			ck_assert_uint_eq(res.slew_ns, 100);
		}
		clamps += res.clamped;
	}
	/* Once the rate is measured, the line is back on MONOTONIC: no lead left. */
	ck_assert_int_le(res.lead_ns, 2);
	ck_assert_int_ge(res.lead_ns, -2);
	ck_assert_int_gt(clamps, 0);
}
END_TEST

START_TEST(test_reanchor_slew_is_bounded)
{
	struct pvclock_scale r = nominal_rate(1000000000);
	struct pvclock_line line = {
		.tsc = 0, .ns = 10000000, .valid = true, .scale = { 1u << 31, 1 }
	};
	struct pvclock_sample s = { .tsc = 1000, .mono_ns = 1000 }; /* 10 ms behind */
	struct pvclock_reanchor res;

	pvclock_line_reanchor(&line, &s, &r, &res);
	ck_assert(res.clamped);
	/* 500 ppm of the 100 ms convergence time: 50 us is the most slewed at once. */
	ck_assert_uint_eq(res.slew_ns, PVCLOCK_CONVERGE_NS * PVCLOCK_MAX_SLEW_PPM / 1000000);
	ck_assert_uint_eq(line.ns, 10001000);
}
END_TEST

START_TEST(test_publish_fields_and_version)
{
	struct pvclock_writer w = { 0 };
	unsigned char ram[40];
	struct pvclock_vcpu_time_info t;
	struct pvclock_line line = {
		.tsc = 1000, .ns = 5555, .scale = { 0x80000000u, -2 }, .valid = true
	};

	memset(ram, 0xee, sizeof(ram));
	pvclock_publish(&w, ram + 4, &line, 0x100000000ull, PVCLOCK_TSC_STABLE_BIT);
	memcpy(&t, ram + 4, sizeof(t));
	ck_assert_uint_eq(t.version, 2);
	ck_assert_uint_eq(t.tsc_timestamp, 0x100000000ull + 1000);
	ck_assert_uint_eq(t.system_time, 5555);
	ck_assert_uint_eq(t.tsc_to_system_mul, 0x80000000u);
	ck_assert_int_eq(t.tsc_shift, -2);
	ck_assert_uint_eq(t.flags, PVCLOCK_TSC_STABLE_BIT);
	ck_assert_uint_eq(ram[3], 0xee); /* nothing written outside the 32 bytes */
	ck_assert_uint_eq(ram[36], 0xee);
	/* The guest scribbling on version does not confuse the host's sequence. */
	memset(ram + 4, 0x77, 4);
	pvclock_publish(&w, ram + 4, &line, 0, 0);
	memcpy(&t, ram + 4, sizeof(t));
	ck_assert_uint_eq(t.version, 4);
}
END_TEST

struct reader {
	volatile struct pvclock_vcpu_time_info *t;
	volatile int stop;
	unsigned long reads, odd, torn;
};

static void *reader_thread(void *arg)
{
	struct reader *r = arg;

	while (!r->stop) {
		uint32_t v1 = r->t->version, v2;
		uint64_t tsc, ns;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		tsc = r->t->tsc_timestamp;
		ns = r->t->system_time;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		v2 = r->t->version;
		__atomic_store_n(&r->reads, r->reads + 1, __ATOMIC_RELAXED);
		if (v1 & 1) {
			r->odd++;
			continue;
		}
		if (v1 == v2 && ns != tsc * 3)
			r->torn++;
	}
	return NULL;
}

START_TEST(test_publish_is_a_seqlock_under_concurrency)
{
	static struct pvclock_vcpu_time_info t __attribute__((aligned(64)));
	struct pvclock_writer w = { 0 };
	struct reader r = { .t = &t };
	pthread_t th;
	uint64_t i = 0;

	pthread_create(&th, NULL, reader_thread, &r);
	/* On a busy host the reader may start late: write only once it reads. */
	while (!__atomic_load_n(&r.reads, __ATOMIC_RELAXED))
		sched_yield();
	/* At least 2M writes, and on until the reader has raced them 100,000 times. */
	while (++i <= 2000000 || __atomic_load_n(&r.reads, __ATOMIC_RELAXED) < 100000) {
		struct pvclock_line line = { .tsc = i, .ns = i * 3, .scale = { 1u << 31, 1 } };

		pvclock_publish(&w, (void *)&t, &line, 0, 0);
	}
	r.stop = 1;
	pthread_join(th, NULL);
	printf("seqlock: %lu concurrent reads, %lu saw an odd version, %lu torn\n", r.reads, r.odd,
	       r.torn);
	ck_assert_uint_eq(r.torn, 0);
	ck_assert_uint_eq(t.version, 2 * (i - 1));
}
END_TEST

START_TEST(test_wall_clock_struct)
{
	struct pvclock_writer w = { 7 };
	struct pvclock_wall_clock wc;

	pvclock_publish_wall_clock(&w, &wc, 1764000000123456789ull);
	ck_assert_uint_eq(wc.version, 8);
	ck_assert_uint_eq(wc.sec, 1764000000u);
	ck_assert_uint_eq(wc.nsec, 123456789u);
}
END_TEST

TEST_SUITE("pvclock_host",
	   { .name = "core",
	     .timeout = 60,
	     .tests = TESTS(test_scale_against_exact_arithmetic, test_scale_from_ratio_limits,
			    test_sample_keeps_narrowest, test_rate_estimate_converges,
			    test_rate_scale_refuses_nonsense, test_rate_survives_recentering,
			    test_rate_holds_without_false_changes,
			    test_rate_ignores_outliers_and_gaps, test_rate_follows_a_slew,
			    test_reanchor_tracks_monotonic, test_reanchor_clamps_and_converges,
			    test_reanchor_slew_is_bounded, test_publish_fields_and_version,
			    test_publish_is_a_seqlock_under_concurrency, test_wall_clock_struct) })
