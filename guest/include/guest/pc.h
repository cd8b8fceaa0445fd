/*
 * Guest SDK for multiboot images on a PC (pvclock-vmm's PC machine, or QEMU -kernel):
 * 32-bit multiboot entry switched to long mode, text on the 16550 UART, exit through
 * isa-debug-exit, fw_cfg, and application processors started by INIT/SIPI.
 *
 * The usual guest.h API works on top: main(argc, argv) gets the multiboot command line split
 * at spaces (argv[0] is the image name); GUEST_PRINT writes to the UART; a failed
 * GUEST_ASSERT prints "FAIL: ..." and exits with code 1; main's return value v leaves through
 * isa-debug-exit, so the VMM's (or QEMU's) exit status is (v << 1) | 1.
 */
#ifndef GUEST_PC_H
#define GUEST_PC_H

#define PC_MAX_CPUS	   64	  /* CPUs the runtime starts (start.S has a stack for each) */
#define PC_TRAMPOLINE_ADDR 0x8000 /* the APs' real-mode start page (SIPI vector 0x08) */
#define PC_LAPIC_BASE	   0xfee00000u
#define PC_EXIT_SKIP	   77 /* exit code of a test that cannot run here */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

#include "fw_cfg_abi.h"
#include "multiboot_abi.h"

/* The multiboot information the loader gave (valid until the guest overwrites it). */
const struct multiboot_info *pc_multiboot_info(void);

/* fw_cfg: true if the interface answers with its signature; read an item's first @len bytes. */
bool pc_fw_cfg_present(void);
uint64_t pc_fw_cfg_read(uint16_t key, unsigned int len);
/* vCPUs present, from fw_cfg (1 where fw_cfg is absent), at most PC_MAX_CPUS. */
unsigned int pc_nr_cpus(void);

/* This CPU's local APIC ID. */
unsigned int pc_apic_id(void);

/*
 * Start the other @nr - 1 CPUs with INIT and SIPI (broadcast to all but self) and wait until
 * each has entered long mode and called guest_ap_main(its APIC ID). Returns how many started.
 */
unsigned int pc_start_aps(unsigned int nr);

#endif /* __ASSEMBLER__ */
#endif
