/* Unit tests: policy parsing, and each policy's behaviour on the kvmclock host (a fake clock). */
#include <math.h>

#include "clock/kvmclock.h"
#include "clock/policy.h"
#include "mem_fixture.h"
#include "test_util.h"

static uint64_t fake_tsc_now;

static uint64_t fake_tsc(void *ctx)
{
	return fake_tsc_now += 10;
}

static uint64_t fake_mono(void *ctx)
{
	return fake_tsc_now + 5;
}

static const struct pvclock_clock fake = { fake_tsc, fake_tsc, fake_mono, fake_mono, NULL };

static void noop_kick(void *opaque, unsigned int except)
{
}

static int no_tsc(void *opaque, unsigned int vcpu, uint32_t msr, uint64_t v, uint64_t *off)
{
	return -1;
}

static struct kvmclock kc;
static struct msr_table msrs;
static struct doorbell db;

static void setup_policy(const char *spec)
{
	const struct kvmclock_ops ops = { noop_kick, no_tsc, NULL };
	struct clock_policy p;

	mem_setup(GUEST_MEM_MIN);
	fake_tsc_now = 1000000;
	memset(&msrs, 0, sizeof(msrs));
	doorbell_init(&db);
	ck_assert_int_eq(clock_policy_parse(spec, &p), 0);
	ck_assert_int_eq(kvmclock_init(&kc, &mem, &fake, 1, 1000000000, &ops, &p), 0);
	ck_assert_int_eq(kvmclock_register(&kc, &msrs, &db), 0);
	if (!p.ops->in_kernel) {
		const struct msr_handler *h = msr_table_find(&msrs, 0x4b564d01);

		ck_assert_int_eq(h->write(h->opaque, 0, 0x4b564d01, 0x400001), MSR_OK);
	}
}

static void teardown_policy(void)
{
	kvmclock_destroy(&kc);
	mem_teardown();
}

/* @n entries, @gap_ns apart. */
static void run_entries(int n, uint64_t gap_ns)
{
	for (int i = 0; i < n; i++) {
		fake_tsc_now += gap_ns;
		kvmclock_before_run(&kc, 0);
	}
}

START_TEST(test_parse_policies)
{
	struct clock_policy p;

	test_log_capture();
	ck_assert_int_eq(clock_policy_parse("every-entry", &p), 0);
	ck_assert_str_eq(p.ops->name, "every-entry");
	ck_assert_int_eq(clock_policy_parse("periodic:10ms", &p), 0);
	ck_assert_uint_eq(p.param_ns, 10000000);
	ck_assert_int_eq(clock_policy_parse("periodic:2.5us", &p), 0);
	ck_assert_uint_eq(p.param_ns, 2500);
	ck_assert_int_eq(clock_policy_parse("threshold:100", &p), 0);
	ck_assert_uint_eq(p.param_ns, 100);
	ck_assert_int_eq(clock_policy_parse("live:1s", &p), 0);
	ck_assert(p.ops->live);
	ck_assert_int_eq(clock_policy_parse("kernel", &p), 0);
	ck_assert(p.ops->in_kernel);
	ck_assert_str_eq(p.spec, "kernel");
	ck_assert_int_eq(clock_policy_parse("periodic", &p), -EINVAL);
	ck_assert_logged("invalid policy 'periodic': expected periodic:<interval>");
	ck_assert_int_eq(clock_policy_parse("once:5", &p), -EINVAL);
	ck_assert_int_eq(clock_policy_parse("periodic:-1ms", &p), -EINVAL);
	ck_assert_int_eq(clock_policy_parse("periodic:10xs", &p), -EINVAL);
	ck_assert_int_eq(clock_policy_parse("periodic:0", &p), -EINVAL);
	ck_assert_int_eq(clock_policy_parse("periodic:0.4ns", &p), -EINVAL);
	ck_assert_int_eq(clock_policy_parse("live:3601s", &p), -EINVAL);
	ck_assert_int_eq(clock_policy_parse("live:3600s", &p), 0);
	ck_assert_uint_eq(p.param_ns, 3600000000000ull);
	/* Once beyond uint64_t's range in ns: refused, not converted. */
	ck_assert_int_eq(clock_policy_parse("threshold:1e12s", &p), -EINVAL);
	ck_assert_logged("invalid policy 'threshold:1e12s': expected threshold:");
	ck_assert_logged("(from 1 ns to 1 h)");
	ck_assert_int_eq(clock_policy_parse("periodic:nan", &p), -EINVAL);
	ck_assert_int_eq(clock_policy_parse("periodic:infms", &p), -EINVAL);
	ck_assert_int_eq(clock_policy_parse("sometimes", &p), -EINVAL);
	ck_assert_logged("unknown policy 'sometimes'");
	test_log_release();
}
END_TEST

