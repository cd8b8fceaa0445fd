/* What vmm.c and vmm_devices.c share: the VMM being assembled (not for other modules). */
#ifndef VMM_VMM_INTERNAL_H
#define VMM_VMM_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "boot/image.h"
#include "clock/kvmclock.h"
#include "clock/policy.h"
#include "control/control.h"
#include "dev/console.h"
#include "dev/acpi_pm.h"
#include "dev/fw_cfg.h"
#include "dev/pc_testdev.h"
#include "dev/pci.h"
#include "dev/report.h"
#include "dev/uart.h"
#include "machine/cpu_features.h"
#include "machine/vm.h"
#include "vmm.h"

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
	struct pci_host pci;	   /* PC machines */
	struct acpi_pm acpi_pm;	   /* PC machines: the registers the FADT names */
	struct pc_testdev testdev; /* multiboot images: QEMU's pc-testdev */
	struct guest_image image;
	enum kvmclock_pause_mode pause_clock;
	struct cpu_features cpu; /* --cpu */
	char cpu_spec[96];
	struct control control; /* --control: the socket */
	bool console_ready, report_ready, fw_cfg_ready, uart_ready, pci_ready, testdev_ready,
		acpi_pm_ready;
	uint64_t floating_ports[65536 / 64]; /* Linux: the ports it probed and found nothing at */
};

/* vmm_devices.c: console, report channel, doorbell, UART (IRQ 4 on a PC), i8042 (Linux),
 * isa-debug-exit, port 0x80, fw_cfg. */
int vmm_add_devices(struct vmm *v, FILE *out, unsigned int nr_vcpus) __must_check;
/* vmm.c: the vCPUs for @v's image; the clock host started (both paths: boot and restore). */
int vmm_create_vcpus(struct vmm *v, const struct vmm_config *cfg,
		     unsigned int nr_vcpus) __must_check;
int vmm_start_clock(struct vmm *v, const struct vmm_config *cfg) __must_check;
/* vmm.c: KVM's CPUID with --cpu's edits (after vm_open_kvm, before the vCPUs). */
int vmm_set_cpu_features(struct vmm *v) __must_check;
/* vmm_snapshot.c: write a snapshot of the paused VM to @path (@bytes: its size). */
int vmm_snapshot_save(struct vmm *v, const char *path, uint64_t *bytes) __must_check;
/* vmm_snapshot.c: build @v from the snapshot cfg->restore_path (checked whole first). */
int vmm_build_restored(struct vmm *v, const struct vmm_config *cfg, FILE *console) __must_check;
/* vmm_control.c: the control socket's commands. */
void vmm_control_handle(void *opaque, const char *verb, const char *arg, struct control_reply *r);
/* vmm_devices.c: a Linux guest's probed legacy ports, logged at --verbose. */
void vmm_log_floating_ports(const struct vmm *v);

#endif
