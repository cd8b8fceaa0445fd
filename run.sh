#!/usr/bin/env bash
# One entry point for building and running pvclock-vmm: `./run.sh <command>`, one cmd_<name>
# function per command, each described once in COMMANDS (the usage and the Makefile's targets
# come from that list); every command starts with the one set-up step, which installs what is
# missing (Debian), configures and builds.
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
PACKAGES=(cmake make gcc libc6-dev pkg-config check libelf-dev linux-libc-dev gnuplot-nox)
# The multiboot test image is cross-checked under QEMU's emulator
# (tests/integration/qemu_crosscheck.sh).
TEST_PACKAGES=(qemu-system-x86)
# tools/kvmlab: an emulated KVM host for machines without /dev/kvm (its kernel and busybox also
# make the Linux guest of ./run.sh linux-demo and the linux_boot test).
LAB_PACKAGES=(qemu-system-x86 busybox-static linux-image-amd64 cpio xz-utils)

# Every command and what it does, in the order the usage lists them.
COMMANDS=(
	setup		"install what is missing, configure and build \$BUILD_DIR"
	demo		"hello, the kvmclock example, every policy compared into results/"
	test		"every test through CTest (integration ones skip without /dev/kvm)"
	sanitize	"the tests built with ASan + UBSan, in \$BUILD_DIR-sanitize"
	fuzz		"each libFuzzer harness: its corpus, then \$FUZZ_SECONDS (60) of fuzzing"
	style		"check format, 100-column lines and src/ layering (changes nothing)"
	nested-test	"the integration tests inside kvmlab's emulated KVM host"
	bench		"the benchmark (pvclock-bench) on this machine"
	nested-bench	"the benchmark inside kvmlab"
	wallclock-demo	"pvclock-vmm wallclock (it steps CLOCK_REALTIME) inside kvmlab"
	package		"the .deb (cpack -G DEB in \$BUILD_DIR)"
	install-test	"cmake --install, the example guest on the installed SDK, the .deb"
	linux-demo	"a stock Linux kernel under pvclock-vmm and under QEMU + KVM"
	linux-test	"the Linux guest checks (tests/integration/linux_test.sh --all)"
	linux-clock-demo "a Linux guest's clock against the host's: slews, steps, pauses (kvmlab)"
	soak		"30 min of a Linux guest (kvmlab), 1 h of 8 vCPUs per policy, into results/soak"
	conform-readers	"pvclock-vmm conform on the SDK's, kvm-unit-tests' (KUT_DIR) and Linux's readers"
	help		"this list"
)

