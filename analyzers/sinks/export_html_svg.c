// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML export's drawings, as inline SVG: the timeline of both partitions
 * (a lane each, a tick per packet on its sender's lane at its send and on its
 * receiver's lane at its arrival, a line between them, findings shaded across
 * the lanes, interrupts and failed allocations under each lane) and the
 * credit of the busiest connection directions on the same time scale.
 *
 * Marks of a kind share one <path> (a subpath each): tens of thousands of
 * elements would make the page heavy to open.  Tooltips are SVG <title>s, so
 * they work without script.  x is in pixels of the plot (one column each);
 * the zoom script only changes the data's viewBox (data-t0/data-t1 give it
 * the time of the plot's edges).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/sinks/export.h"
#include "analyzers/sinks/export_html.h"
#include "analyzers/sinks/render.h"
#include "common/util.h"

#define X0 96			    /* left margin: lane labels */
#define VW (X0 + VD_HTML_COLS + 40) /* the viewBox' width: "sent"/"recv" on the right */

/* the timeline's rows (y) */
#define LBL_Y	  14 /* finding numbers */
#define SHADE_Y	  20 /* shading starts */
#define A_EV_Y	  24 /* A's interrupts, allocations (12 high) */
#define A_TOP	  38 /* A's packet ticks */
#define A_BOT	  84
#define B_TOP	  164 /* B's packet ticks */
#define B_BOT	  210
#define B_EV_Y	  214 /* B's interrupts, allocations */
#define SHADE_END 228
#define AXIS_Y	  232
#define TL_H	  258
#define STUB	  26 /* an undelivered send's stub into the gap */

static const char *const dir_color[2] = { "#2563c9", "#0f9a6d" };
#define C_LATE	  "#f08c00"
#define C_LOST	  "#d62728"
#define C_UNKNOWN "#9aa3b2"
#define C_PARTIAL "#8e44ad"

static double xpos(const struct vd_html *h, enum vd_side side, int64_t t)
{
	const struct vd_html_axis *a = &h->view[side];
	double x = (double)(t - a->t0) * VD_HTML_COLS / (double)(a->t1 - a->t0);

	if (x < 0)
		x = 0;
	if (x > VD_HTML_COLS)
		x = VD_HTML_COLS;
	return X0 + x;
}

/* ---- the time axis ------------------------------------------------------------------- */

/* ticks at 1, 2 or 5 times a power of ten, about ten over the span */
static double tick_step(double span_s, int *decimals)
{
	double raw = span_s / 10, mag = pow(10, floor(log10(raw > 0 ? raw : 1e-9))), step;

	step = raw <= mag ? mag : raw <= 2 * mag ? 2 * mag : raw <= 5 * mag ? 5 * mag : 10 * mag;
	*decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	return step;
}

/* side's axis along y: ticks and seconds under them (the zoom script redraws it) */
static void axis(FILE *out, const struct vd_html *h, enum vd_side side, int y)
{
	const struct vd_html_axis *a = &h->view[side];
	double t0 = (double)a->t0 / 1e9, t1 = (double)a->t1 / 1e9, step, t;
	int dec;

	step = tick_step(t1 - t0, &dec);
	fprintf(out,
		"<g class=\"axis\" data-t0=\"%.9f\" data-t1=\"%.9f\" data-y=\"%d\"><path "
		"stroke=\"#8a94a6\" d=\"M%d %dH%d",
		t0, t1, y, X0, y, X0 + VD_HTML_COLS);
	for (t = ceil(t0 / step) * step; t <= t1; t += step) {
		double x = X0 + (t - t0) / (t1 - t0) * VD_HTML_COLS;

		fprintf(out, "M%.1f %dv5", x, y);
	}
	fputs("\"/>", out);
	for (t = ceil(t0 / step) * step; t <= t1; t += step)
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.*f</text>",
			X0 + (t - t0) / (t1 - t0) * VD_HTML_COLS, y + 17, dec, t);
	fputs("</g>\n", out);
}

/* ---- the timeline -------------------------------------------------------------------- */

