/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the root test programs (bpf-test, live-test) need before they start,
 * the C twin of tests/root_env.sh: root, and tracefs at /sys/kernel/tracing,
 * mounted here when it is not (and unmounted at exit: the machine is left as
 * it was found). Outside CI a missing requirement is one line, "SKIP SUITE:
 * WHY", and exit 0; under CI (CI set) it is a failure.
 */
#ifndef VD_TEST_ROOT_ENV_H
#define VD_TEST_ROOT_ENV_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define VT_TRACEFS "/sys/kernel/tracing"

static bool vt_tracefs_mounted;
static pid_t vt_tracefs_mounter; /* a forked child's exit() must not unmount it */

static void vt_tracefs_release(void)
{
	if (!vt_tracefs_mounted || getpid() != vt_tracefs_mounter)
		return;
	vt_tracefs_mounted = false;
	if (umount(VT_TRACEFS))
		printf("note: could not unmount " VT_TRACEFS " (%s): umount " VT_TRACEFS
		       " to undo\n",
		       strerror(errno));
}

/* the exit status for a suite that cannot run: 0 outside CI, 1 under CI */
static int vt_cannot_run(const char *suite, const char *why)
{
	if (getenv("CI")) {
		printf("FAIL %s: %s (CI must run it)\n%s: 0 passed, 1 failed\n", suite, why, suite);
		return 1;
	}
	printf("SKIP %s: %s\n", suite, why);
	return 0;
}

/* true: go on; false: exit with *status (said on stdout already) */
static bool vt_root_env(const char *suite, int *status)
{
	struct stat st;
	char why[160];

	if (geteuid() != 0) {
		*status = vt_cannot_run(suite, "needs root (run it with sudo)");
		return false;
	}
	if (!stat(VT_TRACEFS "/instances", &st))
		return true;
	if (mount("nodev", VT_TRACEFS, "tracefs", 0, NULL) || stat(VT_TRACEFS "/instances", &st)) {
		snprintf(why, sizeof(why),
			 "cannot mount tracefs on " VT_TRACEFS " (%s; the kernel needs "
			 "CONFIG_TRACING)",
			 strerror(errno));
		*status = vt_cannot_run(suite, why);
		return false;
	}
	vt_tracefs_mounted = true;
	vt_tracefs_mounter = getpid();
	atexit(vt_tracefs_release);
	printf("note: %s: tracefs was not mounted: mounted it on " VT_TRACEFS
	       " (unmounted at exit)\n",
	       suite);
	return true;
}

#endif /* VD_TEST_ROOT_ENV_H */
