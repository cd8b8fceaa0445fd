/*
 * Pause and resume: every vCPU held out of KVM_RUN, and the guest clock carried across.
 *
 * The pause uses the kick protocol (vcpu.c) with vm->pause_requested as the request: stored
 * before the kicks, loaded by each vCPU thread at the top of its loop. A vCPU first finishes
 * its last exit (vcpu_finish_exit), so its registers are whole for a snapshot, then holds.
 * Halted vCPUs parked in the VMM count as held; threads that left count as gone.
 *
 * The clock: the VMM's kvmclock notes the guest time once all are held and, on resume, goes on
 * from it (freeze) or from it plus the pause (continue), with GUEST_STOPPED set
 * (kvmclock_pause.c). Under the kernel policy KVM owns the clock, so the same is done through
 * KVM: KVM_GET_CLOCK at the pause, KVM_SET_CLOCK on resume under freeze (as QEMU does), and
 * KVM_KVMCLOCK_CTRL on each vCPU just before it resumes (where Firecracker moved it in 2025:
 * then the flag does not depend on what a snapshot kept).
 */
#include "machine/vm.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/kvm_util.h"
#include "core/log.h"
#include "core/mono_time.h"
#include "machine/vcpu.h"

#define VM_PAUSE_GIVE_UP_NS 5000000000ull

void vm_hold_vcpu(struct vm *vm)
{
	pthread_mutex_lock(&vm->stop_lock);
	vm->held++;
	pthread_cond_broadcast(&vm->stop_cond);
	while (__atomic_load_n(&vm->pause_requested, __ATOMIC_RELAXED) && vm->stop == VM_RUNNING)
		pthread_cond_wait(&vm->stop_cond, &vm->stop_lock);
	vm->held--;
	pthread_mutex_unlock(&vm->stop_lock);
}

static void vm_kick_all(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(vm->vcpus[i]);
}

/* With stop_lock held: until every running vCPU thread holds, re-kicking every 100 ms. */
static int vm_wait_held(struct vm *vm)
{
	uint64_t start = mono_now_ns(), next_kick = start + vm->stop_rekick_ns, now;

	while (vm->held + vm->halted < vm->running && vm->stop == VM_RUNNING) {
		struct timespec until = mono_timespec(next_kick);

		pthread_cond_timedwait(&vm->stop_cond, &vm->stop_lock, &until);
		now = mono_now_ns();
		if (now < next_kick)
			continue;
		next_kick = now + vm->stop_rekick_ns;
		vm_kick_all(vm); /* kicks take no stop_lock */
		if (now - start >= VM_PAUSE_GIVE_UP_NS) {
			vm_report_stuck(vm, now - start, "the pause");
			return -ETIMEDOUT;
		}
	}
	return vm->stop == VM_RUNNING ? 0 : -ESHUTDOWN;
}

/* Every vCPU is held: note the guest time the resume goes on from. */
static void vm_note_clock(struct vm *vm)
{
	vm->paused_mono_ns = mono_now_ns();
	vm->paused_timeline_ns = kvmclock_held_guest_ns(&vm->clock);
	if (!vm->clock.policy.ops->in_kernel) {
		vm->paused_guest_ns = vm->paused_timeline_ns;
		return;
	}
	memset(&vm->kvm_clock, 0, sizeof(vm->kvm_clock));
	if (kvm_ioctl(vm->vm_fd, KVM_GET_CLOCK, &vm->kvm_clock) < 0)
		pr_warn("the pause could not read KVM's clock; the guest's clock will continue");
	vm->paused_guest_ns = vm->kvm_clock.clock;
}

int vm_pause(struct vm *vm)
{
	int ret;

	pthread_mutex_lock(&vm->stop_lock);
	if (vm->paused || vm->stop != VM_RUNNING) {
		ret = vm->paused ? -EALREADY : -ESHUTDOWN;
		pthread_mutex_unlock(&vm->stop_lock);
		return ret;
	}
	__atomic_store_n(&vm->pause_requested, 1, __ATOMIC_SEQ_CST); /* K1 (vcpu.c) */
	pthread_mutex_unlock(&vm->stop_lock);
	vm_kick_all(vm);
	pthread_mutex_lock(&vm->stop_lock);
	ret = vm_wait_held(vm);
	if (ret) {
		__atomic_store_n(&vm->pause_requested, 0, __ATOMIC_SEQ_CST);
		pthread_cond_broadcast(&vm->stop_cond);
	}
	pthread_mutex_unlock(&vm->stop_lock);
	if (ret)
		return ret;
	vm->paused = true;
	vm_note_clock(vm);
	return 0;
}

uint64_t vm_paused_guest_ns(const struct vm *vm)
{
	return vm->paused_guest_ns;
}

/* The kernel policy: KVM's clock to @guest_ns, and GUEST_STOPPED for every vCPU. */
static int vm_start_kvm_clock_at(struct vm *vm, uint64_t guest_ns, bool set)
{
	struct kvm_clock_data data = { .clock = guest_ns };

	if (set && kvm_ioctl(vm->vm_fd, KVM_SET_CLOCK, &data) < 0)
		return -EIO;
	for (unsigned int i = 0; i < vm->nr_vcpus && vm->guest_stopped_flag; i++)
		/* EINVAL: this vCPU's guest never enabled the clock; nothing to tell it. */
		if (ioctl(vm->vcpus[i]->fd, KVM_KVMCLOCK_CTRL, 0) && errno != EINVAL)
			pr_warn("vCPU %u: KVM_KVMCLOCK_CTRL: %s", i, strerror(errno));
	return 0;
}

int vm_start_clock_at(struct vm *vm, uint64_t guest_ns, uint64_t timeline_ns)
{
	if (!vm->clock.policy.ops->in_kernel) {
		kvmclock_resume_at(&vm->clock, guest_ns, vm->guest_stopped_flag);
		return 0;
	}
	kvmclock_set_guest_ns(&vm->clock, timeline_ns);
	return vm_start_kvm_clock_at(vm, guest_ns, true);
}

int vm_resume(struct vm *vm)
{
	bool freeze = vm->pause_clock == KVMCLOCK_PAUSE_FREEZE;
	uint64_t paused = freeze ? 0 : mono_now_ns() - vm->paused_mono_ns;
	int ret = 0;

	if (!vm->paused)
		return -EALREADY;
	if (vm->clock.policy.ops->in_kernel) {
		kvmclock_set_guest_ns(&vm->clock, vm->paused_timeline_ns + paused);
		ret = vm_start_kvm_clock_at(vm, vm->paused_guest_ns, freeze && vm->kvm_clock.clock);
	} else {
		kvmclock_resume_at(&vm->clock, vm->paused_guest_ns + paused,
				   vm->guest_stopped_flag);
	}
	vm->paused = false;
	pthread_mutex_lock(&vm->stop_lock);
	__atomic_store_n(&vm->pause_requested, 0, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&vm->stop_cond);
	pthread_mutex_unlock(&vm->stop_lock);
	return ret;
}