static int64_t finding_time(const struct vd_html *h, const int64_t t[2], enum vd_side *side)
{
	if (t[0] != VD_NO_TIME && (h->aligned || *side == VD_SIDE_A)) {
		*side = VD_SIDE_A;
		return t[0];
	}
	if (t[1] != VD_NO_TIME && (h->aligned || *side == VD_SIDE_B)) {
		*side = VD_SIDE_B;
		return vd_export_time(h->res, VD_SIDE_B, t[1]);
	}
	return VD_NO_TIME;
}

/* the x span of finding f on side's lane; false when it has no time there */
static bool finding_span(const struct vd_html *h, const struct vd_finding *f, enum vd_side side,
			 double *x0, double *x1)
{
	enum vd_side s0 = side, s1 = side;
	int64_t a = finding_time(h, f->start, &s0), b = finding_time(h, f->end, &s1);

	if (a == VD_NO_TIME)
		return false;
	if (b == VD_NO_TIME || b < a)
		b = a, s1 = s0;
	*x0 = xpos(h, s0, a);
	*x1 = xpos(h, s1, b);
	if (*x1 - *x0 < 3) {
		*x0 -= 1.5;
		*x1 = *x0 + 3;
	}
	return true;
}

static void finding_title(FILE *out, const struct vd_html *h, size_t i)
{
	const struct vd_finding *f = &h->res->findings.v[i];
	char sum[VD_FINDING_TEXT];

	vd_render_summary(h->o, h->res, f, sum, sizeof(sum));
	fprintf(out, "<title>%zu. [%s] %s: ", i + 1, vd_severity_name(f->severity),
		vd_finding_kind_name(f->kind));
	vd_html_esc(out, sum);
	fputs("</title>", out);
}

/*
 * Where a finding's number goes: x, moved right past the numbers already
 * placed until none is nearer than 21.5 pixels. A move puts it 22 past a
 * neighbour: comparing with 22 itself, placed + 22 could round back to less
 * than 22 away and the move would never end (the fuzzer found it). Each move
 * passes one placed number for good, so there are at most n of them; -1 when
 * x is not a position.
 */
double vd_html_label_x(const double *placed, int n, double x)
{
	if (!(x >= 0))
		return -1;
	for (int k = 0, moves = 0; k < n && moves <= n; k++)
		if (fabs(placed[k] - x) < 21.5) {
			x = placed[k] + 22;
			k = -1;
			moves++;
		}
	return x;
}

/* error and warning windows across the lanes, numbered as the findings list */
static void shade_findings(FILE *out, const struct vd_html *h)
{
	double placed[64];
	int nplaced = 0;

	fputs("<g class=\"findings\">\n", out);
	for (size_t i = 0; i < h->res->findings.n; i++) {
		const struct vd_finding *f = &h->res->findings.v[i];
		bool err = f->severity == VD_SEV_ERROR;
		double x0, x1, lx = -1;

		if (f->severity == VD_SEV_INFO)
			continue;
		fprintf(out, "<a href=\"#f%zu\">", i + 1);
		finding_title(out, h, i);
		for (int s = 0; s < (h->aligned ? 1 : 2); s++) {
			int y0 = h->aligned ? SHADE_Y : s ? B_TOP - 4 : SHADE_Y;
			int y1 = h->aligned ? (h->sides[1] ? SHADE_END : A_BOT + 4)
				 : s	    ? SHADE_END
					    : A_BOT + 4;

			if (!finding_span(h, f, (enum vd_side)s, &x0, &x1))
				continue;
			fprintf(
			    out,
			    "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
			    "fill-opacity=\"%s\" stroke=\"%s\" stroke-opacity=\"0.5\"/>",
			    x0, y0, x1 - x0, y1 - y0, err ? C_LOST : "#e0a000",
			    err ? "0.13" : "0.16", err ? C_LOST : "#e0a000");
			if (lx < 0)
				lx = (x0 + x1) / 2;
		}
		lx = vd_html_label_x(placed, nplaced, lx);
		if (lx >= 0) {
			fprintf(
			    out,
			    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-weight=\"700\" "
			    "fill=\"%s\">%zu</text>",
			    lx, LBL_Y, err ? "#b91c1c" : "#a16207", i + 1);
			if (nplaced < (int)ARRAY_SIZE(placed))
				placed[nplaced++] = lx;
		}
		fputs("</a>\n", out);
	}
	fputs("</g>\n", out);
}

