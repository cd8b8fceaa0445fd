/* VM lifecycle: KVM VM, RAM slot, supported CPUID, kvmclock set-up (the stop: vm_stop.c). */
#include "machine/vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/kvm_util.h"
#include "pvclock_abi.h"
#include "machine/vcpu.h"
#include "core/log.h"

#define CPUID_MAX_ENTRIES 256
/* Intel needs these two pages for real-mode emulation; we place them in the MMIO window. */
#define VM_IDENTITY_MAP_ADDR 0xfffbc000ull
#define VM_TSS_ADDR	     0xfffbd000ul

#define VM_PC_ISA_IRQS 16 /* the two 8259s' lines */
#define VM_PC_GSIS     24 /* the IOAPIC's pins */

#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR	 (1u << 31)

/* What KVM reports, with our kvmclock leaves: the signature and exactly the clock features. */
static void vm_set_kvm_leaves(struct kvm_cpuid2 *cpuid, bool tsc_deadline)
{
	static const char signature[12] = "KVMKVMKVM\0\0\0";
	struct kvm_cpuid_entry2 *sig = NULL, *feat = NULL;

	for (uint32_t i = 0; i < cpuid->nent; i++) {
		/*
		 * "Running under a hypervisor" (CPUID 1 ECX[31]): how guests know to look at
		 * 0x40000000 at all. KVM leaves it to the VMM to set, as QEMU does. So is the
		 * TSC-deadline timer (CPUID 1 ECX[24]) on older KVMs (Linux 6.1 here): the
		 * in-kernel LAPIC emulates it where KVM_CAP_TSC_DEADLINE_TIMER says so, but
		 * KVM_GET_SUPPORTED_CPUID leaves the bit clear (newer KVMs report it). Without it
		 * Linux calibrates its LAPIC timer against the PIT at boot.
		 */
		if (cpuid->entries[i].function == 1)
			cpuid->entries[i].ecx |= CPUID_1_ECX_HYPERVISOR |
						 (tsc_deadline ? CPUID_1_ECX_TSC_DEADLINE : 0);
		if (cpuid->entries[i].function == CPUID_KVM_SIGNATURE)
			sig = &cpuid->entries[i];
		else if (cpuid->entries[i].function == CPUID_KVM_FEATURES)
			feat = &cpuid->entries[i];
	}
	if (!sig)
		sig = &cpuid->entries[cpuid->nent++];
	if (!feat)
		feat = &cpuid->entries[cpuid->nent++];
	*sig = (struct kvm_cpuid_entry2){ .function = CPUID_KVM_SIGNATURE,
					  .eax = CPUID_KVM_FEATURES };
	memcpy(&sig->ebx, signature, 4);
	memcpy(&sig->ecx, signature + 4, 4);
	memcpy(&sig->edx, signature + 8, 4);
	/* The STABLE bit is honest: all vCPUs publish one shared anchor (see kvmclock.c). */
	*feat = (struct kvm_cpuid_entry2){
		.function = CPUID_KVM_FEATURES,
		.eax = (1u << KVM_FEATURE_CLOCKSOURCE) | (1u << KVM_FEATURE_CLOCKSOURCE2) |
		       (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT),
	};
}

static int vm_get_supported_cpuid(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid;
	int ret;

	cpuid = calloc(1, sizeof(*cpuid) + CPUID_MAX_ENTRIES * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = CPUID_MAX_ENTRIES - 2; /* room for the KVM leaves if absent */
	ret = kvm_ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
	if (ret < 0) {
		free(cpuid);
		return ret;
	}
	vm_set_kvm_leaves(cpuid, kvm_has_cap(vm->kvm_fd, KVM_CAP_TSC_DEADLINE_TIMER));
	vm->cpuid = cpuid;
	return 0;
}

static int vm_set_memory(struct vm *vm)
{
	struct kvm_userspace_memory_region region;
	int ret;

	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->mem.size,
		.userspace_addr = (uintptr_t)vm->mem.host,
	};
	ret = kvm_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	return ret < 0 ? ret : 0;
}

