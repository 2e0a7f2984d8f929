#!/usr/bin/env bash
# The top screen in a real terminal: `vsockdiag top -r` replays the lab's not-reading guest
# (examples/lab/notread/guest.dat: the guest sends 1 MiB to a host that reads nothing for 4 s)
# in a detached 80x24 tmux, keys are sent as a person would type them, and the captured
# screen is asserted: header, the row, sort marker, filter, detail pane, help, quit.
# A second run pauses the replay, changes its speed and is stopped by ^C; a third ends by -n.
# Prints "top-tmux: N passed, N failed". Uses $VSOCKDIAG (default build/vsockdiag).
# Needs tmux (scripts/install-deps.sh --test): without it the test fails, it does not skip.
set -u
VSOCKDIAG=$(realpath "${VSOCKDIAG:-build/vsockdiag}")
REC=examples/lab/notread/guest.dat
pass=0 fail=0

if ! command -v tmux >/dev/null; then
	echo "FAIL top-tmux: tmux is not installed (scripts/install-deps.sh --test installs it)"
	echo "top-tmux: 0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d)
sock="vdtop$$"
# a private server (-L) without the user's configuration (-f /dev/null)
t() { tmux -L "$sock" -f /dev/null "$@"; }
trap 't kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

screen() { t capture-pane -p -t top 2>/dev/null; }
keys() { t send-keys -t top "$@"; }

# the screen as it is within 10 s shows pattern (extended regex); it stays in $tmp/screen
shows() {
	local i
	for ((i = 0; i < 100; i++)); do
		screen >"$tmp/screen"
		grep -qE -- "$1" "$tmp/screen" && return 0
		# the process is gone (crashed, or a sanitizer stopped it): no use waiting
		t has-session -t top 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL top-tmux: $1"
	if t has-session -t top 2>/dev/null; then
		sed 's/^/    |/' "$tmp/screen"
	else
		echo "    (vsockdiag top is gone; exit status $(cat "$tmp/rc" 2>/dev/null); its stderr:)"
		head -20 "$tmp/err" | sed 's/^/    !/'
	fi
}

expect() { # expect "what it proves" pattern
	if shows "$2"; then ok; else bad "$1 (no /$2/ on the screen)"; fi
}

expect_not() { # expect_not "what it proves" pattern: absent once the screen has settled
	sleep 0.3
	screen >"$tmp/screen"
	if grep -qE -- "$2" "$tmp/screen"; then bad "$1 (/$2/ still on the screen)"; else ok; fi
}

# the process leaves within 5 s with status 0 or 1 and its pane (the session) goes with it
expect_exit() {
	local i rc=""
	for ((i = 0; i < 50; i++)); do
		[[ -s $tmp/rc ]] && break
		sleep 0.1
	done
	rc=$(cat "$tmp/rc" 2>/dev/null)
	if [[ $rc == 0 || $rc == 1 ]]; then ok; else bad "$1: exit status '$rc', not 0 or 1"; fi
	for ((i = 0; i < 30; i++)); do
		t has-session -t top 2>/dev/null || break
		sleep 0.1
	done
	if t has-session -t top 2>/dev/null; then bad "$1: the tmux pane is still there"; else ok; fi
	# a sanitizer build (SAN=1) reports on stderr, which the screen hid
	if grep -qE "runtime error|Sanitizer" "$tmp/err"; then bad "$1: sanitizer report"; else ok; fi
}

start() { # start "top options": the 80x24 session "top" running vsockdiag top
	rm -f "$tmp/rc" "$tmp/err"
	t new-session -d -s top -x 80 -y 24 -c "$PWD" \
		"$1 $VSOCKDIAG top -r $REC $2 2>$tmp/err; echo \$? >$tmp/rc"
}

# ---- run 1: fast replay to the end, then every key --------------------------------------
start "" "--speed 8 -d 0.25"
expect "the replay reaches its end and says so" "end of recording .* q to quit"
expect "the title names the recording, kernel, CID and device" \
	"^ guest\.dat +kernel 6\.1\.0-57-amd64 +CID 3 +virtio-vsock"
