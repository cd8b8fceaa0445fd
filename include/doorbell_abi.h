/* The doorbell: the page of MMIO registers through which a guest reaches the host. */
#ifndef PVCLOCK_VMM_DOORBELL_ABI_H
#define PVCLOCK_VMM_DOORBELL_ABI_H

#include "memmap.h"

/*
 * Every register takes one 64-bit store (MOV to MEMMAP_DOORBELL + offset), which exits to the
 * host at any privilege level on every x86 KVM host: port I/O from ring 3 needs IOPL 3, which
 * some hosts never give (README, "KVM hosts"). Anything else on the page is a guest error that
 * ends the run naming it: a load, a store of another size, an offset with no register.
 */
#define DOORBELL_REPORT	    0x00 /* the GPA of a struct guest_report (report_abi.h) */
#define DOORBELL_PROBE	    0x08 /* the GPA of a struct clock_probe (probe_abi.h) */
#define DOORBELL_NULL	    0x10 /* any value: one exit and nothing else */
#define DOORBELL_NR_REGS    3
#define DOORBELL_STORE_SIZE 8
#define DOORBELL_PAGE_SIZE  0x1000

#endif
