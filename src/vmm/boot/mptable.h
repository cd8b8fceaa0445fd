/*
 * The Intel MultiProcessor Specification 1.4 tables a PC guest without ACPI reads to find its
 * CPUs and interrupt routing: the floating pointer and one configuration table, in the BIOS
 * area. Used for Linux guests on the PC machine.
 */
#ifndef VMM_MPTABLE_H
#define VMM_MPTABLE_H

#include <stdint.h>

#include "core/compiler.h"
#include "core/guest_mem.h"

#define MPTABLE_BASE	    0xf0000u /* the floating pointer; the table right after it */
#define MPTABLE_IOAPIC_ADDR 0xfec00000u
#define MPTABLE_LAPIC_ADDR  0xfee00000u

/*
 * Write the tables for @nr_vcpus CPUs (APIC IDs 0..n-1, CPU 0 the bootstrap one), one ISA
 * bus, the IOAPIC (ID @nr_vcpus) with ISA IRQ n on its pin n but IRQ 0 on pin 2 (the PC's
 * IRQ 0 override, as firmware describes it and as vm_create_irqchip routes the PIT), ExtINT on
 * LINT0 and NMI on LINT1.
 * @cpu_signature, @cpu_features: CPUID 1's EAX and EDX.
 */
int mptable_write(struct guest_mem *mem, unsigned int nr_vcpus, uint32_t cpu_signature,
		  uint32_t cpu_features) __must_check;

#endif
