#!/bin/bash
# Build the busybox initramfs and kernel used by run-in-vm.sh (a development tool, see README).
# Output: vmlinuz, vmlinux and initramfs.cpio.gz in $KVMLAB_BUILD (default /var/tmp/pvclock-kvmlab)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${KVMLAB_BUILD:-/var/tmp/pvclock-kvmlab}
KVER=${KVER:-$(ls /lib/modules | grep -E 'amd64$' | sort -V | tail -1)}
[ -n "$KVER" ] || { echo "no Debian kernel in /lib/modules; apt-get install linux-image-amd64" >&2; exit 1; }
MODDIR=/lib/modules/$KVER
MODS="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
netfs fscache 9pnet 9pnet_virtio 9p virtio_console irqbypass ccp kvm kvm-amd"
BB=$(command -v busybox || true)
[ -x /bin/busybox ] && BB=/bin/busybox
file -L "$BB" | grep -q 'statically linked' || { echo "need busybox-static" >&2; exit 1; }

mkdir -p "$OUT"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$T"/{bin,sbin,proc,sys,dev,tmp,host,xfer,lib/modules,etc}
cp "$BB" "$T/bin/busybox"
for m in $MODS; do
  f=$(find "$MODDIR/kernel" -name "$m.ko*" | head -1)
  [ -n "$f" ] || { echo "module $m not found" >&2; exit 1; }
  case "$f" in
    *.ko.xz) xz -dc "$f" > "$T/lib/modules/$m.ko";;
    *.ko.zst) zstd -qdc "$f" > "$T/lib/modules/$m.ko";;
    *) cp "$f" "$T/lib/modules/$m.ko";;
  esac
  echo "$m" >> "$T/lib/modules/order"
done
cp "$HERE/init" "$T/init"; chmod +x "$T/init"
(cd "$T" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initramfs.cpio.gz.tmp"
mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
cp "/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
# Uncompressed ELF vmlinux: QEMU boots it via the PVH entry point, which skips
# the (slow under TCG, ~3 s) in-guest decompression. Fall back to bzImage.
rm -f "$OUT/vmlinux"
off=$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d.find(b"\xfd7zXZ\x00"))' "/boot/vmlinuz-$KVER" 2>/dev/null || echo -1)
if [ "${off:--1}" -ge 0 ] && tail -c +$((off + 1)) "/boot/vmlinuz-$KVER" | xz -dc 2>/dev/null > "$OUT/vmlinux.tmp"; [ -s "$OUT/vmlinux.tmp" ] \
   && readelf -n "$OUT/vmlinux.tmp" 2>/dev/null | grep -q 'Xen.*0x00000012\|Unknown note type: (0x00000012)'; then
  mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
else
  rm -f "$OUT/vmlinux.tmp"; echo "note: no PVH vmlinux extracted, booting bzImage (slower)" >&2
fi
echo "$KVER" > "$OUT/kver"
echo "built $OUT/initramfs.cpio.gz for $KVER" >&2
