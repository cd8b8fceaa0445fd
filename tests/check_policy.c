/* Unit tests: policy parsing and behaviour, measurement summaries, the demo's CSV and JSON. */
#include <math.h>

#include "clock/clock_measure.h"
#include "cli/demo.h"
#include "clock/kvmclock.h"
#include "clock/policy.h"
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

static struct guest_mem mem;
static struct kvmclock kc;
static struct msr_table msrs;
static struct doorbell db;

static void setup_policy(const char *spec)
{
	const struct kvmclock_ops ops = { noop_kick, no_tsc, NULL };
	struct clock_policy p;

	test_log_capture();
	fake_tsc_now = 1000000;
	memset(&msrs, 0, sizeof(msrs));
	doorbell_init(&db);
	ck_assert_int_eq(clock_policy_parse(spec, &p), 0);
	ck_assert_int_eq(guest_mem_alloc(&mem, 0x400000), 0);
	ck_assert_int_eq(kvmclock_init(&kc, &mem, &fake, 1, 1000000000, &ops, &p), 0);
	ck_assert_int_eq(kvmclock_register(&kc, &msrs, &db), 0);
	if (!p.ops->in_kernel) {
		const struct msr_handler *h = msr_table_find(&msrs, 0x4b564d01);

		ck_assert_int_eq(h->write(h->opaque, 0, 0x4b564d01, 0x200001), MSR_OK);
	}
}

static void teardown_policy(void)
{
	kvmclock_destroy(&kc);
	guest_mem_free(&mem);
	log_set_sink(NULL);
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
	ck_assert_int_eq(clock_policy_parse("sometimes", &p), -EINVAL);
	ck_assert_logged("unknown policy 'sometimes'");
	log_set_sink(NULL);
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
	run_entries(1000, 100000);	/* 100 ms of entries, one per 100 us */
	ck_assert_uint_le(kc.vcpu[0].stats.anchors, 11);
	ck_assert_uint_ge(kc.vcpu[0].stats.anchors, 9);
	ck_assert_uint_eq(kc.vcpu[0].stats.publishes, kc.vcpu[0].stats.anchors);
	teardown_policy();
}
END_TEST

START_TEST(test_threshold_follows_predicted_error)
{
	setup_policy("threshold:1000");
	run_entries(1, 1000);	/* first anchor */
	/* The model says MONOTONIC runs 100 ppm slower than the published line. */
	{
		struct pvclock_scale slow;

		ck_assert_int_eq(pvclock_scale_from_ratio(9999, 10000, &slow), 0);
		kvmclock_set_model(&kc, &(struct pvclock_line){ fake_tsc_now, fake_tsc_now + 5,
								slow, true }, 0.9999L);
	}
	run_entries(9, 1000000);	/* 9 ms: predicted error 900 ns, under the bound */
	ck_assert_uint_eq(kc.vcpu[0].stats.anchors, 1);
	run_entries(2, 1000000);	/* 11 ms: 1100 ns, over it */
	ck_assert_uint_eq(kc.vcpu[0].stats.anchors, 2);
	teardown_policy();
}
END_TEST

START_TEST(test_live_leaves_writes_to_its_thread)
{
	setup_policy("live:1ms");
	run_entries(10, 1000);
	ck_assert_uint_eq(kc.vcpu[0].stats.publishes, 0);
	teardown_policy();
}
END_TEST

START_TEST(test_kernel_traps_nothing)
{
	setup_policy("kernel");
	ck_assert_uint_eq(msrs.nr, 0);
	ck_assert_ptr_nonnull(db.regs[DOORBELL_PROBE / 8].ring);	/* probes still work */
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
	ck_assert(fabsl(kvmclock_model_ns(&kc, fake_tsc_now) - (long double)(fake_tsc_now + 5)) < 20);
	ck_assert_uint_gt(kc.settled_ns, 0);
	/* Narrow samples (10 ticks here) keep the refusal bound at its 250 ns floor. */
	ck_assert_uint_eq(kc.max_sample_ticks, 250);
	teardown_policy();
}
END_TEST

START_TEST(test_summary_figures)
{
	struct clock_measure m;
	struct clock_summary s;

	ck_assert_int_eq(clock_measure_init(&m, 1000, 1000000000), 0);
	/* Error ramps 1 ns per ms (1 ppm) from +500 ns; one backward reading. */
	for (int i = 0; i < 101; i++) {
		struct clock_sample x = { .host_ns = 1000000ull * i, .error_ns = 500 + i,
					  .guest_ns = 1000000ull * i, .retries = i == 7,
					  .exit_cycles = 2000 };

		if (i == 50)
			x.guest_ns = 1;
		clock_measure_add(&m, &x);
	}
	clock_measure_add_publish(&m, 90);
	clock_measure_add_publish(&m, 110);
	clock_measure_add_publish(&m, 100);
	clock_measure_add_reads(&m, 16000, 1000);
	clock_measure_summarize(&m, false, &s);
	ck_assert_uint_eq(s.samples, 101);
	ck_assert(fabs(s.duration_s - 0.1) < 1e-9);
	ck_assert(fabs(s.err_median_ns - 550) < 1e-9);
	ck_assert(fabs(s.err_max_ns - 600) < 1e-9);
	ck_assert(fabs(s.drift_ppm - 1) < 1e-9);
	ck_assert_uint_eq(s.backward, 1);
	ck_assert_uint_eq(s.retries, 1);
	ck_assert(fabs(s.publish_ns_median - 100) < 1e-9);
	ck_assert(fabs(s.exit_rt_ns_median - 2000) < 1e-9);
	ck_assert(fabs(s.read_ns - 16) < 1e-9);
	clock_measure_summarize(&m, true, &s);
	ck_assert(fabs(s.offset_ns - 550) < 1e-9);
	ck_assert(fabs(s.err_max_ns - 50) < 1e-9);
	clock_measure_destroy(&m);
}
END_TEST

