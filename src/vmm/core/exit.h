/* The exit dispatcher: one handler per KVM exit reason, reading only struct kvm_run. */
#ifndef VMM_EXIT_H
#define VMM_EXIT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/kvm.h>

#include "core/io_bus.h"
#include "core/msr_table.h"

/* Why a run ends. VM_RUNNING (0) means "keep going" wherever a stop reason is returned. */
enum vm_stop {
	VM_RUNNING = 0,
	VM_STOP_DONE,		/* the guest reported DONE with an exit code */
	VM_STOP_ABORT,		/* the guest reported a failed assertion */
	VM_STOP_GUEST_ERROR,	/* the guest broke the rules: bad report, unclaimed port, stray HLT */
	VM_STOP_CRASH,		/* triple fault, KVM internal error, unexpected exit */
	VM_STOP_TIMEOUT,	/* the watchdog fired */
	VM_STOP_VMM_ERROR,	/* a host-side failure */
	VM_STOP_DEBUG_EXIT,	/* the guest wrote the isa-debug-exit port */
};

/*
 * exit_dispatch's answer for a HLT that KVM hands to userspace (no in-kernel LAPIC): park this
 * vCPU's thread until the run stops. Not a stop reason: other vCPUs may still be working.
 */
#define VCPU_HALTED (-1)

struct exit_ctx {
	const struct io_bus *pio;
	const struct io_bus *mmio;
	const struct msr_table *msrs;
	unsigned int vcpu_id;
	size_t run_size;	/* bytes mapped for struct kvm_run, bounds the PIO data area */
	bool ignore_unclaimed_ports;	/* unclaimed port: reads all-ones, writes dropped */
};

/* Handle the exit in @run; returns VM_RUNNING to re-enter, VCPU_HALTED, or the reason to stop. */
int exit_dispatch(const struct exit_ctx *ctx, struct kvm_run *run);
const char *exit_reason_name(unsigned int reason);
const char *vm_stop_name(enum vm_stop stop);

#endif
