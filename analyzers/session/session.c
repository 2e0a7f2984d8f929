// SPDX-License-Identifier: GPL-2.0
/*
 * The session: one event at a time into connections, pairing and credit,
 * and every step handed to the detectors.  Receives must arrive after every
 * send that could explain them (the feeder holds them back by the clock
 * tolerance), so a receive is matched the moment it is fed.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/detect/detector.h"
#include "analyzers/session/session.h"

/* which interrupt lines serve vsock is decided by the scan (batch/scan.c) */
bool vd_irq_is_vsock(const struct vd_side_info *info, const char *name);

int64_t vd_session_to_other(const struct vd_session *s, enum vd_side side, int64_t t)
{
	if (!vd_session_matching(s))
		return t;
	if (side == VD_SIDE_A)
		return vd_clock_a_to_b(s->cfg.clock, (uint64_t)t);
	return vd_clock_b_to_a(s->cfg.clock, (uint64_t)t);
}

int64_t vd_session_inflight(const struct vd_session *s, const struct vd_conn *c, enum vd_dir d)
{
	const struct vd_flow *f;
	int64_t bytes = 0;

	if (!vd_session_matching(s))
		return -1;
	f = vd_ct_find(&s->ct, &c->tuple);
	if (!f)
		return 0;
	for (size_t i = 0; i < f->s[d].count; i++) {
		const struct vd_pending *p = &f->s[d].q[(f->s[d].head + i) % f->s[d].cap];

		if (p->conn == c->id)
			bytes += p->remaining;
	}
	return bytes;
}

bool vd_session_lost_between(const struct vd_session *s, enum vd_side side, int64_t from,
			     int64_t to)
{
	for (size_t i = 0; i < s->nlost_mark[side]; i++)
		if (s->lost_mark[side][i] >= from && s->lost_mark[side][i] <= to)
			return true;
	/* too many to tell: assume yes */
	return s->nlost_mark[side] == VD_SESSION_MAX_LOST_MARKS;
}

/* ---- matcher callbacks ------------------------------------------------------------- */

/* a delivery is a bound on the clock (a pair the current clock calls impossible is not) */
static void add_bound(struct vd_session *s, enum vd_dir dir, const struct vd_pending *p)
{
	if (dir == VD_DIR_A_TO_B)
		vd_clock_est_add_ab(s->cfg.est, p->t_send, (uint64_t)p->first_rx);
	else
		vd_clock_est_add_ba(s->cfg.est, p->t_send, (uint64_t)p->first_rx);
}

static void on_fate(void *ctx, struct vd_stream *st, const struct vd_pending *p, enum vd_fate fate,
		    int64_t t_recv_last)
{
	struct vd_session *s = ctx;
	struct vd_flow *f = st->user;
	enum vd_dir dir = st->dir;
	struct vd_conn *c;
	struct vd_conn_dir *cd;
	int64_t latency;

	s->pending_now--;
	s->fate_count[dir][fate]++;
	if (!s->cfg.final) {
		/* a clock round follows no connection (round_packet): the bounds only */
		if (fate == VD_FATE_DELIVERED && s->cfg.est &&
		    p->first_rx - p->t_send_rx >= -s->cfg.tol_ns)
			add_bound(s, dir, p);
		return;
	}
	c = vd_ct_conn(&s->ct, p->conn);
	cd = &c->d[dir];
	switch (fate) {
	case VD_FATE_DELIVERED:
		cd->delivered++;
		cd->last_delivered_sent = VD_MAX(cd->last_delivered_sent, (int64_t)p->t_send);
		latency = p->first_rx - p->t_send_rx;
		cd->max_latency_ns = VD_MAX(cd->max_latency_ns, latency);
		/* a pair the current clock calls impossible is a mismatch, not a bound */
		if (s->cfg.est && latency >= -s->cfg.tol_ns)
			add_bound(s, dir, p);
		break;
	case VD_FATE_LOST:
		cd->lost++;
		break;
	case VD_FATE_MISSING:
		cd->missing++;
		break;
	case VD_FATE_UNPROVEN:
		cd->unproven++;
		break;
	case VD_FATE_NOT_YET:
		cd->not_yet++;
		break;
	case VD_FATE_SHORT:
		cd->partial++;
		break;
	}
	if (!s->cfg.final)
		return; /* a clock round: only the bounds above matter */
	for (size_t i = 0; i < vd_ndetectors; i++)
		if (vd_detectors[i]->fate)
			vd_detectors[i]->fate(s->det[i], s, f, dir, p, fate, t_recv_last);
	if (s->cfg.tap && s->cfg.tap->fate)
		s->cfg.tap->fate(s->cfg.tap->ctx, s, c, dir, p, fate, t_recv_last);
}

