/* pvclock-vmm command line: parse options, run the guest, turn the outcome into an exit status. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "boot/multiboot.h"
#include "cli/ctl.h"
#include "cli/conform.h"
#include "cli/demo.h"
#include "cli/pause_demo.h"
#include "cli/options.h"
#include "cli/wallclock.h"
#include "clock/kvmclock.h"
#include "clock/policy.h"
#include "core/guest_mem.h"
#include "core/log.h"
#include "machine/cpu_features.h"
#include "memmap.h"
#include "vmm.h"

#ifndef PVCLOCK_VMM_VERSION
#define PVCLOCK_VMM_VERSION "unknown"
#endif

/* What `run` fills in as it parses its options. */
struct run_options {
	struct vmm_config cfg;
	enum log_level level;
	bool print_stats;
	const char *modules[MULTIBOOT_MAX_MODULES];
};

static int take_mem(const struct cli_option *opt, void *ctx, const char *arg)
{
	return guest_mem_parse_size(arg, &((struct run_options *)ctx)->cfg.mem_size);
}

static int take_timeout(const struct cli_option *opt, void *ctx, const char *arg)
{
	return cli_parse_seconds("--timeout", arg, 1e6,
				 &((struct run_options *)ctx)->cfg.timeout_ns);
}

/* Each option string is parsed here, once, into the typed field the VMM takes. */
static int take_policy(const struct cli_option *opt, void *ctx, const char *arg)
{
	return clock_policy_parse(arg, &((struct run_options *)ctx)->cfg.policy);
}

static int take_wall_clock(const struct cli_option *opt, void *ctx, const char *arg)
{
	return kvmclock_wall_mode_parse(arg, &((struct run_options *)ctx)->cfg.wall_clock);
}

static int take_pause_clock(const struct cli_option *opt, void *ctx, const char *arg)
{
	return kvmclock_pause_mode_parse(arg, &((struct run_options *)ctx)->cfg.pause_clock);
}

static int take_cpu(const struct cli_option *opt, void *ctx, const char *arg)
{
	return cpu_features_parse(arg, &((struct run_options *)ctx)->cfg.cpu);
}

static int take_module(const struct cli_option *opt, void *ctx, const char *spec)
{
	struct run_options *o = ctx;

	if (o->cfg.nr_modules == MULTIBOOT_MAX_MODULES) {
		fprintf(stderr, "pvclock-vmm: too many --module options (at most %d), at '%s'\n",
			MULTIBOOT_MAX_MODULES, spec);
		return -EINVAL;
	}
	if (!spec[0] || spec[0] == ' ') {
		fprintf(stderr, "pvclock-vmm: invalid --module '%s' (expected 'PATH [ARGS]')\n",
			spec);
		return -EINVAL;
	}
	o->modules[o->cfg.nr_modules++] = spec;
	o->cfg.modules = o->modules;
	return 0;
}

static int take_verbose(const struct cli_option *opt, void *ctx, const char *arg)
{
	struct run_options *o = ctx;

	o->level = o->level < LOG_DEBUG ? o->level + 1 : LOG_DEBUG;
	return 0;
}

static int take_quiet(const struct cli_option *opt, void *ctx, const char *arg)
{
	((struct run_options *)ctx)->level = LOG_ERR;
	return 0;
}

#define RUN struct run_options
static const struct cli_option run_options[] = {
	CLI_CUSTOM("mem", 'm', "SIZE", take_mem, "guest RAM, e.g. 64M or 1G (default 64M, 8M..3G)"),
	CLI_UINT("vcpus", 'c', "N", RUN, cfg.nr_vcpus, 1, MEMMAP_MAX_VCPUS,
		 "number of vCPUs, one thread each (default 1; limit below)"),
	CLI_CUSTOM("timeout", 't', "SECS", take_timeout,
		   "stop the guest after SECS seconds (default: no limit)"),
	CLI_FLAG("stats", 's', RUN, print_stats,
		 "print per-vCPU kvmclock counters when the guest ends"),
	CLI_CUSTOM("policy", 'p', "SPEC", take_policy,
		   "when the host re-anchors the clock (default every-entry;\nsee policies below)"),
	CLI_CUSTOM("wall-clock", 0, "MODE", take_wall_clock,
		   "boot: write the guest's wall clock when it asks (KVM's way, default);\n"
		   "follow: also each time the host's clock steps (date --set)"),
	CLI_STRING("initrd", 0, "FILE", RUN, cfg.initrd,
		   "a Linux guest's initial RAM disk (bzImage only)"),
	CLI_FLAG("invariant-tsc", 0, RUN, cfg.invariant_tsc,
		 "let a Linux guest see the invariant-TSC CPUID bit (it then\n"
		 "prefers the TSC to kvm-clock; default: hidden)"),
	CLI_CUSTOM("cpu", 0, "FEATURES", take_cpu,
		   "add or remove CPUID features, QEMU's way: -x2apic,+invtsc\n"
		   "(an addition must be one KVM supports here)"),
	CLI_CUSTOM("module", 0, "'PATH [ARGS]'", take_module,
		   "a multiboot module (repeatable, like QEMU's -initrd)"),
	CLI_FLAG("ignore-unclaimed-ports", 0, RUN, cfg.ignore_unclaimed_ports,
		 "ports and MMIO with no device read as all-ones and ignore\n"
		 "writes (for guests that probe hardware; default: an error, 66)"),
	CLI_STRING("control", 0, "SOCKET", RUN, cfg.control_path,
		   "listen for pause/resume/snapshot/stats/stop on this UNIX\n"
		   "socket (mode 0600; see pvclock-vmm ctl --help)"),
	CLI_CUSTOM("pause-clock", 0, "MODE", take_pause_clock,
		   "guest time across a pause or a restore: freeze (goes on\n"
		   "where it stopped, default) or continue (keeps host time)"),
	CLI_FLAG("test-no-guest-stopped", 0, RUN, cfg.no_guest_stopped,
		 "tests only: a resume or restore does not raise\n"
		 "PVCLOCK_GUEST_STOPPED (a guest's watchdogs then see the pause)"),
	CLI_CUSTOM("verbose", 'v', NULL, take_verbose, "more messages (repeat for debug)"),
	CLI_CUSTOM("quiet", 'q', NULL, take_quiet, "errors only"),
	CLI_HELP_OPTION,
};