static struct demo_row rows[2];

static void make_rows(void)
{
	memset(rows, 0, sizeof(rows));
	strcpy(rows[0].policy, "every-entry");
	rows[0].ran = true;
	rows[0].sum.samples = 10;
	rows[0].sum.err_p99_ns = 23;
	rows[0].anchors = 10;
	rows[0].sum.duration_s = 1;
	strcpy(rows[1].policy, "periodic:10ms");
	demo_verdict(&rows[0]);
	demo_verdict(&rows[1]);
	strcat(rows[1].verdict, " \"quoted\" \\ back");
}

START_TEST(test_csv_holds_every_policy)
{
	char path[] = "/tmp/pvclock-demo-XXXXXX", line[2048];
	int fd = mkstemp(path), lines = 0, cols = 0;
	FILE *f;

	make_rows();
	close(fd);
	ck_assert_int_eq(demo_write_csv(path, rows, 2), 0);
	f = fopen(path, "r");
	while (fgets(line, sizeof(line), f)) {
		int c = 1;

		for (char *p = line; *p; p++)
			c += *p == ',';
		if (lines++ == 0)
			cols = c;
		else
			ck_assert_int_eq(c, cols);
		if (lines == 2)
			ck_assert(!strncmp(line, "every-entry,1,10,", 17));
		if (lines == 3)
			ck_assert(!strncmp(line, "periodic:10ms,0,", 16));
	}
	fclose(f);
	unlink(path);
	ck_assert_int_eq(lines, 3);
	ck_assert_int_eq(cols, 19);
}
END_TEST

/* A small strict JSON reader: enough to prove the file parses and to count policies. */
static const char *json_value(const char *p, int *policies);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_str(const char *p, char *out, size_t len)
{
	size_t n = 0;

	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if (!*p || (unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		else if (*p == '\\')
			return NULL;
		if (n + 1 < len)
			out[n++] = *p;
	}
	out[n] = '\0';
	return p + 1;
}

static const char *json_value(const char *p, int *policies)
{
	char key[64], s[256];

	p = json_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';

		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				p = json_str(json_ws(p), key, sizeof(key));
				if (!p || *(p = json_ws(p)) != ':')
					return NULL;
				if (!strcmp(key, "policy"))
					(*policies)++;
				p++;
			}
			p = json_value(p, policies);
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return json_str(p, s, sizeof(s));
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	{
		char *end;

		strtod(p, &end);
		return end == p ? NULL : end;
	}
}

START_TEST(test_json_parses_and_holds_every_policy)
{
	char path[] = "/tmp/pvclock-demo-XXXXXX", buf[8192] = { 0 };
	int fd = mkstemp(path), policies = 0;
	const char *end;
	FILE *f;

	make_rows();
	close(fd);
	ck_assert_int_eq(demo_write_json(path, rows, 2), 0);
	f = fopen(path, "r");
	ck_assert_uint_gt(fread(buf, 1, sizeof(buf) - 1, f), 0);
	fclose(f);
	unlink(path);
	end = json_value(buf, &policies);
	ck_assert_msg(end && *json_ws(end) == '\0', "invalid JSON:\n%s", buf);
	ck_assert_int_eq(policies, 2);
	ck_assert_ptr_nonnull(strstr(buf, "\"policy\": \"periodic:10ms\""));
	ck_assert_ptr_nonnull(strstr(buf, "\\\"quoted\\\" \\\\ back"));
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_policies);
	tcase_add_test(tc, test_every_entry_anchors_each_entry);
	tcase_add_test(tc, test_once_never_writes_again);
	tcase_add_test(tc, test_periodic_at_most_once_per_interval);
	tcase_add_test(tc, test_threshold_follows_predicted_error);
	tcase_add_test(tc, test_live_leaves_writes_to_its_thread);
	tcase_add_test(tc, test_kernel_traps_nothing);
	tcase_add_test(tc, test_sampler_feeds_the_model);
	tcase_add_test(tc, test_summary_figures);
	tcase_add_test(tc, test_csv_holds_every_policy);
	tcase_add_test(tc, test_json_parses_and_holds_every_policy);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(policy_suite());
}
