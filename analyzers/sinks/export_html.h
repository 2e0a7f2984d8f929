/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTML export's state, shared by its two files: export_html.c collects
 * what the tap shows (bounded: decimated packet marks, per-pixel columns for
 * everything else) and writes the page; export_html_svg.c draws the timeline
 * and the credit plots from it.
 *
 * Every time kept here is already on the export's axis (vd_export_time):
 * A's trace clock, or B's own when the clocks are not aligned, in which case
 * each lane has its own axis (axis[side]).
 */
#ifndef VD_EXPORT_HTML_H
#define VD_EXPORT_HTML_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzers/model/model.h"

#define VD_HTML_COLS	     1200  /* plot width in pixels */
#define VD_HTML_BINS	     8192  /* time bins over the recordings (the plot shows a part) */
#define VD_HTML_MARKS	     16000 /* evenly decimated packet marks */
#define VD_HTML_PRIO_MARKS   4000  /* lost, missing, late ones, kept apart (decimated beyond) */
#define VD_HTML_CREDIT_DIRS  16	   /* connection directions whose credit is followed */
#define VD_HTML_CREDIT_PLOTS 4	   /* of which the busiest are drawn */
#define VD_HTML_MARKERS	     16	   /* recorder start/stop markers per side */

enum vd_html_mark_kind {
	VD_HTML_PAIR = 0, /* a send and its fate (the session pairs) */
	VD_HTML_SEND,	  /* a send alone (no pairing: no common clock) */
	VD_HTML_RECV,	  /* a receive alone */
};

#define VD_HTML_LATE 1u /* delivered later than --stall */

struct vd_html_mark {
	int64_t t_send; /* export axis; VD_NO_TIME for a receive alone */
	int64_t t_rx;	/* first piece, export axis; VD_NO_TIME when nothing arrived */
	uint8_t kind;	/* enum vd_html_mark_kind */
	uint8_t dir;	/* enum vd_dir */
	uint8_t fate;	/* enum vd_fate (VD_HTML_PAIR) */
	uint8_t flags;	/* VD_HTML_LATE */
	uint16_t op;
};

/*
 * Marks kept evenly over the recording whatever its length: every stride-th
 * one is kept; when the array is full every other kept one goes and the
 * stride doubles, so what stays is spread evenly over everything seen.
 */
struct vd_html_marks {
	struct vd_html_mark *v;
	size_t n, cap;
	uint64_t seen, stride;
};

/* one connection direction's available credit (the sender's), per time bin */
struct vd_html_credit {
	bool used;
	uint32_t conn;
	uint8_t dir;
	uint64_t sent;	  /* the connection's RW sends then (busiest first) */
	int64_t since;	  /* followed from (replaced entries start late) */
	int32_t max;	  /* the largest credit seen: the plot's scale */
	uint64_t samples; /* known values */
	uint64_t unknown; /* packets whose credit the recording cannot tell */
	int32_t lo[VD_HTML_BINS], hi[VD_HTML_BINS], last[VD_HTML_BINS]; /* -1: no sample */
};

struct vd_html_axis {
	int64_t t0, t1; /* the axis' span (t1 > t0) */
};

struct vd_html {
	FILE *out;
	const struct vd_opts *o;
	const struct vd_result *res; /* from begin: the clock, the side facts */
	bool paired;		     /* the session pairs: marks come from fates */
	bool aligned;		     /* one axis for both lanes */
	bool sides[2];		     /* recorded */
	struct vd_html_axis axis[2]; /* per lane, the recordings' span; equal when aligned */
	struct vd_html_axis view[2]; /* what the plot shows: packets and problems (finish) */
	struct vd_html_marks marks, prio;
	/* per side and time bin: vsock interrupts, failed allocations, lost events */
	uint32_t irq[2][VD_HTML_BINS], allocfail[2][VD_HTML_BINS], lost[2][VD_HTML_BINS];
	uint64_t nirq[2], nallocfail[2], nlost[2];
	bool irq_line_known[2]; /* a vsock interrupt line is named: BPF vq interrupts not counted */
	struct {
		int64_t t;
		bool stop;
	} marker[2][VD_HTML_MARKERS];
	unsigned int nmarker[2];
	struct vd_html_credit credit[VD_HTML_CREDIT_DIRS];
	uint64_t credit_replaced; /* directions that lost their slot to busier ones */
};

/* the time bin of t on side's lane, clamped to the recordings */
int vd_html_bin(const struct vd_html *h, enum vd_side side, int64_t t);
/* the middle of side's bin i, on the export's axis */
int64_t vd_html_bin_time(const struct vd_html *h, enum vd_side side, int i);

/* s as HTML/XML text: markup escaped, invalid UTF-8 and control characters replaced */
void vd_html_esc(FILE *out, const char *s);
/* the same for printf-style text */
void vd_html_escf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* the zoom script (export_html_script.c) and its CSP hash ("sha256-...") */
extern const char vd_html_script[];
extern const char vd_html_script_hash[];

/* the whole page, once the run is settled: 0 or -errno */
int vd_html_page(struct vd_html *h, const struct vd_opts *o, const struct vd_result *res);
/* the timeline of both partitions and its legend */
void vd_html_timeline(struct vd_html *h);
/* x for a finding's number clear of the n already placed (whole pixels), -1 if none */
double vd_html_label_x(const double *placed, int n, double x);
/* the credit plots of the busiest connection directions */
void vd_html_credit_plots(struct vd_html *h);

#endif /* VD_EXPORT_HTML_H */
