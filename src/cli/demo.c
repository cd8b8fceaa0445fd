/* pvclock-vmm demo: run the measurement guest under every policy and compare them. */
#include "cli/demo.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compiler.h"
#include "vmm.h"
#include "core/log.h"

#define DEMO_MAX_SAMPLES 2000000

static void demo_usage(FILE *out)
{
	char list[1024];

	clock_policy_list(list, sizeof(list));
	fprintf(out,
		"usage: pvclock-vmm demo [options]\n"
		"\n"
		"Run the measurement guest under each host update policy and compare guest time\n"
		"with the host's CLOCK_MONOTONIC.\n"
		"\n"
		"options:\n"
		"  -d, --duration MS     sampling time per policy (default 2000)\n"
		"  -p, --period US       time between samples (default 1000)\n"
		"  -P, --policy SPEC     a policy to run (repeatable; default: all of them)\n"
		"      --calibrate MS    measure MONOTONIC's rate this long first (default 1000)\n"
		"      --ring0           read the clock in ring 0 instead of ring 3\n"
		"      --csv FILE        write the table as CSV\n"
		"      --json FILE       write the table as JSON\n"
		"      --plot DIR        write per-sample CSVs and PNG plots (gnuplot) into DIR\n"
		"      --guest ELF       the measurement guest (default: next to this binary)\n"
		"\n"
		"policies:\n%s",
		list);
}

static const char *const default_policies[] = {
	"every-entry", "periodic:10ms", "once", "threshold:100", "live:1ms", "kernel",
};

static int parse_ms(const char *what, const char *text, unsigned int max, unsigned int *out)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (end == text || *end || v < 1 || v > (long)max) {
		fprintf(stderr, "pvclock-vmm: invalid %s '%s' (1..%u)\n", what, text, max);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

static int demo_add_policy(struct demo_options *o, const char *spec)
{
	struct clock_policy p;

	if (o->nr_policies == ARRAY_SIZE(o->policies))
		return -E2BIG;
	if (clock_policy_parse(spec, &p))
		return -EINVAL;
	snprintf(o->policies[o->nr_policies++], sizeof(o->policies[0]), "%s", spec);
	return 0;
}

int demo_parse(int argc, char **argv, const char *self, struct demo_options *o)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "period", required_argument, NULL, 'p' },
		{ "policy", required_argument, NULL, 'P' },
		{ "calibrate", required_argument, NULL, 'C' },
		{ "ring0", no_argument, NULL, 'r' },
		{ "csv", required_argument, NULL, 'c' },
		{ "json", required_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'o' },
		{ "guest", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char guest[4096];
	int c, bad = 0;

	*o = (struct demo_options){ .duration_ms = 2000, .period_us = 1000, .calibrate_ms = 1000,
				    .mode = "ring3" };
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:p:P:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': bad |= !!parse_ms("--duration", optarg, 3600000, &o->duration_ms); break;
		case 'p': bad |= !!parse_ms("--period", optarg, 10000000, &o->period_us); break;
		case 'P': bad |= !!demo_add_policy(o, optarg); break;
		case 'C': bad |= !!parse_ms("--calibrate", optarg, 600000, &o->calibrate_ms); break;
		case 'r': o->mode = "ring0"; break;
		case 'c': o->csv = optarg; break;
		case 'j': o->json = optarg; break;
		case 'o': o->plot_dir = optarg; break;
		case 'g': o->guest = optarg; break;
		case 'h': demo_usage(stdout); return -1;
		default: bad = 1; break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pvclock-vmm: demo: unexpected argument '%s'\n", argv[optind]);
		bad = 1;
	}
	if (bad)
		return VMM_EXIT_USAGE;
	for (unsigned int i = 0; !o->nr_policies && i < 6; i++)
		snprintf(o->policies[i], sizeof(o->policies[0]), "%s", default_policies[i]);
	if (!o->nr_policies)
		o->nr_policies = 6;
	if (!o->guest) {
		/* The binary sits in the build directory; the guests in its guest/ folder. */
		const char *slash = strrchr(self, '/');

		snprintf(guest, sizeof(guest), "%.*sguest/clock_measure.elf",
			 slash ? (int)(slash - self + 1) : 0, self);
		o->guest = guest;
	}
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
			 "creation), drifts %+.4f ppm from MONOTONIC", s->offset_ns / 1e6,
			 s->drift_ppm);
	else if (!strncmp(r->policy, "live", 4))
		snprintf(r->verdict, sizeof(r->verdict),
			 "host writes while the guest reads: %lu retries, no torn or backward "
			 "reading; %.0f ns p99", s->retries, s->err_p99_ns);
	else if (r->anchors <= 1)
		snprintf(r->verdict, sizeof(r->verdict),
			 "one anchor: error grows at %+.4f ppm (%.1f us after an hour)",
			 s->drift_ppm, fabs(s->drift_ppm) * 3600);
	else
		snprintf(r->verdict, sizeof(r->verdict),
			 "tracks MONOTONIC: %.0f ns p99 with %.1f anchors/s", s->err_p99_ns,
			 s->duration_s > 0 ? r->anchors / s->duration_s : 0);
}

