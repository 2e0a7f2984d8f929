#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate bpf/vmlinux/ARCH/vmlinux.h, the checked-in BTF header the BPF programs include,
# from Debian 12's kernel image package only: the kernel the QEMU lab boots
# (scripts/lab/lib.sh lab_kernel_pkg, e.g. linux-image-6.1.0-57-amd64) and, for arm64, the
# same ABI's linux-image-6.1.0-57-arm64, which must have the same version.
#
# Usage: scripts/gen-vmlinux-h.sh ARCH        ARCH = x86_64 | arm64
#
#   1. apt-get download the package (cached in lab/vmlinux-cache/debs/, gitignored; a cached
#      .deb is checked against apt's SHA256). x86_64 uses the machine's apt, like the lab;
#      arm64 uses a private apt state in lab/vmlinux-cache/apt-arm64/ (its own sources, lists,
#      cache and an empty dpkg status, APT::Architectures=arm64): the machine's dpkg
#      architectures and apt lists are not touched. Only Debian's archive is contacted.
#   2. take /boot/vmlinuz-* out of the .deb (dpkg-deb --fsys-tarfile, nothing else unpacked)
#   3. scripts/btf-extract.py: the vmlinux BTF, validated (lab/vmlinux-cache/PKG_VER_ARCH.btf)
#   4. bpftool btf dump file RAW (must parse), then ... format c, under a comment naming the
#      package, version, .deb SHA256 and this command
#
# Environment:
#   LAB_KERNEL_PKG=linux-image-6.1.0-NN-amd64   the kernel (default: what the lab uses)
#   VMLINUX_DEB=/path/to/linux-image-...deb     use this .deb instead of downloading (offline)
#   VMLINUX_DEBIAN_MIRROR, VMLINUX_DEBIAN_SECURITY   arm64's private apt sources
#                  (default http://deb.debian.org/debian and http://deb.debian.org/debian-security)
# Needs: apt, dpkg-deb, python3, bpftool (Debian's bpftool 7.1; its version is recorded).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lab/lib.sh
. "$here/lab/lib.sh"
repo=$LAB_REPO
cache=$LAB_DIR/vmlinux-cache

log() { printf 'gen-vmlinux-h: %s\n' "$*" >&2; }
die() { printf 'gen-vmlinux-h: error: %s\n' "$*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: $0 x86_64|arm64"
arch=$1
case $arch in
x86_64) debarch=amd64 ;;
arm64) debarch=arm64 ;;
*) die "unknown ARCH '$arch' (x86_64 or arm64)" ;;
esac
for t in apt-get apt-cache dpkg-deb python3 bpftool sha256sum; do
	command -v "$t" >/dev/null || die "$t not found (scripts/install-deps.sh installs bpftool)"
done

# --- which package, which version ---------------------------------------------------------

amd64_pkg=$(lab_kernel_pkg)
[[ $amd64_pkg =~ ^linux-image-[0-9.]+-[0-9]+-amd64$ ]] ||
	die "lab kernel package '$amd64_pkg' is not linux-image-X.Y.Z-NN-amd64"
pkg=${amd64_pkg%-amd64}-$debarch