/*
 * Receives the matcher holds back (it may pair them later: match.c) carry the
 * connection the session charged them to in ev->reserved (0: a piece the
 * matcher replayed itself, never fed, never counted).  Each fed RW receive is
 * counted once: matched when fed, matched when paired later, or an orphan
 * when released for good.
 */
static void count_held(struct vd_session *s, const struct vd_stream *st, const struct vd_event *ev,
		       bool matched)
{
	struct vd_conn *c;

	if (!s->cfg.final)
		return; /* a clock round follows no connection */
	if (!ev->reserved || ev->reserved > s->res->nconns || ev->pkt.op != VD_OP_RW)
		return;
	c = vd_ct_conn(&s->ct, ev->reserved);
	if (matched)
		c->d[st->dir].recv_matched++;
	else
		c->d[st->dir].orphans++;
}

static void on_paired(void *ctx, struct vd_stream *st, const struct vd_event *ev)
{
	count_held(ctx, st, ev, true);
}

static void on_orphan(void *ctx, struct vd_stream *st, const struct vd_event *ev)
{
	struct vd_session *s = ctx;
	enum vd_side rx = vd_dir_receiver(st->dir), tx = vd_dir_sender(st->dir);
	int64_t t_tx = vd_session_to_other(s, rx, (int64_t)ev->ts_ns);

	count_held(s, st, ev, false);

	/* the sender was not recording yet, or any more: expected at its window's edges */
	if (t_tx < s->win_start[tx] + s->cfg.tol_ns || t_tx > s->win_end[tx] - s->cfg.tol_ns)
		s->orphans_expected[st->dir]++;
	else
		s->orphans_unexpected[st->dir]++;
}

static const struct vd_match_ops match_ops = { .fate = on_fate,
					       .orphan = on_orphan,
					       .paired = on_paired };

static struct vd_match_ctx match_ctx(struct vd_session *s, enum vd_side rx)
{
	return (struct vd_match_ctx){ .ops = &match_ops,
				      .ctx = s,
				      .tol_ns = s->cfg.tol_ns,
				      .causal_ns =
					  s->cfg.causal_ns ? s->cfg.causal_ns : s->cfg.tol_ns,
				      .rx_window_start = s->win_start[rx] };
}

/* ---- packets ------------------------------------------------------------------------ */

static void packet_to_detectors(struct vd_session *s, struct vd_conn *c, enum vd_side side,
				enum vd_dir dir, bool sent, const struct vd_event *ev)
{
	if (!s->cfg.final)
		return; /* a clock round: its findings would be thrown away */
	for (size_t i = 0; i < vd_ndetectors; i++)
		if (vd_detectors[i]->packet)
			vd_detectors[i]->packet(s->det[i], s, c, side, dir, sent, ev);
	if (s->cfg.tap && s->cfg.tap->packet)
		s->cfg.tap->packet(s->cfg.tap->ctx, s, c, side, dir, sent, ev);
}

static void on_send(struct vd_session *s, enum vd_side side, const struct vd_event *ev,
		    int64_t t_other, struct vd_flow *f, enum vd_dir dir)
{
	struct vd_conn *c = vd_ct_conn_for(&s->ct, f, side, ev->pkt.op);
	enum vd_side rx = vd_dir_receiver(dir);
	struct vd_pending p;

	vd_conn_apply(c, side, ev, true);
	if (ev->pkt.op == VD_OP_RW) {
		c->d[dir].sent_pkts++;
		c->d[dir].sent_bytes += ev->pkt.len;
	} else {
		c->d[dir].control_sent++;
	}
	packet_to_detectors(s, c, side, dir, true, ev);
	if (!vd_session_matching(s))
		return;
	p = (struct vd_pending){ .t_send = ev->ts_ns,
				 .t_send_rx = t_other,
				 .len = ev->pkt.len,
				 .remaining = ev->pkt.len,
				 .conn = c->id,
				 .op = ev->pkt.op,
				 .rx_irq_mark = s->vsock_irq[rx],
				 .first_rx = VD_NO_TIME };
	vd_stream_push(&f->s[dir], &p);
	s->pending_now++;
	s->pending_peak = VD_MAX(s->pending_peak, s->pending_now);
}

