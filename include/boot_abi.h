/* Entry ABI: the machine state and boot information a 64-bit guest starts with. */
#ifndef PVCLOCK_VMM_BOOT_ABI_H
#define PVCLOCK_VMM_BOOT_ABI_H

#include "memmap.h"
#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/*
 * A 64-bit ELF guest starts at its ELF entry point with:
 *   - long mode, paging on, CR3 = MEMMAP_PML4; 0..4 GiB identity-mapped with 2 MiB pages,
 *     present, writable and user-accessible (so a guest may drop to ring 3);
 *   - CS = BOOT_SEL_KERNEL_CS (64-bit, DPL 0), DS/ES/SS/FS/GS = BOOT_SEL_KERNEL_DS; the GDT also
 *     holds ring-3 selectors BOOT_SEL_USER_DS and BOOT_SEL_USER_CS and a 64-bit TSS;
 *   - no IDT (limit 0): an exception before the guest installs one is a triple fault;
 *   - RFLAGS = 0x2 (interrupts off), RSP = top of this vCPU's stack in MEMMAP_STACKS,
 *     RDI = MEMMAP_BOOT_INFO (struct boot_info), RSI = the vCPU index, all else zero.
 */
#define BOOT_SEL_KERNEL_CS	0x10
#define BOOT_SEL_KERNEL_DS	0x18
#define BOOT_SEL_USER_DS	0x2b	/* index 5, RPL 3 */
#define BOOT_SEL_USER_CS	0x33	/* index 6, RPL 3 */
#define BOOT_SEL_TSS		0x40	/* index 8, 16-byte system descriptor */
#define BOOT_GDT_ENTRIES	10

#ifndef __ASSEMBLER__
#define BOOT_INFO_MAGIC		0x544f4f42u	/* "BOOT" */
#define BOOT_INFO_VERSION	1u
#define BOOT_MAX_ARGS		32
#define BOOT_ARGS_SIZE		4096

/*
 * Arguments are NUL-terminated strings in args[]; argv[i] is the GPA of argument i, and
 * argv[argc] is 0, so at most BOOT_MAX_ARGS - 1 arguments fit.
 */
struct boot_info {
	uint32_t magic;
	uint32_t version;
	uint64_t mem_size;	/* bytes of RAM from GPA 0 */
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