/*
 * Lane geometry: where side's ticks are and the edge facing the other lane.
 * Sends take the half next to the other lane, receives the outer half, so
 * neither hides the other; a line runs from a send to its receive's half.
 */
static void lane(enum vd_side s, int *top, int *bot, int *edge)
{
	*top = s ? B_TOP : A_TOP;
	*bot = s ? B_BOT : A_BOT;
	*edge = s ? B_TOP : A_BOT;
}

static void half(const struct vd_html *h, enum vd_side s, bool sent, int *y0, int *y1)
{
	int top, bot, edge, mid;

	lane(s, &top, &bot, &edge);
	mid = (top + bot) / 2;
	if (!h->sides[1]) {
		/* one lane: sends below, receives above, as if B were under it */
		*y0 = sent ? mid + 1 : top;
		*y1 = sent ? bot : mid - 1;
	} else if (sent == (s == VD_SIDE_A)) {
		*y0 = mid + 1;
		*y1 = bot;
	} else {
		*y0 = top;
		*y1 = mid - 1;
	}
}

struct paths {
	FILE *f[2]; /* ticks per direction */
	FILE *line[2], *late, *lost, *unknown, *partial;
	char *buf[9];
	size_t len[9];
	uint64_t nlines[2], nlate, nlost, nunknown, npartial;
};

static void tick(FILE *f, const struct vd_html *h, enum vd_side s, bool sent, int64_t t)
{
	int y0, y1;

	half(h, s, sent, &y0, &y1);
	fprintf(f, "M%.1f %dV%d", xpos(h, s, t), y0, y1);
}

static void draw_mark(struct paths *p, const struct vd_html *h, const struct vd_html_mark *m)
{
	enum vd_dir d = (enum vd_dir)m->dir;
	enum vd_side tx = vd_dir_sender(d), rx = vd_dir_receiver(d);
	int top, bot, edge_tx, edge_rx;

	lane(rx, &top, &bot, &edge_rx);
	edge_rx = (top + bot) / 2; /* the line ends where the receive's half begins */
	lane(tx, &top, &bot, &edge_tx);
	switch (m->kind) {
	case VD_HTML_SEND:
		tick(p->f[d], h, tx, true, m->t_send);
		return;
	case VD_HTML_RECV:
		tick(p->f[d], h, rx, false, m->t_rx);
		return;
	}
	switch (m->fate) {
	case VD_FATE_DELIVERED:
		tick(p->f[d], h, tx, true, m->t_send);
		if (m->t_rx == VD_NO_TIME)
			return;
		tick(p->f[d], h, rx, false, m->t_rx);
		if (m->flags & VD_HTML_LATE) {
			fprintf(p->late, "M%.1f %dL%.1f %d", xpos(h, tx, m->t_send), edge_tx,
				xpos(h, rx, m->t_rx), edge_rx);
			p->nlate++;
		} else {
			fprintf(p->line[d], "M%.1f %dL%.1f %d", xpos(h, tx, m->t_send), edge_tx,
				xpos(h, rx, m->t_rx), edge_rx);
			p->nlines[d]++;
		}
		return;
	case VD_FATE_LOST:
	case VD_FATE_MISSING: {
		double x = xpos(h, tx, m->t_send);
		int y = edge_tx + (tx ? -STUB : STUB);

		/* a tick on the sender's lane, a stub towards the receiver ending in a cross */
		fprintf(p->lost, "M%.1f %dV%dm-3.5 -3.5l7 7m0 -7l-7 7", x, tx ? B_BOT : A_TOP, y);
		p->nlost++;
		return;
	}
	case VD_FATE_SHORT:
		tick(p->partial, h, tx, true, m->t_send);
		p->npartial++;
		return;
	default: /* unproven, not yet: nothing can say */
		tick(p->unknown, h, tx, true, m->t_send);
		p->nunknown++;
		return;
	}
}

