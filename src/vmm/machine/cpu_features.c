/* Named CPUID features and the machine-check banks (cpu_features.h). */
#include "machine/cpu_features.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/compiler.h"
#include "core/log.h"

enum { EAX, EBX, ECX, EDX };

/* QEMU's names for the bits a test guest or a Linux guest cares about. */
static const struct cpu_feature features[] = {
	{ "mce", 1, 0, EDX, 7 },
	{ "apic", 1, 0, EDX, 9 },
	{ "mca", 1, 0, EDX, 14 },
	{ "vmx", 1, 0, ECX, 5 },
	{ "pcid", 1, 0, ECX, 17 },
	{ "x2apic", 1, 0, ECX, 21 },
	{ "tsc-deadline", 1, 0, ECX, 24 },
	{ "xsave", 1, 0, ECX, 26 },
	{ "avx", 1, 0, ECX, 28 },
	{ "rdrand", 1, 0, ECX, 30 },
	{ "hypervisor", 1, 0, ECX, 31 },
	{ "smep", 7, 0, EBX, 7 },
	{ "invpcid", 7, 0, EBX, 10 },
	{ "avx2", 7, 0, EBX, 5 },
	{ "smap", 7, 0, EBX, 20 },
	{ "umip", 7, 0, ECX, 2 },
	{ "pku", 7, 0, ECX, 3 },
	{ "la57", 7, 0, ECX, 16 },
	{ "lam", 7, 1, EAX, 26 },
	{ "svm", 0x80000001, 0, ECX, 2 },
	{ "skinit", 0x80000001, 0, ECX, 12 },
	{ "pdpe1gb", 0x80000001, 0, EDX, 26 },
	{ "rdtscp", 0x80000001, 0, EDX, 27 },
	{ "invtsc", 0x80000007, 0, EDX, 8 },
	{ "npt", 0x8000000a, 0, EDX, 0 },
};

static const struct cpu_feature *cpu_feature_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(features); i++)
		if (strlen(features[i].name) == len && !strncmp(features[i].name, name, len))
			return &features[i];
	return NULL;
}

static void cpu_feature_names(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(features) && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "",
					 features[i].name);
}

int cpu_features_parse(const char *spec, struct cpu_features *out)
{
	char names[512];

	memset(out, 0, sizeof(*out));
	if (!spec)
		return 0;
	if (snprintf(out->spec, sizeof(out->spec), "%s", spec) >= (int)sizeof(out->spec)) {
		pr_err("--cpu '%s' is longer than %zu bytes", spec, sizeof(out->spec) - 1);
		return -EINVAL;
	}
	for (const char *p = spec; *p;) {
		size_t len = strcspn(p, ",");
		bool add = *p != '-';
		const char *name = p + (*p == '+' || *p == '-');
		size_t name_len = len - (size_t)(name - p);
		const struct cpu_feature *f = cpu_feature_find(name, name_len);

		if (!f || out->nr == CPU_FEATURES_MAX) {
			cpu_feature_names(names, sizeof(names));
			pr_err("--cpu '%s': %s '%.*s' (known: %s)", spec,
			       f ? "too many features at" : "unknown feature", (int)len, p, names);
			return -EINVAL;
		}
		out->edits[out->nr++] = (struct cpu_feature_edit){ f, add };
		p += len + (p[len] == ',');
	}
	return 0;
}

/* The index of @f's leaf in @cpuid, or -1 where the leaf is absent. */
static int cpu_leaf(const struct kvm_cpuid2 *cpuid, const struct cpu_feature *f)
{
	for (uint32_t i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == f->function &&
		    cpuid->entries[i].index == f->index)
			return (int)i;
	return -1;
}

/* @f's register (EAX, EBX, ECX, EDX by f->reg) in the leaf @e, to change it. */
static uint32_t *cpu_reg(struct kvm_cpuid_entry2 *e, const struct cpu_feature *f)
{
	uint32_t *regs[] = { &e->eax, &e->ebx, &e->ecx, &e->edx };

	return regs[f->reg];
}

/* Whether @cpuid sets @f's bit (an absent leaf sets none). */
static bool cpu_bit(const struct kvm_cpuid2 *cpuid, const struct cpu_feature *f)
{
	int i = cpu_leaf(cpuid, f);
	const struct kvm_cpuid_entry2 *e;

	if (i < 0)
		return false;
	e = &cpuid->entries[i];
	const uint32_t regs[] = { e->eax, e->ebx, e->ecx, e->edx };

	return regs[f->reg] >> f->bit & 1;
}

bool cpu_features_adds(const struct cpu_features *fs, const char *name)
{
	bool adds = false;

	for (unsigned int i = 0; i < fs->nr; i++)
		if (!strcmp(fs->edits[i].feature->name, name))
			adds = fs->edits[i].add; /* the last word on it counts */
	return adds;
}

bool cpu_feature_has(const struct kvm_cpuid2 *cpuid, const char *name)
{
	const struct cpu_feature *f = cpu_feature_find(name, strlen(name));

	return f && cpu_bit(cpuid, f);
}

int cpu_features_apply(const struct cpu_features *fs, struct kvm_cpuid2 *cpuid)
{
	static const char regs[] = "ABCD";

	for (unsigned int i = 0; i < fs->nr; i++) {
		const struct cpu_feature *f = fs->edits[i].feature;
		int leaf = cpu_leaf(cpuid, f);

		if (fs->edits[i].add && !cpu_bit(cpuid, f)) {
			pr_err("--cpu +%s: KVM on this host does not support it (CPUID 0x%x.%u "
			       "E%cX bit %u)",
			       f->name, f->function, f->index, regs[f->reg], f->bit);
			return -EINVAL;
		}
		if (leaf >= 0 && !fs->edits[i].add)
			*cpu_reg(&cpuid->entries[leaf], f) &= ~(1u << f->bit);
	}
	return 0;
}

unsigned int cpu_features_report_rewrites(const struct kvm_cpuid2 *set,
					  const struct kvm_cpuid2 *got)
{
	static const char regs[] = "ABCD";
	unsigned int nr = 0;

	for (size_t i = 0; i < ARRAY_SIZE(features); i++) {
		const struct cpu_feature *f = &features[i];
		unsigned int want = cpu_bit(set, f), has = cpu_bit(got, f);

		if (want == has)
			continue;
		pr_info("CPUID '%s' (0x%x.%u E%cX bit %u): set %u, the host holds %u (the guest "
			"sees %u: KVM_SET_CPUID2 did not keep it)",
			f->name, f->function, f->index, regs[f->reg], f->bit, want, has, has);
		nr++;
	}
	return nr;
}

#define MCG_CTL_P   (1ull << 8)
#define MCG_SER_P   (1ull << 24)
#define MCG_BANKS_M 0xffull

uint64_t cpu_mce_cap(uint64_t supported, const struct kvm_cpuid2 *cpuid)
{
	uint64_t banks = supported & MCG_BANKS_M;

	if (!banks || !cpu_feature_has(cpuid, "mce") || !cpu_feature_has(cpuid, "mca"))
		return 0;
	if (banks > MCE_BANKS_QEMU)
		banks = MCE_BANKS_QEMU;
	return (supported & (MCG_CTL_P | MCG_SER_P)) | banks;
}
