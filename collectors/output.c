// SPDX-License-Identifier: GPL-2.0
/*
 * The trace.dat v6 writer (see output.h for the life of a recording): FILE
 * claimed and given its headers at start, or removed when the recording
 * never started.  FILE.parts/ is output_parts.c; stop and --recover are
 * output_finish.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "events.h"
#include "output.h"
#include "output_internal.h"
#include "tcmd_api.h"

/* Claim FILE without following a symlink and without clobbering unless asked. */
static int claim_output(const char *path, bool force, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (!lstat(path, &st)) {
		if (S_ISLNK(st.st_mode)) {
			snprintf(err, errlen,
				 "%s is a symbolic link: refusing to write through it "
				 "(remove it or pick another file name)",
				 path);
			return -ELOOP;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen,
				 "%s exists and is not a regular file: pick another file name",
				 path);
			return -EEXIST;
		}
		if (!force) {
			snprintf(err, errlen,
				 "%s exists: pass --force to replace it, or pick "
				 "another file name",
				 path);
			return -EEXIST;
		}
		if (unlink(path)) {
			snprintf(err, errlen, "cannot replace %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	/* O_EXCL|O_NOFOLLOW: a symlink planted after the lstat still fails */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot create %s: %s", path, strerror(e));
		return -e;
	}
	return fd;
}

/*
 * One attempt at FILE's headers on a handle of its own (a dup of d->fd: the
 * handle closes what it was given). On success the handle owns FILE: d->fd
 * becomes its descriptor, as the rest of the writer expects.
 */
static int start_headers(struct vd_dat *d, const char *path, const char *clock,
			 struct tracecmd_event_list *list, char *err, size_t errlen)
{
	int wfd = dup(d->fd), ret;
	struct tracecmd_output *out;

	if (wfd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	out = tracecmd_output_create_fd(wfd);
	if (!out) {
		ret = -errno ?: -ENOMEM;
		close(wfd);
		snprintf(err, errlen, "libtracecmd could not start %s", path);
		return ret == -EINVAL ? -ENOMEM : ret;
	}
	/* libtracecmd 1.3 defaults to v7; v6 is what every trace-cmd and KernelShark reads */
	if (tracecmd_output_set_version(out, 6)) {
		tracecmd_output_free(out);
		snprintf(err, errlen, "libtracecmd refuses file version 6");
		return -ENOTSUP;
	}
	tracecmd_set_quiet(out, true);
	/* the flyrecord section names the instance's clock, not the top instance's */
	tracecmd_set_out_clock(out, clock);
	errno = 0;
	/* its own complaint about a changing kallsyms is ours to handle (and say) */
	tracecmd_set_loglevel(TEP_LOG_NONE);
	ret = tracecmd_output_write_headers(out, list);
	tracecmd_set_loglevel(TEP_LOG_WARNING);
	if (ret) {
		ret = -errno ?: -EIO;
		snprintf(err, errlen, "writing the headers of %s failed: %s%s", path,
			 strerror(-ret), ret == -ENOSPC ? " (the file system is full)" : "");
		tracecmd_output_free(out); /* closes wfd */
		return ret;
	}
	close(d->fd);
	d->fd = wfd;
	d->out = out;
	return 0;
}

int vd_dat_create(struct vd_dat *d, const char *path, bool force, const struct vd_events *ev,
		  const char *clock, const struct vd_dat_option *opts, int nopts, char *err,
		  size_t errlen)
{
	struct tracecmd_event_list *list = NULL;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = d->parts_fd = -1;
	d->path = vd_xstrdup(path);
	d->parts = vd_dat_parts_name(path);
	snprintf(d->clock, sizeof(d->clock), "%s", clock);

	ret = claim_output(path, force, err, errlen);
	if (ret < 0)
		goto err_free;
	d->fd = ret;
	ret = vd_dat_parts_claim(d->parts, force, err, errlen);
	if (ret < 0)
		goto err_file;
	d->parts_fd = ret;
	ret = vd_dat_parts_reserve(d->parts_fd);
	if (!ret) {
		/* saved as "clock" (not an option id): recovery sets the flyrecord clock from it */
		char name[] = "clock";
		int fd = openat(d->parts_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		ret = fd < 0 ? -errno : vd_pwrite_all(fd, clock, strlen(clock), 0);
		if (fd >= 0)
			close(fd);
	}
	for (int i = 0; i < nopts && !ret; i++)
		ret = vd_dat_parts_save_option(d->parts_fd, &opts[i]);
	if (ret) {
		snprintf(err, errlen, "cannot write into %s: %s", d->parts, strerror(-ret));
		goto err_parts;
	}

	/* only the formats of what we record (plus ftrace's own, always written) */
	for (int i = ev->nr - 1; i >= 0; i--) {
		struct tracecmd_event_list *e = vd_xcalloc(1, sizeof(*e));

		e->glob = ev->globs[i];
		e->next = list;
		list = e;
	}
	/*
	 * libtracecmd reads /proc/kallsyms twice (size, then copy) and fails with
	 * EINVAL when it changed in between: BPF trampolines and programs freed
	 * after an RCU grace period leave it while the recorder starts. Start
	 * over on a fresh handle a few times; it settles within milliseconds.
	 */
	for (int attempt = 0;; attempt++) {
		ret = start_headers(d, path, clock, list, err, errlen);
		if (ret != -EINVAL || attempt == 4)
			break;
		vd_dbg("kallsyms changed while %s was written: writing its headers again", path);
		if (ftruncate(d->fd, 0) || lseek(d->fd, 0, SEEK_SET) < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot rewrite the headers of %s: %s", path,
				 strerror(errno));
			break;
		}
		usleep(100 * 1000);
	}
	if (ret)
		goto err_parts;
	ret = 0;
	goto out_list;

err_parts:
	vd_dat_parts_remove(d->parts_fd, d->parts);
	close(d->parts_fd);
	d->parts_fd = -1;
err_file:
	if (d->fd >= 0 && !d->out)
		close(d->fd);
	d->fd = -1;
	unlink(path);
err_free:
	free(d->path);
	free(d->parts);
	d->path = d->parts = NULL;
out_list:
	while (list) {
		struct tracecmd_event_list *next = list->next;

		free(list);
		list = next;
	}
	return ret;
}

void vd_dat_abort(struct vd_dat *d)
{
	if (!d->path)
		return;
	if (d->out)
		tracecmd_output_close(d->out);
	else if (d->fd >= 0)
		close(d->fd);
	unlink(d->path);
	if (d->parts_fd >= 0) {
		vd_dat_parts_remove(d->parts_fd, d->parts);
		close(d->parts_fd);
	}
	free(d->path);
	free(d->parts);
	memset(d, 0, sizeof(*d));
	d->fd = d->parts_fd = -1;
}
