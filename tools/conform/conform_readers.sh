#!/usr/bin/env bash
# conform_readers.sh BUILD OUT [KUT_CHECKOUT]: pvclock-vmm conform on three kvmclock readers, each
# table into OUT/READER.txt and OUT/READER.json:
#   sdk    the guest SDK's reader (soak_clock, 1 s a run), on /dev/kvm;
#   kut    kvm-unit-tests' x86/kvmclock_test (10,000 loops), when a built checkout is given;
#   linux  the Linux guest of ./run.sh linux-demo (its initramfs' clock_report: 20 s of the
#          cross-CPU warp check), in kvmlab where this host emulates guest ring 0.
# Each on 1 and 2 vCPUs. READERS (default "sdk kut linux") picks some. In kvmlab only the
# repository is shared: OUT must be inside it. Exit 0 when every reader passed every legal mode.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(readlink -f "$1") out=$2 kut=${3:-}
mkdir -p "$out"
out=$(readlink -f "$out")
status=0

conform() { # conform NAME ARGS...: one reader's table, kept
	local name=$1
	shift
	echo "conform_readers: $name: pvclock-vmm conform $*"
	mkdir -p "$out/$name-logs"
	"$BUILD/pvclock-vmm" conform --json "$out/$name.json" --log "$out/$name-logs" "$@" \
		>"$out/$name.txt" 2>"$out/$name.err"
	local s=$?
	cat "$out/$name.txt"
	[ "$s" -eq 0 ] || { echo "conform_readers: $name: legal modes failed (status $s)"; status=1; }
}

for reader in ${READERS:-sdk kut linux}; do
	case $reader in
	sdk)
		conform sdk "$BUILD/guest/soak_clock.elf" 1 1
		;;
	kut)
		if [ -z "$kut" ] || [ ! -f "$kut/x86/kvmclock_test.flat" ]; then
			echo "conform_readers: kut: no built kvm-unit-tests checkout given: skipped"
			continue
		fi
		conform kut --pass-status 1 --timeout 600 "$kut/x86/kvmclock_test.flat" -- 10000 \
			'{epoch}'
		;;
	linux)
		. "$REPO/tools/linux/linux_lib.sh"
		if [ "$(linux_where)" = kvmlab ] && [ "${PVCLOCK_KVMLAB:-}" != 1 ]; then
			case $out in "$REPO"/*) ;; *)
				echo "conform_readers: linux: OUT must be inside $REPO (kvmlab shares" \
					"only it): $out" >&2
				status=1
				continue ;;
			esac
			echo "conform_readers: linux: this host emulates guest ring 0: in kvmlab"
			KVMLAB_SMP=${KVMLAB_SMP:-1} KVMLAB_TIMEOUT=${KVMLAB_TIMEOUT:-14400} \
				READERS=linux "$REPO/tools/kvmlab/run-in-vm.sh" "$REPO" \
				"$REPO/tools/conform/conform_readers.sh" "$BUILD" "$out" || status=1
			continue
		fi
		linux_initramfs || { status=1; continue; }
		conform linux --mem "$LINUX_MEM" --timeout 900 \
			--initrd "$LINUX_DIR/initramfs.cpio.gz" "$KERNEL" -- console=ttyS0 \
			pvclock.soak=20 pvclock.period=10 pvclock.end=poweroff
		;;
	*) echo "conform_readers: unknown reader $reader" >&2; exit 64 ;;
	esac
done
exit "$status"
