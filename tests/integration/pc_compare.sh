#!/usr/bin/env bash
# One multiboot image, two loaders: QEMU's -kernel (its emulator) and pvclock-vmm must give the
# guest the same command line, CPU count (fw_cfg) and modules, and end with the same status.
# Only mem_upper may differ: under QEMU the BIOS reserves the top 128 KiB of RAM.
# With a third argument, pvclock-vmm-qemu too, given the command line kvm-unit-tests' x86/run
# builds (its options in its order, -smp, -append, -initrd), must give the same.
set -u
vmm=$1 image=$2 front=${3:-}
qemu=${QEMU:-qemu-system-x86_64}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -e /dev/kvm ]; then
	echo "SKIP pc_compare: /dev/kvm is absent on this machine, so no guest can run"
	exit 77
fi
command -v "$qemu" >/dev/null || { echo "FAIL: $qemu not found: apt-get install qemu-system-x86"; exit 1; }
printf 'module one\n' >"$tmp/m1"
printf 'the second module\n' >"$tmp/m2"
timeout 300 "$qemu" -machine pc -accel tcg -m 64 -smp 2 -kernel "$image" -append "one two=2" \
	-initrd "$tmp/m1 x=1,$tmp/m2" -display none -monitor none -serial stdio -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=4 >"$tmp/qemu" 2>&1
qs=$?
timeout 60 "$vmm" run --mem 64M --vcpus 2 --module "$tmp/m1 x=1" --module "$tmp/m2" "$image" \
	one two=2 >"$tmp/vmm" 2>"$tmp/vmm.err"
vs=$?
grep -v '^mem_upper' "$tmp/qemu" >"$tmp/qemu.cmp"
grep -v '^mem_upper' "$tmp/vmm" >"$tmp/vmm.cmp"
if [ -n "$front" ]; then
	timeout 60 "$front" --no-reboot -nodefaults -global kvm-pit.lost_tick_policy=discard \
		-device pc-testdev -device isa-debug-exit,iobase=0xf4,iosize=0x4 -display none \
		-serial stdio -machine accel=kvm -kernel "$image" -smp 2 -append "one two=2" \
		-initrd "$tmp/m1 x=1,$tmp/m2" >"$tmp/front" 2>"$tmp/front.err"
	fs=$?
	grep -v '^mem_upper' "$tmp/front" >"$tmp/front.cmp"
	if [ "$fs" -ne 43 ] || [ -s "$tmp/front.err" ] || ! diff -u "$tmp/qemu.cmp" "$tmp/front.cmp"
	then
		echo "FAIL: pvclock-vmm-qemu status $fs (wants 43, nothing on stderr)"
		sed 's/^/  | /' "$tmp/front" "$tmp/front.err"
		exit 1
	fi
	echo "ok: pvclock-vmm-qemu with x86/run's command line: the same output and status 43"
fi
if [ "$qs" -ne 43 ] || [ "$vs" -ne 43 ] || ! diff -u "$tmp/qemu.cmp" "$tmp/vmm.cmp" ||
	! grep -qF "modules: 0x00000002" "$tmp/vmm"; then
	echo "FAIL: QEMU status $qs, pvclock-vmm status $vs (both want 43)"
	echo "QEMU:"; sed 's/^/  | /' "$tmp/qemu"
	echo "pvclock-vmm:"; sed 's/^/  | /' "$tmp/vmm" "$tmp/vmm.err"
	exit 1
fi
echo "ok: same output and status 43 under QEMU and pvclock-vmm:"
sed 's/^/  | /' "$tmp/vmm"
