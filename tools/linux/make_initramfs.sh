#!/usr/bin/env bash
# make_initramfs.sh OUT.cpio.gz CLOCK_REPORT: a small initramfs for the Linux demo and tests:
# busybox-static, /init (mount /proc and /sys, run clock_report, or with pvclock.soak=SECONDS
# its soak, totals every pvclock.period=SECONDS (default 60), or with pvclock.track=SECONDS its
# comparison with the host's clocks every pvclock.every=SECONDS (1); then act on the command line's
# pvclock.end=reboot|panic|poweroff), and the clock_report program (a static binary).
set -euo pipefail
out=$1 report=$2
busybox=$(command -v busybox) || { echo "make_initramfs: busybox-static is missing" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then
	echo "make_initramfs: $busybox is not static (install busybox-static)" >&2
	exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys}
cp "$busybox" "$root/bin/busybox"
for tool in sh mount cat echo reboot poweroff sleep; do
	ln -s busybox "$root/bin/$tool"
done
cp "$report" "$root/bin/clock_report"
cat >"$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "init: pid $$, $(cat /proc/uptime | cut -d' ' -f1) s after boot"
soak= period=60 track= every=1
for word in $(cat /proc/cmdline); do
	case $word in
	pvclock.soak=*) soak=${word#pvclock.soak=} ;;
	pvclock.period=*) period=${word#pvclock.period=} ;;
	pvclock.track=*) track=${word#pvclock.track=} ;;
	pvclock.every=*) every=${word#pvclock.every=} ;;
	esac
done
if [ -n "$track" ]; then
	/bin/clock_report track "$track" "$every"
elif [ -n "$soak" ]; then
	/bin/clock_report soak "$soak" "$period"
else
	/bin/clock_report
fi
case " $(cat /proc/cmdline) " in
*" pvclock.end=panic "*) echo "init: exiting, so the kernel panics"; exit 1 ;;
*" pvclock.end=poweroff "*) poweroff -f ;;
esac
echo "init: rebooting"
reboot -f
sleep 2
echo "init: reboot -f returned; sysrq b"
echo b >/proc/sysrq-trigger
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) >"$out"
