/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The steps of a recording that `vsockdiag record` (record.c) and the live
 * collector's -w recording (live.c) share, so that both write the same file:
 * the ring buffer's size and wake-up mark, the BPF layer and its metadata,
 * tracing on with the start stamps, and the stop: stamps, drain, counters,
 * options and the finished trace.dat.
 */
#ifndef VD_REC_STEPS_H
#define VD_REC_STEPS_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct tracefs_instance;
struct vd_capture;
struct vd_dat;
struct vd_meta;
struct vd_bpf;

/* per-CPU ring buffer when streaming: a reader wakes at VD_REC_BUFFER_PERCENT of it */
#define VD_REC_DEFAULT_BUFFER_KB 2048
/*
 * A reader wakes when its CPU's buffer is this full (percent). trace-cmd keeps
 * the kernel's 50; 25 leaves three quarters of the buffer as headroom for a
 * reader that is scheduled late on a busy machine (record_bench.sh's load
 * plus three CPU hogs: 50 lost events, 25 did not), for the same CPU: the
 * copy costs per byte, not per wake-up, and the splices stay 64 KiB.
 * (Partial pages: capture.c, every 2 s.)
 */
#define VD_REC_BUFFER_PERCENT	"25"
#define VD_REC_CLOCK_PAIR_TRIES 8

/* Size @inst's per-CPU ring buffers to @kb KiB and set its wake-up mark. 0 or -errno + err. */
int vd_rec_size_buffer(struct tracefs_instance *inst, unsigned long kb, char *err, size_t errlen);

/*
 * The BPF layer, before the file is created so that its metadata names every
 * hook's tier. --bpf require fails when no hook attaches; auto records with
 * whatever the kernel allows and says what it lost. Fills res->bpf_used,
 * bpf_hooks, bpf_why; *meta_lines (malloc'ed) are the metadata's bpf lines.
 */
int vd_rec_bpf_start(enum vd_bpf_mode mode, const struct vd_bpf_opts *opts,
		     const struct vd_meta *meta, struct vd_record_result *res, struct vd_bpf **bpf,
		     char **meta_lines, char *err, size_t errlen);

/* Tracing on in @inst, then the start clock stamps into the trace and into dat's parts. */
int vd_rec_trace_on(struct tracefs_instance *inst, struct vd_meta *meta, struct vd_dat *dat,
		    char *err, size_t errlen);

/* Record the failure of a write to the part files as the reason to stop. */
void vd_rec_note_write_error(struct vd_record_result *res, int64_t err);

/*
 * After the BPF layer stopped: the stop stamps, tracing off, the readers
 * drained, the counters and options, and @dat finished as @output. On a
 * failure @dat is closed but FILE and FILE.parts/ are kept (err says how to
 * --recover). Either way @dat needs no abort afterwards.
 */
int vd_rec_finish(struct tracefs_instance *inst, struct vd_capture *cap, struct vd_dat *dat,
		  struct vd_meta *meta, int ncpus, const char *output, struct vd_record_result *res,
		  char *err, size_t errlen);

#endif /* VD_REC_STEPS_H */
