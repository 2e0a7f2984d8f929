# SPDX-License-Identifier: GPL-2.0
# Scenario "adb": real adb traffic over vsock, a healthy shell session then a stalled stream.
# The guest (L2, the "Android" partition) runs tests/lab/adbd_lab.c, a minimal adbd, on vsock
# port 5555; the host (L1) runs Debian's own adb (29.0.6): its server connects to the guest
# (`adb connect vsock:3:5555`; a socat relay 127.0.0.1:5555 -> vsock 3:5555 if this adb cannot)
# and the client runs commands through it. One boot, two adb connections:
#  (a) healthy: `adb shell echo hello-N` three times (plain `shell:` service, the output
#      checked), then `adb disconnect`;
#  (b) stalled: `adb shell 'cat > /dev/null' < 4 MiB` against a fresh adbd_lab that OKAYs the
#      stream's first 8 KiB and then stops at the next WRTE's header (--stall-after-bytes 8192
#      --stall-read): that WRTE is never read nor OKAYed, and nothing after it is read. Its
#      sockets have a 4 KiB vsock buffer (-b 4096) so that the stalled WRTE's payload (adb's
#      client writes 8 KiB chunks; 56, 120 and 440 KiB WRTEs were seen) always exceeds it: the host
#      runs out of credit for real, whatever the WRTE's size (with the default 256 KiB it
#      would only when adb's server batched more than that into one WRTE). The client is given
#      LAB_ADB_STALL_SECONDS (10) and times out, then the host kills its adb server and the
#      guest its adbd.
# Expected (tests/lab/check.py): payload heads (vsockdiag-bpf payload lines) on both sides with
# the adb headers in them; the healthy connection without any finding and every byte delivered;
# the stalled one with credit_starvation host -> guest (the guest's adbd does not read).
# The responder's own log of every adb message it sent and received is guest.load; the
# client's commands and outputs are host.load, with its "result ..." lines for check.py.

LAB_ADB_STALL_SECONDS=${LAB_ADB_STALL_SECONDS:-10}

# adb_run SECONDS ARGS...: Debian's adb with a time limit, its output to stdout and host.load
adb_run() {
	local s=$1 rc
	shift
	printf '$ adb %s\n' "$*" >>"$RUN/host.load"
	timeout --kill-after=5 "$s" adb "$@" 2>&1 | tee -a "$RUN/host.load"
	rc=${PIPESTATUS[0]}
	printf '(exit %s)\n' "$rc" >>"$RUN/host.load"
	return "$rc"
}

# adb_attach: connect adb's server to the guest's adbd and wait until it is a device; sets SERIAL
SERIAL=
RELAY_PID=
adb_attach() {
	local out
	if [[ -z $RELAY_PID ]]; then
		out=$(adb_run 60 connect vsock:3:5555)
		if [[ $out == *"connected to vsock:3:5555"* ]]; then
			SERIAL=vsock:3:5555
		else
			say "adb connect vsock:3:5555 did not work ($out): relaying 127.0.0.1:5555 with socat"
			socat TCP-LISTEN:5555,bind=127.0.0.1,reuseaddr,fork VSOCK-CONNECT:3:5555 &
			RELAY_PID=$!
			lab_sleep 1
		fi
	fi
	if [[ -n $RELAY_PID ]]; then
		out=$(adb_run 60 connect 127.0.0.1:5555)
		[[ $out == *"connected to 127.0.0.1:5555"* ]] || { say "adb connect 127.0.0.1:5555: $out"; return 1; }
		SERIAL=127.0.0.1:5555
	fi
	# one device at a time, addressed without -s: adb 29 parses a `-s vsock:3:5555` serial's
	# colons as a port and a command
	adb_run 60 wait-for-device >/dev/null || { say "adb: $SERIAL never became a device"; return 1; }
	say "adb: $SERIAL is a device: $(adb_run 30 devices -l | grep "^$SERIAL" | tr -s ' ')"
}

host_main() {
	: >"$RUN/host.load"
	# adb's client finds its server on tcp:localhost:5037: the VM's init leaves lo down
	ip link set lo up || { say "cannot bring lo up"; return 1; }
	# adb's keys (~/.android) and its server's log stay in this VM's private /tmp
	export HOME=/tmp/adbhome
	mkdir -p "$HOME"
	head -c 4194304 /dev/zero | tr '\0' 'z' >/tmp/blob
	lab_record_start host || return 1
	lab_guest_start || return 1
	adb_run 120 start-server || { say "adb start-server failed"; return 1; }
	lab_wait guest.listening 120 || return 1

	# (a) a healthy shell session
	lab_mark host.healthy.start
	adb_attach || return 1
	local i out ok=0
	for i in 1 2 3; do
		out=$(adb_run 60 shell echo "hello-$i" </dev/null)
		if [[ $out == "hello-$i" ]]; then
			ok=$((ok + 1))
		else
			say "adb shell echo hello-$i printed '$out'"
		fi
	done
	say "healthy: $ok of 3 echo commands answered right (serial $SERIAL)"
	echo "result echo_ok $ok serial $SERIAL" >>"$RUN/host.load"
	adb_run 30 disconnect >/dev/null
	lab_mark host.healthy.done

	# (b) a stalled stream: adbd_lab stops reading at the first WRTE past 8 KiB
	lab_wait guest.listening2 120 || return 1
	adb_attach || return 1
	lab_mark host.stall.start
	adb_run "$LAB_ADB_STALL_SECONDS" shell 'cat > /dev/null' </tmp/blob >/dev/null
	echo "result stall_client_exit $?" >>"$RUN/host.load"
	lab_mark host.stall.timeout
	# the server first (an adb server whose device disappears reconnects, again and again);
	# its socket's unsent data goes with it
	adb_run 30 kill-server >/dev/null
	lab_mark host.stall.done
	[[ -n $RELAY_PID ]] && kill "$RELAY_PID" 2>/dev/null
	lab_wait guest.done 120 || return 1
	lab_record_stop
}

# adbd_start OUT ARGS...: adbd_lab in the background, output in OUT; sets ADBD_PID once it listens
ADBD_PID=
adbd_start() {
	local out=$1
	shift
	: >"$out"
	"$LAB_BIN/adbd_lab" "$@" >"$out" 2>&1 &
	ADBD_PID=$!
	until [[ $(<"$out") == *"listening on port"* ]]; do
		kill -0 "$ADBD_PID" 2>/dev/null || { say "adbd_lab failed: $(<"$out")"; return 1; }
		lab_sleep 0.05
	done
}

guest_main() {
	lab_record_start guest || return 1
	adbd_start /tmp/adbd1.out -t 400 -n 1 || return 1
	lab_mark guest.listening
	wait "$ADBD_PID" || say "adbd_lab (healthy) exited with $?"
	adbd_start /tmp/adbd2.out -t 400 -b 4096 --stall-after-bytes 8192 --stall-read || return 1
	lab_mark guest.listening2
	lab_wait host.stall.done 300 || say "no host.stall.done: stopping adbd_lab anyway"
	kill -TERM "$ADBD_PID" 2>/dev/null
	wait "$ADBD_PID" || say "adbd_lab (stalled) exited with $?"
	{
		echo "== adbd_lab -t 400 -n 1 (healthy)"
		cat /tmp/adbd1.out
		echo "== adbd_lab -t 400 -b 4096 --stall-after-bytes 8192 --stall-read (stalled)"
		cat /tmp/adbd2.out
	} >/tmp/guest.load
	cat /tmp/guest.load
	lab_sleep 1
	lab_record_stop
	cp /tmp/guest.load "$RUN/guest.load"
	lab_mark guest.done
}
