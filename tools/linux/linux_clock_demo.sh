#!/usr/bin/env bash
# linux_clock_demo.sh BUILD [OUT]: a Linux guest keeps the host's time with no NTP inside it.
# The stock kernel boots with init running `clock_report track`, which compares the guest's
# CLOCK_REALTIME and CLOCK_MONOTONIC with the host's once a second through the host-clock page.
# Per policy and vCPU count, two boots, each a timeline of scenarios:
#   main:   steady; the host slewing +500 ppm, then -500 ppm (adjtimex, NTP's limit); the host
#           stepping +10 s, then -10 s (--wall-clock boot); a 20 s pause (--pause-clock freeze);
#           a snapshot, the VMM killed and the guest restored in a new process, to its end;
#   follow: the steps under --wall-clock follow (boot under kernel, where KVM writes the wall
#           clock), the pause under --pause-clock continue;
# and under every-entry a third, `nostop`: the continue pause with PVCLOCK_GUEST_STOPPED withheld
# (--test-no-guest-stopped), to show what Linux logs without it. Prints one table and writes
# OUT/<scenario>-<N>cpu.png per scenario and vCPU count, the logs and CSVs. It changes the
# clock it runs on: always inside kvmlab.
# Environment: LC_VCPUS ("1 2"), LC_POLICIES (every-entry threshold:100 live:1ms once kernel),
# LC_QUICK=1 (short: 30 s steady, 20 s each slew, 8 s between the other events; the pause
# stays 20 s), LC_STEADY (the steady part's seconds), LC_EVERY (the guest's probe period, 1 s:
# a longer one leaves an idle guest without exits, as a real one is), LC_TIMELINES (main follow
# nostop), LC_PAUSE (the pauses' seconds, 20), LC_TABLE_ONLY=1 (the table and plots of the
# runs in OUT, none run).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(readlink -f "${1:-$REPO/build}")
OUT=${2:-$REPO/results/linux-clock}
. "$REPO/tools/linux/linux_lib.sh"
[ -n "$KERNEL" ] || { echo "linux-clock-demo: no /boot/vmlinuz-*: install linux-image-amd64" >&2; exit 1; }
VCPUS=${LC_VCPUS:-1 2}
POLICIES=${LC_POLICIES:-every-entry threshold:100 live:1ms once kernel}
TIMELINES=${LC_TIMELINES:-main follow nostop}
if [ "${PVCLOCK_KVMLAB:-}" != 1 ] && [ "${LC_TABLE_ONLY:-}" != 1 ]; then
	echo "linux-clock-demo: it slews and steps the host's clock: inside kvmlab, whose clock is" \
		"its own (QEMU TCG + nested KVM: every figure is the emulator's)"
	mkdir -p "$OUT"
	# kvmlab passes no environment: the choices go in as env's arguments. One kvmlab CPU:
	# in a 2-CPU kvmlab the emulator lost a busy guest's state in 5 of 6 runs (soak.md), and
	# in both of this demo's first runs.
	KVMLAB_SMP=${KVMLAB_SMP:-1} KVMLAB_TIMEOUT=${KVMLAB_TIMEOUT:-14400} exec \
		"$REPO/tools/kvmlab/run-in-vm.sh" "$REPO" env "LC_VCPUS=$VCPUS" \
		"LC_POLICIES=$POLICIES" "LC_QUICK=${LC_QUICK:-}" "LC_TIMELINES=$TIMELINES" \
		"LC_PAUSE=${LC_PAUSE:-}" "LC_TABLE_ONLY=${LC_TABLE_ONLY:-}" \
		"LC_EVERY=${LC_EVERY:-1}" "LC_STEADY=${LC_STEADY:-}" "$0" \
		"$BUILD" "$(readlink -f "$OUT")"
fi
. "$REPO/tools/linux/linux_clock_lib.sh"
[ "${LC_TABLE_ONLY:-}" = 1 ] || lc_must_own_clock linux-clock-demo
if [ "${LC_QUICK:-}" = 1 ]; then
	STEADY=30 SLEW=20 GAP=8
