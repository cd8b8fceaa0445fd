/* struct vcpu: one KVM vCPU, its kvm_run mapping, its thread and its run loop. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include "core/compiler.h"
#include <pthread.h>
#include <stdbool.h>
#include <linux/kvm.h>

#include "core/exit.h"
#include "boot/image.h"

#include <sys/types.h>

struct vm;

/* Where a vCPU's thread is: what the stop path reports about a vCPU that does not stop. */
enum vcpu_state {
	VCPU_NOT_STARTED,
	VCPU_IN_VMM, /* between two KVM_RUNs: publishing the clock, handling an exit */
	VCPU_IN_KVM_RUN,
	VCPU_PARKED, /* halted with nothing to wake it: waits for the run to stop */
	VCPU_PAUSED, /* held by a pause (vm_pause.c) */
	VCPU_LEFT,   /* out of its run loop for good */
};

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;    /* the creator's handle, for vcpu_join only */
	bool thread_started; /* creator's: created and not yet joined */
	pthread_t self;	     /* the thread's own handle, written before kickable */
	int kickable;	     /* atomic: self is valid, signals may be sent (vcpu.c) */
	int state;	     /* atomic: enum vcpu_state */
	pid_t tid;	     /* the thread's kernel id, for the stuck-vCPU report */
	struct exit_ctx exit_ctx;
	unsigned long nr_exits;
	uint64_t tsc_offset; /* guest TSC - host TSC, as set in KVM */
};

/*
 * Tests force the kick protocol's bad interleavings by delaying a thread at these points
 * (check_lifecycle); NULL outside tests. The hook may sleep; it must not touch the vCPU.
 */
enum vcpu_race_point {
	VCPU_RACE_THREAD_START, /* a new vCPU thread, before it is kickable */
	VCPU_RACE_CREATED,	/* the creator, right after pthread_create */
	VCPU_RACE_BEFORE_RUN,	/* after the stop check, before KVM_RUN */
	VCPU_RACE_AFTER_RUN,	/* after KVM_RUN, before immediate_exit is cleared */
	VCPU_RACE_KICK,		/* a kicker, between immediate_exit and the signal */
	VCPU_RACE_STOP,		/* a stopper, between vm->stop and the kicks */
	VCPU_RACE_NR_POINTS
};
extern void (*vcpu_race_hook)(enum vcpu_race_point point, unsigned int vcpu_id);

static inline void vcpu_race_point(enum vcpu_race_point point, unsigned int vcpu_id)
{
	if (__builtin_expect(vcpu_race_hook != NULL, 0))
		vcpu_race_hook(point, vcpu_id);
}

const char *vcpu_state_name(enum vcpu_state state);

/* Create vCPU @id in @vm with its CPUID and the registers @image's kind starts with. */
int vcpu_create(struct vm *vm, unsigned int id, const struct guest_image *image,
		struct vcpu **out) __must_check;
void vcpu_destroy(struct vcpu *vcpu);
/*
 * Say (-v) which named CPUID bits the host holds otherwise than the VMM set: a PVM host
 * rewrites leaves 1 and 7 (SMAP, SMEP, XSAVE that KVM_GET_SUPPORTED_CPUID leaves out, and
 * that its emulator does not carry out). Best effort: nothing when KVM_GET_CPUID2 fails.
 */
void vcpu_report_cpuid_rewrites(const struct vcpu *vcpu);
int vcpu_start(struct vcpu *vcpu) __must_check;
void vcpu_join(struct vcpu *vcpu);
/*
 * Make the vCPU leave KVM_RUN soon, or not enter it: store the request the thread must see
 * (vm->stop, the clock's sync flag) first. Never lost, whatever the interleaving (vcpu.c).
 */
void vcpu_kick(struct vcpu *vcpu);
void vcpu_dump_regs(struct vcpu *vcpu);
/* Set the vCPU's TSC offset in KVM (KVM_VCPU_TSC_OFFSET); the caller keeps tsc_offset. */
int vcpu_set_tsc_offset(struct vcpu *vcpu, uint64_t offset) __must_check;
/* Pin the TSC offset to 0 (or measure it where KVM cannot set it). */
int vcpu_init_tsc(struct vcpu *vcpu) __must_check;
/* Carry out a guest's write of IA32_TSC or IA32_TSC_ADJUST (trapped so the clock can follow). */
int vcpu_write_tsc_msr(struct vcpu *vcpu, uint32_t msr, uint64_t value,
		       uint64_t *tsc_offset) __must_check;
/* Install the no-op handler for the kick signal; call once before starting vCPU threads. */
int vcpu_install_kick_handler(void) __must_check;

#endif
