#!/usr/bin/env bash
# One entry point for building and running pvclock-vmm: installs what is missing (Debian),
# configures, builds, then runs the demo, the tests, the sanitizer tests, the style check or the
# benchmark.
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
PACKAGES=(cmake make gcc libc6-dev pkg-config check libelf-dev linux-libc-dev gnuplot-nox)
# The multiboot test image is cross-checked under QEMU's emulator (tests/integration/qemu_crosscheck.sh).
TEST_PACKAGES=(qemu-system-x86)
# tools/kvmlab: an emulated KVM host for machines without /dev/kvm (its kernel and busybox also
# make the Linux guest of ./run.sh linux-demo and the linux_boot test).
LAB_PACKAGES=(qemu-system-x86 busybox-static linux-image-amd64 cpio xz-utils)

install_deps() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "run.sh: installing missing packages: ${missing[*]}"
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
			sudo=(sudo)
		else
			echo "run.sh: missing packages ${missing[*]}; install them with:" >&2
			echo "  sudo apt-get install ${missing[*]}" >&2
			exit 1
		fi
	fi
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

build() {
	local dir=$1
	shift
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "$@" >/dev/null
	cmake --build "$dir" -j"$(nproc)"
}

cmd=${1:-}
case $cmd in
demo)
	demo=("$BUILD_DIR/pvclock-vmm" run --timeout 60)
	# hello, the kvmclock example, then every policy compared (table, CSV, JSON, plots).
	script='"$@" "$B/guest/hello.elf" && "$@" --stats "$B/guest/clock_demo.elf" &&
		"$B/pvclock-vmm" demo --csv results/demo.csv --json results/demo.json --plot results'
	mkdir -p results
	if [ -e /dev/kvm ]; then
		install_deps
		build "$BUILD_DIR"
		B=$BUILD_DIR bash -c "$script" demo "${demo[@]}"
	else
		echo "run.sh: this machine has no /dev/kvm: running the demo inside tools/kvmlab"
		PACKAGES+=("${LAB_PACKAGES[@]}")
		install_deps
		build "$BUILD_DIR"
		KVMLAB_SMP=1 KVMLAB_TIMEOUT=600 tools/kvmlab/run-in-vm.sh "$PWD" \
			env B="$BUILD_DIR" bash -c "$script" demo "${demo[@]}"
	fi
	;;
test)
	PACKAGES+=("${TEST_PACKAGES[@]}")
	# check_wall_clock steps a clock: where /dev/kvm exists it runs inside kvmlab.
	[ -e /dev/kvm ] && PACKAGES+=("${LAB_PACKAGES[@]}")
	install_deps
	build "$BUILD_DIR"
	ctest --test-dir "$BUILD_DIR" --output-on-failure
	;;
sanitize)
	PACKAGES+=("${TEST_PACKAGES[@]}")
	[ -e /dev/kvm ] && PACKAGES+=("${LAB_PACKAGES[@]}")
	install_deps
	BUILD_TYPE=Debug build "${BUILD_DIR}-sanitize" -DPVCLOCK_SANITIZE=ON
	ctest --test-dir "${BUILD_DIR}-sanitize" --output-on-failure
	;;
fuzz)
	# libFuzzer with ASan + UBSan: the seed corpus first (regression inputs), then
	# FUZZ_SECONDS (default 60) of fuzzing per harness. Crashes land in results/fuzz-crashes/.
	PACKAGES+=(clang libclang-rt-14-dev)
	install_deps
	dir="${BUILD_DIR}-fuzz"
	cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DPVCLOCK_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$dir" -j"$(nproc)"
	mkdir -p results/fuzz-crashes
	for t in image_load report kvmclock snapshot control; do
		work=$(mktemp -d)
		"$dir/tests/fuzz/fuzz_$t" -runs=0 tests/fuzz/corpus/$t >/dev/null 2>&1 ||
			{ echo "fuzz_$t: a corpus input fails"; exit 1; }
		"$dir/tests/fuzz/fuzz_$t" -max_total_time="${FUZZ_SECONDS:-60}" -print_final_stats=1 \
			-artifact_prefix=results/fuzz-crashes/$t- "$work" tests/fuzz/corpus/$t \
			2>&1 | grep -E "^stat::number_of_executed_units|ERROR|SUMMARY" |
			sed "s/^/fuzz_$t: /"
		status=${PIPESTATUS[0]}
		rm -rf "$work"
		[ "$status" -eq 0 ] || { echo "fuzz_$t found a crash: see results/fuzz-crashes"; exit 1; }
	done
	;;
