/* The host-clock page (host_clock_abi.h): the host's clocks, one MMIO load a register. */
#ifndef VMM_HOST_CLOCK_H
#define VMM_HOST_CLOCK_H

#include "host_clock_abi.h"
#include "core/io_bus.h"

/*
 * The MMIO handler for the whole page. @opaque is the const struct pvclock_clock the VM's clock
 * reads (the system's; a test's fake), whose read_real_ns and read_mono_ns answer the loads.
 */
int host_clock_io(void *opaque, struct io_access *access);

#endif
