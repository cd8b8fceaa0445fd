/*
 * pvclock-vmm-qemu: pvclock-vmm behind QEMU's command line, so kvm-unit-tests' runner
 * (QEMU=pvclock-vmm-qemu ./run_tests.sh) drives it unchanged. Options are refused by name
 * before the kernel is looked at, so the runner's probe (a missing kernel) reads a refusal as a
 * skip with its reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/qemu_args.h"
#include "cli/qemu_reply.h"
#include "core/log.h"
#include "machine/vm.h"
#include "vmm.h"

#define QEMU_DEFAULT_MEM (128ull << 20) /* QEMU's RAM without -m (smap wants 32-64 MiB free) */

#ifndef PVCLOCK_VMM_VERSION
#define PVCLOCK_VMM_VERSION "unknown"
#endif

static enum log_level qemu_log_level = LOG_WARN;
static char qemu_first_error[512];

/* The VMM's messages, to stderr as usual; the first error's first line kept as the cause. */
static void qemu_log_sink(enum log_level level, const char *msg)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	if (level == LOG_ERR && !qemu_first_error[0])
		snprintf(qemu_first_error, sizeof(qemu_first_error), "%.*s",
			 (int)strcspn(msg, "\n"), msg);
	if (level <= qemu_log_level)
		fprintf(stderr, "pvclock-vmm: %s: %s\n", names[level], msg);
}

/* CPUID leaf 0's vendor string of @cpuid (EBX, EDX, ECX), or "" where the leaf is missing. */
static void qemu_cpuid_vendor(const struct kvm_cpuid2 *cpuid, char vendor[13])
{
	vendor[0] = '\0';
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != 0)
			continue;
		memcpy(vendor, &e->ebx, 4);
		memcpy(vendor + 4, &e->edx, 4);
		memcpy(vendor + 8, &e->ecx, 4);
		vendor[12] = '\0';
	}
}

/* -cpu against this host's KVM: each addition must be there, the vendor the host's. */
static int qemu_check_cpu(const struct qemu_args *a, struct kvm_cpuid2 *cpuid)
{
	char vendor[13];

	if (cpu_features_apply(&a->cpu, cpuid)) {
		pr_err("-cpu '%s': a feature KVM does not offer on this host "
		       "(pvclock-vmm-qemu: not supported here)",
		       a->cpu_model);
		return QEMU_EXIT_UNSUPPORTED;
	}
	qemu_cpuid_vendor(cpuid, vendor);
	if (a->cpu_vendor[0] && strcmp(a->cpu_vendor, vendor)) {
		pr_err("-cpu '%s': vendor %s, but this host's CPU is %s (pvclock-vmm-qemu: the "
		       "vendor is the host's)",
		       a->cpu_model, a->cpu_vendor, vendor);
		return QEMU_EXIT_UNSUPPORTED;
	}
	if (a->cpu_model)
		pr_info("-cpu '%s': pvclock-vmm emulates no CPU model; the vCPUs get this host's "
			"features (KVM_GET_SUPPORTED_CPUID)%s%s",
			a->cpu_model, a->cpu.nr ? " with the edits " : "", a->cpu.spec);
	return 0;
}

/* What QEMU would find out at start-up, asked of a scratch VM before anything is loaded. */
static int qemu_check_host(const struct qemu_args *a)
{
	struct vm *vm;
	int ret = vm_alloc(&vm, GUEST_MEM_MIN);

	if (!ret)
		ret = vm_open_kvm(vm);
	if (!ret)
		ret = qemu_check_cpu(a, vm->cpuid);
	else
		ret = VMM_EXIT_VMM_ERROR;
	vm_destroy(vm);
	return ret;
}

/* QEMU's words for a kernel it cannot open: kvm-unit-tests' probe looks for them. */
static int qemu_check_kernel(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		pr_err("could not load kernel '%s': %s", path, strerror(errno));
		return QEMU_EXIT_ERROR;
	}
	close(fd);
	return 0;
}

static void qemu_config(const struct qemu_args *a, char **guest_argv, struct vmm_config *cfg)
{
	guest_argv[0] = (char *)a->kernel;
	guest_argv[1] = (char *)a->append;
	*cfg = (struct vmm_config){
		.image_path = a->kernel,
		.mem_size = a->mem_size ? a->mem_size : QEMU_DEFAULT_MEM,
		.nr_vcpus = a->nr_vcpus,
		.argc = a->append ? 2 : 1,
		.argv = guest_argv,
		.cpu = a->cpu,
		.modules = a->modules,
		.nr_modules = a->nr_modules,
		.bios_state = true,
		.bios_pit_idle = a->pit_idle,
		.pit_discard = a->pit_discard,
	};
}

static int qemu_run(const struct qemu_args *a)
{
	char *guest_argv[2];
	struct vmm_config cfg;
	struct vmm_result result;
	int ret = qemu_check_host(a);

	if (!ret)
		ret = qemu_check_kernel(a->kernel);
	if (ret)
		return ret;
	qemu_config(a, guest_argv, &cfg);
	if (vmm_run(&cfg, &result))
		return VMM_EXIT_VMM_ERROR;
	if (result.stop != VM_STOP_DONE)
		pr_info("run ended: %s", vm_stop_name(result.stop));
	/*
	 * On the PC machine a guest error is a device or state the machine lacks (an unclaimed
	 * port or MMIO address, ACPI S3): the test cannot run here. The runner shows a SUMMARY
	 * line of the last five as the reason beside SKIP.
	 */
	if (result.stop == VM_STOP_GUEST_ERROR) {
		printf("SUMMARY: skipped: pvclock-vmm lacks what the test asked for: %s\n",
		       qemu_first_error);
		return QEMU_EXIT_UNSUPPORTED;
	}
	return vmm_exit_status(&result);
}

int main(int argc, char **argv)
{
	static struct qemu_args a;
	enum qemu_action action = qemu_args_parse(argc, argv, &a);

	switch (action) {
	case QEMU_RUN: break;
	case QEMU_HELP: qemu_print_help(stdout, PVCLOCK_VMM_VERSION); return 0;
	case QEMU_VERSION: qemu_print_version(stdout, PVCLOCK_VMM_VERSION); return 0;
	case QEMU_DEVICES: qemu_print_devices(stdout); return 0;
	default: return qemu_action_status(action);
	}
	qemu_log_level = a.verbose >= 2 ? LOG_DEBUG : a.verbose ? LOG_INFO : LOG_WARN;
	log_set_level(qemu_log_level);
	log_set_sink(qemu_log_sink);
	return qemu_run(&a);
}
