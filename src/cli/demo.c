/* pvclock-vmm demo: run the measurement guest under every policy and compare them. */
#include "cli/demo.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/options.h"
#include "core/compiler.h"
#include "core/log.h"
#include "vmm.h"

#define DEMO_MAX_SAMPLES 2000000

static const char *const default_policies[] = {
	"every-entry", "periodic:10ms", "once", "threshold:100", "live:1ms", "kernel",
};

static int take_policy(const struct cli_option *opt, void *ctx, const char *spec)
{
	struct demo_options *o = ctx;

	if (o->nr_policies == ARRAY_SIZE(o->policies)) {
		fprintf(stderr, "pvclock-vmm: too many --policy options (at most %zu), at '%s'\n",
			ARRAY_SIZE(o->policies), spec);
		return -EINVAL;
	}
	if (clock_policy_parse(spec, &o->policies[o->nr_policies]))
		return -EINVAL;
	o->nr_policies++;
	return 0;
}

#define DEMO struct demo_options
static const struct cli_option demo_options[] = {
	CLI_UINT("duration", 'd', "MS", DEMO, duration_ms, 1, 3600000,
		 "sampling time per policy (default 2000)"),
	CLI_UINT("period", 'p', "US", DEMO, period_us, 1, 10000000,
		 "time between samples (default 1000)"),
	CLI_CUSTOM("policy", 'P', "SPEC", take_policy,
		   "a policy to run (repeatable; default: all of them)"),
	CLI_UINT("calibrate", 0, "MS", DEMO, calibrate_ms, 1, 600000,
		 "measure MONOTONIC's rate this long first (default 1000)"),
	CLI_FLAG("ring0", 0, DEMO, ring0, "read the clock in ring 0 instead of ring 3"),
	CLI_STRING("csv", 0, "FILE", DEMO, csv, "write the table as CSV"),
	CLI_STRING("json", 0, "FILE", DEMO, json, "write the table as JSON"),
	CLI_STRING("plot", 0, "DIR", DEMO, plot_dir,
		   "write per-sample CSVs and PNG plots (gnuplot) into DIR"),
	CLI_STRING("guest", 0, "ELF", DEMO, guest,
		   "the measurement guest (default: next to this binary)"),
	CLI_HELP_OPTION,
};
#undef DEMO

static void demo_usage(FILE *out)
{
	char list[1024];

	clock_policy_list(list, sizeof(list), false);
	fprintf(out,
		"usage: pvclock-vmm demo [options]\n"
		"\n"
		"Run the measurement guest under each host update policy and compare guest time\n"
		"with the host's CLOCK_MONOTONIC.\n"
		"\n"
		"options:\n");
	cli_print_options(out, demo_options, ARRAY_SIZE(demo_options));
	fprintf(out, "\npolicies:\n%s", list);
}

int demo_parse(int argc, char **argv, const char *self, struct demo_options *o)
{
	int ret, first;

	*o = (struct demo_options){ .duration_ms = 2000, .period_us = 1000, .calibrate_ms = 1000 };
	ret = cli_parse(argc, argv, demo_options, ARRAY_SIZE(demo_options), false, o, &first);
	if (ret == CLI_HELP) {
		demo_usage(stdout);
		return -1;
	}
	if (!ret && first < argc) {
		fprintf(stderr, "pvclock-vmm: demo: unexpected argument '%s'\n", argv[first]);
		ret = -EINVAL;
	}
	if (ret)
		return VMM_EXIT_USAGE;
	if (!o->nr_policies) {
		for (unsigned int i = 0; i < ARRAY_SIZE(default_policies); i++)
			if (clock_policy_parse(default_policies[i], &o->policies[i]))
				return VMM_EXIT_VMM_ERROR;
		o->nr_policies = ARRAY_SIZE(default_policies);
	}
	if (!o->guest) {
		static char guest[4096];

		cli_guest_path(self, "clock_measure.elf", guest, sizeof(guest));
		o->guest = guest;
	}
	o->mode = o->ring0 ? "ring0" : "ring3";
	return 0;
}

void demo_verdict(struct demo_row *r)
{
	const struct clock_summary *s = &r->sum;

	if (!r->ran)
		snprintf(r->verdict, sizeof(r->verdict), "did not run (see the errors above)");
	else if (s->backward)
		snprintf(r->verdict, sizeof(r->verdict),
			 "FAILS: guest time stepped backwards %lu times", s->backward);
	else if (!strcmp(r->policy, "kernel"))
		snprintf(r->verdict, sizeof(r->verdict),
			 "in-kernel KVM: %+.3f ms constant offset removed (it counts from VM "
			 "creation), drifts %+.4f ppm from MONOTONIC",
			 s->offset_ns / 1e6, s->drift_ppm);
	else if (!strncmp(r->policy, "live", 4))
		snprintf(r->verdict, sizeof(r->verdict),
			 "host writes while the guest reads: %lu retries, no torn or backward "
			 "reading; %.0f ns p99",
			 s->retries, s->err_p99_ns);
	else if (r->anchors <= 1)
		snprintf(r->verdict, sizeof(r->verdict),
			 "one anchor: error grows at %+.4f ppm (%.1f us after an hour)",
			 s->drift_ppm, fabs(s->drift_ppm) * 3600);
	else
		snprintf(r->verdict, sizeof(r->verdict),
			 "tracks MONOTONIC: %.0f ns p99 with %.1f anchors/s", s->err_p99_ns,
			 s->duration_s > 0 ? r->anchors / s->duration_s : 0);
}

