# SPDX-License-Identifier: GPL-2.0
# Sourced by the root test suites (record.sh, dat.sh, trim_dat.sh, record_status_tmux.sh,
# unit/run.sh):
# how a suite says it cannot run, and tracefs mounted for it when it is not.
#
#   suite_skip SUITE WHY   outside CI: "SKIP SUITE: WHY" and exit 0; under CI (CI set) a
#                          missing requirement is a failure: "FAIL SUITE: WHY (CI must run it)",
#                          "SUITE: 0 passed, 1 failed" and exit 1
#   suite_need_root SUITE  root, else suite_skip
#   tracefs_ensure SUITE   tracefs at /sys/kernel/tracing: when it is not mounted, mount it
#                          (trace-cmd would, and so would vsockdiag record) and remember to
#                          unmount it; suite_skip when that fails
#   tracefs_release        unmount it if tracefs_ensure mounted it, and debugfs if it was not
#                          mounted then and is now (trace-cmd mounts it): call it from the EXIT trap

VD_TRACEFS=/sys/kernel/tracing
VD_TRACEFS_MOUNTED=
VD_DEBUGFS_UNMOUNTED=

suite_skip() {
	if [[ -n ${CI:-} ]]; then
		echo "FAIL $1: $2 (CI must run it)"
		echo "$1: 0 passed, 1 failed"
		exit 1
	fi
	echo "SKIP $1: $2"
	exit 0
}

suite_need_root() {
	[[ $(id -u) -eq 0 ]] || suite_skip "$1" "needs root (run it with sudo)"
}

tracefs_ensure() {
	[[ -d $VD_TRACEFS/instances ]] && return 0
	# trace-cmd mounts debugfs too when it finds tracefs mounted by hand: undone at exit
	mountpoint -q /sys/kernel/debug || VD_DEBUGFS_UNMOUNTED=1
	if ! grep -qw tracefs /proc/filesystems; then
		suite_skip "$1" "this kernel has no tracefs (needs CONFIG_TRACING)"
	fi
	mount -t tracefs nodev $VD_TRACEFS 2>/dev/null && VD_TRACEFS_MOUNTED=1
	[[ -d $VD_TRACEFS/instances ]] || suite_skip "$1" "cannot mount tracefs on $VD_TRACEFS"
	echo "note: $1: tracefs was not mounted: mounted it on $VD_TRACEFS (unmounted at exit)"
}

tracefs_release() {
	[[ -n $VD_TRACEFS_MOUNTED ]] || return 0
	VD_TRACEFS_MOUNTED=
	umount $VD_TRACEFS 2>/dev/null ||
		echo "note: could not unmount $VD_TRACEFS (busy): umount $VD_TRACEFS to undo"
	if [[ -n $VD_DEBUGFS_UNMOUNTED ]] && mountpoint -q /sys/kernel/debug; then
		umount /sys/kernel/debug 2>/dev/null ||
			echo "note: could not unmount /sys/kernel/debug (busy): umount /sys/kernel/debug to undo"
	fi
}
