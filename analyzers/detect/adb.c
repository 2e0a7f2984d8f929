// SPDX-License-Identifier: GPL-2.0
/*
 * adb over vsock, from BPF payload heads (doc/bpf-events.md payload lines):
 * each record is framed by its own recording and direction (adb/adb_frame.c)
 * and the messages follow the connection's streams (adb/adb.c), kept in the
 * result (res->adb) for the reports.  At the end:
 *   - adb_write_unacked: a WRTE whose OKAY never came (for longer than
 *     --stall), or came later than that; the writer's records say it waited,
 *     the reader's say whether it arrived and whether the OKAY was sent;
 *   - adb_cnxn_unanswered: a CNXN the other end never answered (--grace);
 *   - the streams open when a connection's delivery broke, as evidence on the
 *     undelivered/stall/starvation findings made before this detector, or
 *     adb_streams_cut when the connection was reset under open streams.
 * A recording that lost events (its BPF records or trace events) may have
 * lost payload records: framing inside a message stops there and the
 * findings say so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/adb/adb.h"
#include "analyzers/detect/detector.h"

struct aconn {
	uint32_t conn;
	int64_t idx;		       /* in res->adb.v once a message was framed; -1 */
	struct vd_adb_framer fr[2][2]; /* [side][dir] */
	struct vd_adb_count cnt[2][2]; /* [side][dir] */
	bool bpf_lost[2];
};

struct adbdet {
	struct aconn **by_conn; /* [conn id - 1] */
	size_t cap;
};

struct msg_ctx {
	struct vd_session *s;
	struct aconn *ac;
	enum vd_side side;
	enum vd_dir dir;
};

static void *create(struct vd_session *s)
{
	(void)s;
	return vd_xcalloc(1, sizeof(struct adbdet));
}

static void destroy(void *st)
{
	struct adbdet *x = st;

	for (size_t i = 0; i < x->cap; i++)
		free(x->by_conn[i]);
	free(x->by_conn);
	free(x);
}

static struct vd_adb_conn *summary_of(struct vd_session *s, struct aconn *ac)
{
	struct vd_adb_result *r = &s->res->adb;

	if (ac->idx < 0) {
		if (r->n == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 4;
			r->v = vd_xrealloc(r->v, r->cap, sizeof(*r->v));
		}
		vd_adb_conn_init(&r->v[r->n], ac->conn);
		ac->idx = (int64_t)r->n++;
	}
	return &r->v[ac->idx];
}

static void sync_counts(struct vd_session *s, struct aconn *ac)
{
	struct vd_adb_conn *a;

	if (ac->idx < 0)
		return;
	a = summary_of(s, ac);
	memcpy(a->cnt, ac->cnt, sizeof(a->cnt));
	memcpy(a->bpf_lost, ac->bpf_lost, sizeof(a->bpf_lost));
}

static void on_msg(void *ctx, const struct vd_adb_msg *m)
{
	struct msg_ctx *c = ctx;

	vd_adb_apply(summary_of(c->s, c->ac), c->side, c->dir, m);
}

/* the connection of a payload record, by its tuple as the recording side names it */
static struct aconn *conn_of(struct adbdet *x, struct vd_session *s, enum vd_side side,
			     const struct vd_bpf_payload *p, enum vd_dir *dir)
{
	struct vd_endpoints ep;
	const struct vd_flow *f;
	struct vd_tuple t;
	size_t i;

	if (!p->have_src || !p->have_dst || p->src_cid == p->dst_cid)
		return NULL; /* no tuple, or loopback: never crosses */
	if (p->rx)
		ep = (struct vd_endpoints){ p->dst_cid, p->dst_port, p->src_cid, p->src_port };
	else
		ep = (struct vd_endpoints){ p->src_cid, p->src_port, p->dst_cid, p->dst_port };
	t = vd_tuple_from(side, &ep, &s->res->map);
	f = vd_ct_find(&s->ct, &t);
	if (!f || f->cur_conn <= 0 || (size_t)f->cur_conn > s->res->nconns)
		return NULL;
	/* sent by A or received by B: A->B */
	*dir = (side == VD_SIDE_A) != p->rx ? VD_DIR_A_TO_B : VD_DIR_B_TO_A;
	i = (size_t)f->cur_conn - 1;
	if (i >= x->cap) {
		size_t cap = VD_MAX(i + 1, 2 * x->cap);

		x->by_conn = vd_xrealloc(x->by_conn, cap, sizeof(*x->by_conn));
		memset(x->by_conn + x->cap, 0, (cap - x->cap) * sizeof(*x->by_conn));
		x->cap = cap;
	}
	if (!x->by_conn[i]) {
		struct aconn *ac = vd_xcalloc(1, sizeof(*ac));

		ac->conn = (uint32_t)f->cur_conn;
		ac->idx = -1;
		for (int a = 0; a < 2; a++)
			for (int d = 0; d < 2; d++)
				vd_adb_framer_init(&ac->fr[a][d]);
		x->by_conn[i] = ac;
	}
	return x->by_conn[i];
}

