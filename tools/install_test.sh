#!/usr/bin/env bash
# What a user of an installed pvclock-vmm does, on a fresh build (./run.sh install-test):
#   1. cmake --install into a scratch prefix; build examples/my_guest against that SDK
#      (find_package) and run it under the installed binary; the demo finds its guest there;
#      conform runs on the installed SDK reader;
#   2. the Debian package: its dependencies, unpacked into a scratch root, hello and conform
#      from there.
# Guests run where /dev/kvm exists, else inside kvmlab. Usage: install_test.sh BUILD_DIR
set -euo pipefail
build=$(readlink -f "$1")
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Run a command with /dev/kvm: here, or inside kvmlab with the scratch dir shared.
on_kvm() {
	if [ -e /dev/kvm ]; then
		"$@"
	else
		KVMLAB_SMP=1 KVMLAB_TIMEOUT=300 "$repo/tools/kvmlab/run-in-vm.sh" "$tmp" "$@"
	fi
}

expect_output() { # expect_output TEXT CMD...: CMD must succeed and print TEXT
	local text=$1 out
	shift
	out=$(on_kvm "$@" 2>&1) || { echo "FAIL: $* -> status $?:"; echo "$out"; exit 1; }
	grep -qF -- "$text" <<<"$out" || { echo "FAIL: $* printed no '$text':"; echo "$out"; exit 1; }
	echo "ok: $*"
}

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$repo/examples/my_guest" -B "$tmp/example" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/example" >/dev/null
expect_output "stable bit set" "$tmp/prefix/bin/pvclock-vmm" run "$tmp/example/my_guest.elf"
expect_output "hello from pvclock-vmm guest" "$tmp/prefix/bin/pvclock-vmm" run \
	"$tmp/prefix/share/pvclock-vmm/guests/hello.elf"
(cd "$tmp" && expect_output "every-entry" "$tmp/prefix/bin/pvclock-vmm" demo --duration 100 \
	--calibrate 100 --policy every-entry)
expect_output "far-past-40      legal       1 pass" "$tmp/prefix/bin/pvclock-vmm" conform \
	-c 1 -M far-past-40 -M bad-backstep "$tmp/prefix/share/pvclock-vmm/guests/soak_clock.elf" 1 1

(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/pvclock-vmm_*_amd64.deb)
depends=$(dpkg-deb -f "$deb" Depends)
[ "$depends" = "libc6 (>= 2.34), libelf1 (>= 0.176)" ] ||
	{ echo "FAIL: $deb depends on: $depends"; exit 1; }
dpkg-deb -x "$deb" "$tmp/root"
expect_output "hello from pvclock-vmm guest" "$tmp/root/usr/bin/pvclock-vmm" run \
	"$tmp/root/usr/share/pvclock-vmm/guests/hello.elf"
expect_output "storm            legal       1 pass" "$tmp/root/usr/bin/pvclock-vmm" conform -c 1 \
	-M storm "$tmp/root/usr/share/pvclock-vmm/guests/soak_clock.elf" 1 1
[ -s "$tmp/root/usr/share/man/man1/pvclock-vmm.1" ] || { echo "FAIL: no man page"; exit 1; }
echo "install-test: the SDK, the example guest, the installed binary and $(basename "$deb") work"
