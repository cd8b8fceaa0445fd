# Shared by ./run.sh linux-demo and the linux_boot test (sourced, not run): build the initramfs,
# decide where a stock kernel can boot, run it under pvclock-vmm or QEMU, read the results.
# Needs: REPO (the source tree), BUILD (the build directory).

KERNEL=${PVCLOCK_LINUX_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)}
LINUX_DIR=$BUILD/linux
LINUX_MEM=256M
LINUX_TIMEOUT=${PVCLOCK_LINUX_TIMEOUT:-900}

# The initramfs: busybox-static, /init, and clock_report built static with the host's gcc.
linux_initramfs() {
	mkdir -p "$LINUX_DIR"
	gcc -O2 -static -pthread -Wall -Wextra -Werror -o "$LINUX_DIR/clock_report" \
		"$REPO/guest/linux/clock_report.c" || return 1
	"$REPO/tools/linux/make_initramfs.sh" "$LINUX_DIR/initramfs.cpio.gz" \
		"$LINUX_DIR/clock_report"
}

# Where a stock kernel boots at usable speed: "here" on VMX/SVM; "kvmlab" where /dev/kvm is
# absent or runs guest ring 0 by emulation (ring0_speed: thousands of cycles per iteration).
linux_where() {
	local cycles
	if [ "${PVCLOCK_KVMLAB:-}" = 1 ]; then echo here; return; fi
	if [ ! -e /dev/kvm ]; then echo kvmlab; return; fi
	cycles=$("$BUILD/pvclock-vmm" run "$BUILD/guest/ring0_speed.elf" | awk '{ print $2 }')
	if [ -n "$cycles" ] && [ "$cycles" -lt 200 ]; then echo here; else echo kvmlab; fi
}

# linux_run_ours LOG VCPUS [CMDLINE...]: pvclock-vmm; each console line stamped with the host's
# CLOCK_REALTIME (µs) as it arrives. Prints the exit status.
linux_run_ours() {
	local log=$1 vcpus=$2
	shift 2
	"$BUILD/pvclock-vmm" run --mem "$LINUX_MEM" --vcpus "$vcpus" --timeout "$LINUX_TIMEOUT" \
		--initrd "$LINUX_DIR/initramfs.cpio.gz" "$KERNEL" -- console=ttyS0 "$@" 2>&1 |
		linux_stamp >"$log"
	echo "${PIPESTATUS[0]}"
}

# linux_run_qemu LOG VCPUS: the same kernel and initramfs under QEMU with in-kernel KVM.
linux_run_qemu() {
	local log=$1 vcpus=$2
	timeout "$LINUX_TIMEOUT" qemu-system-x86_64 -accel kvm -cpu host -m "$LINUX_MEM" \
		-smp "$vcpus" -nographic -no-reboot -kernel "$KERNEL" \
		-initrd "$LINUX_DIR/initramfs.cpio.gz" -append "console=ttyS0 panic=-1" 2>&1 |
		tr -d '\r' | linux_stamp >"$log"
	echo "${PIPESTATUS[0]}"
}

linux_stamp() {
	local line
	while IFS= read -r line; do printf '%s %s\n' "${EPOCHREALTIME/./}" "$line"; done
}

# linux_value LOG KEY: the value clock_report printed for KEY.
linux_value() {
	sed -n "s/^[0-9]* $2: //p" "$1" | head -1
}

# linux_offset_us LOG: guest CLOCK_REALTIME minus the host's when the line arrived, in µs.
linux_offset_us() {
	awk '/ guest-realtime-ns: / { printf "%d", $3 / 1000 - $1 }' "$1"
}

# linux_kernel_s LOG PATTERN: the kernel timestamp (s since boot) of the first line with PATTERN.
linux_kernel_s() {
	grep -m1 -F -- "$2" "$1" | sed -n 's/^[0-9]* \[ *\([0-9.]*\)\].*/\1/p'
}