/* side's recording lost events: payload records of every connection may be missing */
static void gap(struct adbdet *x, struct vd_session *s, enum vd_side side)
{
	for (size_t i = 0; i < x->cap; i++) {
		struct aconn *ac = x->by_conn[i];

		if (!ac)
			continue;
		ac->bpf_lost[side] = true;
		for (int d = 0; d < 2; d++)
			vd_adb_frame_gap(&ac->fr[side][d], &ac->cnt[side][d]);
		sync_counts(s, ac);
	}
}

static void event(void *st, struct vd_session *s, enum vd_side side, const struct vd_event *ev)
{
	struct adbdet *x = st;
	const struct vd_bpf_payload *p = &ev->bpf.payload;
	struct msg_ctx c = { .s = s, .side = side };

	if (!s->cfg.final)
		return;
	if (ev->kind == VD_EV_LOST || (ev->kind == VD_EV_BPF && ev->bpf.kind == VD_BPF_LOST)) {
		gap(x, s, side);
		return;
	}
	if (ev->kind != VD_EV_BPF || ev->bpf.kind != VD_BPF_PAYLOAD)
		return;
	c.ac = conn_of(x, s, side, p, &c.dir);
	if (!c.ac)
		return;
	vd_adb_frame(&c.ac->fr[side][c.dir], &c.ac->cnt[side][c.dir],
		     ev->bpf.has_t ? (int64_t)ev->bpf.t : (int64_t)ev->ts_ns, p->len, p->head,
		     p->nhead, on_msg, &c);
	sync_counts(s, c.ac);
}

/* ---- findings ---------------------------------------------------------------------------- */

static bool has_records(const struct vd_adb_conn *a, int side)
{
	return a->cnt[side][0].records || a->cnt[side][1].records;
}

static void stream_evidence(struct vd_finding *f, const struct vd_adb_stream *st)
{
	struct vd_evidence *e = vd_finding_evidence(f, VD_EVD_ADB_STREAM, -1);

	if (!e)
		return;
	e->v[0] = st->id[0];
	e->v[1] = st->id[1];
	e->v[2] = st->opener;
	e->v[3] = st->service_cut;
	snprintf(e->sym, sizeof(e->sym), "%s", st->service);
}

/* what could have hidden records: framing lost, or the recording lost events */
static void framing_evidence(struct vd_finding *f, const struct vd_adb_conn *a, int side)
{
	uint64_t lost = a->cnt[side][0].lost + a->cnt[side][1].lost;
	struct vd_evidence *e;

	if (!lost && !a->bpf_lost[side])
		return;
	e = vd_finding_evidence(f, VD_EVD_ADB_FRAMING, side);
	if (e) {
		e->v[0] = (int64_t)lost;
		e->v[1] = (int64_t)(a->cnt[side][0].resyncs + a->cnt[side][1].resyncs);
		e->v[2] = a->bpf_lost[side];
	}
}

static void set_times(struct vd_session *s, struct vd_finding *f, int side, int64_t from,
		      int64_t to)
{
	f->start[side] = from;
	f->end[side] = to;
	if (vd_session_matching(s)) {
		f->start[!side] = vd_session_to_other(s, (enum vd_side)side, from);
		f->end[!side] = vd_session_to_other(s, (enum vd_side)side, to);
	}
	f->duration_ns = to - from;
}

