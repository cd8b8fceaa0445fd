/* Whether this KVM applies a vCPU's TSC offset to the guest's RDTSC, found out once. */
#ifndef VMM_TSC_PROBE_H
#define VMM_TSC_PROBE_H

#include <linux/kvm.h>

#include "core/compiler.h"

/*
 * 1 if a vCPU's TSC offset (KVM_VCPU_TSC_OFFSET) moves what its RDTSC returns, 0 if this KVM
 * accepts the offset and ignores it (PVM does), or -errno. The first call runs a scratch VM on
 * @kvm_fd (vCPUs get @cpuid); later calls return the answer it gave.
 */
int tsc_probe_offsets_applied(int kvm_fd, const struct kvm_cpuid2 *cpuid) __must_check;

#endif
