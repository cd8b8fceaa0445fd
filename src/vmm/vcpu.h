/* struct vcpu: one KVM vCPU, its kvm_run mapping, its thread and its run loop. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <linux/kvm.h>

#include "exit.h"
#include "image.h"

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	struct exit_ctx exit_ctx;
	unsigned long nr_exits;
	uint64_t tsc_offset;		/* guest TSC - host TSC, as set in KVM */
};

/* Create vCPU @id in @vm with its CPUID and the registers @image's kind starts with. */
int vcpu_create(struct vm *vm, unsigned int id, const struct guest_image *image,
		struct vcpu **out) __must_check;
void vcpu_destroy(struct vcpu *vcpu);
int vcpu_start(struct vcpu *vcpu) __must_check;
void vcpu_join(struct vcpu *vcpu);
/* Make the vCPU leave KVM_RUN soon (thread-safe, async-signal-safe enough for the watchdog). */
void vcpu_kick(struct vcpu *vcpu);
void vcpu_dump_regs(struct vcpu *vcpu);
/* Pin the TSC offset to 0 (or measure it where KVM cannot set it). */
int vcpu_init_tsc(struct vcpu *vcpu) __must_check;
/* Carry out a guest's write of IA32_TSC or IA32_TSC_ADJUST (trapped so the clock can follow). */
int vcpu_write_tsc_msr(struct vcpu *vcpu, uint32_t msr, uint64_t value, uint64_t *tsc_offset)
	__must_check;
/* Install the no-op handler for the kick signal; call once before starting vCPU threads. */
int vcpu_install_kick_handler(void) __must_check;

#endif