usage() {
	local i
	echo "usage: $0 <command>        (make <command> runs the same)"
	echo
	echo "commands:"
	for ((i = 0; i < ${#COMMANDS[@]}; i += 2)); do
		printf '  %-15s %s\n' "${COMMANDS[i]}" "${COMMANDS[i + 1]}"
	done
	echo
	echo "environment: BUILD_DIR (build), BUILD_TYPE (RelWithDebInfo), FUZZ_SECONDS (60),"
	echo "KVMLAB_SMP and KVMLAB_TIMEOUT (kvmlab's vCPUs and time limit, where a command allows)"
}

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
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" \
		>/dev/null
}

# The set-up step: install the missing PACKAGES; then, given a build directory, configure it
# (BUILD_TYPE, then any further cmake arguments) and build it.
setup() {
	install_deps
	[ $# -gt 0 ] || return 0
	local dir=$1
	shift
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "$@" >/dev/null
	cmake --build "$dir" -j"$(nproc)"
}

cmd_setup() {
	setup "$BUILD_DIR"
}

cmd_demo() {
	local demo=("$BUILD_DIR/pvclock-vmm" run --timeout 60)
	# hello, the kvmclock example, then every policy compared (table, CSV, JSON, plots).
	local script='"$@" "$B/guest/hello.elf" && "$@" --stats "$B/guest/clock_demo.elf" &&
		"$B/pvclock-vmm" demo --csv results/demo.csv --json results/demo.json \
			--plot results'
	mkdir -p results
	if [ -e /dev/kvm ]; then
		setup "$BUILD_DIR"
		B=$BUILD_DIR bash -c "$script" demo "${demo[@]}"
	else
		echo "run.sh: this machine has no /dev/kvm: running the demo inside tools/kvmlab"
		PACKAGES+=("${LAB_PACKAGES[@]}")
		setup "$BUILD_DIR"
		KVMLAB_SMP=1 KVMLAB_TIMEOUT=600 tools/kvmlab/run-in-vm.sh "$PWD" \
			env B="$BUILD_DIR" bash -c "$script" demo "${demo[@]}"
	fi
}

cmd_test() {
	PACKAGES+=("${TEST_PACKAGES[@]}")
	# check_wall_clock steps a clock: where /dev/kvm exists it runs inside kvmlab.
	if [ -e /dev/kvm ]; then
		PACKAGES+=("${LAB_PACKAGES[@]}")
	fi
	setup "$BUILD_DIR"
	ctest --test-dir "$BUILD_DIR" --output-on-failure
}

cmd_sanitize() {
	PACKAGES+=("${TEST_PACKAGES[@]}")
	if [ -e /dev/kvm ]; then
		PACKAGES+=("${LAB_PACKAGES[@]}")
	fi
	BUILD_TYPE=Debug setup "${BUILD_DIR}-sanitize" -DPVCLOCK_SANITIZE=ON
	# Not the soak: ASan's quarantine grows the heap by design, which the soak would call a leak.
	# Not linux_clock: minutes of Linux guests in kvmlab on the VMM paths linux_boot covers.
	ctest --test-dir "${BUILD_DIR}-sanitize" --output-on-failure -E 'soak_short|linux_clock'
}

cmd_fuzz() {
	# libFuzzer with ASan + UBSan: the seed corpus first (regression inputs), then
	# FUZZ_SECONDS (default 60) of fuzzing per harness. Crashes land in results/fuzz-crashes/.
	local dir="${BUILD_DIR}-fuzz" t work status
	PACKAGES+=(clang libclang-rt-14-dev)
	BUILD_TYPE=RelWithDebInfo setup "$dir" -DCMAKE_C_COMPILER=clang -DPVCLOCK_FUZZ=ON
	mkdir -p results/fuzz-crashes
	for t in image_load report kvmclock snapshot control; do
		work=$(mktemp -d)
		"$dir/tests/fuzz/fuzz_$t" -runs=0 tests/fuzz/corpus/$t >"results/fuzz-crashes/$t.log" 2>&1 ||
			{ echo "fuzz_$t: a corpus input fails:"; tail -40 "results/fuzz-crashes/$t.log"; exit 1; }
		status=0
		"$dir/tests/fuzz/fuzz_$t" -max_total_time="${FUZZ_SECONDS:-60}" \
			-print_final_stats=1 -artifact_prefix=results/fuzz-crashes/$t- \
			"$work" tests/fuzz/corpus/$t >"results/fuzz-crashes/$t.log" 2>&1 || status=$?
		rm -rf "$work"
		sed -n -E "/^stat::number_of_executed_units|ERROR|SUMMARY/s/^/fuzz_$t: /p" \
			"results/fuzz-crashes/$t.log"
		if [ "$status" -ne 0 ]; then
			echo "fuzz_$t found a crash (status $status): its report, then results/fuzz-crashes"
			sed -E '/^#[0-9]+[[:space:]]|^"/d' "results/fuzz-crashes/$t.log" | tail -40
			exit 1
		fi
	done
}

cmd_style() {
	# The code's style (.clang-format), lines within 100 columns and the layering of src/
	# (tools/check_layers.py), checked, not changed.
	local files long
	PACKAGES=(clang-format git python3)
	setup
	mapfile -t files < <(git ls-files '*.c' '*.h')
	clang-format --dry-run --Werror "${files[@]}"
	long=$(for f in "${files[@]}"; do
		expand -t 8 "$f" |
			awk -v f="$f" 'length > 100 { print f ":" FNR ": " length " columns" }'
	done)
	[ -z "$long" ] || { echo "$long"; echo "run.sh style: lines over 100 columns"; exit 1; }
	echo "run.sh style: ${#files[@]} files formatted as .clang-format says"
	python3 tools/check_layers.py
}

cmd_nested_test() {
	# Integration tests on a machine without /dev/kvm: inside kvmlab's emulated KVM host, with
	# 2 CPUs; then linux_clock and soak_short, whose Linux guests are busy for minutes, in a
	# kvmlab of one CPU, as they choose on a /dev/kvm host (in two, the emulator loses a busy
	# guest's state: docs/soak.md).
	local dirs script lone='^(linux_clock|soak_short)$'
	PACKAGES+=("${LAB_PACKAGES[@]}")
	setup "$BUILD_DIR"
	# The sanitizer build too, when ./run.sh sanitize has made one, without those two (as
	# ./run.sh sanitize: minutes of Linux guests, and ASan's quarantine grows a soak's heap).
	dirs=("$BUILD_DIR")
	if [ -f "${BUILD_DIR}-sanitize/CTestTestfile.cmake" ]; then
		dirs+=("${BUILD_DIR}-sanitize")
	fi
	script='sel=$1; shift
		for d; do ctest --test-dir "$d" -L integration --output-on-failure $sel || exit; done'
	KVMLAB_SMP=${KVMLAB_SMP:-2} KVMLAB_TIMEOUT=${KVMLAB_TIMEOUT:-2400} \
		tools/kvmlab/run-in-vm.sh "$PWD" bash -c "$script" nested "-E $lone" "${dirs[@]}" ||
		return
	KVMLAB_SMP=1 KVMLAB_TIMEOUT=${KVMLAB_TIMEOUT:-2400} \
		tools/kvmlab/run-in-vm.sh "$PWD" bash -c "$script" nested "-R $lone" "$BUILD_DIR"
}

cmd_bench() {
	setup "$BUILD_DIR"
	"$BUILD_DIR/pvclock-bench" "$BUILD_DIR"
}

cmd_nested_bench() {
	PACKAGES+=("${LAB_PACKAGES[@]}")
	setup "$BUILD_DIR"
	KVMLAB_SMP=1 KVMLAB_TIMEOUT=${KVMLAB_TIMEOUT:-2400} tools/kvmlab/run-in-vm.sh "$PWD" \
		"$BUILD_DIR/pvclock-bench" "$BUILD_DIR"
}

cmd_wallclock_demo() {
	# pvclock-vmm wallclock steps CLOCK_REALTIME: always inside kvmlab, whose clock is its own.
	PACKAGES+=("${LAB_PACKAGES[@]}")
	setup "$BUILD_DIR"
	KVMLAB_SMP=2 KVMLAB_TIMEOUT=600 tools/kvmlab/run-in-vm.sh "$PWD" \
		"$BUILD_DIR/pvclock-vmm" wallclock --allow-clock-step
}

cmd_package() {
	setup "$BUILD_DIR"
	(cd "$BUILD_DIR" && cpack -G DEB)
}

cmd_install_test() {
	# cmake --install, the example guest against the installed SDK, and the .deb.
	if [ ! -e /dev/kvm ]; then
		PACKAGES+=("${LAB_PACKAGES[@]}")
	fi
	setup "$BUILD_DIR"
	tools/install_test.sh "$BUILD_DIR"
}

cmd_linux_demo() {
	# A stock kernel under pvclock-vmm and under QEMU + KVM (inside kvmlab where it must).
	PACKAGES+=("${LAB_PACKAGES[@]}")
	setup "$BUILD_DIR"
	tools/linux/linux_demo.sh "$BUILD_DIR"
}

cmd_linux_test() {
	# The Linux guest checks (tests/integration/linux_test.sh), inside kvmlab where they must.
	PACKAGES+=("${LAB_PACKAGES[@]}")
	setup "$BUILD_DIR"
	tests/integration/linux_test.sh "$PWD" "$BUILD_DIR" --all
}

cmd_linux_clock_demo() {
	# Each scenario x policy on 1 and 2 vCPUs in kvmlab (tools/linux/linux_clock_demo.sh):
	# the table, and a plot per scenario, into results/linux-clock.
	PACKAGES+=("${LAB_PACKAGES[@]}")
	setup "$BUILD_DIR"
	tools/linux/linux_clock_demo.sh "$BUILD_DIR" results/linux-clock
}

cmd_soak() {
	# Long runs (tools/soak/soak.sh full): memory, fds, exits and warps period by period.
	PACKAGES+=("${LAB_PACKAGES[@]}")
	setup "$BUILD_DIR"
	tools/soak/soak.sh full "$BUILD_DIR" results/soak
}

cmd_conform_readers() {
	# Each reader under every adversarial mode, 1 and 2 vCPUs (tools/conform/conform_readers.sh;
	# the Linux guest in kvmlab where this host emulates guest ring 0), into results/conform.
	PACKAGES+=("${LAB_PACKAGES[@]}")
	setup "$BUILD_DIR"
	tools/conform/conform_readers.sh "$BUILD_DIR" results/conform "${KUT_DIR:-}"
}

cmd_help() {
	usage
}

# Run the named command; no command or an unknown one prints the usage and exits 2.
main() {
	local cmd=${1:-} i
	for ((i = 0; i < ${#COMMANDS[@]}; i += 2)); do
		if [ "${COMMANDS[i]}" = "$cmd" ]; then
			"cmd_${cmd//-/_}"
			return
		fi
	done
	[ -z "$cmd" ] || echo "run.sh: unknown command '$cmd'" >&2
	usage >&2
	exit 2
}

main "$@"
