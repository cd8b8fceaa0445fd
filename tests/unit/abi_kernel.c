/* The kernel's own kvmclock constants, compiled apart from ours so the test can compare them. */
#include <stdint.h>
#include <asm/kvm_para.h>

const uint32_t kernel_msr_wall_clock = MSR_KVM_WALL_CLOCK;
const uint32_t kernel_msr_system_time = MSR_KVM_SYSTEM_TIME;
const uint32_t kernel_msr_wall_clock_new = MSR_KVM_WALL_CLOCK_NEW;
const uint32_t kernel_msr_system_time_new = MSR_KVM_SYSTEM_TIME_NEW;
const uint32_t kernel_cpuid_signature = KVM_CPUID_SIGNATURE;
const uint32_t kernel_cpuid_features = KVM_CPUID_FEATURES;
const uint32_t kernel_feature_clocksource = KVM_FEATURE_CLOCKSOURCE;
const uint32_t kernel_feature_clocksource2 = KVM_FEATURE_CLOCKSOURCE2;
const uint32_t kernel_feature_stable_bit = KVM_FEATURE_CLOCKSOURCE_STABLE_BIT;
