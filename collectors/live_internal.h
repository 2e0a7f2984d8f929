/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the live collector's files share:
 *   live.c       the session: instances, events, BPF, the -w recording, cleanup;
 *   live_read.c  one instance's ring buffers read as they fill -> vd_events in
 *                time order (libtracefs per-CPU reads, libtraceevent's kbuffer,
 *                the trace.dat mapping of analyzers/sources/dat_map.c).
 */
#ifndef VD_LIVE_INTERNAL_H
#define VD_LIVE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tracefs_instance;
struct vd_event;
struct vd_events;
struct vd_live_reader;

typedef void (*vd_live_cb)(void *ctx, const struct vd_event *ev);

/*
 * Open every CPU's trace_pipe_raw of @inst (tracing may still be off) and the
 * event formats of @ev's systems. @trace_clock: the instance's clock ("mono"
 * and "boot" let the reader hold back what may still be committed on another
 * CPU; any other clock hands out each read as it comes). @buffer_kb bounds a
 * read: at most that much per CPU per call. 0 or -errno with err.
 */
int vd_live_reader_open(struct vd_live_reader **out, struct tracefs_instance *inst, int ncpus,
			const struct vd_events *ev, const char *trace_clock,
			unsigned long buffer_kb, char *err, size_t errlen);
/* an epoll fd, readable when a CPU's buffer reached buffer_percent; -1: read on a timer */
int vd_live_reader_fd(const struct vd_live_reader *r);
/*
 * Move what the ring buffers hold, and hand every event that can no longer be
 * preceded by one still unread to @cb, in time order (CPUs merged as
 * trace-cmd report merges them; VD_EV_LOST where a page says events were
 * dropped before it). @final: tracing is off, hand out everything. 0 or -errno.
 */
int vd_live_reader_read(struct vd_live_reader *r, vd_live_cb cb, void *ctx, int final);
/*
 * The BPF relay's marker lines in process (vd_bpf_run_sink): true when the
 * reader can stamp them in the trace clock (mono, boot); otherwise they go
 * through trace_marker.  vd_live_reader_line() is the sink, called from the
 * relay thread.
 */
bool vd_live_reader_takes_lines(const struct vd_live_reader *r);
void vd_live_reader_line(void *ctx, const char *line, size_t len);
/* events the ring buffers dropped: the kernel's per-CPU counters, or the pages' marks */
uint64_t vd_live_reader_lost(struct vd_live_reader *r);
/* close the ring-buffer files (the instance can then be removed) and free */
void vd_live_reader_close(struct vd_live_reader *r);

#endif /* VD_LIVE_INTERNAL_H */
