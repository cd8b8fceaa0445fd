#!/usr/bin/env bash
# The Linux demo: a stock kernel (linux-image-amd64) with the bundled initramfs, 2 vCPUs,
# under pvclock-vmm and under QEMU with in-kernel KVM, side by side. Run by ./run.sh linux-demo,
# here or inside kvmlab (wherever a stock kernel boots at usable speed).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(readlink -f "${1:-$REPO/build}")
. "$REPO/tools/linux/linux_lib.sh"
[ -n "$KERNEL" ] || { echo "linux-demo: no /boot/vmlinuz-*: install linux-image-amd64" >&2; exit 1; }
if [ "$(linux_where)" = kvmlab ] && [ "${PVCLOCK_KVMLAB:-}" != 1 ]; then
	if [ -e /dev/kvm ]; then
		echo "linux-demo: this KVM runs guest ring 0 by emulation (ring0_speed): in kvmlab"
	else
		echo "linux-demo: no /dev/kvm here: in kvmlab"
	fi
	KVMLAB_SMP=2 KVMLAB_TIMEOUT=2000 exec "$REPO/tools/kvmlab/run-in-vm.sh" "$REPO" "$0" "$BUILD"
fi
[ "${PVCLOCK_KVMLAB:-}" = 1 ] && echo "linux-demo: inside kvmlab (QEMU TCG + nested KVM: slow)"
linux_initramfs || exit 1
echo "linux-demo: $KERNEL, 2 vCPUs, $LINUX_MEM, the bundled initramfs"
ours=$(linux_run_ours "$LINUX_DIR/ours.log" 2)
qemu=$(linux_run_qemu "$LINUX_DIR/qemu.log" 2)
row() { # row NAME LOG STATUS
	printf '%-12s %-10s %10s %9s %10s %10s %12s %-22s %s\n' "$1" \
		"$(linux_value "$2" clocksource)" \
		"$(linux_kernel_s "$2" 'Switched to clocksource')" \
		"$(sed -n 's/.* init: pid 1, \([0-9.]*\) s.*/\1/p' "$2")" \
		"$(linux_value "$2" read-cost-vdso-ns)" "$(linux_value "$2" read-cost-syscall-ns)" \
		"$(linux_offset_us "$2")" "$(linux_value "$2" warps | cut -d' ' -f1-4)" \
		"$(linux_outcome "$2" "$3")"
}
printf '%-12s %-10s %10s %9s %10s %10s %12s %-22s %s\n' host clocksource switch-s init-s \
	vdso-ns syscall-ns offset-us warps end
row pvclock-vmm "$LINUX_DIR/ours.log" "$ours"
row qemu-kvm "$LINUX_DIR/qemu.log" "$qemu"
echo "logs: $LINUX_DIR/ours.log, $LINUX_DIR/qemu.log (each line: host CLOCK_REALTIME µs, text)"