static bool closed_after(const struct vd_adb_stream *st, int side, int64_t t)
{
	return st->t_close[side] != VD_NO_TIME && st->t_close[side] >= t;
}

/*
 * When the OKAY's way back (reader -> writer) ended after since, in view's clock, or
 * VD_NO_TIME: once the connection closed that way no OKAY can come, so a WRTE waits
 * until then, not until the recording ends.
 */
static int64_t okay_path_end(const struct vd_session *s, const struct vd_adb_conn *a, enum vd_dir d,
			     int view, int64_t since)
{
	const struct vd_conn *c = vd_ct_conn(&s->ct, a->conn);
	int64_t t = c ? c->t_dir_end[vd_dir_opposite(d)][view] : VD_NO_TIME;

	return t != VD_NO_TIME && t >= since ? t : VD_NO_TIME;
}

/* one direction of one stream: a WRTE waiting for its OKAY, or one that waited too long */
static void write_unacked(struct vd_session *s, const struct vd_adb_conn *a,
			  const struct vd_adb_stream *st, enum vd_dir d)
{
	int w = (int)vd_dir_sender(d), r = (int)vd_dir_receiver(d);
	bool wv = has_records(a, w), rv = has_records(a, r);
	int view = wv ? w : r, role = wv ? VD_ADB_WRITER : VD_ADB_READER;
	const struct vd_adb_flow *fl = &st->f[d][role], *rf = &st->f[d][VD_ADB_READER];
	int64_t thr = s->cfg.o->stall_ns, last = s->last_ts[view];
	int64_t closed = fl->unacked && fl->unacked_since != VD_NO_TIME
			     ? okay_path_end(s, a, d, view, fl->unacked_since)
			     : VD_NO_TIME;
	bool waiting;
	struct vd_finding *f;
	struct vd_evidence *e;

	if (closed != VD_NO_TIME)
		last = VD_MIN(last, closed);
	waiting = fl->unacked && fl->unacked_since != VD_NO_TIME &&
		  last - fl->unacked_since > thr && !closed_after(st, view, fl->unacked_since);

	if (!wv && !rv)
		return;
	if (!waiting && fl->max_wait_ns <= thr)
		return;
	f = vd_finding_new(&s->res->findings, VD_FK_ADB_WRITE_UNACKED,
			   waiting ? VD_SEV_ERROR : VD_SEV_WARNING);
	f->dir = d;
	f->conn = a->conn;
	f->ended = !waiting;
	f->closed = waiting && closed != VD_NO_TIME;
	if (waiting) {
		set_times(s, f, view, fl->unacked_since, last);
		f->count = fl->unacked;
		f->bytes = fl->unacked_bytes;
	} else {
		set_times(s, f, view, fl->max_wait_at, fl->max_wait_at + fl->max_wait_ns);
		f->count = 1;
	}
	f->v[0] = view;
	stream_evidence(f, st);
	if (!wv) {
		f->variant = VD_VAR_ADB_READER_ONLY;
		vd_finding_evidence(f, VD_EVD_ADB_ONE_VIEW, r);
	} else if (!rv) {
		f->variant = VD_VAR_ADB_ONE_VIEW;
		vd_finding_evidence(f, VD_EVD_ADB_ONE_VIEW, w);
	} else if (waiting) {
		/* the reader's own records, up to the end of its recording */
		if (rf->wrtes < fl->wrtes)
			f->variant = VD_VAR_ADB_NOT_RECEIVED;
		else if (rf->unacked)
			f->variant = VD_VAR_ADB_NOT_ACKED;
		else
			f->variant = VD_VAR_ADB_OKAY_LOST;
		e = vd_finding_evidence(f, VD_EVD_ADB_READER, r);
		if (e) {
			e->v[0] = (int64_t)rf->wrtes;
			e->v[1] = (int64_t)fl->wrtes;
			e->v[2] = rf->wrtes >= fl->wrtes && !rf->unacked;
		}
	}
	framing_evidence(f, a, w);
	framing_evidence(f, a, r);
}

