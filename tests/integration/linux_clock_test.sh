#!/usr/bin/env bash
# linux_clock (CTest): a Linux guest keeps the host's rate under a host slew, and survives a
# pause and a snapshot restored in a new process. In kvmlab (its clock is its own: the test
# slews it), with the guest's init running `clock_report track` (the host-clock page):
# - the host slews +500 ppm for 20 s, on 1 and 2 vCPUs: the every-entry guest's CLOCK_REALTIME
#   offset from the host's must move by less than half the kernel policy's (which runs on
#   CLOCK_MONOTONIC_RAW and so loses the slew: 10 ms in 20 s); and, in the every-entry runs,
#   again when the host then slews -500 ppm for 20 s (a fall in the host's rate, which only
#   a rate estimate that follows it keeps the guest from running ahead of);
# - then, in the 1-vCPU every-entry run, a 5 s pause (freeze): no kernel warning, the guest 5 s
#   behind; a snapshot, the VMM killed, the guest restored in a new process: it reaches init's
#   end (poweroff, status 0).
# Without /dev/kvm it skips (77) and ./run.sh nested-test runs it in kvmlab.
set -uo pipefail
REPO=$1 BUILD=$(readlink -f "$2")
. "$REPO/tools/linux/linux_lib.sh"
if [ -z "$KERNEL" ]; then
	echo "FAIL: no /boot/vmlinuz-*: install linux-image-amd64"
	exit 1
fi
if [ "${PVCLOCK_KVMLAB:-}" != 1 ]; then
	if [ ! -e /dev/kvm ]; then
		echo "SKIP linux_clock: /dev/kvm is absent (./run.sh nested-test runs it in kvmlab)"
		exit 77
	fi
	echo "linux_clock: it slews the host's clock: inside kvmlab, whose clock is its own"
	# One kvmlab CPU: in two, the emulator loses a busy guest's state (docs/soak.md).
	KVMLAB_SMP=1 KVMLAB_TIMEOUT=${KVMLAB_TIMEOUT:-1500} \
		exec "$REPO/tools/kvmlab/run-in-vm.sh" "$REPO" "$0" "$REPO" "$BUILD"
fi
. "$REPO/tools/linux/linux_clock_lib.sh"
lc_must_own_clock linux_clock
trap 'lc_slew 0' EXIT
linux_initramfs || exit 1
SLEW=20 PAUSE=5
OUT=$LINUX_DIR/clock
mkdir -p "$OUT"
fails=0
check() { # check WHAT COMMAND...
	if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi
}

# offset CSV T: the guest's CLOCK_REALTIME minus the host's at its second T, in ns.
offset() {
	awk -F, -v t="$2" '$1 == t { print $2; exit }' "$1"
}

# moved CSV FROM TO: the offset's change from the guest's second FROM to TO, µs, or "none".
moved() {
	awk -v a="$(offset "$1" "$2")" -v b="$(offset "$1" "$3")" \
		'BEGIN { if (a == "" || b == "") print "none"; else printf "%.0f\n", (b - a) / 1000 }'
}

