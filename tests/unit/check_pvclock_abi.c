/* Unit test: include/pvclock_abi.h against the kernel's <asm/kvm_para.h> and the documented ABI. */
#include "pvclock_abi.h"
#include "test_util.h"

extern const uint32_t kernel_msr_wall_clock, kernel_msr_system_time, kernel_msr_wall_clock_new,
	kernel_msr_system_time_new, kernel_cpuid_signature, kernel_cpuid_features,
	kernel_feature_clocksource, kernel_feature_clocksource2, kernel_feature_stable_bit;

START_TEST(test_msrs_match_kernel)
{
	ck_assert_uint_eq(MSR_KVM_WALL_CLOCK, kernel_msr_wall_clock);
	ck_assert_uint_eq(MSR_KVM_SYSTEM_TIME, kernel_msr_system_time);
	ck_assert_uint_eq(MSR_KVM_WALL_CLOCK_NEW, kernel_msr_wall_clock_new);
	ck_assert_uint_eq(MSR_KVM_SYSTEM_TIME_NEW, kernel_msr_system_time_new);
}
END_TEST

START_TEST(test_cpuid_matches_kernel)
{
	ck_assert_uint_eq(CPUID_KVM_SIGNATURE, kernel_cpuid_signature);
	ck_assert_uint_eq(CPUID_KVM_FEATURES, kernel_cpuid_features);
	ck_assert_uint_eq(KVM_FEATURE_CLOCKSOURCE, kernel_feature_clocksource);
	ck_assert_uint_eq(KVM_FEATURE_CLOCKSOURCE2, kernel_feature_clocksource2);
	ck_assert_uint_eq(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT, kernel_feature_stable_bit);
}
END_TEST

START_TEST(test_struct_layout)
{
	ck_assert_uint_eq(sizeof(struct pvclock_vcpu_time_info), 32);
	ck_assert_uint_eq(offsetof(struct pvclock_vcpu_time_info, version), 0);
	ck_assert_uint_eq(offsetof(struct pvclock_vcpu_time_info, tsc_timestamp), 8);
	ck_assert_uint_eq(offsetof(struct pvclock_vcpu_time_info, system_time), 16);
	ck_assert_uint_eq(offsetof(struct pvclock_vcpu_time_info, tsc_to_system_mul), 24);
	ck_assert_uint_eq(offsetof(struct pvclock_vcpu_time_info, tsc_shift), 28);
	ck_assert_uint_eq(offsetof(struct pvclock_vcpu_time_info, flags), 29);
	ck_assert_uint_eq(sizeof(struct pvclock_wall_clock), 12);
	ck_assert_uint_eq(offsetof(struct pvclock_wall_clock, sec), 4);
	ck_assert_uint_eq(offsetof(struct pvclock_wall_clock, nsec), 8);
	ck_assert_uint_eq(PVCLOCK_TSC_STABLE_BIT, 1);
	ck_assert_uint_eq(PVCLOCK_GUEST_STOPPED, 2);
}
END_TEST

START_TEST(test_scale_delta_shifts)
{
	ck_assert_uint_eq(pvclock_scale_delta(1000, 1u << 31, 1), 1000);
	ck_assert_uint_eq(pvclock_scale_delta(1000, 1u << 31, -1), 250);
	ck_assert_uint_eq(pvclock_scale_delta(UINT64_MAX >> 8, 0xffffffffu, 0),
			  (uint64_t)(((unsigned __int128)(UINT64_MAX >> 8) * 0xffffffffu) >> 32));
}
END_TEST

TEST_SUITE("abi", { .name = "core",
		    .tests = TESTS(test_msrs_match_kernel, test_cpuid_matches_kernel,
				   test_struct_layout, test_scale_delta_shifts) })