static void cnxn_unanswered(struct vd_session *s, const struct vd_adb_conn *a, int e)
{
	const struct vd_adb_end *me = &a->end[e], *peer = &a->end[!e];
	int side = me->t_cnxn[e] != VD_NO_TIME ? e : !e;
	int64_t t = me->t_cnxn[side];
	struct vd_finding *f;
	struct vd_evidence *ev;

	if (!me->cnxn || peer->cnxn || t == VD_NO_TIME || s->last_ts[side] - t < s->cfg.o->grace_ns)
		return;
	f = vd_finding_new(&s->res->findings, VD_FK_ADB_CNXN_UNANSWERED, VD_SEV_ERROR);
	f->conn = a->conn;
	f->dir = e == VD_SIDE_A ? VD_DIR_A_TO_B : VD_DIR_B_TO_A;
	f->client = e;
	f->count = 1;
	set_times(s, f, side, t, s->last_ts[side]);
	f->ended = false;
	if (peer->auth[0] || peer->auth[1])
		f->variant = VD_VAR_ADB_AUTH_PENDING;
	f->v[0] = VD_MAX(peer->auth[0], peer->auth[1]);
	ev = vd_finding_evidence(f, VD_EVD_ADB_CNXN, e);
	if (ev) {
		ev->v[0] = me->version;
		ev->v[1] = me->maxdata;
		ev->v[2] = !has_records(a, !e) ? -1 : me->t_cnxn[!e] != VD_NO_TIME;
		snprintf(ev->sym, sizeof(ev->sym), "%s%s", me->banner, me->banner_cut ? "..." : "");
	}
	if (!has_records(a, !e))
		vd_finding_evidence(f, VD_EVD_ADB_ONE_VIEW, e);
	framing_evidence(f, a, e);
	framing_evidence(f, a, !e);
}

/* the streams open at t (side's clock): how many, how many wait for an OKAY, their names */
static int64_t open_streams(const struct vd_adb_conn *a, int side, int64_t t, char *list,
			    size_t size, int64_t *waiting)
{
	size_t used = 0;
	int64_t open = 0;

	list[0] = '\0';
	*waiting = 0;
	for (unsigned int i = 0; i < a->nstreams; i++) {
		const struct vd_adb_stream *st = &a->streams[i];
		const char *name = st->service[0] ? st->service : "(opened before)";
		int n;

		if (!vd_adb_open_at(st, (enum vd_side)side, t))
			continue;
		open++;
		for (int d = 0; d < 2; d++)
			if (st->f[d][0].unacked || st->f[d][1].unacked) {
				(*waiting)++;
				break;
			}
		n = snprintf(list + used, size - used, "%s%s%s", used ? ", " : "", name,
			     st->service_cut ? "..." : "");
		if (n > 0)
			used = VD_MIN(used + (size_t)n, size - 1);
	}
	return open;
}

/* the streams open at t as one evidence item; false when none were */
static bool streams_evidence(struct vd_finding *f, const struct vd_adb_conn *a, int side, int64_t t)
{
	struct vd_evidence *e;
	char list[72];
	int64_t waiting, open = open_streams(a, side, t, list, sizeof(list), &waiting);

	if (!open || !(e = vd_finding_evidence(f, VD_EVD_ADB_STREAMS, side)))
		return false;
	e->v[0] = open;
	e->v[1] = waiting;
	snprintf(e->sym, sizeof(e->sym), "%s", list);
	return true;
}

static bool on_conn(const struct vd_finding *f, uint32_t conn)
{
	if (f->conn == (int64_t)conn)
		return true;
	for (unsigned int i = 0; i < f->nconns && i < VD_FINDING_MAX_CONNS; i++)
		if (f->conns[i] == conn)
			return true;
	return false;
}

