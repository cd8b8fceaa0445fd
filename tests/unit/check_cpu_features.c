/* Unit tests for --cpu's named CPUID features and the MCE banks (machine/cpu_features.c). */
#include <stdlib.h>
#include <string.h>

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

/* What a PVM host did to KVM_SET_CPUID2: leaf 7 replaced by its own, with SMAP and SMEP. */
START_TEST(test_rewrites_reported)
{
	struct kvm_cpuid2 *got = calloc(1, sizeof(*got) + 4 * sizeof(got->entries[0]));

	memcpy(got, cpuid, sizeof(*cpuid) + 2 * sizeof(cpuid->entries[0]));
	ck_assert_uint_eq(cpu_features_report_rewrites(cpuid, got), 0);
	ck_assert_str_eq(test_logged(), "");

	cpuid->entries[cpuid->nent++] = (struct kvm_cpuid_entry2){ .function = 7, .ebx = 1u << 24 };
	got->entries[got->nent++] =
		(struct kvm_cpuid_entry2){ .function = 7,
					   .ebx = (1u << 20) | (1u << 7) | (1u << 24) };
	got->entries[0].ecx &= ~(1u << 21); /* x2APIC set, dropped */
	ck_assert_uint_eq(cpu_features_report_rewrites(cpuid, got), 3);
	ck_assert_logged("CPUID 'smap' (0x7.0 EBX bit 20): set 0, the host holds 1");
	ck_assert_logged("CPUID 'smep' (0x7.0 EBX bit 7): set 0, the host holds 1");
	ck_assert_logged("CPUID 'x2apic' (0x1.0 ECX bit 21): set 1, the host holds 0");
	free(got);
}
END_TEST

TEST_SUITE("cpu_features",
	   { .name = "cpu_features",
	     .setup = setup,
	     .teardown = teardown,
	     .tests = TESTS(test_remove_and_add, test_unknown_and_unsupported_refused,
			    test_mce_banks_as_qemu, test_rewrites_reported) })
