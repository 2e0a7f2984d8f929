// SPDX-License-Identifier: GPL-2.0
/* Raw ring-buffer pages, per CPU, from trace_pipe_raw into part files: one reader thread per CPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

#include "common/log.h"
#include "common/util.h"
#include "capture.h"
#include "instance.h"

/*
 * A reader sleeps until its CPU's buffer reaches the instance's buffer_percent
 * (poll on trace_pipe_raw honours it), or this long: full pages reach the
 * disk at least this often even when the buffer fills slowly.
 */
#define FULL_PAGES_MS 500
/*
 * The page being filled is copied out this often (and on vd_capture_flush):
 * it bounds what a SIGKILL loses (the kernel keeps a page until it is full),
 * at the cost of at most one page per CPU per interval.
 */
#define PARTIAL_FLUSH_NS (2 * NSEC_PER_SEC)
/*
 * Kernels before 6.1 say trace_pipe_raw is readable as soon as it holds one
 * event (poll ignores buffer_percent there): when poll says readable and no
 * full page moves, the reader naps this long instead of spinning.
 */
#define NAP_MS 10
/* splices (each up to a pipe, 64 KiB) per wake-up before looking at the flags again */
#define MAX_SPLICES 256
/* a splice that moved less than this caught up with the writer: back to sleep */
#define SHORT_SPLICE 65536

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * NSEC_PER_SEC + (uint64_t)t.tv_nsec;
}

static void kick(int efd)
{
	uint64_t one = 1;

	if (efd >= 0 && write(efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, the reader is woken anyway */
	}
}

static void unkick(int efd)
{
	uint64_t v;

	if (efd >= 0 && read(efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing pending */
	}
}

int vd_capture_open(struct vd_capture *cap, struct tracefs_instance *inst, int ncpus, int dirfd)
{
	int ret = 0;

	memset(cap, 0, sizeof(*cap));
	cap->ncpus = ncpus;
	cap->notify_fd = -1;
	cap->cpu = vd_xcalloc(ncpus, sizeof(*cap->cpu));
	for (int i = 0; i < ncpus; i++) {
		cap->cpu[i].rfd = cap->cpu[i].wfd = cap->cpu[i].wake_fd = -1;
		cap->cpu[i].cap = cap;
		cap->cpu[i].cpu = i;
	}
	cap->page_size = vd_instance_page_size(inst);
	if (cap->page_size < 0)
		return cap->page_size;
	cap->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (cap->notify_fd < 0) {
		ret = -errno;
		goto err;
	}

	for (int i = 0; i < ncpus; i++) {
		struct vd_capture_cpu *c = &cap->cpu[i];
		char path[64];

		c->rfd = vd_instance_raw_open(inst, i);
		if (c->rfd == -ENOENT) {
			c->rfd = -1;
		} else if (c->rfd < 0) {
			ret = c->rfd;
			c->rfd = -1;
			goto err;
		}
		snprintf(path, sizeof(path), "cpu%d", i);
		c->wfd =
		    openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
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
		c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (c->wake_fd < 0) {
			ret = -errno;
			goto err;
		}
	}
	return 0;
err:
	vd_capture_close(cap);
	return ret;
}

static void account(struct vd_capture_cpu *c, int64_t moved)
{
	struct vd_capture *cap = c->cap;
	uint64_t before;

	if (moved <= 0)
		return;
	atomic_fetch_add(&c->bytes, (uint64_t)moved);
	before = atomic_fetch_add(&cap->bytes, (uint64_t)moved);
	if (cap->max_size && before < cap->max_size && before + (uint64_t)moved >= cap->max_size)
		kick(cap->notify_fd);
}

/*
 * Full pages, spliced. @catch_up: return once the reader is level with the
 * writer (a short splice), or after MAX_SPLICES; otherwise until none is left.
 * Returns bytes moved or a negative errno.
 */
static int64_t move_full(struct vd_capture_cpu *c, bool catch_up)
{
	int64_t moved = 0;
	int n;

	for (int i = 0; !catch_up || i < MAX_SPLICES; i++) {
		n = tracefs_cpu_write(c->tcpu, c->wfd, true);
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			moved = -errno ?: -EIO;
			break;
		}
		if (n == 0)
			break;
		moved += n;
		/*
		 * splice moves whole pages; less means the file system took only
		 * part of them (the disk filled): stop before the pages misalign
		 */
		if (n % c->cap->page_size) {
			account(c, moved);
			return -ENOSPC;
		}
		if (catch_up && n < SHORT_SPLICE)
			break;
	}
	if (moved > 0)
		account(c, moved);
	return moved;
}

/*
 * The page being filled (a read() of trace_pipe_raw hands out partial
 * pages): once, or with @all until nothing is left (tracing off).
 */
static int64_t move_partial(struct vd_capture_cpu *c, bool all)
{
	int64_t moved = 0;
	int n;

	do {
		n = tracefs_cpu_flush_write(c->tcpu, c->wfd);
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			return -errno ?: -EIO;
		}
		if (n == 0)
			break;
		moved += n;
		account(c, n);
		if (n % c->cap->page_size)
			return -ENOSPC;
	} while (all);
	return moved;
}

/* After tracing is off: everything left in this CPU's buffer. */
static int drain_cpu(struct vd_capture_cpu *c)
{
	int64_t a, b;

	if (!c->tcpu)
		return 0;
	do {
		a = move_full(c, false);
		if (a < 0)
			return (int)a;
		b = move_partial(c, true);
		if (b < 0)
			return (int)b;
	} while (a > 0 || b > 0);
	return 0;
}