/* A view of no host at all: the policies decide on what it shows them, and on nothing else. */
struct fake_view {
	struct clock_policy_view view;
	uint64_t tsc;
	long double model_ns;
	bool rate_moved;
};

static uint64_t view_tsc(const struct clock_policy_view *v)
{
	return container_of(v, const struct fake_view, view)->tsc;
}

static uint64_t view_ns(const struct clock_policy_view *v, uint64_t ticks)
{
	return ticks; /* a 1 GHz TSC */
}

static long double view_model(const struct clock_policy_view *v, uint64_t tsc)
{
	return container_of(v, const struct fake_view, view)->model_ns;
}

static bool view_rate_moved(const struct clock_policy_view *v)
{
	return container_of(v, const struct fake_view, view)->rate_moved;
}

static bool due(const char *spec, const struct fake_view *fv)
{
	struct clock_policy p;

	ck_assert_int_eq(clock_policy_parse(spec, &p), 0);
	return p.ops->reanchor_due(&p, &fv->view);
}

START_TEST(test_policies_decide_on_the_view_alone)
{
	struct pvclock_line line = { .tsc = 1000, .ns = 5000, .valid = true };
	struct fake_view fv = {
		{ &line, view_tsc, view_ns, view_model, view_rate_moved }, 1000, -1, false
	};

	ck_assert_int_eq(pvclock_scale_from_ratio(1, 1, &line.scale), 0);
	ck_assert(due("every-entry", &fv));
	ck_assert(!due("once", &fv));
	ck_assert(!due("live:1ms", &fv));
	ck_assert(!due("kernel", &fv));
	fv.tsc = 1000 + 9999999;
	ck_assert(!due("periodic:10ms", &fv));
	fv.tsc = 1000 + 10000000;
	ck_assert(due("periodic:10ms", &fv));
	ck_assert(!due("threshold:100", &fv)); /* no model yet: keep the anchor */
	fv.model_ns = pvclock_line_at(&line, fv.tsc) + 150.0L;
	ck_assert(due("threshold:100", &fv));
	fv.model_ns = pvclock_line_at(&line, fv.tsc) - 50.0L;
	ck_assert(!due("threshold:100", &fv));
	/* A new rate: the error now is small, but the line's slope is the old rate's. */
	fv.rate_moved = true;
	ck_assert(due("threshold:100", &fv));
	ck_assert(!due("once", &fv)); /* the others keep their own rule */
	fv.tsc = 1000 + 9999999;
	ck_assert(!due("periodic:10ms", &fv));
	fv.rate_moved = false;
	line.valid = false;
	ck_assert(due("once", &fv));
	ck_assert(due("threshold:100", &fv));
}
END_TEST

START_TEST(test_every_entry_anchors_each_entry)
{
	setup_policy("every-entry");
	run_entries(50, 1000);
	ck_assert_uint_eq(kc.vcpu[0].stats.anchors, 50);
	ck_assert_uint_eq(kc.vcpu[0].stats.publishes, 50);
	teardown_policy();
}
END_TEST

START_TEST(test_once_never_writes_again)
{
	setup_policy("once");
	run_entries(100, 1000000);
	ck_assert_uint_eq(kc.vcpu[0].stats.anchors, 1);
	ck_assert_uint_eq(kc.vcpu[0].stats.publishes, 1);
	teardown_policy();
}
END_TEST