static void emit_path(FILE *out, FILE *f, char **buf, const char *cls, const char *attrs,
		      uint64_t n)
{
	fclose(f);
	if (*buf && **buf)
		fprintf(out, "<path class=\"%s\" data-n=\"%" PRIu64 "\" %s d=\"%s\"/>\n", cls, n,
			attrs, *buf);
	free(*buf);
	*buf = NULL;
}

static void draw_packets(FILE *out, const struct vd_html *h)
{
	struct paths p = { 0 };
	FILE **all[9] = { &p.f[0], &p.f[1], &p.line[0], &p.line[1],
			  &p.late, &p.lost, &p.unknown, &p.partial };
	char attrs[160];

	for (int i = 0; i < 8; i++) {
		*all[i] = open_memstream(&p.buf[i], &p.len[i]);
		if (!*all[i])
			return; /* no memory: the page says nothing was drawn rather than fail */
	}
	for (size_t i = 0; i < h->marks.n; i++)
		draw_mark(&p, h, &h->marks.v[i]);
	for (size_t i = 0; i < h->prio.n; i++)
		draw_mark(&p, h, &h->prio.v[i]);
	/* lines under the ticks, the undelivered on top */
	fputs("<g class=\"packets\" fill=\"none\">\n", out);
	for (int d = 0; d < 2; d++) {
		snprintf(attrs, sizeof(attrs),
			 "stroke=\"%s\" stroke-opacity=\"0.28\" stroke-width=\"0.8\"",
			 dir_color[d]);
		emit_path(out, p.line[d], &p.buf[2 + d], d ? "pairs pairs-ba" : "pairs pairs-ab",
			  attrs, p.nlines[d]);
	}
	emit_path(out, p.late, &p.buf[4], "pairs late",
		  "stroke=\"" C_LATE "\" stroke-opacity=\"0.75\" stroke-width=\"1.2\"", p.nlate);
	for (int d = 0; d < 2; d++) {
		snprintf(attrs, sizeof(attrs), "stroke=\"%s\" stroke-width=\"1\"", dir_color[d]);
		emit_path(out, p.f[d], &p.buf[d], d ? "ticks ticks-ba" : "ticks ticks-ab", attrs,
			  0);
	}
	emit_path(out, p.unknown, &p.buf[6], "unknown", "stroke=\"" C_UNKNOWN "\"", p.nunknown);
	emit_path(out, p.partial, &p.buf[7], "partial",
		  "stroke=\"" C_PARTIAL "\" stroke-width=\"2\"", p.npartial);
	emit_path(out, p.lost, &p.buf[5], "lost", "stroke=\"" C_LOST "\" stroke-width=\"2\"",
		  p.nlost);
	fputs("</g>\n", out);
}

/* the pixel column of side's time bin i, or -1 when the plot does not show it */
static int bin_col(const struct vd_html *h, enum vd_side s, int i)
{
	const struct vd_html_axis *v = &h->view[s];
	int64_t t = vd_html_bin_time(h, s, i);

	if (t < v->t0 || t > v->t1)
		return -1;
	return VD_MIN((int)(xpos(h, s, t) - X0), VD_HTML_COLS - 1);
}

/* side's bins summed per pixel column */
static void to_cols(const struct vd_html *h, enum vd_side s, const uint32_t bins[VD_HTML_BINS],
		    uint64_t cols[VD_HTML_COLS])
{
	memset(cols, 0, VD_HTML_COLS * sizeof(cols[0]));
	for (int i = 0; i < VD_HTML_BINS; i++) {
		int c = bins[i] ? bin_col(h, s, i) : -1;

		if (c >= 0)
			cols[c] += bins[i];
	}
}

