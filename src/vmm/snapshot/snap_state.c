/* KVM state in and out of snapshots (snap_state.h). The order of the restore is KVM's rules. */
#include "snapshot/snap_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/kvm_util.h"
#include "core/log.h"
#include "machine/vcpu.h"
#include "pvclock_abi.h"

#define MSR_LIST_MAX 1024

/*
 * Kept: what KVM saves, but the TSC (see snap_state.h), the kvmclock MSRs unless KVM serves the
 * clock, and KVM's other paravirtual MSRs (async PF, steal time, PV EOI, poll control...): their
 * features are not in the CPUID this VMM gives, so the guest cannot have used them, and KVM
 * refuses to restore them.
 */
#define MSR_KVM_PV_FIRST 0x4b564d00u
#define MSR_KVM_PV_LAST	 0x4b564dffu

bool snap_msr_kept(bool kvm_clock, uint32_t msr)
{
	bool clock = msr == MSR_KVM_SYSTEM_TIME || msr == MSR_KVM_SYSTEM_TIME_NEW ||
		     msr == MSR_KVM_WALL_CLOCK || msr == MSR_KVM_WALL_CLOCK_NEW;

	if (msr == MSR_IA32_TSC || msr == MSR_IA32_TSC_ADJUST)
		return false;
	if (clock)
		return kvm_clock;
	return msr < MSR_KVM_PV_FIRST || msr > MSR_KVM_PV_LAST;
}

/* The MSRs KVM can save for a vCPU (KVM_GET_MSR_INDEX_LIST), less those not kept. */
static struct kvm_msrs *snap_msr_list(struct vm *vm, bool kvm_clock)
{
	struct kvm_msr_list *list = calloc(1, sizeof(*list) + MSR_LIST_MAX * sizeof(uint32_t));
	struct kvm_msrs *msrs = NULL;

	if (list)
		list->nmsrs = MSR_LIST_MAX;
	if (list && kvm_ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, list) >= 0)
		msrs = calloc(1, sizeof(*msrs) + list->nmsrs * sizeof(msrs->entries[0]));
	for (uint32_t i = 0; msrs && i < list->nmsrs; i++)
		if (snap_msr_kept(kvm_clock, list->indices[i]))
			msrs->entries[msrs->nmsrs++].index = list->indices[i];
	free(list);
	return msrs;
}

/* Read every MSR in @msrs; those KVM will not read (KVM_GET_MSRS stops at them) are dropped. */
static void snap_read_msrs(struct vcpu *vcpu, struct kvm_msrs *msrs)
{
	uint32_t done = 0, kept = 0;

	while (done < msrs->nmsrs) {
		uint32_t left = msrs->nmsrs - done;
		struct kvm_msrs *part = malloc(sizeof(*part) + left * sizeof(part->entries[0]));
		int n;

		if (!part)
			break;
		part->nmsrs = left;
		part->pad = 0;
		memcpy(part->entries, &msrs->entries[done], left * sizeof(part->entries[0]));
		n = ioctl(vcpu->fd, KVM_GET_MSRS, part);
		if (n < 0)
			n = 0;
		memcpy(&msrs->entries[kept], part->entries, (size_t)n * sizeof(part->entries[0]));
		kept += (uint32_t)n;
		done += (uint32_t)n + 1; /* the one after them would not read: skip it */
		free(part);
	}
	msrs->nmsrs = kept;
}

static int snap_save_msrs(struct snap_writer *w, struct vcpu *vcpu, bool kvm_clock)
{
	struct kvm_msrs *msrs = snap_msr_list(vcpu->vm, kvm_clock);

	if (!msrs)
		return -ENOMEM;
	snap_read_msrs(vcpu, msrs);
	snap_write(w, SNAP_VCPU_MSRS, vcpu->id, msrs->entries,
		   msrs->nmsrs * sizeof(msrs->entries[0]));
	free(msrs);
	return 0;
}

