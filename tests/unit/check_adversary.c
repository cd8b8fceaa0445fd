/*
 * conform's adversarial modes on a fake clock: the equivalent scales and far anchors are the
 * same times to the ns; every legal mode leaves each struct whole (version even) after a round,
 * its clock monotonic at every TSC across rounds and within its bound of MONOTONIC; the illegal
 * ones break the rule they name.
 */
#include "clock/adversary.h"
#include "clock/kvmclock_internal.h"
#include "kvmclock_fixture.h"
#include "pvclock_abi.h"
#include "pvclock_scale.h"

#define NR_VCPUS 3
#define ROUNDS	 64
#define STEPS	 50 /* TSCs checked between rounds */

static uint64_t gpa_of(unsigned int vcpu)
{
	return GPA + vcpu * 0x40;
}

static uint64_t guest_at(unsigned int vcpu, uint64_t tsc)
{
	struct pvclock_vcpu_time_info t = at(gpa_of(vcpu));

	return t.system_time +
	       pvclock_scale_delta(tsc - t.tsc_timestamp, t.tsc_to_system_mul, t.tsc_shift);
}

START_TEST(test_scale_variants_are_the_same_times)
{
	static const uint64_t hz[] = { 100000000, 1000000000, 2445444000, 3999999999 };

	for (unsigned int i = 0; i < ARRAY_SIZE(hz); i++) {
		struct pvclock_scale s, v;
		unsigned int k;

		ck_assert_int_eq(pvclock_scale_from_hz(hz[i], &s), 0);
		for (k = 0; adversary_scale_variant(s, k, &v); k++) {
			ck_assert_uint_le((uint64_t)v.mul << k, s.mul); /* the rate: never faster */
			/* The guest's delta between republishes: at most 2^21 ticks here. */
			for (uint64_t d = 1; d < (1u << 21); d = d * 3 + 1) {
				uint64_t a = pvclock_scale_delta(d, s.mul, s.shift);
				uint64_t b = pvclock_scale_delta(d, v.mul, v.shift);

				ck_assert_uint_le(b > a ? b - a : a - b, 1);
			}
		}
		ck_assert_uint_ge(k, 8); /* a 32-bit mul halves at least 8 times above 22 bits */
		ck_assert(!adversary_scale_variant(s, k, &v));
	}
}
END_TEST

START_TEST(test_rebase_keeps_the_times)
{
	struct pvclock_line line = { 1ull << 45, 1ull << 44, { 0, 0 }, true };
	static const uint64_t back[] = { 1ull << 32, 1ull << 40, 12345 };

	ck_assert_int_eq(pvclock_scale_from_hz(2445444000, &line.scale), 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(back); i++) {
		struct pvclock_line r = line;

		adversary_rebase(&r, back[i]);
		ck_assert_uint_eq(r.tsc, line.tsc - back[i]);
		ck_assert_uint_ge(pvclock_line_at(&r, line.tsc), line.ns); /* never below */
		for (uint64_t d = 0; d < (1ull << 30); d = d * 5 + 7) {
			uint64_t a = pvclock_line_at(&line, line.tsc + d);
			uint64_t b = pvclock_line_at(&r, line.tsc + d);

			ck_assert_uint_le(b > a ? b - a : a - b, 2);
		}
	}
	/* No room below: the line stays as it is. */
	line.ns = 1000;
	{
		struct pvclock_line r = line;

		adversary_rebase(&r, 1ull << 40);
		ck_assert_mem_eq(&r, &line, sizeof(r));
	}
}
END_TEST

/*
 * Run @spec's rounds on NR_VCPUS vCPUs; between rounds, each vCPU's clock read at STEPS TSCs.
 * @legal: whole structs, monotonic per vCPU, within the bound; returns the backward steps seen
 * (per vCPU) and the largest cross-vCPU disagreement.
 */
