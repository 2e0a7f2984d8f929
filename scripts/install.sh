#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make install / make uninstall (the Makefile passes the directories in the environment).
#
#   scripts/install.sh install     copy into $DESTDIR + the directories below
#   scripts/install.sh uninstall   remove what install put, and the directories it created
#   scripts/install.sh list        print what install puts: SOURCE MODE DESTINATION (no DESTDIR)
#
# Directories (absolute, without DESTDIR): BINDIR, MAN1DIR, BASHCOMPDIR, DOCDIR, PKGDATADIR;
# VSOCKDIAG is the binary to install (build/vsockdiag). Every file goes through install(1),
# which replaces a symlink at the destination instead of writing through it; the package's
# own directories (PKGDATADIR, DOCDIR and below) must not be symlinks.
#
# install records every file it put and every directory it had to create in
# $PKGDATADIR/install-manifest ("f PATH" / "d PATH", merged with an earlier install's), and
# uninstall removes exactly those: the files, then the directories it created, when empty.
# Without a manifest (removed by hand), uninstall removes the files this tree would install
# and the package's own directories when empty, never a shared directory (bin, man1, ...).
set -u

die() {
	echo "install.sh: $*" >&2
	exit 1
}

action=${1:-}
[[ $action == install || $action == uninstall || $action == list ]] ||
	die "usage: install.sh install|uninstall|list (make install, make uninstall)"

DESTDIR=${DESTDIR-}
for v in BINDIR MAN1DIR BASHCOMPDIR DOCDIR PKGDATADIR; do
	val=${!v-}
	[[ -n $val ]] || die "$v is not set (run it through make install / make uninstall)"
	[[ $val == /* ]] || die "$v=$val is not an absolute path (PREFIX and the *DIR variables must be)"
	[[ /$val/ != */../* && /$val/ != */./* ]] || die "$v=$val: no . or .. components, please"
	# one canonical spelling: no trailing or doubled slashes (the manifest compares paths)
	val=$(printf '%s' "$val" | tr -s /)
	[[ $val == / ]] || val=${val%/}
	printf -v "$v" '%s' "$val"
done
[[ -z $DESTDIR || $DESTDIR != *$'\n'* ]] || die "DESTDIR has a newline"
MANIFEST=$PKGDATADIR/install-manifest
EXAMPLES=$PKGDATADIR/examples

# the tree: run from the top of the source tree (make does)
[[ -f scripts/install.sh && -d doc/man && -d examples ]] ||
	die "run it from the top of the vsockdiag tree (make install)"

# what install puts: "SOURCE MODE DESTINATION", one a line; SOURCE "-demo-" is scripts/demo.sh
# with its examples directory set to where the examples go
list() {
	local f
	printf '%s 0755 %s\n' "${VSOCKDIAG:-build/vsockdiag}" "$BINDIR/vsockdiag"
	printf '%s 0755 %s\n' -demo- "$BINDIR/vsockdiag-demo"
	# the shell-only recorder, to push to partitions where the binary cannot run
	printf '%s 0755 %s\n' scripts/vsockdiag-record.sh "$BINDIR/vsockdiag-record.sh"
	for f in doc/man/*.1; do printf '%s 0644 %s\n' "$f" "$MAN1DIR/${f##*/}"; done
	printf '%s 0644 %s\n' scripts/completion/vsockdiag.bash "$BASHCOMPDIR/vsockdiag"
	for f in README.md doc/*.md; do printf '%s 0644 %s\n' "$f" "$DOCDIR/${f##*/}"; done
	# the shipped examples, as they are in the tree (regular files only; no hidden files)
	find examples -type f ! -name '.*' ! -path '*/.*' -print | LC_ALL=C sort |
		while IFS= read -r f; do
			[[ $f != *[[:space:]]* ]] || die "examples: '$f' has a space in its name: rename it"
			printf '%s 0644 %s\n' "$f" "$EXAMPLES/${f#examples/}"
		done
}

if [[ $action == list ]]; then
	list
	exit 0
fi

