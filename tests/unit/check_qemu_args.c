/*
 * Unit tests for pvclock-vmm-qemu's command line: every option kvm-unit-tests passes, taken
 * alone and combined; malformed values (exit 1) and unsupported options (exit 77) refused by
 * name; the -help, -version and -device help replies in the formats the runner parses.
 */
#include "cli/qemu_args.h"
#include "cli/qemu_reply.h"
#include "test_util.h"

static struct qemu_args args;

/* Parse @argv (NULL-terminated; argv[0] is the program) into the file's args. */
static enum qemu_action parse(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return qemu_args_parse(argc, argv, &args);
}

#define PARSE(...) parse((char *[]){ "pvclock-vmm-qemu", __VA_ARGS__, NULL })

/* x86/run's command line for one test, exactly as kvm-unit-tests builds it. */
START_TEST(test_runner_command_line)
{
	ck_assert_int_eq(PARSE("--no-reboot", "-nodefaults", "-global",
			       "kvm-pit.lost_tick_policy=discard", "-device", "pc-testdev",
			       "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4", "-display",
			       "none", "-serial", "stdio", "-machine", "accel=kvm", "-kernel",
			       "x86/apic.flat", "-smp", "2", "-cpu", "qemu64,+x2apic,+tsc-deadline",
			       "-append", "a b", "-initrd", "/tmp/env"),
			 QEMU_RUN);
	ck_assert_str_eq(args.kernel, "x86/apic.flat");
	ck_assert_str_eq(args.append, "a b");
	ck_assert_uint_eq(args.nr_vcpus, 2);
	ck_assert(args.pit_discard);
	ck_assert_str_eq(args.cpu_model, "qemu64,+x2apic,+tsc-deadline");
	ck_assert_uint_eq(args.cpu.nr, 2);
	ck_assert(cpu_features_adds(&args.cpu, "x2apic"));
	ck_assert(cpu_features_adds(&args.cpu, "tsc-deadline"));
	ck_assert_uint_eq(args.nr_modules, 1);
	ck_assert_str_eq(args.modules[0], "/tmp/env");
	ck_assert_uint_eq(args.mem_size, 0); /* the VMM's default */
}
END_TEST

/* Each option alone (with -kernel), and what it sets. */
START_TEST(test_each_option)
{
	ck_assert_int_eq(PARSE("-kernel", "k"), QEMU_RUN);
	ck_assert_int_eq(args.nr_vcpus, 0);
	ck_assert_ptr_null(args.append);
	ck_assert_int_eq(PARSE("-kernel", "k", "-m", "2048"), QEMU_RUN);
	ck_assert_uint_eq(args.mem_size, 2048ull << 20); /* MiB without a suffix, as QEMU */
	ck_assert_int_eq(PARSE("-kernel", "k", "-m", "size=1G"), QEMU_RUN);
	ck_assert_uint_eq(args.mem_size, 1ull << 30);
	ck_assert_int_eq(PARSE("-kernel", "k", "-m", "64M"), QEMU_RUN);
	ck_assert_uint_eq(args.mem_size, 64ull << 20);
	ck_assert_int_eq(PARSE("-kernel", "k", "-smp", "cpus=3,maxcpus=3"), QEMU_RUN);
	ck_assert_uint_eq(args.nr_vcpus, 3);
	ck_assert_int_eq(PARSE("-kernel", "k", "-smp", "sockets=2,cores=2,threads=1"), QEMU_RUN);
	ck_assert_uint_eq(args.nr_vcpus, 4);
	ck_assert_int_eq(PARSE("-kernel", "k", "-cpu", "max,host-phys-bits,migratable=no"),
			 QEMU_RUN);
	ck_assert_uint_eq(args.cpu.nr, 0);
	ck_assert_int_eq(PARSE("-kernel", "k", "-cpu", "qemu64,-pcid,invpcid=off,x2apic=on"),
			 QEMU_RUN);
	ck_assert(!cpu_features_adds(&args.cpu, "pcid"));
	ck_assert(!cpu_features_adds(&args.cpu, "invpcid"));
	ck_assert(cpu_features_adds(&args.cpu, "x2apic"));
	ck_assert_int_eq(PARSE("-kernel", "k", "-cpu", "Opteron_G1-v1,vendor=AuthenticAMD"),
			 QEMU_RUN);
	ck_assert_str_eq(args.cpu_vendor, "AuthenticAMD");
	ck_assert_int_eq(PARSE("-kernel", "k", "-M", "pc-i440fx-7.2,accel=kvm:tcg"), QEMU_RUN);
	ck_assert_int_eq(PARSE("-kernel", "k", "-machine", "pc,kernel-irqchip=on,pit=on"),
			 QEMU_RUN);
	ck_assert(!args.pit_idle);
	ck_assert_int_eq(PARSE("-kernel", "k", "-machine", "pit=off"), QEMU_RUN);
	ck_assert(args.pit_idle);
	ck_assert_int_eq(PARSE("-enable-kvm", "-accel", "kvm", "-nographic", "-kernel", "k"),
			 QEMU_RUN);
	ck_assert_int_eq(PARSE("-kernel", "k", "-global", "kvm-pit.lost_tick_policy=delay"),
			 QEMU_RUN);
	ck_assert(!args.pit_discard);
	ck_assert_int_eq(PARSE("-kernel", "k", "-v", "-v"), QEMU_RUN);
	ck_assert_uint_eq(args.verbose, 2);
}
END_TEST

