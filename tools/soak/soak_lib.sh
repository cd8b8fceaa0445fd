# The soak's pieces (sourced by soak.sh): sample a running VMM, watch it period by period,
# judge the run. Needs REPO.

soak_usage() {
	echo "usage: soak.sh native BUILD POLICY VCPUS SECONDS PERIOD OUT" >&2
	echo "       soak.sh linux BUILD SECONDS PERIOD OUT" >&2
	exit 2
}

# soak_vmm_rss PID: the VMM's resident KiB less the guest RAM's (the mapping of SOAK_MEM_KIB):
# a guest touching more of its RAM is not the VMM growing.
soak_vmm_rss() {
	awk -v mem="$SOAK_MEM_KIB" '/^Size:/ { size = $2 } /^Rss:/ { rss += $2; if (size == mem)
		guest += $2 } END { print rss - guest }' "/proc/$1/smaps" 2>/dev/null
}

# soak_sample PID SOCKET: "RSS-KiB FDS EXITS" of the VMM now (EXITS from the stats command).
soak_sample() {
	local rss fds exits
	rss=$(soak_vmm_rss "$1")
	fds=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	exits=$("$BUILD/pvclock-vmm" ctl "$2" stats 2>/dev/null |
		sed -n 's/.*\],"exits":\([0-9]*\).*/\1/p')
	echo "${rss:-0} ${fds:-0} ${exits:-0}"
}

# soak_guest_totals LOG: the guest's last "soak: t" line's warps, or - before its first.
soak_guest_warps() {
	sed -n 's/.*soak: t [0-9]* s: .* \([0-9]*\) warps.*/\1/p' "$1" | tail -1 | grep . || echo -
}

SOAK_WARNING='WARNING:|BUG:|Oops|soft lockup|hard LOCKUP|rcu_.*stall|RCU stall|hung_task'

# soak_kernel_warnings LOG [boot|soak]: the kernel warnings a Linux guest printed: all of
# them; those before its soak began (boot); those since (soak: none is the promise). A
# restored run's log has no beginning: all of it is soak.
soak_kernel_warnings() {
	awk -v part="${2:-}" -v re="$SOAK_WARNING" '/soak: [0-9]+ s on/ { started = 1; next }
		$0 ~ re { all++; if (started) soak++ }
		END { if (!started && FILENAME ~ /restored/) soak = all
		      print part == "boot" ? all - soak : part == "soak" ? soak + 0 : all + 0 }' "$1"
}

soak_header() {
	printf '%8s %10s %5s %10s %6s %8s  %s\n' t-s vmm-KiB fds exits/s warps warnings event
}

# soak_watch PID SOCKET PERIOD LOG CSV EVENT-FN: sample every PERIOD s until PID ends, calling
# EVENT-FN N (the period's number; it prints what it did) after each sample.
soak_watch() {
	local pid=$1 sock=$2 period=$3 log=$4 csv=$5 event_fn=$6
	local t0 n=0 now sample rss fds exits last_exits=0 last_t=0 rate warps warns event
	t0=$(date +%s.%N)
	echo "t_s,rss_kib,fds,exits_per_s,warps,warnings,event" >"$csv"
	while kill -0 "$pid" 2>/dev/null; do
		n=$((n + 1))
		sleep "$(awk -v t0="$t0" -v n="$n" -v p="$period" -v now="$(date +%s.%N)" \
			'BEGIN { s = t0 + n * p - now; print (s > 0 ? s : 0) }')"
		kill -0 "$pid" 2>/dev/null || break
		now=$(awk -v t0="$t0" -v now="$(date +%s.%N)" 'BEGIN { printf "%.0f", now - t0 }')
		read -r rss fds exits <<<"$(soak_sample "$pid" "$sock")"
		# A VMM that ended while sampled leaves a partial sample, and one whose guest has
		# printed its end is tearing down (vCPU fds closing): the run is over.
		kill -0 "$pid" 2>/dev/null && [ "$fds" -gt 0 ] && ! grep -q 'soak: end:' "$log" ||
			break
		rate=$(awk -v e="$exits" -v le="$last_exits" -v t="$now" -v lt="$last_t" \
			'BEGIN { printf "%.0f", (t > lt ? (e - le) / (t - lt) : 0) }')
		last_exits=$exits last_t=$now
		warps=$(soak_guest_warps "$log")
		warns=$(soak_kernel_warnings "$log")
		event=$($event_fn "$n")
		printf '%8s %10s %5s %10s %6s %8s  %s\n' "$now" "$rss" "$fds" "$rate" "$warps" \
			"$warns" "$event"
		echo "$now,$rss,$fds,$rate,$warps,$warns,$event" >>"$csv"
	done
}

