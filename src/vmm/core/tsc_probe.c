/*
 * Does the guest see its TSC offset? A scratch VM with one vCPU, given an offset of 2^40
 * ticks, reads its TSC and stores it to the doorbell; the MMIO exit carries the value, which
 * is compared with the host's TSC around the KVM_RUN. Costs one VM creation, once a process.
 */
#include "core/tsc_probe.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot/longmode.h"
#include "doorbell_abi.h"
#include "core/kvm_util.h"
#include "pvclock_clock.h"
#include "core/log.h"

#define PROBE_OFFSET (1ull << 40)
#define PROBE_DOORBELL ((uint32_t)(MEMMAP_DOORBELL + DOORBELL_NULL))
#define PROBE_TSS_ADDR 0xfffbd000ul

/* rdtsc; shl $32, %rdx; or %rdx, %rax; mov $doorbell, %ecx; mov %rax, (%rcx); hlt */
static const uint8_t probe_code[] = {
	0x0f, 0x31, 0x48, 0xc1, 0xe2, 0x20, 0x48, 0x09, 0xd0,
	0xb9, PROBE_DOORBELL & 0xff, (PROBE_DOORBELL >> 8) & 0xff, (PROBE_DOORBELL >> 16) & 0xff,
	PROBE_DOORBELL >> 24, 0x48, 0x89, 0x01, 0xf4,
};

struct probe_vm {
	int vm_fd, vcpu_fd;
	struct kvm_run *run;
	int run_size;
	struct guest_mem mem;
};

static int probe_vm_memory(struct probe_vm *p)
{
	struct kvm_userspace_memory_region region;
	int ret = guest_mem_alloc(&p->mem, GUEST_MEM_MIN);

	if (!ret)
		ret = boot_write_tables(&p->mem, 1, 0, NULL);
	if (ret)
		return ret;
	memcpy(guest_mem_ptr(&p->mem, GUEST_IMAGE_MIN, sizeof(probe_code)), probe_code,
	       sizeof(probe_code));
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .memory_size = p->mem.size, .userspace_addr = (uintptr_t)p->mem.host,
	};
	ret = kvm_ioctl(p->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	return ret < 0 ? ret : 0;
}

static int probe_vcpu(struct probe_vm *p, int kvm_fd, const struct kvm_cpuid2 *cpuid)
{
	uint64_t offset = PROBE_OFFSET;
	struct kvm_device_attr attr = { .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
					.addr = (uintptr_t)&offset };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	void *run;
	int ret;

	p->vcpu_fd = kvm_ioctl(p->vm_fd, KVM_CREATE_VCPU, 0);
	p->run_size = kvm_ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (p->vcpu_fd < 0 || p->run_size < 0)
		return p->vcpu_fd < 0 ? p->vcpu_fd : p->run_size;
	run = mmap(NULL, p->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->vcpu_fd, 0);
	if (run == MAP_FAILED)
		return -errno;
	p->run = run;
	ret = kvm_ioctl(p->vcpu_fd, KVM_SET_CPUID2, cpuid);
	if (ret >= 0)
		ret = kvm_ioctl(p->vcpu_fd, KVM_GET_SREGS, &sregs);
	if (ret < 0)
		return ret;
	boot_vcpu_state(0, GUEST_IMAGE_MIN, &regs, &sregs);
	ret = kvm_ioctl(p->vcpu_fd, KVM_SET_SREGS, &sregs);
	if (ret >= 0)
		ret = kvm_ioctl(p->vcpu_fd, KVM_SET_REGS, &regs);
	if (ret >= 0)
		ret = kvm_ioctl(p->vcpu_fd, KVM_SET_DEVICE_ATTR, &attr);
	return ret < 0 ? ret : 0;
}

/* Run the probe: 1 if the guest's TSC carried the offset, 0 if it read the host's TSC. */
static int probe_run(struct probe_vm *p)
{
	uint64_t t0, t1, guest;
	int ret;

	t0 = pvclock_clock_system.read_tsc(NULL);
	ret = kvm_ioctl(p->vcpu_fd, KVM_RUN, 0);
	t1 = pvclock_clock_system.read_tsc(NULL);
	if (ret < 0)
		return ret;
	if (p->run->exit_reason != KVM_EXIT_MMIO || p->run->mmio.len != 8 ||
	    p->run->mmio.phys_addr != PROBE_DOORBELL) {
		pr_err("TSC offset probe: unexpected exit %u", p->run->exit_reason);
		return -EIO;
	}
	memcpy(&guest, p->run->mmio.data, sizeof(guest));
	if (guest - t0 - PROBE_OFFSET <= t1 - t0)
		return 1;
	if (guest - t0 <= t1 - t0)
		return 0;
	pr_warn("TSC offset probe: the guest read TSC %llu, the host %llu..%llu with an offset of "
		"%llu: neither; taken as offsets ignored", (unsigned long long)guest,
		(unsigned long long)t0, (unsigned long long)t1, (unsigned long long)PROBE_OFFSET);
	return 0;
}

static int probe_once(int kvm_fd, const struct kvm_cpuid2 *cpuid)
{
	struct probe_vm p = { .vm_fd = -1, .vcpu_fd = -1 };
	int ret;

	p.vm_fd = kvm_ioctl(kvm_fd, KVM_CREATE_VM, 0);
	ret = p.vm_fd < 0 ? p.vm_fd : 0;
	if (!ret && kvm_has_cap(kvm_fd, KVM_CAP_SET_TSS_ADDR))
		ret = kvm_ioctl(p.vm_fd, KVM_SET_TSS_ADDR, PROBE_TSS_ADDR);
	if (ret >= 0)
		ret = probe_vm_memory(&p);
	if (!ret)
		ret = probe_vcpu(&p, kvm_fd, cpuid);
	if (!ret)
		ret = probe_run(&p);
	if (p.run)
		munmap(p.run, p.run_size);
	if (p.vcpu_fd >= 0)
		close(p.vcpu_fd);
	if (p.vm_fd >= 0)
		close(p.vm_fd);
	guest_mem_free(&p.mem);
	return ret;
}

int tsc_probe_offsets_applied(int kvm_fd, const struct kvm_cpuid2 *cpuid)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static int answer = -1;
	int ret;

	pthread_mutex_lock(&lock);
	if (answer < 0) {
		ret = probe_once(kvm_fd, cpuid);
		if (ret >= 0)
			answer = ret;
	} else {
		ret = answer;
	}
	pthread_mutex_unlock(&lock);
	return ret;
}
