/* A vCPU's TSC offset: pinned to 0 at creation, and moved only by the guest's TSC writes. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/kvm_util.h"
#include "pvclock_abi.h"
#include "pvclock_clock.h"
#include "machine/vcpu.h"
#include "machine/vm.h"
#include "core/log.h"

int vcpu_set_tsc_offset(struct vcpu *vcpu, uint64_t offset)
{
	struct kvm_device_attr attr = { .group = KVM_VCPU_TSC_CTRL,
					.attr = KVM_VCPU_TSC_OFFSET,
					.addr = (uintptr_t)&offset };
	int ret = kvm_ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &attr);

	return ret < 0 ? ret : 0;
}

/* struct kvm_msrs with room for one entry. */
union one_msr {
	struct kvm_msrs msrs;
	char bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
};

static int vcpu_get_msr(struct vcpu *vcpu, uint32_t index, uint64_t *value)
{
	union one_msr m = { .msrs.nmsrs = 1 };
	int ret;

	m.msrs.entries[0].index = index;
	ret = kvm_ioctl(vcpu->fd, KVM_GET_MSRS, &m);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	*value = m.msrs.entries[0].data;
	return 0;
}

static int vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value)
{
	union one_msr m = { .msrs.nmsrs = 1 };
	int ret;

	m.msrs.entries[0].index = index;
	m.msrs.entries[0].data = value;
	ret = kvm_ioctl(vcpu->fd, KVM_SET_MSRS, &m);
	return ret == 1 ? 0 : ret < 0 ? ret : -EIO;
}

/*
 * Guest TSC = host TSC + offset on every vCPU, so kvmclock's tsc_timestamp is host TSC + offset
 * and equal offsets keep the vCPUs' TSCs in step (what the STABLE bit needs). Without
 * KVM_VCPU_TSC_OFFSET (Linux < 5.16) the offset is measured through KVM_GET_MSRS instead.
 */
int vcpu_init_tsc(struct vcpu *vcpu)
{
	struct kvm_device_attr probe = { .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET };
	uint64_t guest, t1, t2;
	int ret;

	if (ioctl(vcpu->fd, KVM_HAS_DEVICE_ATTR, &probe) == 0) {
		vcpu->tsc_offset = 0;
		return vcpu_set_tsc_offset(vcpu, 0);
	}
	t1 = pvclock_clock_system.read_tsc(NULL);
	ret = vcpu_get_msr(vcpu, MSR_IA32_TSC, &guest);
	t2 = pvclock_clock_system.read_tsc(NULL);
	if (ret)
		return ret;
	vcpu->tsc_offset = guest - (t1 + (t2 - t1) / 2);
	pr_warn("vCPU %u: KVM_VCPU_TSC_OFFSET unsupported: TSC offset measured as %lld (+-%llu "
		"ticks)",
		vcpu->id, (long long)vcpu->tsc_offset, (unsigned long long)(t2 - t1));
	return 0;
}

/*
 * Where KVM ignores TSC offsets (PVM: vm->tsc_offsets_applied, probed at build), a guest's TSC
 * write cannot move the TSC it reads: the write is still carried out as KVM does it (TSC_ADJUST
 * moves by the write's delta and reads back), but the offset stays, so kvmclock keeps following
 * the TSC the guest really has. Said once.
 */
static bool vcpu_tsc_offset_ignored(struct vcpu *vcpu, uint32_t msr)
{
	static int warned;

	if (vcpu->vm->tsc_offsets_applied)
		return false;
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		pr_info("vCPU %u: this KVM ignores TSC offsets (a probe VM given one read the "
			"host's TSC): the guest's write of MSR 0x%x moves IA32_TSC_ADJUST, as KVM "
			"does, but not the TSC the guest reads; kvmclock follows that TSC (logged "
			"once)",
			vcpu->id, msr);
	return true;
}

int vcpu_write_tsc_msr(struct vcpu *vcpu, uint32_t msr, uint64_t value, uint64_t *tsc_offset)
{
	uint64_t adjust, delta, offset = vcpu->tsc_offset;
	int ret;

	ret = vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST, &adjust);
	if (ret)
		return ret;
	/* As the SDM says: a write to either moves the TSC and TSC_ADJUST by the same delta. */
	if (msr == MSR_IA32_TSC)
		delta = value - (pvclock_clock_system.read_tsc(NULL) + vcpu->tsc_offset);
	else
		delta = value - adjust;
	if (!vcpu_tsc_offset_ignored(vcpu, msr)) {
		offset += delta;
		ret = vcpu_set_tsc_offset(vcpu, offset);
		if (ret)
			return ret;
	}
	ret = vcpu_set_msr(vcpu, MSR_IA32_TSC_ADJUST, adjust + delta);
	if (ret)
		return ret;
	vcpu->tsc_offset = offset;
	*tsc_offset = offset;
	return 0;
}
