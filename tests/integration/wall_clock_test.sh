#!/usr/bin/env bash
# check_wall_clock steps CLOCK_REALTIME, so it runs only where that clock is the test's own:
# inside kvmlab (run-in-vm.sh sets PVCLOCK_KVMLAB=1) it runs directly; where /dev/kvm exists
# outside kvmlab it boots kvmlab and runs there; without /dev/kvm it skips, and
# ./run.sh nested-test runs it inside kvmlab.
set -u
test_bin=$1 repo=$2
if [ "${PVCLOCK_KVMLAB:-}" = 1 ]; then
	exec "$test_bin"
fi
if [ ! -e /dev/kvm ]; then
	echo "SKIP check_wall_clock: /dev/kvm is absent on this machine, so no guest can run"
	exit 77
fi
echo "check_wall_clock steps CLOCK_REALTIME: running it inside kvmlab, whose clock is its own"
KVMLAB_SMP=${KVMLAB_SMP:-2} KVMLAB_TIMEOUT=${KVMLAB_TIMEOUT:-600} \
	exec "$repo/tools/kvmlab/run-in-vm.sh" "$repo" "$test_bin"