static void fail(struct vd_capture_cpu *c, int err)
{
	int none = 0;

	atomic_compare_exchange_strong(&c->err, &none, err);
	kick(c->cap->notify_fd);
}

static void *reader_main(void *arg)
{
	struct vd_capture_cpu *c = arg;
	struct vd_capture *cap = c->cap;
	uint64_t now = now_ns(), last_full = now, last_partial = now;
	unsigned int seen = atomic_load(&cap->flush_seq);
	bool nap = false;

	while (!atomic_load(&cap->stop)) {
		struct pollfd pfd[2] = {
			{ .fd = c->wake_fd, .events = POLLIN },
			{ .fd = nap ? -1 : c->rfd, .events = POLLIN },
		};
		uint64_t due = VD_MIN(last_full + FULL_PAGES_MS * NSEC_PER_MSEC,
				      last_partial + PARTIAL_FLUSH_NS);
		int timeout = nap ? NAP_MS : 0;
		unsigned int seq;
		bool readable, partial;
		int64_t n;

		now = now_ns();
		if (!nap && due > now)
			timeout = (int)((due - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			fail(c, -errno);
			return NULL;
		}
		if (pfd[0].revents & POLLIN)
			unkick(c->wake_fd);
		if (atomic_load(&cap->stop))
			break;
		now = now_ns();
		seq = atomic_load(&cap->flush_seq);
		readable = pfd[1].revents & POLLIN;
		partial = seq != seen || now >= last_partial + PARTIAL_FLUSH_NS;
		if (!readable && !partial && !nap &&
		    now < last_full + FULL_PAGES_MS * NSEC_PER_MSEC)
			continue;
		n = move_full(c, true);
		if (n < 0) {
			fail(c, (int)n);
			return NULL;
		}
		nap = readable && n == 0;
		last_full = now;
		if (partial) {
			n = move_partial(c, false);
			if (n < 0) {
				fail(c, (int)n);
				return NULL;
			}
			seen = seq;
			last_partial = now;
		}
	}
	if (!atomic_load(&cap->abort)) {
		int err = drain_cpu(c);

		if (err)
			fail(c, err);
	}
	return NULL;
}

static void stop_readers(struct vd_capture *cap, bool abort_now)
{
	if (abort_now)
		atomic_store(&cap->abort, true);
	atomic_store(&cap->stop, true);
	for (int i = 0; i < cap->ncpus; i++)
		if (cap->cpu[i].running)
			kick(cap->cpu[i].wake_fd);
	for (int i = 0; i < cap->ncpus; i++) {
		if (!cap->cpu[i].running)
			continue;
		pthread_join(cap->cpu[i].thread, NULL);
		cap->cpu[i].running = false;
	}
}

int vd_capture_start(struct vd_capture *cap, uint64_t max_size)
{
	sigset_t all, old;
	int ret = 0;

	cap->max_size = max_size;
	/* the readers take no signal: SIGINT & co. must interrupt the main thread's wait */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int i = 0; i < cap->ncpus; i++) {
		struct vd_capture_cpu *c = &cap->cpu[i];

		if (!c->tcpu)
			continue;
		ret = -pthread_create(&c->thread, NULL, reader_main, c);
		if (ret)
			break;
		c->running = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		stop_readers(cap, true);
		return ret;
	}
	cap->started = true;
	return 0;
}

void vd_capture_flush(struct vd_capture *cap)
{
	atomic_fetch_add(&cap->flush_seq, 1);
	for (int i = 0; i < cap->ncpus; i++)
		if (cap->cpu[i].running)
			kick(cap->cpu[i].wake_fd);
}

int vd_capture_notify_fd(const struct vd_capture *cap)
{
	return cap->notify_fd;
}

void vd_capture_notified(struct vd_capture *cap)
{
	unkick(cap->notify_fd);
}

int vd_capture_error(const struct vd_capture *cap)
{
	for (int i = 0; i < cap->ncpus; i++) {
		int err = atomic_load(&cap->cpu[i].err);

		if (err)
			return err;
	}
	return 0;
}

uint64_t vd_capture_bytes(const struct vd_capture *cap)
{
	return atomic_load(&cap->bytes);
}

int vd_capture_drain(struct vd_capture *cap)
{
	int ret;

	if (cap->started) {
		/* each reader moves what is left in its buffer, then exits */
		stop_readers(cap, false);
	} else {
		/* flight recorder: the ring buffer was the recording until now */
		for (int i = 0; i < cap->ncpus; i++) {
			int err = drain_cpu(&cap->cpu[i]);

			if (err)
				atomic_store(&cap->cpu[i].err, err);
		}
	}
	ret = vd_capture_error(cap);
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
	/* an error path that never drained: the readers stop without moving more */
	stop_readers(cap, true);
	for (int i = 0; i < cap->ncpus; i++) {
		struct vd_capture_cpu *c = &cap->cpu[i];

		if (c->tcpu)
			tracefs_cpu_free_fd(c->tcpu);
		if (c->rfd >= 0)
			close(c->rfd);
		if (c->wfd >= 0)
			close(c->wfd);
		if (c->wake_fd >= 0)
			close(c->wake_fd);
	}
	if (cap->notify_fd >= 0)
		close(cap->notify_fd);
	cap->notify_fd = -1;
	free(cap->cpu);
	cap->cpu = NULL;
}
