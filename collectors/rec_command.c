// SPDX-License-Identifier: GPL-2.0
/*
 * The command `vsockdiag record -- COMMAND` runs while it records: looked up
 * before anything is created (a command that cannot run leaves nothing
 * behind), spawned once tracing is on, polled by the capture loop, and
 * stopped (SIGTERM, then SIGKILL) when the recording ends first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "rec_internal.h"
#include "record.h"

/* stopped by a signal, the command (same process group: Ctrl-C) may be leaving by itself */
#define CMD_OWN_EXIT_MS 200

static int check_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode) || access(path, X_OK))
		return -EACCES;
	return 0;
}

int vd_record_check_command(const char *file, char *err, size_t errlen)
{
	const char *path, *p;
	int ret, seen = -ENOENT;

	if (!file || !*file) {
		snprintf(err, errlen, "no command after '--': write 'record [OPTIONS] -- COMMAND'");
		return -EINVAL;
	}
	if (strchr(file, '/')) {
		ret = check_exec(file);
		if (ret)
			snprintf(err, errlen, "cannot run the command '%s': %s%s", file,
				 strerror(-ret), ret == -ENOENT ? "" : " (not an executable file)");
		return ret;
	}
	/* execvp()'s search: each PATH entry ("" is the current directory) */
	path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path;; p++) {
		size_t n = strcspn(p, ":");
		char full[4096];

		if ((size_t)snprintf(full, sizeof(full), "%.*s%s%s", (int)n, p, n ? "/" : "",
				     file) < sizeof(full)) {
			ret = check_exec(full);
			if (!ret)
				return 0;
			if (ret != -ENOENT && ret != -ENOTDIR)
				seen = ret;
		}
		p += n;
		if (!*p)
			break;
	}
	if (seen == -ENOENT)
		snprintf(err, errlen, "cannot run the command '%s': not found in PATH", file);
	else
		snprintf(err, errlen, "cannot run the command '%s': %s", file, strerror(-seen));
	return seen;
}

static void put(char *buf, size_t len, size_t *at, const char *s)
{
	for (; *s && *at + 1 < len; s++)
		buf[(*at)++] = *s;
	buf[*at] = '\0';
}

void vd_record_argv_text(char *const *argv, char *buf, size_t len)
{
	size_t at = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (int i = 0; argv && argv[i]; i++) {
		const char *a = argv[i];
		bool quote = !*a || strpbrk(a, " \t\n'\"\\$`*?[]{}()<>|&;#~!") != NULL;

		put(buf, len, &at, i ? " " : "");
		put(buf, len, &at, quote ? "'" : "");
		for (; *a; a++) {
			char c[2] = { *a, '\0' };

			put(buf, len, &at, *a == '\'' ? "'\\''" : c);
		}
		put(buf, len, &at, quote ? "'" : "");
	}
}

int *vd_rec_open_fds(int *n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int *fds = NULL, cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || fd == dirfd(d))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			fds = vd_xrealloc(fds, (size_t)cap, sizeof(*fds));
		}
		fds[(*n)++] = (int)fd;
	}
	closedir(d);
	return fds;
}

/*
 * The descriptors open when record started are the caller's and the command
 * inherits them; the ones record opened since (the trace.dat, libraries') must
 * not leak into it: close-on-exec for each of those.
 */
void vd_rec_cloexec_since(const int *had, int nhad)
{
	int n, *now = vd_rec_open_fds(&n);

	for (int i = 0; i < n; i++) {
		bool old = false;

		for (int k = 0; k < nhad && !old; k++)
			old = had[k] == now[i];
		if (!old && now[i] > 2) {
			int fl = fcntl(now[i], F_GETFD);

			if (fl >= 0 && !(fl & FD_CLOEXEC))
				fcntl(now[i], F_SETFD, fl | FD_CLOEXEC);
		}
	}
	free(now);
}

/*
 * Started once tracing is on, in record's process group (Ctrl-C in a terminal
 * reaches it too) with stdin/stdout/stderr, the caller's signal mask and the
 * signals record handles back at their default.
 */
int vd_rec_command_start(char *const *argv, const sigset_t *mask, const sigset_t *handled,
			 struct vd_record_command *cmd, char *err, size_t errlen)
{
	posix_spawnattr_t attr;
	sigset_t def = *handled;
	pid_t pid;
	int ret;

	sigaddset(&def, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setsigmask(&attr, mask);
	ret = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (ret) {
		snprintf(err, errlen, "cannot run the command '%s': %s", argv[0], strerror(ret));
		return -ret;
	}
	memset(cmd, 0, sizeof(*cmd));
	cmd->pid = pid;
	return 0;
}

bool vd_rec_command_poll(struct vd_record_command *cmd)
{
	int status;

	if (!cmd->pid || cmd->reaped)
		return cmd->reaped;
	if (waitpid(cmd->pid, &status, WNOHANG) == cmd->pid) {
		cmd->status = status;
		cmd->reaped = true;
	}
	return cmd->reaped;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static bool command_wait(struct vd_record_command *cmd, unsigned int ms)
{
	for (unsigned int t = 0;; t += 10) {
		if (vd_rec_command_poll(cmd))
			return true;
		if (t >= ms)
			return false;
		sleep_ms(10);
	}
}

/* Tracing is still on meanwhile, so the command's end is in the file. */
void vd_rec_command_stop(struct vd_record_command *cmd, bool by_signal)
{
	if (!cmd->pid || cmd->reaped)
		return;
	if (by_signal && command_wait(cmd, CMD_OWN_EXIT_MS))
		return;
	vd_info("stopping the command (pid %d): SIGTERM", cmd->pid);
	kill(cmd->pid, SIGTERM);
	cmd->terminated = true;
	if (command_wait(cmd, VD_RECORD_CMD_GRACE_MS))
		return;
	vd_warn("the command (pid %d) outlived SIGTERM by %d ms: SIGKILL", cmd->pid,
		VD_RECORD_CMD_GRACE_MS);
	kill(cmd->pid, SIGKILL);
	cmd->killed = true;
	while (waitpid(cmd->pid, &cmd->status, 0) < 0 && errno == EINTR)
		;
	cmd->reaped = true;
}
