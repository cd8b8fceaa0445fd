/* Long-mode boot state: GDT, TSS, identity page tables, boot_info and initial registers. */
#ifndef VMM_BOOT_H
#define VMM_BOOT_H

#include "core/compiler.h"
#include <linux/kvm.h>

#include "core/guest_mem.h"

/* Write the GDT, TSS, page tables and boot_info (with the guest's arguments) into RAM. */
int boot_write_tables(struct guest_mem *mem, unsigned int nr_vcpus, int argc,
		      char *const argv[]) __must_check;
/*
 * For a kernel that brings its own memory map (Linux): the GDT, the TSS and an identity map of
 * 0-4 GiB with no holes (no guard pages, no boot_info).
 */
int boot_write_kernel_tables(struct guest_mem *mem, unsigned int nr_vcpus) __must_check;
/* Fill the registers a vCPU starts with (see boot_abi.h), on top of what KVM_GET_SREGS gave. */
void boot_vcpu_state(unsigned int vcpu_id, uint64_t entry, struct kvm_regs *regs,
		     struct kvm_sregs *sregs);

#endif
