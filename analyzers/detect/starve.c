// SPDX-License-Identifier: GPL-2.0
/*
 * Credit starvation: a sender at zero credit for longer than --starve,
 * followed in the sender's own recording (model/credit.h), and classified by
 * what came back from the receiver while it lasted:
 *  - packets kept coming with fwd_cnt flat: the receiving application is
 *    not reading;
 *  - nothing came back, then a packet moved fwd_cnt: the receiver had
 *    consumed the data but did not say so (the "mutual hangup" class fixed in
 *    Linux by 93b808876682, Dec 2023; also seen in Firecracker,
 *    cloud-hypervisor, hyperkit, rust-vmm);
 *  - nothing came back at all: either of the two; no tracepoint sees the
 *    application's reads, so the finding says it cannot tell.
 * Whether a stall or a loss explains it instead is decided once every finding
 * exists (settle/settle.c).
 */
#include <stdlib.h>

#include "common/util.h"
#include "analyzers/detect/detector.h"

struct window {
	bool open;
	int64_t t0;		/* sender clock: credit reached zero */
	uint32_t fwd_cnt;	/* F when it did */
	uint32_t buf_alloc;	/* B when it did */
	int64_t outstanding;	/* bytes sent and not consumed, when it did */
	uint64_t peer_pkts;	/* packets from the receiver since */
	int64_t credit_request; /* sender's CREDIT_REQUEST in the window, or VD_NO_TIME */
	int64_t inflight_fwd;	/* most data not yet arrived at the receiver (-1 unknown) */
	int64_t inflight_back;	/* most receiver->sender data not yet arrived */
	int64_t closed_at;	/* the SHUTDOWN/RST that ended it, or VD_NO_TIME */
	uint16_t closed_op;
	bool closed_by_sender;
};

struct starve {
	struct window (*w)[2]; /* [conn id - 1][dir] */
	size_t cap;
};

static struct window *win(struct starve *x, const struct vd_conn *c, enum vd_dir d)
{
	if (c->id > x->cap) {
		size_t ncap = VD_MAX((size_t)c->id, x->cap * 2);

		x->w = vd_xrealloc(x->w, ncap, sizeof(*x->w));
		for (size_t i = x->cap; i < ncap; i++)
			for (int k = 0; k < 2; k++)
				x->w[i][k] = (struct window){ .closed_at = VD_NO_TIME };
		x->cap = ncap;
	}
	return &x->w[c->id - 1][d];
}

static void *create(struct vd_session *s)
{
	(void)s;
	return vd_xcalloc(1, sizeof(struct starve));
}

static void destroy(void *st)
{
	struct starve *x = st;

	free(x->w);
	free(x);
}

/* what the pairing says is still on its way, in both directions */
static void note_inflight(const struct vd_session *s, struct window *w, const struct vd_conn *c,
			  enum vd_dir d)
{
	w->inflight_fwd = VD_MAX(w->inflight_fwd, vd_session_inflight(s, c, d));
	w->inflight_back = VD_MAX(w->inflight_back, vd_session_inflight(s, c, vd_dir_opposite(d)));
}

static void open_window(const struct vd_session *s, struct window *w, const struct vd_conn *c,
			enum vd_dir d, int64_t t)
{
	*w = (struct window){ .open = true,
			      .t0 = t,
			      .fwd_cnt = c->credit[d].peer_fwd_cnt,
			      .buf_alloc = c->credit[d].peer_buf_alloc,
			      .outstanding = vd_credit_outstanding(&c->credit[d]),
			      .credit_request = VD_NO_TIME,
			      .inflight_fwd = -1,
			      .inflight_back = -1,
			      .closed_at = VD_NO_TIME };
	note_inflight(s, w, c, d);
}

static void close_window(struct vd_session *s, struct window *w, const struct vd_conn *c,
			 enum vd_dir d, int64_t t_end, bool ended, uint16_t end_op)
{
	enum vd_side tx = vd_dir_sender(d), rx = vd_dir_receiver(d);
	struct vd_finding *f;
	struct vd_evidence *ev;

	if (!w->open)
		return;
	note_inflight(s, w, c, d);
	w->open = false;
	if (!s->cfg.final || t_end - w->t0 < s->cfg.o->starve_ns)
		return;
	f = vd_finding_new(&s->res->findings, VD_FK_CREDIT_STARVATION, VD_SEV_ERROR);
	f->dir = d;
	f->conn = c->id;
	f->start[tx] = w->t0;
	f->end[tx] = t_end;
	if (vd_session_matching(s)) {
		f->start[rx] = vd_session_to_other(s, tx, w->t0);
		f->end[rx] = vd_session_to_other(s, tx, t_end);
	}
	f->duration_ns = t_end - w->t0;
	f->bytes = w->buf_alloc;
	f->closed = w->closed_at != VD_NO_TIME;
	f->ended = ended || f->closed;
	f->port = rx == VD_SIDE_A ? c->tuple.a_port : c->tuple.b_port;
	ev = vd_finding_evidence(f, VD_EVD_STARVE_FULL, tx);
	ev->v[0] = w->t0;
	ev->v[1] = w->outstanding;
	ev->v[2] = w->buf_alloc;
	ev->v[3] = w->fwd_cnt;
	if (w->credit_request != VD_NO_TIME)
		vd_finding_evidence(f, VD_EVD_CREDIT_REQUEST, tx)->v[0] = w->credit_request;
	if (f->closed && (ev = vd_finding_evidence(f, VD_EVD_STARVE_CLOSED, tx))) {
		ev->v[0] = w->closed_at;
		ev->v[1] = w->closed_op;
		ev->v[2] = w->closed_by_sender;
	}
	if (w->peer_pkts) {
		vd_finding_evidence(f, VD_EVD_PEER_KEPT_SENDING, rx)->v[0] = (int64_t)w->peer_pkts;
		/* no pairing (one recording, or unaligned): arrival is not known */
		f->variant = w->inflight_fwd < 0 ? VD_VAR_STARVE_NOT_READING_NOCLOCK
						 : VD_VAR_STARVE_NOT_READING;
	} else if (ended) {
		ev = vd_finding_evidence(f, VD_EVD_LATE_UPDATE, rx);
		ev->v[0] = t_end;
		ev->v[1] = end_op;
		ev->v[2] = c->credit[d].peer_fwd_cnt;
		ev->v[3] = (uint32_t)(c->credit[d].peer_fwd_cnt - w->fwd_cnt);
		f->variant = VD_VAR_STARVE_LATE;
	} else {
		vd_finding_evidence(f, VD_EVD_NOTHING_BACK, rx);
		f->variant = VD_VAR_STARVE_SILENT;
	}
}

