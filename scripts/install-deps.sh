#!/usr/bin/env bash
# Install the Debian 12 packages vsockdiag needs. Debian packages only: nothing else is
# downloaded. Runs apt-get as root (or through sudo).
#
# Usage: scripts/install-deps.sh [--test] [--lab]
#   (none)  build and run: gcc make pkg-config, clang llvm bpftool (bpf/: clang -target bpf and
#           bpftool gen skeleton), the tracing libraries, libbpf, ncurses
#   --test  also what the test suite needs: trace-cmd (the oracle for our recordings), clang and
#           libclang-rt-14-dev (libFuzzer), python3 (the simulator's truth checker)
#           tmux (a real terminal for the top screen tests), man-db (tests/cli/install.sh
#           renders the installed man pages), chromium (tests/cli/export_html.sh renders
#           the HTML export headless), tshark (tests/cli/export_pcap.sh reads the pcap export
#           back; asked not to install dumpcap setuid), busybox-static and dash (the shells
#           tests/collectors/shell_record.sh runs the shell-only recorder under)
#   --lab   also what the QEMU lab needs (scripts/lab/, `make lab`):
#             qemu-system-x86   the host partition (L1, TCG) and the guest partition (L2, KVM)
#             busybox-static    the initramfs' /init and shell
#             kmod cpio         modprobe --show-depends / depmod -b, and packing the initramfs
#             socat             a vsock workload inside the VMs (VSOCK-LISTEN / VSOCK-CONNECT)
#             trace-cmd python3 procps   reports, assertions, process control in the VMs
#             adb               Debian's adb (29.0.6), the client of the adb scenario (only run
#                               inside the VMs, against tests/lab/adbd_lab.c)
#           and makes sure apt knows the kernel package the lab downloads (apt-get download).
set -euo pipefail

build_pkgs=(gcc make pkg-config libc6-dev clang llvm bpftool)
# the libraries the tool links: trace.dat reading/writing, tracefs, BPF, the TUI
lib_pkgs=(libtracefs-dev libtraceevent-dev libtracecmd-dev libbpf-dev libelf-dev zlib1g-dev
	  liblzma-dev libzstd-dev
	  libncurses-dev)
test_pkgs=(trace-cmd clang libclang-rt-14-dev python3 tmux xz-utils zstd man-db chromium tshark
	   busybox-static dash)
lab_pkgs=(qemu-system-x86 busybox-static kmod cpio socat trace-cmd python3 procps adb)

pkgs=("${build_pkgs[@]}" "${lib_pkgs[@]}")
lab=0
for arg in "$@"; do
	case $arg in
	--test) pkgs+=("${test_pkgs[@]}") ;;
	--lab) pkgs+=("${lab_pkgs[@]}") lab=1 ;;
	*) echo "install-deps: unknown option $arg (use --test and/or --lab)" >&2; exit 2 ;;
	esac
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
	SUDO=sudo
	command -v sudo >/dev/null || SUDO=missing
fi
apt_update() {
	[[ $SUDO != missing ]] || { echo "install-deps: run as root (or install sudo)" >&2; exit 1; }
	$SUDO apt-get update -qq
}

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
updated=0
if ((${#missing[@]})); then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark's wireshark-common asks whether non-root users may capture: no, and no prompt
	if [[ " ${missing[*]} " == *" tshark "* ]]; then
		echo "wireshark-common wireshark-common/install-setuid boolean false" |
			$SUDO debconf-set-selections
	fi
	apt_update
	updated=1
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
	echo "install-deps: everything needed is installed"
fi
# the lab downloads Debian's kernel package: apt must know it even when nothing was missing
if ((lab && !updated)) && ! apt-cache show 'linux-image-6.1.0-*-amd64' >/dev/null 2>&1; then
	echo "install-deps: apt does not know the lab's kernel package yet: apt-get update"
	apt_update
fi