else
	STEADY=120 SLEW=120 GAP=20
fi
STEADY=${LC_STEADY:-$STEADY}
PAUSE_S=${LC_PAUSE:-20}
# The main timeline, in the guest's seconds of tracking.
SLEW_AT=$STEADY                          # +500 ppm from here, -500 ppm from SLEW_AT + SLEW
STEP_AT=$((SLEW_AT + 2 * SLEW + GAP))    # +10 s here, -10 s GAP later
PAUSE_AT=$((STEP_AT + 2 * GAP))          # PAUSE_S of pause
SNAP_AT=$((PAUSE_AT + 2 * GAP))          # snapshot, kill, restore
MAIN_END=$((SNAP_AT + 2 * GAP))
# The follow timeline: steps at GAP and 2 GAP, the pause at 4 GAP.
F_PAUSE_AT=$((4 * GAP)) F_END=$((6 * GAP))
mkdir -p "$OUT"
OUT=$(readlink -f "$OUT")
TABLE=$OUT/table.txt
if [ "${LC_TABLE_ONLY:-}" != 1 ]; then
	trap 'lc_slew 0' EXIT
	linux_initramfs && lc_build || exit 1
fi

# at LOG T: wait for the guest's second T (0 if the VMM ended first).
at() {
	lc_wait_t "$1" "$2"
}

# snapshot LOG: a snapshot, the VMM killed, 5 s later a new process restores it.
snapshot() {
	if ! lc_ctl snapshot "$LC_TMP/linux.snap"; then
		echo "$(date +%s%6N) linux-clock-demo: snapshot refused" >>"$1"
		return 1
	fi
	kill -KILL "$LC_PID"
	lc_finish
	echo "$(date +%s%6N) linux-clock-demo: VMM killed; restoring in a new process in 5 s" >>"$1"
	sleep 5
	lc_start "$1" restore -v --stats --control "$LC_SOCK" --timeout "$((MAIN_END * 3 + 400))" \
		"$LC_TMP/linux.snap"
}

events_main() {
	at "$1" "$SLEW_AT" && lc_slew 500 && at "$1" $((SLEW_AT + SLEW)) && lc_slew -500 &&
		at "$1" $((SLEW_AT + 2 * SLEW)) && lc_slew 0 &&
		at "$1" "$STEP_AT" && lc_step 10 && at "$1" $((STEP_AT + GAP)) && lc_step -10 &&
		at "$1" "$PAUSE_AT" && lc_ctl pause && sleep "$PAUSE_S" && lc_ctl resume &&
		at "$1" "$SNAP_AT" && snapshot "$1"
}

events_follow() {
	at "$1" "$GAP" && lc_step 10 && at "$1" $((2 * GAP)) && lc_step -10 &&
		at "$1" "$F_PAUSE_AT" && lc_ctl pause && sleep "$PAUSE_S" && lc_ctl resume
}

events_nostop() {
	at "$1" "$GAP" && lc_ctl pause && sleep "$PAUSE_S" && lc_ctl resume
}

# run TIMELINE POLICY VCPUS SECONDS [VMM-OPTS...]: boot, the timeline's events, the end; keeps
# the log, its CSV and the VMM's status.
run() {
	local name=$1 policy=$2 vcpus=$3 seconds=$4 log
	shift 4
	log=$OUT/$name-${policy%%:*}-${vcpus}cpu.log
	echo "linux-clock-demo: $name timeline, $policy, $vcpus vCPU(s) ($seconds s of tracking)"
	for ((try = 1; ; try++)); do
		lc_boot "$log" "$policy" "$vcpus" "$seconds" "$@"
		"events_$name" "$log" ||
			echo "linux-clock-demo: $name, $policy: the timeline stopped early"
		lc_finish
		lc_slew 0
		lc_emulator_crash "$log" && [ "$try" -lt "${LC_TRIES:-2}" ] || break
		mv "$log" "$log.try$try"
		echo "linux-clock-demo: kvmlab's emulator lost the guest's state (BUG:" \
			"ENTRY_TRAMPOLINE, docs/linux-guest.md): again"
	done
	lc_csv "$log" >"${log%.log}.csv"
	echo "$LC_STATUS" >"${log%.log}.status"
}

