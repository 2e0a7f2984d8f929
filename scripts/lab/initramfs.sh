#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the lab's initramfs from Debian packages only: busybox-static, scripts/lab/init, and
# just the kernel modules both partitions need, resolved with modprobe --show-depends and
# indexed with depmod -b. Prints the image's path. Cached: rebuilt only when the kernel,
# busybox or scripts/lab/init change.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=$(bash "$(dirname "$0")/kernel.sh")
pkg=$(basename "$kdir")
kroot=$kdir/root
kver=$(ls "$kroot/lib/modules" | head -1)
[[ -n $kver ]] || lab_die "no lib/modules in $kroot"
busybox=/bin/busybox
[[ -x $busybox ]] || lab_die "no $busybox: install busybox-static (scripts/lab/deps.sh)"
init=$(dirname "$0")/init

# the modules (and their dependencies): 9p root, vsock on both sides, nested KVM in the host
mods=(virtio_pci virtio_blk 9pnet_virtio 9p vhost_vsock vmw_vsock_virtio_transport vsock_diag kvm_amd kvm_intel)

img=$LAB_DIR/initrd-$kver.img
stamp=$(cat "$init" "$0" | sha256sum | cut -c1-16)-$(stat -c %Y "$busybox")
if [[ -f $img && -f $img.stamp && $(cat "$img.stamp") == "$stamp" ]]; then
	echo "$img"
	exit 0
fi
lab_log "building the initramfs for $kver"
[[ -f $kroot/lib/modules/$kver/modules.dep ]] || depmod -b "$kroot" "$kver"

work=$(mktemp -d "$LAB_DIR/initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,sbin,proc,sys,dev,mnt/root,tmp,etc,lib/modules/$kver}
cp "$busybox" "$work/bin/busybox"
ln -s busybox "$work/bin/sh"
install -m 0755 "$init" "$work/init"

: >"$work/etc/modules.list"
for m in "${mods[@]}"; do
	modprobe -d "$kroot" -S "$kver" --show-depends "$m" 2>/dev/null | while read -r kw path _; do
		[[ $kw == insmod ]] || continue
		rel=${path#"$kroot"/lib/modules/"$kver"/}
		mkdir -p "$work/lib/modules/$kver/$(dirname "$rel")"
		cp -n "$path" "$work/lib/modules/$kver/$rel"
		grep -qxF "/lib/modules/$kver/$rel" "$work/etc/modules.list" ||
			echo "/lib/modules/$kver/$rel" >>"$work/etc/modules.list"
	done
done
[[ -s $work/etc/modules.list ]] || lab_die "no module resolved (modprobe -d $kroot -S $kver)"
cp "$kroot/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$work/lib/modules/$kver/" 2>/dev/null || true
depmod -b "$work" "$kver"
echo "$pkg" >"$work/etc/vsocklab-kernel"

(cd "$work" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$img.tmp"
mv "$img.tmp" "$img"
echo "$stamp" >"$img.stamp"
lab_log "initramfs $(du -h "$img" | cut -f1) with $(wc -l <"$work/etc/modules.list") modules: $img"
echo "$img"
