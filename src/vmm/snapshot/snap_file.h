/*
 * The snapshot file format, version 1: a header, then sections, each with its own CRC32C.
 *
 *   header   "PVCLKSNP", u32 version, u32 section count, u64 file size, u32 0, u32 CRC32C of
 *            the 28 bytes before it (32 bytes in all)
 *   section  u32 type, u32 index (vCPU or chip), u64 payload size, u32 CRC32C of those 16
 *            bytes and the payload, u32 0, then the payload, padded with zeros to 8 bytes
 *
 * All little-endian (x86 only). Payloads are KVM's own structs where KVM defines one (their
 * layout is the kernel ABI), else the structs below. A reader checks everything (magic,
 * version, sizes, every CRC, sections that must be there exactly once) before a byte of it
 * is used, and names the defect.
 */
#ifndef VMM_SNAP_FILE_H
#define VMM_SNAP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/compiler.h"

#define SNAP_MAGIC   "PVCLKSNP"
#define SNAP_VERSION 1u

enum snap_type {
	SNAP_MACHINE = 1, /* struct snap_machine */
	SNAP_RAM,	  /* guest RAM from GPA 0 */
	SNAP_CLOCK,	  /* struct snap_clock */
	SNAP_DEVICES,	  /* struct snap_devices */
	SNAP_CONSOLE,	  /* a vCPU's unfinished console line (index: vCPU) */
	SNAP_IRQCHIP,	  /* struct kvm_irqchip (index: chip) */
	SNAP_PIT,	  /* struct kvm_pit_state2 */
	SNAP_VCPU_REGS,	  /* the rest: index is the vCPU; KVM's structs */
	SNAP_VCPU_SREGS,
	SNAP_VCPU_XSAVE,
	SNAP_VCPU_XCRS,
	SNAP_VCPU_MSRS, /* struct kvm_msr_entry[] */
	SNAP_VCPU_EVENTS,
	SNAP_VCPU_MP_STATE,
	SNAP_VCPU_LAPIC,
	SNAP_VCPU_DEBUGREGS,
	SNAP_VCPU_KVMCLOCK, /* struct kvmclock_saved_vcpu */
	SNAP_TESTDEV_MEM,   /* pc-testdev's read-back window */
	SNAP_UART_LINE,	    /* the 16550's unfinished output line (any vCPU's bytes) */
	SNAP_NR_TYPES
};

struct snap_header {
	char magic[8];
	uint32_t version;
	uint32_t nr_sections;
	uint64_t file_size;
	uint32_t reserved;
	uint32_t crc;
};

struct snap_section_header {
	uint32_t type;
	uint32_t index;
	uint64_t size;
	uint32_t crc;
	uint32_t reserved;
};

/* What the VM was: enough to build the same machine again. */
struct snap_machine {
	uint32_t image_kind; /* enum image_kind */
	uint32_t nr_vcpus;
	uint64_t mem_size;
	uint64_t vmm_end; /* the VMM's own structures in low RAM (native images) */
	uint64_t tsc_hz;  /* the TSC the snapshot's guest ran on (for the log) */
	char policy[48];  /* --policy, as given */
	uint8_t wall_mode;
	uint8_t hide_invariant_tsc;
	uint8_t ignore_unclaimed_ports;
	uint8_t reserved[5];
	char cpu[96]; /* --cpu, as given */
};

/* The guest clock at the snapshot: its time, CLOCK_REALTIME then, the wall-clock MSR. */
struct snap_clock {
	uint64_t guest_ns;
	uint64_t timeline_ns; /* the host's guest timeline (differs from it for kernel) */
	uint64_t real_ns;
	uint64_t wall_msr;
	uint32_t wall_version;
	uint32_t reserved;
};

struct snap_devices {
	uint8_t uart_ier, uart_lcr, uart_mcr, uart_scr, uart_dll, uart_dlm, uart_fcr;
	uint8_t uart_thre_pending;
	char uart_tail[32];
	uint32_t fw_cfg_item; /* index of the selected item + 1; 0: none */
	uint32_t fw_cfg_offset;
	uint64_t report_syncs;
	uint64_t report_last_sync;
	uint32_t pci_address;
	uint16_t pci_command;
	uint16_t pm1_enable;
	uint16_t pm1_control;
	uint16_t reserved;
	uint32_t testdev_reg; /* its 64 KiB window: SNAP_TESTDEV_MEM */
};

const char *snap_type_name(uint32_t type);
uint32_t snap_crc32c(uint32_t crc, const void *data, size_t len);
/* The portable CRC32C, for the unit test that the fast one agrees. */
uint32_t snap_crc32c_table(uint32_t crc, const void *data, size_t len);

struct snap_writer {
	FILE *f;
	uint32_t nr_sections;
	uint64_t size;
	int err;
};

/* Write to @f: a header now (finished by snap_writer_finish), then sections. */
void snap_writer_begin(struct snap_writer *w, FILE *f);
void snap_write(struct snap_writer *w, uint32_t type, uint32_t index, const void *data,
		uint64_t size);
/* Rewrite the header with the count and size: 0, or -errno of the first failed write. */
int snap_writer_finish(struct snap_writer *w) __must_check;

struct snap_section {
	uint32_t type, index;
	const void *data;
	uint64_t size;
};

struct snap_file {
	const char *name;
	void *map;
	size_t map_size;
	unsigned int nr;
	struct snap_section *sections;
};

/* Check a whole snapshot in memory (@name for messages): 0, or -EINVAL after naming the defect. */
int snap_parse(struct snap_file *f, const void *buf, size_t size, const char *name) __must_check;
/* mmap and check the file at @path. */
int snap_open(struct snap_file *f, const char *path) __must_check;
void snap_close(struct snap_file *f);
/* The section of @type and @index, or NULL. */
const struct snap_section *snap_find(const struct snap_file *f, uint32_t type, uint32_t index);
/* Copy a section of exactly @size bytes into @out: -EINVAL if missing or of another size. */
int snap_get(const struct snap_file *f, uint32_t type, uint32_t index, void *out,
	     size_t size) __must_check;

#endif
