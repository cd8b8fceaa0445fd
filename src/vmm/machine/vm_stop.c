/*
 * How a run ends: the stop state every vCPU thread watches, set once by whoever stops the run
 * (a device, the watchdog, a vCPU that halted for good), and the bounded wait for the vCPU
 * threads to leave their run loops. The kick protocol it relies on is at the top of vcpu.c.
 */
#include "machine/vm.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/exit.h"
#include "core/log.h"
#include "core/mono_time.h"
#include "machine/vcpu.h"

#define VM_STOP_REPORT_NS  1000000000ull /* name what has not stopped after 1 s */
#define VM_STOP_GIVE_UP_NS 5000000000ull /* and give up on it after 5 s */

int vm_init_stop_state(struct vm *vm)
{
	int ret = pthread_mutex_init(&vm->stop_lock, NULL);

	if (ret)
		return -ret;
	ret = mono_cond_init(&vm->stop_cond);
	if (ret) {
		pthread_mutex_destroy(&vm->stop_lock);
		return -ret;
	}
	return 0;
}

void vm_destroy_stop_state(struct vm *vm)
{
	pthread_cond_destroy(&vm->stop_cond);
	pthread_mutex_destroy(&vm->stop_lock);
}

void vm_request_stop(struct vm *vm, enum vm_stop reason, unsigned int vcpu_id)
{
	pthread_mutex_lock(&vm->stop_lock);
	if (vm->stop == VM_RUNNING) {
		__atomic_store_n(&vm->stop, reason, __ATOMIC_SEQ_CST); /* K1 (vcpu.c) */
		pthread_cond_broadcast(&vm->stop_cond);
	}
	pthread_mutex_unlock(&vm->stop_lock);
	vcpu_race_point(VCPU_RACE_STOP, vcpu_id);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(vm->vcpus[i]);
}

int vm_park_halted_vcpu(struct vm *vm, unsigned int vcpu_id)
{
	int stop = VM_RUNNING;

	pthread_mutex_lock(&vm->stop_lock);
	if (++vm->halted == vm->nr_vcpus) {
		pr_err("vCPU %u: guest executed HLT with nothing to wake it (%u of %u vCPUs "
		       "halted); a guest ends by reporting DONE",
		       vcpu_id, vm->halted, vm->nr_vcpus);
		stop = VM_STOP_GUEST_ERROR;
	}
	while (stop == VM_RUNNING && vm->stop == VM_RUNNING)
		pthread_cond_wait(&vm->stop_cond, &vm->stop_lock);
	vm->halted--;
	pthread_mutex_unlock(&vm->stop_lock);
	return stop;
}

enum vm_stop vm_wait_stop(struct vm *vm, uint64_t timeout_ns)
{
	struct timespec deadline = mono_timespec(mono_now_ns() + timeout_ns);
	int ret = 0;

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

void vm_vcpu_thread_enter(struct vm *vm)
{
	pthread_mutex_lock(&vm->stop_lock);
	vm->running++;
	pthread_mutex_unlock(&vm->stop_lock);
}

void vm_vcpu_thread_leave(struct vm *vm)
{
	pthread_mutex_lock(&vm->stop_lock);
	vm->running--;
	pthread_cond_broadcast(&vm->stop_cond);
	pthread_mutex_unlock(&vm->stop_lock);
}

void vm_report_stuck(struct vm *vm, uint64_t waited_ns, const char *what)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = vm->vcpus[i];
		int state = __atomic_load_n(&v->state, __ATOMIC_RELAXED);

		if (state == VCPU_LEFT || state == VCPU_NOT_STARTED)
			continue;
		if (state == VCPU_PAUSED && !strcmp(what, "the pause"))
			continue;
		pr_err("vCPU %u (thread %d) has not stopped %.1f s after %s: %s, "
		       "after %lu exits, the last %s",
		       i, (int)v->tid, waited_ns / 1e9, what, vcpu_state_name(state), v->nr_exits,
		       v->nr_exits ? exit_reason_name(__atomic_load_n(&v->run->exit_reason,
								      __ATOMIC_RELAXED))
				   : "none");
	}
}

int vm_wait_threads_done(struct vm *vm)
{
	uint64_t start = mono_now_ns(), next_kick = start + vm->stop_rekick_ns, now;
	bool reported = false;

	vm->stop_rekicks = 0;
	pthread_mutex_lock(&vm->stop_lock);
	while (vm->running) {
		struct timespec until = mono_timespec(next_kick);

		pthread_cond_timedwait(&vm->stop_cond, &vm->stop_lock, &until);
		now = mono_now_ns();
		if (!vm->running || now < next_kick)
			continue; /* a thread left, or a stop was broadcast: wait on */
		pthread_mutex_unlock(&vm->stop_lock);
		next_kick = now + vm->stop_rekick_ns;
		/* Kicks are not lost (vcpu.c); a re-kick bounds a host that drops them anyway. */
		vm->stop_rekicks++;
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			vcpu_kick(vm->vcpus[i]);
		if (now - start >= VM_STOP_REPORT_NS && !reported) {
			vm_report_stuck(vm, now - start, "the run ended");
			reported = true;
		}
		if (now - start >= VM_STOP_GIVE_UP_NS) {
			pr_err("giving up on the vCPUs above after %.1f s: the VM is abandoned, "
			       "not freed",
			       (now - start) / 1e9);
			return -ETIMEDOUT;
		}
		pthread_mutex_lock(&vm->stop_lock);
	}
	pthread_mutex_unlock(&vm->stop_lock);
	return 0;
}