mkdir -p "$cache/debs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# arm64: a private apt (config file, no system apt.conf.d parts: no hooks of the machine run)
aptdir=$cache/apt-$debarch
apt_private() {
	local conf=$aptdir/apt.conf
	if [[ ! -f $conf ]]; then
		mkdir -p "$aptdir/parts" "$aptdir/sources.list.d" "$aptdir/lists/partial" \
			"$aptdir/cache/archives/partial"
		: >"$aptdir/status"
		local mirror=${VMLINUX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
		local security=${VMLINUX_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
		local key=/usr/share/keyrings/debian-archive-keyring.gpg
		cat >"$aptdir/sources.list" <<-EOF
			deb [signed-by=$key] $mirror bookworm main
			deb [signed-by=$key] $mirror bookworm-updates main
			deb [signed-by=$key] $security bookworm-security main
		EOF
		cat >"$conf.tmp" <<-EOF
			// private apt state of scripts/gen-vmlinux-h.sh: Debian 12, $debarch only
			Dir::Etc::Parts "$aptdir/parts";
			Dir::Etc::Main "$conf";
			Dir::Etc::SourceList "$aptdir/sources.list";
			Dir::Etc::SourceParts "$aptdir/sources.list.d";
			Dir::Etc::Preferences "/dev/null";
			Dir::Etc::PreferencesParts "$aptdir/parts";
			Dir::State "$aptdir";
			Dir::State::Lists "$aptdir/lists";
			Dir::State::status "$aptdir/status";
			Dir::Cache "$aptdir/cache";
			APT::Architecture "$debarch";
			APT::Architectures { "$debarch"; };
			Acquire::Languages "none";
			Acquire::GzipIndexes "true";
			Acquire::CompressionTypes::Order { "gz"; };
			Dir::Cache::pkgcache "";
			Dir::Cache::srcpkgcache "";
		EOF
		mv "$conf.tmp" "$conf"
	fi
	APT_CONFIG=$conf "$@"
}
private_update() {
	log "apt-get update of the private $debarch apt state ($aptdir)"
	apt_private apt-get -q update >&2 || die "apt-get update ($debarch, private state) failed"
}
candidate() { # candidate version of $2 for the apt named by $1 (sys|private)
	local out
	if [[ $1 == private ]]; then
		out=$(apt_private apt-cache policy "$2" 2>/dev/null) || true
	else
		out=$(apt-cache policy "$2" 2>/dev/null) || true
	fi
	awk '/Candidate:/ { if ($2 != "(none)") print $2 }' <<<"$out"
}

if [[ -n ${VMLINUX_DEB:-} ]]; then
	[[ -f $VMLINUX_DEB ]] || die "VMLINUX_DEB=$VMLINUX_DEB: no such file"
	deb=$VMLINUX_DEB
	[[ $(dpkg-deb -f "$deb" Package) == "$pkg" ]] ||
		die "$deb is $(dpkg-deb -f "$deb" Package), expected $pkg"
	ver=$(dpkg-deb -f "$deb" Version)
	sha=
else
	amd64_ver=$(candidate sys "$amd64_pkg")
	[[ -n $amd64_ver ]] || die "apt does not know $amd64_pkg (run scripts/lab/deps.sh: apt-get update)"
	if [[ $debarch == amd64 ]]; then
		ver=$amd64_ver
		aptrun() { "$@"; }
	else
		aptrun() { apt_private "$@"; }
		ls "$aptdir"/lists/*_Packages* >/dev/null 2>&1 || private_update
		ver=$(candidate private "$pkg")
		if [[ $ver != "$amd64_ver" ]]; then
			log "$pkg: private apt says '${ver:-none}', the lab's $amd64_pkg is $amd64_ver: refreshing"
			private_update
			ver=$(candidate private "$pkg")
		fi
		[[ -n $ver ]] || die "Debian's archive has no $pkg for $debarch"
		[[ $ver == "$amd64_ver" ]] ||
			die "$pkg is $ver in Debian's archive but the lab's $amd64_pkg is $amd64_ver (apt-get update the machine?)"
	fi
	# apt's own record of the file: 'URL' FILE SIZE SHA256:HASH (asked in an empty directory:
	# apt-get download prints nothing for a file already in the current directory)
	uri=$(cd "$tmp" && aptrun apt-get download --print-uris "$pkg:$debarch=$ver" 2>/dev/null) ||
		die "apt cannot download $pkg:$debarch=$ver"
	read -r _ file _ hash <<<"$uri"
	[[ $hash == SHA256:* && $file == *.deb ]] || die "unexpected apt-get --print-uris output: $uri"
	sha=${hash#SHA256:}
	deb=$cache/debs/$file
	if [[ -f $deb ]] && [[ $(sha256sum <"$deb" | cut -d' ' -f1) == "$sha" ]]; then
		log "cached: $deb"
	else
		rm -f "$deb"
		log "downloading $pkg $ver ($debarch) with apt-get download"
		(cd "$cache/debs" && aptrun apt-get -q download "$pkg:$debarch=$ver" >&2) ||
			die "apt-get download $pkg:$debarch=$ver failed (gone from the archive? apt-get update, or VMLINUX_DEB=)"
		[[ -f $deb ]] || die "apt-get download did not write $deb"
		[[ $(sha256sum <"$deb" | cut -d' ' -f1) == "$sha" ]] || die "$deb: SHA256 differs from apt's $sha"
	fi
fi
[[ $(dpkg-deb -f "$deb" Architecture) == "$debarch" ]] ||
	die "$deb is for $(dpkg-deb -f "$deb" Architecture), not $debarch"
[[ -n $sha ]] || sha=$(sha256sum <"$deb" | cut -d' ' -f1)
source_pkg=$(dpkg-deb -f "$deb" Source)

# --- vmlinuz -> raw BTF -> vmlinux.h ------------------------------------------------------

kver=${pkg#linux-image-}
log "taking /boot/vmlinuz-$kver out of $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "./boot/vmlinuz-$kver" ||
	die "$deb has no ./boot/vmlinuz-$kver"
vmlinuz=$tmp/boot/vmlinuz-$kver

btf=$cache/${pkg}_${ver}_${debarch}.btf
python3 "$here/btf-extract.py" "$vmlinuz" "$btf" 2>"$tmp/extract.log" || {
	cat "$tmp/extract.log" >&2
	die "no BTF extracted from $pkg $ver"
}
cat "$tmp/extract.log" >&2
bpftool btf dump file "$btf" >"$tmp/raw.txt" 2>"$tmp/bpftool.err" ||
	die "bpftool cannot parse $btf: $(cat "$tmp/bpftool.err")"
ntypes=$(grep -c '^\[' "$tmp/raw.txt" || true)
for t in task_struct sk_buff virtqueue irqaction; do
	grep -q "^\[[0-9]*\] STRUCT '$t' " "$tmp/raw.txt" || die "$btf: no struct $t"
done
btf_size=$(stat -c %s "$btf")
bpftool_ver=$(bpftool version | sed -n '1s/^bpftool //p')
bpftool btf dump file "$btf" format c >"$tmp/body.h" 2>"$tmp/bpftool.err" ||
	die "bpftool btf dump ... format c failed: $(cat "$tmp/bpftool.err")"

out=$repo/bpf/vmlinux/$arch/vmlinux.h
mkdir -p "$(dirname "$out")"
regen="LAB_KERNEL_PKG=$amd64_pkg scripts/gen-vmlinux-h.sh $arch"
{
	cat <<-EOF
		/* SPDX-License-Identifier: GPL-2.0 */
		/*
		 * vmlinux.h for $arch: every type in the BTF of Debian 12's kernel $kver.
		 * GENERATED, do not edit. Regenerate with:
		 *   $regen
		 *
		 * package: $pkg $ver ($debarch, source package $source_pkg)
		 * .deb:    ${pkg}_${ver//:/%3a}_${debarch}.deb sha256 $sha
		 * BTF:     /boot/vmlinuz-$kver, .BTF cut out by scripts/btf-extract.py
		 *          ($btf_size bytes, $ntypes types), then: bpftool btf dump file RAW.btf format c
		 * bpftool: $bpftool_ver
		 *
		 * The kernel's own BTF only: types of modules (vsock_sock, virtio_vsock_sock, vhost_vsock,
		 * vring_virtqueue, ...) are absent; programs use local CO-RE flavours for them.
		 */
	EOF
	cat "$tmp/body.h"
} >"$out.tmp"
mv "$out.tmp" "$out"
log "wrote ${out#"$repo"/}: $(stat -c %s "$out") bytes, $ntypes types from $pkg $ver"