/* "periodic:10ms" -> "periodic-10ms": a policy as part of a file name. */
static void policy_file_name(char *out, size_t len, const char *policy)
{
	size_t i = 0;

	for (; policy[i] && i + 1 < len; i++)
		out[i] = policy[i] == ':' || policy[i] == '/' ? '-' : policy[i];
	out[i] = '\0';
}

static void demo_write_samples(const char *dir, const char *policy, const struct clock_measure *m,
			       double offset_ns)
{
	char path[4096], name[64];
	FILE *f;

	policy_file_name(name, sizeof(name), policy);
	snprintf(path, sizeof(path), "%s/samples-%s.csv", dir, name);
	f = fopen(path, "w");
	if (!f) {
		pr_err("cannot write %s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "time_s,error_ns\n");
	for (size_t i = 0; i < m->nr; i++)
		fprintf(f, "%.6f,%.1f\n", (m->samples[i].host_ns - m->samples[0].host_ns) / 1e9,
			m->samples[i].error_ns - offset_ns);
	fclose(f);
}

static int demo_run_one(const struct demo_options *o, const char *policy, struct demo_row *row)
{
	char duration[16], period[16], *argv[] = { (char *)o->guest, duration, period,
						   (char *)o->mode, NULL };
	struct vmm_config cfg = {
		.image_path = o->guest, .argc = 4, .argv = argv, .policy = policy,
		.timeout_ns = (o->duration_ms + o->calibrate_ms + 60000ull) * 1000000ull,
		.calibrate_ns = o->calibrate_ms * 1000000ull,
	};
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
		fprintf(stderr, "demo:        measured rate in use %.0f ms after set-up; start-up "
			"calibration waited %.0f ms\n", res.settle_ns / 1e6, res.calibrated_ns / 1e6);
		m.tsc_hz = res.tsc_hz;
		clock_measure_summarize(&m, !strcmp(policy, "kernel"), &row->sum);
		row->ran = m.nr > 0;
		if (!row->ran)
			pr_err("demo: policy %s: the guest ended well but handed the host no samples",
			       policy);
		row->exits = res.nr_exits;
		row->publishes = res.clock.publishes;
		row->anchors = res.clock.anchors;
		row->clamps = res.clock.clamps;
		row->publishes_per_s = row->sum.duration_s > 0 ? row->publishes / row->sum.duration_s
								: 0;
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
			o->nr_policies, o->policies[i], o->calibrate_ms, o->duration_ms);
		failed += demo_run_one(o, o->policies[i], &rows[i]) != 0;
	}
	return failed;
}

void demo_print_table(FILE *out, const struct demo_row *rows, unsigned int n)
{
	const struct demo_row *kernel = NULL;

	fprintf(out, "%-15s %7s %9s %9s %10s %10s %4s %7s %8s %8s %7s %8s\n", "policy", "samples",
		"err p50", "err p99", "err max", "drift ppm", "back", "retries", "anchor/s",
		"publish", "read", "exit RT");
	for (unsigned int i = 0; i < n; i++) {
		const struct demo_row *r = &rows[i];
		const struct clock_summary *s = &r->sum;

		if (!strcmp(r->policy, "kernel") && r->ran)
			kernel = r;
		if (!r->ran) {
			fprintf(out, "%-15s  (did not run)\n", r->policy);
			continue;
		}
		fprintf(out, "%-15s %7zu %6.0f ns %6.0f ns %7.0f ns %+10.4f %4lu %7lu %8.1f %5.0f ns "
			     "%4.0f ns %5.1f us\n", r->policy, s->samples, s->err_median_ns,
			s->err_p99_ns, s->err_max_ns, s->drift_ppm, s->backward, s->retries,
			s->duration_s > 0 ? r->anchors / s->duration_s : 0, s->publish_ns_median,
			s->read_ns, s->exit_rt_ns_median / 1e3);
	}
	fprintf(out, "\n");
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "%-15s %s\n", rows[i].policy, rows[i].verdict);
	if (!kernel)
		return;
	fprintf(out, "\nagainst the in-kernel clock (kernel = 1.00):\n");
	for (unsigned int i = 0; i < n; i++) {
		const struct clock_summary *s = &rows[i].sum, *k = &kernel->sum;

		if (!rows[i].ran || &rows[i] == kernel)
			continue;
		fprintf(out, "%-15s err p99 x%.2f   |drift| x%.3f   read cost x%.3f\n",
			rows[i].policy, k->err_p99_ns ? s->err_p99_ns / k->err_p99_ns : 0,
			k->drift_ppm ? fabs(s->drift_ppm / k->drift_ppm) : 0,
			k->read_ns ? s->read_ns / k->read_ns : 0);
	}
}