static void on_recv(struct vd_session *s, enum vd_side side, const struct vd_event *ev,
		    struct vd_flow *f, enum vd_dir dir)
{
	uint32_t id = 0;
	struct vd_conn *c;

	if (vd_session_matching(s)) {
		struct vd_match_ctx mc = match_ctx(s, side);

		id = vd_stream_recv(&f->s[dir], &mc, ev);
	}
	if (id) {
		/* matched: the send already decided the connection */
		c = vd_ct_conn(&s->ct, id);
		if (ev->pkt.op == VD_OP_RW)
			c->d[dir].recv_matched++;
	} else if (!vd_session_matching(s) && ev->pkt.op == VD_OP_REQUEST && f->cur_conn > 0 &&
		   vd_ct_conn(&s->ct, f->cur_conn)->initiator == (int)vd_dir_sender(dir) &&
		   !vd_ct_conn(&s->ct, f->cur_conn)->request_delivered) {
		/*
		 * No clock, each side read alone: the other side's REQUEST already
		 * opened this connection, this is its arrival, not a new one.
		 */
		c = vd_ct_conn(&s->ct, f->cur_conn);
	} else {
		/* nothing recorded sent it (yet): follow the connection from this side alone */
		c = vd_ct_conn_for(&s->ct, f, vd_dir_sender(dir), ev->pkt.op);
		if (vd_session_matching(s)) {
			/* held by the matcher (its latest): counted when paired or released */
			struct vd_stream *st = &f->s[dir];

			if (st->held_n)
				st->held[st->held_n - 1].reserved = c->id;
		} else if (ev->pkt.op == VD_OP_RW) {
			c->d[dir].orphans++; /* nothing to pair with: an orphan now */
		}
	}
	vd_conn_apply(c, side, ev, false);
	if (ev->pkt.op == VD_OP_RW) {
		c->d[dir].recv_pkts++;
		c->d[dir].recv_bytes += ev->pkt.len;
	} else {
		c->d[dir].control_recv++;
	}
	packet_to_detectors(s, c, side, dir, false, ev);
}

/*
 * vsock_loopback: both ends on this partition, nothing crosses, so no pairing
 * and no detector; the connection is still followed (report lists it).  It
 * shows up twice (alloc and recv): followed once, as sent.  Its ends are
 * ordered by port: "A" is the lower one.  Only partition A's are followed: B's
 * would be named in B's CIDs, and no report shows them.
 */
static void on_loopback(struct vd_session *s, enum vd_side side, const struct vd_event *ev)
{
	const struct vd_pkt *p = &ev->pkt;
	bool src_first = p->src_port <= p->dst_port;
	enum vd_dir dir = src_first ? VD_DIR_A_TO_B : VD_DIR_B_TO_A;
	struct vd_tuple t = { .a_cid = p->src_cid,
			      .a_port = src_first ? p->src_port : p->dst_port,
			      .b_cid = p->dst_cid,
			      .b_port = src_first ? p->dst_port : p->src_port };
	struct vd_flow *f;
	struct vd_conn *c;

	if (side != VD_SIDE_A || ev->kind != VD_EV_PKT_ALLOC)
		return;
	f = vd_ct_flow(&s->ct, &t);
	c = vd_ct_conn_for(&s->ct, f, vd_dir_sender(dir), p->op);
	c->loopback = true;
	/* conn_apply's "sent by side A" is "sent by the lower end" here */
	vd_conn_apply(c, VD_SIDE_A, ev, dir == VD_DIR_A_TO_B);
	if (p->op == VD_OP_RW) {
		c->d[dir].sent_pkts++;
		c->d[dir].sent_bytes += p->len;
	} else {
		c->d[dir].control_sent++;
	}
}

