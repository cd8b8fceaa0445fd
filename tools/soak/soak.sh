#!/usr/bin/env bash
# soak.sh: long runs that show nothing grows and nothing goes back. Each period the driver
# samples the VMM (resident memory, open fds, exits per second through the control socket's
# stats) and reads the guest's own totals (warps; a Linux guest's kernel warnings), prints a
# row, and at the end the slope of memory and fds over the run and a verdict.
#
#   soak.sh native BUILD POLICY VCPUS SECONDS PERIOD OUT   soak_clock on /dev/kvm
#   soak.sh linux BUILD SECONDS PERIOD OUT                 a 2-vCPU Linux guest (kvmlab where
#                                                          ring 0 is emulated): pause/resume
#                                                          each period, a snapshot every 5,
#                                                          the last one restored at the end
#   soak.sh full BUILD OUT    ./run.sh soak: Linux 30 min (a period a minute), then 8 vCPUs
#                             native 1 hour under every-entry and under threshold:100
#   soak.sh short BUILD OUT   the CI's: Linux 2 min (20 s periods), native 8 vCPUs 1 min
# OUT is a directory for the logs and CSVs. Exit 0 when the verdict holds, 1 when not, 77
# (skip) for short where /dev/kvm is absent (./run.sh nested-test runs it inside kvmlab).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
soak.sh() { "$REPO/tools/soak/soak.sh" "$@"; }
. "$REPO/tools/soak/soak_lib.sh"

mode=${1:-}
case $mode in
native)
	[ $# -eq 7 ] || soak_usage
	soak_native "$(readlink -f "$2")" "$3" "$4" "$5" "$6" "$7"
	;;
linux)
	[ $# -eq 5 ] || soak_usage
	soak_linux "$(readlink -f "$2")" "$3" "$4" "$5"
	;;
full)
	[ $# -eq 3 ] || soak_usage
	status=0
	soak.sh linux "$2" 1800 60 "$3" || status=1
	for policy in every-entry threshold:100; do
		soak.sh native "$2" "$policy" 8 3600 60 "$3" || status=1
	done
	exit "$status"
	;;
short)
	[ $# -eq 3 ] || soak_usage
	if [ ! -e /dev/kvm ]; then
		echo "SKIP soak: /dev/kvm is absent on this machine, so no guest can run"
		exit 77
	fi
	status=0
	soak.sh native "$2" every-entry 8 60 10 "$3" || status=1
	soak.sh linux "$2" 120 20 "$3" || status=1
	exit "$status"
	;;
*) soak_usage ;;
esac
