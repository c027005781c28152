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

# The modules virtio-9p needs and veth (the xdp tests' interface pairs), each after the modules its own depends= field
# names (the package has no modules.dep: depmod writes it at install); a module the kernel has built in
# (modules.builtin) needs nothing.
decompress() {
    case $1 in
    *.xz) xz -dc "$1" ;;
    *.zst) zstd -dcq "$1" ;;
    *) cat "$1" ;;
    esac
}
declare -A added=()
add_module() {
    local name=$1 ko dep
    [ -z "${added[$name]:-}" ] || return 0
    added[$name]=1
    ko=$(find "$moddir" -name "$name.ko*" | head -n1)
    if [ -z "$ko" ]; then
        grep -q "/$name\.ko\$" "$moddir/../modules.builtin" && return 0
        echo "make-initramfs: $name is neither a module of the package nor built in" >&2
        exit 1
    fi
    decompress "$ko" >"$out/root/modules/$name.ko"
    for dep in $(tr '\0' '\n' <"$out/root/modules/$name.ko" | sed -n 's/^depends=//p' | head -n1 | tr ',' ' '); do
        add_module "$dep"
    done
    echo "$name" >>"$out/root/modules.order"
}
: >"$out/root/modules.order"
for module in virtio_pci 9pnet_virtio 9p veth; do
    add_module "$module"
done
cp "$busybox" "$out/root/bin/busybox"
cp "$here/init" "$out/root/init"
chmod 755 "$out/root/init" "$out/root/bin/busybox"
(cd "$out/root" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$out/initramfs.cpio.gz"
cp "$config" "$out/config"
echo "$release" >"$out/release"
rm -rf "$out/pkg" "$out/root"