/* interrupts (a bar per column, log height), failed allocations, lost events, recorders */
static void side_events(FILE *out, const struct vd_html *h, enum vd_side s)
{
	int y = s ? B_EV_Y : A_EV_Y, top, bot, edge;
	uint64_t cols[VD_HTML_COLS];

	lane(s, &top, &bot, &edge);
	if (h->nirq[s]) {
		to_cols(h, s, h->irq[s], cols);
		fprintf(out, "<path class=\"irq\" stroke=\"#6b7280\" d=\"");
		for (int c = 0; c < VD_HTML_COLS; c++)
			if (cols[c])
				fprintf(out, "M%d.5 %dv-%.1f", X0 + c, y + 12,
					VD_MIN(12.0, 2 + 2 * log2((double)cols[c])));
		fputs("\"/>\n", out);
	}
	if (h->nallocfail[s]) {
		to_cols(h, s, h->allocfail[s], cols);
		fprintf(out, "<path class=\"allocfail\" stroke=\"%s\" stroke-width=\"3\" d=\"",
			C_LOST);
		for (int c = 0; c < VD_HTML_COLS; c++)
			if (cols[c])
				fprintf(out, "M%d.5 %dv-12", X0 + c, y + 12);
		fputs("\"><title>failed allocations</title></path>\n", out);
	}
	if (h->nlost[s]) {
		to_cols(h, s, h->lost[s], cols);
		fputs("<path class=\"lostev\" stroke=\"#111\" stroke-width=\"4\" d=\"", out);
		for (int c = 0; c < VD_HTML_COLS; c++)
			if (cols[c])
				fprintf(out, "M%d.5 %dv-8", X0 + c, y + 10);
		fputs("\"><title>trace events lost here (ring buffer overrun)</title></path>\n",
		      out);
	}
	for (unsigned int i = 0; i < h->nmarker[s]; i++)
		if (h->marker[s][i].t >= h->view[s].t0 && h->marker[s][i].t <= h->view[s].t1)
			fprintf(out,
				"<path stroke=\"#111\" stroke-dasharray=\"2 2\" d=\"M%.1f "
				"%dV%d\"><title>"
				"the recorder %s</title></path>\n",
				xpos(h, s, h->marker[s][i].t), top - 2, bot + 2,
				h->marker[s][i].stop ? "stopped" : "started");
}

static void lane_label(FILE *out, const struct vd_html *h, enum vd_side s)
{
	int top, bot, edge;

	lane(s, &top, &bot, &edge);
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f3f5f9\"/>\n", X0,
		top, VD_HTML_COLS, bot - top);
	fprintf(out, "<text class=\"lane\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", X0 - 8,
		(top + bot) / 2 + 4);
	vd_html_esc(out, h->o->name[s]);
	fprintf(out, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%c</text>\n", X0 - 8,
		(top + bot) / 2 + 18, 'A' + s);
	for (int sent = 0; sent < 2; sent++) {
		int y0, y1;

		half(h, s, sent, &y0, &y1);
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s</text>\n",
			X0 + VD_HTML_COLS + 4, (y0 + y1) / 2 + 4, sent ? "sent" : "recv");
	}
	if (h->nirq[s] || h->nallocfail[s] || h->nlost[s])
		fprintf(out,
			"<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"9\">irq / "
			"alloc</text>\n",
			X0 - 8, (s ? B_EV_Y : A_EV_Y) + 10);
}

static void legend(FILE *out, const struct vd_html *h)
{
	const struct vd_opts *o = h->o;

	fputs("<ul class=\"legend\">\n", out);
	for (int d = 0; d < 2 && h->sides[1]; d++) {
		fprintf(out, "<li><i style=\"background:%s\"></i>", dir_color[d]);
		vd_html_esc(out, o->name[d]);
		fputs(" \xe2\x86\x92 ", out);
		vd_html_esc(out, o->name[!d]);
		fputs(h->paired
			  ? ": a tick at the send, a tick at the arrival, a line between</li>\n"
			  : ": a tick at the send (sender's lane) or the arrival</li>\n",
		      out);
	}
	if (!h->sides[1])
		fprintf(out,
			"<li><i style=\"background:%s\"></i>sent</li><li><i "
			"style=\"background:%s\"></i>received</li>\n",
			dir_color[0], dir_color[1]);
	if (h->paired)
		fprintf(out,
			"<li><i style=\"background:%s\"></i>arrived later than --stall</li>\n"
			"<li><i style=\"background:%s\"></i>lost or missing (a stub ending in "
			"&#215;)</li>\n<li><i style=\"background:%s\"></i>sent outside the other "
			"recording (cannot tell)</li>\n<li><i style=\"background:%s\"></i>partly "
			"delivered</li>\n",
			C_LATE, C_LOST, C_UNKNOWN, C_PARTIAL);
	fputs("<li><i style=\"background:#d62728;opacity:.3\"></i>error window</li>"
	      "<li><i style=\"background:#e0a000;opacity:.35\"></i>warning window (numbered as "
	      "the findings)</li>\n<li><i style=\"background:#6b7280\"></i>vsock interrupts "
	      "(height: how many)</li><li><i style=\"background:#d62728;height:7px\"></i>failed "
	      "allocation</li><li><i style=\"background:#111;width:7px\"></i>lost trace "
	      "events</li>\n</ul>\n",
	      out);
}

