#!/usr/bin/env bash
# The Linux demo: a stock kernel (linux-image-amd64) with the bundled initramfs, 2 vCPUs,
# under pvclock-vmm and under QEMU with in-kernel KVM, side by side. Run by ./run.sh linux-demo,
# here or inside kvmlab (wherever a stock kernel boots at usable speed). In kvmlab QEMU + KVM
# stalls before init on every try (docs/linux-guest.md), so there it is skipped, and said so at
# once, unless LINUX_DEMO_QEMU=1 asks for it.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(readlink -f "${1:-$REPO/build}")
QEMU_WANTED=${LINUX_DEMO_QEMU:-${2:-}}
. "$REPO/tools/linux/linux_lib.sh"
[ -n "$KERNEL" ] || { echo "linux-demo: no /boot/vmlinuz-*: install linux-image-amd64" >&2; exit 1; }
if [ "$(linux_where)" = kvmlab ] && [ "${PVCLOCK_KVMLAB:-}" != 1 ]; then
	if [ -e /dev/kvm ]; then
		echo "linux-demo: this KVM runs guest ring 0 by emulation (ring0_speed): in kvmlab"
	else
		echo "linux-demo: no /dev/kvm here: in kvmlab"
	fi
	KVMLAB_SMP=2 KVMLAB_TIMEOUT=2000 exec "$REPO/tools/kvmlab/run-in-vm.sh" "$REPO" "$0" \
		"$BUILD" "$QEMU_WANTED"
fi
qemu_skip=
if [ "${PVCLOCK_KVMLAB:-}" = 1 ]; then
	echo "linux-demo: inside kvmlab (QEMU TCG + nested KVM: slow)"
	if [ "$QEMU_WANTED" != 1 ]; then
		qemu_skip="skipped: QEMU + KVM stalls before init in kvmlab (LINUX_DEMO_QEMU=1 tries)"
		echo "linux-demo: QEMU + in-kernel KVM is not run here: in kvmlab it stalled before" \
			"init on every try (docs/linux-guest.md); LINUX_DEMO_QEMU=1 runs it anyway" \
			"(up to ${LINUX_TIMEOUT} s)"
	fi
fi
linux_initramfs || exit 1
echo "linux-demo: $KERNEL, 2 vCPUs, $LINUX_MEM, the bundled initramfs"
ours=$(linux_run_ours "$LINUX_DIR/ours.log" 2)
if [ -n "$qemu_skip" ]; then
	: >"$LINUX_DIR/qemu.log"
else
	qemu=$(linux_run_qemu "$LINUX_DIR/qemu.log" 2)
fi
# The offset by the host-clock page (pvclock-vmm only), µs: exact to its bound.
probe_us() {
	linux_value "$1" host-clock-offset-ns |
		awk '{ if (NF == 3) printf "%d±%d", $1 / 1000, $3 / 1000 + 0.999 }'
}
row() { # row NAME LOG STATUS
	printf '%-12s %-10s %10s %9s %10s %10s %14s %12s %-22s %s\n' "$1" \
		"$(linux_value "$2" clocksource)" \
		"$(linux_kernel_s "$2" 'Switched to clocksource')" \
		"$(sed -n 's/.* init: pid 1, \([0-9.]*\) s.*/\1/p' "$2")" \
		"$(linux_value "$2" read-cost-vdso-ns)" "$(linux_value "$2" read-cost-syscall-ns)" \
		"$(linux_offset_us "$2")" "$(probe_us "$2")" \
		"$(linux_value "$2" warps | cut -d' ' -f1-4)" "$(linux_outcome "$2" "$3")"
}
printf '%-12s %-10s %10s %9s %10s %10s %14s %12s %-22s %s\n' host clocksource switch-s init-s \
	vdso-ns syscall-ns console-off-us probe-off-us warps end
row pvclock-vmm "$LINUX_DIR/ours.log" "$ours"
if [ -n "$qemu_skip" ]; then
	printf '%-12s %s\n' qemu-kvm "$qemu_skip"
	echo "log: $LINUX_DIR/ours.log (each line: host CLOCK_REALTIME µs, text)"
else
	row qemu-kvm "$LINUX_DIR/qemu.log" "$qemu"
	echo "logs: $LINUX_DIR/ours.log, $LINUX_DIR/qemu.log (each line: host CLOCK_REALTIME µs, text)"
fi
