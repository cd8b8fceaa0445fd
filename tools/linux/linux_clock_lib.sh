# The Linux clock scenarios' pieces (sourced by linux_clock_demo.sh and linux_clock_test.sh,
# after linux_lib.sh): boot a Linux guest whose init runs `clock_report track`, act on the host's
# clock or on the VMM at the guest's own seconds, and read the offsets it reports. They change
# CLOCK_REALTIME and its frequency, so they run only where that is this process's own clock:
# inside kvmlab (PVCLOCK_KVMLAB=1).
# Needs REPO, BUILD, LINUX_DIR, KERNEL, LINUX_MEM, LINUX_PIN (linux_lib.sh).

LC_TMP=${LC_TMP:-$(mktemp -d /tmp/linux-clock.XXXXXX)} # local: kvmlab's 9p has no FIFOs, sockets
LC_SOCK=$LC_TMP/control

# lc_must_own_clock WHO: refuse to change a clock that is not kvmlab's own.
lc_must_own_clock() {
	[ "${PVCLOCK_KVMLAB:-}" = 1 ] && return 0
	echo "$1: it slews and steps CLOCK_REALTIME: only inside kvmlab (PVCLOCK_KVMLAB=1)" >&2
	exit 2
}

# lc_slew PPM: the host's clock frequency offset (adjtimex ADJ_FREQUENCY, 65536 units a ppm).
lc_slew() {
	busybox adjtimex -q -f "$(($1 * 65536))" >/dev/null
}

# lc_step SECONDS: step CLOCK_REALTIME by SECONDS (signed), exactly (clock_step: ADJ_SETOFFSET).
lc_step() {
	"$LINUX_DIR/clock_step" "$1"
}

# lc_build: clock_step, built static beside the initramfs.
lc_build() {
	gcc -O2 -static -Wall -Wextra -Werror -o "$LINUX_DIR/clock_step" \
		"$REPO/tools/linux/clock_step.c"
}

# lc_start LOG VMM-ARGS...: start pvclock-vmm (run or restore), its console stamped into LOG
# (host CLOCK_REALTIME µs per line). Sets LC_PID and LC_STAMP.
lc_start() {
	local log=$1 fifo=$LC_TMP/console
	shift
	rm -f "$fifo" "$LC_SOCK"
	mkfifo "$fifo" || return 1
	linux_stamp <"$fifo" >>"$log" &
	LC_STAMP=$!
	"${LINUX_PIN[@]}" "$BUILD/pvclock-vmm" "$@" >"$fifo" 2>&1 &
	LC_PID=$!
}

# lc_finish: wait for the VMM and the stamper (in this shell: they are its children); sets
# LC_STATUS to the VMM's exit status.
lc_finish() {
	wait "$LC_PID" 2>/dev/null # a VMM killed for the snapshot scenario: no "Killed" line
	LC_STATUS=$?
	wait "$LC_STAMP"
	rm -f "$LC_TMP/console"
}

# lc_boot LOG POLICY VCPUS SECONDS VMM-OPTS...: a Linux guest tracking its clock for SECONDS,
# every LC_EVERY seconds (1).
lc_boot() {
	local log=$1 policy=$2 vcpus=$3 seconds=$4
	shift 4
	: >"$log"
	lc_start "$log" run -v --stats --control "$LC_SOCK" --policy "$policy" --vcpus "$vcpus" \
		--mem "$LINUX_MEM" --timeout "$((seconds * 3 + 900))" "$@" \
		--initrd "$LINUX_DIR/initramfs.cpio.gz" "$KERNEL" -- console=ttyS0 \
		"pvclock.track=$seconds" "pvclock.every=${LC_EVERY:-1}" pvclock.end=poweroff
}

# lc_emulator_crash LOG: kvmlab's emulator lost the guest's state (the kernel entered with the
# user's GS base: docs/linux-guest.md; QEMU + KVM crash the same way there): the run is retried.
lc_emulator_crash() {
	[ "${PVCLOCK_KVMLAB:-}" = 1 ] && grep -q 'BUG: ENTRY_TRAMPOLINE stack guard page' "$1"
}

# lc_wait_t LOG N: wait until the guest has reported its second N; 1 if the VMM ended first.
lc_wait_t() {
	until grep -q "track: t $2 " "$1"; do
		kill -0 "$LC_PID" 2>/dev/null || return 1
		sleep 0.2
	done
}