/*
 * What the zoom stretches (x only; strokes keep their width, numbers their
 * shape): clipped to the plot.
 */
static void data_begin(FILE *out, const char *id, int height)
{
	fprintf(out,
		"<clipPath id=\"%s\"><rect x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\"/>"
		"</clipPath>\n<g clip-path=\"url(#%s)\"><g class=\"data\">\n",
		id, X0 - 1, VD_HTML_COLS + 2, height, id);
}

/* what the plot shows of the recordings' span */
static void span_note(FILE *out, const struct vd_html *h)
{
	char a[32], b[32], c[32], d[32];

	for (int s = 0; s < (h->aligned ? 1 : 2); s++) {
		const struct vd_html_axis *v = &h->view[s], *r = &h->axis[s];

		if (v->t0 == r->t0 && v->t1 == r->t1)
			continue;
		fprintf(out,
			" %s shows %s .. %s s, where the packets and problems are; the "
			"recordings span %s .. %s s.",
			h->aligned ? "The plot"
			: s	   ? "B's lane"
				   : "A's lane",
			vd_fmt_sec(a, sizeof(a), v->t0), vd_fmt_sec(b, sizeof(b), v->t1),
			vd_fmt_sec(c, sizeof(c), r->t0), vd_fmt_sec(d, sizeof(d), r->t1));
	}
}

void vd_html_timeline(struct vd_html *h)
{
	FILE *out = h->out;
	uint64_t drawn = h->marks.n + h->prio.n, total = h->marks.seen + h->prio.seen;
	int height = h->sides[1] ? TL_H : A_BOT + 48;
	char note[512];

	fprintf(out,
		"<section id=\"timeline\">\n<h2>Timeline</h2>\n<svg xmlns=\"http://www.w3.org/2000/"
		"svg\" class=\"timeline zoomable\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-label=\"timeline of both partitions\" data-x0=\"%d\" data-w=\"%d\">\n",
		VW, height, X0, VD_HTML_COLS);
	for (int s = 0; s < 2; s++)
		if (h->sides[s])
			lane_label(out, h, (enum vd_side)s);
	data_begin(out, "clip-tl", height);
	shade_findings(out, h);
	for (int s = 0; s < 2; s++)
		if (h->sides[s])
			side_events(out, h, (enum vd_side)s);
	draw_packets(out, h);
	fputs("</g></g>\n", out);
	if (!h->sides[1]) {
		/* one recording: its lane alone, the axis under it */
		axis(out, h, VD_SIDE_A, A_BOT + 8);
	} else {
		if (!h->aligned) {
			/* each lane on its own clock: say it where the lines would be */
			axis(out, h, VD_SIDE_A, A_BOT + 6);
			fprintf(
			    out,
			    "<text x=\"%d\" y=\"%d\" fill=\"#b91c1c\" font-weight=\"600\">"
			    "not aligned: each lane has its own time axis (its own trace clock); "
			    "no packet is paired</text>\n",
			    X0 + 8, (A_BOT + B_TOP) / 2 + 14);
			axis(out, h, VD_SIDE_B, AXIS_Y);
		} else {
			axis(out, h, VD_SIDE_A, AXIS_Y);
		}
	}
	fputs("</svg>\n", out);
	vd_export_clock_note(h->res, note, sizeof(note));
	fputs("<p class=\"note clock-note\">Time axis: seconds; ", out);
	vd_html_esc(out, note);
	fputs(".", out);
	span_note(out, h);
	fputs("</p>\n", out);
	fprintf(out,
		"<p class=\"note marks\" data-drawn=\"%" PRIu64 "\" data-total=\"%" PRIu64 "\">",
		drawn, total);
	if (drawn == total)
		fprintf(out, "Packet marks: all %" PRIu64 " drawn", total);
	else
		fprintf(out,
			"Packet marks: %" PRIu64 " drawn of %" PRIu64 " (evenly decimated to keep "
			"the page small; every lost, missing, late or undecided one is kept up to "
			"%d, %" PRIu64 " of %" PRIu64 " here)",
			drawn, total, VD_HTML_PRIO_MARKS, (uint64_t)h->prio.n, h->prio.seen);
	if (h->paired)
		fputs("; each packet is drawn from its send; receives with no recorded send are "
		      "not drawn (correlate --json counts them: orphan_receives).",
		      out);
	else
		fputs(".", out);
	if (h->sides[1])
		fprintf(out,
			" vsock interrupts: %" PRIu64 " on A, %" PRIu64
			" on B; failed allocations: "
			"%" PRIu64 " on A, %" PRIu64 " on B; lost-event marks: %" PRIu64 " on A, "
			"%" PRIu64 " on B.</p>\n",
			h->nirq[0], h->nirq[1], h->nallocfail[0], h->nallocfail[1], h->nlost[0],
			h->nlost[1]);
	else
		fprintf(out,
			" vsock interrupts: %" PRIu64 "; failed allocations: %" PRIu64
			"; lost-event marks: %" PRIu64 ".</p>\n",
			h->nirq[0], h->nallocfail[0], h->nlost[0]);
	legend(out, h);
	fputs("<p class=\"zoomhint\" hidden>Drag across the timeline to zoom in; double-click to "
	      "zoom out.</p>\n</section>\n",
	      out);
}