for vcpus in $VCPUS; do
	[ "${LC_TABLE_ONLY:-}" != 1 ] || break
	for policy in $POLICIES; do
		for timeline in $TIMELINES; do
			case $timeline in
			main) run main "$policy" "$vcpus" "$MAIN_END" ;;
			follow)
				# Under kernel KVM writes the wall clock itself: no follow, the steps
				# as under boot (not tabled again); the continue pause is the point.
				wall=follow
				[ "$policy" = kernel ] && wall=boot
				run follow "$policy" "$vcpus" "$F_END" --wall-clock "$wall" \
					--pause-clock continue
				;;
			nostop)
				[ "$policy" = every-entry ] || continue
				run nostop "$policy" "$vcpus" $((2 * GAP)) --pause-clock continue \
					--test-no-guest-stopped
				;;
			esac
		done
	done
done

# row LABEL TIMELINE POLICY VCPUS FROM TO [EVENT]: one line of the table from that run's CSV;
# with an EVENT (the guest's second it was asked for), the drift after it (after the largest
# change between two samples: a control command can take seconds to land under kvmlab) and the
# kernel's warnings from it.
row() {
	local base=$OUT/$2-${3%%:*}-${4}cpu warn=- drift_from=$5
	[ -f "$base.csv" ] || return 0 # not run
	if [ -n "${7:-}" ]; then
		warn=$(lc_warnings "$base.log" "$7" "$6")
		drift_from=$(lc_after_jump "$base.csv" "$5" "$6")
	fi
	printf '%-16s %-13s %2s %s %4s  %s\n' "$1" "$3" "$4" \
		"$(lc_row "$base.csv" "$5" "$6" "$drift_from" | awk '{ printf "%17s %10s %10s %8s %7s", $1, $2, $3, $4, $5 }')" \
		"$warn" "status $(cat "$base.status"), $(grep -q 'track: end' "$base.log" &&
			echo tracked to the end || echo cut short)"
}

