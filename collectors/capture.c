// SPDX-License-Identifier: GPL-2.0
/* Raw ring-buffer pages, per CPU, from trace_pipe_raw into part files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tracefs.h>

#include "../common/log.h"
#include "../common/util.h"
#include "capture.h"

/*
 * Per pump and CPU, at most this many splices (each up to a pipe, 64 KiB):
 * one busy CPU must not starve the others, nor the signal checks.
 */
#define PUMP_BURST 64

int vd_capture_open(struct vd_capture *cap, struct tracefs_instance *inst, int ncpus, int dirfd)
{
	struct tracefs_cpu *probe;
	int ret = 0;

	memset(cap, 0, sizeof(*cap));
	cap->ncpus = ncpus;
	cap->cpu = vd_xcalloc(ncpus, sizeof(*cap->cpu));
	for (int i = 0; i < ncpus; i++)
		cap->cpu[i].rfd = cap->cpu[i].wfd = -1;
	/* tracefs_cpu_open parses header_page for the sub-buffer size; we want our own fds */
	probe = tracefs_cpu_open(inst, 0, true);
	if (!probe)
		return -errno ?: -EIO;
	cap->page_size = tracefs_cpu_read_size(probe);
	tracefs_cpu_close(probe);
	if (cap->page_size <= 0)
		return -EIO;

	for (int i = 0; i < ncpus; i++) {
		struct vd_capture_cpu *c = &cap->cpu[i];
		char path[64];

		snprintf(path, sizeof(path), "per_cpu/cpu%d/trace_pipe_raw", i);
		c->rfd = tracefs_instance_file_open(inst, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (c->rfd < 0 && errno != ENOENT) {
			ret = -errno;
			goto err;
		}
		snprintf(path, sizeof(path), "cpu%d", i);
		c->wfd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				0600);
		if (c->wfd < 0) {
			ret = -errno;
			goto err;
		}
		/* a CPU without a buffer (never present) keeps an empty part file */
		if (c->rfd < 0)
			continue;
		c->tcpu = tracefs_cpu_alloc_fd(c->rfd, cap->page_size, true);
		if (!c->tcpu) {
			ret = -errno ?: -ENOMEM;
			goto err;
		}
	}
	return 0;
err:
	vd_capture_close(cap);
	return ret;
}

static int64_t pump_cpu(struct vd_capture *cap, struct vd_capture_cpu *c, bool partial)
{
	int64_t moved = 0;
	int n;

	if (!c->tcpu)
		return 0;
	for (int i = 0; i < PUMP_BURST; i++) {
		/* splice: full pages only (the kernel keeps the page being written) */
		n = tracefs_cpu_write(c->tcpu, c->wfd, true);
		if (n > 0) {
			moved += n;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			return -errno;
		break;
	}
	while (partial) {
		n = tracefs_cpu_flush_write(c->tcpu, c->wfd);
		if (n > 0) {
			moved += n;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			return -errno;
		break;
	}
	c->bytes += moved;
	cap->bytes += moved;
	return moved;
}

int64_t vd_capture_pump(struct vd_capture *cap, bool partial)
{
	int64_t total = 0, n;

	for (int i = 0; i < cap->ncpus; i++) {
		n = pump_cpu(cap, &cap->cpu[i], partial);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

int vd_capture_drain(struct vd_capture *cap)
{
	int64_t n;
	int ret = 0;

	do {
		n = vd_capture_pump(cap, true);
	} while (n > 0);
	if (n < 0)
		ret = (int)n;
	/*
	 * A disk that filled in the middle of a write can leave part of a page:
	 * readers take the files page by page, so drop the torn tail.
	 */
	for (int i = 0; i < cap->ncpus; i++) {
		struct vd_capture_cpu *c = &cap->cpu[i];
		struct stat st;

		if (c->wfd < 0 || fstat(c->wfd, &st))
			continue;
		if (st.st_size % cap->page_size &&
		    ftruncate(c->wfd, st.st_size - st.st_size % cap->page_size) && !ret)
			ret = -errno;
	}
	return ret;
}

void vd_capture_close(struct vd_capture *cap)
{
	if (!cap->cpu)
		return;
	for (int i = 0; i < cap->ncpus; i++) {
		struct vd_capture_cpu *c = &cap->cpu[i];

		if (c->tcpu)
			tracefs_cpu_free_fd(c->tcpu);
		if (c->rfd >= 0)
			close(c->rfd);
		if (c->wfd >= 0)
			close(c->wfd);
	}
	free(cap->cpu);
	cap->cpu = NULL;
}
