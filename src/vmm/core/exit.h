/* The exit dispatcher: one handler per KVM exit reason, reading only struct kvm_run. */
#ifndef VMM_EXIT_H
#define VMM_EXIT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/kvm.h>

#include "core/io_bus.h"
#include "core/stop.h"
#include "core/msr_table.h"

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
	size_t run_size;	     /* bytes mapped for struct kvm_run, bounds the PIO data area */
	bool ignore_unclaimed_ports; /* unclaimed port or MMIO: reads all-ones, writes dropped */
	uint64_t *floating_ports;    /* where set: one bit per port so ignored (shared, atomic) */
};

/* Handle the exit in @run; returns VM_RUNNING to re-enter, VCPU_HALTED, or the reason to stop. */
int exit_dispatch(const struct exit_ctx *ctx, struct kvm_run *run);
const char *exit_reason_name(unsigned int reason);

#endif