# soak_slope CSV COLUMN: least-squares slope of COLUMN per minute over the steady rows (those
# after the guest's first totals: before them it boots) but the first (warm-up: thread arenas,
# first touches), and the change from the second to the last of them.
soak_slope() {
	awk -F, -v c="$2" 'NR > 1 && $5 != "-" && s++ { n++; x = $1 / 60; y = $c; sx += x; sy += y; sxx += x * x;
		sxy += x * y; if (n == 1) first = y; last = y }
		END { d = n * sxx - sx * sx; printf "%+.1f/min (%+d over the run)",
			(n > 1 && d) ? (n * sxy - sx * sy) / d : 0, last - first }' "$1"
}

# soak_change CSV COLUMN: COLUMN's change over the steady rows after the first (warm-up).
soak_change() {
	awk -F, -v c="$2" 'NR > 1 && $5 != "-" && s++ { if (!n++) f = $c; l = $c }
		END { print l - f }' "$1"
}

# soak_judge CSV LOG STATUS WHAT: print the verdict lines; 0 when the run held.
soak_judge() {
	local csv=$1 log=$2 status=$3 what=$4 bad=0 fd_change rss_change
	echo "$what: VMM memory (less guest RAM) $(soak_slope "$csv" 2) KiB; open fds" \
		"$(soak_slope "$csv" 3)"
	fd_change=$(soak_change "$csv" 3)
	rss_change=$(soak_change "$csv" 2)
	if [ "$status" != 0 ]; then echo "$what: FAIL: the run ended with status $status"; bad=1; fi
	if [ "${fd_change:-0}" -ne 0 ]; then echo "$what: FAIL: open fds changed"; bad=1; fi
	# glibc's heap moves by a few pages; a leak of a buffer per period shows far above this.
	if [ "${rss_change:-0}" -gt 1024 ]; then
		echo "$what: FAIL: resident memory grew ${rss_change} KiB"
		bad=1
	fi
	if grep -qE 'soak: (t [0-9]+ s|end):.* [1-9][0-9]* warps' "$log"; then
		echo "$what: FAIL: warps: $(grep -m1 -E 'soak: .* [1-9][0-9]* warps' "$log")"
		bad=1
	fi
	if ! grep -q 'soak: end:' "$log"; then echo "$what: FAIL: the guest never ended"; bad=1; fi
	if [ "$(soak_kernel_warnings "$log" boot)" -ne 0 ]; then
		echo "$what: kernel warnings at boot, before the soak began (not the soak's):"
		grep -m3 -E "$SOAK_WARNING" "$log"
	fi
	if [ "$(soak_kernel_warnings "$log" soak)" -ne 0 ]; then
		echo "$what: FAIL: kernel warnings during the soak:"
		awk -v re="$SOAK_WARNING" '/soak: [0-9]+ s on/ { s = 1 } s && $0 ~ re' "$log" | head -5
		bad=1
	fi
	[ "$bad" = 0 ] && echo "$what: held (0 warps, no warnings, fds flat, memory flat)"
	return "$bad"
}

soak_no_event() {
	echo -
}

