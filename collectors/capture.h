/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copying raw ring-buffer pages, per CPU, from an instance's trace_pipe_raw
 * into one part file per CPU (libtracefs tracefs_cpu_*: splice where the
 * file system allows it, read/write otherwise), as trace-cmd record does.
 */
#ifndef VD_CAPTURE_H
#define VD_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

struct tracefs_instance;
struct tracefs_cpu;

struct vd_capture_cpu {
	struct tracefs_cpu *tcpu;
	int rfd;		/* trace_pipe_raw, non-blocking: polled by the caller */
	int wfd;		/* the part file */
	uint64_t bytes;
};

struct vd_capture {
	int ncpus;
	int page_size;		/* ring-buffer sub-buffer size: the unit of the part files */
	struct vd_capture_cpu *cpu;
	uint64_t bytes;		/* all CPUs */
};

/* Open every CPU's trace_pipe_raw in @inst and its part file "<dir>/cpuN". */
int vd_capture_open(struct vd_capture *cap, struct tracefs_instance *inst, int ncpus,
		    int dirfd);
/*
 * Move the full pages the kernel has into the part files. With @partial also
 * the page being filled (trace_pipe_raw read() hands out partial pages):
 * that bounds what a SIGKILL can lose, at the cost of a page per flush.
 * Returns bytes moved or a negative errno (-ENOSPC: the disk is full).
 */
int64_t vd_capture_pump(struct vd_capture *cap, bool partial);
/* After tracing is off: everything left, then cut each part file to whole pages. */
int vd_capture_drain(struct vd_capture *cap);
void vd_capture_close(struct vd_capture *cap);

#endif /* VD_CAPTURE_H */