# lc_ctl COMMAND...: one control-socket command; its reply on stderr if refused.
lc_ctl() {
	"$BUILD/pvclock-vmm" ctl "$LC_SOCK" "$@" >"$LC_TMP/ctl.out" 2>&1 ||
		{ cat "$LC_TMP/ctl.out" >&2; return 1; }
}

# lc_csv LOG: the guest's lines as CSV: t, real and mono offsets and bounds (ns), the host's
# stamp on the line's arrival (µs), and guest minus host by that stamp (the console's way, ns).
lc_csv() {
	echo "t,real_ns,real_bound_ns,mono_ns,mono_bound_ns,host_us,console_ns"
	sed -n 's/^\([0-9]*\) .*track: t \([0-9]*\) real \(-\?[0-9]*\) +- \([0-9]*\) mono \(-\?[0-9]*\) +- \([0-9]*\) rate.* g \([0-9]*\)$/\2,\3,\4,\5,\6,\1,\7/p' "$1" |
		awk -F, -v OFS=, '{ $7 = $7 - $6 * 1000; print }'
}

# lc_row CSV FROM TO [DRIFT-FROM]: the real offset at FROM (first sample at or after) in ms with
# its bound (µs), then over FROM..TO: the change to the last sample (µs), the largest change
# either way beyond its bound (µs: |change| less the sample's bound, so a preempted, wide
# bracket is no "worst"), the drift (least-squares slope over DRIFT-FROM..TO, each sample
# weighted by 1 / bound^2; ppm) and the bounds of that span's ends over its length (ppm).
lc_row() {
	awk -F, -v a="$2" -v b="$3" -v df="${4:-$2}" 'NR > 1 && $1 >= a && $1 <= b {
		y = $2 / 1000; e = $3 / 1000; if (!n++) { y0 = y; b0 = $3 }
		d = y - y0; c = (d < 0 ? -d : d) - e; if (c < 0) c = 0
		if (c > wc) { wc = c; w = d < 0 ? -c : c }; last = y
		if ($1 >= df) { x = $1; k = 1 / (e * e + 1); if (!m++) { x0 = x; c0 = $3 }
			s0 += k; sx += k * x; sy += k * y; sxx += k * x * x; sxy += k * x * y
			x1 = x; c1 = $3 } }
	END { if (m < 2) { print "- - - - -"; exit }
		den = s0 * sxx - sx * sx; slope = den > 0 ? (s0 * sxy - sx * sy) / den : 0
		printf "%.3f±%d %+.0f %+.0f %+.2f ±%.2f\n", y0 / 1000, b0 / 1000 + 0.999, last - y0,
			w, slope, (c0 + c1) / 1000 / (x1 - x0) }' "$1"
}

# lc_after_jump CSV FROM TO: the guest's second after the row's last event (a step, a pause:
# its control command can take seconds to land under kvmlab), plus one: after the last change
# over 100 ms between two successive samples in FROM..TO, else after the largest change (a pause
# under continue moves the offset by a few ms only); FROM if there are no two samples.
lc_after_jump() {
	awk -F, -v a="$2" -v b="$3" 'NR > 1 && $1 >= a && $1 <= b {
		if (n++) { d = $2 - p; if (d < 0) d = -d; if (d > 1e8) t = $1
			if (d > j) { j = d; tj = $1 } }; p = $2 }
	END { print (t ? t + 1 : tj ? tj + 1 : a) }' "$1"
}

# lc_warnings LOG [FROM [TO]]: the kernel's warnings (soft lockups, RCU stalls, BUG, WARNING)
# printed after the guest's second FROM (0: once it began tracking; kvmlab's boot has its own,
# docs/linux-guest.md) up to its second TO (the end).
lc_warnings() {
	awk -v from="${2:-0}" -v to="${3:-999999}" '/track: [0-9]+ s,/ { t = 0; on = from == 0 }
	     / track: t [0-9]+ / { t = $0; sub(/.* track: t /, "", t); t += 0
		on = t >= from && t < to }
	     on && /WARNING:|BUG: |Oops|soft lockup|hard LOCKUP|rcu_.*stall|RCU stall|hung_task/ { n++ }
	     END { print n + 0 }' "$1"
}