# soak_native BUILD POLICY VCPUS SECONDS PERIOD OUT: soak_clock on /dev/kvm.
soak_native() {
	BUILD=$1 SOAK_MEM_KIB=65536 # the default --mem
	local policy=$2 vcpus=$3 seconds=$4 period=$5 out=$6 pid status
	local name="native-$vcpus-vcpus-${policy//[:\/]/_}"
	local sock log="$out/$name.log" csv="$out/$name.csv"
	sock=$(mktemp -d /tmp/soak.XXXXXX)/control # local: OUT may be shared over 9p (kvmlab)
	mkdir -p "$out"
	rm -f "$sock"
	echo "soak: $name, ${seconds} s, every ${period} s (log $log)"
	"$BUILD/pvclock-vmm" run --control "$sock" --vcpus "$vcpus" --policy "$policy" \
		--timeout "$((seconds * 3 + 600))" "$BUILD/guest/soak_clock.elf" "$seconds" \
		"$period" >"$log" 2>&1 &
	pid=$!
	soak_header
	soak_watch "$pid" "$sock" "$period" "$log" "$csv" soak_no_event
	wait "$pid"
	status=$?
	grep -m1 'soak: end:' "$log"
	soak_judge "$csv" "$log" "$status" "$name"
}

# The Linux soak's events, period @1: a 1 s pause every period, a snapshot every 5th (the file
# of the last one kept for the restore).
soak_linux_event() {
	local n=$1 what="pause 1 s"
	if [ "${SOAK_PAUSE:-1}" = 0 ]; then # SOAK_PAUSE=0: no pause, no snapshot (to compare)
		echo -
		return
	fi
	"$BUILD/pvclock-vmm" ctl "$SOAK_SOCK" pause >/dev/null || what="pause refused"
	sleep 1
	"$BUILD/pvclock-vmm" ctl "$SOAK_SOCK" resume >/dev/null || what="$what, resume refused"
	if [ $((n % 5)) = 0 ]; then
		if "$BUILD/pvclock-vmm" ctl "$SOAK_SOCK" snapshot "$SOAK_SNAP" >/dev/null; then
			what="$what, snapshot"
		else
			what="$what, snapshot refused"
		fi
	fi
	echo "$what"
}

# soak_linux_run LOG CSV EVENT-FN VMM-ARGS...: one pvclock-vmm (run or restore) under watch,
# its console stamped into LOG; prints the watch's rows, returns the VMM's status.
soak_linux_run() {
	local log=$1 csv=$2 event_fn=$3 pid stamp status fifo
	shift 3
	rm -f "$SOAK_SOCK"
	# The console through a FIFO to the stamper (kvmlab's chroot has no /dev/fd for >(...)).
	fifo=$(mktemp -u /tmp/soak-console.XXXXXX) # local: kvmlab shares OUT over 9p, no FIFOs
	mkfifo "$fifo" || return 1
	linux_stamp <"$fifo" >"$log" &
	stamp=$!
	"${LINUX_PIN[@]}" "$BUILD/pvclock-vmm" "$@" >"$fifo" 2>&1 &
	pid=$!
	soak_header
	soak_watch "$pid" "$SOAK_SOCK" "$SOAK_PERIOD" "$log" "$csv" "$event_fn"
	wait "$pid"
	status=$?
	wait "$stamp" # the console's last lines are in LOG
	rm -f "$fifo"
	return "$status"
}

# In kvmlab the emulator sometimes loses a nested guest's state, under QEMU + KVM as under
# pvclock-vmm (docs/linux-guest.md): the kernel then enters with the user's GS base. That run
# is reported and tried again, up to SOAK_TRIES (3) times; anywhere else it is a failure.
SOAK_TRIES=${SOAK_TRIES:-3}
soak_emulator_crash() {
	[ "${PVCLOCK_KVMLAB:-}" = 1 ] && grep -q 'BUG: ENTRY_TRAMPOLINE stack guard page' "$1"
}

