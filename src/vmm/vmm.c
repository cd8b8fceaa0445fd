/* vmm_run: assemble a VM from a config, run its vCPU threads under the watchdog, report. */
#include "vmm.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/compiler.h"
#include "boot/longmode.h"
#include "dev/console.h"
#include "boot/acpi.h"
#include "boot/elf_load.h"
#include "dev/fw_cfg.h"
#include "boot/guest_file.h"
#include "boot/image.h"
#include "boot/linux.h"
#include "boot/multiboot.h"
#include "dev/i8042.h"
#include "ports.h"
#include "dev/report.h"
#include "dev/uart.h"
#include "machine/vcpu.h"
#include "clock/policy.h"
#include "machine/vm.h"
#include "core/log.h"
#include "vmm_internal.h"

static int vmm_load_image(struct vmm *v, const struct vmm_config *cfg)
{
	struct elf_image_info *info = &v->image.info;
	void *data = NULL;
	size_t size = cfg->image_size;
	int ret = 0;

	if (cfg->image_path)
		ret = guest_file_read(cfg->image_path, "guest image", GUEST_MEM_MAX, &data, &size);
	if (!ret)
		ret = image_load(&v->vm->mem, cfg->image_path ? data : cfg->image, size,
				 cfg->image_path ? cfg->image_path : "(memory)", &v->image);
	free(data);
	if (ret)
		return ret;
	pr_info("loaded %s image: %u segments at 0x%llx-0x%llx, entry 0x%llx",
		image_kind_name(v->image.kind), info->nr_segments, (unsigned long long)info->low,
		(unsigned long long)info->high, (unsigned long long)info->entry);
	return 0;
}

/* Read the module files and write the multiboot information (modules after the image). */
static int vmm_write_multiboot_info(struct vmm *v, const struct vmm_config *cfg)
{
	struct multiboot_module_file mods[MULTIBOOT_MAX_MODULES] = { 0 };
	void *data[MULTIBOOT_MAX_MODULES] = { 0 };
	unsigned int nr = 0;
	int ret = 0;

	if (cfg->nr_modules > MULTIBOOT_MAX_MODULES) {
		pr_err("%u modules given, at most %d are supported", cfg->nr_modules,
		       MULTIBOOT_MAX_MODULES);
		return -E2BIG;
	}
	for (; !ret && nr < cfg->nr_modules; nr++) {
		char path[PATH_MAX];

		/* "PATH ARGS...": the file is the first word, the whole string its cmdline. */
		snprintf(path, sizeof(path), "%.*s", (int)strcspn(cfg->modules[nr], " "),
			 cfg->modules[nr]);
		mods[nr].cmdline = cfg->modules[nr];
		ret = guest_file_read(path, "module", v->vm->mem.size, &data[nr], &mods[nr].size);
		mods[nr].data = data[nr];
	}
	if (!ret)
		ret = multiboot_write_info(&v->vm->mem, v->image.info.low, v->image.info.high,
					   cfg->argc, cfg->argv, mods, cfg->nr_modules,
					   &v->image.boot_info);
	if (!ret)
		v->vm->mem.vmm_end = 0; /* from the entry on, all RAM is the guest's */
	for (unsigned int i = 0; i < nr; i++)
		free(data[i]);
	return ret;
}

static int vmm_write_boot_data(struct vmm *v, const struct vmm_config *cfg, unsigned int nr_vcpus)
{
	int ret;

	if (v->image.kind == IMAGE_MULTIBOOT) {
		ret = vmm_write_multiboot_info(v, cfg);
		return ret ? ret : acpi_write_tables(&v->vm->mem, nr_vcpus);
	}
	if (v->image.kind == IMAGE_LINUX) {
		v->vm->hide_invariant_tsc = !cfg->invariant_tsc;
		v->vm->mem.vmm_end = 0; /* the kernel keeps its own map (e820) */
		ret = linux_write_boot_data(&v->vm->mem, nr_vcpus, cfg->argc, cfg->argv,
					    cfg->initrd);
		return ret ? ret : acpi_write_tables(&v->vm->mem, nr_vcpus);
	}
	if (cfg->initrd) {
		pr_err("--initrd is for Linux bzImages; %s is a %s image",
		       cfg->image_path ? cfg->image_path : "(memory)",
		       image_kind_name(v->image.kind));
		return -EINVAL;
	}
	if (cfg->nr_modules) {
		pr_err("modules are for multiboot images; %s is a native ELF64 image",
		       cfg->image_path ? cfg->image_path : "(memory)");
		return -EINVAL;
	}
	return boot_write_tables(&v->vm->mem, nr_vcpus, cfg->argc, cfg->argv);
}