# event_seconds CSV: E_STEP, E_PAUSE, E_SNAP: the guest's seconds at which the main timeline's
# +10 s step, pause and snapshot show in its offset (the first, third and fourth jump over 1 s:
# under a loaded kvmlab a command lands seconds after it was due); the timeline's own seconds
# where the run did not show all four.
event_seconds() {
	local jumps
	E_STEP=$STEP_AT E_PAUSE=$PAUSE_AT E_SNAP=$SNAP_AT
	[ -f "$1" ] || return 0
	jumps=($(awk -F, 'NR > 2 { d = $2 - p; if (d < 0) d = -d; if (d > 1e9) print $1 }
		{ p = $2 }' "$1"))
	[ ${#jumps[@]} -eq 4 ] || return 0
	E_STEP=${jumps[0]} E_PAUSE=${jumps[2]} E_SNAP=${jumps[3]}
}

# The table: the guest's CLOCK_REALTIME minus the host's from the guest's second FROM: at FROM
# (ms), its change at TO and its largest change (µs), the drift over FROM..TO (ppm) and the
# bound on it from the probe (±ppm); the kernel's warnings after the event; how the run ended.
{
	printf '%-16s %-13s %2s %17s %10s %10s %8s %7s %4s  %s\n' scenario policy n \
		"start ms ±µs" "end µs" "worst µs" "ppm" "±ppm" warn "the run"
	for vcpus in $VCPUS; do
		for policy in $POLICIES; do
			event_seconds "$OUT/main-${policy%%:*}-${vcpus}cpu.csv"
			row steady main "$policy" "$vcpus" 1 "$SLEW_AT"
			row "slew +500 ppm" main "$policy" "$vcpus" "$SLEW_AT" $((SLEW_AT + SLEW))
			row "slew -500 ppm" main "$policy" "$vcpus" $((SLEW_AT + SLEW)) \
				$((SLEW_AT + 2 * SLEW))
			row "step, boot" main "$policy" "$vcpus" $((E_STEP - 1)) $((E_PAUSE - 1)) \
				"$E_STEP"
			[ "$policy" = kernel ] ||
				row "step, follow" follow "$policy" "$vcpus" $((GAP - 1)) \
					$((F_PAUSE_AT - 1)) "$GAP"
			row "pause, freeze" main "$policy" "$vcpus" $((E_PAUSE - 1)) $((E_SNAP - 1)) \
				"$E_PAUSE"
			row "pause, continue" follow "$policy" "$vcpus" $((F_PAUSE_AT - 1)) "$F_END" \
				"$F_PAUSE_AT"
			row "pause, no STOP" nostop "$policy" "$vcpus" $((GAP - 1)) $((2 * GAP)) "$GAP"
			row "snapshot" main "$policy" "$vcpus" $((E_SNAP - 1)) "$MAIN_END" "$E_SNAP"
		done
	done
	echo "(start: guest minus host CLOCK_REALTIME in ms, ± the probe's bound in µs; end: its"
	echo "change at the row's end, µs; worst: its largest change beyond the probe's bound, µs;"
	echo "ppm: weighted least-squares slope over the row, after its event if any, ± the end"
	echo "bounds over that span; warn: kernel warnings from the event (-: not counted); in"
	echo "kvmlab, so the emulator's figures)"
} | tee "$TABLE"

# One plot per scenario and vCPU count: each policy's offset change against the guest's seconds.
plot() { # plot NAME TIMELINE FROM TO VCPUS
	local plots=() policy csv first
	for policy in $POLICIES; do
		csv=$OUT/$2-${policy%%:*}-${5}cpu.csv
		[ -f "$csv" ] && [ "$(wc -l <"$csv")" -gt 2 ] || continue
		first=$(awk -F, -v a="$3" 'NR > 1 && $1 >= a { print $2; exit }' "$csv")
		[ -n "$first" ] || continue
		# Brackets over 1 ms wide (a preempted exit) are left out: the table bounds them.
		plots+=("'$csv' every ::1 using 1:((\$1 >= $3 && \$1 <= $4 && \$3 <= 1e6) ? (\$2 - $first) / 1000.0 : 1/0) with linespoints title '$policy'")
	done
	[ ${#plots[@]} -gt 0 ] || return 0
	gnuplot -e "set terminal png size 1000,560 noenhanced; set output '$OUT/$1-${5}cpu.png';
		set xrange [$3:$4];
		set datafile separator ','; set key outside; set grid;
		set title 'Linux guest: CLOCK_REALTIME, guest minus host, $1, $5 vCPU(s) (kvmlab)';
		set xlabel 'guest seconds of tracking'; set ylabel 'change from the start (µs)';
		plot $(IFS=,; echo "${plots[*]}")" || echo "linux-clock-demo: gnuplot failed for $1"
}
for vcpus in $VCPUS; do
	plot steady main 1 "$SLEW_AT" "$vcpus"
	plot slew main "$SLEW_AT" $((SLEW_AT + 2 * SLEW)) "$vcpus"
	plot step-boot main $((STEP_AT - 1)) $((PAUSE_AT - 1)) "$vcpus"
	plot step-follow follow $((GAP - 1)) $((F_PAUSE_AT - 1)) "$vcpus"
	plot pause-freeze main $((PAUSE_AT - 1)) $((SNAP_AT - 1)) "$vcpus"
	plot pause-continue follow $((F_PAUSE_AT - 1)) "$F_END" "$vcpus"
	plot snapshot main $((SNAP_AT - 1)) "$MAIN_END" "$vcpus"
done
echo "linux-clock-demo: table $TABLE; logs, CSVs and plots in $OUT"