/* One vCPU ioctl's struct into a section (@get: a KVM_GET_* request). */
#define SAVE(w, vcpu, type, get, st)                                                               \
	({                                                                                         \
		int r_ = kvm_ioctl((vcpu)->fd, get, &(st));                                        \
		if (r_ >= 0)                                                                       \
			snap_write(w, type, (vcpu)->id, &(st), sizeof(st));                        \
		r_ < 0 ? r_ : 0;                                                                   \
	})

int snap_save_vcpu(struct snap_writer *w, struct vcpu *vcpu, bool kvm_clock)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
	struct kvm_vcpu_events events;
	struct kvm_debugregs debugregs;
	struct kvm_mp_state mp;
	struct kvm_lapic_state lapic;
	int ret;

	ret = SAVE(w, vcpu, SNAP_VCPU_REGS, KVM_GET_REGS, regs);
	if (!ret)
		ret = SAVE(w, vcpu, SNAP_VCPU_SREGS, KVM_GET_SREGS, sregs);
	if (!ret)
		ret = SAVE(w, vcpu, SNAP_VCPU_XSAVE, KVM_GET_XSAVE, xsave);
	if (!ret && kvm_cap_value(vcpu->vm->kvm_fd, KVM_CAP_XCRS) > 0)
		ret = SAVE(w, vcpu, SNAP_VCPU_XCRS, KVM_GET_XCRS, xcrs);
	if (!ret)
		ret = SAVE(w, vcpu, SNAP_VCPU_EVENTS, KVM_GET_VCPU_EVENTS, events);
	if (!ret)
		ret = SAVE(w, vcpu, SNAP_VCPU_DEBUGREGS, KVM_GET_DEBUGREGS, debugregs);
	if (!ret && vcpu->vm->irqchip) /* without it, KVM keeps neither */
		ret = SAVE(w, vcpu, SNAP_VCPU_MP_STATE, KVM_GET_MP_STATE, mp);
	if (!ret && vcpu->vm->irqchip)
		ret = SAVE(w, vcpu, SNAP_VCPU_LAPIC, KVM_GET_LAPIC, lapic);
	if (!ret)
		ret = snap_save_msrs(w, vcpu, kvm_clock);
	return ret;
}

static int snap_restore_msrs(const struct snap_file *f, struct vcpu *vcpu, bool kvm_clock)
{
	const struct snap_section *s = snap_find(f, SNAP_VCPU_MSRS, vcpu->id);
	struct kvm_msrs *msrs;
	uint32_t nr;
	int n;

	if (!s || s->size % sizeof(struct kvm_msr_entry) ||
	    s->size / sizeof(struct kvm_msr_entry) > MSR_LIST_MAX) {
		pr_err("%s: vCPU %u: %s", f->name, vcpu->id,
		       s ? "MSR section of a size that is no list of MSRs" : "no MSR section");
		return -EINVAL;
	}
	nr = (uint32_t)(s->size / sizeof(struct kvm_msr_entry));
	msrs = calloc(1, sizeof(*msrs) + s->size);
	if (!msrs)
		return -ENOMEM;
	msrs->nmsrs = nr;
	memcpy(msrs->entries, s->data, s->size);
	for (uint32_t i = 0; i < nr; i++)
		if (!snap_msr_kept(kvm_clock, msrs->entries[i].index)) {
			pr_err("%s: vCPU %u: MSR 0x%x is not one a snapshot keeps", f->name,
			       vcpu->id, msrs->entries[i].index);
			free(msrs);
			return -EINVAL;
		}
	n = ioctl(vcpu->fd, KVM_SET_MSRS, msrs);
	if (n >= 0 && (uint32_t)n < nr)
		pr_err("%s: vCPU %u: KVM refused MSR 0x%x = 0x%llx (%d of %u set)", f->name,
		       vcpu->id, msrs->entries[n].index, (unsigned long long)msrs->entries[n].data,
		       n, nr);
	else if (n < 0)
		pr_err("%s: vCPU %u: KVM_SET_MSRS: %s", f->name, vcpu->id, strerror(errno));
	free(msrs);
	return n >= 0 && (uint32_t)n == nr ? 0 : -EINVAL;
}

