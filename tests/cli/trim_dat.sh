#!/usr/bin/env bash
# scripts/trim-dat.py on a real recording, with trace-cmd as the oracle, and on hostile inputs.
# Needs root (it records) and trace-cmd: skips without them, but under CI (CI set) fails;
# mounts tracefs when it is not mounted and unmounts it at exit.
# NEVER records vsock events: this machine's own virtio-vsock belongs to the environment,
# so the recording passes --events with non-vsock events, --bpf off, and
# VSOCKDIAG_FORBID_VSOCK=1 makes vsockdiag refuse vsock:* anyway. Only vsockdiag's private
# tracefs instance is touched (its trace_marker receives a few lines).
# Prints "trim-dat: N passed, N failed". Uses $VSOCKDIAG (default build/vsockdiag).
set -u
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
VSOCKDIAG=$(readlink -f "$VSOCKDIAG")
TRIM=$(readlink -f scripts/trim-dat.py)
CRAFT=$(readlink -f tests/cli/trim_dat_craft.py)
export VSOCKDIAG_FORBID_VSOCK=1
T=/sys/kernel/tracing
pass=0 fail=0

source "$(dirname "$0")/../root_env.sh"
suite_need_root trim-dat
command -v trace-cmd >/dev/null || suite_skip trim-dat "trace-cmd, the oracle, is not installed"
[[ -x $VSOCKDIAG ]] || suite_skip trim-dat "$VSOCKDIAG is not built"
[[ -f $TRIM ]] || { echo "trim-dat: $TRIM missing: FAIL"; exit 1; }
tracefs_ensure trim-dat

