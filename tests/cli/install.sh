#!/usr/bin/env bash
# make install / make uninstall (issue 13) into a DESTDIR (no root needed, nothing outside it
# is written): every file where it belongs with its mode, the installed binary runs and gives
# the same JSON as the build tree's on the same example, the installed demo finds the installed
# examples, man renders every installed page without a warning, the bash completion loads in
# a bare bash and offers every subcommand and every option each `vsockdiag SUBCOMMAND --help`
# lists (and nothing they do not), recordings, events and enumerated values; then uninstall
# leaves nothing behind, keeps what was there before, never writes through a symlink.
# Run from the top of the tree. Uses $VSOCKDIAG (default build/vsockdiag), make, man (man-db).
# Never skips silently: outside CI a missing tool is a SKIP, under CI (CI set) a failure.
# Prints "install: N passed, N failed".
set -u
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
source "$(dirname "$0")/../root_env.sh"
[[ -f scripts/install.sh && -f Makefile ]] || { echo "install: run it from the top of the tree"; exit 2; }
[[ -x $VSOCKDIAG ]] || suite_skip install "$VSOCKDIAG is not built (make all)"
command -v man >/dev/null || suite_skip install "man is not installed (man-db: scripts/install-deps.sh --test)"
command -v make >/dev/null || suite_skip install "make is not installed"
V=$(readlink -f "$VSOCKDIAG")
TOP=$PWD
# the build the binary comes from: make install must not build another one
BUILD_DIR=$(dirname "$VSOCKDIAG")
MK=(make --no-print-directory -s "BUILD=$BUILD_DIR")
[[ $BUILD_DIR == build/san ]] && MK+=(SAN=1)

tmp=$(mktemp -d)
trap 'if [[ -n ${KEEP:-} ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
	echo "FAIL $1"
	fail=$((fail + 1))
}
# check NAME COMMAND...: passes when COMMAND succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok; else bad "$name"; fi
}
mode_is() { [[ $(stat -c %a "$1" 2>/dev/null) == "$2" && -f $1 && ! -L $1 ]]; }

D=$tmp/dest
mkdir "$D"
P=/usr
out=$("${MK[@]}" install DESTDIR="$D" PREFIX=$P 2>&1)
st=$?
check "make install DESTDIR PREFIX=/usr exits 0 (exit $st: $(tail -3 <<<"$out"))" test $st -eq 0

# --- every file where it belongs, with its mode, and nothing else
expected=("$P/bin/vsockdiag 755" "$P/bin/vsockdiag-demo 755" "$P/bin/vsockdiag-record.sh 755"
	"$P/share/bash-completion/completions/vsockdiag 644"
	"$P/share/vsockdiag/install-manifest 644" "$P/share/doc/vsockdiag/README.md 644")