int demo_write_csv(const char *path, const struct demo_row *rows, unsigned int n)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		pr_err("cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "policy,ran,samples,duration_s,err_median_ns,err_p99_ns,err_max_ns,offset_ns,"
		   "drift_ppm,backward,retries,exits,publishes,anchors,clamps,publish_ns_median,"
		   "read_cycles,read_ns,exit_rt_ns_median\n");
	for (unsigned int i = 0; i < n; i++) {
		const struct demo_row *r = &rows[i];
		const struct clock_summary *s = &r->sum;

		fprintf(f, "%s,%d,%zu,%.6f,%.1f,%.1f,%.1f,%.1f,%.6f,%lu,%lu,%lu,%lu,%lu,%lu,%.1f,"
			   "%.2f,%.2f,%.1f\n", r->policy, r->ran, s->samples, s->duration_s,
			s->err_median_ns, s->err_p99_ns, s->err_max_ns, s->offset_ns, s->drift_ppm,
			s->backward, s->retries, r->exits, r->publishes, r->anchors, r->clamps,
			s->publish_ns_median, s->read_cycles, s->read_ns, s->exit_rt_ns_median);
	}
	return fclose(f) ? -errno : 0;
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

int demo_write_json(const char *path, const struct demo_row *rows, unsigned int n)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		pr_err("cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "{\n  \"policies\": [\n");
	for (unsigned int i = 0; i < n; i++) {
		const struct demo_row *r = &rows[i];
		const struct clock_summary *s = &r->sum;

		fprintf(f, "    {\"policy\": ");
		json_string(f, r->policy);
		fprintf(f, ", \"ran\": %s, \"samples\": %zu, \"duration_s\": %.6f, "
			   "\"err_median_ns\": %.1f, \"err_p99_ns\": %.1f, \"err_max_ns\": %.1f, "
			   "\"offset_ns\": %.1f, \"drift_ppm\": %.6f, \"backward\": %lu, "
			   "\"retries\": %lu, \"exits\": %lu, \"publishes\": %lu, \"anchors\": %lu, "
			   "\"clamps\": %lu, \"publish_ns_median\": %.1f, \"read_cycles\": %.2f, "
			   "\"read_ns\": %.2f, \"exit_rt_ns_median\": %.1f, \"verdict\": ",
			r->ran ? "true" : "false", s->samples, s->duration_s, s->err_median_ns,
			s->err_p99_ns, s->err_max_ns, s->offset_ns, s->drift_ppm, s->backward,
			s->retries, r->exits, r->publishes, r->anchors, r->clamps,
			s->publish_ns_median, s->read_cycles, s->read_ns, s->exit_rt_ns_median);
		json_string(f, r->verdict);
		fprintf(f, "}%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? -errno : 0;
}

/* Two PNGs from the per-sample CSVs: error over time, and its distribution. */
static int demo_plot(const char *dir, const struct demo_row *rows, unsigned int n)
{
	char script[4096], cmd[4200];
	FILE *f;
	int ret;

	if (system("command -v gnuplot >/dev/null 2>&1")) {
		pr_warn("gnuplot not found (apt-get install gnuplot-nox): no plots, CSVs in %s", dir);
		return 0;
	}
	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	f = fopen(script, "w");
	if (!f)
		return -errno;
	fprintf(f, "set datafile separator ','\nset key outside right\nset grid\n"
		   "set terminal png size 1100,600 noenhanced\nset logscale y\n"
		   "set output '%s/error-over-time.png'\nset title 'Guest clock error against "
		   "host CLOCK_MONOTONIC at the guest TSC'\nset xlabel 'time (s)'\n"
		   "set ylabel '|error| + 1 (ns)'\nplot", dir);
	for (unsigned int i = 0, first = 1; i < n; i++) {
		char name[64];

		if (!rows[i].ran)
			continue;
		policy_file_name(name, sizeof(name), rows[i].policy);
		fprintf(f, "%s '%s/samples-%s.csv' skip 1 using 1:(abs($2)+1) with points pointtype 7 pointsize 0.35 title '%s'",
			first ? "" : ",", dir, name, rows[i].policy);
		first = 0;
	}
	fprintf(f, "\nunset logscale y\nset logscale x\nset output '%s/error-distribution.png'\n"
		   "set title 'Distribution of guest clock error (cumulative)'\n"
		   "set xlabel '|error| + 1 (ns)'\nset ylabel 'fraction of readings'\nplot", dir);
	for (unsigned int i = 0, first = 1; i < n; i++) {
		char name[64];

		if (!rows[i].ran)
			continue;
		policy_file_name(name, sizeof(name), rows[i].policy);
		fprintf(f, "%s '%s/samples-%s.csv' skip 1 using (abs($2)+1):(1.0) smooth cnormal "
			   "with lines title '%s'", first ? "" : ",", dir, name, rows[i].policy);
		first = 0;
	}
	fputc('\n', f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gnuplot '%s'", script);
	ret = system(cmd);
	if (ret) {
		pr_err("gnuplot %s failed (status %d)", script, ret);
		return -EIO;
	}
	fprintf(stderr, "demo: plots in %s/error-over-time.png and %s/error-distribution.png\n",
		dir, dir);
	return 0;
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
	else if (o.plot_dir && demo_plot(o.plot_dir, rows, o.nr_policies))
		failed++;
	return failed ? VMM_EXIT_VMM_ERROR : 0;
}