# the directories this install may create under DESTDIR, in the order they were created
created=()
# mkdir_p DIR (without DESTDIR): every missing directory from the top down, recorded
mkdir_p() {
	local dir=$1 d missing=()
	d=$dir
	while [[ -n $d && $d != / && ! -e $DESTDIR$d && ! -L $DESTDIR$d ]]; do
		missing=("$d" "${missing[@]}")
		d=${d%/*}
	done
	for d in "${missing[@]}"; do
		install -d -m 0755 -- "$DESTDIR$d" || die "cannot create $DESTDIR$d"
		created+=("$d")
	done
	[[ -d $DESTDIR$dir ]] || die "$DESTDIR$dir exists and is not a directory"
}

# the package's own directories are written into without following a symlink anywhere below
# PKGDATADIR and DOCDIR (the shared ones, BINDIR, MAN1DIR..., may be symlinks: /usr/local/man)
own_dir() {
	case $1 in
	"$PKGDATADIR" | "$PKGDATADIR"/* | "$DOCDIR" | "$DOCDIR"/*) return 0 ;;
	esac
	return 1
}
check_no_symlink() {
	local dir=$1 d
	own_dir "$dir" || return 0
	d=$dir
	while own_dir "$d"; do
		[[ -L $DESTDIR$d ]] && die "$DESTDIR$d is a symlink: not writing through it (remove it first)"
		d=${d%/*}
	done
	return 0
}

# is PATH (without DESTDIR) one this package may remove? (guards a damaged manifest)
ours_file() {
	local p=$1
	[[ /$p/ != */../* && /$p/ != */./* ]] || return 1
	case $p in
	"$BINDIR"/vsockdiag | "$BINDIR"/vsockdiag-demo | "$BINDIR"/vsockdiag-record.sh | "$BASHCOMPDIR"/vsockdiag) return 0 ;;
	"$MAN1DIR"/vsockdiag.1 | "$MAN1DIR"/vsockdiag-*.1) return 0 ;;
	"$DOCDIR"/* | "$PKGDATADIR"/*) return 0 ;;
	esac
	return 1
}
ours_dir() {
	local p=$1 d
	[[ /$p/ != */../* && /$p/ != */./* && $p == /?* ]] || return 1
	own_dir "$p" && return 0
	# a directory install created on the way to one of its directories
	for d in "$BINDIR" "$MAN1DIR" "$BASHCOMPDIR" "$DOCDIR" "$PKGDATADIR"; do
		[[ $d == "$p" || $d == "$p"/* ]] && return 0
	done
	return 1
}

do_install() {
	local src mode dst tmp="" n=0 dir f
	local -A kinds=()
	local old_files=() old_dirs=()
	if [[ -f $DESTDIR$MANIFEST && ! -L $DESTDIR$MANIFEST ]]; then
		while IFS=' ' read -r f dir; do
			case $f in
			f) old_files+=("$dir") ;;
			d) old_dirs+=("$dir") ;;
			esac
		done <"$DESTDIR$MANIFEST"
	fi
	local bin=${VSOCKDIAG:-build/vsockdiag}
	[[ -f $bin && -x $bin ]] || die "$bin is not built: run make first (make install builds it)"
	"$bin" --version >/dev/null 2>&1 || die "$bin does not run ($bin --version failed)"
	trap 'rm -f "${tmp:-}"' EXIT
	local files=()
	while IFS=' ' read -r src mode dst; do
		dir=${dst%/*}
		check_no_symlink "$dir"
		mkdir_p "$dir"
		if [[ $src == -demo- ]]; then
			# scripts/demo.sh, told where the examples are
			tmp=$(mktemp) || die "mktemp failed"
			while IFS= read -r line; do
				if [[ $line == installed_examples= ]]; then
					printf 'installed_examples=%q\n' "$EXAMPLES"
				else
					printf '%s\n' "$line"
				fi
			done <scripts/demo.sh >"$tmp"
			grep -q '^installed_examples=.' "$tmp" || die "scripts/demo.sh has no installed_examples= line"
			src=$tmp
		fi
		install -m "$mode" -- "$src" "$DESTDIR$dst" || die "cannot install $DESTDIR$dst"
		files+=("$dst")
		n=$((n + 1))
		case $dst in
		"$EXAMPLES"/*) kinds[examples]=$((${kinds[examples]:-0} + 1)) ;;
		*) echo "  $DESTDIR$dst" ;;
		esac
		if [[ -n $tmp ]]; then
			rm -f "$tmp"
			tmp=
		fi
	done < <(list)
	echo "  $DESTDIR$EXAMPLES/ (${kinds[examples]:-0} files)"
	# the manifest: this install's files and created directories, with an earlier install's
	check_no_symlink "$PKGDATADIR"
	tmp=$(mktemp) || die "mktemp failed"
	{
		echo "# vsockdiag install manifest: make uninstall removes these files, then these"
		echo "# directories (install created them) when they are empty. Paths without DESTDIR."
		printf 'f %s\n' "${old_files[@]}" "${files[@]}" "$MANIFEST" | awk '!seen[$0]++'
		printf 'd %s\n' "${old_dirs[@]}" "${created[@]}" | awk '$0 != "d " && !seen[$0]++'
	} >"$tmp"
	install -m 0644 -- "$tmp" "$DESTDIR$MANIFEST" || die "cannot write $DESTDIR$MANIFEST"
	rm -f "$tmp"
	tmp=
	echo "install: $((n + 1)) files installed; make uninstall removes what $DESTDIR$MANIFEST lists"
}

do_uninstall() {
	local kind p files=() dirs=() removed=0 rmdirs=0 i
	if [[ -f $DESTDIR$MANIFEST && ! -L $DESTDIR$MANIFEST ]]; then
		while IFS=' ' read -r kind p; do
			case $kind in
			f)
				if ours_file "$p"; then files+=("$p"); else
					echo "uninstall: $p (in the manifest) is not one of vsockdiag's paths: left" >&2
				fi
				;;
			d)
				if ours_dir "$p"; then dirs+=("$p"); else
					echo "uninstall: $p (in the manifest) is not one of vsockdiag's directories: left" >&2
				fi
				;;
			esac
		done <"$DESTDIR$MANIFEST"
	else
		echo "uninstall: no $DESTDIR$MANIFEST: removing the files this tree installs" \
			"and the package's own directories when empty"
		while IFS=' ' read -r _ _ p; do files+=("$p"); done < <(list)
		files+=("$MANIFEST")
		# the package's own directories, deepest first
		while IFS= read -r p; do dirs+=("$p"); done < <(
			{
				printf '%s\n' "$DOCDIR" "$PKGDATADIR" "$EXAMPLES"
				list | awk '{ print $3 }' | while IFS= read -r p; do
					while own_dir "${p%/*}"; do
						p=${p%/*}
						printf '%s\n' "$p"
					done
				done
			} | LC_ALL=C sort -u | awk '{ print length($0) "\t" $0 }' | sort -n | cut -f2-
		)
	fi
	for p in "${files[@]}"; do
		if [[ -L $DESTDIR$p || -f $DESTDIR$p ]]; then
			rm -f -- "$DESTDIR$p" || die "cannot remove $DESTDIR$p"
			removed=$((removed + 1))
		elif [[ -e $DESTDIR$p ]]; then
			echo "uninstall: $DESTDIR$p is not a file: left" >&2
		fi
	done
	# the directories install created, the last created first
	for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
		p=${dirs[i]}
		[[ -d $DESTDIR$p && ! -L $DESTDIR$p ]] || continue
		if rmdir -- "$DESTDIR$p" 2>/dev/null; then
			rmdirs=$((rmdirs + 1))
		else
			echo "uninstall: $DESTDIR$p is not empty: left"
		fi
	done
	echo "uninstall: removed $removed files and $rmdirs directories${DESTDIR:+ under $DESTDIR}"
}

case $action in
install) do_install ;;
uninstall) do_uninstall ;;
esac
