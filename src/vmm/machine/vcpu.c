/*
 * vCPU creation, initial state, the per-thread run loop and kicks.
 *
 * The kick protocol. A kicker wants the vCPU thread to see a request (vm->stop, or the clock's
 * sync flag) soon, whether the thread is inside KVM_RUN, about to enter it, or not yet started:
 *
 *   kicker                                   vCPU thread
 *   K1 store the request (seq_cst)           T1 self = pthread_self(); kickable = 1 (seq_cst)
 *   K2 run->immediate_exit = 1 (seq_cst)     T2 load the requests (seq_cst); act on them
 *   K3 if kickable (seq_cst): signal self    T3 KVM_RUN
 *                                            T4 on EINTR: immediate_exit = 0 (seq_cst), to T2
 *
 * - A thread not kickable at K3 stores T1 after K3 in the total order of seq_cst operations,
 *   so its T2 comes after K1 and sees the request: the kick needed no signal.
 * - A signal that lands between T2 and T3 runs its (empty) handler in userspace and is gone,
 *   but K2 came before it: KVM_RUN with immediate_exit set returns EINTR at once (api.rst).
 * - T4 may erase a K2, but then T4 follows K2 follows K1, so the T2 after it sees the request.
 *   A T4 before K2 leaves immediate_exit set, and the next T3 returns at once.
 * - The signal handler is installed without SA_RESTART, so a signal inside KVM_RUN ends it
 *   with EINTR (KVM_EXIT_INTR). run is mapped at creation, so K2 is valid from the start, and
 *   self stays valid until vcpu_join, which waits for every vCPU thread to leave its loop
 *   (vm_wait_threads_done), so no kick targets a joined thread.
 * The clock's sync uses the same order: its request is kc->updating, stored (seq_cst) before
 * the kick, and a vCPU loads it (seq_cst) after announcing itself (clock/kvmclock_sync.c).
 * The stop path and the sync never rely on one kick alone all the same: they re-kick what has
 * not left KVM_RUN, and the stop path names a vCPU that still does not stop (vm.c).
 */
#include "machine/vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/compiler.h"
#include "boot/longmode.h"
#include "core/kvm_util.h"
#include "boot/linux.h"
#include "boot/multiboot.h"
#include "machine/cpu_features.h"
#include "machine/vm.h"
#include "core/log.h"

#define SIG_VCPU_KICK SIGUSR1

void (*vcpu_race_hook)(enum vcpu_race_point point, unsigned int vcpu_id);

const char *vcpu_state_name(enum vcpu_state state)
{
	static const char *const names[] = {
		[VCPU_NOT_STARTED] = "not started",   [VCPU_IN_VMM] = "in the VMM between KVM_RUNs",
		[VCPU_IN_KVM_RUN] = "inside KVM_RUN", [VCPU_PARKED] = "parked after a HLT",
		[VCPU_PAUSED] = "held by a pause",    [VCPU_LEFT] = "out of its run loop",
	};

	return (unsigned int)state < ARRAY_SIZE(names) ? names[state] : "?";
}

static void vcpu_set_state(struct vcpu *vcpu, enum vcpu_state state)
{
	__atomic_store_n(&vcpu->state, state, __ATOMIC_RELAXED);
}

static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

int vcpu_install_kick_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vcpu_kick_handler; /* no SA_RESTART: KVM_RUN must return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIG_VCPU_KICK, &sa, NULL)) {
		pr_err("sigaction(SIGUSR1): %s", strerror(errno));
		return -errno;
	}
	return 0;
}

#define CPUID_APM		    0x80000007
#define CPUID_APM_EDX_INVARIANT_TSC (1u << 8)

/*
 * The VM's CPUID with this vCPU's APIC ID in it (leaf 1 EBX[31:24], leaves 0xb/0x1f EDX), and
 * without the invariant-TSC bit where the VM hides it (Linux guests: see vm.h). NULL: no memory.
 */
