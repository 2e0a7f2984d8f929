#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vsockdiag-record.sh: the shell-only recorder, for a partition where no vsockdiag binary can
# run (an Android shell, a busybox or toybox system). It records what `vsockdiag record` records
# through tracepoints (vsock:*, the vsock device's interrupt lines, order >= 3 page
# allocations, failed kmallocs, skb drops) in a private tracefs instance of its own, with the
# same kernel-side filters, and writes ftrace text that `vsockdiag correlate` and `report`
# read. No BPF evidence (that needs the binary). POSIX sh only: no bash, no arrays, no
# process substitution; every command it runs is in busybox and in toybox.
#
# It stops on SIGINT, SIGTERM and SIGHUP (or after -d), and always removes its instance,
# unmounts what it mounted and leaves the file complete: the header, then the events.
set -u

VERSION=0.1.0
PROG=${0##*/}
OUT=vsockdiag.txt
DURATION=0
BUFFER_KB=2048
EVENTS=
IRQ=
FILTERS=1
FLIGHT=0
FORCE=0
FORBID_ENV=${VSOCKDIAG_FORBID_VSOCK-}

usage() {
	cat <<EOF
Usage: $PROG [-o FILE] [-d SECONDS] [-e LIST] [--irq PATTERN] [-b KB] [-F] [--no-filter]

Record this partition's vsock trace with nothing but a shell and tracefs, for devices
where the vsockdiag binary cannot run. Root. Writes ftrace text that
'vsockdiag correlate' and 'vsockdiag report' read (copy it to any machine).

Examples:
  # until Ctrl-C (or SIGTERM), then: vsockdiag correlate host.dat android.txt
  sh $PROG -o /data/local/tmp/android.txt
  # 10 minutes, keeping only the last ring buffer's worth (a long soak test)
  sh $PROG -F -d 600 -o /data/local/tmp/android.txt

Options:
  -o, --output FILE   the recording (default vsockdiag.txt); never replaced and never
                      written through a symlink unless --force removes it first
  -d, --duration S    stop after S seconds (default: until SIGINT, SIGTERM or SIGHUP)
  -e, --events LIST   comma list of system:event replacing the default set:
                        vsock:*, irq:irq_handler_entry/exit (the vsock device's
                        lines only), kmem:mm_page_alloc (order >= 3), kmem:kmalloc
                        (failures only), skb:kfree_skb
  --irq PATTERN       record the interrupt lines whose /proc/interrupts name matches
                      PATTERN (a shell glob, e.g. 'virtio0-*') or a list of numbers
                      (e.g. 41,42) (default: the virtio vsock device's lines)
  -b, --buffer-kb N   ring buffer per CPU (default 2048)
  -F, --flight-recorder
                      keep only the ring buffer's last contents and write them when
                      stopped (default: stream every event to the file as it comes)
  --no-filter         record irq and kmem events unfiltered
  --force             replace FILE if it exists
  -h, --help          this help

Exit status: 0 recorded; 1 the recording failed (tracefs, instance, events); 2 usage.
The instance is named vsockdiag-sh.PID; one left by a killed run is removed by the next.
EOF
}

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
# die MESSAGE [STATUS]
die() {
	say "error: $1"
	exit "${2:-1}"
}
usage_err() {
	say "error: $*: try '$PROG --help'"
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	-o | --output) [ $# -ge 2 ] || usage_err "$1 needs a file"; OUT=$2; shift ;;
	--output=*) OUT=${1#*=} ;;
	-d | --duration) [ $# -ge 2 ] || usage_err "$1 needs seconds"; DURATION=$2; shift ;;
	--duration=*) DURATION=${1#*=} ;;
	-e | --events) [ $# -ge 2 ] || usage_err "$1 needs a list"; EVENTS=${EVENTS:+$EVENTS,}$2; shift ;;
	--events=*) EVENTS=${EVENTS:+$EVENTS,}${1#*=} ;;
	--irq) [ $# -ge 2 ] || usage_err "$1 needs a pattern"; IRQ=$2; shift ;;
	--irq=*) IRQ=${1#*=} ;;
	-b | --buffer-kb) [ $# -ge 2 ] || usage_err "$1 needs a size"; BUFFER_KB=$2; shift ;;
	--buffer-kb=*) BUFFER_KB=${1#*=} ;;
	-F | --flight-recorder) FLIGHT=1 ;;
	--no-filter) FILTERS=0 ;;
	--force) FORCE=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage_err "unknown option or extra argument '$1'" ;;
	esac
	shift
