#!/usr/bin/env bash
# Input sanity (issue 11): '-' reads standard input, pipes and FIFOs are spooled, gzip/xz/zstd
# are decompressed, appended 'cat trace' dumps are read once, time going backwards is named,
# a trace.dat without vsock events and a killed recorder's file get the right advice.
# Runs without root. Uses $VSOCKDIAG (default build/vsockdiag) and gzip, xz, zstd.
set -u
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
V=$VSOCKDIAG
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() {
	echo "FAIL $1"
	fail=$((fail + 1))
}

# expect NAME WANT_STATUS GREP_PATTERN(on stdout+stderr, may be empty) -- CMD...
expect() {
	local name=$1 want=$2 pattern=$3
	shift 4
	local out status
	out=$("$@" 2>&1)
	status=$?
	if ((status >= 128)); then
		bad "$name: killed by signal $((status - 128))"; return
	fi
	if [[ $status -ne $want ]]; then
		bad "$name: exit $status, expected $want"; echo "$out" | head -5 | sed 's/^/    /'; return
	fi
	if [[ -n $pattern ]] && ! grep -qE -- "$pattern" <<<"$out"; then
		bad "$name: output lacks /$pattern/"; echo "$out" | head -5 | sed 's/^/    /'; return
	fi
	ok
}

# The JSON without what names the input (paths, labels derived from them, sentences).
norm() {
	python3 -c '
import json, sys
drop = {"file", "path", "name", "summary", "evidence", "explanation", "cause", "next_step",
        "lines"}
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in drop}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
print(json.dumps(strip(json.load(sys.stdin)), sort_keys=True))
' <"$1"
}

# same_json NAME A.json B.json: equal once normalized
same_json() {
	if ! norm "$2" >"$tmp/n1" 2>/dev/null || ! norm "$3" >"$tmp/n2" 2>/dev/null; then
		bad "$1: not JSON"; return
	fi
	if cmp -s "$tmp/n1" "$tmp/n2"; then ok; else
		bad "$1: JSON differs"; diff <(tr , '\n' <"$tmp/n1") <(tr , '\n' <"$tmp/n2") | head -6
	fi
}

# json NAME OUT.json CMD...: run it, keep stdout; the exit status is 0 or 1 (a verdict)
json() {
	local name=$1 out=$2
	shift 2
	"$@" >"$out" 2>"$out.err"
	local st=$?
	if ((st > 1)); then
		bad "$name: exit $st"; head -3 "$out.err" | sed 's/^/    /'; return 1
	fi
	return 0
}

A=examples/lab/stall/host.txt
B=examples/lab/stall/guest.txt
DAT=examples/lab/nokick/guest.dat

# ---- '-': standard input ----------------------------------------------------------------
json "report file" "$tmp/r0.json" "$V" report --json "$B"
json "report - < file" "$tmp/r1.json" "$V" report --json - <"$B" &&
	same_json "report - < file equals report file" "$tmp/r0.json" "$tmp/r1.json"
json "cat | report -" "$tmp/r2.json" bash -c "cat '$B' | '$V' report --json -" &&
	same_json "cat | report - equals report file" "$tmp/r0.json" "$tmp/r2.json"
json "correlate A B" "$tmp/c0.json" "$V" correlate --json "$A" "$B"
json "cat A | correlate - B" "$tmp/c1.json" bash -c "cat '$A' | '$V' correlate --json - '$B'" &&
	same_json "cat A | correlate - B equals correlate A B" "$tmp/c0.json" "$tmp/c1.json"
json "correlate A <(cat B)" "$tmp/c2.json" bash -c "'$V' correlate --json '$A' <(cat '$B')" &&
	same_json "a process substitution is spooled" "$tmp/c0.json" "$tmp/c2.json"
mkfifo "$tmp/fifo"
(cat "$B" >"$tmp/fifo" &)
json "a FIFO" "$tmp/r3.json" "$V" report --json "$tmp/fifo" &&
	same_json "a FIFO is spooled" "$tmp/r0.json" "$tmp/r3.json"
expect "both inputs '-' refused" 2 "'-' \(standard input\) is given twice" -- \
	bash -c "cat '$A' | '$V' correlate - -"
expect "empty standard input" 2 "\(stdin\) is empty" -- bash -c "'$V' report - </dev/null"
json "trace.dat" "$tmp/d0.json" "$V" report --json "$DAT"
json "cat trace.dat | report -" "$tmp/d1.json" bash -c "cat '$DAT' | '$V' report --json -" &&
	same_json "a trace.dat on a pipe" "$tmp/d0.json" "$tmp/d1.json"

# ---- compressed inputs --------------------------------------------------------------------
for z in gzip xz zstd; do
	if ! command -v $z >/dev/null; then
		bad "$z is not installed (scripts/install-deps.sh --test)"; continue
	fi
	$z -c "$B" >"$tmp/b.$z"
	json "$z text" "$tmp/z.json" "$V" report --json "$tmp/b.$z" &&
		same_json "$z of a text dump equals the dump" "$tmp/r0.json" "$tmp/z.json"
	json "$z text on stdin" "$tmp/z.json" bash -c "'$V' report --json - <'$tmp/b.$z'" &&
		same_json "$z on standard input" "$tmp/r0.json" "$tmp/z.json"
	$z -c "$DAT" >"$tmp/d.$z"
	json "$z trace.dat" "$tmp/z.json" "$V" report --json "$tmp/d.$z" &&
		same_json "$z of a trace.dat equals the trace.dat" "$tmp/d0.json" "$tmp/z.json"
	size=$(stat -c %s "$tmp/b.$z")
	head -c $((size / 2)) "$tmp/b.$z" >"$tmp/cut.$z"
	expect "truncated $z" 2 "cut.$z: $z: unexpected end of input: the file is truncated; try '$z -t" -- \
		"$V" report "$tmp/cut.$z"
