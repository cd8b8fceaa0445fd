/* pvclock-vmm demo's output: the table, CSV, JSON, per-sample CSVs and gnuplot plots. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/demo.h"
#include "core/log.h"

/* "periodic:10ms" -> "periodic-10ms": a policy as part of a file name. */
static void policy_file_name(char *out, size_t len, const char *policy)
{
	size_t i = 0;

	for (; policy[i] && i + 1 < len; i++)
		out[i] = policy[i] == ':' || policy[i] == '/' ? '-' : policy[i];
	out[i] = '\0';
}

void demo_write_samples(const char *dir, const char *policy, const struct clock_measure *m,
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
		fprintf(out,
			"%-15s %7zu %6.0f ns %6.0f ns %7.0f ns %+10.4f %4lu %7lu %8.1f %5.0f ns "
			"%4.0f ns %5.1f us\n",
			r->policy, s->samples, s->err_median_ns, s->err_p99_ns, s->err_max_ns,
			s->drift_ppm, s->backward, s->retries,
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

		fprintf(f,
			"%s,%d,%zu,%.6f,%.1f,%.1f,%.1f,%.1f,%.6f,%lu,%lu,%lu,%lu,%lu,%lu,%.1f,"
			"%.2f,%.2f,%.1f\n",
			r->policy, r->ran, s->samples, s->duration_s, s->err_median_ns,
			s->err_p99_ns, s->err_max_ns, s->offset_ns, s->drift_ppm, s->backward,
			s->retries, r->exits, r->publishes, r->anchors, r->clamps,
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
		fprintf(f,
			", \"ran\": %s, \"samples\": %zu, \"duration_s\": %.6f, "
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

/* One gnuplot curve per policy that ran, each from its per-sample CSV, drawn @style. */
static void plot_each_policy(FILE *f, const char *dir, const struct demo_row *rows, unsigned int n,
			     const char *style)
{
	const char *sep = "";

	for (unsigned int i = 0; i < n; i++) {
		char name[64];

		if (!rows[i].ran)
			continue;
		policy_file_name(name, sizeof(name), rows[i].policy);
		fprintf(f, "%s '%s/samples-%s.csv' skip 1 %s title '%s'", sep, dir, name, style,
			rows[i].policy);
		sep = ",";
	}
}

/* Two PNGs from the per-sample CSVs: error over time, and its distribution. */
int demo_write_plots(const char *dir, const struct demo_row *rows, unsigned int n)
{
	char script[4096], cmd[4200];
	FILE *f;
	int ret;

	if (system("command -v gnuplot >/dev/null 2>&1")) {
		pr_warn("gnuplot not found (apt-get install gnuplot-nox): no plots, CSVs in %s",
			dir);
		return 0;
	}
	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	f = fopen(script, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"set datafile separator ','\nset key outside right\nset grid\n"
		"set terminal png size 1100,600 noenhanced\nset logscale y\n"
		"set output '%s/error-over-time.png'\nset title 'Guest clock error against "
		"host CLOCK_MONOTONIC at the guest TSC'\nset xlabel 'time (s)'\n"
		"set ylabel '|error| + 1 (ns)'\nplot",
		dir);
	plot_each_policy(f, dir, rows, n,
			 "using 1:(abs($2)+1) with points pointtype 7 "
			 "pointsize 0.35");
	fprintf(f,
		"\nunset logscale y\nset logscale x\nset output '%s/error-distribution.png'\n"
		"set title 'Distribution of guest clock error (cumulative)'\n"
		"set xlabel '|error| + 1 (ns)'\nset ylabel 'fraction of readings'\nplot",
		dir);
	plot_each_policy(f, dir, rows, n, "using (abs($2)+1):(1.0) smooth cnormal with lines");
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
