/*
 * pvclock-vmm wallclock (wallclock.h). For each mode the wall_watch guest re-reads its wall
 * clock every period and hands each reading to the host, which records it against
 * CLOCK_REALTIME; meanwhile a thread steps CLOCK_REALTIME by +step and, later, back by -step.
 */
#include "cli/wallclock.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/options.h"
#include "clock/clock_measure.h"
#include "core/log.h"
#include "core/mono_time.h"
#include "vmm.h"

#define WALLCLOCK_RUN_MS     4500
#define WALLCLOCK_STEP_AT_MS 1500 /* the +step after this long, the -step as long again later */
#define WALLCLOCK_SAMPLES    10000

struct stepper {
	double step_s;
	uint64_t start_ns, up_ns, down_ns; /* MONOTONIC: the run's start and the two steps */
	int error;
};

static int step_realtime(double s)
{
	struct timespec now;
	int64_t ns;

	clock_gettime(CLOCK_REALTIME, &now);
	ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + (int64_t)llround(s * 1e9);
	now.tv_sec = ns / 1000000000;
	now.tv_nsec = ns % 1000000000;
	return clock_settime(CLOCK_REALTIME, &now) ? -errno : 0;
}

static void sleep_until(uint64_t mono_ns)
{
	struct timespec t = mono_timespec(mono_ns);

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static void *stepper_thread(void *arg)
{
	struct stepper *s = arg;

	sleep_until(s->start_ns + WALLCLOCK_STEP_AT_MS * 1000000ull);
	s->error = step_realtime(s->step_s);
	s->up_ns = mono_now_ns();
	sleep_until(s->start_ns + 2 * WALLCLOCK_STEP_AT_MS * 1000000ull);
	if (!s->error)
		s->error = step_realtime(-s->step_s);
	s->down_ns = mono_now_ns();
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median offset (ms) of the samples taken in [from, to) MONOTONIC; NAN if none. */
static double median_offset(const struct clock_measure *m, uint64_t from, uint64_t to)
{
	double *v = calloc(m->nr + 1, sizeof(double)), med = NAN;
	size_t n = 0;

	for (size_t i = 0; v && i < m->nr; i++)
		if (m->samples[i].host_ns >= from && m->samples[i].host_ns < to)
			v[n++] = m->samples[i].error_ns / 1e6;
	if (n) {
		qsort(v, n, sizeof(double), cmp_double);
		med = v[n / 2];
	}
	free(v);
	return med;
}

/* From a step at @at: ms until the first sample whose wall base moved by over half the step. */
static double seen_after(const struct clock_measure *m, uint64_t at, double step_s)
{
	uint64_t base = 0;
	bool have = false;

	for (size_t i = 0; i < m->nr; i++) {
		const struct clock_sample *s = &m->samples[i];

		if (s->host_ns < at) {
			base = s->wall_base_ns;
			have = true;
		} else if (have && fabs((double)(int64_t)(s->wall_base_ns - base)) > step_s * 5e8) {
			return (s->host_ns - at) / 1e6;
		}
	}
	return -1;
}

/* The guest's kvmclock against host MONOTONIC: the largest change of their difference, ms. */
static double monotonic_step(const struct clock_measure *m)
{
	double worst = 0;

	for (size_t i = 1; i < m->nr; i++) {
		double d0 =
			(double)(int64_t)(m->samples[i - 1].guest_ns - m->samples[i - 1].host_ns);
		double d1 = (double)(int64_t)(m->samples[i].guest_ns - m->samples[i].host_ns);

		worst = fmax(worst, fabs(d1 - d0) / 1e6);
	}
	return worst;
}

static void wallclock_summarize(const struct clock_measure *m, const struct stepper *s,
				struct wallclock_row *row)
{
	uint64_t settle = (s->down_ns - s->up_ns) / 2;

	row->samples = m->nr;
	row->offset_before_ms = median_offset(m, 0, s->up_ns);
	row->offset_up_ms = median_offset(m, s->up_ns + settle, s->down_ns);
	row->offset_down_ms = median_offset(m, s->down_ns + settle, UINT64_MAX);
	row->seen_up_ms = seen_after(m, s->up_ns, s->step_s);
	row->seen_down_ms = seen_after(m, s->down_ns, s->step_s);
	row->monotonic_step_ms = monotonic_step(m);
}

int wallclock_run(const struct wallclock_options *o, const char *mode, struct wallclock_row *row)
{
	char duration[16], period[16], *argv[] = { (char *)o->guest, duration, period, NULL };
	bool kernel = !strcmp(mode, "kernel");
	struct vmm_config cfg = {
		.image_path = o->guest,
		.argc = 3,
		.argv = argv,
		.timeout_ns = (WALLCLOCK_RUN_MS + 60000ull) * 1000000ull,
	};
	struct stepper s = { .step_s = o->step_s };
	struct clock_measure m;
	struct vmm_result res;
	pthread_t thread;
	FILE *devnull;
	int ret;

	memset(row, 0, sizeof(*row));
	snprintf(row->mode, sizeof(row->mode), "%s", mode);
	/* kernel: KVM's clock, which writes the wall clock at boot only; else ours in @mode. */
	if (clock_policy_parse(kernel ? "kernel" : "every-entry", &cfg.policy) ||
	    (!kernel && kvmclock_wall_mode_parse(mode, &cfg.wall_clock)))
		return -EINVAL;
	snprintf(duration, sizeof(duration), "%u", WALLCLOCK_RUN_MS);
	snprintf(period, sizeof(period), "%u", o->period_ms);
	devnull = fopen("/dev/null", "w");
	if (!devnull || clock_measure_init(&m, WALLCLOCK_SAMPLES, 1)) {
		if (devnull)
			fclose(devnull);
		return -ENOMEM;
	}
	cfg.console = devnull;
	cfg.measure = &m;
	s.start_ns = mono_now_ns();
	ret = -pthread_create(&thread, NULL, stepper_thread, &s);
	if (!ret) {
		ret = vmm_run(&cfg, &res);
		pthread_join(thread, NULL);
	}
	if (!ret && s.error) {
		pr_err("wallclock: cannot step CLOCK_REALTIME: %s", strerror(-s.error));
		ret = s.error;
	} else if (!ret && (res.stop != VM_STOP_DONE || res.guest_exit_code)) {
		pr_err("wallclock: %s: the guest ended with %s (status %d)", mode,
		       vm_stop_name(res.stop), vmm_exit_status(&res));
		ret = -EIO;
	}
	if (!ret) {
		wallclock_summarize(&m, &s, row);
		row->ran = true;
	}
	clock_measure_destroy(&m);
	fclose(devnull);
	return ret;
}

static void print_seen(FILE *out, double ms)
{
	if (ms < 0)
		fprintf(out, "  %12s", "never");
	else
		fprintf(out, "  %9.1f ms", ms);
}

void wallclock_print_table(FILE *out, const struct wallclock_row *rows, unsigned int n,
			   double step_s)
{
	fprintf(out,
		"guest wall clock - host CLOCK_REALTIME (median), and how long until the guest "
		"saw each step of %+.0f s and back:\n",
		step_s);
	fprintf(out, "%-8s %12s  %12s  %12s  %12s  %12s  %12s\n", "mode", "before", "seen +step",
		"after +step", "seen -step", "after -step", "kvmclock step");
	for (unsigned int i = 0; i < n; i++) {
		const struct wallclock_row *r = &rows[i];

		if (!r->ran) {
			fprintf(out, "%-8s (did not run)\n", r->mode);
			continue;
		}
		fprintf(out, "%-8s %9.3f ms", r->mode, r->offset_before_ms);
		print_seen(out, r->seen_up_ms);
		fprintf(out, "  %9.3f ms", r->offset_up_ms);
		print_seen(out, r->seen_down_ms);
		fprintf(out, "  %9.3f ms  %9.3f ms\n", r->offset_down_ms, r->monotonic_step_ms);
	}
}

static int take_step(const struct cli_option *opt, void *ctx, const char *arg)
{
	struct wallclock_options *o = ctx;
	char *end;

	o->step_s = strtod(arg, &end);
	if (end == arg || *end || !(fabs(o->step_s) >= 1 && fabs(o->step_s) <= 86400)) {
		fprintf(stderr, "pvclock-vmm: invalid --step '%s' (seconds, 1 to 86400)\n", arg);
		return -EINVAL;
	}
	o->step_s = fabs(o->step_s);
	return 0;
}

#define WC struct wallclock_options
static const struct cli_option wallclock_options[] = {
	CLI_CUSTOM("step", 's', "SECS", take_step, "the step: +SECS, then back (default 10)"),
	CLI_UINT("period", 'p', "MS", WC, period_ms, 1, 1000,
		 "how often the guest re-reads its wall clock (default 100)"),
	CLI_STRING("guest", 0, "ELF", WC, guest, "the guest (default: next to this binary)"),
	CLI_FLAG("allow-clock-step", 0, WC, allow_step,
		 "step this machine's CLOCK_REALTIME (needs CAP_SYS_TIME; only where the\n"
		 "clock is yours to step: ./run.sh wallclock-demo runs it inside kvmlab)"),
	CLI_HELP_OPTION,
};
#undef WC

static void wallclock_usage(FILE *out)
{
	fprintf(out,
		"usage: pvclock-vmm wallclock --allow-clock-step [options]\n"
		"\n"
		"Step the host's CLOCK_REALTIME (as date --set does) while a guest re-reads its\n"
		"wall clock, under --wall-clock follow, boot and the in-kernel clock, and show\n"
		"which guests see the step, how soon, and that kvmclock itself never steps.\n"
		"\n"
		"options:\n");
	cli_print_options(out, wallclock_options, ARRAY_SIZE(wallclock_options));
}

int wallclock_main(int argc, char **argv, const char *self)
{
	static const char *const modes[] = { "follow", "boot", "kernel" };
	struct wallclock_options o = { .step_s = 10, .period_ms = 100 };
	struct wallclock_row rows[ARRAY_SIZE(modes)];
	char guest[4096];
	int ret, first, failed = 0;

	ret = cli_parse(argc, argv, wallclock_options, ARRAY_SIZE(wallclock_options), false, &o,
			&first);
	if (ret == CLI_HELP) {
		wallclock_usage(stdout);
		return 0;
	}
	if (ret || first < argc) {
		if (!ret)
			fprintf(stderr, "pvclock-vmm: wallclock: unexpected argument '%s'\n",
				argv[first]);
		return VMM_EXIT_USAGE;
	}
	if (!o.allow_step) {
		fprintf(stderr,
			"pvclock-vmm: wallclock steps this machine's CLOCK_REALTIME by "
			"+/-%.0f s: give --allow-clock-step where that clock is yours to step "
			"(./run.sh wallclock-demo runs it inside kvmlab)\n",
			o.step_s);
		return VMM_EXIT_USAGE;
	}
	if (!o.guest) {
		cli_guest_path(self, "wall_watch.elf", guest, sizeof(guest));
		o.guest = guest;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(modes); i++) {
		fprintf(stderr, "wallclock: [%u/%zu] %s: %u ms, steps at %u and %u ms...\n", i + 1,
			ARRAY_SIZE(modes), modes[i], WALLCLOCK_RUN_MS, WALLCLOCK_STEP_AT_MS,
			2 * WALLCLOCK_STEP_AT_MS);
		failed += wallclock_run(&o, modes[i], &rows[i]) != 0;
	}
	wallclock_print_table(stdout, rows, ARRAY_SIZE(modes), o.step_s);
	return failed ? VMM_EXIT_VMM_ERROR : 0;
}
