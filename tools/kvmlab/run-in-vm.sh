#!/bin/bash
# Usage: run-in-vm.sh DIR COMMAND [ARGS...]
# Boots a Debian kernel under QEMU/TCG with an AMD-SVM CPU, loads kvm + kvm_amd
# so /dev/kvm exists, chroots into the host's / (9p, read-only), with host DIR
# mounted read-write at the same path, runs COMMAND, streams its stdout/stderr
# and exits with its exit status (125 = VM/infra failure).
# Env: KVMLAB_CPU (default max), KVMLAB_MEM (4G), KVMLAB_SMP (1),
#      KVMLAB_AMD_PARAMS (e.g. "npt=0"; pause_filter_count=0 is always given),
#      KVMLAB_TCG_THREAD (single, the default, or multi), KVMLAB_TIMEOUT (seconds, default none),
#      KVMLAB_DEBUG=1 (show VM console on stderr), KVMLAB_KEEP=1 (keep work dir).
set -uo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
if [ $# -lt 2 ]; then echo "usage: $0 DIR COMMAND [ARGS...]" >&2; exit 2; fi
DIR=$(readlink -f -- "$1") || { echo "bad DIR $1" >&2; exit 2; }
[ -d "$DIR" ] || { echo "DIR $1 is not a directory" >&2; exit 2; }
shift

for b in qemu-system-x86_64 busybox; do
  command -v $b >/dev/null || { echo "missing $b: apt-get install -y qemu-system-x86 busybox-static linux-image-amd64" >&2; exit 125; }
done
B=${KVMLAB_BUILD:-/var/tmp/pvclock-kvmlab}
if [ ! -s "$B/initramfs.cpio.gz" ] || [ ! -s "$B/vmlinuz" ] || [ "$HERE/init" -nt "$B/initramfs.cpio.gz" ] \
   || [ "$HERE/build-initramfs.sh" -nt "$B/initramfs.cpio.gz" ]; then
  KVMLAB_BUILD=$B "$HERE/build-initramfs.sh" >&2 || exit 125
fi

W=$(mktemp -d /tmp/kvmlab.XXXXXX)
cleanup() { [ "${KVMLAB_KEEP:-0}" = 1 ] && echo "kvmlab: work dir $W" >&2 || rm -rf "$W"; }
trap cleanup EXIT

# The command script, run with the host's bash inside the chroot.
{
  export -p | grep -vE '^declare -x (PWD|OLDPWD|SHLVL|_)(=|$)'
  echo 'export PVCLOCK_KVMLAB=1' # the VM's clock is the command's own (tests may step it)
  printf 'cd -- %q 2>/dev/null || cd -- %q\n' "$PWD" "$DIR"
  printf 'exec'; printf ' %q' "$@"; printf '\n'
} > "$W/cmd.sh"
printf 'DIR=%q\nKVMLAB_DEBUG=%q\n' "$DIR" "${KVMLAB_DEBUG:-0}" > "$W/vars"

# stdout/stderr of the command arrive on two virtio-serial ports, which QEMU
# writes into FIFOs; cat relays them to our own fd 1/2 (sharing file offsets,
# so this works for ttys, pipes, sockets and regular files alike).
mkfifo "$W/out.fifo" "$W/err.fifo" "$W/con.fifo"
# Hold a write end of each FIFO ourselves so the cats never block on open and
# see EOF only after QEMU is gone and we close ours.
exec 5<>"$W/out.fifo" 6<>"$W/err.fifo" 7<>"$W/con.fifo"
cat "$W/out.fifo" 5>&- 6>&- 7>&- & CAT1=$!
cat "$W/err.fifo" >&2 5>&- 6>&- 7>&- & CAT2=$!
if [ "${KVMLAB_DEBUG:-0}" = 1 ]; then cat "$W/con.fifo" >&2 5>&- 6>&- 7>&- & else cat "$W/con.fifo" > "$W/console.log" 5>&- 6>&- 7>&- & fi
CAT3=$!

KERNEL=$B/vmlinuz; [ -s "$B/vmlinux" ] && KERNEL=$B/vmlinux   # PVH boot, ~3 s faster
# Pause-loop exiting off: with 2 CPUs, nested guests spinning on PAUSE froze this kernel under
# TCG (soft lockups on every CPU within ~40 VM runs); with it off, none in hundreds.
AMD="pause_filter_count=0 ${KVMLAB_AMD_PARAMS:-}"; AMD=${AMD% }; AMD=${AMD// /,}
APPEND="console=ttyS0 panic=-1 quiet loglevel=3 tsc=reliable"
[ -n "$AMD" ] && APPEND="$APPEND kvmlab.amd=$AMD"
[ "${KVMLAB_DEBUG:-0}" = 1 ] && APPEND=${APPEND/ quiet loglevel=3/}

# Multi-threaded TCG froze this VM (no progress, not even soft-lockup reports) after a few
# hundred nested VM runs with 2 CPUs; one TCG thread running both CPUs in turn does not.
TCG_THREAD=${KVMLAB_TCG_THREAD:-single}
QEMU=(qemu-system-x86_64 -nodefaults -nographic -no-reboot -monitor none
  -machine q35 -accel tcg,thread=$TCG_THREAD,tb-size=512 -cpu "${KVMLAB_CPU:-max}"
  -m "${KVMLAB_MEM:-4G}" -smp "${KVMLAB_SMP:-1}"
  -kernel "$KERNEL" -initrd "$B/initramfs.cpio.gz" -append "$APPEND"
  -chardev file,id=con,path="$W/con.fifo" -serial chardev:con
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
  -virtfs local,path="$DIR",mount_tag=workdir,security_model=none,multidevs=remap
  -virtfs local,path="$W",mount_tag=xfer,security_model=none
  -device virtio-serial-pci,id=vs
  -chardev file,id=cout,path="$W/out.fifo"
  -chardev file,id=cerr,path="$W/err.fifo"
  -device virtserialport,bus=vs.0,nr=1,chardev=cout,name=kvmlab.stdout
  -device virtserialport,bus=vs.0,nr=2,chardev=cerr,name=kvmlab.stderr)

if [ -n "${KVMLAB_TIMEOUT:-}" ]; then QEMU=(timeout --foreground -k 5 "$KVMLAB_TIMEOUT" "${QEMU[@]}"); fi
"${QEMU[@]}" </dev/null >>"$W/qemu.log" 2>&1 5>&- 6>&- 7>&-
qrc=$?
exec 5>&- 6>&- 7>&-
wait $CAT1 $CAT2 $CAT3 2>/dev/null
if [ -s "$W/status" ]; then exit "$(cat "$W/status")"; fi
echo "kvmlab: VM did not report a status (qemu exit $qrc)" >&2
tail -n 30 "$W/qemu.log" "$W/console.log" >&2 2>/dev/null
exit 125
