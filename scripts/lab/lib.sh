# SPDX-License-Identifier: GPL-2.0
# Shared settings of the QEMU lab (sourced by scripts/lab/*.sh on this machine).
# Everything the lab downloads or builds is cached under $LAB_DIR (lab/, gitignored).

LAB_REPO=${LAB_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_DIR=${LAB_DIR:-$LAB_REPO/lab}

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# The Debian generic kernel package the lab boots: what linux-image-amd64 depends on
# (e.g. linux-image-6.1.0-56-amd64), unless LAB_KERNEL_PKG names one. Cached in lab/kernel.pkg
# so a second run needs no apt look-up.
lab_kernel_pkg() {
	if [[ -n ${LAB_KERNEL_PKG:-} ]]; then
		echo "$LAB_KERNEL_PKG"
		return
	fi
	if [[ -s $LAB_DIR/kernel.pkg ]]; then
		cat "$LAB_DIR/kernel.pkg"
		return
	fi
	local p
	p=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9.]*-[0-9]*-amd64\)\(-unsigned\)\?$/\1/p' | head -1)
	if [[ -z $p ]]; then
		# no candidate list yet (apt-get update never ran) or another naming: newest -NN-amd64
		p=$(apt-cache search --names-only '^linux-image-[0-9.]+-[0-9]+-amd64$' 2>/dev/null |
			awk '{print $1}' | sort -V | tail -1)
	fi
	[[ -n $p ]] || lab_die "no linux-image-*-amd64 package known to apt (run scripts/lab/deps.sh, which runs apt-get update)"
	mkdir -p "$LAB_DIR"
	echo "$p" >"$LAB_DIR/kernel.pkg"
	echo "$p"
}
