// SPDX-License-Identifier: GPL-2.0
/*
 * vsockdiag export -f html: one self-contained page to attach to a bug
 * report.  The verdict and the findings in correlate's own words, a timeline
 * of both partitions (export_html_svg.c), the credit of the busiest
 * connection directions, the connections, and correlate's whole report.
 *
 * Nothing leaves the page: no network, no external script, font or image,
 * and a Content-Security-Policy that forbids any (a recording is hostile: a
 * comm or a --names label must never become markup, and if an escape were
 * ever missed the page still could not load or send anything).  The only
 * script, for zooming, is allowed by its hash; the page reads fully without it.
 *
 * Memory stays bounded whatever the recording's length: packet marks are
 * decimated evenly (export_html.h), everything else is counted per pixel
 * column, and the page says how many marks it drew of how many.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/sinks/export.h"
#include "analyzers/sinks/export_html.h"
#include "analyzers/sinks/render.h"
#include "analyzers/sinks/sinks.h"
#include "common/util.h"

int vd_html_bin(const struct vd_html *h, enum vd_side side, int64_t t)
{
	const struct vd_html_axis *a = &h->axis[side];
	double x;

	if (t <= a->t0)
		return 0;
	x = (double)(t - a->t0) * VD_HTML_BINS / (double)(a->t1 - a->t0);
	return x >= VD_HTML_BINS - 1 ? VD_HTML_BINS - 1 : (int)x;
}

int64_t vd_html_bin_time(const struct vd_html *h, enum vd_side side, int i)
{
	const struct vd_html_axis *a = &h->axis[side];

	return a->t0 + (int64_t)(((double)i + 0.5) * (double)(a->t1 - a->t0) / VD_HTML_BINS);
}

/* ---- collecting: bounded whatever the recording's length ----------------------------- */

static void marks_init(struct vd_html_marks *m, size_t cap)
{
	m->v = vd_xcalloc(cap, sizeof(*m->v));
	m->cap = cap;
	m->stride = 1;
}

static void marks_add(struct vd_html_marks *m, const struct vd_html_mark *k)
{
	if (m->seen++ % m->stride)
		return;
	if (m->n == m->cap) {
		/* keep every other one: still evenly spread, at twice the stride */
		for (size_t i = 0; i < m->n / 2; i++)
			m->v[i] = m->v[2 * i];
		m->n /= 2;
		m->stride *= 2;
		if ((m->seen - 1) % m->stride)
			return;
	}
	m->v[m->n++] = *k;
}

static void *html_create(FILE *out, const struct vd_opts *o)
{
	struct vd_html *h = vd_xcalloc(1, sizeof(*h));

	h->out = out;
	h->o = o;
	marks_init(&h->marks, VD_HTML_MARKS);
	marks_init(&h->prio, VD_HTML_PRIO_MARKS);
	return h;
}

static void html_destroy(void *w)
{
	struct vd_html *h = w;

	free(h->marks.v);
	free(h->prio.v);
	free(h);
}

/* a side's recorded span on the export's axis */
static void side_span(const struct vd_result *res, enum vd_side s, int64_t *t0, int64_t *t1)
{
	const struct vd_source_stats *st = &res->side[s].stats;

	*t0 = vd_export_time(res, s, (int64_t)st->first_ts);
	*t1 = vd_export_time(res, s, (int64_t)st->last_ts);
}

static int html_begin(void *w, const struct vd_result *res)
{
	struct vd_html *h = w;
	int64_t a0, a1, b0, b1;

	h->res = res;
	h->sides[0] = true;
	h->sides[1] = res->two_sides;
	h->aligned = vd_export_aligned(res);
	h->paired = res->two_sides && vd_clock_aligned(&res->clock);
	side_span(res, VD_SIDE_A, &a0, &a1);
	if (res->two_sides)
		side_span(res, VD_SIDE_B, &b0, &b1);
	else
		b0 = a0, b1 = a1;
	if (h->aligned) {
		a0 = VD_MIN(a0, b0);
		a1 = VD_MAX(a1, b1);
		b0 = a0, b1 = a1;
	}
	h->axis[0] = (struct vd_html_axis){ a0, a1 > a0 ? a1 : a0 + 1 };
	h->axis[1] = (struct vd_html_axis){ b0, b1 > b0 ? b1 : b0 + 1 };
	for (int s = 0; s < 2; s++)
		for (unsigned int i = 0; i < res->side[s].nirq; i++)
			h->irq_line_known[s] |= res->side[s].irq[i].vsock;
	return 0;
}