START_TEST(test_periodic_at_most_once_per_interval)
{
	setup_policy("periodic:10ms");
	run_entries(1000, 100000); /* 100 ms of entries, one per 100 us */
	ck_assert_uint_le(kc.vcpu[0].stats.anchors, 11);
	ck_assert_uint_ge(kc.vcpu[0].stats.anchors, 9);
	ck_assert_uint_eq(kc.vcpu[0].stats.publishes, kc.vcpu[0].stats.anchors);
	teardown_policy();
}
END_TEST

START_TEST(test_threshold_follows_predicted_error)
{
	setup_policy("threshold:1000");
	run_entries(1, 1000); /* first anchor */
	/* The model says MONOTONIC runs 100 ppm slower than the published line. */
	{
		struct pvclock_scale slow;

		ck_assert_int_eq(pvclock_scale_from_ratio(9999, 10000, &slow), 0);
		kvmclock_set_model(
			&kc, &(struct pvclock_line){ fake_tsc_now, fake_tsc_now + 5, slow, true },
			0.9999L);
	}
	run_entries(9, 1000000); /* 9 ms: predicted error 900 ns, under the bound */
	ck_assert_uint_eq(kc.vcpu[0].stats.anchors, 1);
	run_entries(2, 1000000); /* 11 ms: 1100 ns, over it */
	ck_assert_uint_eq(kc.vcpu[0].stats.anchors, 2);
	teardown_policy();
}
END_TEST

/*
 * Under live the entries publish nothing; but the WRMSR that enables the clock publishes at
 * once, since the guest reads its struct as soon as the WRMSR returns (it read zeros, time 0,
 * until the thread's next interval: cross-vCPU "warps" of the whole uptime on 8 vCPUs).
 */
START_TEST(test_live_leaves_writes_to_its_thread)
{
	setup_policy("live:1ms");
	ck_assert_uint_eq(kc.vcpu[0].stats.publishes, 1);
	ck_assert_uint_eq(kc.vcpu[0].stats.anchors, 1);
	{
		const struct pvclock_vcpu_time_info *ti = guest_mem_ptr(&mem, 0x400000, 32);

		ck_assert_uint_eq(ti->version % 2, 0);
		ck_assert_uint_ne(ti->version, 0);
		ck_assert_uint_ne(ti->tsc_to_system_mul, 0);
	}
	run_entries(10, 1000);
	ck_assert_uint_eq(kc.vcpu[0].stats.publishes, 1);
	teardown_policy();
}
END_TEST

START_TEST(test_kernel_traps_nothing)
{
	setup_policy("kernel");
	ck_assert_uint_eq(msrs.nr, 0);
	ck_assert_ptr_nonnull(db.regs[DOORBELL_PROBE / 8].ring); /* probes still work */
	teardown_policy();
}
END_TEST

START_TEST(test_sampler_feeds_the_model)
{
	setup_policy("every-entry");
	ck_assert(kvmclock_model_ns(&kc, fake_tsc_now) < 0);
	for (int i = 0; i < 200; i++) {
		fake_tsc_now += 1000000;
		kvmclock_sampler_step(&kc);
	}
	ck_assert(fabsl(kvmclock_model_ns(&kc, fake_tsc_now) - (long double)(fake_tsc_now + 5)) <
		  20);
	ck_assert_uint_gt(kc.settled_ns, 0);
	/* Narrow samples (10 ticks here) keep the refusal bound at its 250 ns floor. */
	ck_assert_uint_eq(kc.max_sample_ticks, 250);
	teardown_policy();
}
END_TEST

TEST_SUITE("policy",
	   { .name = "core",
	     .tests = TESTS(test_parse_policies, test_policies_decide_on_the_view_alone,
			    test_every_entry_anchors_each_entry, test_once_never_writes_again,
			    test_periodic_at_most_once_per_interval,
			    test_threshold_follows_predicted_error,
			    test_live_leaves_writes_to_its_thread, test_kernel_traps_nothing,
			    test_sampler_feeds_the_model) })
