/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A source yields normalized events from one partition's recording, in the
 * order the recording holds them, one at a time: analyzers stream, so memory
 * never grows with the length of a recording.  A source can be rewound,
 * because correlate reads each recording more than once (clock, then match).
 */
#ifndef VD_SOURCE_H
#define VD_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vd_event.h"

enum vd_source_format {
	VD_FMT_UNKNOWN = 0,
	VD_FMT_FTRACE_TEXT, /* cat trace, cat trace_pipe, trace-cmd report */
	VD_FMT_TRACE_DAT,   /* trace-cmd trace.dat (v6, v7) */
};

struct vd_source_stats {
	uint64_t lines;		 /* text lines read (text sources) */
	uint64_t events;	 /* events returned by vd_source_next(), VD_EV_MARK aside */
	uint64_t unknown_events; /* well-formed trace lines of events we do not use; VD_EV_MARK */
	uint64_t malformed;	 /* lines we could not parse: warned and skipped */
	uint64_t bpf_malformed;	 /* ... of which "vsockdiag-bpf" marker lines */
	uint64_t lost_events;	 /* events the ring buffer dropped, as far as known */
	uint64_t lost_markers;	 /* how many places reported lost events */
	bool lost_unknown;	 /* a drop was reported without a count */
	uint64_t first_ts;	 /* first and last event timestamps (ns); 0/0 when none */
	uint64_t last_ts;
	/*
	 * When the kernel ring buffer overwrote old events (cat trace after
	 * "entries < written", or "##### CPU N buffer started ####"), the
	 * recording is only complete from the moment every CPU's buffer
	 * starts: window_start is the latest per-CPU first timestamp.
	 * Otherwise window_start == first_ts.
	 */
	uint64_t window_start;
	bool window_truncated;
	int ncpus;		 /* "#P:N" header, or highest CPU seen + 1; 0 unknown */
	uint64_t header_entries; /* "entries-in-buffer/entries-written: E/W" */
	uint64_t header_written;
	bool truncated_line; /* the file ended in the middle of a line */
};

struct vd_source;

/*
 * Open a recording, detecting its format from its content (not its name).
 * On failure returns NULL, sets errno and writes a message that says what to
 * do next into err.
 */
struct vd_source *vd_source_open(const char *path, char *err, size_t errlen);
/*
 * The same on a recording held in memory (tests, fuzzers, a recording that
 * arrived over a socket): exactly what vd_source_open() gives on a file
 * named name holding those len bytes (text or trace.dat, same events,
 * statistics, messages and errors), with no file on disk.  buf is copied
 * (into a sealed memfd, since libtracecmd reads through a descriptor): the
 * caller may free it once this returns.  name: for messages and
 * vd_source_path() (NULL: "(memory)").
 */
struct vd_source *vd_source_open_mem(const char *name, const void *buf, size_t len, char *err,
				     size_t errlen);
/* 1: *ev filled; 0: end of recording; <0: -errno (read error) */
int vd_source_next(struct vd_source *src, struct vd_event *ev);
/*
 * VD_EV_MARK events (vsockdiag record's start and stop markers, from the
 * print lines / ftrace:print records it wrote) come out of vd_source_next()
 * only once a reader asks for them: a reader that does not know them sees
 * the recording exactly as before they were events.  Either way they count
 * in stats.unknown_events, never in stats.events or first_ts/last_ts, so
 * with marks on, vd_source_next() returns stats.events + the marks.  Off
 * when opened; a rewind keeps the setting.
 */
void vd_source_set_marks(struct vd_source *src, bool on);
/*
 * A replayed pass decodes the cache ahead on a thread of its own (on when
 * opened).  Off: the caller reads from a thread of its own already (the
 * session's merge, session/feed.c) and one more would only compete for the
 * cores.  Takes effect at the next pass.
 */
void vd_source_set_prefetch(struct vd_source *src, bool on);
/*
 * Start again from the first event.  0 or -errno.  Once a pass has read to
 * the end, later passes replay its events from the cache (evcache.h) and the
 * statistics stay that whole pass's; otherwise (a pass rewound halfway, or
 * VSOCKDIAG_CACHE=0) the recording is parsed again and the statistics
 * restart from zero.  Either way a whole pass ends with the same statistics.
 */
int vd_source_rewind(struct vd_source *src);
const struct vd_source_stats *vd_source_stats(const struct vd_source *src);
enum vd_source_format vd_source_format(const struct vd_source *src);
const char *vd_source_path(const struct vd_source *src);
/*
 * Whether the vsock:* events were on while this was recorded: 1 yes, 0 no (a
 * trace.dat holds the format of every event that was on, and none of vsock's),
 * -1 cannot tell (a text dump prints only the events that happened).
 */
int vd_source_vsock_recorded(const struct vd_source *src);
void vd_source_close(struct vd_source *src);

/* every statistic equal (two reads of one recording, a file and its copy in memory) */
bool vd_source_stats_equal(const struct vd_source_stats *a, const struct vd_source_stats *b);

#endif /* VD_SOURCE_H */
