/* The VMM as a library: run one guest image to completion and say how it ended. */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clock/kvmclock.h"
#include "clock/kvmclock_stats.h"
#include "clock/policy.h"
#include "core/compiler.h"
#include "core/stop.h"
#include "machine/cpu_features.h"
#include "memmap.h"

struct clock_measure;

/* Process exit statuses; 0..63 are the guest's own exit code (GUEST_EXIT / main's return). */
enum vmm_exit_status {
	VMM_EXIT_USAGE = 64,	   /* bad command line */
	VMM_EXIT_ABORT = 65,	   /* guest assertion failed (GUEST_ASSERT*) */
	VMM_EXIT_GUEST_ERROR = 66, /* guest broke the protocol: bad report, unclaimed port, HLT */
	VMM_EXIT_CRASH = 67,	   /* guest crashed: triple fault, KVM internal error */
	VMM_EXIT_TIMEOUT = 68,	   /* watchdog (--timeout) stopped the guest */
	VMM_EXIT_GUEST_PANIC = 69, /* a Linux guest panicked (its console said so) */
	VMM_EXIT_VMM_ERROR = 70,   /* host-side failure: no KVM, bad image, ioctl error */
};

/*
 * What to run and how. Every option arrives typed: the caller parses strings once, with the
 * parsers this library offers (clock_policy_parse, kvmclock_wall_mode_parse,
 * kvmclock_pause_mode_parse, cpu_features_parse, guest_mem_parse_size). A zeroed field is
 * the default.
 */
struct vmm_config {
	const char *image_path; /* ELF file to load, or NULL to use image/image_size */
	const void *image;
	size_t image_size;
	uint64_t mem_size;     /* 0: GUEST_MEM_DEFAULT */
	unsigned int nr_vcpus; /* 0: 1 */
	uint64_t timeout_ns;   /* 0: no watchdog */
	int argc;	       /* guest arguments; argv[0] is by convention the image name */
	char *const *argv;
	FILE *console;			      /* guest text output; NULL: stdout */
	struct clock_policy policy;	      /* --policy; ops NULL: every-entry */
	enum kvmclock_wall_mode wall_clock;   /* --wall-clock; default boot */
	enum kvmclock_pause_mode pause_clock; /* --pause-clock; default freeze */
	/* --test-no-guest-stopped: a resume does not raise PVCLOCK_GUEST_STOPPED (tests only) */
	bool no_guest_stopped;
	struct cpu_features cpu;       /* --cpu; none: KVM's CPUID as the machine has it */
	uint64_t calibrate_ns;	       /* wait up to this for the rate estimate first */
	struct clock_measure *measure; /* where clock samples go (demo), or NULL */
	bool ignore_unclaimed_ports;   /* --ignore-unclaimed-ports */
	const char *const *modules;    /* --module "PATH [ARGS]": multiboot modules, in order */
	unsigned int nr_modules;
	const char *initrd;	  /* --initrd: a Linux guest's initial RAM disk */
	bool invariant_tsc;	  /* --invariant-tsc: let a Linux guest see the invariant-TSC bit */
	const char *control_path; /* --control: a socket for pause/resume/snapshot/stats/stop */
	const char *restore_path; /* restore this snapshot instead of loading an image */
	/*
	 * A multiboot image starts on the PC state SeaBIOS leaves under QEMU's -kernel: the
	 * 8259s at vectors 0x08/0x70 with the timer unmasked, the PIT ticking at 18.2 Hz, a
	 * real-mode IVT whose entries return (vmm_bios.c). pvclock-vmm-qemu sets it.
	 */
	bool bios_state;
	bool bios_pit_idle; /* bios_state without the PIT's tick (QEMU's pit=off, approximated) */
	bool pit_discard;   /* the in-kernel PIT drops lost ticks (kvm-pit.lost_tick_policy) */
	/*
	 * How long a stop waits for the vCPUs to leave before it kicks again (0: 100 ms). Tests
	 * that prove no kick is ever lost make it long, so a slow host cannot pass for a lost kick.
	 */
	uint64_t stop_rekick_ns;
};

struct vmm_result {
	enum vm_stop stop;
	unsigned long stop_rekicks; /* kick rounds the stop needed past the first (0: none) */
	int guest_exit_code;	    /* valid when stop == VM_STOP_DONE */
	unsigned long nr_exits;	    /* KVM_RUN exits over all vCPUs */
	unsigned long syncs;	    /* GUEST_SYNC reports */
	uint64_t last_sync;
	struct kvmclock_stats clock; /* summed over vCPUs */
	uint64_t calibrated_ns;	     /* how long the start-up calibration took */
	uint64_t tsc_hz;	     /* the TSC frequency KVM reported */
	uint64_t settle_ns;	     /* VM set-up to settled rate estimate; 0: never settled */
	unsigned int nr_vcpus;
	unsigned long vcpu_exits[MEMMAP_MAX_VCPUS];
	struct kvmclock_stats vcpu_clock[MEMMAP_MAX_VCPUS];
};

/*
 * Build the VM, run the guest until it stops, tear everything down. 0 or -errno (set-up), or
 * -ETIMEDOUT if a vCPU thread would not stop (named in the log; the VM is then abandoned).
 */
int vmm_run(const struct vmm_config *cfg, struct vmm_result *result) __must_check;
/* The machine's device table, row by row (its names, for tests and messages). */
unsigned int vmm_device_count(void);
const char *vmm_device_name(unsigned int row);
/* Tests: make the nth device set-up from now fail with @err (0: none). */
void vmm_inject_device_failure(unsigned int nth, int err);
/* Print the per-vCPU kvmclock counters (--stats). */
void vmm_print_stats(const struct vmm_result *result, FILE *out);
/* Map a result (or a setup error, result NULL) to the process exit status. */
int vmm_exit_status(const struct vmm_result *result);

#endif
