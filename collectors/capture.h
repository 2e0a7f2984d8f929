/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copying raw ring-buffer pages, per CPU, from an instance's trace_pipe_raw
 * into one part file per CPU (libtracefs tracefs_cpu_*: splice where the
 * file system allows it, read/write otherwise), as trace-cmd record does:
 * one reader thread per CPU, asleep until the kernel says the CPU's buffer
 * has reached the instance's buffer_percent watermark.
 *
 * Threads and what they own:
 *  - reader N owns CPU N's trace_pipe_raw, its libtracefs handle and its part
 *    file: nobody else touches them while it runs. It moves full pages when
 *    the watermark is hit and every 500 ms, and also the page being filled
 *    every 2 s or when asked (vd_capture_flush), so a SIGKILL loses at most
 *    about 2 s. It stops on vd_capture_drain() (after tracing is off), moving
 *    everything left first, or on its first write error.
 *  - the caller (main thread) only sets flags, kicks the readers' eventfds,
 *    reads counters and waits on vd_capture_notify_fd(). The readers block
 *    every signal, so SIGINT/SIGTERM/SIGHUP/SIGUSR1 interrupt the main thread.
 */
#ifndef VD_CAPTURE_H
#define VD_CAPTURE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct tracefs_instance;
struct tracefs_cpu;
struct vd_capture;

struct vd_capture_cpu {
	struct vd_capture *cap;
	int cpu;
	struct tracefs_cpu *tcpu;
	int rfd;     /* trace_pipe_raw, non-blocking: the reader polls it */
	int wfd;     /* the part file */
	int wake_fd; /* eventfd: the main thread wakes the reader (flush, stop) */
	pthread_t thread;
	bool running; /* thread started and not joined */
	_Atomic uint64_t bytes;
	atomic_int err; /* first write error (negative errno), set by the reader */
};

struct vd_capture {
	int ncpus;
	int page_size; /* ring-buffer sub-buffer size: the unit of the part files */
	struct vd_capture_cpu *cpu;
	int notify_fd;		/* eventfd: readable when a reader failed or crossed max_size */
	uint64_t max_size;	/* 0: no cap */
	bool started;		/* reader threads were started (streaming mode) */
	atomic_bool stop;	/* readers: move what is left, then exit */
	atomic_bool abort;	/* with stop: exit without moving more (error paths) */
	atomic_uint flush_seq;	/* bumped by vd_capture_flush() */
	_Atomic uint64_t bytes; /* all CPUs */
};

/* Open every CPU's trace_pipe_raw in @inst and its part file "<dir>/cpuN". */
int vd_capture_open(struct vd_capture *cap, struct tracefs_instance *inst, int ncpus, int dirfd);
/*
 * Start one reader thread per CPU (streaming mode). @max_size: notify when the
 * part files together reach it (0: never). Returns 0 or a negative errno (then
 * no thread runs).
 */
int vd_capture_start(struct vd_capture *cap, uint64_t max_size);
/* Ask every reader to move its full and partial pages now (SIGUSR1). */
void vd_capture_flush(struct vd_capture *cap);
/* Readable (eventfd) when vd_capture_error() or the size cap may have changed. */
int vd_capture_notify_fd(const struct vd_capture *cap);
/* Drain the notify eventfd. */
void vd_capture_notified(struct vd_capture *cap);
/* First write error of any reader (negative errno; -ENOSPC: the disk is full), or 0. */
int vd_capture_error(const struct vd_capture *cap);
uint64_t vd_capture_bytes(const struct vd_capture *cap);
/*
 * After tracing is off: stop the readers, each moving everything left in its
 * buffer first (or move it here when no reader was started: flight recorder),
 * then cut each part file to whole pages. Returns the first error or 0.
 */
int vd_capture_drain(struct vd_capture *cap);
void vd_capture_close(struct vd_capture *cap);

#endif /* VD_CAPTURE_H */
