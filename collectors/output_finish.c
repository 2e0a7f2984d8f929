// SPDX-License-Identifier: GPL-2.0
/*
 * Finishing FILE at stop, and after a kill (--recover): command lines,
 * options, the CPU count and the flyrecord section, each CPU's pages moved
 * into FILE from FILE.parts/ (output.h: the life of a recording).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tracefs.h>

#include "common/log.h"
#include "common/util.h"
#include "meta.h"
#include "output.h"
#include "output_internal.h"
#include "tcmd_api.h"

static void add_option_text(struct tracecmd_output *out, unsigned short id, const char *text)
{
	tracecmd_add_option(out, id, (int)strlen(text) + 1, text);
}

/* Options saved at start, unless the caller brings a newer text for the same id. */
static void add_saved_options(struct tracecmd_output *out, int dirfd,
			      const struct vd_dat_option *opts, int nopts)
{
	DIR *dir = vd_dat_parts_dir(dirfd);
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
		text = vd_dat_parts_read(dirfd, de->d_name);
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
 * then copying it again: when the file changes between the two reads (a
 * process born while an instance traces sched events, the recorder's own
 * stop marker) the section is torn and the call fails (trace-cmd 3.1.6:
 * "error in size of file") -- and the library has moved on to the next
 * section all the same: a second call is refused ("unexpected state"). So
 * the torn bytes are replaced by our own copy, one read of the file: its
 * size, then its text, as the section is laid out in a v6 file.
 */
static int write_cmdlines(struct vd_dat *d, char *err, size_t errlen)
{
	off_t start = lseek(d->fd, 0, SEEK_CUR), end;
	uint64_t size = 0;
	char *text;
	int len = 0, ret;

	if (start < 0)
		return -errno;
	tracecmd_set_loglevel(TEP_LOG_CRITICAL); /* its warning on a torn copy is expected */
	errno = 0;
	ret = tracecmd_write_cmdlines(d->out) ? (-errno ?: -EIO) : 0;
	tracecmd_set_loglevel(TEP_LOG_WARNING); /* libtracecmd's default */
	/* the 3.1.6 library was also seen to return success with a torn copy */
	end = lseek(d->fd, 0, SEEK_CUR);
	if (!ret && (end < start + 8 || pread(d->fd, &size, 8, start) != 8 ||
		     size != (uint64_t)(end - start - 8)))
		ret = -EINVAL;
	if (!ret)
		return 0;
	if (ret == -ENOSPC)
		goto fail;
	text = tracefs_instance_file_read(NULL, "saved_cmdlines", &len);
	size = text && len > 0 ? (uint64_t)len : 0;
	ret = ftruncate(d->fd, start) ? -errno : 0;
	if (!ret)
		ret = vd_pwrite_all(d->fd, &size, sizeof(size), start);
	if (!ret && size)
		ret = vd_pwrite_all(d->fd, text, size, start + 8);
	if (!ret && lseek(d->fd, start + 8 + (off_t)size, SEEK_SET) < 0)
		ret = -errno;
	free(text);
	if (!ret) {
		vd_dbg("the command lines changed while libtracecmd copied them: "
		       "wrote one snapshot of them instead (%llu bytes)",
		       (unsigned long long)size);
		return 0;
	}
fail:
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
	vd_dat_parts_remove(d->parts_fd, d->parts);
	close(d->parts_fd);
	d->parts_fd = -1;
	d->finished = true;
	free(d->path);
	free(d->parts);
	d->path = d->parts = NULL;
	return 0;
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
	d.parts = vd_dat_parts_name(path);
	d.parts_fd = open(d.parts, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d.parts_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "nothing to recover: %s: %s", d.parts, strerror(errno));
		goto out;
	}
	ncpus = vd_dat_parts_count(d.parts_fd);
	clock = vd_dat_parts_read(d.parts_fd, "clock");
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