/* restore: what a snapshot does not fix. */
static const struct cli_option restore_options[] = {
	CLI_CUSTOM("timeout", 't', "SECS", take_timeout,
		   "stop the guest after SECS seconds (default: no limit)"),
	CLI_FLAG("stats", 's', RUN, print_stats,
		 "print per-vCPU kvmclock counters when the guest ends"),
	CLI_STRING("control", 0, "SOCKET", RUN, cfg.control_path, "the control socket, as for run"),
	CLI_CUSTOM("pause-clock", 0, "MODE", take_pause_clock,
		   "freeze: guest time goes on from the snapshot (default);\n"
		   "continue: plus the CLOCK_REALTIME time since it was taken"),
	CLI_FLAG("test-no-guest-stopped", 0, RUN, cfg.no_guest_stopped,
		 "tests only: a resume or restore does not raise\n"
		 "PVCLOCK_GUEST_STOPPED (a guest's watchdogs then see the pause)"),
	CLI_CUSTOM("verbose", 'v', NULL, take_verbose, "more messages (repeat for debug)"),
	CLI_CUSTOM("quiet", 'q', NULL, take_quiet, "errors only"),
	CLI_HELP_OPTION,
};
#undef RUN

static void usage(FILE *out)
{
	char policies[1024], modes[1536];

	clock_policy_list(policies, sizeof(policies), false);
	clock_policy_list(modes, sizeof(modes), true);
	fprintf(out,
		"usage: pvclock-vmm run [options] IMAGE [--] [GUEST-ARGS...]\n"
		"       pvclock-vmm run [options] [--initrd FILE] BZIMAGE [--] [CMDLINE...]\n"
		"       pvclock-vmm demo [options]   (see pvclock-vmm demo --help)\n"
		"       pvclock-vmm wallclock --allow-clock-step [options]   (see --help)\n"
		"       pvclock-vmm restore [options] SNAPSHOT   (see restore --help)\n"
		"       pvclock-vmm ctl SOCKET COMMAND [ARG]   (see ctl --help)\n"
		"       pvclock-vmm pause-demo [options]   (see pause-demo --help)\n"
		"       pvclock-vmm conform [options] IMAGE [--] [ARGS...]   (see --help)\n"
		"       pvclock-vmm --help | --version\n"
		"\n"
		"Run a guest on /dev/kvm: a native ELF64 image, or, on a PC machine with\n"
		"in-kernel interrupt controllers and INIT/SIPI bring-up, a multiboot v1 image\n"
		"(ELF32, as QEMU's -kernel takes) or a Linux bzImage. The kind is detected. The\n"
		"guest's arguments follow the image (a multiboot guest gets them as its command\n"
		"line, the image name first; a Linux kernel as its command line, by default\n"
		"console=ttyS0).\n"
		"\n"
		"options:\n");
	cli_print_options(out, run_options, ARRAY_SIZE(run_options));
	fprintf(out,
		"  -V, --version        print the version (as the only argument)\n"
		"\n"
		"limits: at most %u vCPUs.\n"
		"\n"
		"policies:\n%s"
		"\n"
		"adversarial policies, to test a guest's clock reader (see conform --help;\n"
		"  legal: a correct reader stays monotonic, within the bound given):\n%s"
		"\n"
		"devices: 16550 UART at 0x3f8, isa-debug-exit at 0xf4, fw_cfg at 0x510/0x511,\n"
		"  port 0x80 (no-op), debug console 0xe9; the SDK's doorbell page at 0x%x\n"
		"  (report, clock probe, null exit). PC machines (multiboot, Linux) also: PCI\n"
		"  at 0xcf8 (a host bridge), ACPI tables and PM registers at 0x600; multiboot\n"
		"  images QEMU's pc-testdev (0xe0, 0x2000, MMIO 0xff000000).\n"
		"\n"
		"exit status: the guest's exit code (0-63) when it reports DONE;\n"
		"  (v << 1) | 1 when it writes v to isa-debug-exit, as under QEMU;\n"
		"  64 usage error, 65 guest assertion failed, 66 guest protocol error,\n"
		"  67 guest crash (triple fault), 68 timeout, 69 Linux guest panic,\n"
		"  70 VMM or setup error (a snapshot refused too); a Linux guest that\n"
		"  reboots, and a run ended by `ctl SOCKET stop`, end with 0.\n",
		(unsigned int)MEMMAP_MAX_VCPUS, policies, modes, (unsigned int)MEMMAP_DOORBELL);
}