done
case $DURATION in '' | *[!0-9]*) usage_err "--duration '$DURATION': give whole seconds" ;; esac
case $BUFFER_KB in '' | *[!0-9]* | 0) usage_err "--buffer-kb '$BUFFER_KB': give a size in KiB" ;; esac
[ -n "$OUT" ] || usage_err "--output needs a file"
[ "$(id -u 2>/dev/null)" = 0 ] || die "tracing needs root (run it as root, or with su -c)"

# ---- tracefs -------------------------------------------------------------------------------
T=
MOUNTED=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	if [ -e "$d/trace" ] && [ -d "$d/instances" ]; then T=$d; break; fi
done
if [ -z "$T" ]; then
	# as trace-cmd does: mount it where the kernel offers a mount point
	if [ -d /sys/kernel/tracing ] && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
		T=/sys/kernel/tracing MOUNTED=$T
		say "tracefs was not mounted: mounted it on $T (unmounted at the end)"
	else
		die "tracefs is not mounted and could not be: mount -t tracefs nodev /sys/kernel/tracing"
	fi
fi

# ---- the instance; one a killed run left behind is removed ----------------------------------
for d in "$T"/instances/vsockdiag-sh.*; do
	[ -d "$d" ] || continue
	pid=${d##*.}
	case $pid in '' | *[!0-9]*) continue ;; esac
	kill -0 "$pid" 2>/dev/null && continue
	echo 0 >"$d/tracing_on" 2>/dev/null
	# its reader outlives a recorder killed with SIGKILL and keeps the instance busy
	for fd in /proc/[0-9]*/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "$d/trace_pipe" ] || continue
		r=${fd#/proc/}
		kill "${r%%/*}" 2>/dev/null
	done
	sleep 1
	if rmdir "$d" 2>/dev/null; then
		say "removed ${d##*/}, left by a recorder that did not finish (pid $pid is gone)"
	fi
done
INST=$T/instances/vsockdiag-sh.$$
READER=
cleanup() {
	trap '' INT TERM HUP
	[ -n "$READER" ] && kill "$READER" 2>/dev/null && wait "$READER" 2>/dev/null
	READER=
	if [ -d "$INST" ]; then
		echo 0 >"$INST/tracing_on" 2>/dev/null
		# rmdir takes the instance's events and filters with it
		rmdir "$INST" 2>/dev/null || say "could not remove $INST: rmdir it by hand"
	fi
	[ -n "$MOUNTED" ] && umount "$MOUNTED" 2>/dev/null
	MOUNTED=
}
trap cleanup EXIT
STOP=0
trap 'STOP=1' INT TERM HUP
mkdir "$INST" 2>/dev/null || die "cannot create the tracefs instance $INST (is tracefs writable? root?)"
echo 0 >"$INST/tracing_on"
echo "$BUFFER_KB" >"$INST/buffer_size_kb" 2>/dev/null ||
	say "could not set buffer_size_kb $BUFFER_KB: keeping $(cat "$INST/buffer_size_kb" 2>/dev/null) KiB"
# the overwrite option decides what a full buffer does: streaming drops nothing while the
# reader keeps up; the flight recorder keeps the newest
[ "$FLIGHT" = 1 ] && echo 1 >"$INST/options/overwrite" 2>/dev/null

# ---- filters: the vsock device's interrupt lines ------------------------------------------------
# "virtio3" for each virtio device whose id is 0x0013 (VIRTIO_ID_VSOCK)
vsock_devs() {
	for f in /sys/bus/virtio/devices/*/device; do
		[ -r "$f" ] || continue
		read -r id <"$f" 2>/dev/null || continue
		[ "$id" = 0x0013 ] || continue
		d=${f%/device}
		echo "${d##*/}"
	done
}
# lines joined with " || "
join_or() {
	j=
	while read -r l; do j=${j:+$j || }$l; done
	echo "$j"
}
# "irq == 41 || irq == 42": the lines of /proc/interrupts whose name is wanted
irq_filter() {
	case $IRQ in
	*[!0-9,]* | '') ;;
	*)
		echo "$IRQ" | tr ',' '\n' | sed '/^$/d; s/^/irq == /' | join_or
		return
		;;
	esac
	devs=$(vsock_devs)
	while read -r num rest; do
		num=${num%:}
		case $num in '' | *[!0-9]*) continue ;; esac
		name=${rest##* }
		if [ -n "$IRQ" ]; then
			# shellcheck disable=SC2254
			case $name in $IRQ) echo "irq == $num" ;; esac
		else
			for d in $devs; do
				case $name in "$d"-*) echo "irq == $num" ;; esac
			done
		fi
	done </proc/interrupts | join_or
}

