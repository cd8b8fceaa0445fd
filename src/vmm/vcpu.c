/* vCPU creation, initial state, the per-thread run loop and kicks. */
#include "vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot.h"
#include "kvm_util.h"
#include "multiboot.h"
#include "vm.h"

#define SIG_VCPU_KICK SIGUSR1

static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

int vcpu_install_kick_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vcpu_kick_handler;	/* no SA_RESTART: KVM_RUN must return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIG_VCPU_KICK, &sa, NULL)) {
		pr_err("sigaction(SIGUSR1): %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* The VM's CPUID with this vCPU's APIC ID in it (leaf 1 EBX[31:24], leaves 0xb/0x1f EDX). */
static int vcpu_set_cpuid(struct vcpu *vcpu)
{
	const struct kvm_cpuid2 *shared = vcpu->vm->cpuid;
	size_t size = sizeof(*shared) + shared->nent * sizeof(shared->entries[0]);
	struct kvm_cpuid2 *cpuid = malloc(size);
	int ret;

	if (!cpuid)
		return -ENOMEM;
	memcpy(cpuid, shared, size);
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffffu) | (vcpu->id << 24);
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = vcpu->id;
	}
	ret = kvm_ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return ret < 0 ? ret : 0;
}

/*
 * Registers at the image's entry. A multiboot image is a PC: only vCPU 0 starts; the others
 * keep KVM's reset state, parked by the in-kernel LAPIC until the guest sends INIT/SIPI.
 */
static int vcpu_set_boot_state(struct vcpu *vcpu, const struct guest_image *image)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	/* CPUID first: KVM checks EFER.LME against the guest's CPUID when sregs are set. */
	ret = vcpu_set_cpuid(vcpu);
	if (ret < 0)
		return ret;
	if (image->kind == IMAGE_MULTIBOOT && vcpu->id != 0)
		return vcpu_init_tsc(vcpu);
	ret = kvm_ioctl(vcpu->fd, KVM_GET_SREGS, &sregs);
	if (ret < 0)
		return ret;
	if (image->kind == IMAGE_MULTIBOOT)
		multiboot_vcpu_state(image->info.entry, &regs, &sregs);
	else
		boot_vcpu_state(vcpu->id, image->info.entry, &regs, &sregs);
	ret = kvm_ioctl(vcpu->fd, KVM_SET_SREGS, &sregs);
	if (ret < 0)
		return ret;
	ret = kvm_ioctl(vcpu->fd, KVM_SET_REGS, &regs);
	return ret < 0 ? ret : vcpu_init_tsc(vcpu);
}

static int vcpu_map_run(struct vcpu *vcpu)
{
	int size = kvm_ioctl(vcpu->vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	void *p;

	if (size < 0)
		return size;
	if ((size_t)size < sizeof(struct kvm_run)) {
		pr_err("KVM_GET_VCPU_MMAP_SIZE: %d bytes is smaller than struct kvm_run", size);
		return -EINVAL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (p == MAP_FAILED) {
		pr_err("mmap of vCPU %u kvm_run: %s", vcpu->id, strerror(errno));
		return -errno;
	}
	vcpu->run = p;
	vcpu->run_size = size;
	return 0;
}

int vcpu_create(struct vm *vm, unsigned int id, const struct guest_image *image,
		struct vcpu **out)
{
	struct vcpu *vcpu;
	int ret;

	*out = NULL;
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = kvm_ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	ret = vcpu->fd < 0 ? vcpu->fd : vcpu_map_run(vcpu);
	if (!ret)
		ret = vcpu_set_boot_state(vcpu, image);
	if (ret) {
		vcpu_destroy(vcpu);
		return ret;
	}
	vcpu->exit_ctx = (struct exit_ctx){
		.pio = &vm->pio, .mmio = &vm->mmio, .msrs = &vm->msrs, .vcpu_id = id,
		.run_size = vcpu->run_size,
	};
	*out = vcpu;
	return 0;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	free(vcpu);
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu || !__atomic_load_n(&vcpu->thread_started, __ATOMIC_ACQUIRE))
		return;
	/* immediate_exit closes the race with a kick landing just before KVM_RUN is entered. */
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(vcpu->thread, SIG_VCPU_KICK);
}

void vcpu_dump_regs(struct vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) || ioctl(vcpu->fd, KVM_GET_SREGS, &s)) {
		pr_err("vCPU %u: cannot read registers: %s", vcpu->id, strerror(errno));
		return;
	}
	pr_err("vCPU %u registers:\n"
	       "  rip %016llx rsp %016llx rflags %016llx\n"
	       "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
	       "  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n"
	       "  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n"
	       "  r13 %016llx r14 %016llx r15 %016llx\n"
	       "  cs %04x ss %04x cr0 %llx cr2 %llx cr3 %llx cr4 %llx efer %llx",
	       vcpu->id, r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp,
	       r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, s.cs.selector, s.ss.selector,
	       s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
}

/* One KVM_RUN, with the clock published before it; VM_RUNNING to go on, or why to stop. */
static int vcpu_run_once(struct vcpu *vcpu)
{
	struct kvmclock *clock = &vcpu->vm->clock;
	int ret, err;

	kvmclock_before_run(clock, vcpu->id);
	ret = ioctl(vcpu->fd, KVM_RUN, 0);
	err = errno;
	kvmclock_after_run(clock, vcpu->id);
	if (ret < 0) {
		if (err != EINTR && err != EAGAIN) {
			pr_err("vCPU %u: KVM_RUN: %s", vcpu->id, strerror(err));
			return VM_STOP_VMM_ERROR;
		}
		/* A kick: for a stop the loop sees vm->stop (stored before the kick, read after
		 * this store, both sequentially consistent); for a clock update, just go on. */
		__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		return VM_RUNNING;
	}
	vcpu->nr_exits++;
	return exit_dispatch(&vcpu->exit_ctx, vcpu->run);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	int stop = VM_RUNNING;

	while (stop == VM_RUNNING && !vm_stopping(vm))
		stop = vcpu_run_once(vcpu);
	if (stop == VM_STOP_CRASH || stop == VM_STOP_GUEST_ERROR)
		vcpu_dump_regs(vcpu);
	if (stop != VM_RUNNING)
		vm_request_stop(vm, stop, vcpu->id);
	vm_vcpu_thread_leave(vm);
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	int ret;

	vm_vcpu_thread_enter(vcpu->vm);
	ret = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
	if (ret) {
		vm_vcpu_thread_leave(vcpu->vm);
		pr_err("vCPU %u: pthread_create: %s", vcpu->id, strerror(ret));
		return -ret;
	}
	__atomic_store_n(&vcpu->thread_started, true, __ATOMIC_RELEASE);
	return 0;
}

void vcpu_join(struct vcpu *vcpu)
{
	if (!__atomic_load_n(&vcpu->thread_started, __ATOMIC_ACQUIRE))
		return;
	pthread_join(vcpu->thread, NULL);
	__atomic_store_n(&vcpu->thread_started, false, __ATOMIC_RELEASE);
}
