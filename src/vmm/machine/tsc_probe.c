/*
 * Does the guest see its TSC offset? A scratch VM with one vCPU, given an offset of 2^40
 * ticks, reads its TSC and stores it to the doorbell; the MMIO exit carries the value, which
 * is compared with the host's TSC around the KVM_RUN. Costs one VM creation, once a process.
 */
#include "machine/tsc_probe.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>

#include "boot/longmode.h"
#include "core/kvm_util.h"
#include "core/log.h"
#include "machine/vcpu.h"
#include "machine/vm.h"
#include "doorbell_abi.h"
#include "pvclock_clock.h"

#define PROBE_OFFSET   (1ull << 40)
#define PROBE_DOORBELL ((uint32_t)(MEMMAP_DOORBELL + DOORBELL_NULL))

/* One instruction a line (clang-format would pack the bytes). */
/* clang-format off */
static const uint8_t probe_code[] = {
	0x0f, 0x31,				/* rdtsc */
	0x48, 0xc1, 0xe2, 0x20,			/* shl $32, %rdx */
	0x48, 0x09, 0xd0,			/* or %rdx, %rax */
	0xb9, PROBE_DOORBELL & 0xff, (PROBE_DOORBELL >> 8) & 0xff,
	(PROBE_DOORBELL >> 16) & 0xff, PROBE_DOORBELL >> 24, /* mov $doorbell, %ecx */
	0x48, 0x89, 0x01,			/* mov %rax, (%rcx) */
	0xf4,					/* hlt */
};
/* clang-format on */

/* Run the probe: 1 if the guest's TSC carried the offset, 0 if it read the host's TSC. */
static int probe_run(struct vcpu *vcpu)
{
	const struct kvm_run *run = vcpu->run;
	uint64_t t0, t1, guest;
	int ret;

	t0 = pvclock_clock_system.read_tsc(NULL);
	ret = kvm_ioctl(vcpu->fd, KVM_RUN, 0);
	t1 = pvclock_clock_system.read_tsc(NULL);
	if (ret < 0)
		return ret;
	if (run->exit_reason != KVM_EXIT_MMIO || run->mmio.len != 8 ||
	    run->mmio.phys_addr != PROBE_DOORBELL) {
		pr_err("TSC offset probe: unexpected exit %u", run->exit_reason);
		return -EIO;
	}
	memcpy(&guest, run->mmio.data, sizeof(guest));
	if (guest - t0 - PROBE_OFFSET <= t1 - t0)
		return 1;
	if (guest - t0 <= t1 - t0)
		return 0;
	pr_warn("TSC offset probe: the guest read TSC %llu, the host %llu..%llu with an offset of "
		"%llu: neither; taken as offsets ignored",
		(unsigned long long)guest, (unsigned long long)t0, (unsigned long long)t1,
		(unsigned long long)PROBE_OFFSET);
	return 0;
}

/* The VMM's own VM and vCPU, as a native image whose code is probe_code. */
static int probe_once(void)
{
	const struct guest_image image = { .kind = IMAGE_NATIVE, .info.entry = GUEST_IMAGE_MIN };
	struct vm *vm;
	int ret = vm_alloc(&vm, GUEST_MEM_MIN);

	if (ret)
		return ret;
	ret = boot_write_tables(&vm->mem, 1, 0, NULL);
	memcpy(guest_mem_ptr(&vm->mem, GUEST_IMAGE_MIN, sizeof(probe_code)), probe_code,
	       sizeof(probe_code));
	if (!ret)
		ret = vm_open_kvm(vm);
	if (!ret)
		ret = vcpu_create(vm, 0, &image, &vm->vcpus[0]);
	if (!ret) {
		vm->nr_vcpus = 1;
		ret = vcpu_set_tsc_offset(vm->vcpus[0], PROBE_OFFSET);
	}
	if (!ret)
		ret = probe_run(vm->vcpus[0]);
	vm_destroy(vm);
	return ret;
}

int tsc_probe_offsets_applied(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static int answer = -1;
	int ret;

	pthread_mutex_lock(&lock);
	if (answer < 0) {
		ret = probe_once();
		if (ret >= 0)
			answer = ret;
	} else {
		ret = answer;
	}
	pthread_mutex_unlock(&lock);
	return ret;
}
