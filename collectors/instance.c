// SPDX-License-Identifier: GPL-2.0
/* The private tracefs instance: create, destroy, and clean up after crashed runs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tracefs.h>

#include "common/log.h"
#include "common/util.h"
#include "instance.h"

#define TRACEFS_DIR "/sys/kernel/tracing"
#define DEBUGFS_DIR "/sys/kernel/debug"

/* the tracing directory with an instances/ directory in it, or NULL */
static const char *tracefs_found(void)
{
	static const char *const dirs[] = { TRACEFS_DIR, DEBUGFS_DIR "/tracing" };
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char path[64];

		snprintf(path, sizeof(path), "%s/instances", dirs[i]);
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			return dirs[i];
	}
	return NULL;
}

/* does this kernel know the file system @type (/proc/filesystems)? */
static bool fs_known(const char *type)
{
	char line[128];
	bool known = false;
	FILE *f = fopen("/proc/filesystems", "re");

	if (!f)
		return true; /* cannot tell: let mount(2) say */
	while (!known && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, '\t');

		name = name ? name + 1 : line;
		name[strcspn(name, "\n")] = '\0';
		known = !strcmp(name, type);
	}
	fclose(f);
	return known;
}

/*
 * What trace-cmd does when tracefs is not mounted (through libtracefs): mount
 * tracefs on /sys/kernel/tracing, or else debugfs on /sys/kernel/debug (whose
 * tracing/ the kernel then mounts itself). Done by hand: libtracefs 1.6's
 * tracefs_tracing_dir_is_mounted(true, NULL) leaks the path it mounted
 * (LeakSanitizer in the sanitizer build). Returns the tracing directory or
 * NULL with errno from the last mount(2).
 */
static const char *tracefs_mount(void)
{
	const char *dir;
	int saved = ENODEV;

	if (mount("nodev", TRACEFS_DIR, "tracefs", 0, NULL))
		saved = errno;
	else if ((dir = tracefs_found()))
		return dir;
	if (!mount("nodev", DEBUGFS_DIR, "debugfs", 0, NULL) && (dir = tracefs_found()))
		return dir;
	errno = saved;
	return NULL;
}

int vd_tracefs_check(char *err, size_t errlen)
{
	static bool checked;
	const char *dir;

	if (geteuid() != 0) {
		snprintf(err, errlen,
			 "recording needs root (tracefs is root-only): run it with sudo");
		return -EPERM;
	}
	if (checked || tracefs_found()) {
		checked = true;
		return 0;
	}
	dir = tracefs_mount();
	if (!dir) {
		int e = errno ?: ENODEV;

		if (!fs_known("tracefs") && !fs_known("debugfs"))
			snprintf(err, errlen,
				 "this kernel has no tracefs: recording needs a kernel built "
				 "with CONFIG_TRACING (CONFIG_FTRACE=y)");
		else
			snprintf(err, errlen,
				 "tracefs is not mounted and mounting it failed (%s): "
				 "mount -t tracefs nodev " TRACEFS_DIR
				 " (in a container: mount it on the host and bind-mount it in)",
				 strerror(e));
		return -e;
	}
	/* trace-cmd leaves it mounted too: say so, and how to undo it */
	if (!strcmp(dir, TRACEFS_DIR))
		vd_warn("tracefs was not mounted: mounted it on " TRACEFS_DIR
			" (as trace-cmd does); umount " TRACEFS_DIR " to undo");
	else
		vd_warn("tracefs was not mounted: mounted debugfs on " DEBUGFS_DIR
			" (as trace-cmd does); umount " DEBUGFS_DIR "/tracing " DEBUGFS_DIR
			" to undo");
	checked = true;
	return 0;
}