for f in doc/man/*.1; do expected+=("$P/share/man/man1/${f##*/} 644"); done
for f in doc/*.md; do expected+=("$P/share/doc/vsockdiag/${f##*/} 644"); done
for e in "${expected[@]}"; do
	f=${e% *} m=${e##* }
	check "$f installed with mode $m (is $(stat -c %a "$D$f" 2>&1))" mode_is "$D$f" "$m"
done
# the examples: every file of examples/, identical, 0644
nex=0 badex=()
while IFS= read -r f; do
	nex=$((nex + 1))
	i=$D$P/share/vsockdiag/$f
	{ mode_is "$i" 644 && cmp -s "$f" "$i"; } || badex+=("$f")
done < <(find examples -type f)
check "the $nex files of examples/ installed, identical, 0644 (not: ${badex[*]:0:5})" \
	test ${#badex[@]} -eq 0 -a "$nex" -gt 20
check "the man pages and docs installed identical to the tree's" \
	bash -c 'for f in doc/man/*.1; do cmp -s "$f" "$1/share/man/man1/${f##*/}" || exit 1; done
		for f in README.md doc/*.md; do cmp -s "$f" "$1/share/doc/vsockdiag/${f##*/}" || exit 1; done' \
	_ "$D$P"
check "the completion installed identical to scripts/completion/vsockdiag.bash" \
	cmp -s scripts/completion/vsockdiag.bash "$D$P/share/bash-completion/completions/vsockdiag"
nfiles=$(find "$D" -type f | wc -l)
check "nothing else installed ($nfiles files, expected $((${#expected[@]} + nex)))" \
	test "$nfiles" -eq $((${#expected[@]} + nex))
check "no symlink installed" test -z "$(find "$D" -type l)"
baddirs=$(find "$D" -mindepth 1 -type d ! -perm 755)
check "directories created 0755 (not: $baddirs)" test -z "$baddirs"

# --- the installed binary runs
IV=$D$P/bin/vsockdiag
check "installed vsockdiag --version is the build's" \
	test "$("$IV" --version 2>&1)" == "$("$V" --version 2>&1)"
check "installed vsockdiag --version names 0.1.0 or later" bash -c '"$1" --version | grep -q "^vsockdiag [0-9]"' _ "$IV"
EX=$D$P/share/vsockdiag/examples
for pair in "host.dat guest.dat" "host.txt guest.txt"; do
	read -r a b <<<"$pair"
	# the same relative paths in both runs: the JSON names its inputs
	(cd examples/lab/stall && "$V" correlate -j "$a" "$b" >"$tmp/build.json" 2>"$tmp/build.err")
	sb=$?
	(cd "$EX/lab/stall" && "$IV" correlate -j "$a" "$b" >"$tmp/inst.json" 2>"$tmp/inst.err")
	si=$?
	check "correlate -j on the installed lab/stall $pair: exit $si, as the build's on the tree's ($sb)" \
		test $si -eq $sb -a $sb -le 1
	check "correlate -j on the installed lab/stall $pair: the same JSON as the build's" \
		cmp -s "$tmp/build.json" "$tmp/inst.json"
	check "... and a non-empty one (a problems verdict)" grep -q '"verdict":"problems"' "$tmp/inst.json"
done

# --- the installed demo (the README's first step) finds the installed examples
check "vsockdiag-demo knows where the examples go" \
	grep -qx "installed_examples=$P/share/vsockdiag/examples" "$D$P/bin/vsockdiag-demo"
(cd "$tmp" && VSOCKDIAG_EXAMPLES=$EX "$D$P/bin/vsockdiag-demo" >"$tmp/demo.out" 2>"$tmp/demo.err")
st=$?
check "vsockdiag-demo (from another directory) exits 0 (exit $st: $(head -2 "$tmp/demo.err"))" test $st -eq 0
check "vsockdiag-demo diagnoses the installed lab/stall" \
	grep -q "== vsockdiag correlate on $EX/lab/stall" "$tmp/demo.out"
check "vsockdiag-demo shows the stall and the dead link" \
	bash -c 'grep -q "stalled" "$1" && grep -q "failed 6 high-order allocations" "$1"' _ "$tmp/demo.out"
check "vsockdiag-demo runs the installed vsockdiag (next to it)" \
	grep -q "the whole report: $D$P/bin/vsockdiag correlate" "$tmp/demo.out"
check "vsockdiag-demo points at man vsockdiag" grep -q "Next: man vsockdiag" "$tmp/demo.out"
# without the examples it says so
VSOCKDIAG_EXAMPLES=$tmp/none "$D$P/bin/vsockdiag-demo" >/dev/null 2>"$tmp/demo.err"
st=$?
check "vsockdiag-demo without examples: exit 2 and why" \
	bash -c '[[ $1 -eq 2 ]] && grep -q "is missing" "$2"' _ $st "$tmp/demo.err"

# --- man renders every installed page without a warning; man finds them in MANPATH
for f in "$D$P"/share/man/man1/*.1; do
	MANWIDTH=80 man -l "$f" >"$tmp/man.out" 2>"$tmp/man.err"
	st=$?
	check "man -l ${f##*/}: exit $st, no warning ($(head -2 "$tmp/man.err"))" \
		test $st -eq 0 -a ! -s "$tmp/man.err" -a -s "$tmp/man.out"
done
for page in vsockdiag vsockdiag-correlate vsockdiag-export vsockdiag-record vsockdiag-report vsockdiag-top; do
	w=$(MANPATH=$D$P/share/man man -w "$page" 2>&1)
	check "man -w $page finds the installed page ($w)" test "$w" == "$D$P/share/man/man1/$page.1"
done
check "vsockdiag.1 has a FILES section naming the installed examples" \
	bash -c 'MANWIDTH=200 man -l "$1" 2>/dev/null | sed -n "/^FILES/,/^[A-Z]/p" |
		grep -q "share/vsockdiag/examples"' _ "$D$P/share/man/man1/vsockdiag.1"

# --- the bash completion, in a bare bash, against the installed binary's --help
COMP=$D$P/share/bash-completion/completions/vsockdiag
# comp.sh LINE: what completing at the end of LINE offers, one a line; LINE's words split as
# bash splits them (blanks, and runs of = or : from COMP_WORDBREAKS)
cat >"$tmp/comp.sh" <<'EOF'
source "$COMP" || exit 9
[[ $(complete -p vsockdiag 2>/dev/null) == *"-F _vsockdiag"* ]] || exit 8
[[ -n ${EVENT_FILES-} ]] && _vsockdiag_event_files=$EVENT_FILES
line=$1 rest=$1
COMP_WORDS=()
while :; do
	rest=${rest#"${rest%%[![:space:]]*}"}
	[[ -n $rest ]] || break
	if [[ $rest =~ ^([=:]+) ]] || [[ $rest =~ ^([^[:space:]=:]+) ]]; then
		COMP_WORDS+=("${BASH_REMATCH[1]}")
		rest=${rest:${#BASH_REMATCH[1]}}
	fi
done
[[ $line == *[[:space:]] ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
COMPREPLY=()
_vsockdiag vsockdiag "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
EOF
comp() { COMP=$COMP bash --norc --noprofile "$tmp/comp.sh" "$1" | LC_ALL=C sort -u; }
# same_set NAME WANT GOT (newline lists)
same_set() {
	local name=$1 want got missing extra
	want=$(LC_ALL=C sort -u <<<"$2" | sed '/^$/d')
	got=$(LC_ALL=C sort -u <<<"$3" | sed '/^$/d')
	missing=$(LC_ALL=C comm -23 <(echo "$want") <(echo "$got") | tr '\n' ' ')
	extra=$(LC_ALL=C comm -13 <(echo "$want") <(echo "$got") | tr '\n' ' ')
	if [[ -z $missing && -z $extra && -n $want ]]; then ok; else
		bad "$name: missing: ${missing:-none}; not expected: ${extra:-none}"
	fi
}
COMP=$COMP bash --norc --noprofile -c 'source "$COMP" && complete -p vsockdiag' >/dev/null 2>"$tmp/src.err"
check "the completion loads in bash --norc without a message ($(head -1 "$tmp/src.err"))" \
	test $? -eq 0 -a ! -s "$tmp/src.err"
# the options a --help lists: its lines indented 1-4 columns that begin with -, up to the
# first two blanks (the description); every -x and --long token there
help_opts() {
	sed -nE 's/^ {1,4}(-.*)$/\1/p' | sed -E 's/  .*//' | tr ', ' '\n\n' |
		grep -E '^--?[A-Za-z][A-Za-z0-9-]*$'
}
main_help=$("$IV" --help)
subs=$(sed -n '/^Commands:/,/^$/p' <<<"$main_help" | sed -nE 's/^  ([a-z]+) .*/\1/p')
same_set "subcommands offered (vsockdiag --help's, help, version)" \
	"$(printf '%s\nhelp\nversion\n' "$subs")" "$(comp 'vsockdiag ')"
# the global options: the usage lines and the "Global options:" paragraph
global=$( { sed '/^$/q' <<<"$main_help"; sed -n '/^Global options:/,/^$/p' <<<"$main_help"; } |
	grep -oE '(^|[][ |(,])--?[A-Za-z][A-Za-z-]*' | sed -E 's/^[][ |(,]//' | grep -vx -- '--help' )
same_set "global options offered (vsockdiag --help's)" "$(printf '%s\n--help\n-h\n' "$global")" \
	"$(comp 'vsockdiag -')"
check "global options listed in --help are found (>= 8)" test "$(wc -l <<<"$global")" -ge 8
nsub=0
for s in $subs; do
	nsub=$((nsub + 1))
	want=$("$IV" "$s" --help | help_opts)
	check "$s --help lists options (>= 8)" test "$(wc -l <<<"$want")" -ge 8
	same_set "$s: the completion offers exactly the options of '$s --help'" "$want" \
		"$(comp "vsockdiag $s -")"
	# after global options and through a unique prefix too
	same_set "$s: the same after -j and with the prefix ${s:0:3}" "$want" \
		"$(comp "vsockdiag -j ${s:0:3} -")"
done
check "five subcommands found in vsockdiag --help ($nsub)" test $nsub -eq 5
same_set "help COMMAND offers the commands" "$subs" "$(comp 'vsockdiag help ')"
same_set "--color values" $'auto\nalways\nnever' "$(comp 'vsockdiag correlate --color ')"
same_set "export --format values" $'perfetto\npcap\nhtml' "$(comp 'vsockdiag export -f ')"
same_set "--color=al" $'always' "$(comp 'vsockdiag report --color=al')"
same_set "--color= (bash's word is =)" $'=auto\n=always\n=never' "$(comp 'vsockdiag top --color=')"
same_set "--bpf values" $'auto\noff\nrequire' "$(comp 'vsockdiag record --bpf ')"
same_set "top --bpf values" $'auto\noff\nrequire' "$(comp 'vsockdiag top --bpf ')"
# the sort columns top --help lists
cols=$("$IV" top --help | sed -n '/--sort COLUMN/,/(default/p' | sed -E 's/.*sort by://; s/\(default.*//; s/^ *-s, --sort COLUMN *//' |
	tr ' ' '\n' | grep -E '^[a-z_]+$')
same_set "top --sort offers the columns of top --help" "$cols" "$(comp 'vsockdiag top --sort ')"
# the hooks collectors/bpf_hooks.c defines (record --bpf-hooks)
hooks=$(grep -oE '^	\{ "[a-z_]+", (true|false)' collectors/bpf_hooks.c | sed -E 's/.*"([a-z_]+)".*/\1/')
same_set "record --bpf-hooks offers collectors/bpf_hooks.c's hooks" "$hooks" \
	"$(comp 'vsockdiag record --bpf-hooks ')"
same_set "--bpf-hooks completes a list's last element" $'credit,kick\ncredit,kick_skip\ncredit,kmalloc_fail' \
	"$(comp 'vsockdiag record --bpf-hooks credit,k')"
# events: from available_events (a stand-in file; tracefs is never touched by this test)
printf '%s\n' vsock:virtio_transport_alloc_pkt vsock:virtio_transport_recv_pkt \
	irq:irq_handler_entry >"$tmp/available_events"
export EVENT_FILES=$tmp/available_events
same_set "record -e vs offers the vsock events and vsock:*" \
	$'vsock:*\nvsock:virtio_transport_alloc_pkt\nvsock:virtio_transport_recv_pkt' \
	"$(comp 'vsockdiag record -e vs')"
same_set "record -e vsock:virtio_transport_r (bash's word after the :)" \
	$'virtio_transport_recv_pkt' "$(comp 'vsockdiag record -e vsock:virtio_transport_r')"
same_set "top --events irq:*,vsock:virtio_transport_a (a list)" \
	$'virtio_transport_alloc_pkt' "$(comp 'vsockdiag top --events irq:*,vsock:virtio_transport_a')"
EVENT_FILES=$tmp/unreadable
same_set "record -e without a readable available_events: the default set" \
	$'vsock:*\nirq:irq_handler_entry\nirq:irq_handler_exit\nkmem:mm_page_alloc\nkmem:kmalloc\nskb:kfree_skb' \
	"$(comp 'vsockdiag record -e ')"
unset EVENT_FILES
# recordings: .dat .txt .gz .xz .zst and directories, nothing else
mkdir -p "$tmp/files/sub"
for f in a.dat b.txt c.txt.gz d.dat.xz e.txt.zst f.log notes.md g; do : >"$tmp/files/$f"; done
want=$(printf '%s\n' a.dat b.txt c.txt.gz d.dat.xz e.txt.zst sub)
for l in 'vsockdiag correlate ' 'vsockdiag correlate a.dat ' 'vsockdiag report ' \
	'vsockdiag top -r ' 'vsockdiag correlate --names h,g '; do
	same_set "'$l' offers recordings" "$want" "$(cd "$tmp/files" && comp "$l")"
done
same_set "'record -o ' offers any file" "$(printf '%s\n' a.dat b.txt c.txt.gz d.dat.xz e.txt.zst f.log notes.md g sub)" \
	"$(cd "$tmp/files" && comp 'vsockdiag record -o ')"
check "no value offered for --names (nothing)" test -z "$(cd "$tmp/files" && comp 'vsockdiag correlate --names ')"
check "record -- offers commands" bash -c 'grep -qx bash <<<"$1"' _ "$(comp 'vsockdiag record -- bas')"

# --- uninstall leaves nothing behind
out=$("${MK[@]}" uninstall DESTDIR="$D" PREFIX=$P 2>&1)
st=$?
check "make uninstall exits 0 (exit $st: $(tail -2 <<<"$out"))" test $st -eq 0
left=$(cd "$D" && find . -mindepth 1 | head -5)
check "make uninstall leaves nothing in DESTDIR (left: $left)" test -z "$left"

# --- install twice (an upgrade), then uninstall: still nothing left
D2=$tmp/twice
mkdir "$D2"
"${MK[@]}" install DESTDIR="$D2" PREFIX=$P >/dev/null 2>&1 &&
	"${MK[@]}" install DESTDIR="$D2" PREFIX=$P >/dev/null 2>&1
check "make install twice exits 0" test $? -eq 0
"${MK[@]}" uninstall DESTDIR="$D2" PREFIX=$P >/dev/null 2>&1
left=$(cd "$D2" && find . -mindepth 1 | head -5)
check "install twice, uninstall once: nothing left ($left)" test -z "$left"

# --- each directory has its variable
D7=$tmp/vars
mkdir "$D7"
VARS=(PREFIX=/opt/vd BINDIR=/opt/bin MANDIR=/opt/man DATADIR=/opt/data DOCDIR=/opt/doc/vd
	BASHCOMPDIR=/etc/bash_completion.d)
"${MK[@]}" install DESTDIR="$D7" "${VARS[@]}" >/dev/null 2>&1
check "install with BINDIR MANDIR DATADIR DOCDIR BASHCOMPDIR: each thing where its variable says" \
	bash -c 'cd "$1" && [[ -x opt/bin/vsockdiag && -f opt/man/man1/vsockdiag.1 && -f opt/doc/vd/README.md &&
		-f opt/data/vsockdiag/examples/lab/stall/host.dat && -f etc/bash_completion.d/vsockdiag &&
		! -e opt/vd ]] && grep -qx "installed_examples=/opt/data/vsockdiag/examples" opt/bin/vsockdiag-demo' _ "$D7"
"${MK[@]}" uninstall DESTDIR="$D7" "${VARS[@]}" >/dev/null 2>&1
left=$(cd "$D7" && find . -mindepth 1 | head -3)
check "... and uninstall with the same variables leaves nothing ($left)" test -z "$left"

# --- without the manifest (removed by hand): the files this tree installs and the package's own
# directories go; the shared ones it created (bin, man1, ...) stay, empty
D6=$tmp/nomanifest
mkdir "$D6"
"${MK[@]}" install DESTDIR="$D6" PREFIX=$P >/dev/null 2>&1
rm -f "$D6$P/share/vsockdiag/install-manifest"
"${MK[@]}" uninstall DESTDIR="$D6" PREFIX=$P >"$tmp/nomani.out" 2>&1
check "uninstall without the manifest exits 0 and says so" \
	bash -c '[[ $1 -eq 0 ]] && grep -q "no .*install-manifest" "$2"' _ $? "$tmp/nomani.out"
left=$(cd "$D6" && find . -type f -o -type l | head -3)
check "uninstall without the manifest: no file left ($left)" test -z "$left"
check "uninstall without the manifest: the package's directories removed" \
	test ! -e "$D6$P/share/vsockdiag" -a ! -e "$D6$P/share/doc/vsockdiag" -a -d "$D6$P/bin"

# --- what was there before stays; a symlink at a destination is replaced, never followed
D3=$tmp/shared
mkdir -p "$D3/usr/local/bin" "$D3/usr/local/share/man/man1" "$D3/usr/local/share/doc/other" "$D3/etc"
echo other >"$D3/usr/local/bin/other-tool"
echo other >"$D3/usr/local/share/man/man1/other.1"
echo victim >"$D3/etc/victim"
ln -s ../../../etc/victim "$D3/usr/local/bin/vsockdiag"
out=$("${MK[@]}" install DESTDIR="$D3" 2>&1)
check "make install with the default PREFIX exits 0 ($(tail -2 <<<"$out"))" test $? -eq 0
check "the default PREFIX is /usr/local" mode_is "$D3/usr/local/bin/vsockdiag" 755
check "a symlink at the binary's place was replaced, not written through" \
	bash -c '[[ $(cat "$1/etc/victim") == victim && ! -L $1/usr/local/bin/vsockdiag ]]' _ "$D3"
check "the manifest lists no directory that existed before" \
	bash -c '! grep -qE "^d /usr/local(/bin|/share|/share/man|/share/man/man1|/share/doc)?$" "$1"' \
	_ "$D3/usr/local/share/vsockdiag/install-manifest"
"${MK[@]}" uninstall DESTDIR="$D3" >/dev/null 2>&1
check "uninstall exits 0" test $? -eq 0
left=$(cd "$D3" && find . | LC_ALL=C sort | tr '\n' ' ')
check "uninstall keeps exactly what was there before (and the victim)" test "$left" == \
	". ./etc ./etc/victim ./usr ./usr/local ./usr/local/bin ./usr/local/bin/other-tool ./usr/local/share ./usr/local/share/doc ./usr/local/share/doc/other ./usr/local/share/man ./usr/local/share/man/man1 ./usr/local/share/man/man1/other.1 "
# a symlinked package directory is refused
D4=$tmp/symdir
mkdir -p "$D4/usr/share" "$D4/elsewhere"
ln -s ../../elsewhere "$D4/usr/share/vsockdiag"
"${MK[@]}" install DESTDIR="$D4" PREFIX=$P >"$tmp/sym.out" 2>&1
st=$?
check "a symlink as the package's data directory: install fails and says so" \
	bash -c '[[ $1 -ne 0 ]] && grep -q "is a symlink" "$2" && [[ -z $(ls -A "$3") ]]' _ $st "$tmp/sym.out" "$D4/elsewhere"

# --- without the binary, install.sh fails clearly and installs nothing
D5=$tmp/nobin
mkdir "$D5"
DESTDIR=$D5 BINDIR=/usr/bin MAN1DIR=/usr/share/man/man1 DOCDIR=/usr/share/doc/vsockdiag \
	PKGDATADIR=/usr/share/vsockdiag BASHCOMPDIR=/usr/share/bash-completion/completions \
	VSOCKDIAG=$tmp/no-such-vsockdiag bash scripts/install.sh install >"$tmp/nobin.out" 2>&1
st=$?
check "install.sh without a built binary: fails, says it is not built, installs nothing" \
	bash -c '[[ $1 -ne 0 ]] && grep -q "is not built" "$2" && [[ -z $(ls -A "$3") ]]' _ $st "$tmp/nobin.out" "$D5"
DESTDIR=$D5 BINDIR=usr/bin MAN1DIR=/usr/share/man/man1 DOCDIR=/usr/share/doc/vsockdiag \
	PKGDATADIR=/usr/share/vsockdiag BASHCOMPDIR=/usr/share/bash-completion/completions \
	VSOCKDIAG=$V bash scripts/install.sh install >"$tmp/rel.out" 2>&1
st=$?
check "a relative BINDIR is refused" \
	bash -c '[[ $1 -ne 0 ]] && grep -q "not an absolute path" "$2" && [[ -z $(ls -A "$3") ]]' _ $st "$tmp/rel.out" "$D5"
cd "$TOP" || exit 1

echo "install: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