/* interrupts, allocations, lost-event and recorder markers: the detectors' business */
static void other_to_detectors(struct vd_session *s, enum vd_side side, const struct vd_event *ev)
{
	if (!s->cfg.final)
		return;
	for (size_t i = 0; i < vd_ndetectors; i++)
		if (vd_detectors[i]->event)
			vd_detectors[i]->event(s->det[i], s, side, ev);
	if (s->cfg.tap && s->cfg.tap->event)
		s->cfg.tap->event(s->cfg.tap->ctx, s, side, ev);
}

/*
 * A clock round's packet: pairing only.  The pairing never depends on the
 * connections (a stream is a tuple's direction, whatever connection a packet
 * belongs to), and a round keeps nothing but the bounds its deliveries give
 * (on_fate), so no connection is followed: every pending send is charged to
 * connection 1, which nothing reads, and a held receive to none (0: never
 * counted).  The final pass follows everything.
 */
static void round_packet(struct vd_session *s, enum vd_side side, const struct vd_event *ev,
			 int64_t t_other)
{
	enum vd_dir dir = vd_pkt_dir(side, ev);
	struct vd_endpoints ep;
	struct vd_tuple t;
	struct vd_flow *f;

	if (!vd_pkt_endpoints(ev, &ep))
		return; /* loopback: nothing crosses, nothing to pair */
	t = vd_tuple_from(side, &ep, &s->res->map);
	f = vd_ct_flow(&s->ct, &t);
	if (ev->kind == VD_EV_PKT_ALLOC) {
		struct vd_pending p = { .t_send = ev->ts_ns,
					.t_send_rx = t_other,
					.len = ev->pkt.len,
					.remaining = ev->pkt.len,
					.conn = 1,
					.op = ev->pkt.op,
					.first_rx = VD_NO_TIME };

		vd_stream_push(&f->s[dir], &p);
		s->pending_now++;
		s->pending_peak = VD_MAX(s->pending_peak, s->pending_now);
	} else {
		struct vd_match_ctx mc = match_ctx(s, side);

		vd_stream_recv(&f->s[dir], &mc, ev);
	}
}

void vd_session_feed(struct vd_session *s, enum vd_side side, const struct vd_event *ev)
{
	vd_session_feed_at(s, side, ev, VD_NO_TIME);
}

void vd_session_feed_at(struct vd_session *s, enum vd_side side, const struct vd_event *ev,
			int64_t t_other)
{
	if (t_other == VD_NO_TIME && (s->cfg.final || ev->kind == VD_EV_PKT_ALLOC))
		t_other = vd_session_to_other(s, side, (int64_t)ev->ts_ns);
	struct vd_endpoints ep;
	struct vd_tuple t;
	struct vd_flow *f;

	/* vsockdiag's own marker: no trace data, no part of the window */
	if (ev->kind != VD_EV_MARK) {
		s->events++;
		if (ev->kind != VD_EV_LOST) {
			s->last_ts[side] = (int64_t)ev->ts_ns;
			/* a live session learns its window as it goes */
			s->win_end[side] = VD_MAX(s->win_end[side], (int64_t)ev->ts_ns);
		}
	}
	if (ev->kind == VD_EV_IRQ_ENTRY && vd_irq_is_vsock(&s->res->side[side], ev->irq.name))
		s->vsock_irq[side]++;
	if (ev->kind == VD_EV_LOST && s->nlost_mark[side] < VD_SESSION_MAX_LOST_MARKS)
		s->lost_mark[side][s->nlost_mark[side]++] = s->last_ts[side];
	if (s->cfg.final) {
		/* the BPF evidence's own time, not its marker's */
		bool own_t = ev->kind == VD_EV_BPF && ev->bpf.has_t;

		vd_vq_feed(&s->vq, side, ev,
			   own_t ? vd_session_to_other(s, side, (int64_t)ev->bpf.t) : t_other);
	}
	if (ev->kind != VD_EV_PKT_ALLOC && ev->kind != VD_EV_PKT_RECV) {
		other_to_detectors(s, side, ev);
		return;
	}
	if (!s->cfg.final && vd_session_matching(s)) {
		round_packet(s, side, ev, t_other);
		return;
	}
	if (!vd_pkt_endpoints(ev, &ep)) {
		on_loopback(s, side, ev);
		return;
	}
	t = vd_tuple_from(side, &ep, &s->res->map);
	f = vd_ct_flow(&s->ct, &t);
	if (ev->kind == VD_EV_PKT_ALLOC)
		on_send(s, side, ev, t_other, f, vd_pkt_dir(side, ev));
	else
		on_recv(s, side, ev, f, vd_pkt_dir(side, ev));
}

