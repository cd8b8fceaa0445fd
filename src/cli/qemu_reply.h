/* pvclock-vmm-qemu's answers to the probes a QEMU user makes: -help, -version, -device help. */
#ifndef CLI_QEMU_REPLY_H
#define CLI_QEMU_REPLY_H

#include <stdio.h>

/*
 * The QEMU release whose command line and exit statuses the front end follows, in the first
 * line of -help and -version: kvm-unit-tests reads QEMU_MAJOR/MINOR/MICRO from there.
 */
#define QEMU_FOLLOWED_VERSION "7.2.0"

/* "QEMU emulator version X.Y.Z (pvclock-vmm-qemu V)": QEMU's format, so scripts parse it. */
void qemu_print_version_line(FILE *out, const char *version);
void qemu_print_help(FILE *out, const char *version);
void qemu_print_version(FILE *out, const char *version);
/* The devices there are, in QEMU's format (name "pc-testdev", bus ISA, desc "..."). */
void qemu_print_devices(FILE *out);

#endif
