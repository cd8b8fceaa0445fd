/*
 * pvclock-vmm-qemu's command line: QEMU's options as kvm-unit-tests' x86 runner writes them,
 * parsed once into what the VMM takes. What pvclock-vmm does not offer is refused by name.
 */
#ifndef CLI_QEMU_ARGS_H
#define CLI_QEMU_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/multiboot.h"
#include "machine/cpu_features.h"

/* Exit statuses of the front end itself (the guest's are the VMM's, as QEMU's). */
/* QEMU_EXIT_ERROR: QEMU's status for a bad command line or a kernel it cannot load. */
#define QEMU_EXIT_ERROR	      1
#define QEMU_EXIT_UNSUPPORTED 77 /* what kvm-unit-tests' runner reports as SKIP */

/* What the command line asks for. */
enum qemu_action {
	QEMU_RUN,	  /* boot the kernel */
	QEMU_HELP,	  /* -h, -help: the version line, then the options */
	QEMU_VERSION,	  /* -version */
	QEMU_DEVICES,	  /* -device help (or '?'): the devices there are */
	QEMU_MALFORMED,	  /* a value QEMU refuses too (named): exit 1 */
	QEMU_UNSUPPORTED, /* an option or value pvclock-vmm does not offer (named): exit 77 */
};

#define QEMU_INITRD_MAX 4096 /* bytes of -initrd, split into modules */

struct qemu_args {
	const char *kernel; /* -kernel */
	const char *append; /* -append: the guest's command line after the image name */
	uint64_t mem_size;  /* -m, bytes (0: the VMM's default) */
	unsigned int nr_vcpus;
	const char *cpu_model; /* -cpu's model, mapped to the host's features */
	struct cpu_features cpu;
	char cpu_vendor[13];	 /* -cpu vendor=: must be the host's ("" none given) */
	bool pit_discard;	 /* -global kvm-pit.lost_tick_policy=discard */
	bool pit_idle;		 /* -machine pit=off: the PIT never started (no BIOS tick) */
	unsigned int verbose;	 /* -v (ours, not QEMU's): repeat for debug */
	unsigned int nr_modules; /* -initrd, QEMU's multiboot modules: "PATH [ARGS],..." */
	const char *modules[MULTIBOOT_MAX_MODULES];
	char initrd[QEMU_INITRD_MAX];
};

/*
 * Parse argv[1..] into @out (zeroed first). Every refusal is logged naming the option and
 * its value; the action says which exit status it earns.
 */
enum qemu_action qemu_args_parse(int argc, char **argv, struct qemu_args *out);
/* The exit status a refusal earns (QEMU_MALFORMED, QEMU_UNSUPPORTED), else 0. */
int qemu_action_status(enum qemu_action action);

#endif
