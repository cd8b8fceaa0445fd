/* Whether this KVM applies a vCPU's TSC offset to the guest's RDTSC, found out once. */
#ifndef VMM_TSC_PROBE_H
#define VMM_TSC_PROBE_H

#include "core/compiler.h"

/*
 * 1 if a vCPU's TSC offset (KVM_VCPU_TSC_OFFSET) moves what its RDTSC returns, 0 if this KVM
 * accepts the offset and ignores it (PVM does), or -errno. The first call runs a scratch VM;
 * later calls return the answer it gave.
 */
int tsc_probe_offsets_applied(void) __must_check;

#endif