/* A section into a vCPU ioctl's struct (@set: a KVM_SET_* request). */
#define LOAD(f, vcpu, type, set, st)                                                               \
	({                                                                                         \
		int r_ = snap_get(f, type, (vcpu)->id, &(st), sizeof(st));                         \
		if (!r_)                                                                           \
			r_ = kvm_ioctl((vcpu)->fd, set, &(st));                                    \
		r_ < 0 ? r_ : 0;                                                                   \
	})

int snap_restore_vcpu(const struct snap_file *f, struct vcpu *vcpu, bool kvm_clock)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
	struct kvm_vcpu_events events;
	struct kvm_debugregs debugregs;
	struct kvm_mp_state mp;
	struct kvm_lapic_state lapic;
	int ret;

	/* sregs first (APIC base, EFER: what the LAPIC and the MSRs are checked against). */
	ret = LOAD(f, vcpu, SNAP_VCPU_SREGS, KVM_SET_SREGS, sregs);
	if (!ret)
		ret = LOAD(f, vcpu, SNAP_VCPU_REGS, KVM_SET_REGS, regs);
	if (!ret)
		ret = LOAD(f, vcpu, SNAP_VCPU_XSAVE, KVM_SET_XSAVE, xsave);
	if (!ret && snap_find(f, SNAP_VCPU_XCRS, vcpu->id))
		ret = LOAD(f, vcpu, SNAP_VCPU_XCRS, KVM_SET_XCRS, xcrs);
	if (!ret && vcpu->vm->irqchip)
		ret = LOAD(f, vcpu, SNAP_VCPU_MP_STATE, KVM_SET_MP_STATE, mp);
	if (!ret && vcpu->vm->irqchip)
		ret = LOAD(f, vcpu, SNAP_VCPU_LAPIC, KVM_SET_LAPIC, lapic);
	if (!ret) /* after the LAPIC: KVM drops a TSC deadline its timer mode does not take */
		ret = snap_restore_msrs(f, vcpu, kvm_clock);
	if (!ret && !snap_get(f, SNAP_VCPU_EVENTS, vcpu->id, &events, sizeof(events))) {
		/* Also the NMI and SIPI state, which KVM keeps unless told (api.rst). */
		events.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR;
		ret = kvm_ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &events);
	} else if (!ret) {
		ret = -EINVAL;
	}
	if (!ret)
		ret = LOAD(f, vcpu, SNAP_VCPU_DEBUGREGS, KVM_SET_DEBUGREGS, debugregs);
	return ret < 0 ? ret : 0;
}

int snap_save_irqchip(struct snap_writer *w, struct vm *vm)
{
	struct kvm_pit_state2 pit;

	if (!vm->irqchip)
		return 0;
	for (uint32_t chip = KVM_IRQCHIP_PIC_MASTER; chip <= KVM_IRQCHIP_IOAPIC; chip++) {
		struct kvm_irqchip c = { .chip_id = chip };

		if (kvm_ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &c) < 0)
			return -EIO;
		snap_write(w, SNAP_IRQCHIP, chip, &c, sizeof(c));
	}
	if (kvm_ioctl(vm->vm_fd, KVM_GET_PIT2, &pit) < 0)
		return -EIO;
	snap_write(w, SNAP_PIT, 0, &pit, sizeof(pit));
	return 0;
}

int snap_restore_irqchip(const struct snap_file *f, struct vm *vm)
{
	struct kvm_pit_state2 pit;

	if (!vm->irqchip)
		return 0;
	for (uint32_t chip = KVM_IRQCHIP_PIC_MASTER; chip <= KVM_IRQCHIP_IOAPIC; chip++) {
		struct kvm_irqchip c;

		if (snap_get(f, SNAP_IRQCHIP, chip, &c, sizeof(c)))
			return -EINVAL;
		if (c.chip_id != chip) {
			pr_err("%s: irqchip section %u holds chip %u", f->name, chip, c.chip_id);
			return -EINVAL;
		}
		if (kvm_ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &c) < 0)
			return -EIO;
	}
	if (snap_get(f, SNAP_PIT, 0, &pit, sizeof(pit)) ||
	    kvm_ioctl(vm->vm_fd, KVM_SET_PIT2, &pit) < 0)
		return -EINVAL;
	return 0;
}
