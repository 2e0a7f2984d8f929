#!/usr/bin/env bash
# vsockdiag record against trace-cmd record: same high-rate non-vsock events, same
# load, same buffer size, same duration, in one run (one after the other, each
# under a fresh copy of the load). Reports CPU seconds per million events
# (user+sys of the recorder and its children, from getrusage via
# /usr/bin/time-less bash 'times') and lost events (the kernel's per-CPU overrun
# counts, stored in each file's CPUSTAT options).
# Needs root. Never records vsock events. Not part of 'make check'.
#   tests/bench/record_bench.sh [SECONDS] [BUFFER_KB]
set -u
VSOCKDIAG=$(readlink -f "${VSOCKDIAG:-build/vsockdiag}")
export VSOCKDIAG_FORBID_VSOCK=1
SECS=${1:-10}
KB=${2:-2048}
EVENTS=(sched:sched_switch sched:sched_wakeup raw_syscalls:sys_enter raw_syscalls:sys_exit)

[[ $(id -u) -eq 0 ]] || { echo "record_bench: needs root"; exit 0; }
command -v trace-cmd >/dev/null || { echo "record_bench: needs trace-cmd"; exit 0; }
tmp=$(mktemp -d)
loadpids=()
trap 'stop_load; [[ ${KEEP:-} ]] || rm -rf "$tmp"' EXIT

# the load: a loopback ping-pong (syscalls + context switches) on every CPU
start_load() {
	local n
	n=$(nproc)
	for ((i = 0; i < n; i++)); do
		python3 - "$((40000 + i))" <<'PY' &
import socket, sys, os
a, b = socket.socketpair()
if os.fork() == 0:
    while True:
        b.send(a.recv(64) if False else b.recv(64))
while True:
    a.send(b"x" * 32); a.recv(64)
PY
		loadpids+=($!)
	done
}
stop_load() {
	((${#loadpids[@]})) || return 0
	for p in "${loadpids[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	wait "${loadpids[@]}" 2>/dev/null
	loadpids=()
}

# cpu seconds (user+sys) of finished children of this shell, from 'times'
# children's user+sys from a saved 'times' output. 'times' itself must run in the
# shell that waited for the recorder (not in a pipeline or $(...): a subshell has
# no children of its own).
cpu_of() { tail -1 "$1" | tr -d 's' | awk '{ split($1, u, "m"); split($2, s, "m");
	print u[1] * 60 + u[2] + s[1] * 60 + s[2] }'; }

events_in() { trace-cmd report "$1" 2>/dev/null | grep -cE '\[[0-9]+\] +[0-9]+\.[0-9]+: '; }
lost_in() { trace-cmd report --stat "$1" 2>/dev/null |
	awk '/^overrun:/ { s += $2 } /^dropped events:/ { s += $3 } END { print s + 0 }'; }

run() { # NAME CMD...: prints "name cpu_s"
	local name=$1
	shift
	start_load
	sleep 0.5
	times >"$tmp/$name.t0"
	"$@" >"$tmp/$name.log" 2>&1 </dev/null
	times >"$tmp/$name.t1"
	stop_load
	echo "$name $(awk -v a="$(cpu_of "$tmp/$name.t1")" -v b="$(cpu_of "$tmp/$name.t0")" \
		'BEGIN { printf "%.3f", a - b }')"
}

ev_args_tc=()
for e in "${EVENTS[@]}"; do ev_args_tc+=(-e "$e"); done
ev_list=$(IFS=,; echo "${EVENTS[*]}")

cd "$tmp" || exit 1
echo "record_bench: ${SECS}s, ${KB} KiB/CPU, events ${ev_list}, load: loopback ping-pong x $(nproc)"
r1=$(run vsockdiag "$VSOCKDIAG" record -o vd.dat -d "$SECS" --buffer-kb "$KB" --events "$ev_list")
# -B: trace-cmd in its own instance too, so neither recorder touches global tracing
# -d -k: this kernel refuses writes to ftrace_enabled; no function tracer is used anyway
r2=$(run trace-cmd trace-cmd record -q -d -k -B vdbench-tc -o tc.dat -b "$KB" "${ev_args_tc[@]}" sleep "$SECS")
rmdir /sys/kernel/tracing/instances/vdbench-tc 2>/dev/null
printf "%-10s %10s %12s %10s %14s\n" recorder cpu_s events lost cpu_s/Mevent
for r in "$r1:vd.dat" "$r2:tc.dat"; do
	line=${r%:*} f=${r##*:}
	set -- $line
	n=$(events_in "$f") l=$(lost_in "$f")
	printf "%-10s %10s %12s %10s %14s\n" "$1" "$2" "$n" "$l" \
		"$(awk -v c="$2" -v n="$n" 'BEGIN { if (n > 0) printf "%.3f", c / n * 1e6; else print "-" }')"
done
if [[ ! -s tc.dat ]]; then
	echo "trace-cmd record failed here: $(tr '\n' ' ' <"$tmp/trace-cmd.log")"
	echo "(on kernels that refuse writes to /proc/sys/kernel/ftrace_enabled trace-cmd 3.1.6"
	echo " dies before recording; run this benchmark in the QEMU lab instead)"
fi

