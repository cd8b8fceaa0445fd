# Shared by ./run.sh linux-demo and the linux_boot test (sourced, not run): build the initramfs,
# decide where a stock kernel can boot, run it under pvclock-vmm or QEMU, read the results.
# Needs: REPO (the source tree), BUILD (the build directory).

KERNEL=${PVCLOCK_LINUX_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)}
LINUX_DIR=$BUILD/linux
LINUX_MEM=256M
LINUX_TIMEOUT=${PVCLOCK_LINUX_TIMEOUT:-900}
LINUX_TRIES=1
LINUX_PIN=()
# Inside kvmlab (QEMU's emulator, nested KVM) the emulator loses a nested guest's state when the
# kvmlab kernel moves a vCPU thread between its CPUs: measured 2026-11-29, unpinned, 20 of 26
# Debian 6.1 boots stalled or crashed ("BUG: ENTRY_TRAMPOLINE stack guard page", the kernel
# entered on the user's GS base), under QEMU + in-kernel KVM as under pvclock-vmm; pinned to one
# CPU (or in a 1-CPU kvmlab), 15 of 18 ran to the end. kvmlab's CPUs share one host thread, so
# pinning costs no speed. A boot that still crashes or stalls there is reported and tried
# again, 3 tries.
if [ "${PVCLOCK_KVMLAB:-}" = 1 ]; then
	LINUX_PIN=(taskset -c 0)
	LINUX_TRIES=${PVCLOCK_LINUX_TRIES:-3}
	LINUX_TIMEOUT=${PVCLOCK_LINUX_TIMEOUT:-240}
fi

# The initramfs: busybox-static, /init, and clock_report built static with the host's gcc.
linux_initramfs() {
	mkdir -p "$LINUX_DIR"
	gcc -O2 -static -pthread -Wall -Wextra -Werror -I"$REPO/include" \
		-o "$LINUX_DIR/clock_report" "$REPO/guest/linux/clock_report.c" || return 1
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

# linux_outcome LOG STATUS: how a run ended, for the reports: a kernel crash (BUG or oops: a
# crash that kills init then also panics), a stall (the timeout's status), or the status.
linux_outcome() {
	if grep -qE 'BUG: |Oops: |general protection fault' "$1"; then
		echo "kernel crash: $(grep -m1 -oE '(BUG|Oops): .{0,60}' "$1")"
	elif [ "$2" = 68 ] || [ "$2" = 124 ]; then
		echo "stalled: no end within ${LINUX_TIMEOUT} s"
	else
		echo "status $2"
	fi
}

# linux_tries LOG COMMAND...: run COMMAND (which prints its exit status) up to LINUX_TRIES
# times while the boot crashes or stalls; each failed try is kept as LOG.tryN and reported on
# stderr. Prints the last status.
linux_tries() {
	local log=$1 try status outcome
	shift
	for ((try = 1; ; try++)); do
		status=$("$@")
		outcome=$(linux_outcome "$log" "$status")
		case $outcome in "kernel crash"* | stalled*) ;; *) break ;; esac
		[ "$try" -lt "$LINUX_TRIES" ] || break
		mv "$log" "$log.try$try"
		echo "linux: $(basename "$log"), try $try of $LINUX_TRIES: $outcome; again" >&2
	done
	[ "$try" -eq 1 ] || echo "linux: $(basename "$log"), try $try: $outcome" >&2
	echo "$status"
}

# linux_run_ours LOG VCPUS [CMDLINE...]: pvclock-vmm; each console line stamped with the host's
# CLOCK_REALTIME (µs) as it arrives, then the per-vCPU counters (exits, publishes: a stalled
# run shows whether its vCPUs were still exiting). Prints the exit status.
linux_run_ours() {
	linux_tries "$1" linux_boot_ours "$@"
}

linux_boot_ours() {
	local log=$1 vcpus=$2
	shift 2
	"${LINUX_PIN[@]}" "$BUILD/pvclock-vmm" run --stats --mem "$LINUX_MEM" --vcpus "$vcpus" \
		--timeout "$LINUX_TIMEOUT" --initrd "$LINUX_DIR/initramfs.cpio.gz" "$KERNEL" \
		-- console=ttyS0 "$@" 2>&1 |
		linux_stamp >"$log"
	echo "${PIPESTATUS[0]}"
}

# linux_run_qemu LOG VCPUS: the same kernel and initramfs under QEMU with in-kernel KVM. One
# try: in kvmlab QEMU stalled on every try, 4 of 4 even pinned (README, Linux).
linux_run_qemu() {
	local LINUX_TRIES=1

	linux_tries "$1" linux_boot_qemu "$@"
}

linux_boot_qemu() {
	local log=$1 vcpus=$2
	"${LINUX_PIN[@]}" timeout "$LINUX_TIMEOUT" qemu-system-x86_64 -accel kvm -cpu host -m "$LINUX_MEM" \
		-smp "$vcpus" -nographic -no-reboot -kernel "$KERNEL" \
		-initrd "$LINUX_DIR/initramfs.cpio.gz" -append "console=ttyS0 panic=-1" 2>&1 |
		linux_stamp >"$log"
	echo "${PIPESTATUS[0]}"
}

# Each line as it arrives, stamped, without the tty's carriage return.
linux_stamp() {
	local line
	while IFS= read -r line; do printf '%s %s\n' "${EPOCHREALTIME/./}" "${line%$'\r'}"; done
}

# linux_value LOG KEY: the value clock_report printed for KEY. Its line may follow the tail of
# another on the console (init's line cut by a kernel message: "... after bootclocksource:"),
# but never a kernel line ("[ time ] ...").
linux_value() {
	sed -n "s/^[0-9]* \([^[][^:]*\)\?$2: //p" "$1" | head -1
}

# linux_offset_us LOG: guest CLOCK_REALTIME minus the host's when the line arrived, in µs,
# taken at the middle of the guest's reading-to-drained window, then "±" half that window.
linux_offset_us() {
	awk '/ guest-realtime-ns: / { t = $3; s = $1 }
	     / guest-realtime-drain-ns: / { d = $3 }
	     END { if (s) printf "%d±%d", (t + d / 2) / 1000 - s, d / 2000 }' "$1"
}

# linux_kernel_s LOG PATTERN: the kernel timestamp (s since boot) of the first line with PATTERN.
linux_kernel_s() {
	grep -m1 -F -- "$2" "$1" | sed -n 's/^[0-9]* \[ *\([0-9.]*\)\].*/\1/p'
}
