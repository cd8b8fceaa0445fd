#!/usr/bin/env bash
# The bundled multiboot image is a real QEMU -kernel image: QEMU (its TCG emulator, no KVM
# needed) boots it, fw_cfg reports the CPUs, INIT/SIPI starts them, text comes over the UART
# and isa-debug-exit ends the run. TCG has no kvmclock, so the image must report SKIP (77),
# i.e. status (77 << 1) | 1 = 155: the same exit-status convention pvclock-vmm follows.
set -u
image=$1
qemu=${QEMU:-qemu-system-x86_64}
fails=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if ! command -v "$qemu" >/dev/null; then
	echo "FAIL: $qemu not found: apt-get install qemu-system-x86 (./run.sh test installs it)"
	exit 1
fi
for n in 1 2 4; do
	timeout 120 "$qemu" -machine pc -accel tcg -m 64 -smp "$n" -kernel "$image" -append "100" \
		-display none -monitor none -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 >"$out" 2>&1
	status=$?
	if [ "$status" -ne 155 ] || ! grep -qF "mb_kvmclock: $n CPUs (fw_cfg present)" "$out" ||
		! grep -qF "INIT/SIPI: $((n - 1)) of $((n - 1)) other CPUs started" "$out" ||
		! grep -qF "SKIP: no kvmclock" "$out"; then
		echo "FAIL: QEMU -smp $n -> status $status (want 155), output:"
		sed 's/^/  | /' "$out"
		fails=$((fails + 1))
	else
		echo "ok: QEMU -smp $n: $(grep -F INIT/SIPI "$out")"
	fi
done
[ "$fails" -eq 0 ]