/* Options repeated and mixed: the last of each wins, as QEMU's do; modules split at commas. */
START_TEST(test_combined)
{
	ck_assert_int_eq(PARSE("-smp", "1", "-kernel", "a", "-m", "32", "--smp", "4", "-kernel",
			       "b", "-m", "128M", "-initrd", "mod one,two,,x y"),
			 QEMU_RUN);
	ck_assert_str_eq(args.kernel, "b");
	ck_assert_uint_eq(args.nr_vcpus, 4);
	ck_assert_uint_eq(args.mem_size, 128ull << 20);
	ck_assert_uint_eq(args.nr_modules, 2);
	ck_assert_str_eq(args.modules[0], "mod one");
	ck_assert_str_eq(args.modules[1], "two,x y");
}
END_TEST

/* Each case, {option, value, what the refusal says}, after -kernel: refused with @action. */
static void check_refused(const char *const (*cases)[3], size_t n, enum qemu_action action)
{
	for (size_t i = 0; i < n; i++) {
		test_log_capture();
		ck_assert_int_eq(PARSE("-kernel", "k", (char *)cases[i][0], (char *)cases[i][1]),
				 action);
		ck_assert_logged(cases[i][2]);
	}
}

/* Values QEMU refuses too: exit 1, the option and the value named. */
START_TEST(test_malformed)
{
	static const char *const cases[][3] = {
		{ "-smp", "0", "-smp '0': not a CPU count" },
		{ "-smp", "two", "-smp 'two': not a CPU count" },
		{ "-smp", "2,sockets=3", "-smp '2,sockets=3': the topology" },
		{ "-smp", "2,,3", "-smp '2,,3': an empty item" },
		{ "-smp", "cpus=2,bogus=1", "-smp 'cpus=2,bogus=1': unknown key" },
		{ "-m", "lots", "-m 'lots': not a size" },
		{ "-m", "12Q", "-m '12Q': not a size" },
		{ "-cpu", "", "-cpu '': expected MODEL" },
		{ "-cpu", "pentium9", "-cpu 'pentium9': unknown CPU model" },
		{ "-cpu", "max,x2apic=maybe", "-cpu 'max,x2apic=maybe': a feature is" },
		{ "-cpu", "max,vendor=Intel", "-cpu 'max,vendor=Intel': a vendor is 12" },
		{ "-device", "isa-debug-exit,iobase=port", "iobase=port': not a number" },
		{ "-initrd", ",env", "-initrd ',env': a module without a file" },
		{ "-machine", "pit=maybe", "-machine 'pit=maybe': pit is on or off" },
	};

	check_refused(cases, ARRAY_SIZE(cases), QEMU_MALFORMED);
	ck_assert_int_eq(PARSE("-kernel", "k", "-m"), QEMU_MALFORMED);
	ck_assert_logged("-m: requires an argument");
	/* QEMU's words, which kvm-unit-tests reads MAX_SMP from. */
	ck_assert_int_eq(PARSE("-kernel", "k", "-smp", "65"), QEMU_MALFORMED);
	ck_assert_logged("Invalid SMP CPUs 65. The max CPUs supported by machine 'pvclock-vmm' "
			 "is 64");
	ck_assert_int_eq(qemu_action_status(QEMU_MALFORMED), QEMU_EXIT_ERROR);
}
END_TEST

