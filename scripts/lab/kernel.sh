#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Download Debian's generic kernel package (apt-get download) and unpack it (dpkg -x) under
# lab/kernel/<package>/. Prints the unpacked directory. Cached: a second run does nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkg=$(lab_kernel_pkg)
dir=$LAB_DIR/kernel/$pkg
if [[ -f $dir/.done ]]; then
	echo "$dir"
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir/deb"
lab_log "downloading $pkg (apt-get download)"
(cd "$dir/deb" && apt-get download -q "$pkg" >&2) ||
	lab_die "apt-get download $pkg failed (run scripts/lab/deps.sh first: it runs apt-get update)"
deb=$(ls "$dir"/deb/*.deb | head -1)
lab_log "unpacking $(basename "$deb")"
dpkg -x "$deb" "$dir/root"
ls "$dir"/root/boot/vmlinuz-* >/dev/null 2>&1 || lab_die "$deb has no /boot/vmlinuz-*"
rm -f "$dir"/deb/*.deb
touch "$dir/.done"
echo "$dir"
