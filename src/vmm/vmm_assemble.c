/*
 * One assembly for every VM, booted or restored: RAM, the source's contents, the device
 * table, KVM, the vCPUs and the clock, in one order; each source fills in its part at its
 * hook (vmm_internal.h). vmm_disassemble undoes whatever part was done.
 */
#include "vmm_internal.h"

#include <errno.h>

#include "core/log.h"
#include "machine/tsc_probe.h"
#include "machine/vcpu.h"

/* A hook the source may leave out. */
static int vmm_fill(int (*hook)(struct vmm *v, const void *ctx), struct vmm *v, const void *ctx)
{
	return hook ? hook(v, ctx) : 0;
}

/* KVM's CPUID with the machine's --cpu edits (after vm_open_kvm, before the vCPUs). */
static int vmm_set_cpu_features(struct vmm *v)
{
	int ret = cpu_features_apply(&v->machine.cpu, v->vm->cpuid);

	if (!ret && cpu_features_adds(&v->machine.cpu, "invtsc"))
		v->vm->hide_invariant_tsc = false; /* asked for by name: as --invariant-tsc */
	return ret;
}

/*
 * Whether this KVM applies TSC offsets, asked once before any vCPU thread exists (a guest's
 * TSC write needs the answer; finding it then would build a VM inside an exit).
 */
static int vmm_probe_tsc_offsets(struct vmm *v)
{
	int applied = tsc_probe_offsets_applied();

	if (applied < 0)
		return applied;
	v->vm->tsc_offsets_applied = applied;
	return 0;
}

static int vmm_create_vcpus(struct vmm *v)
{
	unsigned int nr_vcpus = v->machine.nr_vcpus, kvm_max = vm_max_vcpus(v->vm);
	bool linux_guest = v->image.kind == IMAGE_LINUX;
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
		if (ret)
			break;
		if (i == 0)
			vcpu_report_cpuid_rewrites(*vcpu);
		/* A kernel probes legacy ports: nothing there reads as a floating bus. */
		(*vcpu)->exit_ctx.ignore_unclaimed_ports =
			v->machine.ignore_unclaimed_ports || linux_guest;
		if (linux_guest)
			(*vcpu)->exit_ctx.floating_ports = v->floating_ports;
		v->vm->nr_vcpus++;
	}
	return ret;
}

static int vmm_start_clock(struct vmm *v, const struct vmm_config *cfg)
{
	int ret;

	v->vm->clock.measure = cfg->measure;
	v->vm->clock.wall_mode = v->machine.wall_mode;
	ret = kvmclock_start(&v->vm->clock);
	if (!ret && cfg->calibrate_ns)
		v->calibrated_ns = kvmclock_calibrate(&v->vm->clock, cfg->calibrate_ns);
	return ret;
}

static int vmm_alloc(struct vmm *v, const struct vmm_config *cfg)
{
	int ret = vm_alloc(&v->vm, v->machine.mem_size);

	if (ret)
		return ret;
	v->vm->pause_clock = cfg->pause_clock;
	v->vm->guest_stopped_flag = !cfg->no_guest_stopped;
	if (cfg->stop_rekick_ns)
		v->vm->stop_rekick_ns = cfg->stop_rekick_ns;
	return 0;
}

int vmm_assemble(struct vmm *v, const struct vmm_config *cfg, const struct vmm_machine *m,
		 const struct vmm_source *src, const void *ctx)
{
	int ret;

	v->machine = *m;
	ret = vmm_alloc(v, cfg);
	if (!ret)
		ret = src->load(v, ctx);
	if (!ret)
		ret = vmm_devices_setup(v, cfg->console ? cfg->console : stdout);
	if (!ret)
		ret = vmm_fill(src->devices, v, ctx);
	if (!ret)
		ret = vcpu_install_kick_handler();
	if (!ret)
		ret = vm_open_kvm(v->vm);
	if (!ret)
		ret = vmm_probe_tsc_offsets(v);
	if (!ret)
		ret = vmm_set_cpu_features(v);
	if (!ret)
		ret = vmm_create_vcpus(v);
	if (!ret)
		ret = vmm_fill(src->vcpus, v, ctx);
	if (!ret)
		ret = vm_setup_kvmclock(v->vm, &v->machine.policy);
	if (!ret)
		ret = vmm_fill(src->registrations, v, ctx);
	if (!ret)
		ret = vmm_start_clock(v, cfg);
	if (!ret)
		ret = vmm_fill(src->time, v, ctx);
	return ret;
}

void vmm_disassemble(struct vmm *v)
{
	if (v->image.kind == IMAGE_LINUX && v->vm)
		vmm_log_floating_ports(v);
	if (v->vm)
		vmm_devices_teardown(v);
	vm_destroy(v->vm);
	v->vm = NULL;
}
