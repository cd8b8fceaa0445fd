/* The host-clock page: each aligned 64-bit load answers with a host clock read at that exit. */
#include "dev/host_clock.h"

#include <string.h>

#include "core/log.h"
#include "core/stop.h"
#include "pvclock_clock.h"

static const char *const host_clock_names[HOST_CLOCK_NR_REGS] = {
	[HOST_CLOCK_MAGIC / HOST_CLOCK_LOAD_SIZE] = "magic",
	[HOST_CLOCK_REALTIME / HOST_CLOCK_LOAD_SIZE] = "realtime",
	[HOST_CLOCK_MONOTONIC / HOST_CLOCK_LOAD_SIZE] = "monotonic",
};

/* The register's value; the caller checked @offset names one. */
static uint64_t host_clock_value(const struct pvclock_clock *clk, uint64_t offset)
{
	switch (offset) {
	case HOST_CLOCK_REALTIME: return clk->read_real_ns(clk->ctx);
	case HOST_CLOCK_MONOTONIC: return clk->read_mono_ns(clk->ctx);
	default: return HOST_CLOCK_MAGIC_VALUE;
	}
}

int host_clock_io(void *opaque, struct io_access *access)
{
	uint64_t value = 0;

	if (access->write) {
		memcpy(&value, access->data,
		       access->size < sizeof(value) ? access->size : sizeof(value));
		pr_err("vCPU %u: guest store of 0x%llx (size %u) to the host-clock page at 0x%llx: "
		       "the page only takes loads",
		       access->vcpu_id, (unsigned long long)value, access->size,
		       (unsigned long long)access->addr);
		return VM_STOP_GUEST_ERROR;
	}
	if (access->offset % HOST_CLOCK_LOAD_SIZE ||
	    access->offset / HOST_CLOCK_LOAD_SIZE >= HOST_CLOCK_NR_REGS) {
		pr_err("vCPU %u: guest load (size %u) from the host-clock page at 0x%llx: no "
		       "register at offset 0x%llx",
		       access->vcpu_id, access->size, (unsigned long long)access->addr,
		       (unsigned long long)access->offset);
		return VM_STOP_GUEST_ERROR;
	}
	if (access->size != HOST_CLOCK_LOAD_SIZE) {
		pr_err("vCPU %u: guest load (size %u) of host-clock register %s: it takes %d-byte "
		       "loads",
		       access->vcpu_id, access->size,
		       host_clock_names[access->offset / HOST_CLOCK_LOAD_SIZE],
		       HOST_CLOCK_LOAD_SIZE);
		return VM_STOP_GUEST_ERROR;
	}
	value = host_clock_value(opaque, access->offset);
	memcpy(access->data, &value, sizeof(value));
	return VM_RUNNING;
}
