/* pvclock-vmm command line: parse options, run the guest, turn the outcome into an exit status. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/guest_mem.h"
#include "memmap.h"
#include "cli/demo.h"
#include "boot/multiboot.h"
#include "clock/policy.h"
#include "vmm.h"
#include "core/log.h"

#ifndef PVCLOCK_VMM_VERSION
#define PVCLOCK_VMM_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	char policies[1024];

	clock_policy_list(policies, sizeof(policies));
	fprintf(out,
		"usage: pvclock-vmm run [options] IMAGE [--] [GUEST-ARGS...]\n"
		"       pvclock-vmm demo [options]   (see pvclock-vmm demo --help)\n"
		"       pvclock-vmm --help | --version\n"
		"\n"
		"Run a guest on /dev/kvm: a native ELF64 image, or a multiboot v1 image (ELF32,\n"
		"as QEMU's -kernel takes) on a PC machine with in-kernel interrupt controllers and\n"
		"INIT/SIPI bring-up. The kind is detected. The guest's arguments follow the image\n"
		"(a multiboot guest gets them as its command line, the image name first).\n"
		"\n"
		"options:\n"
		"  -m, --mem SIZE       guest RAM, e.g. 64M or 1G (default 64M, 2M..3G)\n"
		"  -c, --vcpus N        number of vCPUs, one thread each (default 1, at most %u)\n"
		"  -t, --timeout SECS   stop the guest after SECS seconds (default: no limit)\n"
		"  -s, --stats          print per-vCPU kvmclock counters when the guest ends\n"
		"  -p, --policy SPEC    when the host re-anchors the clock (default every-entry):\n"
		"%s"
		"      --module 'PATH [ARGS]'\n"
		"                       a multiboot module (repeatable, like QEMU's -initrd)\n"
		"      --ignore-unclaimed-ports\n"
		"                       ports with no device read as all-ones and ignore writes\n"
		"                       (for guests that probe hardware; default: an error, 66)\n"
		"  -v, --verbose        more messages (repeat for debug)\n"
		"  -q, --quiet          errors only\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n"
		"\n"
		"devices: 16550 UART at 0x3f8, isa-debug-exit at 0xf4, fw_cfg at 0x510/0x511,\n"
		"  port 0x80 (no-op), debug console 0xe9, report 0x700, null 0x704, probe 0x708.\n"
		"\n"
		"exit status: the guest's exit code (0-63) when it reports DONE;\n"
		"  (v << 1) | 1 when it writes v to isa-debug-exit, as under QEMU;\n"
		"  64 usage error, 65 guest assertion failed, 66 guest protocol error,\n"
		"  67 guest crash (triple fault), 68 timeout, 70 VMM or setup error.\n",
		MEMMAP_MAX_VCPUS, policies);
}

static int parse_timeout(const char *text, uint64_t *ns)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(s) || s <= 0 || s > 1e6) {
		fprintf(stderr, "pvclock-vmm: invalid --timeout '%s' (seconds, > 0 and <= 1e6)\n",
			text);
		return -EINVAL;
	}
	*ns = (uint64_t)(s * 1e9);
	return 0;
}

static int parse_vcpus(const char *text, unsigned int *n)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > MEMMAP_MAX_VCPUS) {
		fprintf(stderr, "pvclock-vmm: invalid --vcpus '%s' (1..%u)\n", text,
			MEMMAP_MAX_VCPUS);
		return -EINVAL;
	}
	*n = (unsigned int)v;
	return 0;
}

static bool print_stats;
static const char *modules[MULTIBOOT_MAX_MODULES];

static int add_module(struct vmm_config *cfg, const char *spec)
{
	if (cfg->nr_modules == MULTIBOOT_MAX_MODULES) {
		fprintf(stderr, "pvclock-vmm: too many --module options (at most %d), at '%s'\n",
			MULTIBOOT_MAX_MODULES, spec);
		return 1;
	}
	if (!spec[0] || spec[0] == ' ') {
		fprintf(stderr, "pvclock-vmm: invalid --module '%s' (expected 'PATH [ARGS]')\n",
			spec);
		return 1;
	}
	modules[cfg->nr_modules++] = spec;
	cfg->modules = modules;
	return 0;
}

/* Parse "run [options] IMAGE [--] ARGS"; returns 0, or the exit status to leave with. */
static int parse_run(int argc, char **argv, struct vmm_config *cfg)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stats", no_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'p' },
		{ "ignore-unclaimed-ports", no_argument, NULL, 'I' },
		{ "module", required_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum log_level level = LOG_WARN;
	struct clock_policy policy;
	int c, bad = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+m:c:t:sp:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'm': bad |= guest_mem_parse_size(optarg, &cfg->mem_size); break;
		case 'c': bad |= parse_vcpus(optarg, &cfg->nr_vcpus); break;
		case 't': bad |= parse_timeout(optarg, &cfg->timeout_ns); break;
		case 's': print_stats = true; break;
		case 'I': cfg->ignore_unclaimed_ports = true; break;
		case 'M': bad |= add_module(cfg, optarg); break;
		case 'p': bad |= !!clock_policy_parse(optarg, &policy); cfg->policy = optarg; break;
		case 'v': level = level < LOG_DEBUG ? level + 1 : LOG_DEBUG; break;
		case 'q': level = LOG_ERR; break;
		case 'h': usage(stdout); return -1;
		default: bad = 1; break;
		}
	}
	log_set_level(level);
	if (bad)
		return VMM_EXIT_USAGE;
	if (optind >= argc) {
		fprintf(stderr, "pvclock-vmm: run: missing IMAGE (see --help)\n");
		return VMM_EXIT_USAGE;
	}
	cfg->image_path = argv[optind];
	/* The guest sees argv[0] = the image, then everything after it (a leading "--" dropped). */
	if (optind + 1 < argc && !strcmp(argv[optind + 1], "--")) {
		argv[optind + 1] = argv[optind];
		optind++;
	}
	cfg->argv = &argv[optind];
	cfg->argc = argc - optind;
	return 0;
}

int main(int argc, char **argv)
{
	struct vmm_config cfg = { 0 };
	struct vmm_result result;
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
	if (strcmp(argv[1], "run")) {
		fprintf(stderr, "pvclock-vmm: unknown command '%s' (try --help)\n", argv[1]);
		return VMM_EXIT_USAGE;
	}
	ret = parse_run(argc - 1, argv + 1, &cfg);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (vmm_run(&cfg, &result))
		return VMM_EXIT_VMM_ERROR;
	if (print_stats)
		vmm_print_stats(&result, stderr);
	if (result.stop != VM_STOP_DONE)
		pr_info("run ended: %s", vm_stop_name(result.stop));
	return vmm_exit_status(&result);
}
