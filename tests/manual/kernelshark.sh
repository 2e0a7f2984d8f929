#!/usr/bin/env bash
# Manual check (not in CI: KernelShark pulls in Qt): a `vsockdiag record` file opens in
# KernelShark. Needs root (to record), and the Debian packages kernelshark xvfb imagemagick.
# Records 1 s of non-vsock events, opens the file in KernelShark on a virtual display as
# an unprivileged user, and saves a screenshot to look at: $OUT (default /tmp/kernelshark.png).
# Passes when KernelShark is still running after 15 s (it exits on files it cannot load).
set -u
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
OUT=${OUT:-/tmp/kernelshark.png}
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'pkill -f "Xvfb :78" 2>/dev/null; rm -rf "$tmp"' EXIT
VSOCKDIAG_FORBID_VSOCK=1 "$VSOCKDIAG" record -o "$tmp/ks.dat" -d 1 \
	--events sched:sched_switch,irq:irq_handler_entry >/dev/null || exit 1
chmod 644 "$tmp/ks.dat"
Xvfb :78 -screen 0 1280x800x24 >/dev/null 2>&1 &
sleep 2
mkdir -p "$tmp/home" && chmod 777 "$tmp/home"
runuser -u nobody -- env HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/home" DISPLAY=:78 \
	kernelshark "$tmp/ks.dat" >"$tmp/ks.log" 2>&1 &
pid=$!
sleep 15
DISPLAY=:78 import -window root "$OUT"
if kill -0 $pid 2>/dev/null; then
	kill $pid
	echo "kernelshark: 1 passed, 0 failed (screenshot: $OUT)"
else
	cat "$tmp/ks.log"
	echo "kernelshark: 0 passed, 1 failed"
	exit 1
fi
