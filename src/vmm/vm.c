/* VM lifecycle: KVM VM, RAM slot, supported CPUID, stop state. */
#include "vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "vcpu.h"

#define CPUID_MAX_ENTRIES 256
/* Intel needs these two pages for real-mode emulation; we place them in the MMIO window. */
#define VM_IDENTITY_MAP_ADDR 0xfffbc000ull
#define VM_TSS_ADDR 0xfffbd000ul

static int vm_get_supported_cpuid(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid;
	int ret;

	cpuid = calloc(1, sizeof(*cpuid) + CPUID_MAX_ENTRIES * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = CPUID_MAX_ENTRIES;
	ret = kvm_ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
	if (ret < 0) {
		free(cpuid);
		return ret;
	}
	vm->cpuid = cpuid;
	return 0;
}

static int vm_set_memory(struct vm *vm)
{
	struct kvm_userspace_memory_region region;
	int ret;

	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = vm->mem.size,
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

static int vm_init_stop_state(struct vm *vm)
{
	pthread_condattr_t attr;
	int ret;

	ret = pthread_mutex_init(&vm->stop_lock, NULL);
	if (ret)
		return -ret;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	ret = pthread_cond_init(&vm->stop_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (ret) {
		pthread_mutex_destroy(&vm->stop_lock);
		return -ret;
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
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->kvm_fd = -1;
	vm->vm_fd = -1;
	io_bus_init(&vm->pio, "port", 0x10000);
	io_bus_init(&vm->mmio, "MMIO", UINT64_MAX);
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

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(vm->vcpus[i]);
	free(vm->cpuid);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	guest_mem_free(&vm->mem);
	pthread_cond_destroy(&vm->stop_cond);
	pthread_mutex_destroy(&vm->stop_lock);
	free(vm);
}

void vm_request_stop(struct vm *vm, enum vm_stop reason, unsigned int vcpu_id)
{
	pthread_mutex_lock(&vm->stop_lock);
	if (vm->stop == VM_RUNNING) {
		vm->stop_vcpu = vcpu_id;
		__atomic_store_n(&vm->stop, reason, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&vm->stop_cond);
	}
	pthread_mutex_unlock(&vm->stop_lock);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(vm->vcpus[i]);
}

enum vm_stop vm_wait_stop(struct vm *vm, uint64_t timeout_ns)
{
	struct timespec deadline;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ns / 1000000000ull;
	deadline.tv_nsec += timeout_ns % 1000000000ull;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&vm->stop_lock);
	while (vm->stop == VM_RUNNING && ret != ETIMEDOUT) {
		if (timeout_ns)
			ret = pthread_cond_timedwait(&vm->stop_cond, &vm->stop_lock, &deadline);
		else
			pthread_cond_wait(&vm->stop_cond, &vm->stop_lock);
	}
	pthread_mutex_unlock(&vm->stop_lock);
	if (ret == ETIMEDOUT)
		vm_request_stop(vm, VM_STOP_TIMEOUT, 0);
	return vm->stop;
}