done
json "correlate A.gz B.xz" "$tmp/c3.json" bash -c "gzip -c '$A' >'$tmp/A.gz'; xz -c '$B' >'$tmp/B.xz'; '$V' correlate --json '$tmp/A.gz' '$tmp/B.xz'" &&
	same_json "correlate of compressed files equals correlate" "$tmp/c0.json" "$tmp/c3.json"
{ head -c 100 "$tmp/b.gzip"; head -c 4000 /dev/urandom; } >"$tmp/bad.gz"
expect "corrupt gzip" 2 "bad.gz: gzip: .*damaged; try 'gzip -t" -- "$V" report "$tmp/bad.gz"
expect "TMPDIR not writable" 2 "cannot create a temporary file in $tmp/nodir \(TMPDIR\)" -- \
	env TMPDIR="$tmp/nodir" "$V" report "$tmp/b.gzip"
# a temporary file system that fills up while spooling (here a file size limit, which needs no
# root: the spool's write fails with EFBIG as it would with ENOSPC): exit 2, how much was
# spooled, and where else to put it
expect "TMPDIR full while spooling" 2 "b.gzip: the temporary file system is full \(File too large\) after 0 MB of its decompressed copy in .* \(TMPDIR\): set TMPDIR to a directory with more room" -- \
	bash -c "trap '' XFSZ; ulimit -f 64; exec '$V' report '$tmp/b.gzip'"

# ---- appended 'cat trace' dumps ------------------------------------------------------------
# a 'cat trace' dump of an example: its header, then its trace lines
header() {
	printf '# tracer: nop\n#\n# entries-in-buffer/entries-written: %d/%d   #P:1\n#\n' "$1" "$1"
	printf '#           TASK-PID     CPU#  ||||   TIMESTAMP  FUNCTION\n'
	printf '#              | |         |   ||||      |         |\n'
}
dump() { # FILE [LINES]: the first LINES trace lines (all by default)
	local lines
	lines=$(grep -c '^ ' "$1")
	local n=${2:-$lines}
	header "$n"
	grep '^ ' "$1" | head -n "$n"
}
for side in A B; do
	f=${!side}
	n=$(grep -c '^ ' "$f")
	dump "$f" >"$tmp/$side.one"
	{ dump "$f" $((n * 2 / 3)); dump "$f"; } >"$tmp/$side.two"
done
json "single dumps" "$tmp/a0.json" "$V" correlate --json "$tmp/A.one" "$tmp/B.one"
json "appended dumps" "$tmp/a1.json" "$V" correlate --json "$tmp/A.two" "$tmp/B.two" &&
	same_json "appended overlapping dumps give the single dump's findings" "$tmp/a0.json" "$tmp/a1.json"
n=$(grep -c '^ ' "$B")
line=$(($(dump "$B" $((n * 2 / 3)) | wc -l) + 1))
expect "appended dumps: warned once, naming the line" 0 \
	"B.two:$line: a second 'cat trace' dump starts here; its $((n * 2 / 3)) events already read from the first dump are skipped" -- \
	"$V" report "$tmp/B.two"
expect "appended dumps: one warning only" 0 "" -- \
	bash -c "[[ \$('$V' report '$tmp/B.two' 2>&1 | grep -c 'dump starts here') == 1 ]]"
# the second dump starts after the first ended: kept, the gap named
{ dump "$B" $((n / 2)); header $((n - n / 2)); grep '^ ' "$B" | tail -n +$((n / 2 + 1)); } >"$tmp/B.gap"
expect "a later dump after a gap: kept, the gap named" 1 \
	"B.gap:$((n / 2 + 7)): a second 'cat trace' dump starts here, after the earlier one ended: nothing was recorded between" -- \
	"$V" correlate "$tmp/A.one" "$tmp/B.gap"
json "gap: events kept" "$tmp/g.json" "$V" report --json "$tmp/B.gap" &&
	same_json "a later dump after a gap keeps every event" "$tmp/r0.json" "$tmp/g.json"
# two dumps joined without their headers: time goes back, the line is named
{ grep '^ ' "$B"; grep '^ ' "$B"; } >"$tmp/B.back"
expect "time going backwards: the line is named" 0 \
	"B.back:$((n + 1)): time goes back [0-9.]+ s here .* without a new 'cat trace' header" -- \
	"$V" report "$tmp/B.back"
expect "cross-CPU jitter is not time going backwards" 0 "" -- \
	bash -c "! '$V' report tests/fixtures/inputs/jitter.txt 2>&1 | grep -q 'time goes back'"

# ---- no vsock events -------------------------------------------------------------------------
expect "text without vsock events" 2 "holds [0-9]+ trace events of other kinds and no vsock:\* events" -- \
	"$V" correlate tests/fixtures/inputs/no_vsock.txt "$B"

# ---- a killed recorder's file ----------------------------------------------------------------
head -c 100000 "$DAT" >"$tmp/killed.dat"
mkdir "$tmp/killed.dat.parts"
expect "unfinished recording: --recover advice" 2 \
	"killed.dat is an unfinished recording: .*'vsockdiag record --recover -o $tmp/killed.dat'" -- \
	"$V" report "$tmp/killed.dat"
rmdir "$tmp/killed.dat.parts"
expect "truncated trace.dat without FILE.parts/: damaged" 2 "damaged or truncated trace.dat" -- \
	"$V" report "$tmp/killed.dat"

echo "inputs: $pass passed, $fail failed"
((fail == 0))
