/* What vmm.c and vmm_devices.c share: the VMM being assembled (not for other modules). */
#ifndef VMM_VMM_INTERNAL_H
#define VMM_VMM_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "boot/image.h"
#include "clock/kvmclock.h"
#include "clock/policy.h"
#include "dev/console.h"
#include "dev/fw_cfg.h"
#include "dev/report.h"
#include "dev/uart.h"
#include "machine/vm.h"

struct vmm {
	struct vm *vm;
	struct uart uart;
	struct debug_exit debug_exit;
	struct clock_policy policy;
	enum kvmclock_wall_mode wall_mode;
	uint64_t calibrated_ns;
	struct console console;
	struct report_dev report;
	struct fw_cfg fw_cfg;
	struct guest_image image;
	bool console_ready, report_ready, fw_cfg_ready, uart_ready;
	uint64_t floating_ports[65536 / 64]; /* Linux: the ports it probed and found nothing at */
};

/* vmm_devices.c: console, report channel, doorbell, UART (IRQ 4 on a PC), i8042 (Linux),
 * isa-debug-exit, port 0x80, fw_cfg. */
int vmm_add_devices(struct vmm *v, FILE *out, unsigned int nr_vcpus) __must_check;
/* vmm_devices.c: a Linux guest's probed legacy ports, logged at --verbose. */
void vmm_log_floating_ports(const struct vmm *v);

#endif
