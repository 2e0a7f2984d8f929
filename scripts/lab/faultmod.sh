#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the lab's fault-injection module (tests/lab/faultinj/vdfault.c) for the lab's kernel,
# against Debian's own header packages for that exact kernel: linux-headers-KVER,
# linux-headers-KVER-common (KVER without the flavour) and linux-kbuild-X.Y at the same version
# ('apt-get download', 'dpkg -x' under lab/headers/KVER/: nothing is installed on this machine).
# Prints the module's path (lab/vdfault-KVER.ko). Cached: rebuilt only when the sources, this
# script or the kernel change. The module is only ever loaded inside the lab VMs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=$(bash "$(dirname "$0")/kernel.sh")
kver=$(ls "$kdir/root/lib/modules" | head -1)
[[ -n $kver ]] || lab_die "no lib/modules in $kdir/root"
src=$LAB_REPO/tests/lab/faultinj
ko=$LAB_DIR/vdfault-$kver.ko
stamp=$(cat "$src/vdfault.c" "$src/Kbuild" "$0" | sha256sum | cut -c1-16)-$kver
if [[ -f $ko && -f $ko.stamp && $(cat "$ko.stamp") == "$stamp" ]]; then
	echo "$ko"
	exit 0
fi

hdir=$LAB_DIR/headers/$kver
build=$hdir/usr/src/linux-headers-$kver
if [[ ! -f $hdir/.done ]]; then
	common=linux-headers-${kver%-*}-common # 6.1.0-57-amd64 -> 6.1.0-57-common
	kbuild=linux-kbuild-$(echo "$kver" | cut -d. -f1,2)
	ver=$(apt-cache show --no-all-versions "linux-headers-$kver" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
	[[ -n $ver ]] || lab_die "apt does not know linux-headers-$kver (run scripts/lab/deps.sh: it runs apt-get update)"
	rm -rf "$hdir"
	mkdir -p "$hdir/deb"
	lab_log "downloading linux-headers-$kver, $common, $kbuild ($ver) (apt-get download)"
	(cd "$hdir/deb" && apt-get download -q "linux-headers-$kver=$ver" "$common=$ver" "$kbuild=$ver" >&2) ||
		lab_die "apt-get download of the header packages for $kver failed"
	for d in "$hdir"/deb/*.deb; do dpkg -x "$d" "$hdir"; done
	rm -rf "$hdir/deb"
	# the flavour's Makefile includes the common tree by its installed path: point it here
	sed -i "s|^include /usr/src/|include $hdir/usr/src/|" "$build/Makefile"
	[[ -e $build/scripts/basic/fixdep ]] || lab_die "$kbuild did not provide scripts/ for $build"
	touch "$hdir/.done"
fi

cc=$(sed -n 's/^CC = .*gcc-\([0-9]*\).*/gcc-\1/p' "$build/.kernelvariables" 2>/dev/null | head -1)
command -v "${cc:-gcc}" >/dev/null || lab_die "the kernel was built with ${cc}: install it (apt-get install ${cc})"
work=$LAB_DIR/faultinj-build
rm -rf "$work"
mkdir -p "$work"
cp "$src/vdfault.c" "$src/Kbuild" "$work/"
lab_log "building vdfault.ko for $kver"
make -s -C "$build" M="$work" modules >&2 || lab_die "building tests/lab/faultinj/vdfault.c against $build failed"
cp "$work/vdfault.ko" "$ko.tmp" && mv "$ko.tmp" "$ko"
echo "$stamp" >"$ko.stamp"
lab_log "vdfault.ko: $(modinfo -F vermagic "$ko")"
echo "$ko"