ENABLED=
# enable SYS EVENT: the filter goes in before the enable, so no unfiltered event slips through
enable_one() {
	sys=$1 ev=$2 dir=$INST/events/$1/$2 filter=
	case $sys:$ev in
	irq:irq_handler_entry | irq:irq_handler_exit)
		if [ "$FILTERS" = 1 ] || [ -n "$IRQ" ]; then
			[ -n "${IRQ_FILTER-}" ] || IRQ_FILTER=$(irq_filter)
			if [ -z "$IRQ_FILTER" ]; then
				[ -n "${IRQ_WARNED-}" ] || say "no interrupt line of the vsock device in /proc/interrupts (the vhost side has none; --irq names lines): irq events skipped"
				IRQ_WARNED=1
				return 0
			fi
			filter=$IRQ_FILTER
		fi
		;;
	kmem:mm_page_alloc) [ "$FILTERS" = 1 ] && filter='order >= 3' ;;
	kmem:kmalloc) [ "$FILTERS" = 1 ] && filter='ptr == 0' ;;
	esac
	if [ -n "$filter" ] && ! echo "$filter" >"$dir/filter" 2>/dev/null; then
		say "this kernel refuses the filter '$filter' on $sys:$ev: recording it unfiltered"
	fi
	if echo 1 >"$dir/enable" 2>/dev/null; then
		ENABLED=${ENABLED:+$ENABLED,}$sys:$ev
		[ -n "$filter" ] && ENABLED="$ENABLED [$filter]"
	else
		say "could not enable $sys:$ev (skipped)"
	fi
}
# enable_item sys:glob | sys
enable_item() {
	item=$1
	case $item in
	*:*) sys=${item%%:*} pat=${item#*:} ;;
	*) sys=$item pat='*' ;;
	esac
	case $sys$pat in *..* | */* | '') usage_err "--events: '$item' is not system:event" ;; esac
	if [ -n "$FORBID_ENV" ]; then
		# shellcheck disable=SC2254
		case vsock in $sys) die "refusing to enable '$item': VSOCKDIAG_FORBID_VSOCK is set (this machine's vsock must not be traced)" 2 ;; esac
	fi
	found=0
	# (the list was split with globbing off: this glob is the one meant)
	set +f
	for e in "$INST/events/$sys"/$pat; do
		[ -d "$e" ] && [ -e "$e/enable" ] || continue
		found=1
		enable_one "$sys" "${e##*/}"
	done
	set -f
	if [ $found = 0 ]; then
		if [ "$sys" = vsock ]; then
			say "event $item not found: is vmw_vsock_virtio_transport_common loaded? (modprobe vmw_vsock_virtio_transport or vhost_vsock)"
		else
			say "event $item not found in this kernel: skipped"
		fi
	fi
}
DEFAULT=0
if [ -z "$EVENTS" ]; then
	EVENTS=vsock:*,irq:irq_handler_entry,irq:irq_handler_exit,kmem:mm_page_alloc,kmem:kmalloc,skb:kfree_skb
	DEFAULT=1
fi
OLDIFS=$IFS
IFS=,
set -f
for item in $EVENTS; do
	IFS=$OLDIFS
	[ -n "$item" ] && enable_item "$item"
done
set +f
IFS=$OLDIFS
[ -n "$ENABLED" ] || die "no event could be enabled"
case ",$ENABLED" in
*,vsock:*) ;;
*) [ "$DEFAULT" = 1 ] && die "no vsock event in this kernel: load the vsock transport (modprobe vmw_vsock_virtio_transport or vhost_vsock), or pass -e" ;;
esac

