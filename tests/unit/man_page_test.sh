#!/usr/bin/env bash
# The man page stays true to --help: every option of every subcommand, every policy and every
# exit status that --help names appears in docs/pvclock-vmm.1 (the adversarial policies too).
set -u
vmm=$1 man=$2
fails=0
want() { # want TEXT WHERE: TEXT (as man writes it: '-' as '\-') must be in the man page
	local escaped=${1//-/\\-}
	if ! grep -qF -- "$escaped" "$man" && ! grep -qF -- "$1" "$man"; then
		echo "FAIL: the man page lacks $1 ($2)"
		fails=$((fails + 1))
	fi
}
for cmd in "" demo wallclock restore ctl pause-demo conform; do
	help=$("$vmm" $cmd --help) || { echo "FAIL: pvclock-vmm $cmd --help failed"; exit 1; }
	for opt in $(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$help" | sort -u); do
		want "$opt" "pvclock-vmm $cmd --help"
	done
done
for policy in $("$vmm" --help | sed -n '/^policies:/,/^$/p; /^adversarial/,/^$/p' |
	awk '/^    [a-z]/ { print $1 }'); do
	want "${policy%%:*}" "policy $policy"
done
for status in $("$vmm" --help | grep -oE '\b(6[4-9]|70)\b' | sort -u); do
	want ".B $status" "exit status $status"
done
[ "$fails" -eq 0 ] && echo "man page: every option, policy and exit status of --help is there"
exit "$fails"
