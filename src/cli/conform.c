/*
 * pvclock-vmm conform [options] IMAGE [--] [ARGS]: IMAGE once per adversarial mode and vCPU
 * count, each run in this process with its console kept, judged by conform_report.c.
 */
#include "cli/conform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/options.h"
#include "clock/adversary.h"
#include "core/compiler.h"
#include "core/guest_mem.h"
#include "core/log.h"
#include "vmm.h"

#define DEFAULT_TIMEOUT_NS 120000000000ull

struct conform_options {
	struct vmm_config cfg; /* what every run shares: image, arguments, memory, timeout */
	struct clock_policy modes[16];
	unsigned int nr_modes;
	unsigned int vcpus[8];
	unsigned int nr_vcpus;
	unsigned int pass_status;
	const char *json, *log_dir;
	int level;
};

static int take_mode(const struct cli_option *opt, void *ctx, const char *arg)
{
	struct conform_options *o = ctx;

	if (o->nr_modes == ARRAY_SIZE(o->modes)) {
		fprintf(stderr, "pvclock-vmm: conform: --mode: at most %zu\n",
			ARRAY_SIZE(o->modes));
		return -EINVAL;
	}
	if (clock_policy_parse(arg, &o->modes[o->nr_modes]))
		return -EINVAL;
	if (!o->modes[o->nr_modes].ops->adversary) {
		fprintf(stderr,
			"pvclock-vmm: conform: --mode '%s' is an update policy, not one of "
			"the adversarial modes (see conform --help)\n",
			arg);
		return -EINVAL;
	}
	o->nr_modes++;
	return 0;
}

static int take_vcpus(const struct cli_option *opt, void *ctx, const char *arg)
{
	struct conform_options *o = ctx;

	if (o->nr_vcpus == ARRAY_SIZE(o->vcpus)) {
		fprintf(stderr, "pvclock-vmm: conform: --vcpus: at most %zu\n",
			ARRAY_SIZE(o->vcpus));
		return -EINVAL;
	}
	return cli_parse_uint("--vcpus", arg, 1, MEMMAP_MAX_VCPUS, &o->vcpus[o->nr_vcpus++]);
}

static int take_mem(const struct cli_option *opt, void *ctx, const char *arg)
{
	return guest_mem_parse_size(arg, &((struct conform_options *)ctx)->cfg.mem_size);
}

static int take_timeout(const struct cli_option *opt, void *ctx, const char *arg)
{
	return cli_parse_seconds("--timeout", arg, 1e6,
				 &((struct conform_options *)ctx)->cfg.timeout_ns);
}

static int take_verbose(const struct cli_option *opt, void *ctx, const char *arg)
{
	((struct conform_options *)ctx)->level++;
	return 0;
}

#define CONFORM struct conform_options
static const struct cli_option conform_options[] = {
	CLI_CUSTOM("mode", 'M', "MODE", take_mode,
		   "a mode to run (repeatable; default: every one, below)"),
	CLI_CUSTOM("vcpus", 'c', "N", take_vcpus,
		   "run each mode with N vCPUs (repeatable; default: 1 and 2)"),
	CLI_CUSTOM("timeout", 't', "SECS", take_timeout,
		   "a run still going after SECS is a hang (default 120)"),
	CLI_CUSTOM("mem", 'm', "SIZE", take_mem, "guest RAM, as for run (default 64M)"),
	CLI_STRING("initrd", 0, "FILE", CONFORM, cfg.initrd, "a Linux guest's initial RAM disk"),
	CLI_UINT("pass-status", 0, "N", CONFORM, pass_status, 0, 255,
		 "the exit status of a guest that passed (default 0;\n"
		 "kvm-unit-tests' images end with 1 through isa-debug-exit)"),
	CLI_STRING("json", 0, "FILE", CONFORM, json, "also write the table as JSON"),
	CLI_STRING("log", 0, "DIR", CONFORM, log_dir, "keep each run's console as DIR/MODE-N.log"),
	CLI_CUSTOM("verbose", 'v', NULL, take_verbose, "more messages (repeat for debug)"),
	CLI_HELP_OPTION,
};
#undef CONFORM

static void conform_usage(FILE *out)
{
	char modes[1536];

	clock_policy_list(modes, sizeof(modes), true);
	fprintf(out,
		"usage: pvclock-vmm conform [options] IMAGE [--] [ARGS...]\n"
		"\n"
		"Run IMAGE (any image pvclock-vmm runs: native ELF, multiboot, bzImage with\n"
		"--initrd) once per adversarial mode of the clock host and vCPU count, and tell\n"
		"whether its kvmclock reader held. A legal mode passes when the guest ends with\n"
		"the pass status, reports no warps (a console line with \"N warps\", \"N time\n"
		"warps\" or \"warps: N\") and the host's own probe kept the published time within\n"
		"the mode's bound of MONOTONIC; an illegal mode is detected when the guest\n"
		"fails or reports warps. A run past --timeout is a hang. An argument {epoch}\n"
		"becomes the host's time in seconds as each run starts (kvm-unit-tests'\n"
		"kvmclock_test takes it: ... kvmclock_test.flat -- 10000 {epoch}).\n"
		"\n"
		"options:\n");
	cli_print_options(out, conform_options, ARRAY_SIZE(conform_options));
	fprintf(out,
		"\nmodes (the bound a legal one keeps, in parentheses):\n%s"
		"\nexit status: 0 when the guest passed every legal mode (illegal ones are\n"
		"  reported, not judged); 1 when not; 64 usage error.\n",
		modes);
}