tmp=$(mktemp -d)
cleanup() {
	if [[ ${KEEP:-} ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
	tracefs_release
}
trap cleanup EXIT
cd "$tmp" || exit 1

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
size() { stat -c %s "$1"; }
# no temporary file of trim-dat left in the current directory
no_tmp() { ! ls -A | grep -q '\.tmp$'; }

# --- a short recording: print markers (vsockdiag's clock stamps and ours), every kmalloc
# with its call site (%pS), timer callbacks (%ps, exact function addresses)
EV=sched:sched_switch,kmem:kmalloc,skb:kfree_skb,timer:timer_start
"$VSOCKDIAG" record -o rec.dat -d 2 --max-size 1 --bpf off --no-filter --events $EV \
	>rec.out 2>rec.log &
rpid=$!
for _ in $(seq 100); do [[ -w $T/instances/vsockdiag-$rpid/trace_marker ]] && break; sleep 0.02; done
sleep 0.2 # tracing is switched on just after the instance is made
for i in 1 2 3 4 5; do
	echo "trim-dat test marker $i" 2>/dev/null >"$T/instances/vsockdiag-$rpid/trace_marker"
	sleep 0.05
done
ls -R /usr/share/doc >/dev/null 2>&1 # allocations from many call sites
wait $rpid
rc=$?
check "record exits 0" '[[ $rc -eq 0 ]] || { head -5 rec.log; false; }'
trace-cmd report -i rec.dat >rec.txt 2>rec.err
check "trace-cmd reads the recording" '[[ $? -eq 0 && -s rec.txt ]]'
check "the recording has print markers" 'grep -q "tracing_mark_write: trim-dat test marker" rec.txt'
check "the recording has kmalloc events with resolved call sites" \
	'grep -qE "kmalloc: .*call_site=[A-Za-z_][A-Za-z0-9_.]*\+0x" rec.txt'

# --- the trim
python3 "$TRIM" --vsockdiag "$VSOCKDIAG" rec.dat small.dat >trim.out 2>trim.err
rc=$?
check "trim exits 0" '[[ $rc -eq 0 ]] || { cat trim.err; false; }'
a=$(size rec.dat) b=$(size small.dat 2>/dev/null || echo 0)
check "size dropped by more than half ($a -> $b bytes)" '[[ $b -gt 0 && $((b * 2)) -lt $a ]]'
trace-cmd report -i small.dat >small.txt 2>small.err
check "trace-cmd report text identical" 'cmp -s rec.txt small.txt && cmp -s rec.err small.err'
check "the script compared trace-cmd and vsockdiag reports" \
	'grep -q "trace-cmd report identical" trim.out && grep -q "vsockdiag report --json identical" trim.out'
mkdir -p j1 j2 && ln -s ../rec.dat j1/t.dat && ln -s ../small.dat j2/t.dat
(cd j1 && "$VSOCKDIAG" report --json t.dat >../j1.json 2>&1)
(cd j2 && "$VSOCKDIAG" report --json t.dat >../j2.json 2>&1)
check "vsockdiag report --json identical" 'cmp -s j1.json j2.json'
page=$(getconf PAGESIZE)
check "the data pages are still page aligned ($page)" \
	'trace-cmd dump --flyrecord -i small.dat 2>/dev/null | awk -v p=$page "/offset, size of cpu/ { n++; if (\$1 % p) bad = 1 } END { exit bad || !n }"'
python3 "$TRIM" -q small.dat again.dat
check "trimming a trimmed file changes nothing" '[[ $? -eq 0 ]] && cmp -s small.dat again.dat'
python3 "$TRIM" -q --no-verify rec.dat nv.dat
check "--no-verify writes the same bytes" '[[ $? -eq 0 ]] && cmp -s small.dat nv.dat'
check "no temporary file left" 'no_tmp'

# --- what trace-cmd itself writes as v6, a buffer instance, a latency file
# expect_same NAME IN: trim IN, trace-cmd report identical
expect_same() {
	local name=$1 in=$2 out=$2.trim
	python3 "$TRIM" -q "$in" "$out" 2>"$out.err"
	local rc=$?
	trace-cmd report -i "$in" >"$in.txt" 2>&1
	trace-cmd report -i "$out" >"$out.txt" 2>&1
	check "$name: trimmed ($(size "$in") -> $(size "$out" 2>/dev/null || echo none) bytes), report identical" \
		'[[ $rc -eq 0 ]] && cmp -s "$in.txt" "$out.txt" || { cat "$out.err"; false; }'
}
trace-cmd convert --file-version 6 --compression none -i rec.dat -o tc6.dat >/dev/null 2>&1
check "trace-cmd convert writes a v6 file" '[[ $(head -c 12 tc6.dat | tail -c 2 | od -An -c | tr -d " ") == "6\\0" ]]'
expect_same "v6 written by trace-cmd" tc6.dat
python3 "$CRAFT" buffer rec.dat buf.dat extra
check "buffer instance: trace-cmd reads the crafted file" \
	'trace-cmd report -i buf.dat 2>/dev/null | grep -q "^extra: "'
expect_same "buffer instance" buf.dat
check "buffer instance: its events survive" 'grep -q "^extra: " buf.dat.trim.txt'
python3 "$CRAFT" latency rec.dat lat.dat
expect_same "latency file" lat.dat
# vsockdiag once crashed inside libtracecmd on a latency file: an error, exit 2, no signal
"$VSOCKDIAG" report lat.dat >/dev/null 2>lat.vd.err
check "vsockdiag report on a latency file: exit 2, no crash" '[[ $? -eq 2 ]] && grep -q "trace.dat" lat.vd.err'

# --- hostile inputs: exit 2 (not understood), OUT never written, no temporary file left
# refuse NAME IN [WANT_PATTERN]
refuse() {
	local name=$1 in=$2 pattern=${3:-}
	rm -f out.dat
	python3 "$TRIM" "$in" out.dat >refuse.out 2>refuse.err
	local rc=$?
	check "$name: refused with exit 2, no OUT" \
		'[[ $rc -eq 2 && ! -e out.dat ]] && no_tmp || { echo "    exit $rc"; head -3 refuse.err; false; }'
	[[ -z $pattern ]] || check "$name: says why" 'grep -qiE -- "$pattern" refuse.err || { cat refuse.err; false; }'
}
n=$(size rec.dat)
head -c 100 rec.dat >t1.dat
refuse "truncated in the header" t1.dat "truncated"
head -c $((n / 2)) rec.dat >t2.dat
refuse "truncated in kallsyms" t2.dat "truncated"
head -c $((n - 1)) rec.dat >t3.dat
refuse "last byte missing" t3.dat "outside the data area"
head -c 13 rec.dat >t4.dat
refuse "truncated after the version" t4.dat "truncated"
trace-cmd convert --file-version 7 -i rec.dat -o v7.dat >/dev/null 2>&1
check "trace-cmd convert writes a v7 file" 'trace-cmd report -i v7.dat >/dev/null 2>&1'
refuse "v7 file (trace-cmd convert)" v7.dat "version 7"
python3 "$CRAFT" v7 v7h.dat
refuse "v7 header" v7h.dat "version 7"
printf '\027\010\104tracing8\0' >v8.dat
refuse "unknown version" v8.dat "version"
head -c 65536 /dev/urandom >rnd.dat
refuse "random bytes" rnd.dat "not a trace.dat"
{ printf '\027\010\104tracing6\0'; head -c 65536 /dev/urandom; } >rnd6.dat
refuse "magic and version 6, then random bytes" rnd6.dat
: >empty.dat
refuse "empty file" empty.dat "not a trace.dat"
refuse "missing file" nosuch.dat "No such file"
refuse "a directory" "$tmp" "not a regular file"
python3 "$CRAFT" option rec.dat unk.dat 0x7777
check "unknown option: trace-cmd still reads it" 'trace-cmd report -i unk.dat >/dev/null 2>&1'
refuse "unknown option id" unk.dat "option 30583"
python3 "$CRAFT" offset rec.dat off.dat
refuse "CPU data offset past the end" off.dat "outside the data area"

# --- OUT: never through a symlink, never clobbered without --force
echo target >target.txt
ln -s target.txt link.dat
python3 "$TRIM" rec.dat link.dat >/dev/null 2>link.err
rc=$?
check "OUT a symlink: exit 2, target untouched" \
	'[[ $rc -eq 2 && -L link.dat && $(cat target.txt) == target ]] && grep -q symlink link.err'
echo precious >keep.dat
python3 "$TRIM" rec.dat keep.dat >/dev/null 2>keep.err
rc=$?
check "OUT exists: exit 2 without --force" '[[ $rc -eq 2 && $(cat keep.dat) == precious ]] && grep -q -- --force keep.err'
python3 "$TRIM" -q --force rec.dat keep.dat
check "OUT exists: replaced with --force" '[[ $? -eq 0 ]] && cmp -s keep.dat small.dat'
cp rec.dat inplace.dat
python3 "$TRIM" -q --force inplace.dat inplace.dat
check "IN = OUT with --force: trimmed in place" '[[ $? -eq 0 ]] && cmp -s inplace.dat small.dat'

# --- a verification that fails: exit 1, OUT not written, no temporary file left
cat >fake-trace-cmd <<'EOF'
#!/bin/sh
# trace-cmd, except that it reads one more line in the rewritten (temporary) file
trace-cmd "$@"; rc=$?
case "$3" in *.tmp) echo "an extra line" ;; esac
exit $rc
EOF
chmod +x fake-trace-cmd
python3 "$TRIM" --trace-cmd ./fake-trace-cmd rec.dat vf.dat >/dev/null 2>vf.err
rc=$?
check "trace-cmd report differs: exit 1, OUT not written" \
	'[[ $rc -eq 1 && ! -e vf.dat ]] && no_tmp && grep -q "trace-cmd report differs" vf.err'
cat >fake-vsockdiag <<EOF
#!/bin/sh
"$VSOCKDIAG" "\$@"; rc=\$?
[ -n "\$(readlink t.dat 2>/dev/null | grep '\.tmp\$')" ] && echo '{"extra":1}'
[ -n "\$(readlink trace.dat 2>/dev/null | grep '\.tmp\$')" ] && echo '{"extra":1}'
exit \$rc
EOF
chmod +x fake-vsockdiag
python3 "$TRIM" --vsockdiag ./fake-vsockdiag rec.dat vj.dat >/dev/null 2>vj.err
rc=$?
check "vsockdiag report --json differs: exit 1, OUT not written" \
	'[[ $rc -eq 1 && ! -e vj.dat ]] && no_tmp && grep -q "vsockdiag report --json differs" vj.err'

echo "trim-dat: $pass passed, $fail failed"
((fail == 0))
