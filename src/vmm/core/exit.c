/* The exit dispatcher and its per-reason handlers; no KVM calls, so tests feed it fake exits. */
#include "core/exit.h"
#include "core/compiler.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
	[KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	[KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
	[KVM_EXIT_HYPERV] = "HYPERV",
	[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
	[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	[KVM_EXIT_X86_BUS_LOCK] = "X86_BUS_LOCK",
};

const char *exit_reason_name(unsigned int reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "unknown to this VMM";
}

const char *vm_stop_name(enum vm_stop stop)
{
	static const char *const names[] = {
		[VM_RUNNING] = "running",
		[VM_STOP_DONE] = "done",
		[VM_STOP_ABORT] = "guest assertion failed",
		[VM_STOP_GUEST_ERROR] = "guest error",
		[VM_STOP_CRASH] = "guest crashed",
		[VM_STOP_TIMEOUT] = "timeout",
		[VM_STOP_VMM_ERROR] = "VMM error",
		[VM_STOP_DEBUG_EXIT] = "debug exit",
		[VM_STOP_RESET] = "guest reset (reboot)",
		[VM_STOP_CONTROL] = "stopped through the control socket",
		[VM_STOP_POWEROFF] = "guest powered off (ACPI S5)",
		[VM_STOP_PANIC] = "guest kernel panic",
	};

	if ((unsigned int)stop < ARRAY_SIZE(names))
		return names[stop];
	return "?";
}

static uint64_t access_value(const uint8_t *data, uint32_t size)
{
	uint64_t value = 0;

	memcpy(&value, data, size < sizeof(value) ? size : sizeof(value));
	return value;
}

static int exit_unclaimed(const struct io_bus *bus, const struct exit_ctx *ctx, uint64_t addr,
			  uint32_t size, int write, const uint8_t *data)
{
	if (write)
		pr_err("vCPU %u: guest %s write of 0x%llx (size %u) to 0x%llx: no device there",
		       ctx->vcpu_id, bus->name, (unsigned long long)access_value(data, size), size,
		       (unsigned long long)addr);
	else
		pr_err("vCPU %u: guest %s read (size %u) from 0x%llx: no device there",
		       ctx->vcpu_id, bus->name, size, (unsigned long long)addr);
	return VM_STOP_GUEST_ERROR;
}

static int exit_io(const struct exit_ctx *ctx, struct kvm_run *run)
{
	uint32_t size = run->io.size, count = run->io.count;
	uint64_t offset = run->io.data_offset;
	int write = run->io.direction == KVM_EXIT_IO_OUT;
	const struct io_range *dev;
	uint8_t *data;

	if ((size != 1 && size != 2 && size != 4) || count == 0 || offset > ctx->run_size ||
	    (uint64_t)size * count > ctx->run_size - offset) {
		pr_err("vCPU %u: malformed KVM_EXIT_IO: size %u count %u data_offset 0x%llx",
		       ctx->vcpu_id, size, count, (unsigned long long)offset);
		return VM_STOP_VMM_ERROR;
	}
	data = (uint8_t *)run + offset;
	dev = io_bus_find(ctx->pio, run->io.port, size);
	if (!dev && ctx->ignore_unclaimed_ports) {
		/* What a probing guest sees on real hardware with nothing there: a floating bus. */
		if (!write)
			memset(data, 0xff, (size_t)size * count);
		if (ctx->floating_ports)
			__atomic_fetch_or(&ctx->floating_ports[run->io.port / 64],
					  1ull << (run->io.port % 64), __ATOMIC_RELAXED);
		return VM_RUNNING;
	}
	if (!dev)
		return exit_unclaimed(ctx->pio, ctx, run->io.port, size, write, data);
	for (uint32_t i = 0; i < count; i++, data += size) {
		struct io_access access = {
			.addr = run->io.port,
			.offset = run->io.port - dev->base,
			.size = size,
			.write = write,
			.data = data,
			.vcpu_id = ctx->vcpu_id,
		};
		int stop;

		if (!write)
			memset(data, 0, size);
		stop = dev->handler(dev->opaque, &access);
		if (stop)
			return stop;
	}
	return VM_RUNNING;
}

static int exit_mmio(const struct exit_ctx *ctx, struct kvm_run *run)
{
	uint32_t len = run->mmio.len;
	const struct io_range *dev;
	struct io_access access;

	if (len == 0 || len > sizeof(run->mmio.data)) {
		pr_err("vCPU %u: malformed KVM_EXIT_MMIO: length %u", ctx->vcpu_id, len);
		return VM_STOP_VMM_ERROR;
	}
	dev = io_bus_find(ctx->mmio, run->mmio.phys_addr, len);
	if (!dev && ctx->ignore_unclaimed_ports) {
		if (!run->mmio.is_write) /* nothing decodes the address: all-ones, as on a PC */
			memset(run->mmio.data, 0xff, len);
		return VM_RUNNING;
	}
	if (!dev)
		return exit_unclaimed(ctx->mmio, ctx, run->mmio.phys_addr, len, run->mmio.is_write,
				      run->mmio.data);
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
	access = (struct io_access){
		.addr = run->mmio.phys_addr,
		.offset = run->mmio.phys_addr - dev->base,
		.size = len,
		.write = run->mmio.is_write,
		.data = run->mmio.data,
		.vcpu_id = ctx->vcpu_id,
	};
	return dev->handler(dev->opaque, &access);
}

static int exit_msr(const struct exit_ctx *ctx, struct kvm_run *run, int write)
{
	const struct msr_handler *h = msr_table_find(ctx->msrs, run->msr.index);
	enum msr_result result = MSR_INJECT_GP;

	uint64_t value = run->msr.data;

	if (h && write && h->write) {
		result = h->write(h->opaque, ctx->vcpu_id, run->msr.index, value);
	} else if (h && !write && h->read) {
		result = h->read(h->opaque, ctx->vcpu_id, run->msr.index, &value);
		run->msr.data = value;
	} else {
		pr_warn("vCPU %u: %s of MSR 0x%x has no handler: injecting #GP", ctx->vcpu_id,
			write ? "WRMSR" : "RDMSR", run->msr.index);
	}
	run->msr.error = result == MSR_INJECT_GP;
	return VM_RUNNING;
}

/*
 * An emulation failure can carry the bytes KVM fetched at the guest's RIP (flags bit 0, in
 * data[1..2]): the instruction its emulator lacks comes first. On hosts that emulate ring-0 code
 * (PVM) this names the missing instruction (0f 01 ca is CLAC) without a disassembler.
 */
static void exit_emulation_bytes(const struct exit_ctx *ctx, const struct kvm_run *run,
				 uint32_t ndata)
{
	const __typeof__(run->emulation_failure) *ef = &run->emulation_failure;
	char hex[3 * sizeof(ef->insn_bytes) + 1] = "";
	unsigned int size = ef->insn_size;

	if (ndata < 3 || !(ef->flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES))
		return;
	if (size > sizeof(ef->insn_bytes))
		size = sizeof(ef->insn_bytes);
	for (unsigned int i = 0; i < size; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, " %02x", ef->insn_bytes[i]);
	pr_err("vCPU %u: KVM's instruction emulator failed on the instruction at RIP; the %u "
	       "bytes fetched there:%s",
	       ctx->vcpu_id, size, size ? hex : " (none)");
}

static int exit_internal_error(const struct exit_ctx *ctx, const struct kvm_run *run)
{
	uint32_t n = run->internal.ndata;

	if (n > ARRAY_SIZE(run->internal.data))
		n = ARRAY_SIZE(run->internal.data);
	pr_err("vCPU %u: KVM internal error, suberror %u (%s)", ctx->vcpu_id,
	       run->internal.suberror,
	       run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION	  ? "emulation failure"
	       : run->internal.suberror == KVM_INTERNAL_ERROR_SIMUL_EX	  ? "nested exception"
	       : run->internal.suberror == KVM_INTERNAL_ERROR_DELIVERY_EV ? "event delivery"
									  : "other");
	for (uint32_t i = 0; i < n; i++)
		pr_err("  data[%u] = 0x%llx", i, (unsigned long long)run->internal.data[i]);
	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
		exit_emulation_bytes(ctx, run, n);
	return VM_STOP_CRASH;
}

int exit_dispatch(const struct exit_ctx *ctx, struct kvm_run *run)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO: return exit_io(ctx, run);
	case KVM_EXIT_MMIO: return exit_mmio(ctx, run);
	case KVM_EXIT_X86_RDMSR: return exit_msr(ctx, run, 0);
	case KVM_EXIT_X86_WRMSR: return exit_msr(ctx, run, 1);
	case KVM_EXIT_INTR: return VM_RUNNING;
	case KVM_EXIT_HLT: return VCPU_HALTED; /* no in-kernel LAPIC: nothing but a stop wakes it */
	case KVM_EXIT_SHUTDOWN:
		pr_err("vCPU %u: guest triple fault (KVM_EXIT_SHUTDOWN)", ctx->vcpu_id);
		return VM_STOP_CRASH;
	case KVM_EXIT_FAIL_ENTRY:
		pr_err("vCPU %u: KVM_EXIT_FAIL_ENTRY: hardware entry failure reason 0x%llx "
		       "on CPU %u",
		       ctx->vcpu_id,
		       (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
		       run->fail_entry.cpu);
		return VM_STOP_VMM_ERROR;
	case KVM_EXIT_INTERNAL_ERROR: return exit_internal_error(ctx, run);
	default:
		pr_err("vCPU %u: unhandled exit reason %u (%s)", ctx->vcpu_id, run->exit_reason,
		       exit_reason_name(run->exit_reason));
		return VM_STOP_CRASH;
	}
}
