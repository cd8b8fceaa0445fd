/* fw_cfg items (QEMU's firmware configuration interface) that pvclock-vmm provides. */
#ifndef PVCLOCK_VMM_FW_CFG_ABI_H
#define PVCLOCK_VMM_FW_CFG_ABI_H

/* Integers are little-endian unless said otherwise. */
#define FW_CFG_SIGNATURE       0x0000	   /* 4 bytes "QEMU" */
#define FW_CFG_ID	       0x0001	   /* u32: bit 0, the traditional I/O interface (no DMA) */
#define FW_CFG_RAM_SIZE	       0x0003	   /* u64: bytes of guest RAM */
#define FW_CFG_NOGRAPHIC       0x0004	   /* u16: 1, no display */
#define FW_CFG_NB_CPUS	       0x0005	   /* u16: vCPUs present */
#define FW_CFG_MAX_CPUS	       0x000f	   /* u16: vCPUs possible */
#define FW_CFG_FILE_DIR	       0x0019	   /* big-endian u32 count of files, then entries: none */
#define FW_CFG_SIGNATURE_VALUE 0x554d4551u /* "QEMU" read as a little-endian u32 */

#endif
