/* pvclock-vmm-qemu's -help, -version and -device help (qemu_reply.h). */
#include "cli/qemu_reply.h"

void qemu_print_version_line(FILE *out, const char *version)
{
	fprintf(out, "QEMU emulator version %s (pvclock-vmm-qemu %s)\n", QEMU_FOLLOWED_VERSION,
		version);
}

void qemu_print_version(FILE *out, const char *version)
{
	qemu_print_version_line(out, version);
	fprintf(out, "pvclock-vmm behind QEMU's command line, for kvm-unit-tests; not QEMU\n");
}

void qemu_print_help(FILE *out, const char *version)
{
	qemu_print_version_line(out, version);
	fprintf(out, "usage: pvclock-vmm-qemu [options] -kernel IMAGE\n"
		     "\n"
		     "pvclock-vmm (a PC machine on /dev/kvm, KVM only) with the QEMU options\n"
		     "kvm-unit-tests' x86 runner passes; every other option or value is refused\n"
		     "by name with status 77, which the runner reports as SKIP. Malformed values\n"
		     "end with 1, as under QEMU; a guest's isa-debug-exit write of v with\n"
		     "(v << 1) | 1, as under QEMU; pvclock-vmm's own failures with 64-70.\n"
		     "\n"
		     "-kernel IMAGE       a multiboot image (or a Linux bzImage)\n"
		     "-append ARGS        the guest's command line, after the image name\n"
		     "-initrd 'F [A],...' multiboot modules (kvm-unit-tests' environment file)\n"
		     "-smp N[,cpus=N,maxcpus=N,sockets=,dies=,clusters=,cores=,threads=]\n"
		     "-m SIZE             RAM, MiB by default or with B/K/M/G/T (8M..3G)\n"
		     "-cpu MODEL[,+F,-F,F=on|off,vendor=V,host-phys-bits,migratable=X]\n"
		     "                    any QEMU model: the vCPUs get the host's features\n"
		     "                    (KVM_GET_SUPPORTED_CPUID) with the edits; an addition\n"
		     "                    KVM lacks here, or a vendor not the host's: 77\n"
		     "-machine [pc,]accel=kvm[,kernel-irqchip=on,pit=on,vmport=off,smm=off]\n"
		     "-accel kvm, -enable-kvm\n"
		     "-device pc-testdev | isa-debug-exit,iobase=0xf4,iosize=4 | help\n"
		     "-global kvm-pit.lost_tick_policy=discard|delay\n"
		     "-display none, -serial stdio, -nographic, -nodefaults, -no-reboot\n"
		     "-h, -help, -version\n"
		     "-v                  more messages (ours, not QEMU's; repeat for debug)\n");
}

void qemu_print_devices(FILE *out)
{
	fprintf(out, "Misc devices:\n"
		     "name \"isa-debug-exit\", bus ISA, desc \"at iobase 0xf4, iosize 4 only\"\n"
		     "name \"pc-testdev\", bus ISA, desc \"QEMU's x86 test device\"\n");
}
