#!/usr/bin/env bash
# make-initramfs.sh DEB OUT_DIR: extracts a Debian kernel package (linux-image-*-unsigned) into OUT_DIR and writes
# OUT_DIR/vmlinuz (the kernel) and OUT_DIR/initramfs.cpio.gz (busybox, tests/vm/init and the virtio/9p and veth modules the
# kernel has as modules, in dependency order). Needs busybox-static (.ci/install-deps).
set -euo pipefail
deb=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
busybox=$(command -v busybox) || { echo "make-initramfs: busybox is missing (apt-get install busybox-static)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/pkg" "$out/root/bin" "$out/root/modules"
dpkg-deb -x "$deb" "$out/pkg"
release=$(ls "$out/pkg/lib/modules")
cp "$out/pkg/boot/vmlinuz-$release" "$out/vmlinuz"
config="$out/pkg/boot/config-$release"
moddir="$out/pkg/lib/modules/$release/kernel"

# Modules needed for virtio-9p, dependencies first, and veth (the xdp tests' interface pairs); a feature the kernel
# has built in (=y) needs no module.
declare -A option=([virtio_ring]=VIRTIO [virtio]=VIRTIO [virtio_pci_modern_dev]=VIRTIO_PCI_LIB
    [virtio_pci_legacy_dev]=VIRTIO_PCI_LIB_LEGACY [virtio_pci]=VIRTIO_PCI [9pnet]=NET_9P
    [9pnet_virtio]=NET_9P_VIRTIO [netfs]=NETFS_SUPPORT [fscache]=FSCACHE [9p]=9P_FS [veth]=VETH)
: >"$out/root/modules.order"
for module in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 9pnet 9pnet_virtio netfs \
    fscache 9p veth; do
    grep -q "^CONFIG_${option[$module]}=m" "$config" || continue
    ko=$(find "$moddir" -name "$module.ko*" | head -n1)
    [ -n "$ko" ] || { echo "make-initramfs: $module is a module in $config but not in the package" >&2; exit 1; }
    case $ko in
    *.xz) xz -dc "$ko" >"$out/root/modules/$module.ko" ;;
    *.zst) zstd -dcq "$ko" >"$out/root/modules/$module.ko" ;;
    *) cp "$ko" "$out/root/modules/$module.ko" ;;
    esac
    echo "$module" >>"$out/root/modules.order"
done
cp "$busybox" "$out/root/bin/busybox"
cp "$here/init" "$out/root/init"
chmod 755 "$out/root/init" "$out/root/bin/busybox"
(cd "$out/root" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$out/initramfs.cpio.gz"
cp "$config" "$out/config"
echo "$release" >"$out/release"
rm -rf "$out/pkg" "$out/root"