/* ---- the view and the end ------------------------------------------------------------ */

void vd_session_view(const struct vd_session *s, struct vd_view *v)
{
	memset(v, 0, sizeof(*v));
	v->conns = s->res->conns;
	v->nconns = s->res->nconns;
	v->findings = s->res->findings.v;
	v->nfindings = s->res->findings.n;
	v->events = s->events;
	for (int i = 0; i < 2; i++)
		v->last_ts[i] = s->last_ts[i];
	for (size_t i = 0; i < vd_ndetectors; i++)
		if (vd_detectors[i]->view)
			vd_detectors[i]->view(s->det[i], s, v);
}

static void export_counts(const struct vd_session *s, struct vd_result *res)
{
	res->peak_pending = s->pending_peak;
	for (int d = 0; d < 2; d++) {
		res->orphans_unexpected[d] = s->orphans_unexpected[d];
		res->orphans_expected[d] = s->orphans_expected[d];
		for (int k = 0; k <= VD_FATE_SHORT; k++)
			res->fates[d][k] = s->fate_count[d][k];
	}
}

void vd_session_end(struct vd_session *s)
{
	if (s->ended)
		return;
	s->ended = true;
	for (size_t i = 0; vd_session_matching(s) && i < s->ct.nflows; i++) {
		struct vd_flow *f = s->ct.flows[i];

		for (int d = 0; d < 2; d++) {
			enum vd_side rx = vd_dir_receiver((enum vd_dir)d);
			struct vd_match_ctx mc = match_ctx(s, rx);

			vd_stream_finish(&f->s[d], &mc, s->win_end[rx], s->cfg.o->grace_ns);
		}
	}
	export_counts(s, s->res);
	{
		int64_t end[2];

		for (int i = 0; i < 2; i++)
			end[i] = s->last_ts[i] != VD_NO_TIME ? s->win_end[i] : VD_NO_TIME;
		vd_vq_end(&s->vq, end);
	}
	for (size_t i = 0; s->cfg.final && i < vd_ndetectors; i++)
		if (vd_detectors[i]->end)
			vd_detectors[i]->end(s->det[i], s);
}

struct vd_session *vd_session_new(const struct vd_session_cfg *cfg, struct vd_result *res)
{
	struct vd_session *s = vd_xcalloc(1, sizeof(*s));

	s->cfg = *cfg;
	s->res = res;
	vd_ct_init(&s->ct, res, cfg->o->adb_port);
	vd_vq_init(&s->vq, cfg->o->stall_ns, cfg->tol_ns, cfg->clock != NULL);
	for (int i = 0; i < 2; i++) {
		const struct vd_source_stats *st = &res->side[i].stats;

		s->win_start[i] = (int64_t)st->window_start;
		s->win_end[i] = (int64_t)st->last_ts;
		s->last_ts[i] = VD_NO_TIME;
	}
	s->det = vd_xcalloc(vd_ndetectors, sizeof(*s->det));
	for (size_t i = 0; i < vd_ndetectors; i++)
		if (vd_detectors[i]->create)
			s->det[i] = vd_detectors[i]->create(s);
	return s;
}

void vd_session_free(struct vd_session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < vd_ndetectors; i++)
		if (vd_detectors[i]->destroy)
			vd_detectors[i]->destroy(s->det[i]);
		else
			free(s->det[i]);
	free(s->det);
	vd_vq_free(&s->vq);
	vd_ct_free(&s->ct);
	free(s);
}