int vmm_create_vcpus(struct vmm *v, const struct vmm_config *cfg, unsigned int nr_vcpus)
{
	unsigned int kvm_max = vm_max_vcpus(v->vm);
	int ret = 0;

	if (nr_vcpus > kvm_max) {
		pr_err("%u vCPUs requested, this KVM takes at most %u in a VM (KVM_CAP_MAX_VCPUS)",
		       nr_vcpus, kvm_max);
		return -EINVAL;
	}
	if (image_is_pc(v->image.kind))
		ret = vm_create_irqchip(v->vm);
	for (unsigned int i = 0; !ret && i < nr_vcpus; i++) {
		struct vcpu **vcpu = &v->vm->vcpus[i];

		ret = vcpu_create(v->vm, i, &v->image, vcpu);
		if (!ret) {
			/* A kernel probes legacy ports: nothing there reads as a floating bus. */
			(*vcpu)->exit_ctx.ignore_unclaimed_ports =
				cfg->ignore_unclaimed_ports || v->image.kind == IMAGE_LINUX;
			if (v->image.kind == IMAGE_LINUX)
				(*vcpu)->exit_ctx.floating_ports = v->floating_ports;
			v->vm->nr_vcpus++;
		}
	}
	return ret;
}

/* --wall-clock: follow needs the VMM's kvmclock; the kernel policy leaves it all to KVM. */
static int vmm_wall_mode(const struct vmm_config *cfg, const struct clock_policy *policy,
			 enum kvmclock_wall_mode *mode)
{
	int ret = kvmclock_wall_mode_parse(cfg->wall_clock, mode);

	if (!ret && *mode == KVMCLOCK_WALL_FOLLOW && policy->ops->in_kernel) {
		pr_err("--wall-clock follow needs the VMM's kvmclock; with the kernel policy KVM "
		       "writes the wall clock itself (boot)");
		return -EINVAL;
	}
	return ret;
}

int vmm_set_cpu_features(struct vmm *v)
{
	int ret = cpu_features_parse(v->cpu_spec, &v->cpu);

	if (!ret)
		ret = cpu_features_apply(&v->cpu, v->vm->cpuid);
	if (!ret && cpu_features_adds(&v->cpu, "invtsc"))
		v->vm->hide_invariant_tsc = false; /* asked for by name: as --invariant-tsc */
	return ret;
}

int vmm_start_clock(struct vmm *v, const struct vmm_config *cfg)
{
	int ret;

	v->vm->clock.measure = cfg->measure;
	v->vm->clock.wall_mode = v->wall_mode;
	ret = kvmclock_start(&v->vm->clock);
	if (!ret && cfg->calibrate_ns)
		v->calibrated_ns = kvmclock_calibrate(&v->vm->clock, cfg->calibrate_ns);
	return ret;
}

