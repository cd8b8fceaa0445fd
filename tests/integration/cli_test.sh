#!/usr/bin/env bash
# The pvclock-vmm binary end to end. "errors": bad input, no KVM needed. "guests": runs guests.
set -u
vmm=$1 guests=$2 mode=$3
fails=0 passes=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect STATUS PATTERN -- ARGS: run the binary, check its exit status and combined output.
# Each run is bounded (124 on a hang), so one stuck run fails the test instead of stalling it.
expect() {
	local want=$1 pattern=$2 status
	shift 3
	timeout -k 5 100 "$vmm" "$@" >"$tmp/out" 2>&1
	status=$?
	if [ "$status" -ne "$want" ] || ! grep -qF -- "$pattern" "$tmp/out"; then
		echo "FAIL: pvclock-vmm $* -> status $status (want $want), output:"
		sed 's/^/  | /' "$tmp/out"
		echo "  (wanted it to contain: $pattern)"
		fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
}

case $mode in
errors)
	printf 'not an elf' >"$tmp/junk"
	head -c 40 "$guests/hello.elf" >"$tmp/short.elf"
	expect 0 "usage: pvclock-vmm run" -- --help
	expect 0 "pvclock-vmm 0." -- --version
	expect 64 "usage:" --
	expect 64 "unknown command 'fly'" -- fly
	expect 64 "missing IMAGE" -- run
	expect 64 "invalid --timeout 'soon'" -- run --timeout soon "$guests/hello.elf"
	expect 64 "invalid --timeout '-1'" -- run --timeout -1 "$guests/hello.elf"
	expect 64 "invalid memory size '12Q'" -- run --mem 12Q "$guests/hello.elf"
	expect 64 "invalid --vcpus '0'" -- run --vcpus 0 "$guests/hello.elf"
	expect 64 "unrecognized option '--frobnicate'" -- run --frobnicate "$guests/hello.elf"
	expect 64 "unknown policy 'sometimes'" -- run --policy sometimes "$guests/hello.elf"
	expect 64 "invalid policy 'periodic': expected periodic:<interval>" -- run --policy periodic "$guests/hello.elf"
	expect 64 "invalid --duration '0'" -- demo --duration 0
	expect 64 "invalid wall-clock mode 'sometimes' (follow or boot)" -- run --wall-clock sometimes "$guests/hello.elf"
	expect 64 "give --allow-clock-step where that clock is yours to step" -- wallclock
	expect 64 "invalid --step 'x'" -- wallclock --step x
	expect 64 "demo: unexpected argument 'extra'" -- demo extra
	expect 0 "threshold:<ns>" -- demo --help
	expect 70 "cannot open guest image $tmp/none.elf: No such file or directory" -- run "$tmp/none.elf"
	expect 70 "ELF $tmp/junk: not an ELF file (bad magic)" -- run "$tmp/junk"
	expect 70 "truncated: 40 bytes, the ELF header needs 64" -- run "$tmp/short.elf"
	expect 70 "is not a regular file" -- run "$tmp"
	# Multiboot: an ELF32 without the header, a header asking for video, a bad module.
	# (perl-base is essential on Debian): break the header's magic; ask for a video mode.
	perl -0777 -e '$_ = <STDIN>; $at = index($_, pack("V", 0x1badb002));
		$n = $_; substr($n, $at, 1) = "\xff"; open(F, ">", "$ARGV[0]/nohdr.elf"); print F $n;
		substr($_, $at + 4, 8) = pack("VV", 4, (-(0x1badb002 + 4)) & 0xffffffff);
		open(F, ">", "$ARGV[0]/video.elf"); print F $_;' "$tmp" <"$guests/mb_kvmclock.elf"
	expect 70 "a 32-bit image needs a multiboot header in its first 8192 bytes" -- run "$tmp/nohdr.elf"
	expect 70 "requires a video mode (flag 2); pvclock-vmm has no display" -- run "$tmp/video.elf"
	expect 70 "cannot open module $tmp/none.bin: No such file" -- run --module "$tmp/none.bin arg" "$guests/mb_kvmclock.elf"
	expect 70 "modules are for multiboot images" -- run --module "$guests/hello.elf" "$guests/hello.elf"
	expect 64 "invalid --module ''" -- run --module "" "$guests/mb_kvmclock.elf"
	expect 64 "--cpu '+x2apic,warp9': unknown feature 'warp9' (known: mce" -- run --cpu +x2apic,warp9 "$guests/hello.elf"
	# Pause, snapshot and restore: the options, the client, and snapshot files refused whole.
	expect 64 "invalid pause-clock mode 'thaw' (freeze or continue)" -- run --pause-clock thaw "$guests/hello.elf"
	expect 64 "restore: expected one SNAPSHOT, got 0" -- restore
	expect 64 "unrecognized option '--mem'" -- restore --mem 8M "$tmp/junk"
	expect 70 "snapshot $tmp/none.snap: No such file or directory" -- restore "$tmp/none.snap"
	expect 70 "$tmp/junk: 10 bytes, too short for a snapshot header" -- restore "$tmp/junk"
	expect 70 "$guests/hello.elf: not a pvclock-vmm snapshot" -- restore "$guests/hello.elf"
	expect 0 "usage: pvclock-vmm ctl SOCKET COMMAND" -- ctl --help
	expect 64 "ctl: expected SOCKET COMMAND [ARG], got 1 arguments" -- ctl "$tmp/sock"
	expect 70 "ctl: no answer on $tmp/sock: No such file or directory" -- ctl "$tmp/sock" stats
	expect 64 "pause-demo: unexpected argument 'now'" -- pause-demo now
	expect 70 "pause-demo: guest $tmp/none.elf: No such file" -- pause-demo --guest "$tmp/none.elf"
	PVCLOCK_KVM_DEVICE=$tmp/kvm expect 70 "$tmp/kvm does not exist: this kernel has no KVM" -- run "$guests/hello.elf"
	PVCLOCK_KVM_DEVICE=/dev/null expect 70 "/dev/null is not a KVM device" -- run "$guests/hello.elf"
	;;
