/* Entry ABI: the machine state and boot information a 64-bit guest starts with. */
#ifndef PVCLOCK_VMM_BOOT_ABI_H
#define PVCLOCK_VMM_BOOT_ABI_H

#include "memmap.h"
#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/*
 * A 64-bit ELF guest starts at its ELF entry point with:
 *   - long mode, paging on, CR3 = MEMMAP_PML4; 0..4 GiB identity-mapped (2 MiB pages, 4 KiB
 *     in the first 2 MiB), present, writable and user-accessible (so a guest may drop to
 *     ring 3), except the guard page below each stack (memmap.h), which is not present;
 *   - CS = BOOT_SEL_KERNEL_CS (64-bit, DPL 0), DS/ES/SS/FS/GS = BOOT_SEL_KERNEL_DS; the GDT also
 *     holds ring-3 selectors BOOT_SEL_USER_DS and BOOT_SEL_USER_CS;
 *   - TR = BOOT_SEL_TSS(index): this vCPU's own 64-bit TSS, with RSP0 = the top of its ring-0
 *     stack (an interrupt or exception from ring 3 lands there) and IST1 = the top of its IST
 *     stack (for gates whose IST field is 1: #DF, NMI, #MC); no I/O permission bitmap, so port
 *     I/O from ring 3 needs IOPL 3, which some KVM hosts never give (use the doorbell);
 *   - no IDT (limit 0): an exception before the guest installs one is a triple fault;
 *   - RFLAGS = 0x2 (interrupts off), RSP = MEMMAP_VCPU_STACKS(index) + MEMMAP_BOOT_STACK_TOP,
 *     RDI = MEMMAP_BOOT_INFO (struct boot_info), RSI = the vCPU index, all else zero.
 */
#define BOOT_SEL_KERNEL_CS  0x10
#define BOOT_SEL_KERNEL_DS  0x18
#define BOOT_SEL_USER_DS    0x2b		  /* index 5, RPL 3 */
#define BOOT_SEL_USER_CS    0x33		  /* index 6, RPL 3 */
#define BOOT_SEL_TSS(index) (0x40 + 16 * (index)) /* 16-byte system descriptors */
#define BOOT_GDT_ENTRIES    (8 + 2 * MEMMAP_MAX_VCPUS)
#define BOOT_TSS_IST_DF	    1 /* the IST slot of #DF, NMI and #MC */

#ifndef __ASSEMBLER__
#define BOOT_INFO_MAGIC	  0x544f4f42u /* "BOOT" */
#define BOOT_INFO_VERSION 1u
#define BOOT_MAX_ARGS	  32
#define BOOT_ARGS_SIZE	  4096

/*
 * Arguments are NUL-terminated strings in args[]; argv[i] is the GPA of argument i, and
 * argv[argc] is 0, so at most BOOT_MAX_ARGS - 1 arguments fit.
 */
struct boot_info {
	uint32_t magic;
	uint32_t version;
	uint64_t mem_size; /* bytes of RAM from GPA 0 */
	uint32_t nr_vcpus;
	uint32_t argc;
	uint64_t argv[BOOT_MAX_ARGS];
	char args[BOOT_ARGS_SIZE];
};

_Static_assert(sizeof(struct boot_info) <= MEMMAP_BOOT_INFO_SIZE, "boot_info overflows its page");
_Static_assert(sizeof(struct boot_info) == 24 + 8 * BOOT_MAX_ARGS + BOOT_ARGS_SIZE,
	       "boot_info must have no padding");

#endif /* __ASSEMBLER__ */

#endif