static int vmm_build(struct vmm *v, const struct vmm_config *cfg)
{
	unsigned int nr_vcpus = cfg->nr_vcpus ? cfg->nr_vcpus : 1;
	FILE *console = cfg->console ? cfg->console : stdout;
	int ret;

	ret = kvmclock_pause_mode_parse(cfg->pause_clock, &v->pause_clock);
	if (!ret && snprintf(v->cpu_spec, sizeof(v->cpu_spec), "%s", cfg->cpu ? cfg->cpu : "") >=
			    (int)sizeof(v->cpu_spec)) {
		pr_err("--cpu '%s' is longer than %zu bytes", cfg->cpu, sizeof(v->cpu_spec) - 1);
		ret = -EINVAL;
	}
	if (!ret)
		ret = cpu_features_parse(v->cpu_spec, &v->cpu); /* before KVM: said even without */
	if (ret)
		return ret;
	if (cfg->restore_path)
		return vmm_build_restored(v, cfg, console);

	if (nr_vcpus > MEMMAP_MAX_VCPUS) {
		pr_err("%u vCPUs requested, at most %u are supported (the memory map's room for "
		       "vCPU stacks)",
		       nr_vcpus, MEMMAP_MAX_VCPUS);
		return -EINVAL;
	}
	/* Policy, image and boot data first: bad input is reported even where KVM is missing. */
	ret = clock_policy_parse(cfg->policy ? cfg->policy : "every-entry", &v->policy);
	if (!ret)
		ret = vmm_wall_mode(cfg, &v->policy, &v->wall_mode);
	if (!ret)
		ret = vm_alloc(&v->vm, cfg->mem_size ? cfg->mem_size : GUEST_MEM_DEFAULT);
	if (!ret) {
		v->vm->pause_clock = v->pause_clock;
		if (cfg->stop_rekick_ns)
			v->vm->stop_rekick_ns = cfg->stop_rekick_ns;
	}
	if (!ret)
		ret = vmm_load_image(v, cfg);
	if (!ret)
		ret = vmm_write_boot_data(v, cfg, nr_vcpus);
	if (!ret)
		ret = vmm_add_devices(v, console, nr_vcpus);
	if (!ret)
		ret = vcpu_install_kick_handler();
	if (!ret)
		ret = vm_open_kvm(v->vm);
	if (!ret)
		ret = vmm_set_cpu_features(v);
	if (!ret)
		ret = vmm_create_vcpus(v, cfg, nr_vcpus);
	if (!ret)
		ret = vm_setup_kvmclock(v->vm, &v->policy);
	if (!ret)
		ret = vmm_start_clock(v, cfg);
	return ret;
}

static void vmm_teardown(struct vmm *v)
{
	if (v->image.kind == IMAGE_LINUX)
		vmm_log_floating_ports(v);
	if (v->console_ready) {
		console_flush(&v->console);
		console_destroy(&v->console);
	}
	if (v->report_ready)
		report_dev_destroy(&v->report);
	if (v->fw_cfg_ready)
		fw_cfg_destroy(&v->fw_cfg);
	if (v->uart_ready)
		uart_destroy(&v->uart);
	if (v->pci_ready)
		pci_host_destroy(&v->pci);
	if (v->testdev_ready)
		pc_testdev_destroy(&v->testdev);
	if (v->acpi_pm_ready)
		acpi_pm_destroy(&v->acpi_pm);
	vm_destroy(v->vm);
}

static void vmm_collect(struct vmm *v, struct vmm_result *result)
{
	struct vm *vm = v->vm;

	memset(result, 0, sizeof(*result));
	result->stop = vm->stop;
	result->stop_rekicks = vm->stop_rekicks;
	result->guest_exit_code =
		vm->stop == VM_STOP_DEBUG_EXIT ? v->debug_exit.status : v->report.outcome.exit_code;
	result->syncs = v->report.outcome.syncs;
	result->last_sync = v->report.outcome.last_sync;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		result->vcpu_exits[i] = vm->vcpus[i]->nr_exits;
		result->nr_exits += vm->vcpus[i]->nr_exits;
	}
	kvmclock_total_stats(&vm->clock, &result->clock);
	result->calibrated_ns = v->calibrated_ns;
	result->tsc_hz = vm->clock.tsc_hz;
	if (vm->clock.settled_ns)
		result->settle_ns = vm->clock.settled_ns - vm->clock.start_ns;
	result->nr_vcpus = vm->nr_vcpus;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		result->vcpu_clock[i] = vm->clock.vcpu[i].stats;
}

/*
 * VMs whose vCPU threads would not stop (vm_wait_threads_done gave up): their threads may still
 * use them, so they are never freed, but kept reachable here rather than leaked.
 */
static struct vmm *abandoned[16];
static unsigned int nr_abandoned;
static pthread_mutex_t abandoned_lock = PTHREAD_MUTEX_INITIALIZER;

static void vmm_abandon(struct vmm *v)
{
	pthread_mutex_lock(&abandoned_lock);
	if (nr_abandoned < ARRAY_SIZE(abandoned))
		abandoned[nr_abandoned++] = v;
	pthread_mutex_unlock(&abandoned_lock);
}

