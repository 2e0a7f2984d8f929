// SPDX-License-Identifier: GPL-2.0
/* The trace.dat v6 writer (see output.h for the life of a recording). */
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
#include "events.h"
#include "meta.h"
#include "output.h"
#include "tcmd_api.h"

/* Freed first at stop, so that a disk filled by the capture has room to finish FILE. */
#define RESERVE_BYTES (1024 * 1024)
/* Copy unit from part file to FILE: below the reserve, so the first one always fits. */
#define COPY_CHUNK (256 * 1024)

static int save_option(int dirfd, const struct vd_dat_option *o);

static int make_reserve(int dirfd)
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
	return save_option(d->parts_fd, o);
}

static int save_option(int dirfd, const struct vd_dat_option *o)
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
static DIR *parts_dir(int dirfd)
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
static void remove_parts(int dirfd, const char *parts)
{
	DIR *dir = parts_dir(dirfd);
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

static char *parts_name(const char *path)
{
	char *p = vd_xcalloc(1, strlen(path) + sizeof(".parts"));

	sprintf(p, "%s.parts", path);
	return p;
}

/* Claim FILE without following a symlink and without clobbering unless asked. */
static int claim_output(const char *path, bool force, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (!lstat(path, &st)) {
		if (S_ISLNK(st.st_mode)) {
			snprintf(err, errlen,
				 "%s is a symbolic link: refusing to write through it "
				 "(remove it or pick another -o)",
				 path);
			return -ELOOP;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen,
				 "%s exists and is not a regular file: pick another -o", path);
			return -EEXIST;
		}
		if (!force) {
			snprintf(err, errlen,
				 "%s exists: pass --force to replace it, or pick "
				 "another -o",
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

static int claim_parts(const char *parts, bool force, char *err, size_t errlen)
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
			remove_parts(fd, parts);
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

int vd_dat_create(struct vd_dat *d, const char *path, bool force, const struct vd_events *ev,
		  const char *clock, const struct vd_dat_option *opts, int nopts, char *err,
		  size_t errlen)
{
	struct tracecmd_event_list *list = NULL;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = d->parts_fd = -1;
	d->path = vd_xstrdup(path);
	d->parts = parts_name(path);
	snprintf(d->clock, sizeof(d->clock), "%s", clock);

	ret = claim_output(path, force, err, errlen);
	if (ret < 0)
		goto err_free;
	d->fd = ret;
	ret = claim_parts(d->parts, force, err, errlen);
	if (ret < 0)
		goto err_file;
	d->parts_fd = ret;
	ret = make_reserve(d->parts_fd);
	if (!ret) {
		/* saved as "clock" (not an option id): recovery sets the flyrecord clock from it */
		char name[] = "clock";
		int fd = openat(d->parts_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		ret = fd < 0 ? -errno : vd_pwrite_all(fd, clock, strlen(clock), 0);
		if (fd >= 0)
			close(fd);
	}
	for (int i = 0; i < nopts && !ret; i++)
		ret = save_option(d->parts_fd, &opts[i]);
	if (ret) {
		snprintf(err, errlen, "cannot write into %s: %s", d->parts, strerror(-ret));
		goto err_parts;
	}

	d->out = tracecmd_output_create_fd(d->fd);
	if (!d->out) {
		ret = -errno ?: -ENOMEM;
		snprintf(err, errlen, "libtracecmd could not start %s", path);
		goto err_parts;
	}
	/* libtracecmd 1.3 defaults to v7; v6 is what every trace-cmd and KernelShark reads */
	if (tracecmd_output_set_version(d->out, 6)) {
		ret = -EINVAL;
		snprintf(err, errlen, "libtracecmd refuses file version 6");
		goto err_out;
	}
	tracecmd_set_quiet(d->out, true);
	/* the flyrecord section names the instance's clock, not the top instance's */
	tracecmd_set_out_clock(d->out, clock);
	/* only the formats of what we record (plus ftrace's own, always written) */
	for (int i = ev->nr - 1; i >= 0; i--) {
		struct tracecmd_event_list *e = vd_xcalloc(1, sizeof(*e));

		e->glob = ev->globs[i];
		e->next = list;
		list = e;
	}
	errno = 0;
	if (tracecmd_output_write_headers(d->out, list)) {
		ret = -errno ?: -EIO;
		snprintf(err, errlen, "writing the headers of %s failed: %s%s", path,
			 strerror(-ret), ret == -ENOSPC ? " (the file system is full)" : "");
		goto err_out;
	}
	ret = 0;
	goto out_list;

err_out:
	/* the handle closes FILE's fd */
	tracecmd_output_free(d->out);
	d->out = NULL;
err_parts:
	remove_parts(d->parts_fd, d->parts);
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
		remove_parts(d->parts_fd, d->parts);
		close(d->parts_fd);
	}
	free(d->path);
	free(d->parts);
	memset(d, 0, sizeof(*d));
	d->fd = d->parts_fd = -1;
}

/* The text of a saved start option, or NULL. */
static char *read_saved(int dirfd, const char *name)
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

static void add_option_text(struct tracecmd_output *out, unsigned short id, const char *text)
{
	tracecmd_add_option(out, id, (int)strlen(text) + 1, text);
}

/* Options saved at start, unless the caller brings a newer text for the same id. */
static void add_saved_options(struct tracecmd_output *out, int dirfd,
			      const struct vd_dat_option *opts, int nopts)
{
	DIR *dir = parts_dir(dirfd);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		unsigned long id;
		char *end, *text;
		bool newer = false;

		if (strncmp(de->d_name, "opt-", 4))
			continue;
		id = strtoul(de->d_name + 4, &end, 16);
		if (*end || id > 0xffff)
			continue;
		for (int i = 0; i < nopts; i++)
			newer |= opts[i].id == id;
		if (newer)
			continue;
		text = read_saved(dirfd, de->d_name);
		if (text)
			add_option_text(out, (unsigned short)id, text);
		free(text);
	}
	closedir(dir);
}

/*
 * Move one part file into FILE at @off: copy a chunk, then punch it out of the
 * part file, so the two never need the space twice. Returns the bytes moved
 * (whole pages); stops early, with a warning, if FILE's disk is full.
 */
static int64_t move_part(int wfd, off_t off, int pfd, int64_t size, int page, bool *punch_ok,
			 const char *path, int cpu)
{
	char *buf = vd_xcalloc(1, COPY_CHUNK);
	int64_t done = 0;

	while (done < size) {
		size_t len = (size_t)VD_MIN((int64_t)COPY_CHUNK, size - done);
		ssize_t n = pread(pfd, buf, len, done);
		int ret;

		if (n <= 0)
			break;
		n -= n % page;
		if (!n)
			break;
		ret = vd_pwrite_all(wfd, buf, (size_t)n, off + done);
		if (ret) {
			vd_warn("CPU %d: %s while writing %s: its last %lld bytes are left out "
				"(the file stays valid)",
				cpu, strerror(-ret), path, (long long)(size - done));
			break;
		}
		if (*punch_ok &&
		    fallocate(pfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, done, n))
			*punch_ok = false; /* file system without hole punching: plain copy */
		done += n;
	}
	free(buf);
	return done;
}

static int write_flyrecord(struct vd_dat *d, int ncpus, int page, char *err, size_t errlen)
{
	uint64_t *table = vd_xcalloc((size_t)ncpus * 2, sizeof(uint64_t));
	char clockstr[48];
	uint64_t clen;
	bool punch_ok = true;
	off_t pos, tpos;
	int ret;

	/* v6: "flyrecord\0", {offset, size} per CPU, then the clock as [name] with its length */
	pos = lseek(d->fd, 0, SEEK_END);
	if (pos < 0) {
		ret = -errno;
		goto out;
	}
	ret = vd_pwrite_all(d->fd, "flyrecord", 10, pos);
	if (ret)
		goto out_err;
	tpos = pos + 10;
	ret = vd_pwrite_all(d->fd, table, (size_t)ncpus * 16, tpos);
	if (ret)
		goto out_err;
	pos = tpos + (off_t)ncpus * 16;
	clen = (uint64_t)snprintf(clockstr, sizeof(clockstr), "[%s]", d->clock);
	ret = vd_pwrite_all(d->fd, &clen, 8, pos);
	if (!ret)
		ret = vd_pwrite_all(d->fd, clockstr, clen, pos + 8);
	if (ret)
		goto out_err;
	pos += 8 + (off_t)clen;

	for (int cpu = 0; cpu < ncpus; cpu++) {
		char name[32];
		struct stat st;
		int pfd;

		pos = (pos + page - 1) & ~(off_t)(page - 1);
		table[cpu * 2] = (uint64_t)pos;
		snprintf(name, sizeof(name), "cpu%d", cpu);
		pfd = openat(d->parts_fd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (pfd < 0)
			continue; /* no part file: an empty CPU */
		if (!fstat(pfd, &st) && st.st_size > 0)
			table[cpu * 2 + 1] = (uint64_t)move_part(d->fd, pos, pfd, st.st_size, page,
								 &punch_ok, d->path, cpu);
		close(pfd);
		pos += (off_t)table[cpu * 2 + 1];
	}
	ret = vd_pwrite_all(d->fd, table, (size_t)ncpus * 16, tpos);
	if (ret)
		goto out_err;
	/* the table is what makes the pages reachable: it must be on disk for a valid file */
	if (fsync(d->fd)) {
		ret = -errno;
		goto out_err;
	}
	goto out;
out_err:
	snprintf(err, errlen, "writing the trace data of %s failed: %s", d->path, strerror(-ret));
out:
	free(table);
	return ret;
}

/*
 * libtracecmd copies saved_cmdlines by measuring the file, writing that size,
 * then copying it again: when a process is born between the two reads (any
 * busy machine) the section is torn and the call fails (trace-cmd 3.1.6
 * "error in size of file"). The file offset and state are untouched by a
 * failure, so cut the torn bytes off and try again.
 */
static int write_cmdlines(struct vd_dat *d, char *err, size_t errlen)
{
	off_t start = lseek(d->fd, 0, SEEK_CUR);
	int ret = -EIO;

	if (start < 0)
		return -errno;
	tracecmd_set_loglevel(TEP_LOG_CRITICAL); /* its warning on a torn copy is expected */
	/* up to ~1 s: the file only changes while something traces sched events */
	for (int i = 0; i < 100; i++) {
		uint64_t size = 0;
		off_t end;

		errno = 0;
		ret = tracecmd_write_cmdlines(d->out) ? (-errno ?: -EIO) : 0;
		/*
		 * Check the section itself (8-byte size, then the text): the 3.1.6
		 * library was seen to return success with a torn copy.
		 */
		end = lseek(d->fd, 0, SEEK_CUR);
		if (!ret && (end < start + 8 || pread(d->fd, &size, 8, start) != 8 ||
			     size != (uint64_t)(end - start - 8)))
			ret = -EINVAL;
		if (!ret)
			break;
		if (ret == -ENOSPC || ftruncate(d->fd, start) || lseek(d->fd, start, SEEK_SET) < 0)
			break;
		usleep(10000);
	}
	tracecmd_set_loglevel(TEP_LOG_WARNING); /* libtracecmd's default */
	if (ret)
		snprintf(err, errlen, "writing the command lines into %s failed: %s", d->path,
			 strerror(-ret));
	return ret;
}

int vd_dat_finish(struct vd_dat *d, int ncpus, const struct vd_dat_option *opts, int nopts,
		  char *err, size_t errlen)
{
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	/* give back the reserve first: it is what lets a full disk take the rest */
	unlinkat(d->parts_fd, "reserve", 0);
	ret = write_cmdlines(d, err, errlen);
	if (ret)
		return ret;
	add_saved_options(d->out, d->parts_fd, opts, nopts);
	for (int i = 0; i < nopts; i++)
		add_option_text(d->out, opts[i].id, opts[i].text);
	errno = 0;
	if (tracecmd_write_cpus(d->out, ncpus) || tracecmd_write_options(d->out)) {
		ret = -errno ?: -EIO;
		snprintf(err, errlen, "writing the options into %s failed: %s", d->path,
			 strerror(-ret));
		return ret;
	}
	ret = write_flyrecord(d, ncpus, (int)page, err, errlen);
	if (ret)
		return ret;
	tracecmd_output_close(d->out); /* v6: nothing more to write; closes d->fd */
	d->out = NULL;
	d->fd = -1;
	remove_parts(d->parts_fd, d->parts);
	close(d->parts_fd);
	d->parts_fd = -1;
	d->finished = true;
	free(d->path);
	free(d->parts);
	d->path = d->parts = NULL;
	return 0;
}

static int count_parts(int dirfd)
{
	char name[32];
	int n = 0;

	for (;; n++) {
		snprintf(name, sizeof(name), "cpu%d", n);
		if (faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW))
			return n;
	}
}

int vd_dat_recover(const char *path, char *err, size_t errlen)
{
	static const char note[] = "vsockdiag-recovered 1\n"
				   "reason=the recorder was killed; pages not flushed before "
				   "that are missing; stop-time metadata is unknown\n";
	struct vd_dat d = { .fd = -1, .parts_fd = -1 };
	struct vd_dat_option opt = { VD_OPT_RECOVERED, note };
	char *clock;
	int ncpus, ret;

	d.path = vd_xstrdup(path);
	d.parts = parts_name(path);
	d.parts_fd = open(d.parts, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d.parts_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "nothing to recover: %s: %s", d.parts, strerror(errno));
		goto out;
	}
	ncpus = count_parts(d.parts_fd);
	clock = read_saved(d.parts_fd, "clock");
	if (!ncpus || !clock) {
		free(clock);
		ret = -ENOENT;
		snprintf(err, errlen, "%s is not the part directory of a vsockdiag recording",
			 d.parts);
		goto out;
	}
	snprintf(d.clock, sizeof(d.clock), "%s", clock);
	free(clock);
	d.fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (d.fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	/* libtracecmd re-reads the headers written at start and continues after them */
	d.out = tracecmd_get_output_handle_fd(d.fd);
	if (!d.out) {
		ret = -EINVAL;
		snprintf(err, errlen,
			 "%s does not start with valid trace.dat headers (the "
			 "recorder died while writing them): nothing can be recovered",
			 path);
		goto out;
	}
	tracecmd_set_quiet(d.out, true);
	tracecmd_set_out_clock(d.out, d.clock);
	/* the part files may end in a torn page if the kill came mid-write */
	for (int i = 0; i < ncpus; i++) {
		char name[32];
		struct stat st;
		int fd;

		snprintf(name, sizeof(name), "cpu%d", i);
		fd = openat(d.parts_fd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && st.st_size % sysconf(_SC_PAGESIZE) &&
		    ftruncate(fd, st.st_size - st.st_size % sysconf(_SC_PAGESIZE)))
			vd_warn("cannot trim %s/%s: %s", d.parts, name, strerror(errno));
		close(fd);
	}
	ret = vd_dat_finish(&d, ncpus, &opt, 1, err, errlen);
out:
	if (d.out)
		tracecmd_output_close(d.out);
	else if (d.fd >= 0)
		close(d.fd);
	if (d.parts_fd >= 0)
		close(d.parts_fd);
	free(d.path);
	free(d.parts);
	return ret;
}