static int demo_run_one(const struct demo_options *o, const struct clock_policy *p,
			struct demo_row *row)
{
	char duration[16], period[16],
		*argv[] = { (char *)o->guest, duration, period, (char *)o->mode, NULL };
	struct vmm_config cfg = {
		.image_path = o->guest,
		.argc = 4,
		.argv = argv,
		.policy = *p,
		.timeout_ns = (o->duration_ms + o->calibrate_ms + 60000ull) * 1000000ull,
		.calibrate_ns = o->calibrate_ms * 1000000ull,
	};
	const char *policy = p->spec;
	struct clock_measure m;
	struct vmm_result res;
	FILE *devnull = fopen("/dev/null", "w");
	int ret;

	memset(row, 0, sizeof(*row));
	snprintf(row->policy, sizeof(row->policy), "%s", policy);
	snprintf(duration, sizeof(duration), "%u", o->duration_ms);
	snprintf(period, sizeof(period), "%u", o->period_us);
	if (!devnull || clock_measure_init(&m, DEMO_MAX_SAMPLES, 1)) {
		if (devnull)
			fclose(devnull);
		return -ENOMEM;
	}
	cfg.console = devnull;
	cfg.measure = &m;
	ret = vmm_run(&cfg, &res);
	if (!ret && res.stop == VM_STOP_DONE && res.guest_exit_code == 0) {
		fprintf(stderr,
			"demo:        measured rate in use %.0f ms after set-up; start-up "
			"calibration waited %.0f ms\n",
			res.settle_ns / 1e6, res.calibrated_ns / 1e6);
		m.tsc_hz = res.tsc_hz;
		clock_measure_summarize(&m, p->ops->in_kernel, &row->sum);
		row->ran = m.nr > 0;
		if (!row->ran)
			pr_err("demo: policy %s: the guest ended well but handed the host "
			       "no samples",
			       policy);
		row->exits = res.nr_exits;
		row->publishes = res.clock.publishes;
		row->anchors = res.clock.anchors;
		row->clamps = res.clock.clamps;
		row->publishes_per_s =
			row->sum.duration_s > 0 ? row->publishes / row->sum.duration_s : 0;
		if (o->plot_dir)
			demo_write_samples(o->plot_dir, policy, &m, row->sum.offset_ns);
	} else if (!ret) {
		pr_err("demo: policy %s: the guest ended with %s (status %d)", policy,
		       vm_stop_name(res.stop), vmm_exit_status(&res));
	}
	demo_verdict(row);
	clock_measure_destroy(&m);
	fclose(devnull);
	return row->ran ? 0 : -EIO;
}

int demo_run(const struct demo_options *o, struct demo_row *rows)
{
	int failed = 0;

	for (unsigned int i = 0; i < o->nr_policies; i++) {
		fprintf(stderr, "demo: [%u/%u] %s: %u ms calibration, %u ms of samples...\n", i + 1,
			o->nr_policies, o->policies[i].spec, o->calibrate_ms, o->duration_ms);
		failed += demo_run_one(o, &o->policies[i], &rows[i]) != 0;
	}
	return failed;
}

int demo_main(int argc, char **argv, const char *self)
{
	struct demo_options o;
	struct demo_row rows[8];
	int ret = demo_parse(argc, argv, self, &o), failed;
	bool none_ran;

	if (ret)
		return ret < 0 ? 0 : ret;
	if (access(o.guest, R_OK)) {
		pr_err("demo: measurement guest %s: %s (use --guest)", o.guest, strerror(errno));
		return VMM_EXIT_USAGE;
	}
	if (o.plot_dir && mkdir(o.plot_dir, 0755) && errno != EEXIST) {
		pr_err("demo: cannot create %s: %s", o.plot_dir, strerror(errno));
		return VMM_EXIT_USAGE;
	}
	failed = demo_run(&o, rows);
	none_ran = failed == (int)o.nr_policies;
	demo_print_table(stdout, rows, o.nr_policies);
	if (o.csv && demo_write_csv(o.csv, rows, o.nr_policies))
		failed++;
	if (o.json && demo_write_json(o.json, rows, o.nr_policies))
		failed++;
	if (o.plot_dir && none_ran)
		pr_err("demo: no policy produced samples (why is logged above for each): no plots");
	else if (o.plot_dir && demo_write_plots(o.plot_dir, rows, o.nr_policies))
		failed++;
	return failed ? VMM_EXIT_VMM_ERROR : 0;
}