static struct kvm_cpuid2 *vcpu_cpuid(const struct vcpu *vcpu)
{
	const struct kvm_cpuid2 *shared = vcpu->vm->cpuid;
	size_t size = sizeof(*shared) + shared->nent * sizeof(shared->entries[0]);
	struct kvm_cpuid2 *cpuid = malloc(size);

	if (!cpuid)
		return NULL;
	memcpy(cpuid, shared, size);
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffffu) | (vcpu->id << 24);
		else if (e->function == CPUID_APM && vcpu->vm->hide_invariant_tsc)
			e->edx &= ~CPUID_APM_EDX_INVARIANT_TSC;
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = vcpu->id;
	}
	return cpuid;
}

static int vcpu_set_cpuid(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = vcpu_cpuid(vcpu);
	int ret;

	if (!cpuid)
		return -ENOMEM;
	ret = kvm_ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return ret < 0 ? ret : 0;
}

void vcpu_report_cpuid_rewrites(const struct vcpu *vcpu)
{
	struct kvm_cpuid2 *set = vcpu_cpuid(vcpu), *got = NULL;
	uint32_t room = set ? set->nent + 16 : 0;

	if (set)
		got = calloc(1, sizeof(*got) + room * sizeof(got->entries[0]));
	if (got) {
		got->nent = room;
		if (ioctl(vcpu->fd, KVM_GET_CPUID2, got) == 0)
			(void)cpu_features_report_rewrites(set, got);
	}
	free(got);
	free(set);
}

/* The machine-check banks QEMU gives (cpu_features.h); nothing where KVM has no MCE. */
static int vcpu_setup_mce(struct vcpu *vcpu)
{
	uint64_t supported = 0, cap;

	if (kvm_cap_value(vcpu->vm->kvm_fd, KVM_CAP_MCE) <= 0)
		return 0;
	if (kvm_ioctl(vcpu->vm->kvm_fd, KVM_X86_GET_MCE_CAP_SUPPORTED, &supported) < 0)
		return -EIO;
	cap = cpu_mce_cap(supported, vcpu->vm->cpuid);
	return cap && kvm_ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap) < 0 ? -EIO : 0;
}

/*
 * Registers at the image's entry. Multiboot and Linux images run on a PC: only vCPU 0 starts;
 * the others keep KVM's reset state, parked by the in-kernel LAPIC until the guest sends
 * INIT/SIPI.
 */
static int vcpu_set_boot_state(struct vcpu *vcpu, const struct guest_image *image)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	/* CPUID first: KVM checks EFER.LME against the guest's CPUID when sregs are set. */
	ret = vcpu_set_cpuid(vcpu);
	if (!ret)
		ret = vcpu_setup_mce(vcpu);
	if (ret < 0)
		return ret;
	if (image_is_pc(image->kind) && vcpu->id != 0)
		return vcpu_init_tsc(vcpu);
	ret = kvm_ioctl(vcpu->fd, KVM_GET_SREGS, &sregs);
	if (ret < 0)
		return ret;
	if (image->kind == IMAGE_MULTIBOOT)
		multiboot_vcpu_state(image->info.entry, image->boot_info, &regs, &sregs);
	else if (image->kind == IMAGE_LINUX)
		linux_vcpu_state(image->info.entry, &regs, &sregs);
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