# ---- the file: created new, never through a symlink (noclobber opens with O_EXCL) -----------------
if [ "$FORCE" = 1 ] && { [ -e "$OUT" ] || [ -L "$OUT" ]; }; then
	rm -f "$OUT" || die "cannot replace $OUT"
fi
# (in a subshell: a redirection that fails on a special builtin such as : ends the shell)
if ! (set -C && : >"$OUT") 2>/dev/null; then
	if [ -e "$OUT" ] || [ -L "$OUT" ]; then
		die "$OUT exists: give another -o, or --force to replace it"
	fi
	die "cannot create $OUT (its directory must exist and be writable)"
fi
CPUS=$(grep -c '^processor' /proc/cpuinfo 2>/dev/null)
CLOCK=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$INST/trace_clock" 2>/dev/null)
{
	echo "# tracer: nop"
	echo "#"
	echo "# vsockdiag-record.sh $VERSION: the shell-only recorder (no BPF evidence)"
	echo "# hostname: $(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"
	echo "# kernel: $(uname -r) $(uname -m)"
	echo "# trace_clock: ${CLOCK:-unknown}"
	echo "# started: $(date -u '+%Y-%m-%dT%H:%M:%SZ' 2>/dev/null) uptime $(cut -d' ' -f1 /proc/uptime)"
	echo "# mode: $([ "$FLIGHT" = 1 ] && echo "flight recorder (the buffer's last contents)" || echo "streamed")"
	echo "# events: $ENABLED"
	echo "# buffer_size_kb: $(cat "$INST/buffer_size_kb" 2>/dev/null) per CPU  #P:${CPUS:-1}"
	echo "#"
} >>"$OUT" || die "cannot write $OUT"

# ---- record -------------------------------------------------------------------------------------
echo 1 >"$INST/tracing_on" || die "cannot start tracing in $INST"
if [ "$FLIGHT" = 0 ]; then
	# trace_pipe consumes what it prints: nothing is lost while it keeps up, and the kernel
	# says "CPU:N [LOST M EVENTS]" where it could not
	# (SIGINT ignored: Ctrl-C reaches the whole process group, and a reader killed between
	# its read and its write would lose what it had consumed)
	(trap '' INT HUP; exec cat "$INST/trace_pipe") >>"$OUT" &
	READER=$!
fi
say "recording to $OUT (instance ${INST##*/}; events: $ENABLED); stop with Ctrl-C or kill -TERM $$"
START=$(cut -d. -f1 /proc/uptime)
while [ "$STOP" = 0 ]; do
	sleep 1
	if [ "$DURATION" -gt 0 ] && [ $(($(cut -d. -f1 /proc/uptime) - START)) -ge "$DURATION" ]; then
		break
	fi
	if [ -n "$READER" ] && ! kill -0 "$READER" 2>/dev/null; then
		say "the reader of trace_pipe ended: stopping"
		break
	fi
done
trap '' INT TERM HUP
echo 0 >"$INST/tracing_on"
if [ -n "$READER" ]; then
	# what the reader has not consumed yet is still in the buffer: let it drain, then take the
	# rest without the header lines of a second dump
	sleep 1
	kill "$READER" 2>/dev/null
	wait "$READER" 2>/dev/null
	READER=
	grep -v '^#' "$INST/trace" >>"$OUT" || true
else
	# its own header (entries-in-buffer/entries-written tells what was overwritten) but not
	# a second "# tracer:" line, which would read as a second dump appended
	grep -v '^# tracer:' "$INST/trace" >>"$OUT" || die "cannot write $OUT"
fi
LOST=0
for n in $(sed -n 's/^overrun: *//p; s/^dropped events: *//p' "$INST"/per_cpu/cpu*/stats 2>/dev/null); do
	case $n in *[!0-9]* | '') ;; *) LOST=$((LOST + n)) ;; esac
done
N=$(grep -vc '^#' "$OUT")
say "wrote $OUT: $N lines$([ "${LOST:-0}" -gt 0 ] && echo "; the kernel lost or overwrote $LOST events (a larger -b, or fewer events)")"
exit 0