/* Stop every thread of the run; -ETIMEDOUT if a vCPU would not stop (then @v is abandoned). */
static int vmm_stop_threads(struct vmm *v, unsigned int started)
{
	int ret = vm_wait_threads_done(v->vm);

	if (v->vm->clock_ready)
		kvmclock_stop(&v->vm->clock);
	if (ret) {
		vmm_abandon(v);
		return ret;
	}
	for (unsigned int i = 0; i < started; i++)
		vcpu_join(v->vm->vcpus[i]);
	return 0;
}

int vmm_run(const struct vmm_config *cfg, struct vmm_result *result)
{
	struct vmm *v = calloc(1, sizeof(*v));
	unsigned int started = 0;
	int ret;

	if (!v)
		return -ENOMEM;
	ret = vmm_build(v, cfg);
	/* The socket first: if it cannot be had, no guest code has run. */
	if (!ret && cfg->control_path)
		ret = control_start(&v->control, cfg->control_path, vmm_control_handle, v);
	for (; !ret && started < v->vm->nr_vcpus; started++)
		ret = vcpu_start(v->vm->vcpus[started]);
	if (ret && v->vm)
		vm_request_stop(v->vm, VM_STOP_VMM_ERROR, 0);
	else if (!ret && vm_wait_stop(v->vm, cfg->timeout_ns) == VM_STOP_TIMEOUT)
		pr_err("guest still running after the %.3f s timeout: stopped",
		       cfg->timeout_ns / 1e9);
	control_stop(&v->control); /* before the vCPUs go: a command may be using them */
	if (v->vm && vmm_stop_threads(v, started))
		return -ETIMEDOUT;
	if (!ret)
		vmm_collect(v, result);
	vmm_teardown(v);
	free(v);
	return ret;
}

void vmm_print_stats(const struct vmm_result *r, FILE *out)
{
	fprintf(out, "vCPU  exits  msr-writes  publishes  anchors  clamps  bad-addr  wide  syncs"
		     "  sync-max-us  probes  violations  best-sample-ns\n");
	for (unsigned int i = 0; i < r->nr_vcpus; i++) {
		const struct kvmclock_stats *s = &r->vcpu_clock[i];

		fprintf(out,
			"%4u  %5lu  %10lu  %9lu  %7lu  %6lu  %8lu  %4lu  %5lu  %11.1f  "
			"%6lu  %10lu  %14llu\n",
			i, r->vcpu_exits[i], s->msr_writes, s->publishes, s->anchors, s->clamps,
			s->bad_addresses, s->wide_samples, s->syncs, s->sync_wait_max_ns / 1e3,
			s->probes, s->probe_violations, (unsigned long long)s->best_sample_ns);
	}
	fprintf(out, "total exits %lu", r->nr_exits);
	if (r->clock.syncs)
		fprintf(out, "; %lu syncs kept the other vCPUs out %.1f us on average",
			r->clock.syncs, r->clock.sync_wait_ns / 1e3 / (double)r->clock.syncs);
	if (r->clock.max_wall_error_ns)
		fprintf(out, "; largest wall-clock error probed: %llu ns",
			(unsigned long long)r->clock.max_wall_error_ns);
	fputc('\n', out);
}

int vmm_exit_status(const struct vmm_result *result)
{
	if (!result)
		return VMM_EXIT_VMM_ERROR;
	switch (result->stop) {
	case VM_STOP_DONE:
	case VM_STOP_DEBUG_EXIT: return result->guest_exit_code;
	case VM_STOP_ABORT: return VMM_EXIT_ABORT;
	case VM_STOP_GUEST_ERROR: return VMM_EXIT_GUEST_ERROR;
	case VM_STOP_CRASH: return VMM_EXIT_CRASH;
	case VM_STOP_TIMEOUT: return VMM_EXIT_TIMEOUT;
	case VM_STOP_RESET:
	case VM_STOP_POWEROFF:
	case VM_STOP_CONTROL: return 0;
	case VM_STOP_PANIC: return VMM_EXIT_GUEST_PANIC;
	default: return VMM_EXIT_VMM_ERROR;
	}
}