guests)
	if [ ! -e /dev/kvm ]; then
		echo "SKIP cli guests: /dev/kvm is absent on this machine, so no guest can run"
		exit 77
	fi
	expect 0 "hello from pvclock-vmm guest: 1 vCPU(s), 64 MiB RAM" -- run "$guests/hello.elf"
	expect 0 "hello from pvclock-vmm guest: 2 vCPU(s), 16 MiB RAM" -- run --vcpus 2 --mem 16M "$guests/hello.elf"
	expect 65 "assert_fail.c:9: answer == 41" -- run "$guests/assert_fail.elf"
	expect 65 "left:  42 (0x2a)" -- run "$guests/assert_fail.elf"
	expect 2 "argv[2]=b c" -- run "$guests/args.elf" -- a "b c"
	expect 1 "argv[1]=--mem" -- run "$guests/args.elf" --mem
	expect 68 "guest still running after the 0.200 s timeout" -- run --timeout 0.2 "$guests/spin.elf"
	expect 67 "guest triple fault" -- run "$guests/triple_fault.elf"
	expect 11 "hello over the UART" -- run "$guests/uart_exit.elf" 5
	expect 66 "guest port write of 0x42 (size 1) to 0x378" -- run "$guests/hostile.elf" unknown-port-out
	expect 0 "hostile: went on after the unclaimed port" -- run --ignore-unclaimed-ports "$guests/hostile.elf" unknown-port-out
	expect 0 "hello from pvclock-vmm guest" -- run --cpu -x2apic,-avx "$guests/hello.elf"
	expect 1 "INIT/SIPI: 1 of 1 other CPUs started" -- run --vcpus 2 --cpu -x2apic "$guests/mb_kvmclock.elf" 100
	expect 0 "msr-writes  publishes" -- run --stats --policy periodic:1ms "$guests/clock_demo.elf"
	# The control socket from the command line: stats while it runs, stop ends it with 0.
	"$vmm" run --control "$tmp/sock" "$guests/pause_watch.elf" 60000 >"$tmp/watch.out" 2>&1 &
	watch=$!
	for _ in $(seq 200); do [ -S "$tmp/sock" ] && break; sleep 0.05; done
	expect 0 '"ok":true,"state":"running"' -- ctl "$tmp/sock" stats
	expect 1 '"error":"resume: not paused"' -- ctl "$tmp/sock" resume
	expect 1 "unknown command 'fly'" -- ctl "$tmp/sock" fly
	expect 0 '"state":"paused"' -- ctl "$tmp/sock" pause
	cd "$tmp" && expect 0 "\"file\":\"$tmp/snap\"" -- ctl "$tmp/sock" snapshot snap
	cd - >/dev/null || exit 1
	expect 0 '"state":"stopped"' -- ctl "$tmp/sock" stop
	wait "$watch"
	status=$?
	[ "$status" -eq 0 ] || { echo "FAIL: a run ended by ctl stop exited $status"; fails=$((fails + 1)); }
	[ "$(stat -c %a "$tmp/snap")" = 600 ] || { echo "FAIL: the snapshot is not mode 0600"; fails=$((fails + 1)); }
	expect 68 "guest still running after the 0.500 s timeout" -- restore --timeout 0.5 "$tmp/snap"
	# The multiboot image as under QEMU -kernel: status (0 << 1) | 1 on a pass, 3 on a failure.
	for n in 1 2; do
		expect 1 "$n CPUs, $((n * 3000)) reads in" -- run --vcpus "$n" "$guests/mb_kvmclock.elf" \
			3000 "$(date +%s.%N)"
		grep -qF ": 0 warps, 0 stalls, " "$tmp/out" || { echo "FAIL: warps or stalls with $n vCPUs"; cat "$tmp/out"; fails=$((fails + 1)); }
	done
	expect 3 "FAIL: " -- run "$guests/mb_kvmclock.elf" 10 1000
	expect 1 "INIT/SIPI: 3 of 3 other CPUs started" -- run --vcpus 4 "$guests/mb_kvmclock.elf" 100
	# The demo: every policy in the table, the CSV and the JSON.
	expect 0 "against the in-kernel clock" -- demo --duration 200 --calibrate 100 \
		--guest "$guests/clock_measure.elf" --csv "$tmp/demo.csv" --json "$tmp/demo.json"
	for p in every-entry periodic:10ms once threshold:100 live:1ms kernel; do
		if ! grep -q "^$p,1," "$tmp/demo.csv" || ! grep -q "\"policy\": \"$p\", \"ran\": true" "$tmp/demo.json"; then
			echo "FAIL: demo CSV/JSON lack a run of $p"
			fails=$((fails + 1))
		fi
	done
	# A guest that hands over no samples: every policy fails, said why, and no plot is made.
	expect 70 "demo: no policy produced samples (why is logged above for each): no plots" -- \
		demo --duration 50 --calibrate 10 --policy once --policy kernel --guest "$guests/hello.elf" \
		--plot "$tmp/plots"
	grep -qF "policy once: the guest ended well but handed the host no samples" "$tmp/out" ||
		{ echo "FAIL: the demo did not say why policy once failed"; fails=$((fails + 1)); }
	[ ! -e "$tmp/plots/plot.gp" ] ||
		{ echo "FAIL: a plot script was written with nothing to plot"; fails=$((fails + 1)); }
	;;
*)
	echo "usage: $0 VMM GUEST_DIR errors|guests" >&2
	exit 2
	;;
esac
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