linux-demo)
	# A stock kernel under pvclock-vmm and under QEMU + KVM (inside kvmlab where it must).
	PACKAGES+=("${LAB_PACKAGES[@]}")
	install_deps
	build "$BUILD_DIR"
	tools/linux/linux_demo.sh "$BUILD_DIR"
	;;
linux-test)
	# The Linux guest checks (tests/integration/linux_test.sh), inside kvmlab where they must.
	PACKAGES+=("${LAB_PACKAGES[@]}")
	install_deps
	build "$BUILD_DIR"
	tests/integration/linux_test.sh "$PWD" "$BUILD_DIR" --all
	;;
package)
	install_deps
	build "$BUILD_DIR"
	(cd "$BUILD_DIR" && cpack -G DEB)
	;;
install-test)
	# cmake --install, the example guest against the installed SDK, and the .deb.
	[ -e /dev/kvm ] || PACKAGES+=("${LAB_PACKAGES[@]}")
	install_deps
	build "$BUILD_DIR"
	tools/install_test.sh "$BUILD_DIR"
	;;
wallclock-demo)
	# pvclock-vmm wallclock steps CLOCK_REALTIME: always inside kvmlab, whose clock is its own.
	PACKAGES+=("${LAB_PACKAGES[@]}")
	install_deps
	build "$BUILD_DIR"
	KVMLAB_SMP=2 KVMLAB_TIMEOUT=600 tools/kvmlab/run-in-vm.sh "$PWD" \
		"$BUILD_DIR/pvclock-vmm" wallclock --allow-clock-step
	;;
style)
	# The code's style (.clang-format), lines within 100 columns and the layering of src/
	# (tools/check_layers.py), checked, not changed.
	PACKAGES=(clang-format git python3)
	install_deps
	mapfile -t files < <(git ls-files '*.c' '*.h')
	clang-format --dry-run --Werror "${files[@]}"
	long=$(for f in "${files[@]}"; do
		expand -t 8 "$f" | awk -v f="$f" 'length > 100 { print f ":" FNR ": " length " columns" }'
	done)
	[ -z "$long" ] || { echo "$long"; echo "run.sh style: lines over 100 columns"; exit 1; }
	echo "run.sh style: ${#files[@]} files formatted as .clang-format says"
	python3 tools/check_layers.py
	;;
nested-test)
	# Integration tests on a machine without /dev/kvm: inside kvmlab's emulated KVM host.
	PACKAGES+=("${LAB_PACKAGES[@]}")
	install_deps
	build "$BUILD_DIR"
	# The sanitizer build too, when ./run.sh sanitize has made one.
	dirs=("$BUILD_DIR")
	[ -f "${BUILD_DIR}-sanitize/CTestTestfile.cmake" ] && dirs+=("${BUILD_DIR}-sanitize")
	script='for d; do ctest --test-dir "$d" -L integration --output-on-failure || exit; done'
	KVMLAB_SMP=${KVMLAB_SMP:-2} KVMLAB_TIMEOUT=${KVMLAB_TIMEOUT:-2400} tools/kvmlab/run-in-vm.sh "$PWD" \
		bash -c "$script" nested "${dirs[@]}"
	;;
bench)
	install_deps
	build "$BUILD_DIR"
	"$BUILD_DIR/pvclock-bench" "$BUILD_DIR"
	;;
nested-bench)
	PACKAGES+=("${LAB_PACKAGES[@]}")
	install_deps
	build "$BUILD_DIR"
	KVMLAB_SMP=1 KVMLAB_TIMEOUT=${KVMLAB_TIMEOUT:-2400} tools/kvmlab/run-in-vm.sh "$PWD" \
		"$BUILD_DIR/pvclock-bench" "$BUILD_DIR"
	;;
*)
	echo "usage: $0 demo|test|sanitize|fuzz|style|nested-test|bench|nested-bench|wallclock-demo|package|install-test|linux-demo|linux-test" >&2
	exit 2
	;;
esac
