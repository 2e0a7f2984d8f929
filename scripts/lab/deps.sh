#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian 12 packages the QEMU lab needs (scripts/lab/, `make lab`).
# Usage: scripts/lab/deps.sh          (as root, or through sudo)
#
#   qemu-system-x86   the host partition (L1, TCG) and the guest partition (L2, nested KVM)
#   busybox-static    the initramfs' /init and shell
#   kmod              modprobe --show-depends / depmod -b to build the initramfs' module tree
#   cpio              packs the initramfs
#   socat             the vsock workload inside the VMs (VSOCK-LISTEN / VSOCK-CONNECT)
#   trace-cmd         'trace-cmd report' turns the recordings into text (and is the .dat oracle)
#   python3           the scenarios' assertions on 'vsockdiag correlate --json'
# The kernel itself (linux-image-6.1.0-NN-amd64) is not installed: scripts/lab/kernel.sh
# downloads the package with 'apt-get download' and unpacks it under lab/.
set -euo pipefail

pkgs=(qemu-system-x86 busybox-static kmod cpio socat trace-cmd python3 procps)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	echo "lab-deps: everything needed is installed"
	exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null || { echo "lab-deps: run as root (or install sudo) to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
echo "lab-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
