#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The progress line of long work, in a real terminal: `vsockdiag correlate` on a large
# simulated pair (2 x 3 M events, ~700 MiB, several seconds) in a detached 80x24 tmux.
# Asserted on the captured screen: the line appears (pass, bytes, percentage), an ETA shows
# on a long pass, the line fits in 80 columns, and once correlate ends nothing of it is left
# (with the report on the same terminal, and with the report redirected to a file).
# Outside the terminal: stderr to a pipe gets no progress, no \r and no escape codes; -q and
# --json to a pipe draw nothing even on a terminal.
# Prints "progress-tmux: N passed, N failed". Uses $VSOCKDIAG and $VDSIM (defaults build/...).
# Needs tmux (scripts/install-deps.sh --test): without it the test fails, it does not skip.
set -u
VSOCKDIAG=$(realpath "${VSOCKDIAG:-build/vsockdiag}")
VDSIM=$(realpath "${VDSIM:-build/tests/vdsim}")
pass=0 fail=0

if ! command -v tmux >/dev/null; then
	echo "FAIL progress-tmux: tmux is not installed (scripts/install-deps.sh --test installs it)"
	echo "progress-tmux: 0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d)
sock="vdprog$$"
t() { tmux -L "$sock" -f /dev/null "$@"; }
trap 't kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL progress-tmux: $1"
	[[ -f $tmp/screen ]] && sed 's/^/    |/' "$tmp/screen"
}
screen() { t capture-pane -p -t prog 2>/dev/null; }

# run CMD in a fresh 80x24 terminal; DONE appears in $tmp/done when it ends
start() {
	rm -f "$tmp/done" "$tmp/screen"
	t kill-session -t prog 2>/dev/null
	t new-session -d -s prog -x 80 -y 24 "cd $PWD; $1; echo \$? >$tmp/done; sleep 600"
}

# poll the screen until pattern shows (returns 0) or the command ended (1)
seen() {
	local i
	for ((i = 0; i < 600; i++)); do
		screen >"$tmp/screen"
		grep -qE -- "$1" "$tmp/screen" && return 0
		[[ -f $tmp/done ]] && return 1
		sleep 0.05
	done
	return 1
}

wait_done() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[[ -f $tmp/done ]] && break
		sleep 0.1
	done
	sleep 0.2
	screen >"$tmp/screen"
}

echo "progress-tmux: generating 2 x 3 M events with vdsim..."
"$VDSIM" --seed 7 --out "$tmp/pair" --events 3000000 --conns 4 --rate 2000 \
	--stall a_to_b@6:3 >/dev/null || {
	echo "FAIL progress-tmux: vdsim could not generate the pair"
	exit 1
}
A=$tmp/pair/a.txt B=$tmp/pair/b.txt

# 1. report to a file, progress on the terminal. Every pass parses again here
# (VSOCKDIAG_CACHE=0, one thread): with the event cache the later passes are replays that end
# before the ETA's first second, and this part is about the line over passes that last.
# The ETA after 200 ms of a pass instead of 1 s: on a quiet machine even a parsing pass of
# this pair lasts about a second.
start "VSOCKDIAG_PROGRESS_ETA_MS=200 VSOCKDIAG_CACHE=0 VSOCKDIAG_THREADS=1 $VSOCKDIAG correlate $A $B >$tmp/report.txt"
if seen 'correlate: (reading|aligning|pairing).* [0-9.]+ [KMG]?i?B/[0-9.]+ [KMG]?i?B [0-9]+%'; then ok; else bad "no progress line while correlate reads"; fi
awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$tmp/screen" && ok || bad "a progress line wider than 80 columns"
if seen 'ETA [0-9]'; then ok; else bad "no ETA on a long pass"; fi
if seen 'correlate: pairing'; then ok; else bad "the final pass is not named"; fi
wait_done
[[ $(cat "$tmp/done") == 1 ]] && ok || bad "correlate's exit status $(cat "$tmp/done") (1 expected: the pair has a stall)"
if grep -qE 'correlate:|ETA|%' "$tmp/screen"; then bad "progress debris left on the terminal"; else ok; fi
grep -q '^verdict: PROBLEMS FOUND' "$tmp/report.txt" && ok || bad "the report file lacks the verdict"
if grep -q $'\e' "$tmp/report.txt"; then bad "escape codes in a report written to a file"; else ok; fi
awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$tmp/report.txt" && ok || bad "a report line wider than 80 columns in the file"

# 1b. the default way: both recordings parsed at once, the first pass named after both
start "$VSOCKDIAG correlate $A $B >$tmp/report2.txt"
b=$(basename "$B")
if seen "correlate: reading a.txt and $b"; then ok; else bad "the first pass does not name both recordings"; fi
wait_done
cmp -s "$tmp/report.txt" "$tmp/report2.txt" && ok || bad "the report differs with the event cache and two threads"

# 2. the report on the same terminal: the line is gone before the report starts
start "$VSOCKDIAG correlate $A $B"
if seen 'correlate: (reading|aligning|pairing)'; then ok; else bad "no progress line with the report on the terminal"; fi
wait_done
if grep -qE 'correlate: (reading|aligning|pairing)' "$tmp/screen"; then bad "progress debris above or inside the report"; else ok; fi

# 3. not a terminal: nothing on stderr but warnings, never \r or escapes
"$VSOCKDIAG" correlate "$A" "$B" >"$tmp/out" 2>"$tmp/err"
if grep -q $'\r\|\e' "$tmp/err" "$tmp/out"; then bad "\\r or escape codes with stderr and stdout not terminals"; else ok; fi

# 4. -q and --json to a pipe: no line even on a terminal
start "$VSOCKDIAG correlate -q $A $B >/dev/null"
if seen 'correlate: '; then bad "-q still draws the progress line"; else ok; fi
start "$VSOCKDIAG correlate --json $A $B | cat >/dev/null"
if seen 'correlate: '; then bad "--json to a pipe still draws the progress line"; else ok; fi

echo "progress-tmux: $pass passed, $fail failed"
((fail == 0))