# soak_linux BUILD SECONDS PERIOD OUT: a 2-vCPU Linux guest, the cross-CPU check for SECONDS,
# paused each PERIOD and snapshotted each 5th; then the last snapshot restored, to the end.
soak_linux() {
	BUILD=$1
	local seconds=$2 out=$4 status verdict=0 try
	SOAK_PERIOD=$3
	. "$REPO/tools/linux/linux_lib.sh"
	[ -n "$KERNEL" ] || { echo "soak: no /boot/vmlinuz-*: install linux-image-amd64" >&2; return 1; }
	if [ "$(linux_where)" = kvmlab ] && [ "${PVCLOCK_KVMLAB:-}" != 1 ]; then
		echo "soak: this host runs guest ring 0 by emulation (or has no /dev/kvm): in kvmlab"
		# One kvmlab CPU (the guest's vCPU threads are pinned to one anyway): in a 2-CPU
		# kvmlab the emulator lost the busy guest's state in 5 of 6 runs (2026-12-03).
		KVMLAB_SMP=${SOAK_KVMLAB_SMP:-1} KVMLAB_TIMEOUT=$((seconds * 4 + 1800)) exec \
			"$REPO/tools/kvmlab/run-in-vm.sh" "$REPO" "$REPO/tools/soak/soak.sh" linux \
			"$BUILD" "$seconds" "$SOAK_PERIOD" "$out"
	fi
	SOAK_MEM_KIB=$(($(numfmt --from=iec "$LINUX_MEM") / 1024))
	mkdir -p "$out"
	out=$(readlink -f "$out")
	# The socket in a local directory (kvmlab shares OUT over 9p, which has no sockets).
	SOAK_SOCK=$(mktemp -d /tmp/soak.XXXXXX)/control SOAK_SNAP=$out/linux.snap
	rm -f "$SOAK_SNAP"
	linux_initramfs || return 1
	echo "soak: Linux ($KERNEL), 2 vCPUs, ${seconds} s of its clock, a pause each" \
		"${SOAK_PERIOD} s, a snapshot each $((SOAK_PERIOD * 5)) s (log $out/linux.log)"
	for ((try = 1; ; try++)); do
		soak_linux_run "$out/linux.log" "$out/linux.csv" soak_linux_event run --control \
			"$SOAK_SOCK" --mem "$LINUX_MEM" --vcpus 2 --timeout "$((seconds * 4 + 600))" \
			--initrd "$LINUX_DIR/initramfs.cpio.gz" "$KERNEL" -- console=ttyS0 \
			"pvclock.soak=$seconds" "pvclock.period=$SOAK_PERIOD" pvclock.end=poweroff
		status=$?
		soak_emulator_crash "$out/linux.log" && [ "$try" -lt "$SOAK_TRIES" ] || break
		echo "soak: try $try of $SOAK_TRIES: kvmlab's emulator lost the guest's state" \
			"($(grep -m1 -o 'BUG: ENTRY_TRAMPOLINE.\{0,40\}' "$out/linux.log")): again"
		mv "$out/linux.log" "$out/linux.log.try$try"
		rm -f "$SOAK_SNAP"
	done
	if soak_emulator_crash "$out/linux.log"; then
		echo "soak: linux: NOT JUDGED: kvmlab's emulator lost the guest's state on each of" \
			"$SOAK_TRIES tries (QEMU + in-kernel KVM crash the same way there:" \
			"docs/linux-guest.md); logs in $out"
		return 0
	fi
	soak_judge "$out/linux.csv" "$out/linux.log" "$status" linux || verdict=1
	if [ -f "$SOAK_SNAP" ]; then
		echo "soak: the last snapshot restored in a new VMM, to the end (log $out/restored.log)"
		soak_linux_run "$out/restored.log" "$out/restored.csv" soak_no_event restore \
			--control "$SOAK_SOCK" --timeout "$((seconds * 4 + 600))" "$SOAK_SNAP"
		status=$?
		soak_judge "$out/restored.csv" "$out/restored.log" "$status" restored || verdict=1
	else
		echo "soak: no snapshot was taken (a run shorter than 5 periods): no restore"
	fi
	return "$verdict"
}
