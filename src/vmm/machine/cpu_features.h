/*
 * CPU features in the QEMU manner: `--cpu -x2apic,+invtsc` adds or removes named CPUID bits
 * from what the vCPUs get. An addition must be one KVM supports on this host
 * (KVM_GET_SUPPORTED_CPUID); an unknown name or an unsupported feature is refused, named.
 * And the machine-check banks QEMU gives (KVM_X86_SETUP_MCE, 10 banks), not KVM's default 32.
 */
#ifndef VMM_CPU_FEATURES_H
#define VMM_CPU_FEATURES_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "core/compiler.h"

#define CPU_FEATURES_MAX      32
#define CPU_FEATURES_SPEC_MAX 96 /* bytes of the spec kept, with its end */
#define MCE_BANKS_QEMU	      10

/* One named CPUID bit. */
struct cpu_feature {
	const char *name;
	uint32_t function, index;
	uint8_t reg; /* 0 EAX, 1 EBX, 2 ECX, 3 EDX */
	uint8_t bit;
};

struct cpu_feature_edit {
	const struct cpu_feature *feature;
	bool add;
};

struct cpu_features {
	unsigned int nr;
	struct cpu_feature_edit edits[CPU_FEATURES_MAX];
	char spec[CPU_FEATURES_SPEC_MAX]; /* as given, for snapshots and messages */
};

/*
 * "[+|-]name,..." (a bare name adds; "" or NULL: no edits): 0, or -EINVAL naming the bad item
 * and the known names, or a spec too long to keep.
 */
int cpu_features_parse(const char *spec, struct cpu_features *out) __must_check;
/*
 * Apply @f to @cpuid (the VM's, from KVM_GET_SUPPORTED_CPUID): an addition KVM does not
 * support is refused, named with its leaf and bit. 0 or -EINVAL.
 */
int cpu_features_apply(const struct cpu_features *f, struct kvm_cpuid2 *cpuid) __must_check;
/* Does @fs end by adding @name? */
bool cpu_features_adds(const struct cpu_features *fs, const char *name);
/* Is @name's bit set in @cpuid? (false for an unknown name) */
bool cpu_feature_has(const struct kvm_cpuid2 *cpuid, const char *name);
/*
 * The named features @got (read back with KVM_GET_CPUID2) holds otherwise than @set (what
 * KVM_SET_CPUID2 was given), logged at info level; their number. A PVM host replaces leaves 1
 * and 7 with its own bits: the guest sees SMAP and SMEP KVM_GET_SUPPORTED_CPUID leaves out,
 * whatever --cpu says.
 */
unsigned int cpu_features_report_rewrites(const struct kvm_cpuid2 *set,
					  const struct kvm_cpuid2 *got);
/* The machine-check capability QEMU gives, from what KVM supports (0: no MCE at all). */
uint64_t cpu_mce_cap(uint64_t supported, const struct kvm_cpuid2 *cpuid);

#endif