/* Parse "run [options] IMAGE [--] ARGS"; returns 0, or the exit status to leave with. */
static int parse_run(int argc, char **argv, struct run_options *o)
{
	int ret, first;

	o->level = LOG_WARN;
	ret = cli_parse(argc, argv, run_options, ARRAY_SIZE(run_options), true, o, &first);
	if (ret == CLI_HELP) {
		usage(stdout);
		return -1;
	}
	log_set_level(o->level);
	return ret ? VMM_EXIT_USAGE : cli_take_image(argc, argv, first, "run", &o->cfg);
}

static void restore_usage(FILE *out)
{
	fprintf(out, "usage: pvclock-vmm restore [options] SNAPSHOT\n"
		     "\n"
		     "Continue, in this process, the guest a `snapshot` command of the control\n"
		     "socket saved: same machine, RAM, devices and vCPU state; the kvmclock\n"
		     "goes on from the snapshot's guest time (a new anchor hides the TSC jump)\n"
		     "and the guest sees PVCLOCK_GUEST_STOPPED. The whole file is checked first.\n"
		     "\n"
		     "options:\n");
	cli_print_options(out, restore_options, ARRAY_SIZE(restore_options));
}

/* Parse "restore [options] SNAPSHOT"; returns 0, or the exit status to leave with. */
static int parse_restore(int argc, char **argv, struct run_options *o)
{
	int ret, first;

	o->level = LOG_WARN;
	ret = cli_parse(argc, argv, restore_options, ARRAY_SIZE(restore_options), false, o, &first);
	if (ret == CLI_HELP) {
		restore_usage(stdout);
		return -1;
	}
	log_set_level(o->level);
	if (ret)
		return VMM_EXIT_USAGE;
	if (argc - first != 1) {
		fprintf(stderr,
			"pvclock-vmm: restore: expected one SNAPSHOT, got %d (see --help)\n",
			argc - first);
		return VMM_EXIT_USAGE;
	}
	o->cfg.restore_path = argv[first];
	return 0;
}

/* run and restore: the guest to its end, and the exit status it earns. */
static int run_guest(struct run_options *o)
{
	struct vmm_result result;

	if (vmm_run(&o->cfg, &result))
		return VMM_EXIT_VMM_ERROR;
	if (o->print_stats)
		vmm_print_stats(&result, stderr);
	if (result.stop != VM_STOP_DONE)
		pr_info("run ended: %s", vm_stop_name(result.stop));
	return vmm_exit_status(&result);
}

int main(int argc, char **argv)
{
	static struct run_options o;
	int ret;

	if (argc < 2) {
		usage(stderr);
		return VMM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("pvclock-vmm %s\n", PVCLOCK_VMM_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "demo"))
		return demo_main(argc - 1, argv + 1, argv[0]);
	if (!strcmp(argv[1], "wallclock"))
		return wallclock_main(argc - 1, argv + 1, argv[0]);
	if (!strcmp(argv[1], "conform"))
		return conform_main(argc - 1, argv + 1, argv[0]);
	if (!strcmp(argv[1], "pause-demo"))
		return pause_demo_main(argc - 1, argv + 1, argv[0]);
	if (!strcmp(argv[1], "ctl"))
		return ctl_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "restore"))
		ret = parse_restore(argc - 1, argv + 1, &o);
	else if (!strcmp(argv[1], "run"))
		ret = parse_run(argc - 1, argv + 1, &o);
	else {
		fprintf(stderr, "pvclock-vmm: unknown command '%s' (try --help)\n", argv[1]);
		return VMM_EXIT_USAGE;
	}
	if (ret)
		return ret < 0 ? 0 : ret;
	return run_guest(&o);
}
