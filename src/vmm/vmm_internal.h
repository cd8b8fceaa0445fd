/*
 * What the assembly files of the VMM share (not for other modules): the VMM being built, the
 * machine it is, and the two sources a machine is filled from (an image, a snapshot).
 *
 * Calls run one way: vmm.c (run, stop, report) -> vmm_boot.c, vmm_snapshot.c (the sources)
 * -> vmm_assemble.c (one assembly for both) -> vmm_devices.c (the device table).
 * vmm_control.c serves the socket and calls vmm_snapshot.c's save.
 */
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

/* The machine to assemble: fixed by the config (boot) or by the snapshot (restore). */
struct vmm_machine {
	uint64_t mem_size;
	unsigned int nr_vcpus;
	struct clock_policy policy;
	enum kvmclock_wall_mode wall_mode;
	struct cpu_features cpu;
	bool ignore_unclaimed_ports;
};

struct vmm {
	struct vm *vm;
	struct vmm_machine machine;
	struct guest_image image; /* its kind (set by the source's load) picks the devices */
	uint64_t calibrated_ns;
	FILE *out; /* the guest's text output */
	/* The devices (vmm_devices.c's table); rows_up: how many rows set-up has walked. */
	unsigned int rows_up;
	struct console console;
	struct report_dev report;
	struct uart uart;
	struct debug_exit debug_exit;
	struct fw_cfg fw_cfg;
	struct pci_host pci;		     /* PC machines */
	struct acpi_pm acpi_pm;		     /* PC machines: the registers the FADT names */
	struct pc_testdev testdev;	     /* multiboot images: QEMU's pc-testdev */
	struct control control;		     /* --control: the socket */
	uint64_t floating_ports[65536 / 64]; /* Linux: the ports it probed and found nothing at */
};

/*
 * Where a machine's contents come from. Assembly calls each hook at its place in the one
 * order both paths share (vmm_assemble); a NULL hook has nothing to do there.
 */
struct vmm_source {
	/* RAM allocated: fill it and set v->image.kind (and the boot data). */
	int (*load)(struct vmm *v, const void *ctx);
	/* Devices set up: their state. */
	int (*devices)(struct vmm *v, const void *ctx);
	/* vCPUs created: their KVM state (before the kvmclock MSRs are filtered). */
	int (*vcpus)(struct vmm *v, const void *ctx);
	/* The kvmclock host set up, not started: its per-vCPU registrations. */
	int (*registrations)(struct vmm *v, const void *ctx);
	/* The clock started: the guest's time, if it does not begin at 0. */
	int (*time)(struct vmm *v, const void *ctx);
};

/* vmm_bios.c, the boot source's vcpus hook: the PC state a BIOS leaves (cfg->bios_state). */
int vmm_bios_setup(struct vmm *v, const void *cfg) __must_check;

/* vmm_assemble.c: build @v as machine @m from @src; 0 or -errno (undone by vmm_disassemble). */
int vmm_assemble(struct vmm *v, const struct vmm_config *cfg, const struct vmm_machine *m,
		 const struct vmm_source *src, const void *ctx) __must_check;
void vmm_disassemble(struct vmm *v);
/* vmm_boot.c: build @v from cfg's image. */
int vmm_boot(struct vmm *v, const struct vmm_config *cfg) __must_check;
/* vmm_snapshot.c: build @v from the snapshot cfg->restore_path (checked whole first). */
int vmm_restore(struct vmm *v, const struct vmm_config *cfg) __must_check;
/* vmm_snapshot.c: write a snapshot of the paused VM to @path (@bytes: its size). */
int vmm_snapshot_save(struct vmm *v, const char *path, uint64_t *bytes) __must_check;
/* vmm_devices.c: walk the device table forward (set-up) and back (teardown). */
int vmm_devices_setup(struct vmm *v, FILE *out) __must_check;
void vmm_devices_teardown(struct vmm *v);
/* vmm_devices.c: a Linux guest's probed legacy ports, logged at --verbose. */
void vmm_log_floating_ports(const struct vmm *v);
/* vmm_control.c: the control socket's commands. */
void vmm_control_handle(void *opaque, const char *verb, const char *arg, struct control_reply *r);

#endif
