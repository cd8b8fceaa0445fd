/*
 * A Linux guest on the PC machine: what the VMM writes before its first instruction (long-mode
 * tables, the MP table, the zero page's command line and initrd) and the state it enters with.
 */
#ifndef VMM_LINUX_H
#define VMM_LINUX_H

#include <linux/kvm.h>

#include "core/compiler.h"
#include "core/guest_mem.h"

#define LINUX_DEFAULT_CMDLINE "console=ttyS0"

/*
 * After bzimage_load: tables, MP table for @nr_vcpus, the command line (argv[1..] joined by
 * spaces; LINUX_DEFAULT_CMDLINE if there is none) and the initrd file at @initrd_path (or none).
 */
int linux_write_boot_data(struct guest_mem *mem, unsigned int nr_vcpus, int argc,
			  char *const argv[], const char *initrd_path) __must_check;
/* The bootstrap vCPU at the 64-bit entry: long mode, CS 0x10, DS 0x18, RSI = the zero page. */
void linux_vcpu_state(uint64_t entry, struct kvm_regs *regs, struct kvm_sregs *sregs);

#endif
