// SPDX-License-Identifier: GPL-2.0
/*
 * FILE.parts/, where a recording keeps what FILE gets at stop (output.h):
 * its name, claiming it, the space reserve, the options saved at start and
 * reading them back, and removing it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "output.h"
#include "output_internal.h"

int vd_dat_parts_reserve(int dirfd)
{
	static const char zero[64 * 1024];
	int fd, ret = 0;

	fd = openat(dirfd, "reserve", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* real blocks, not a sparse promise: tmpfs and ext4 both honour written zeros */
	for (off_t off = 0; off < RESERVE_BYTES && !ret; off += sizeof(zero))
		ret = vd_pwrite_all(fd, zero, sizeof(zero), off);
	close(fd);
	return ret;
}

int vd_dat_save_option(const struct vd_dat *d, const struct vd_dat_option *o)
{
	return vd_dat_parts_save_option(d->parts_fd, o);
}

int vd_dat_parts_save_option(int dirfd, const struct vd_dat_option *o)
{
	char name[32];
	int fd, ret;

	snprintf(name, sizeof(name), "opt-%04x", o->id);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = vd_pwrite_all(fd, o->text, strlen(o->text), 0);
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

/* A directory stream on FILE.parts/ that leaves dirfd open; NULL on failure. */
DIR *vd_dat_parts_dir(int dirfd)
{
	int fd = dup(dirfd);
	DIR *dir;

	if (fd < 0)
		return NULL;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return NULL;
	}
	/* a dup shares the directory offset with every earlier reader: start over */
	rewinddir(dir);
	return dir;
}

/* Empty FILE.parts/ and remove it: only the names we create live there. */
void vd_dat_parts_remove(int dirfd, const char *parts)
{
	DIR *dir = vd_dat_parts_dir(dirfd);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (!strncmp(de->d_name, "cpu", 3) || !strncmp(de->d_name, "opt-", 4) ||
		    !strcmp(de->d_name, "reserve") || !strcmp(de->d_name, "clock"))
			unlinkat(dirfd, de->d_name, 0);
	}
	closedir(dir);
	if (rmdir(parts))
		vd_warn("could not remove %s: %s", parts, strerror(errno));
}

char *vd_dat_parts_name(const char *path)
{
	char *p = vd_xcalloc(1, strlen(path) + sizeof(".parts"));

	sprintf(p, "%s.parts", path);
	return p;
}

int vd_dat_parts_claim(const char *parts, bool force, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (!lstat(parts, &st)) {
		if (!S_ISDIR(st.st_mode) || !force) {
			snprintf(err, errlen,
				 "%s exists: a recording was killed before it finished. "
				 "'vsockdiag record --recover -o FILE' completes it; --force "
				 "discards it",
				 parts);
			return -EEXIST;
		}
		fd = open(parts, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			vd_dat_parts_remove(fd, parts);
			close(fd);
		}
	}
	if (mkdir(parts, 0700)) {
		int e = errno;

		snprintf(err, errlen, "cannot create %s: %s", parts, strerror(e));
		return -e;
	}
	fd = open(parts, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		rmdir(parts);
		snprintf(err, errlen, "cannot open %s: %s", parts, strerror(e));
		return -e;
	}
	return fd;
}

/* The text of a saved start option, or NULL. */
char *vd_dat_parts_read(int dirfd, const char *name)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size > 16 * 1024 * 1024)
		goto out;
	buf = vd_xcalloc(1, (size_t)st.st_size + 1);
	n = pread(fd, buf, (size_t)st.st_size, 0);
	if (n < 0) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
out:
	close(fd);
	return buf;
}

int vd_dat_parts_count(int dirfd)
{
	char name[32];
	int n = 0;

	for (;; n++) {
		snprintf(name, sizeof(name), "cpu%d", n);
		if (faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW))
			return n;
	}
}