expect "the title says the replay ended" "ENDED"
if t capture-pane -e -p -t top | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7])m'; then
	ok
else
	bad "a colour terminal (tmux) without NO_COLOR shows no colours"
fi
expect "the counters line" \
	"events [0-9]+ +lost 0 +irq/s [0-9.]+ +kicks/s [0-9.-]+ +RX ring [0-9-]+/[0-9-]+ +alloc fail 0"
expect "the connections count" "conns [0-9]+ open / 1 total"
expect "the 6.1 kernel's fwd_cnt per packet note" "per whole packet"
expect "the connection row: local CID 3, peer the host's port 5555 named adb" \
	"^ +1 +3:[0-9]+ +2:5555 adb "
expect "the starvation in the findings area" "credit_starvation conn 1 "
expect "the key hints" "Help +s?Sort .*q ?Quit"
expect "the sort marker on the first column (ascending)" "^ +ID\^ +LOCAL "

keys '>'
expect "> moves the sort marker right" " ID +LOCAL\^ "
keys '<'
expect "< moves it back" "^ +ID\^ +LOCAL "
keys r
expect "r reverses the order (v: largest first)" "^ +IDv +LOCAL "
keys r
keys s
expect "s opens the column chooser" "SORT BY"
keys Down
keys Down
keys Enter
expect "the chooser sorts by the chosen column" " PEER\^ "

keys /
expect "/ opens the filter line" "filter: _"
keys 5 5 5 5
expect "the filter is typed on the message line" "filter: 5555_"
keys Enter
expect "Enter applies the filter" 'filter "5555": 1 shown'
expect "the matching row stays" "2:5555 adb"
keys /
sleep 0.2
keys Escape
expect "Esc clears the filter" "filter cleared"
keys / z z z Enter
expect "a filter nothing matches shows no row" "no connection matches the filter"
expect_not "the filtered row is gone" "2:5555 adb "
keys /
sleep 0.2
keys Escape
expect "the row is back once the filter is cleared" "^ +1 +3:[0-9]+ +2:5555 adb "

keys Enter
expect "Enter opens the detail pane" "CONNECTION 1 DETAIL"
expect "the detail has the process" "process +vsockload"
expect "the detail has the credit history" "credit +\|[^|]+\| now "
expect "the detail has the throughput history" "TX B/s +\|[^|]+\| now "
sleep 0.2
keys Escape
expect "Esc goes back to the table" "FINDINGS: "

keys h
expect "h opens the help" "KEYS +\(h, \? or Esc: back\)"
expect "the help lists the sort keys" "sort by the column on the left"
expect "the help lists quit" "q F10 +quit"
keys h
expect "h again closes it" "FINDINGS: "

# the saved screen is the last table seen
screen >"$tmp/final"
keys q
expect_exit "q after the end"

# ---- run 2: pause, speed, a signal ------------------------------------------------------
start "NO_COLOR=1" "--speed 1 -d 0.25"
expect "a replay in progress shows its speed" " x1 *$"
keys p
expect "p pauses the replay" "PAUSED x1"
keys +
expect "+ doubles the speed" "PAUSED x2"
keys - -
expect "- halves it" "PAUSED x0\.5"
keys p
expect "p resumes" "[0-9]s x0\.5 *$"
if t capture-pane -e -p -t top | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7])m'; then
	bad "NO_COLOR=1: the screen has colours"
else
	ok
fi
keys C-c
expect_exit "^C (SIGINT) mid-replay"

# ---- run 3: -n, as CI runs a screen without a person -------------------------------------
start "" "--speed 1 -n 3 -d 0.2"
expect_exit "-n 3 -d 0.2 leaves by itself after three samples"

echo "top-tmux: $pass passed, $fail failed"
((fail == 0))