# slew_run POLICY VCPUS LOG DOWN EXTRA-SECONDS: boot, slew +500 ppm from the guest's second 1 to
# SLEW + 1, then (DOWN = 1) -500 ppm for SLEW s more, and (EXTRA-SECONDS > 0) the pause and the
# snapshot after it. Sets MOVED and MOVED_DOWN to the change of the offset over each slew in µs
# (ours: not in a subshell, which could not wait for the VMM).
slew_run() {
	local policy=$1 vcpus=$2 log=$3 down=$4 extra=$5 t end=$((SLEW + 1))
	[ "$down" = 1 ] && end=$((2 * SLEW + 1))
	lc_boot "$log" "$policy" "$vcpus" $((end + extra))
	lc_wait_t "$log" 1 && lc_slew 500 && lc_wait_t "$log" $((SLEW + 1)) &&
		if [ "$down" = 1 ]; then lc_slew -500 && lc_wait_t "$log" "$end"; fi
	lc_slew 0
	if [ "$extra" -gt 0 ]; then
		t=$((end + 2))
		lc_wait_t "$log" "$t" && lc_ctl pause && sleep "$PAUSE" && lc_ctl resume &&
			lc_wait_t "$log" $((t + 3)) && lc_ctl snapshot "$LC_TMP/linux.snap" &&
			kill -KILL "$LC_PID"
		lc_finish
		echo "$(date +%s%6N) linux_clock: VMM killed; restored in a new process" >>"$log"
		lc_start "$log" restore -v --stats --control "$LC_SOCK" --timeout 600 \
			"$LC_TMP/linux.snap"
	fi
	lc_finish
	echo "$LC_STATUS" >"$log.status"
	lc_csv "$log" >"${log%.log}.csv"
	MOVED=$(moved "${log%.log}.csv" 1 $((SLEW + 1)))
	MOVED_DOWN=$(moved "${log%.log}.csv" $((SLEW + 1)) "$end")
}

# slew_tries ...: slew_run, again once if kvmlab's emulator lost the guest's state.
slew_tries() {
	slew_run "$@"
	if lc_emulator_crash "$3"; then
		echo "linux_clock: $1, $2 vCPU(s): kvmlab's emulator lost the guest's state: again"
		mv "$3" "$3.try1"
		slew_run "$@"
	fi
}

for vcpus in 1 2; do
	extra=0
	[ "$vcpus" = 1 ] && extra=$((PAUSE + 10))
	slew_tries every-entry "$vcpus" "$OUT/slew-every-entry-${vcpus}cpu.log" 1 "$extra"
	ours=$MOVED ours_down=$MOVED_DOWN
	slew_tries kernel "$vcpus" "$OUT/slew-kernel-${vcpus}cpu.log" 0 0
	kernel=$MOVED
	echo "linux_clock: $vcpus vCPU(s), host +500 ppm for ${SLEW} s: guest - host moved" \
		"${ours} µs under every-entry, ${kernel} µs under kernel; then -500 ppm for" \
		"${SLEW} s: ${ours_down} µs under every-entry"
	check "$vcpus vCPU(s): both runs reported the offset" \
		[ "$ours" != none ] && [ "$ours_down" != none ] && [ "$kernel" != none ] &&
		check "$vcpus vCPU(s): the kernel policy lost the slew (|${kernel}| µs > 5000)" \
			awk -v k="$kernel" 'BEGIN { exit !(k < -5000 || k > 5000) }' &&
		for o in "$ours" "$ours_down"; do
			check "$vcpus vCPU(s): every-entry moved $o µs, under half the kernel's ${kernel}" \
				awk -v o="$o" -v k="$kernel" 'BEGIN { exit !(2 * (o < 0 ? -o : o) < (k < 0 ? -k : k)) }'
		done
done

log=$OUT/slew-every-entry-1cpu.log
csv=${log%.log}.csv
t=$((2 * SLEW + 3))
check "pause: no kernel warning (soft lockup, RCU stall, BUG)" [ "$(lc_warnings "$log")" = 0 ]
check "pause ($PAUSE s, freeze): the guest fell about $PAUSE s behind" awk \
	-v a="$(offset "$csv" "$t")" -v b="$(offset "$csv" $((t + 2)))" -v p="$PAUSE" \
	'BEGIN { d = (a - b) / 1e9; exit !(a != "" && b != "" && d > p - 0.5 && d < p + 1.5) }'
check "snapshot: the VMM was killed and a new process restored the guest" \
	grep -q "linux_clock: VMM killed" "$log"
check "snapshot: the restored guest reported to its end" grep -q "track: end" "$log"
check "snapshot: the restored guest reached init's end (status $(cat "$log.status"))" \
	[ "$(cat "$log.status")" = 0 ]
echo "linux_clock: logs and CSVs in $OUT"
exit "$fails"