/* Does @pid still run a vsockdiag? A recycled pid running something else does not count. */
static bool recorder_alive(long pid)
{
	char path[64], comm[32] = "";
	ssize_t n;
	int fd;

	if (kill((pid_t)pid, 0) && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return !strcmp(comm, "vsockdiag");
}

static int destroy_by_name(const char *name)
{
	struct tracefs_instance *inst = tracefs_instance_alloc(NULL, name);

	if (!inst)
		return -errno ?: -ENOMEM;
	return vd_instance_destroy(inst);
}

/*
 * Our instances' names, listed by hand: libtracefs 1.6's tracefs_instances()
 * compiles its pattern with regcomp() and never frees it, which fails every
 * sanitizer run.  NULL-terminated, free with tracefs_list_free().
 */
static char **our_instances(void)
{
	char *dir = tracefs_get_tracing_file("instances");
	char **names = NULL;
	struct dirent *de;
	DIR *d;

	if (!dir)
		return NULL;
	d = opendir(dir);
	tracefs_put_tracing_file(dir);
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, VD_INSTANCE_PREFIX, strlen(VD_INSTANCE_PREFIX)))
			continue;
		names = tracefs_list_add(names, de->d_name);
		if (!names)
			break;
	}
	closedir(d);
	return names;
}

int vd_instance_clean_stale(void)
{
	char **names = our_instances();
	int removed = 0;

	if (!names)
		return 0;
	for (int i = 0; names[i]; i++) {
		const char *num = names[i] + strlen(VD_INSTANCE_PREFIX);
		/* "vsockdiag-PID" or "vsockdiag-PID-SUFFIX" (the live collector's) */
		size_t digits = strspn(num, "0123456789");
		uint64_t pid;

		if ((num[digits] && num[digits] != '-') || vd_parse_u64(num, digits, 10, &pid) ||
		    pid > INT32_MAX)
			continue;
		if ((pid_t)pid == getpid() || recorder_alive((long)pid))
			continue;
		/* a live recorder keeps trace_pipe_raw open: rmdir fails with EBUSY, no harm */
		if (destroy_by_name(names[i])) {
			vd_warn("could not remove the stale tracefs instance %s left by a "
				"crashed run: rmdir /sys/kernel/tracing/instances/%s",
				names[i], names[i]);
			continue;
		}
		vd_info("removed the tracefs instance %s left by a vsockdiag run that died "
			"(pid %llu)",
			names[i], (unsigned long long)pid);
		removed++;
	}
	tracefs_list_free(names);
	return removed;
}

int vd_instance_create(struct tracefs_instance **out)
{
	return vd_instance_create_named(NULL, out);
}

int vd_instance_create_named(const char *suffix, struct tracefs_instance **out)
{
	struct tracefs_instance *inst;
	char name[64];
	int ret;

	if (suffix)
		snprintf(name, sizeof(name), VD_INSTANCE_PREFIX "%d-%s", (int)getpid(), suffix);
	else
		snprintf(name, sizeof(name), VD_INSTANCE_PREFIX "%d", (int)getpid());
	/* our own pid in the name means a dead run had it: its instance is stale */
	if (tracefs_instance_exists(name)) {
		ret = destroy_by_name(name);
		if (ret)
			return ret;
	}
	inst = tracefs_instance_create(name);
	if (!inst)
		return -errno ?: -EIO;
	if (!tracefs_instance_is_new(inst)) {
		tracefs_instance_free(inst);
		return -EEXIST;
	}
	/* a new instance starts with tracing on: nothing is enabled yet, but be explicit */
	tracefs_trace_off(inst);
	*out = inst;
	return 0;
}

int vd_instance_destroy(struct tracefs_instance *inst)
{
	int ret = 0;

	if (!inst)
		return 0;
	tracefs_trace_off(inst);
	if (tracefs_instance_destroy(inst))
		ret = -errno ?: -EIO;
	tracefs_instance_free(inst);
	return ret;
}

int vd_instance_page_size(struct tracefs_instance *inst)
{
	struct tracefs_cpu *probe = tracefs_cpu_open(inst, 0, true);
	int size;

	if (!probe)
		return -errno ?: -EIO;
	size = tracefs_cpu_read_size(probe);
	tracefs_cpu_close(probe);
	return size > 0 ? size : -EIO;
}

int vd_instance_raw_open(struct tracefs_instance *inst, int cpu)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "per_cpu/cpu%d/trace_pipe_raw", cpu);
	fd = tracefs_instance_file_open(inst, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return fd >= 0 ? fd : -errno ?: -EIO;
}