static unsigned long run_rounds(const char *spec, bool legal, int64_t *spread)
{
	uint64_t last[NR_VCPUS] = { 0 };
	unsigned long back = 0;

	fake_tsc_hz = 2445444000; /* a real rate: its scales round, unlike 1 GHz's */
	setup_policy(NR_VCPUS, spec);
	fake_tsc_now = 1ull << 42; /* room below for anchors 2^40 ticks back */
	for (unsigned int i = 0; i < NR_VCPUS; i++)
		ck_assert_int_eq(wr(i, MSR_KVM_SYSTEM_TIME_NEW, gpa_of(i) | 1), MSR_OK);
	*spread = 0;
	for (uint64_t n = 0; n < ROUNDS; n++) {
		kvmclock_adversary_round(&kc, n);
		/* The first step at the round's last TSC: where a lost ns would show. */
		for (unsigned int s = 0; s < STEPS; s++) {
			uint64_t tsc = s ? (fake_tsc_now += 997) : fake_tsc_now, lo = UINT64_MAX,
				 hi = 0;

			for (unsigned int i = 0; i < NR_VCPUS; i++) {
				uint64_t t = guest_at(i, tsc);

				if (legal) {
					ck_assert_uint_eq(at(gpa_of(i)).version % 2, 0);
					uint64_t mono = fake_mono_at(tsc);

					ck_assert_uint_le(t > mono ? t - mono : mono - t,
							  kc.policy.ops->adversary->bound_ns);
				}
				back += t < last[i];
				last[i] = t;
				lo = t < lo ? t : lo;
				hi = t > hi ? t : hi;
			}
			if ((int64_t)(hi - lo) > *spread)
				*spread = (int64_t)(hi - lo);
		}
	}
	return back;
}

START_TEST(test_legal_modes_stay_monotonic_and_bounded)
{
	for (unsigned int i = 0; i < nr_clock_adversaries; i++) {
		const struct clock_adversary *a = clock_adversaries[i]->adversary;
		const char *spec = a->conform_spec ? a->conform_spec : clock_adversaries[i]->name;
		int64_t spread;

		if (!a->legal)
			continue;
		ck_assert_msg(run_rounds(spec, true, &spread) == 0, "%s went back", spec);
		/* With the STABLE bit every vCPU holds the same line: the same time at a TSC. */
		if (at(gpa_of(1)).flags & PVCLOCK_TSC_STABLE_BIT)
			ck_assert_msg(spread == 0, "%s: vCPUs disagree by %lld ns under STABLE",
				      spec, (long long)spread);
		teardown();
	}
}
END_TEST

START_TEST(test_modes_write_what_they_say)
{
	int64_t spread;

	/* far-past-40: tsc_timestamp 2^40 ticks before the TSC of the round. */
	run_rounds("far-past-40", true, &spread);
	ck_assert_uint_gt(fake_tsc_now - at(gpa_of(0)).tsc_timestamp, 1ull << 40);
	teardown();
	/* vcpu-anchors: no STABLE, the anchors seconds apart, yet the same time to the ns. */
	run_rounds("vcpu-anchors", true, &spread);
	ck_assert_uint_eq(at(gpa_of(0)).flags & PVCLOCK_TSC_STABLE_BIT, 0);
	ck_assert_uint_ge(at(gpa_of(0)).tsc_timestamp - at(gpa_of(2)).tsc_timestamp, 1ull << 33);
	ck_assert_int_eq(spread, 0);
	teardown();
	/* The illegal ones: back steps; vCPUs 200 us apart with STABLE set. */
	ck_assert_uint_gt(run_rounds("bad-backstep", false, &spread), 0);
	teardown();
	run_rounds("bad-stable", false, &spread);
	ck_assert_int_ge(spread, 2 * 200000);
	ck_assert_uint_eq(at(gpa_of(2)).flags & PVCLOCK_TSC_STABLE_BIT, PVCLOCK_TSC_STABLE_BIT);
	teardown();
	/* bad-no-version never touches the version; every legal write leaves it even. */
	run_rounds("bad-no-version", false, &spread);
	ck_assert_uint_eq(at(gpa_of(0)).version, 2); /* the WRMSR's publish only */
	teardown();
}
END_TEST

START_TEST(test_parse_modes)
{
	struct clock_policy p;

	ck_assert_int_eq(clock_policy_parse("odd-hold:3ms", &p), 0);
	ck_assert_uint_eq(p.param_ns, 3000000);
	ck_assert_ptr_nonnull(p.ops->adversary);
	ck_assert_int_eq(clock_policy_parse("odd-hold", &p), -EINVAL);
	ck_assert_logged("expected odd-hold:<time>");
	ck_assert_int_eq(clock_policy_parse("storm:1ms", &p), -EINVAL);
	ck_assert_int_eq(clock_policy_parse("far-past-41", &p), -EINVAL);
	ck_assert_logged("unknown policy 'far-past-41'");
	ck_assert_int_eq(clock_policy_parse("every-entry", &p), 0);
	ck_assert_ptr_null(p.ops->adversary);
}
END_TEST

TEST_SUITE("adversary",
	   { .name = "modes",
	     .timeout = 60, /* odd-hold sleeps 2 ms a round: a loaded host stretches it */
	     .tests = TESTS(test_scale_variants_are_the_same_times, test_rebase_keeps_the_times,
			    test_legal_modes_stay_monotonic_and_bounded,
			    test_modes_write_what_they_say) },
	   { .name = "parse", TEST_LOG_FIXTURE, .tests = TESTS(test_parse_modes) })
