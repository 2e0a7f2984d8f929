#!/usr/bin/env bash
# CLI behaviour a user relies on: exit status, clear errors on bad input, never a crash.
# Runs without root. Uses $VSOCKDIAG (default build/vsockdiag).
set -u
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
FIX=tests/fixtures/text
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# expect NAME WANT_STATUS GREP_PATTERN(on stdout+stderr, may be empty) -- CMD...
expect() {
	local name=$1 want=$2 pattern=$3
	shift 4
	local out status
	out=$("$@" 2>&1)
	status=$?
	if ((status >= 128)); then
		echo "FAIL $name: killed by signal $((status - 128))"; fail=$((fail + 1)); return
	fi
	if [[ $status -ne $want ]]; then
		echo "FAIL $name: exit $status, expected $want"; echo "$out" | head -5 | sed 's/^/    /'
		fail=$((fail + 1)); return
	fi
	if [[ -n $pattern ]] && ! grep -qE -- "$pattern" <<<"$out"; then
		echo "FAIL $name: output lacks /$pattern/"; echo "$out" | head -5 | sed 's/^/    /'
		fail=$((fail + 1)); return
	fi
	pass=$((pass + 1))
}

expect "top-level help" 0 "correlate" -- "$VSOCKDIAG" --help
expect "help correlate" 0 "Usage: vsockdiag correlate" -- "$VSOCKDIAG" help correlate
expect "correlate --help teaches by example" 0 "Examples:" -- "$VSOCKDIAG" correlate --help
expect "version" 0 "vsockdiag [0-9]" -- "$VSOCKDIAG" --version
expect "no command" 2 "Usage" -- "$VSOCKDIAG"
expect "unknown command" 2 "unknown command 'frobnicate'" -- "$VSOCKDIAG" frobnicate
expect "unique prefix abbreviates" 1 "verdict" -- "$VSOCKDIAG" corr $FIX/seed_linux.txt $FIX/seed_android.txt
expect "one file: single-partition checks, says what needs the other side" 1 "single_partition" -- "$VSOCKDIAG" correlate -v --json $FIX/seed_linux.txt
expect "three files" 2 "one recording per partition" -- "$VSOCKDIAG" correlate $FIX/seed_linux.txt $FIX/seed_linux.txt $FIX/seed_linux.txt
expect "bad option" 2 "try 'vsockdiag correlate --help'" -- "$VSOCKDIAG" correlate --bogus a b
expect "bad --offset" 2 "--offset 'soon'" -- "$VSOCKDIAG" correlate --offset soon a b
expect "non-finite --offset" 2 "--offset 'nan'" -- "$VSOCKDIAG" correlate --offset nan a b
expect "bad option in JSON mode gives a JSON error" 2 '^\{"error":' -- "$VSOCKDIAG" --json correlate --bogus a b
expect "bad --map" 2 "--map 'x'" -- "$VSOCKDIAG" correlate --map x a b
expect "bad --names" 2 "--names wants two labels" -- "$VSOCKDIAG" correlate --names onlyone a b
expect "missing file" 2 "cannot open $tmp/nope.txt" -- "$VSOCKDIAG" correlate "$tmp/nope.txt" $FIX/seed_android.txt

: >"$tmp/empty.txt"
expect "empty file" 2 "is empty" -- "$VSOCKDIAG" correlate "$tmp/empty.txt" $FIX/seed_android.txt
expect "pipe input is spooled" 1 "verdict" -- "$VSOCKDIAG" correlate <(cat $FIX/seed_linux.txt) $FIX/seed_android.txt
expect "directory" 2 "is a directory" -- "$VSOCKDIAG" correlate "$tmp" $FIX/seed_android.txt
head -c 4096 /dev/urandom >"$tmp/random.bin"
printf 'x\0y' >>"$tmp/random.bin"
expect "binary file" 2 "binary file" -- "$VSOCKDIAG" correlate "$tmp/random.bin" $FIX/seed_android.txt
printf '\027\010\104tracing6\0' >"$tmp/fake.dat"
expect "trace.dat gets a conversion hint" 2 "trace-cmd report -i" -- "$VSOCKDIAG" correlate "$tmp/fake.dat" $FIX/seed_android.txt
printf 'hello\nthis is not a trace\n' >"$tmp/prose.txt"
expect "not a trace" 2 "no trace events" -- "$VSOCKDIAG" correlate "$tmp/prose.txt" $FIX/seed_android.txt
expect "JSON error document" 2 '^\{"error":' -- "$VSOCKDIAG" correlate --json "$tmp/empty.txt" $FIX/seed_android.txt

