#!/usr/bin/env bash
# Install the Debian 12 packages vsockdiag needs to build, test and run its examples.
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite needs)
# Runs apt-get as root (or through sudo). Debian packages only: nothing else is downloaded.
set -euo pipefail

build_pkgs=(gcc make pkg-config libc6-dev)
# the libraries the tool links as it grows: trace.dat reading/writing, tracefs, BPF, the TUI
lib_pkgs=(libtracefs-dev libtraceevent-dev libtracecmd-dev libbpf-dev libelf-dev zlib1g-dev
	  libncurses-dev)
# trace-cmd is the oracle for our recordings; clang builds the fuzzer (libFuzzer is in
# libclang-rt-14-dev); python3 runs the simulator's truth checker
test_pkgs=(trace-cmd clang libclang-rt-14-dev python3)

pkgs=("${build_pkgs[@]}" "${lib_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then
	pkgs+=("${test_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	echo "install-deps: everything needed is installed"
	exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo) to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
