#!/usr/bin/env bash
# pvclock-vmm conform end to end: the SDK's reader (soak_clock) passes every legal mode on 1 and
# 4 vCPUs and shows each illegal one; a reader that ignores the version (clock_unversioned)
# fails the modes that write while it reads, yet passes under every-entry, where no write
# meets a read; the JSON says the same as the table; bad modes are refused by name.
set -u
vmm=$1 guests=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# outcome FILE MODE VCPUS: the outcome column of that row of conform's table.
outcome() {
	awk -v m="$2" -v c="$3" '$1 == m && $3 == c { $1 = $2 = $3 = ""; print; exit }' "$1" |
		sed 's/^ *//; s/ *-\?[0-9]* *[0-9-]* *[0-9]* *[0-9.]*$//'
}

# Bad input first: no KVM needed.
"$vmm" conform -M every-entry x >"$tmp/out" 2>&1
[ $? -eq 64 ] && grep -q "'every-entry' is an update policy" "$tmp/out" ||
	fail "conform -M every-entry: $(cat "$tmp/out")"
"$vmm" conform -M odd-hold x >"$tmp/out" 2>&1
[ $? -eq 64 ] && grep -q "expected odd-hold:<time>" "$tmp/out" || fail "conform -M odd-hold"
"$vmm" conform >"$tmp/out" 2>&1
[ $? -eq 64 ] && grep -q "missing IMAGE" "$tmp/out" || fail "conform without an image"

if [ ! -e /dev/kvm ]; then
	echo "SKIP conform runs: /dev/kvm is absent on this machine, so no guest can run"
	[ "$fails" -eq 0 ] || exit 1
	exit 77
fi

# Rows that show only when a host write races a guest read on another CPU. In kvmlab, QEMU's
# emulator runs every CPU on one host thread, in turns: no write ever races a read there, so
# those rows are printed, not judged (the legal modes still are).
races=1
if [ "${PVCLOCK_KVMLAB:-}" = 1 ]; then
	races=0
	echo "conform_test: in kvmlab no host write races a guest read (one emulator thread):" \
		"bad-no-version, bad-stable and the unversioned reader under storm are not judged"
fi
# judge_race WHAT COMMAND...: a check that needs a race; in kvmlab only printed.
judge_race() {
	"${@:2}" && return
	if [ "$races" = 1 ]; then fail "$1"; else echo "not judged in kvmlab: $1"; fi
}

timeout -k 5 600 "$vmm" conform -c 1 -c 4 --json "$tmp/sdk.json" "$guests/soak_clock.elf" 1 1 \
	>"$tmp/sdk" 2>"$tmp/sdk.err"
status=$?
cat "$tmp/sdk"
[ "$status" -eq 0 ] || fail "the SDK's reader: conform ended with $status"
for mode in storm odd-hold:2ms scale-pairs far-past-32 far-past-40 stable-flip stopped \
	vcpu-anchors; do
	for c in 1 4; do
		[ "$(outcome "$tmp/sdk" "$mode" "$c")" = pass ] || fail "SDK reader, $mode, $c vCPUs"
	done
done
for c in 1 4; do
	[ "$(outcome "$tmp/sdk" bad-backstep "$c")" = detected ] ||
		fail "SDK reader did not show bad-backstep on $c vCPUs"
	judge_race "SDK reader did not show bad-no-version on $c vCPUs" \
		[ "$(outcome "$tmp/sdk" bad-no-version "$c")" = detected ]
done
judge_race "SDK reader: bad-stable, 4 vCPUs" [ "$(outcome "$tmp/sdk" bad-stable 4)" = detected ]
python3 - "$tmp/sdk.json" <<'PY' || fail "the JSON disagrees with the table"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["passed"] is True and len(d["runs"]) == 22, d
assert all(r["outcome"] == "pass" for r in d["runs"] if r["legal"]), d
assert all(r["host_error_ns"] <= 50000 for r in d["runs"] if r["legal"]), d
PY

timeout -k 5 300 "$vmm" conform -c 1 -c 2 -M odd-hold:2ms -M storm \
	"$guests/clock_unversioned.elf" 1000 >"$tmp/broken" 2>/dev/null
status=$?
cat "$tmp/broken"
[ "$status" -eq 1 ] || fail "the unversioned reader: conform ended with $status, not 1"
for c in 1 2; do
	[ "$(outcome "$tmp/broken" odd-hold:2ms "$c")" = FAIL ] ||
		fail "the unversioned reader passed odd-hold:2ms on $c vCPUs"
	judge_race "the unversioned reader passed storm on $c vCPUs" \
		[ "$(outcome "$tmp/broken" storm "$c")" = FAIL ]
done
timeout -k 5 60 "$vmm" run --policy every-entry "$guests/clock_unversioned.elf" 500 \
	>"$tmp/ee" 2>&1 || fail "the unversioned reader under every-entry: $(cat "$tmp/ee")"

[ "$fails" -eq 0 ] && echo "conform_test: all checks passed"
[ "$fails" -eq 0 ]