# truncated in the middle of a line: parse what is there, never crash
head -c 700 $FIX/seed_android.txt >"$tmp/truncated.txt"
expect "truncated dump" 1 "verdict" -- "$VSOCKDIAG" correlate $FIX/seed_linux.txt "$tmp/truncated.txt"
# the same file twice, a copy, or two recordings of one partition: refused, saying which
expect "same file twice refused" 2 "are the same file" -- "$VSOCKDIAG" correlate $FIX/seed_android.txt $FIX/seed_android.txt
cp examples/lab/stall/guest.txt "$tmp/guest-copy.txt"
expect "identical copy refused" 2 "hold the same recording" -- "$VSOCKDIAG" correlate "$tmp/guest-copy.txt" examples/lab/stall/guest.txt
expect "two recordings of one partition refused" 2 "both recordings were made on the partition with CID 2" -- "$VSOCKDIAG" correlate examples/lab/stall/host.txt examples/lab/clean/host.txt
expect "same partition accepted with --map" 1 "verdict" -- "$VSOCKDIAG" correlate --map 2=2 examples/lab/stall/host.txt examples/lab/clean/host.txt
expect "same file: JSON error document" 2 '^\{"error":".*same file' -- "$VSOCKDIAG" correlate --json $FIX/seed_android.txt $FIX/seed_android.txt

# the seed: Android sent packets the Linux recording never shows arriving; clocks cannot be aligned
expect "seed: inconclusive, says why" 1 "NOT ALIGNED" -- "$VSOCKDIAG" correlate --width 0 --names linux,android $FIX/seed_linux.txt $FIX/seed_android.txt
expect "seed: android's 3 packets unverified" 1 "android sent 3 packets \(73 B\)" -- "$VSOCKDIAG" correlate --width 0 --names linux,android $FIX/seed_linux.txt $FIX/seed_android.txt
expect "seed: no interrupt on linux" 1 "linux recorded 0 virtio_transport_recv_pkt events in total and 0 interrupts" -- "$VSOCKDIAG" correlate --width 0 --names linux,android $FIX/seed_linux.txt $FIX/seed_android.txt
expect "seed JSON: verdict inconclusive" 1 '"verdict":"inconclusive"' -- "$VSOCKDIAG" correlate --json $FIX/seed_linux.txt $FIX/seed_android.txt
expect "seed JSON: kinds" 1 '"kind":"unverified_delivery"' -- "$VSOCKDIAG" correlate --json $FIX/seed_linux.txt $FIX/seed_android.txt

# a close that never completes: SHUTDOWN(RCV|SEND) and no RST for 6 s
expect "half-closed connection" 1 '"kind":"half_closed"' -- "$VSOCKDIAG" correlate --json $FIX/half_closed_host.txt $FIX/half_closed_guest.txt

# adb on 5555: CNXN + AUTH, then RST 0.3 s later
expect "adb handshake that never completes" 1 '"kind":"adb_handshake_failed"' -- "$VSOCKDIAG" correlate --json $FIX/adb_handshake_host.txt $FIX/adb_handshake_guest.txt

# report on the sender's recording of a receiver that stopped reading names the starvation
expect "report: starvation from the sender's recording" 0 '"kind":"credit_starvation"' -- "$VSOCKDIAG" report --json examples/lab/notread/guest.txt
expect "report: findings in the text report" 0 "credit_starvation: guest had no credit to send to peer" -- "$VSOCKDIAG" report examples/lab/notread/guest.txt