/* the direction slot that follows c's credit in d, or NULL when busier ones hold them all */
static struct vd_html_credit *credit_slot(struct vd_html *h, const struct vd_conn *c, enum vd_dir d,
					  int64_t t)
{
	struct vd_html_credit *free_slot = NULL, *least = NULL;
	uint64_t sent = c->d[d].sent_pkts;

	for (int i = 0; i < VD_HTML_CREDIT_DIRS; i++) {
		struct vd_html_credit *k = &h->credit[i];

		if (!k->used) {
			free_slot = free_slot ? free_slot : k;
			continue;
		}
		if (k->conn == c->id && k->dir == d) {
			k->sent = sent;
			return k;
		}
		if (!least || k->sent < least->sent)
			least = k;
	}
	if (!free_slot) {
		/* a connection much busier than the quietest followed one takes its slot */
		if (!least || sent < 2 * least->sent + 64)
			return NULL;
		free_slot = least;
		h->credit_replaced++;
	}
	/* every column -1 (no sample): all bits set */
	memset(free_slot, 0xff, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->conn = c->id;
	free_slot->dir = (uint8_t)d;
	free_slot->sent = sent;
	free_slot->since = t;
	free_slot->max = 0;
	free_slot->samples = free_slot->unknown = 0;
	return free_slot;
}

/* the sender's credit in d after a packet it sent or received at t (its own clock) */
static void credit_sample(struct vd_html *h, const struct vd_conn *c, enum vd_side side,
			  enum vd_dir d, int64_t t)
{
	int64_t at = vd_export_time(h->res, side, t), v = vd_credit_avail(&c->credit[d]);
	struct vd_html_credit *k;
	int col;

	if (c->d[d].sent_pkts == 0)
		return; /* nothing sent this way: no credit worth a plot */
	k = credit_slot(h, c, d, at);
	if (!k)
		return;
	if (v < 0) {
		k->unknown++;
		return;
	}
	col = vd_html_bin(h, side, at);
	v = VD_MIN(v, (int64_t)INT32_MAX);
	k->samples++;
	k->max = VD_MAX(k->max, (int32_t)v);
	if (k->lo[col] < 0 || v < k->lo[col])
		k->lo[col] = (int32_t)v;
	k->hi[col] = VD_MAX(k->hi[col], (int32_t)v);
	k->last[col] = (int32_t)v;
}

static void html_packet(void *w, const struct vd_session *s, const struct vd_conn *c,
			enum vd_side side, enum vd_dir dir, bool sent, const struct vd_event *ev)
{
	struct vd_html *h = w;
	/* the direction whose sender is side: this packet's, or the other when side receives */
	enum vd_dir cd = sent ? dir : (enum vd_dir) !dir;

	(void)s;
	credit_sample(h, c, side, cd, (int64_t)ev->ts_ns);
	/* paired: a send is drawn from its fate, with its arrival (orphans are only counted) */
	if (h->paired)
		return;
	marks_add(
	    &h->marks,
	    &(struct vd_html_mark){
		.kind = sent ? VD_HTML_SEND : VD_HTML_RECV,
		.dir = (uint8_t)dir,
		.op = ev->pkt.op,
		.t_send = sent ? vd_export_time(h->res, side, (int64_t)ev->ts_ns) : VD_NO_TIME,
		.t_rx = sent ? VD_NO_TIME : vd_export_time(h->res, side, (int64_t)ev->ts_ns),
	    });
}

static void html_fate(void *w, const struct vd_session *s, const struct vd_conn *c, enum vd_dir dir,
		      const struct vd_pending *p, enum vd_fate fate, int64_t t_recv_last)
{
	struct vd_html *h = w;
	enum vd_side tx = vd_dir_sender(dir), rx = vd_dir_receiver(dir);
	struct vd_html_mark k = { .kind = VD_HTML_PAIR,
				  .dir = (uint8_t)dir,
				  .fate = (uint8_t)fate,
				  .op = p->op,
				  .t_send = vd_export_time(h->res, tx, (int64_t)p->t_send),
				  .t_rx = VD_NO_TIME };

	(void)s, (void)c, (void)t_recv_last;
	if (fate == VD_FATE_DELIVERED && p->first_rx != VD_NO_TIME) {
		k.t_rx = vd_export_time(h->res, rx, p->first_rx);
		if (vd_sub_sat(p->first_rx, p->t_send_rx) > h->o->stall_ns)
			k.flags |= VD_HTML_LATE;
	}
	/* what a finding is about is always kept (decimated only among its kind) */
	if (fate != VD_FATE_DELIVERED || (k.flags & VD_HTML_LATE))
		marks_add(&h->prio, &k);
	else
		marks_add(&h->marks, &k);
}

static void count_at(struct vd_html *h, uint32_t cols[VD_HTML_BINS], uint64_t *total,
		     enum vd_side side, int64_t t)
{
	int col = vd_html_bin(h, side, vd_export_time(h->res, side, t));

	if (cols[col] < UINT32_MAX)
		cols[col]++;
	(*total)++;
}

static bool vsock_irq(const struct vd_side_info *si, const struct vd_irq *irq)
{
	for (unsigned int i = 0; i < si->nirq; i++)
		if (si->irq[i].vsock && (si->irq[i].num == irq->irq ||
					 (irq->name[0] && !strcmp(si->irq[i].name, irq->name))))
			return true;
	return false;
}

static void html_event(void *w, const struct vd_session *s, enum vd_side side,
		       const struct vd_event *ev)
{
	struct vd_html *h = w;
	int64_t t = (int64_t)ev->ts_ns;

	(void)s;
	switch (ev->kind) {
	case VD_EV_IRQ_ENTRY:
		if (vsock_irq(&h->res->side[side], &ev->irq))
			count_at(h, h->irq[side], &h->nirq[side], side, t);
		break;
	case VD_EV_PAGE_ALLOC:
		if (ev->page.failed)
			count_at(h, h->allocfail[side], &h->nallocfail[side], side, t);
		break;
	case VD_EV_KMALLOC:
		if (ev->kmalloc.failed)
			count_at(h, h->allocfail[side], &h->nallocfail[side], side, t);
		break;
	case VD_EV_LOST:
		count_at(h, h->lost[side], &h->nlost[side], side, t);
		break;
	case VD_EV_MARK:
		if (h->nmarker[side] < VD_HTML_MARKERS)
			h->marker[side][h->nmarker[side]++] =
			    (typeof(h->marker[0][0])){ vd_export_time(h->res, side, t),
						       ev->mark.what == VD_MARK_RECORDER_STOP };
		break;
	case VD_EV_BPF:
		if (ev->bpf.has_t)
			t = (int64_t)ev->bpf.t;
		if (ev->bpf.kind == VD_BPF_VQIRQ && !h->irq_line_known[side])
			count_at(h, h->irq[side], &h->nirq[side], side, t);
		else if (ev->bpf.kind == VD_BPF_LOST)
			count_at(h, h->lost[side], &h->nlost[side], side, t);
		/* the same failure as the kmem event when both were recorded: one mark per column
		 */
		else if (ev->bpf.kind == VD_BPF_ALLOCFAIL &&
			 !h->allocfail[side][vd_html_bin(h, side, vd_export_time(h->res, side, t))])
			count_at(h, h->allocfail[side], &h->nallocfail[side], side, t);
		break;
	default:
		break;
	}
}

static void widen(int64_t lo[2], int64_t hi[2], enum vd_side s, int64_t t)
{
	if (t == VD_NO_TIME)
		return;
	lo[s] = VD_MIN(lo[s], t);
	hi[s] = VD_MAX(hi[s], t);
}

static void widen_marks(int64_t lo[2], int64_t hi[2], const struct vd_html_marks *m)
{
	for (size_t i = 0; i < m->n; i++) {
		enum vd_dir d = (enum vd_dir)m->v[i].dir;

		widen(lo, hi, vd_dir_sender(d), m->v[i].t_send);
		widen(lo, hi, vd_dir_receiver(d), m->v[i].t_rx);
	}
}

/*
 * What the plot shows: where packets went and problems were, a little
 * wider; not the recordings' whole span, often mostly idle (a recorder
 * started long before the test).  The page says what the recordings span.
 */
static void view(struct vd_html *h, const struct vd_result *res)
{
	int64_t lo[2] = { INT64_MAX, INT64_MAX }, hi[2] = { INT64_MIN, INT64_MIN };

	widen_marks(lo, hi, &h->marks);
	widen_marks(lo, hi, &h->prio);
	for (size_t i = 0; i < res->findings.n; i++) {
		const struct vd_finding *f = &res->findings.v[i];

		if (f->severity == VD_SEV_INFO)
			continue;
		for (int s = 0; s < 2; s++) {
			if (f->start[s] == VD_NO_TIME)
				continue;
			widen(lo, hi, (enum vd_side)s,
			      vd_export_time(res, (enum vd_side)s, f->start[s]));
			widen(lo, hi, (enum vd_side)s,
			      vd_export_time(res, (enum vd_side)s,
					     f->end[s] != VD_NO_TIME ? f->end[s] : f->start[s]));
		}
	}
	if (h->aligned) {
		lo[0] = lo[1] = VD_MIN(lo[0], lo[1]);
		hi[0] = hi[1] = VD_MAX(hi[0], hi[1]);
	}
	for (int s = 0; s < 2; s++) {
		const struct vd_html_axis *a = &h->axis[s];
		int64_t pad;

		if (lo[s] > hi[s]) {
			h->view[s] = *a;
			continue;
		}
		pad = VD_MAX((hi[s] - lo[s]) / 25, (int64_t)NSEC_PER_MSEC);
		h->view[s].t0 = VD_MAX(a->t0, lo[s] - pad);
		h->view[s].t1 = VD_MIN(a->t1, hi[s] + pad);
		if (h->view[s].t1 <= h->view[s].t0)
			h->view[s] = *a;
	}
}

static int html_finish(void *w, const struct vd_opts *o, const struct vd_result *res)
{
	struct vd_html *h = w;

	h->res = res;
	view(h, res);
	return vd_html_page(h, o, res);
}

const struct vd_exporter vd_export_html = {
	.name = "html",
	.ext = ".html",
	.what = "one self-contained page for a bug report: verdict, findings, timeline",
	.create = html_create,
	.begin = html_begin,
	.packet = html_packet,
	.fate = html_fate,
	.event = html_event,
	.finish = html_finish,
	.destroy = html_destroy,
};
