#!/usr/bin/env bash
# linux_boot (CTest) and ./run.sh linux-test: a stock Linux kernel (linux-image-amd64) boots
# under pvclock-vmm and picks kvm-clock: 2 vCPUs and 1 vCPU to init, each ended by a panic
# (status 69), and a 1-vCPU reboot (status 0); with --all also a poweroff (ACPI S5, status 0)
# and QEMU with in-kernel KVM, which must pick the same clocksource. Where a stock kernel cannot
# boot at usable speed (a KVM that emulates ring 0) it runs inside kvmlab, and says so; without
# /dev/kvm it skips here (77) and ./run.sh nested-test runs it in kvmlab.
set -uo pipefail
REPO=$1 BUILD=$(readlink -f "$2") ALL=${3:-}
. "$REPO/tools/linux/linux_lib.sh"
if [ -z "$KERNEL" ]; then
	echo "FAIL: no /boot/vmlinuz-*: install linux-image-amd64"
	exit 1
fi
where=$(linux_where)
if [ "$where" = kvmlab ] && [ "${PVCLOCK_KVMLAB:-}" != 1 ]; then
	if [ ! -e /dev/kvm ]; then
		echo "SKIP linux_boot: /dev/kvm is absent on this machine (./run.sh nested-test runs it in kvmlab)"
		exit 77
	fi
	echo "linux_boot: this KVM runs guest ring 0 by emulation: booting Linux inside kvmlab"
	KVMLAB_SMP=2 KVMLAB_TIMEOUT=${KVMLAB_TIMEOUT:-3600} \
		exec "$REPO/tools/kvmlab/run-in-vm.sh" "$REPO" "$0" "$REPO" "$BUILD" $ALL
fi
linux_initramfs || exit 1
fails=0
check() { # check WHAT COMMAND...
	if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi
}
has() { grep -qF -- "$2" "$1"; }

status=$(linux_run_ours "$LINUX_DIR/test-2cpu.log" 2 pvclock.end=panic)
log=$LINUX_DIR/test-2cpu.log
check "2 vCPUs: both brought up" has "$log" "smp: Brought up 1 node, 2 CPUs"
check "2 vCPUs: init ran" has "$log" "init: pid 1"
check "2 vCPUs: current clocksource kvm-clock" [ "$(linux_value "$log" clocksource)" = kvm-clock ]
check "2 vCPUs: the kernel switched to kvm-clock" has "$log" "Switched to clocksource kvm-clock"
check "2 vCPUs: the vDSO reads the clock (no syscall cost)" awk -v v="$(linux_value "$log" \
	read-cost-vdso-ns)" -v s="$(linux_value "$log" read-cost-syscall-ns)" \
	'BEGIN { exit !(v > 0 && v < s) }'
check "2 vCPUs: 0 warps across CPUs" has "$log" "warps: 0 in"
check "2 vCPUs: a panic ends the run with 69 (status $status)" [ "$status" = 69 ]

status=$(linux_run_ours "$LINUX_DIR/test-1cpu.log" 1 pvclock.end=panic)
log=$LINUX_DIR/test-1cpu.log
check "1 vCPU: init ran on kvm-clock" [ "$(linux_value "$log" clocksource)" = kvm-clock ]
check "1 vCPU: 0 warps" has "$log" "warps: 0 in"
check "1 vCPU: a panic ends the run with 69 (status $status)" [ "$status" = 69 ]

status=$(linux_run_ours "$LINUX_DIR/test-reboot.log" 1)
check "1 vCPU: reboot ends the run with 0 (status $status)" [ "$status" = 0 ]
check "1 vCPU: the kernel restarted the machine" has "$LINUX_DIR/test-reboot.log" \
	"reboot: Restarting system"

if [ "$ALL" = --all ]; then
	status=$(linux_run_ours "$LINUX_DIR/test-poweroff.log" 1 pvclock.end=poweroff)
	check "1 vCPU: poweroff (ACPI S5) ends the run with 0 (status $status)" [ "$status" = 0 ]
	status=$(linux_run_qemu "$LINUX_DIR/test-qemu.log" 2)
	check "QEMU + in-kernel KVM: the same clocksource (status $status)" \
		[ "$(linux_value "$LINUX_DIR/test-qemu.log" clocksource)" = kvm-clock ]
fi
exit "$fails"