/* ---- credit -------------------------------------------------------------------------- */

static int cmp_sent(const void *a, const void *b)
{
	const struct vd_html_credit *x = *(const struct vd_html_credit *const *)a;
	const struct vd_html_credit *y = *(const struct vd_html_credit *const *)b;

	return VD_CMP(y->sent, x->sent);
}

#define CR_H   64 /* a plot's height */
#define CR_ROW 104

static void credit_row(FILE *out, const struct vd_html *h, const struct vd_html_credit *k, int y)
{
	const struct vd_conn *c = NULL;
	enum vd_side tx = vd_dir_sender((enum vd_dir)k->dir);
	double scale = k->max > 0 ? (double)CR_H / (double)k->max : 0;
	int base = y + 18 + CR_H;
	int32_t lo[VD_HTML_COLS], hi[VD_HTML_COLS], last[VD_HTML_COLS];
	char b[32];
	bool open = false;

	for (size_t i = 0; i < h->res->nconns; i++)
		if (h->res->conns[i].id == k->conn)
			c = &h->res->conns[i];
	fprintf(out, "<text class=\"lane\" x=\"%d\" y=\"%d\">connection %u ", X0, y + 12, k->conn);
	vd_html_esc(out, h->o->name[tx]);
	fputs(" \xe2\x86\x92 ", out);
	vd_html_esc(out, h->o->name[!tx]);
	if (c)
		fprintf(out, " (%u:%u %s %u:%u)", c->tuple.a_cid, c->tuple.a_port,
			k->dir ? "\xe2\x86\x90" : "\xe2\x86\x92", c->tuple.b_cid, c->tuple.b_port);
	fprintf(out, ": the sender's available credit, %" PRIu64 " packets sent</text>\n",
		c ? c->d[k->dir].sent_pkts : k->sent);
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f3f5f9\"/>\n", X0,
		y + 18, VD_HTML_COLS, CR_H);
	snprintf(b, sizeof(b), "clip-cr%u-%u", k->conn, k->dir);
	data_begin(out, b, base + 1);
	/* its connection's problems behind it */
	for (size_t i = 0; i < h->res->findings.n; i++) {
		const struct vd_finding *f = &h->res->findings.v[i];
		bool mine = f->conn == (int64_t)k->conn;
		double x0, x1;

		for (unsigned int j = 0; j < f->nconns; j++)
			mine |= f->conns[j] == k->conn;
		if (!mine || f->severity == VD_SEV_INFO || !finding_span(h, f, tx, &x0, &x1))
			continue;
		fprintf(out,
			"<a href=\"#f%zu\"><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
			"fill=\"%s\" fill-opacity=\"0.15\">",
			i + 1, x0, y + 18, x1 - x0, CR_H,
			f->severity == VD_SEV_ERROR ? C_LOST : "#e0a000");
		finding_title(out, h, i);
		fputs("</rect></a>\n", out);
	}
	for (int col = 0; col < VD_HTML_COLS; col++)
		lo[col] = hi[col] = last[col] = -1;
	for (int i = 0; i < VD_HTML_BINS; i++) {
		int col = k->lo[i] >= 0 ? bin_col(h, tx, i) : -1;

		if (col < 0)
			continue;
		lo[col] = lo[col] < 0 ? k->lo[i] : VD_MIN(lo[col], k->lo[i]);
		hi[col] = VD_MAX(hi[col], k->hi[i]);
		last[col] = k->last[i];
	}
	/* each column: from the last value before it, through its low and high, to its last */
	fprintf(out, "<path class=\"credit\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" d=\"",
		dir_color[k->dir]);
	for (int col = 0; col < VD_HTML_COLS; col++) {
		if (lo[col] < 0)
			continue;
		if (open)
			fprintf(out, "H%d", X0 + col);
		else
			fprintf(out, "M%d %.1f", X0 + col, base - lo[col] * scale);
		fprintf(out, "V%.1fV%.1fV%.1f", base - hi[col] * scale, base - lo[col] * scale,
			base - last[col] * scale);
		open = true;
	}
	fputs("\"/>\n", out);
	fputs("<path class=\"zero\" stroke=\"" C_LOST "\" stroke-width=\"3\" d=\"", out);
	for (int col = 0; col < VD_HTML_COLS; col++)
		if (lo[col] == 0)
			fprintf(out, "M%d %dh1", X0 + col, base - 1);
	fputs("\"><title>no credit left</title></path>\n</g></g>\n", out);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", X0 - 6, y + 26,
		vd_fmt_bytes(b, sizeof(b), (uint64_t)k->max));
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", X0 - 6, base);
	axis(out, h, tx, base);
}

