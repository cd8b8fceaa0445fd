/* Guest-physical memory map shared by the VMM and the bundled guests. */
#ifndef PVCLOCK_VMM_MEMMAP_H
#define PVCLOCK_VMM_MEMMAP_H

/* The guest linker script includes this file too; it cannot take C integer suffixes. */
#ifdef MEMMAP_LINKER_SCRIPT
#define MEMMAP_C(x, suffix) x
#else
#define MEMMAP_C(x, suffix) x##suffix
#endif

/*
 * Native (ELF64) guests: everything below GUEST_IMAGE_MIN belongs to the VMM: it builds these
 * structures before the first KVM_RUN, and refuses to load an image or to publish a clock into
 * them. A multiboot guest runs on a PC machine instead: only its boot information lies below
 * PC_HIGH_MEM, it loads from there up, and from its entry on all RAM is its own.
 *
 *   0x00000000 - 0x00000fff  unused (left zero; a NULL dereference reads zeros)
 *   0x00001000 - 0x00001fff  GDT: flat segments and one 64-bit TSS descriptor per vCPU
 *   0x00002000 - 0x00003fff  boot information + argument strings (MEMMAP_BOOT_INFO)
 *   0x00004000 - 0x00005fff  one 64-bit TSS per vCPU, MEMMAP_TSS_STRIDE apart (MEMMAP_TSS)
 *   0x00010000 - 0x00017fff  page tables: PML4, PDPT, 4 page directories (2 MiB pages), and
 *                            two 4 KiB page tables for the first 4 MiB (for the guard pages)
 *   0x00100000 - 0x003fffff  per-vCPU stacks, MEMMAP_VCPU_STACKS_SIZE each (see below), room
 *                            for MEMMAP_MAX_VCPUS (64)
 *   0x00400000 - mem end     guest image (ELF PT_LOAD segments) and free RAM
 *   0xc0000000 - 0xffffffff  never RAM: reserved for MMIO (APIC, IOAPIC, devices)
 *   0xfe000000 - 0xfe000fff  the doorbell page (doorbell_abi.h)
 *   0xfe001000 - 0xfe001fff  the host-clock page (host_clock_abi.h)
 *
 * Each vCPU's stacks, from MEMMAP_VCPU_STACKS(id). Every stack sits above an unmapped guard
 * page (at offset 0 and at each stack top but the last), so overflowing one faults instead of
 * writing into the next:
 *   +0x0000 guard | +0x1000 - 0x4fff boot stack: RSP at entry, then the guest's (16 KiB)
 *   +0x5000 guard | +0x6000 - 0x7fff ring-0 stack for interrupts from ring 3: TSS.RSP0
 *   +0x8000 guard | +0x9000 - 0xbfff IST stack for #DF, NMI and #MC: TSS.IST1
 */
#define MEMMAP_GDT		MEMMAP_C(0x1000, u)
#define MEMMAP_BOOT_INFO	MEMMAP_C(0x2000, u)
#define MEMMAP_BOOT_INFO_SIZE	MEMMAP_C(0x2000, u)
#define MEMMAP_TSS		MEMMAP_C(0x4000, u)
#define MEMMAP_TSS_STRIDE	MEMMAP_C(0x80, u)
#define MEMMAP_TSS_END		MEMMAP_C(0x6000, u)
#define MEMMAP_PML4		MEMMAP_C(0x10000, u)
#define MEMMAP_PDPT		MEMMAP_C(0x11000, u)
#define MEMMAP_PD		MEMMAP_C(0x12000, u) /* 4 consecutive pages, one per GiB */
#define MEMMAP_PT		MEMMAP_C(0x16000, u) /* 4 KiB pages of GPA 0 - 4 MiB: 2 tables */
#define MEMMAP_NR_PT		2
#define MEMMAP_PAGE_TABLES_END	MEMMAP_C(0x18000, u)
#define MEMMAP_STACKS		MEMMAP_C(0x100000, u)
#define MEMMAP_STACKS_END	MEMMAP_C(0x400000, u)
#define MEMMAP_VCPU_STACKS_SIZE MEMMAP_C(0xc000, u)
#define MEMMAP_VCPU_STACKS(id)	(MEMMAP_STACKS + (id)*MEMMAP_VCPU_STACKS_SIZE)
#define MEMMAP_BOOT_STACK_TOP	MEMMAP_C(0x5000, u) /* offsets in a vCPU's stacks */
#define MEMMAP_RING0_STACK_TOP	MEMMAP_C(0x8000, u)
#define MEMMAP_IST_STACK_TOP	MEMMAP_C(0xc000, u)
#define MEMMAP_MAX_VCPUS	((MEMMAP_STACKS_END - MEMMAP_STACKS) / MEMMAP_VCPU_STACKS_SIZE)
#define MEMMAP_DOORBELL		MEMMAP_C(0xfe000000, ull)
#define MEMMAP_HOST_CLOCK	MEMMAP_C(0xfe001000, ull)

#define GUEST_IMAGE_MIN	       MEMMAP_C(0x400000, u)	 /* lowest address an image may load at */
#define GUEST_MEM_MIN	       MEMMAP_C(0x800000, u)	 /* smallest RAM size accepted (8 MiB) */
#define PC_HIGH_MEM	       MEMMAP_C(0x100000, u)	 /* PC machine: RAM above the BIOS area */
#define PC_BIOS_AREA	       MEMMAP_C(0xf0000, u)	 /* PC machine: ACPI and MP tables */
#define PC_BIOS_STUBS	       MEMMAP_C(0xf7f00, u)	 /* PC, bios_state: the IVT's handlers */
#define GUEST_MEM_DEFAULT      MEMMAP_C(0x4000000, u)	 /* 64 MiB */
#define GUEST_MEM_MAX	       MEMMAP_C(0xc0000000, ull) /* RAM ends below the MMIO window */
#define GUEST_MMIO_BASE	       MEMMAP_C(0xc0000000, ull)
#define GUEST_IDENTITY_MAP_END MEMMAP_C(0x100000000, ull) /* the page tables map 0..4 GiB */
#define GUEST_PAGE_SIZE	       MEMMAP_C(0x1000, u)

#endif
