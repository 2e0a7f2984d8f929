#!/usr/bin/env bash
# record's status line in a real terminal: `vsockdiag record` runs in a detached 80x24 tmux
# (and a 40-column one), the screen is captured while it records and after it ended:
# the line shows the time, the events and how to stop it, fits the width, is redrawn,
# lets a note print on its own line, and leaves no debris once the summary is printed.
# -q and --json into a pipe show no line. Prints "record-status-tmux: N passed, N failed".
# Needs root and tmux: skips without them, fails under CI (CI set); mounts tracefs when it
# is not mounted and unmounts it at exit.
# NEVER records vsock events: VSOCKDIAG_FORBID_VSOCK, sched:sched_switch, --bpf off.
set -u
VSOCKDIAG=$(realpath "${VSOCKDIAG:-build/vsockdiag}")
T=/sys/kernel/tracing
pass=0 fail=0

source "$(dirname "$0")/../root_env.sh"
suite_need_root record-status-tmux
command -v tmux >/dev/null ||
	suite_skip record-status-tmux "tmux is not installed (scripts/install-deps.sh --test installs it)"
tracefs_ensure record-status-tmux

tmp=$(mktemp -d)
sock="vdrec$$"
# a private server (-L) without the user's configuration (-f /dev/null)
t() { tmux -L "$sock" -f /dev/null "$@"; }
trap 't kill-server 2>/dev/null; rm -rf "$tmp"; tracefs_release' EXIT
# a session that keeps the server up between runs (it exits with its last session)
t new-session -d -s keep -x 80 -y 24 "exec sleep 600"

# -J: a line the terminal wrapped comes back whole, so its length is what was drawn
screen() { t capture-pane -J -p -t rec 2>/dev/null | sed -e 's/ *$//'; }

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL record-status-tmux: $1"
	sed 's/^/    |/' "$tmp/screen"
	[[ -s $tmp/err ]] && sed 's/^/    !/' "$tmp/err"
}

# the status line: "recording M:SS[, M:SS left]  events N ..." (or its brief form)
STATUS='^(recording )?[0-9]+:[0-9]{2}(, [0-9]+:[0-9]{2} left)?  events [0-9]'

start() { # start COLUMNS "record options": the session "rec" running vsockdiag record
	rm -f "$tmp/rc" "$tmp"/*.dat "$tmp/err"
	t kill-session -t rec 2>/dev/null
	t new-session -d -s rec -x "$1" -y 24 -c "$tmp" \
		"VSOCKDIAG_FORBID_VSOCK=1 $VSOCKDIAG $2; echo \$? >$tmp/rc; exec sleep 120"
}

# the screen shows pattern within $2 tenths of a second (default 50); it stays in $tmp/screen
shows() {
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		screen >"$tmp/screen"
		grep -qE -- "$1" "$tmp/screen" && return 0
		sleep 0.1
	done
	return 1
}

# the run ends within 15 s; its exit status is in $rc
finished() {
	local i
	for ((i = 0; i < 150; i++)); do
		[[ -s $tmp/rc ]] && break
		sleep 0.1
	done
	rc=$(cat "$tmp/rc" 2>/dev/null)
	sleep 0.2
	screen >"$tmp/screen"
}

# ---- run 1: 80x24, -d 4 ----------------------------------------------------------------
start 80 "record --bpf off -e sched:sched_switch -d 4 -o $tmp/x.dat"
if shows "$STATUS.*Ctrl-C"; then ok; else bad "80 columns: a status line with the events and Ctrl-C"; fi
line=$(grep -E -- "$STATUS" "$tmp/screen" | tail -1)
if [[ ${#line} -le 80 ]]; then ok; else bad "80 columns: the line is ${#line} columns wide"; fi
if [[ $(grep -cE -- "$STATUS" "$tmp/screen") -eq 1 ]]; then ok; else
	bad "80 columns: one status line on the screen, not one per redraw"
fi
if [[ $line =~ \ 0:0[0-4]\ left ]]; then ok; else bad "-d 4: the line shows the time left ($line)"; fi
first=$line
# redrawn about once a second: the elapsed time moves
if shows "^(recording )?0:0[2-4]," 30 && [[ $(grep -E -- "$STATUS" "$tmp/screen" | tail -1) != "$first" ]]; then
	ok
else
	bad "the line is redrawn (still '$first')"
fi
finished
if [[ $rc == 0 ]]; then ok; else bad "the recording exits 0 (status '$rc')"; fi
if grep -qE "^recorded [0-9.]+ s into $tmp/x.dat" "$tmp/screen"; then ok; else
	bad "the summary starts at the left edge, after the line was cleared"
fi
if grep -qE -- "$STATUS|Ctrl-C stops|\(Ctrl-C to stop\)|written [0-9.]+ [KMG]?i?B  lost" "$tmp/screen"; then
	bad "no status-line debris after the end"
else
	ok
fi
if grep -q $'\e' "$tmp/screen"; then bad "no raw escape on the screen"; else ok; fi

# ---- run 2: 40 columns, -v, a note while the line is up (SIGUSR1 flushes and says so) ----
start 40 "-v record --bpf off -e sched:sched_switch -d 3 -o $tmp/y.dat"
if shows "$STATUS"; then ok; else bad "40 columns: a status line"; fi
line=$(grep -E -- "$STATUS" "$tmp/screen" | tail -1)
if [[ ${#line} -le 40 ]]; then ok; else bad "40 columns: the line is ${#line} columns wide"; fi
pid=$(pgrep -P "$(t display -p -t rec '#{pane_pid}')" -x vsockdiag)
[[ -n $pid ]] && kill -USR1 "$pid"
if shows "^vsockdiag: SIGUSR1: flushing" 20; then ok; else
	bad "a note printed while the line is up starts on its own line"
fi
if shows "SIGUSR1: flushing(.|$)" 20 && grep -A3 "SIGUSR1: flushing" "$tmp/screen" | grep -qE -- "$STATUS"; then
	ok
else
	bad "the line is drawn again below the note"
fi
finished
if [[ $rc == 0 ]] && ! grep -qE -- "$STATUS" "$tmp/screen"; then ok; else
	bad "40 columns: exit 0 and no debris (status '$rc')"
fi

# ---- run 3: -q, and --json into a pipe: no line ------------------------------------------
start 80 "-q record --bpf off -e sched:sched_switch -d 2 -o $tmp/q.dat"
sleep 1.5
screen >"$tmp/screen"
if grep -qE -- "$STATUS" "$tmp/screen"; then bad "-q: no status line"; else ok; fi
finished
start 80 "--json record --bpf off -e sched:sched_switch -d 2 -o $tmp/j.dat | cat"
sleep 1.5
screen >"$tmp/screen"
if grep -qE -- "$STATUS" "$tmp/screen"; then bad "--json into a pipe: no status line"; else ok; fi
finished
if grep -q '"stopped_by":"duration"' "$tmp/screen"; then ok; else bad "--json into a pipe: the JSON"; fi

echo "record-status-tmux: $pass passed, $fail failed"
((fail == 0))
