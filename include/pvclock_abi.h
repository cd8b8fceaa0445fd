/* kvmclock ABI: MSRs, CPUID leaves, the shared structs and the guest's scaling arithmetic. */
#ifndef PVCLOCK_VMM_PVCLOCK_ABI_H
#define PVCLOCK_VMM_PVCLOCK_ABI_H

#include <stddef.h>
#include <stdint.h>

#define MSR_KVM_WALL_CLOCK	0x11
#define MSR_KVM_SYSTEM_TIME	0x12
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define MSR_IA32_TSC		0x10
#define MSR_IA32_TSC_ADJUST	0x3b

#define KVM_SYSTEM_TIME_ENABLE 1ull /* bit 0 of the system-time MSR value */

#define CPUID_KVM_SIGNATURE		   0x40000000u /* EBX ECX EDX = "KVMKVMKVM\0\0\0" */
#define CPUID_KVM_FEATURES		   0x40000001u
#define KVM_FEATURE_CLOCKSOURCE		   0
#define KVM_FEATURE_CLOCKSOURCE2	   3
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT 24

#define PVCLOCK_TSC_STABLE_BIT (1u << 0)
#define PVCLOCK_GUEST_STOPPED  (1u << 1)

struct pvclock_vcpu_time_info {
	uint32_t version; /* odd while the host is writing */
	uint32_t pad0;
	uint64_t tsc_timestamp;	    /* guest TSC when system_time was taken */
	uint64_t system_time;	    /* ns */
	uint32_t tsc_to_system_mul; /* ns per tick as a 0.32 fixed-point fraction ... */
	int8_t tsc_shift;	    /* ... of the delta shifted by this (right if negative) */
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed));

struct pvclock_wall_clock {
	uint32_t version;
	uint32_t sec; /* UTC wall time at which system_time was 0 */
	uint32_t nsec;
} __attribute__((packed));

_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "pvclock_vcpu_time_info is 32 bytes");
_Static_assert(offsetof(struct pvclock_vcpu_time_info, tsc_timestamp) == 8, "ABI offset");
_Static_assert(offsetof(struct pvclock_vcpu_time_info, system_time) == 16, "ABI offset");
_Static_assert(offsetof(struct pvclock_vcpu_time_info, tsc_to_system_mul) == 24, "ABI offset");
_Static_assert(offsetof(struct pvclock_vcpu_time_info, tsc_shift) == 28, "ABI offset");
_Static_assert(offsetof(struct pvclock_vcpu_time_info, flags) == 29, "ABI offset");
_Static_assert(sizeof(struct pvclock_wall_clock) == 12, "pvclock_wall_clock is 12 bytes");

/* ns for @delta TSC ticks: shift, multiply, keep bits 32..95 of the product (both sides use it). */
static inline uint64_t pvclock_scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

#endif