static int vm_set_x86_addresses(struct vm *vm)
{
	uint64_t identity = VM_IDENTITY_MAP_ADDR;
	int ret;

	if (kvm_has_cap(vm->kvm_fd, KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
		ret = kvm_ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity);
		if (ret < 0)
			return ret;
	}
	if (kvm_has_cap(vm->kvm_fd, KVM_CAP_SET_TSS_ADDR)) {
		ret = kvm_ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, VM_TSS_ADDR);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int vm_create_kvm_vm(struct vm *vm)
{
	int ret;

	do
		ret = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	while (ret < 0 && errno == EINTR);
	if (ret < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_VM: %s", strerror(-ret));
		return ret;
	}
	vm->vm_fd = ret;
	return 0;
}

int vm_alloc(struct vm **out, uint64_t mem_size)
{
	struct vm *vm;
	int ret;

	*out = NULL;
	/* At its own alignment: struct kvmclock lays out the entry's fields by cache line. */
	vm = aligned_alloc(_Alignof(struct vm),
			   (sizeof(*vm) + _Alignof(struct vm) - 1) & ~(_Alignof(struct vm) - 1));
	if (!vm)
		return -ENOMEM;
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = -1;
	vm->vm_fd = -1;
	vm->stop_rekick_ns = VM_STOP_REKICK_NS;
	vm->guest_stopped_flag = true;
	io_bus_init(&vm->pio, "port", 0x10000);
	io_bus_init(&vm->mmio, "MMIO", UINT64_MAX);
	doorbell_init(&vm->doorbell);
	ret = vm_init_stop_state(vm);
	if (ret) {
		free(vm);
		return ret;
	}
	ret = guest_mem_alloc(&vm->mem, mem_size);
	if (ret) {
		vm_destroy(vm);
		return ret;
	}
	*out = vm;
	return 0;
}

int vm_open_kvm(struct vm *vm)
{
	int ret;

	ret = kvm_open(&vm->kvm_fd);
	if (!ret)
		ret = vm_create_kvm_vm(vm);
	if (!ret)
		ret = vm_set_x86_addresses(vm);
	if (!ret)
		ret = vm_set_memory(vm);
	if (!ret)
		ret = vm_get_supported_cpuid(vm);
	return ret;
}

void vm_set_irq_line(struct vm *vm, unsigned int irq, int level)
{
	struct kvm_irq_level line = { .irq = irq, .level = (uint32_t)level };

	if (vm->irqchip && ioctl(vm->vm_fd, KVM_IRQ_LINE, &line))
		pr_err("KVM_IRQ_LINE %u to %d: %s", irq, level, strerror(errno));
}

unsigned int vm_max_vcpus(const struct vm *vm)
{
	/* api.rst: KVM_CAP_MAX_VCPUS, else KVM_CAP_NR_VCPUS, else 4; on the VM, then /dev/kvm. */
	int max = kvm_cap_value(vm->vm_fd, KVM_CAP_MAX_VCPUS);

	if (!max)
		max = kvm_cap_value(vm->kvm_fd, KVM_CAP_MAX_VCPUS);
	if (!max)
		max = kvm_cap_value(vm->kvm_fd, KVM_CAP_NR_VCPUS);
	return max ? (unsigned int)max : 4;
}

/*
 * A PC's interrupt routing (KVM_SET_GSI_ROUTING replaces KVM's default, which puts GSI n on
 * IOAPIC pin n): ISA IRQs 0-15 on the 8259s (IRQ 2 is the cascade, so none there), GSIs 0-23
 * on IOAPIC pins, but GSI 0, the PIT, on pin 2: the PC's IRQ 0 override, which the MP table
 * and the MADT describe and QEMU's KVM machine uses.
 */
static struct kvm_irq_routing_entry vm_irqchip_route(uint32_t gsi, uint32_t chip, uint32_t pin)
{
	return (struct kvm_irq_routing_entry){ .gsi = gsi,
					       .type = KVM_IRQ_ROUTING_IRQCHIP,
					       .u.irqchip = { chip, pin } };
}

static int vm_route_pc_irqs(struct vm *vm)
{
	struct kvm_irq_routing *table;
	uint32_t n = 0;
	int ret;

	table = calloc(1,
		       sizeof(*table) + (VM_PC_ISA_IRQS + VM_PC_GSIS) * sizeof(table->entries[0]));
	if (!table)
		return -ENOMEM;
	for (uint32_t gsi = 0; gsi < VM_PC_GSIS; gsi++) {
		if (gsi == 2)
			continue; /* the 8259 cascade; the PIT's pin 2 is GSI 0's */
		if (gsi < VM_PC_ISA_IRQS)
			table->entries[n++] = vm_irqchip_route(
				gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				gsi % 8);
		table->entries[n++] = vm_irqchip_route(gsi, KVM_IRQCHIP_IOAPIC, gsi ? gsi : 2);
	}
	table->nr = n;
	ret = kvm_ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, table);
	free(table);
	return ret;
}

