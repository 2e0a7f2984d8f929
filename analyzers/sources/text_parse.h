/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One line of ftrace text -> one normalized event.  The same parser reads
 * what `cat trace`, `cat trace_pipe` and `trace-cmd report` print, across
 * kernel versions and trace options (irq-info, TGID column, symbolic or
 * numeric fields): on Android the text dump is often all a user can get.
 *
 * Pure and allocation-free: the state lives wherever the caller puts it
 * (the tests keep it on the stack), and a line is parsed in place.
 */
#ifndef VD_TEXT_PARSE_H
#define VD_TEXT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vd_event.h"

/*
 * CPUs whose first timestamp we remember for the overwritten-buffer window.
 * Events on higher CPU numbers still parse; they just cannot narrow the
 * window (no machine we trace comes near this).
 */
#define VD_TEXT_MAX_CPUS 4096

/* What a text file told us besides its events. */
struct vd_text_state {
	uint64_t header_entries; /* "# entries-in-buffer/entries-written: E/W" */
	uint64_t header_written;
	bool have_entries;
	/* the ring buffer dropped its oldest events: E < W or "##### CPU N buffer started" */
	bool overwritten;
	int header_ncpus; /* "#P:N" or trace-cmd's "cpus=N"; 0 unknown */
	int max_cpu;	  /* highest CPU on any trace line; -1 none */
	uint64_t last_ts; /* timestamp of the latest trace line, for lost-event markers */
	uint8_t cpu_seen[VD_TEXT_MAX_CPUS / 8];
	uint64_t cpu_first_ts[VD_TEXT_MAX_CPUS]; /* earliest timestamp per CPU */
};

enum {
	VD_LINE_SKIP = 0,    /* blank, comment or header line (header facts go to the state) */
	VD_LINE_EVENT = 1,   /* *ev filled */
	VD_LINE_UNKNOWN = 2, /* a well-formed trace line of an event we do not use */
	VD_LINE_LOST = 3,    /* "CPU:N [LOST M EVENTS]": *ev filled with VD_EV_LOST */
	VD_LINE_OTHER = 4,   /* not a trace line at all (a shell prompt pasted into the dump) */
};

void vd_text_state_init(struct vd_text_state *st);

/*
 * Parse [line, line+len) (no newline; a trailing '\r' is ignored).  Returns
 * a VD_LINE_* value, or -EINVAL when the line is a trace line of an event we
 * use whose payload does not parse; *why then names the problem (a static
 * string, e.g. "recv_pkt: missing fwd_cnt").  Never reads outside the line.
 * ev->lineno is left for the caller.
 */
int vd_text_parse_line(struct vd_text_state *st, const char *line, size_t len, struct vd_event *ev,
		       const char **why);

/*
 * Latest per-CPU first timestamp: where an overwritten recording becomes
 * complete.  0 when no trace line carried a CPU.
 */
/* the kernel's name of one VD_GFP_* bit (the parser's table), or NULL */
const char *vd_gfp_name(uint32_t bit);

uint64_t vd_text_window_start(const struct vd_text_state *st);

/*
 * Read-buffer size of the text source, which is also its longest line.
 * Only tests and the fuzzer change it, to reach refills and over-long lines
 * with small inputs; it takes effect at the next vd_source_open().
 */
extern size_t vd_text_read_bufsize;

/*
 * The fast paths (packet payloads read in the kernel's field order, packet
 * event names compared whole) on: true unless a test turns them off, to
 * compare them with the general parser on the same lines.
 */
extern bool vd_text_fast;

#endif /* VD_TEXT_PARSE_H */