void vd_html_credit_plots(struct vd_html *h)
{
	const struct vd_html_credit *k[VD_HTML_CREDIT_DIRS];
	FILE *out = h->out;
	size_t n = 0, busy = 0;

	for (int i = 0; i < VD_HTML_CREDIT_DIRS; i++)
		if (h->credit[i].used && h->credit[i].samples)
			k[n++] = &h->credit[i];
	for (size_t i = 0; i < h->res->nconns; i++)
		for (int d = 0; d < 2; d++)
			busy += !h->res->conns[i].loopback && h->res->conns[i].d[d].sent_pkts;
	qsort(k, n, sizeof(k[0]), cmp_sent);
	fputs("<section id=\"credit\">\n<h2>Credit</h2>\n", out);
	if (!n) {
		fprintf(
		    out, "<p class=\"note\">No credit to plot: %s.</p>\n</section>\n",
		    busy ? "the recordings never tell a sender's credit (no REQUEST or no packet "
			   "back from the receiver seen)"
			 : "no data packet was sent");
		return;
	}
	n = VD_MIN(n, (size_t)VD_HTML_CREDIT_PLOTS);
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"credit zoomable\" viewBox=\"0 0 "
		"%d %zu\" role=\"img\" aria-label=\"credit over time\" data-x0=\"%d\" "
		"data-w=\"%d\">\n",
		VW, n * CR_ROW + 8, X0, VD_HTML_COLS);
	for (size_t i = 0; i < n; i++)
		credit_row(out, h, k[i], (int)(i * CR_ROW));
	fputs("</svg>\n", out);
	fprintf(out,
		"<p class=\"note\">The credit a sender may still send (buf_alloc - (tx_cnt - "
		"fwd_cnt), from the sender's own recording), lowest to highest in each pixel "
		"column; red at the bottom: none left. %zu busiest of %zu connection directions "
		"that sent data%s.</p>\n</section>\n",
		n, busy,
		h->credit_replaced ? " (a busier connection took over a quieter one's plot: it "
				     "starts when it became busy)"
				   : "");
}