int vcpu_create(struct vm *vm, unsigned int id, const struct guest_image *image, struct vcpu **out)
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
		.pio = &vm->pio,
		.mmio = &vm->mmio,
		.msrs = &vm->msrs,
		.vcpu_id = id,
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
	if (!vcpu)
		return;
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST); /* K2 */
	vcpu_race_point(VCPU_RACE_KICK, vcpu->id);
	if (__atomic_load_n(&vcpu->kickable, __ATOMIC_SEQ_CST)) /* K3 */
		pthread_kill(vcpu->self, SIG_VCPU_KICK);
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

	vcpu_race_point(VCPU_RACE_BEFORE_RUN, vcpu->id);
	kvmclock_before_run(clock, vcpu->id);
	vcpu_set_state(vcpu, VCPU_IN_KVM_RUN);
	ret = ioctl(vcpu->fd, KVM_RUN, 0); /* T3 */
	err = errno;
	vcpu_set_state(vcpu, VCPU_IN_VMM);
	kvmclock_after_run(clock, vcpu->id);
	vcpu_race_point(VCPU_RACE_AFTER_RUN, vcpu->id);
	if (ret < 0) {
		if (err != EINTR && err != EAGAIN) {
			pr_err("vCPU %u: KVM_RUN: %s", vcpu->id, strerror(err));
			return VM_STOP_VMM_ERROR;
		}
		/* A kick: the caller's next check sees why (T4, then T2). */
		__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		return VM_RUNNING;
	}
	vcpu->nr_exits++;
	return exit_dispatch(&vcpu->exit_ctx, vcpu->run);
}

/*
 * KVM finishes an exit (the data of an IN or an MMIO read, a RDMSR's value) only at the next
 * KVM_RUN; until then the registers are not whole (api.rst). immediate_exit makes that KVM_RUN
 * finish the exit and return before any guest instruction.
 */
static int vcpu_finish_exit(struct vcpu *vcpu)
{
	int ret, err;

	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	ret = ioctl(vcpu->fd, KVM_RUN, 0);
	err = errno;
	__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST); /* then T2 again */
	if (ret < 0 && (err == EINTR || err == EAGAIN))
		return VM_RUNNING;
	pr_err("vCPU %u: KVM_RUN to finish the last exit before a pause: %s", vcpu->id,
	       ret < 0 ? strerror(err) : "it ran the guest");
	return VM_STOP_VMM_ERROR;
}

/* A pause: finish the last exit, then hold until the pause ends (or the run stops). */
static int vcpu_hold(struct vcpu *vcpu)
{
	int stop = vcpu_finish_exit(vcpu);

	if (stop != VM_RUNNING)
		return stop;
	vcpu_set_state(vcpu, VCPU_PAUSED);
	vm_hold_vcpu(vcpu->vm);
	vcpu_set_state(vcpu, VCPU_IN_VMM);
	return VM_RUNNING;
}

static int vcpu_run_loop(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	int stop = VM_RUNNING;

	while (stop == VM_RUNNING && !vm_stopping(vm)) { /* T2 */
		if (unlikely(vm_pause_requested(vm))) {	 /* T2 too: loaded after the T4 */
			stop = vcpu_hold(vcpu);
			continue;
		}
		stop = vcpu_run_once(vcpu);
		if (stop == VCPU_HALTED) {
			vcpu_set_state(vcpu, VCPU_PARKED);
			stop = vm_park_halted_vcpu(vm, vcpu->id);
			vcpu_set_state(vcpu, VCPU_IN_VMM);
		}
	}
	return stop;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	int stop;

	vcpu->self = pthread_self();
	vcpu->tid = gettid();
	vcpu_set_state(vcpu, VCPU_IN_VMM);
	vcpu_race_point(VCPU_RACE_THREAD_START, vcpu->id);
	__atomic_store_n(&vcpu->kickable, 1, __ATOMIC_SEQ_CST); /* T1 */
	stop = vcpu_run_loop(vcpu);
	if (stop == VM_STOP_CRASH || stop == VM_STOP_GUEST_ERROR)
		vcpu_dump_regs(vcpu);
	if (stop != VM_RUNNING)
		vm_request_stop(vm, stop, vcpu->id);
	vcpu_set_state(vcpu, VCPU_LEFT);
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
	vcpu_race_point(VCPU_RACE_CREATED, vcpu->id);
	vcpu->thread_started = true;
	return 0;
}

void vcpu_join(struct vcpu *vcpu)
{
	if (!vcpu->thread_started)
		return;
	pthread_join(vcpu->thread, NULL);
	vcpu->thread_started = false;
}