int vm_create_irqchip(struct vm *vm)
{
	/* The speaker port (0x61) stays in the kernel too, as a dummy beside the PIT. */
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int ret;

	if (!kvm_has_cap(vm->kvm_fd, KVM_CAP_IRQCHIP) || !kvm_has_cap(vm->kvm_fd, KVM_CAP_PIT2) ||
	    !kvm_has_cap(vm->kvm_fd, KVM_CAP_IRQ_ROUTING)) {
		pr_err("this KVM lacks KVM_CAP_IRQCHIP, KVM_CAP_PIT2 or KVM_CAP_IRQ_ROUTING (all "
		       "since 2.6.31), which the PC machine needs");
		return -ENOTSUP;
	}
	ret = kvm_ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0);
	if (ret >= 0)
		ret = vm_route_pc_irqs(vm);
	if (ret >= 0)
		ret = kvm_ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit);
	if (ret < 0)
		return ret;
	vm->irqchip = true;
	return 0;
}

static int vm_enable_user_msrs(struct vm *vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
				      .args = { KVM_MSR_EXIT_REASON_FILTER } };
	static uint8_t deny[1]; /* bit clear: the access is denied in KVM, so it exits to us */
	struct kvm_msr_filter filter = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	int ret;

	if (vm->msrs.nr > KVM_MSR_FILTER_MAX_RANGES)
		return -E2BIG;
	for (unsigned int i = 0; i < vm->msrs.nr; i++) {
		const struct msr_handler *h = &vm->msrs.handlers[i];

		filter.ranges[i] = (struct kvm_msr_filter_range){
			.flags = (h->read ? KVM_MSR_FILTER_READ : 0) |
				 (h->write ? KVM_MSR_FILTER_WRITE : 0),
			.nmsrs = 1,
			.base = h->index,
			.bitmap = deny,
		};
	}
	ret = kvm_ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap);
	if (ret >= 0)
		ret = kvm_ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &filter);
	return ret < 0 ? ret : 0;
}

static void vm_clock_kick(void *opaque, unsigned int vcpu)
{
	struct vm *vm = opaque;

	vcpu_kick(vm->vcpus[vcpu]);
}

static int vm_clock_write_tsc_msr(void *opaque, unsigned int id, uint32_t msr, uint64_t value,
				  uint64_t *tsc_offset)
{
	struct vm *vm = opaque;

	return vcpu_write_tsc_msr(vm->vcpus[id], msr, value, tsc_offset);
}

int vm_setup_kvmclock(struct vm *vm, const struct clock_policy *policy)
{
	const struct kvmclock_ops ops = { vm_clock_kick, vm_clock_write_tsc_msr, vm };
	int khz, ret;

	khz = kvm_ioctl(vm->vcpus[0]->fd, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0)
		return khz < 0 ? khz : -EINVAL;
	ret = kvmclock_init(&vm->clock, &vm->mem, &pvclock_clock_system, vm->nr_vcpus,
			    (uint64_t)khz * 1000, &ops, policy);
	if (ret)
		return ret;
	vm->clock_ready = true;
	ret = kvmclock_register(&vm->clock, &vm->msrs, &vm->doorbell);
	if (!ret && vm->msrs.nr)
		ret = vm_enable_user_msrs(vm);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->clock_ready)
		kvmclock_destroy(&vm->clock);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(vm->vcpus[i]);
	free(vm->cpuid);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	guest_mem_free(&vm->mem);
	vm_destroy_stop_state(vm);
	free(vm);
}
