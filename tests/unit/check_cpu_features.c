/* Unit tests for --cpu's named CPUID features and the MCE banks (machine/cpu_features.c). */
#include <stdlib.h>

#include "machine/cpu_features.h"
#include "test_util.h"

static struct kvm_cpuid2 *cpuid;

/* What a KVM might support: leaf 1 with x2APIC, MCE and MCA; no leaf 7; invariant TSC. */
static void setup(void)
{
	test_log_capture();
	cpuid = calloc(1, sizeof(*cpuid) + 4 * sizeof(cpuid->entries[0]));
	cpuid->nent = 2;
	cpuid->entries[0] = (struct kvm_cpuid_entry2){ .function = 1,
						       .ecx = 1u << 21,
						       .edx = (1u << 7) | (1u << 14) };
	cpuid->entries[1] = (struct kvm_cpuid_entry2){ .function = 0x80000007, .edx = 1u << 8 };
}

static void teardown(void)
{
	free(cpuid);
	test_log_release();
}

START_TEST(test_remove_and_add)
{
	struct cpu_features f;

	ck_assert_int_eq(cpu_features_parse("-x2apic,+invtsc", &f), 0);
	ck_assert_uint_eq(f.nr, 2);
	ck_assert_int_eq(cpu_features_apply(&f, cpuid), 0);
	ck_assert(!cpu_feature_has(cpuid, "x2apic"));
	ck_assert(cpu_feature_has(cpuid, "invtsc"));
	ck_assert(cpu_features_adds(&f, "invtsc"));
	ck_assert(!cpu_features_adds(&f, "x2apic"));
	/* A removal of something absent is fine; an empty list changes nothing. */
	ck_assert_int_eq(cpu_features_parse("-la57", &f), 0);
	ck_assert_int_eq(cpu_features_apply(&f, cpuid), 0);
	ck_assert_int_eq(cpu_features_parse("", &f), 0);
	ck_assert_uint_eq(f.nr, 0);
}
END_TEST

START_TEST(test_unknown_and_unsupported_refused)
{
	struct cpu_features f;

	ck_assert_int_eq(cpu_features_parse("+x2apic,-warp9", &f), -EINVAL);
	ck_assert_logged("--cpu '+x2apic,-warp9': unknown feature '-warp9' (known: mce apic");
	ck_assert_int_eq(cpu_features_parse("+la57", &f), 0);
	ck_assert_int_eq(cpu_features_apply(&f, cpuid), -EINVAL);
	ck_assert_logged(
		"--cpu +la57: KVM on this host does not support it (CPUID 0x7.0 ECX bit 16)");
	ck_assert_int_eq(cpu_features_parse("rdtscp", &f), 0); /* a bare name adds */
	ck_assert_int_eq(cpu_features_apply(&f, cpuid), -EINVAL);
	ck_assert_logged("--cpu +rdtscp");
}
END_TEST

START_TEST(test_mce_banks_as_qemu)
{
	/* KVM offers 32 banks with MCG_CTL_P and MCG_SER_P: QEMU's 10, the same flags. */
	ck_assert_uint_eq(cpu_mce_cap((1ull << 24) | (1ull << 8) | 32, cpuid),
			  (1ull << 24) | (1ull << 8) | 10);
	ck_assert_uint_eq(cpu_mce_cap(6, cpuid), 6);
	ck_assert_uint_eq(cpu_mce_cap(0, cpuid), 0);
	cpuid->entries[0].edx = 0; /* no MCE/MCA in CPUID: no banks */
	ck_assert_uint_eq(cpu_mce_cap(32, cpuid), 0);
}
END_TEST

TEST_SUITE("cpu_features",
	   { .name = "cpu_features",
	     .setup = setup,
	     .teardown = teardown,
	     .tests = TESTS(test_remove_and_add, test_unknown_and_unsupported_refused,
			    test_mce_banks_as_qemu) })