static void reassess(struct vd_session *s, struct starve *x, const struct vd_conn *c, enum vd_dir d,
		     int64_t t, uint16_t op)
{
	int64_t avail = vd_credit_avail(&c->credit[d]);
	struct window *w = win(x, c, d);

	if (avail < 0)
		return;
	if (avail == 0 && !w->open && w->closed_at == VD_NO_TIME)
		open_window(s, w, c, d, t);
	else if (avail > 0 && w->open)
		close_window(s, w, c, d, t, true, op);
}

/*
 * The connection closed for d's sender: a window open ends there (still without
 * credit), and none opens after it (an RST still carries the receiver's credit).
 */
static void close_at_close(struct vd_session *s, struct starve *x, const struct vd_conn *c,
			   enum vd_dir d, const struct vd_event *ev, bool sent)
{
	struct window *w = win(x, c, d);

	if (w->closed_at != VD_NO_TIME || !vd_conn_op_ends_dir(ev->pkt.op, ev->pkt.flags, sent))
		return;
	w->closed_at = (int64_t)ev->ts_ns;
	w->closed_op = ev->pkt.op;
	w->closed_by_sender = sent;
	close_window(s, w, c, d, (int64_t)ev->ts_ns, false, ev->pkt.op);
}

/* connection start seen in this partition's recording: byte counts start at zero */
static void maybe_start(struct vd_conn *c, enum vd_dir d, uint16_t op)
{
	if ((op == VD_OP_REQUEST || op == VD_OP_RESPONSE) && !c->credit[d].tx_known)
		vd_credit_start(&c->credit[d]);
}

/*
 * The credit model lives on the connection (model.h): every view shares it.
 * This detector updates it and watches it reach zero.
 */
static void packet(void *st, struct vd_session *s, struct vd_conn *c, enum vd_side side,
		   enum vd_dir dir, bool sent, const struct vd_event *ev)
{
	struct starve *x = st;
	uint16_t op = ev->pkt.op;
	enum vd_dir d;

	/*
	 * An RST or a SHUTDOWN that ends the direction this recording's side sends in closes
	 * its window there, in its own clock (whoever sent it): still without credit at the
	 * close, not credit that came back.
	 */
	if (op == VD_OP_SHUTDOWN || op == VD_OP_RST)
		close_at_close(s, x, c, vd_dir_from(side), ev, sent);
	if (sent) {
		d = dir;
		maybe_start(c, d, op);
		if (op == VD_OP_CREDIT_REQUEST && win(x, c, d)->open)
			win(x, c, d)->credit_request = (int64_t)ev->ts_ns;
		if (op != VD_OP_RW)
			return;
		vd_credit_sent(&c->credit[d], ev->pkt.len);
		if (!c->credit[d].tx_known)
			c->credit_unknown[d]++;
		reassess(s, x, c, d, (int64_t)ev->ts_ns, op);
		return;
	}
	/* a packet R -> S carries R's credit for the opposite direction S -> R */
	d = vd_dir_opposite(dir);
	maybe_start(c, d, op);
	if (!ev->pkt.has_credit ||
	    !vd_credit_peer(&c->credit[d], op, ev->pkt.buf_alloc, ev->pkt.fwd_cnt))
		return;
	if (win(x, c, d)->open && ev->pkt.fwd_cnt == win(x, c, d)->fwd_cnt)
		win(x, c, d)->peer_pkts++;
	reassess(s, x, c, d, (int64_t)ev->ts_ns, op);
}

static void end(void *st, struct vd_session *s)
{
	struct starve *x = st;

	for (size_t i = 0; i < s->res->nconns; i++) {
		const struct vd_conn *c = &s->res->conns[i];

		for (int d = 0; d < 2; d++)
			close_window(s, win(x, c, (enum vd_dir)d), c, (enum vd_dir)d,
				     s->win_end[vd_dir_sender((enum vd_dir)d)], false, 0);
	}
}

static void view(const void *st, const struct vd_session *s, struct vd_view *v)
{
	const struct starve *x = st;

	(void)s;
	for (size_t i = 0; i < x->cap; i++) {
		for (int d = 0; d < 2; d++) {
			const struct window *w = &x->w[i][d];
			struct vd_open_window ow = { .kind = VD_FK_CREDIT_STARVATION,
						     .dir = d,
						     .conn = (int64_t)i + 1,
						     .start = { VD_NO_TIME, VD_NO_TIME },
						     .count = w->peer_pkts };

			if (!w->open)
				continue;
			ow.start[vd_dir_sender((enum vd_dir)d)] = w->t0;
			vd_view_open(v, &ow);
		}
	}
}

const struct vd_det_ops vd_det_starve = {
	.name = "credit_starvation",
	.create = create,
	.packet = packet,
	.end = end,
	.view = view,
	.destroy = destroy,
};
