/*
 * The KVM state of a VM and its vCPUs, into and out of a snapshot: vCPU registers, system
 * registers, XSAVE, XCRs, MSRs, pending events, debug registers, and with the in-kernel
 * irqchip the LAPIC, MP state, PIC, IOAPIC and PIT. The vCPUs must be out of KVM_RUN with
 * their last exit finished (vm_pause).
 *
 * Not kept: the guest TSC. A restored guest's TSC is the new host's (offset 0, as at boot; on
 * a KVM that ignores TSC offsets it could be nothing else), so IA32_TSC and TSC_ADJUST are
 * left out, and the kvmclock struct hides the jump with a new anchor. The kvmclock MSRs are
 * the VMM's own state unless KVM serves the clock (the kernel policy): then they are KVM's.
 */
#ifndef VMM_SNAP_STATE_H
#define VMM_SNAP_STATE_H

#include "core/compiler.h"
#include "machine/vm.h"
#include "snapshot/snap_file.h"

/* @kvm_clock: KVM serves the guest's kvmclock (the kernel policy), so its MSRs are KVM's. */
int snap_save_vcpu(struct snap_writer *w, struct vcpu *vcpu, bool kvm_clock) __must_check;
int snap_restore_vcpu(const struct snap_file *f, struct vcpu *vcpu, bool kvm_clock) __must_check;
/* The PIC, IOAPIC and PIT (nothing without the in-kernel irqchip). */
int snap_save_irqchip(struct snap_writer *w, struct vm *vm) __must_check;
int snap_restore_irqchip(const struct snap_file *f, struct vm *vm) __must_check;
/* Would this MSR be kept in a snapshot? */
bool snap_msr_kept(bool kvm_clock, uint32_t msr);

#endif