/* Parse `conform` options (after the word "conform"); 0, -1 for --help, or VMM_EXIT_USAGE. */
static int conform_parse(int argc, char **argv, struct conform_options *o)
{
	int ret, first;

	o->level = LOG_WARN;
	o->cfg.timeout_ns = DEFAULT_TIMEOUT_NS;
	ret = cli_parse(argc, argv, conform_options, ARRAY_SIZE(conform_options), true, o, &first);
	if (ret == CLI_HELP) {
		conform_usage(stdout);
		return -1;
	}
	log_set_level(o->level);
	ret = ret ? VMM_EXIT_USAGE : cli_take_image(argc, argv, first, "conform", &o->cfg);
	if (ret)
		return ret;
	for (unsigned int i = 0; o->nr_modes == 0 && i < nr_clock_adversaries; i++) {
		const struct clock_adversary *a = clock_adversaries[i]->adversary;

		if (clock_policy_parse(a->conform_spec ? a->conform_spec
						       : clock_adversaries[i]->name,
				       &o->modes[i]))
			return VMM_EXIT_USAGE;
	}
	if (o->nr_modes == 0)
		o->nr_modes = nr_clock_adversaries;
	if (!o->nr_vcpus) {
		o->vcpus[o->nr_vcpus++] = 1;
		o->vcpus[o->nr_vcpus++] = 2;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void keep_log(const char *dir, const struct conform_run *r, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%u.log", dir, r->mode.spec, r->vcpus);
	f = fopen(path, "w");
	if (!f) {
		pr_warn("conform: cannot write %s: %s", path, strerror(errno));
		return;
	}
	fputs(text, f);
	fclose(f);
}

/*
 * The guest's arguments for a run starting now: each "{epoch}" becomes the host's
 * CLOCK_REALTIME in seconds (kvm-unit-tests' kvmclock_test compares its wall clock with it).
 */
static void conform_args(const struct conform_options *o, char **argv, char *epoch, size_t len)
{
	snprintf(epoch, len, "%lld", (long long)time(NULL));
	for (int i = 0; i < o->cfg.argc; i++)
		argv[i] = strcmp(o->cfg.argv[i], "{epoch}") ? o->cfg.argv[i] : epoch;
	argv[o->cfg.argc] = NULL;
}

/* One run of the image under @r->mode with @r->vcpus vCPUs; fills in the rest of @r. */
static void conform_run_one(const struct conform_options *o, struct conform_run *r)
{
	struct vmm_config cfg = o->cfg;
	char **argv = calloc((size_t)o->cfg.argc + 1, sizeof(*argv)), epoch[24];
	struct vmm_result res;
	char *text = NULL;
	size_t len = 0;
	double t0 = now_s();
	int ret;

	if (!argv) {
		pr_err("conform: no memory for the guest's arguments");
		r->status = VMM_EXIT_VMM_ERROR;
		r->warps = -1;
		r->outcome = CONFORM_ERROR;
		return;
	}
	conform_args(o, argv, epoch, sizeof(epoch));
	cfg.argv = argv;
	cfg.policy = r->mode;
	cfg.nr_vcpus = r->vcpus;
	cfg.console = open_memstream(&text, &len);
	if (!cfg.console) {
		pr_err("conform: no memory for the console: %s", strerror(errno));
		r->status = VMM_EXIT_VMM_ERROR;
	} else {
		ret = vmm_run(&cfg, &res);
		fclose(cfg.console);
		r->status = ret ? VMM_EXIT_VMM_ERROR : vmm_exit_status(&res);
		r->host_error_ns = ret ? 0 : res.clock.max_adversary_error_ns;
	}
	r->seconds = now_s() - t0;
	r->warps = text ? conform_parse_warps(text) : -1;
	r->outcome = conform_judge(r, (int)o->pass_status, r->mode.ops->adversary->bound_ns);
	if (o->log_dir && text)
		keep_log(o->log_dir, r, text);
	free(text);
	free(argv);
}

int conform_main(int argc, char **argv, const char *self)
{
	static struct conform_run runs[CONFORM_MAX_RUNS];
	struct conform_options o = { 0 };
	unsigned int n = 0;
	int ret = conform_parse(argc, argv, &o);

	if (ret)
		return ret < 0 ? 0 : ret;
	if (o.nr_modes * o.nr_vcpus > CONFORM_MAX_RUNS) {
		fprintf(stderr, "pvclock-vmm: conform: %u runs asked, at most %u\n",
			o.nr_modes * o.nr_vcpus, CONFORM_MAX_RUNS);
		return VMM_EXIT_USAGE;
	}
	for (unsigned int m = 0; m < o.nr_modes; m++)
		for (unsigned int v = 0; v < o.nr_vcpus; v++, n++) {
			runs[n] = (struct conform_run){ .mode = o.modes[m], .vcpus = o.vcpus[v] };
			conform_run_one(&o, &runs[n]);
			fprintf(stderr, "conform: [%u/%u] %s, %u vCPUs: %s (status %d, %.1f s)\n",
				n + 1, o.nr_modes * o.nr_vcpus, runs[n].mode.spec, runs[n].vcpus,
				conform_outcome_name(runs[n].outcome), runs[n].status,
				runs[n].seconds);
		}
	conform_print_table(stdout, runs, n);
	if (o.json && conform_write_json(o.json, o.cfg.image_path, runs, n))
		return VMM_EXIT_VMM_ERROR;
	return conform_all_legal_passed(runs, n) ? 0 : 1;
}
