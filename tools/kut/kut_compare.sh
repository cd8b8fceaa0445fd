#!/usr/bin/env bash
# kvm-unit-tests' x86 suite run by its own runner under QEMU + KVM and under pvclock-vmm
# (through pvclock-vmm-qemu), back to back on this host; prints both verdict tables side by
# side with each whole-suite wall time. docs/kvm-unit-tests.md explains every difference.
#
#   tools/kut/kut_compare.sh KUT_CHECKOUT [OUT_DIR]
#
# KUT_CHECKOUT: a kvm-unit-tests checkout (configured and built here if it is not yet).
# OUT_DIR (default results/kut): each side's output, logs/ and TAP-less table, and compare.txt.
# Environment: PVCLOCK_VMM_QEMU (default: build/pvclock-vmm-qemu of this tree), QEMU_BINARY
# (default qemu-system-x86_64), KUT_JOBS (run_tests.sh -j, default 2), KUT_SIDES ("qemu
# pvclock", or one of them). Exit: 0 when no test QEMU passes fails under pvclock-vmm (one it
# skips, naming what the machine lacks, is counted apart), 1 when one does, 2 on a set-up
# error, 77 (skip) when no checkout is given.
set -u

here=$(cd "$(dirname "$0")/../.." && pwd)
kut=${1:-${KUT_DIR:-}}
out=${2:-$here/results/kut}
front=${PVCLOCK_VMM_QEMU:-$here/build/pvclock-vmm-qemu}
qemu=${QEMU_BINARY:-qemu-system-x86_64}
jobs=${KUT_JOBS:-2}
sides=${KUT_SIDES:-qemu pvclock}

if [ -z "$kut" ]; then
	echo "kut_compare: skipped: no kvm-unit-tests checkout given" \
		"(tools/kut/kut_compare.sh /path/to/kvm-unit-tests, or KUT_DIR=...)"
	exit 77
fi
if [ ! -x "$kut/run_tests.sh" ]; then
	echo "kut_compare: $kut is not a kvm-unit-tests checkout (no run_tests.sh)" >&2
	exit 2
fi
if [ ! -x "$front" ]; then
	echo "kut_compare: no front end at $front (build it, or set PVCLOCK_VMM_QEMU)" >&2
	exit 2
fi
front=$(cd "$(dirname "$front")" && pwd)/$(basename "$front")
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)

# Configure and build the checkout where that was not done.
build_suite() {
	if [ ! -f "$kut/config.mak" ]; then
		(cd "$kut" && ./configure) >"$out/configure.log" 2>&1 || return 1
	fi
	(cd "$kut" && make -j"$(nproc)") >"$out/make.log" 2>&1
}

# run_side NAME QEMU-PATH: the runner's table in NAME.txt, its logs in NAME-logs/, the wall
# time in seconds in NAME.time.
run_side() {
	local name=$1 binary=$2 t0 t1

	rm -rf "$kut/logs"
	t0=$(date +%s.%N)
	(cd "$kut" && QEMU=$binary ./run_tests.sh -j "$jobs") >"$out/$name.raw" 2>&1
	t1=$(date +%s.%N)
	sed 's/\x1b\[[0-9;]*m//g' "$out/$name.raw" >"$out/$name.txt"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' >"$out/$name.time"
	rm -rf "$out/$name-logs"
	cp -r "$kut/logs" "$out/$name-logs" 2>/dev/null
}

# The two tables side by side, in the order QEMU's runner printed them.
print_table() {
	awk '
	function verdict(line) { return substr(line, index(line, " ") + 1) }
	FNR == 1 { file++ }
	/^(PASS|FAIL|SKIP) / {
		name = $2; v = $1; rest = $0; sub(/^[A-Z]+ [^ ]+ ?/, "", rest)
		if (file == 1) { order[++n] = name; q[name] = v; qr[name] = rest }
		else { p[name] = v; pr[name] = rest; if (!(name in q)) order[++n] = name }
	}
	END {
		printf "%-44s %-38s %-38s\n", "test", "QEMU + KVM", "pvclock-vmm"
		for (i = 1; i <= n; i++) {
			t = order[i]
			a = (t in q) ? q[t] " " qr[t] : "-"; b = (t in p) ? p[t] " " pr[t] : "-"
			mark = (q[t] == p[t]) ? "" : "  <>"
			printf "%-44s %-38.38s %-38.38s%s\n", t, a, b, mark
			qc[q[t]]++; pc[p[t]]++
			if (q[t] == "PASS" && p[t] == "FAIL") lost++
			if (q[t] == "PASS" && p[t] == "SKIP") refused++
		}
		printf "\n%-44s %-38s %-38s\n", "totals", \
			sprintf("%d pass, %d fail, %d skip", qc["PASS"], qc["FAIL"], qc["SKIP"]), \
			sprintf("%d pass, %d fail, %d skip", pc["PASS"], pc["FAIL"], pc["SKIP"])
		printf "tests QEMU passes that fail under pvclock-vmm: %d; that it skips, naming " \
			"what it lacks: %d\n", lost, refused
		exit lost ? 1 : 0
	}' "$out/qemu.txt" "$out/pvclock.txt"
}

print_times() {
	local q p

	q=$(cat "$out/qemu.time" 2>/dev/null) p=$(cat "$out/pvclock.time" 2>/dev/null)
	printf "whole suite (run_tests.sh -j %s): QEMU + KVM %.1f s, pvclock-vmm %.1f s" "$jobs" \
		"${q:-0}" "${p:-0}"
	if [ -n "$q" ] && [ -n "$p" ]; then
		awk -v q="$q" -v p="$p" 'BEGIN { printf ", ratio %.2f", p / q }'
	fi
	echo
}

suite_commit() {
	git -C "$kut" rev-parse --short=12 HEAD 2>/dev/null || echo "unknown (not a git checkout)"
}

build_suite || { echo "kut_compare: building $kut failed: see $out/*.log" >&2; exit 2; }
for side in $sides; do
	case $side in
	qemu) run_side qemu "$qemu" ;;
	pvclock) run_side pvclock "$front" ;;
	*) echo "kut_compare: unknown side '$side' (qemu, pvclock)" >&2; exit 2 ;;
	esac
done
touch "$out/qemu.txt" "$out/pvclock.txt"
{
	echo "kvm-unit-tests $(suite_commit) at $kut; host $(uname -r), $(nproc) CPUs; $(date -u +%F)"
	echo "QEMU: $("$qemu" -version | head -1); pvclock-vmm: $("$front" -version | head -1)"
	echo
	print_table
	status=$?
	echo
	print_times
	exit $status
} | tee "$out/compare.txt"
exit "${PIPESTATUS[0]}"