# every fixture variant can stand as a side without a crash or an input error (most are
# dumps of the seed's CID 1000 partition: --map says the pairing is meant)
for f in $FIX/*.txt; do
	[[ $f == "$FIX/seed_android.txt" ]] && continue
	out=$("$VSOCKDIAG" correlate -q --map 1000=1000 "$f" $FIX/seed_android.txt 2>&1); st=$?
	if ((st >= 128)) || { ((st == 2)) && ! grep -q "no trace events" <<<"$out"; }; then
		echo "FAIL fixture $f: exit $st"; echo "$out" | head -3; fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done

# options people already type (issue 15): -j, -V/version, ambiguous prefixes, env in --help
expect "ambiguous prefix lists the candidates" 2 "'re' is ambiguous: it could be record, report" -- "$VSOCKDIAG" re x
expect "version subcommand" 0 "^vsockdiag [0-9]" -- "$VSOCKDIAG" version
expect "-V names the libraries" 0 "libtracefs [0-9].*libbpf" -- "$VSOCKDIAG" -V
expect "-j before the command" 1 '"command":"correlate"' -- "$VSOCKDIAG" -j correlate examples/simulated/refused/linux.txt examples/simulated/refused/android.txt
expect "-j after the command" 0 '"format":"ftrace_text"' -- "$VSOCKDIAG" report -j examples/lab/clean/guest.txt
expect "-p is --pretty" 0 '^  "schema_version": 1' -- "$VSOCKDIAG" -p report examples/lab/clean/guest.txt
for c in correlate report record top; do
	expect "$c --help names VSOCKDIAG_DEBUG or VSOCKDIAG_FORBID_VSOCK" 0 "VSOCKDIAG_(DEBUG|FORBID_VSOCK)" -- "$VSOCKDIAG" $c --help
done
expect "correlate --help names NO_COLOR" 0 "NO_COLOR" -- "$VSOCKDIAG" correlate --help
# VSOCKDIAG_DEBUG times every pass and the vote (where correlate spends its time)
for p in "reading host.txt and guest.txt" "the CID map and the clock vote" "aligning clocks \\(round 1\\)" "pairing packets \\(last pass\\)"; do
	expect "VSOCKDIAG_DEBUG times '$p'" 1 "debug: $p: [0-9]+\\.[0-9]{3} s\$" -- env VSOCKDIAG_DEBUG=1 "$VSOCKDIAG" correlate --json examples/lab/stall/host.txt examples/lab/stall/guest.txt
done
expect "vsockdiag --help lists the environment" 0 "VSOCKDIAG_FORBID_VSOCK" -- "$VSOCKDIAG" --help
expect "a report never goes through a symlink" 2 "symlink" -- bash -c "ln -sf /dev/null $tmp/link && \"$VSOCKDIAG\" report -o $tmp/link examples/lab/clean/guest.txt"
# make demo: the diagnosis, and an exit status that says the demo ran (correlate's 1 is expected)
expect "demo ends cleanly" 0 "^demo: done" -- bash scripts/demo.sh "$VSOCKDIAG" examples/lab/stall
expect "demo shows the seed's incidents" 0 "android failed 6 high-order allocations" -- bash scripts/demo.sh "$VSOCKDIAG" examples/lab/stall
expect "demo fails when an example is missing" 2 "demo: /nonexistent/host.txt is missing" -- bash scripts/demo.sh "$VSOCKDIAG" /nonexistent
printf '#!/bin/sh\necho "vsockdiag: error: broken" >&2\nexit 2\n' >"$tmp/broken-vsockdiag"
chmod +x "$tmp/broken-vsockdiag"
expect "demo fails when vsockdiag cannot run" 2 "correlate failed \(exit 2\)" -- bash scripts/demo.sh "$tmp/broken-vsockdiag" examples/lab/stall

# inputs the trace.dat fuzzers found crashing libtraceevent's kbuffer or looping libtracecmd:
# an error (exit 2) naming the damage, never a crash or a hang (under ASan the crashing child
# exits with ASan's status instead of a signal, so the message may say "cannot read")
for f in tests/fuzz/crashes-dat/read-data-*.dat tests/fuzz/crashes-dat/hang-*.dat; do
	expect "damaged trace.dat $(basename "$f")" 2 "is a damaged or truncated trace.dat \\(libtracecmd" -- timeout 120 "$VSOCKDIAG" report "$f"
done
# timestamps far apart in a damaged trace.dat overflowed a time difference in the virtqueue
# model (fuzz_dat_pipeline, UBSan): a report, and no "runtime error" (the sanitizer build
# aborts on one, so this runs under san-check too)
expect "timestamps 2^63 ns apart: no overflow" 0 "^recording:" -- bash -c \
	"\"$VSOCKDIAG\" report tests/fuzz/crashes-dat/ubsan-vq-silence-overflow.dat 2>&1 | tee /dev/stderr | { ! grep -q 'runtime error'; } && exit \${PIPESTATUS[0]}"

# export: the command's own errors (each format has its own suite: tests/cli/export_*.sh)
expect "export --help lists the formats" 0 "Formats" -- "$VSOCKDIAG" export --help
expect "export without -o" 2 "export needs the file to write: -o OUT" -- "$VSOCKDIAG" export $FIX/seed_linux.txt
expect "export: unknown format" 2 "unknown format 'svg'" -- "$VSOCKDIAG" export -f svg -o "$tmp/x.svg" $FIX/seed_linux.txt
expect "export: no format and an unknown ending" 2 "which format\\? give -f FORMAT" -- "$VSOCKDIAG" export -o "$tmp/x.bin" $FIX/seed_linux.txt
expect "export: three files" 2 "one recording per partition" -- "$VSOCKDIAG" export -o "$tmp/x.json" a b c
expect "export: bad analysis option, the same message as correlate's" 2 "--offset 'soon'" -- "$VSOCKDIAG" export --offset soon -o "$tmp/x.json" a b
expect "export: bad option" 2 "try 'vsockdiag export --help'" -- "$VSOCKDIAG" export --bogus -o "$tmp/x.json" a
expect "export: --json with -o - is refused" 2 "--json prints a summary" -- "$VSOCKDIAG" --json export -f perfetto -o - $FIX/seed_linux.txt
expect "export: an unwritable directory" 2 "cannot write $tmp/nodir/x.json" -- "$VSOCKDIAG" export -f perfetto -o "$tmp/nodir/x.json" $FIX/seed_linux.txt

echo "cli: $pass passed, $fail failed"
((fail == 0))