/* the link broke under these streams: say which, on the findings that say it broke */
static void streams_at_death(struct vd_session *s, const struct vd_adb_conn *a, size_t nbefore)
{
	const struct vd_conn *c = vd_ct_conn(&s->ct, a->conn);
	bool told = false;

	for (size_t i = 0; i < nbefore; i++) {
		struct vd_finding *f = &s->res->findings.v[i];

		if (!on_conn(f, a->conn))
			continue;
		switch (f->kind) {
		case VD_FK_UNDELIVERED:
		case VD_FK_UNVERIFIED_DELIVERY:
		case VD_FK_DELIVERY_STALL:
		case VD_FK_PARTIAL_DELIVERY:
		case VD_FK_CREDIT_STARVATION:
			break;
		default:
			continue;
		}
		for (int side = 0; side < 2; side++)
			if (f->start[side] != VD_NO_TIME && has_records(a, side)) {
				told |= streams_evidence(f, a, side, f->start[side]);
				break;
			}
	}
	if (told || c->end != VD_END_RESET)
		return;
	/* reset under open streams, and nothing else said the link broke */
	for (int side = 0; side < 2; side++) {
		struct vd_finding *f;
		int64_t waiting, open;
		char list[72];

		if (c->t_close[side] == VD_NO_TIME || !has_records(a, side))
			continue;
		open = open_streams(a, side, c->t_close[side], list, sizeof(list), &waiting);
		if (!open)
			return;
		f = vd_finding_new(&s->res->findings, VD_FK_ADB_STREAMS_CUT, VD_SEV_WARNING);
		f->conn = a->conn;
		f->client = c->closer;
		f->count = (uint64_t)open;
		set_times(s, f, side, c->t_close[side], c->t_close[side]);
		f->duration_ns = -1;
		streams_evidence(f, a, side, c->t_close[side]);
		framing_evidence(f, a, side);
		return;
	}
}

static void end(void *st, struct vd_session *s)
{
	struct adbdet *x = st;
	size_t nbefore = s->res->findings.n;

	if (!s->cfg.final)
		return;
	for (size_t i = 0; i < x->cap; i++) {
		struct aconn *ac = x->by_conn[i];
		const struct vd_conn *c;
		struct vd_adb_conn *a;

		if (!ac || ac->idx < 0)
			continue;
		c = vd_ct_conn(&s->ct, ac->conn);
		for (int side = 0; side < 2; side++)
			for (int d = 0; d < 2; d++) {
				vd_adb_frame_end(&ac->fr[side][d], &ac->cnt[side][d]);
				ac->cnt[side][d].packets =
				    side == (int)vd_dir_sender((enum vd_dir)d) ? c->d[d].sent_pkts
									       : c->d[d].recv_pkts;
			}
		sync_counts(s, ac);
		a = summary_of(s, ac);
		for (unsigned int k = 0; k < a->nstreams; k++)
			for (int d = 0; d < 2; d++)
				write_unacked(s, a, &a->streams[k], (enum vd_dir)d);
		for (int e = 0; e < 2; e++)
			cnxn_unanswered(s, a, e);
		streams_at_death(s, a, nbefore);
	}
}

/* a WRTE waiting longer than --stall now: an open window for a live view */
static void view(const void *st, const struct vd_session *s, struct vd_view *v)
{
	const struct vd_adb_result *r = &s->res->adb;

	(void)st;
	for (size_t i = 0; i < r->n; i++)
		for (unsigned int k = 0; k < r->v[i].nstreams; k++)
			for (int d = 0; d < 2; d++) {
				int w = (int)vd_dir_sender((enum vd_dir)d);
				const struct vd_adb_flow *fl =
				    &r->v[i].streams[k].f[d][VD_ADB_WRITER];
				struct vd_open_window ow = { .kind = VD_FK_ADB_WRITE_UNACKED,
							     .dir = d,
							     .conn = r->v[i].conn,
							     .start = { VD_NO_TIME, VD_NO_TIME },
							     .count = fl->unacked };

				if (!fl->unacked || fl->unacked_since == VD_NO_TIME ||
				    s->last_ts[w] - fl->unacked_since <= s->cfg.o->stall_ns)
					continue;
				ow.start[w] = fl->unacked_since;
				vd_view_open(v, &ow);
			}
}

const struct vd_det_ops vd_det_adb = {
	.name = "adb",
	.create = create,
	.event = event,
	.end = end,
	.view = view,
	.destroy = destroy,
};