/* What pvclock-vmm does not offer: exit 77 (the runner's SKIP), the option and value named. */
START_TEST(test_unsupported)
{
	static const char *const cases[][3] = {
		{ "-overcommit", "cpu-pm=on", "-overcommit: option not supported" },
		{ "-chardev", "socket,id=mon", "-chardev: option not supported" },
		{ "--incoming", "unix:x", "--incoming: option not supported" },
		{ "-machine", "q35", "-machine 'q35': the machine is an i440FX PC" },
		{ "-M", "pc,kernel-irqchip=split", "'pc,kernel-irqchip=split': the interrupt" },
		{ "-machine", "vmport=on", "-machine 'vmport=on': no VMware" },
		{ "-machine", "accel=tcg", "-machine 'accel=tcg': the accelerator is KVM" },
		{ "-machine", "usb=on", "-machine 'usb=on': a property" },
		{ "-accel", "tcg", "-accel 'tcg': the accelerator is KVM" },
		{ "-device", "pci-testdev", "-device 'pci-testdev': pvclock-vmm has no such" },
		{ "-device", "intel-iommu,intremap=on", "'intel-iommu,intremap=on': pvclock-vmm" },
		{ "-device", "pc-testdev,x=1", "-device 'pc-testdev,x=1': pvclock-vmm has no" },
		{ "-device", "isa-debug-exit", "'isa-debug-exit': isa-debug-exit is at iobase" },
		{ "-device", "isa-debug-exit,iobase=0xf4,iosize=1", "is at iobase=0xf4" },
		{ "-device", "isa-debug-exit,size=4", "isa-debug-exit takes iobase and iosize" },
		{ "-global", "kvm-pit.lost_tick_policy=slew", "only kvm-pit.lost_tick_policy" },
		{ "-m", "4g", "-m '4g': the PC machine's RAM is 8M..3G" },
		{ "-m", "1G,maxmem=2G", "-m '1G,maxmem=2G': only a size" },
		{ "-smp", "2,maxcpus=4", "-smp '2,maxcpus=4': maxcpus above cpus" },
		{ "-cpu", "IvyBridge,phys-bits=36,host-phys-bits=off", "host's physical address" },
		{ "-cpu", "max,+vmx-mbec", "-cpu 'max,+vmx-mbec': a feature pvclock-vmm does not" },
		{ "-cpu", "host,hv_passthrough", "'host,hv_passthrough': a feature" },
		{ "-display", "gtk", "-display 'gtk': only 'none'" },
		{ "-serial", "none", "-serial 'none': only 'stdio'" },
		{ "disk.img", NULL, "'disk.img': disk images are not supported" },
	};

	check_refused(cases, ARRAY_SIZE(cases), QEMU_UNSUPPORTED);
	ck_assert_int_eq(PARSE("-smp", "1"), QEMU_UNSUPPORTED);
	ck_assert_logged("no -kernel");
	ck_assert_int_eq(qemu_action_status(QEMU_UNSUPPORTED), QEMU_EXIT_UNSUPPORTED);
	ck_assert_int_eq(qemu_action_status(QEMU_RUN), 0);
}
END_TEST

/* Probes answered wherever they stand; a refusal still wins. */
START_TEST(test_probes)
{
	ck_assert_int_eq(PARSE("-h"), QEMU_HELP);
	ck_assert_int_eq(PARSE("--help"), QEMU_HELP);
	ck_assert_int_eq(PARSE("-help", "-kernel", "k"), QEMU_HELP);
	ck_assert_int_eq(PARSE("-version"), QEMU_VERSION);
	ck_assert_int_eq(PARSE("--version"), QEMU_VERSION);
	ck_assert_int_eq(PARSE("-device", "?"), QEMU_DEVICES);
	ck_assert_int_eq(PARSE("-smp", "2", "-device", "help"), QEMU_DEVICES);
	ck_assert_int_eq(PARSE("-device", "?", "-serial", "file:x"), QEMU_UNSUPPORTED);
}
END_TEST

static char *reply(void (*print)(FILE *out))
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	print(f);
	fclose(f);
	return text;
}

static void print_help(FILE *out)
{
	qemu_print_help(out, "1.2.3");
}

static void print_version(FILE *out)
{
	qemu_print_version(out, "1.2.3");
}

/* The first line as kvm-unit-tests reads it: IFS='[ .]' read _ _ _ MAJOR MINOR MICRO. */
static void check_version_line(const char *text)
{
	unsigned int major, minor, micro;
	char rest[64];

	ck_assert_int_eq(
		sscanf(text, "QEMU emulator version %u.%u.%u %63s", &major, &minor, &micro, rest),
		4);
	ck_assert_str_eq(rest, "(pvclock-vmm-qemu");
	ck_assert(strstr(text, QEMU_FOLLOWED_VERSION " (pvclock-vmm-qemu 1.2.3)\n") != NULL);
}

START_TEST(test_version_replies)
{
	char *help = reply(print_help), *version = reply(print_version);

	check_version_line(help);
	check_version_line(version);
	ck_assert(strstr(help, "-device pc-testdev") != NULL); /* the options it takes */
	ck_assert(strstr(help, "77") != NULL);		       /* and what a refusal earns */
	free(help);
	free(version);
}
END_TEST

/* x86/run greps the list for "pc-testdev" (quoted) and, to add it, pci-testdev. */
START_TEST(test_device_list)
{
	char *text = reply(qemu_print_devices);

	ck_assert(strstr(text, "name \"pc-testdev\", bus ISA") != NULL);
	ck_assert(strstr(text, "name \"isa-debug-exit\", bus ISA") != NULL);
	ck_assert(strstr(text, "pci-testdev") == NULL);
	ck_assert(strstr(text, "\"testdev\"") == NULL);
	free(text);
}
END_TEST

TEST_MAIN("qemu_args", test_runner_command_line, test_each_option, test_combined, test_malformed,
	  test_unsupported, test_probes, test_version_replies, test_device_list)
