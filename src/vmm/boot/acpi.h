/*
 * Minimal ACPI for the PC machine, as firmware would leave it: an RSDP where guests scan for it
 * (0xf0000-0xfffff), an RSDT and an XSDT, a FADT naming the PM timer and the PM1a event and
 * control blocks (dev/acpi_pm.c), a FACS, a DSDT with only \_S5 (so the OS can power off) and a
 * MADT: one local APIC per vCPU, the IOAPIC, and ISA IRQ 0 on GSI 2 (the PC's override, as in
 * the MP table: see mptable.h). Every table is checksummed.
 */
#ifndef VMM_ACPI_H
#define VMM_ACPI_H

#include <stdint.h>

#include "core/compiler.h"
#include "core/guest_mem.h"
#include "ports.h"

#define ACPI_BASE    0xf8000u /* RSDP, then the tables; beside the MP table at 0xf0000 */
#define ACPI_END     0x100000u
#define ACPI_SCI_IRQ 9

/* Write the tables for @nr_vcpus CPUs into low RAM; 0 or -EINVAL (no room). */
int acpi_write_tables(struct guest_mem *mem, unsigned int nr_vcpus) __must_check;

#endif
