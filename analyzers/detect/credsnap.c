// SPDX-License-Identifier: GPL-2.0
/*
 * Credit snapshots (BPF "credit" lines: each vsock socket's own counters)
 * tell what the packets cannot: whether the receiver consumed.  A socket
 * whose fwd_cnt does not move while its unread bytes (rx_bytes) fill its
 * buffer is not being read.  So:
 *  - a credit_starvation found from the sender's recording (starve.c) is
 *    "not reading" when the receiver's snapshots show that for its window,
 *    and "advertised late" when they show the receiver's fwd_cnt moving in
 *    it (it consumed; the sender learnt late);
 *  - a receiver recorded alone, whose sender's credit nothing models, gets
 *    its own credit_starvation from its snapshots: not reading, with its
 *    fwd_cnt and unread bytes, never "cannot tell".
 * Before Linux's 2025 rx_bytes fix fwd_cnt and rx_bytes move per whole
 * packet: the finding says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/detect/detector.h"

#define MAX_SOCKETS 256
#define MAX_MOVES   64
/* "full": fewer unread bytes missing than one maximal packet (64 KiB) */
#define FULL_SLACK 65536

struct move {
	int64_t t;
	uint32_t from, to;
};

struct sock {
	int side;
	uint32_t lcid, lport, rcid, rport;
	int32_t pid;
	char comm[16];
	uint64_t snaps;
	int64_t last_t;
	uint32_t fwd_cnt, rx_bytes, buf_alloc;
	bool full;	       /* the latest snapshot was full */
	int64_t frozen_since;  /* full with this fwd_cnt since; VD_NO_TIME */
	uint64_t frozen_snaps; /* snapshots since */
	/* the longest full-and-frozen stretch */
	int64_t best_from, best_to;
	uint64_t best_snaps;
	uint32_t best_fwd, best_rx, best_buf;
	bool best_open;
	struct move mv[MAX_MOVES]; /* the latest fwd_cnt moves */
	unsigned int nmv;
};

struct credsnap {
	struct sock s[MAX_SOCKETS];
	size_t n;
};

static void *create(struct vd_session *s)
{
	(void)s;
	return vd_xcalloc(1, sizeof(struct credsnap));
}

static struct sock *sock_of(struct credsnap *x, int side, const struct vd_bpf_credit *c)
{
	for (size_t i = 0; i < x->n; i++) {
		struct sock *k = &x->s[i];

		if (k->side == side && k->lcid == c->local_cid && k->lport == c->local_port &&
		    k->rcid == c->remote_cid && k->rport == c->remote_port)
			return k;
	}
	if (x->n == MAX_SOCKETS)
		return NULL;
	x->s[x->n] = (struct sock){ .side = side,
				    .lcid = c->local_cid,
				    .lport = c->local_port,
				    .rcid = c->remote_cid,
				    .rport = c->remote_port,
				    .frozen_since = VD_NO_TIME,
				    .best_from = VD_NO_TIME };
	return &x->s[x->n++];
}

static void stretch_end(struct sock *k, int64_t t, bool open)
{
	if (k->frozen_since == VD_NO_TIME)
		return;
	if (k->best_from == VD_NO_TIME || t - k->frozen_since > k->best_to - k->best_from) {
		k->best_from = k->frozen_since;
		k->best_to = t;
		k->best_snaps = k->frozen_snaps;
		k->best_fwd = k->fwd_cnt;
		k->best_rx = k->rx_bytes;
		k->best_buf = k->buf_alloc;
		k->best_open = open;
	}
	k->frozen_since = VD_NO_TIME;
}

static void snapshot(struct sock *k, const struct vd_event *ev)
{
	const struct vd_bpf_credit *c = &ev->bpf.credit;
	int64_t t = (int64_t)ev->bpf.t;
	bool full = c->rx_bytes && (uint64_t)c->rx_bytes + FULL_SLACK >= c->buf_alloc;

	if (k->snaps && c->fwd_cnt != k->fwd_cnt) {
		memmove(k->mv, k->mv + (k->nmv == MAX_MOVES),
			(k->nmv - (k->nmv == MAX_MOVES)) * sizeof(*k->mv));
		k->nmv -= k->nmv == MAX_MOVES;
		k->mv[k->nmv++] = (struct move){ t, k->fwd_cnt, c->fwd_cnt };
		stretch_end(k, t, false);
	}
	if (!full)
		stretch_end(k, t, false);
	else if (k->frozen_since == VD_NO_TIME) {
		k->frozen_since = t;
		k->frozen_snaps = 0;
	}
	k->frozen_snaps += full;
	k->snaps++;
	k->last_t = t;
	k->fwd_cnt = c->fwd_cnt;
	k->rx_bytes = c->rx_bytes;
	k->buf_alloc = c->buf_alloc;
	if (ev->pid >= 0) {
		k->pid = ev->pid;
		memcpy(k->comm, ev->comm, sizeof(k->comm));
	}
}

static void event(void *st, struct vd_session *s, enum vd_side side, const struct vd_event *ev)
{
	struct sock *k;

	if (!s->cfg.final || ev->kind != VD_EV_BPF || ev->bpf.kind != VD_BPF_CREDIT)
		return;
	k = sock_of(st, side, &ev->bpf.credit);
	if (k)
		snapshot(k, ev);
}

/* the connection the socket's packets belong to, and its receiving direction */
static int64_t conn_of(const struct vd_session *s, const struct sock *k, enum vd_dir *dir)
{
	struct vd_endpoints ep = { .local_cid = k->lcid,
				   .local_port = k->lport,
				   .peer_cid = k->rcid,
				   .peer_port = k->rport };
	struct vd_tuple t = vd_tuple_from((enum vd_side)k->side, &ep, &s->res->map);
	const struct vd_flow *f = vd_ct_find(&s->ct, &t);

	*dir = k->side == VD_SIDE_A ? VD_DIR_B_TO_A : VD_DIR_A_TO_B;
	return f && f->cur_conn > 0 ? f->cur_conn : -1;
}

static void receiver_evidence(struct vd_finding *f, const struct sock *k)
{
	struct vd_evidence *ev = vd_finding_evidence(f, VD_EVD_CREDIT_SNAP, k->side);

	if (ev) {
		ev->v[0] = k->best_fwd;
		ev->v[1] = k->best_rx;
		ev->v[2] = k->best_buf;
		ev->v[3] = k->best_to;
	}
	ev = vd_finding_evidence(f, VD_EVD_CREDIT_FROZEN, k->side);
	if (ev) {
		ev->v[0] = k->best_from;
		ev->v[1] = k->best_to;
		ev->v[2] = k->best_fwd;
		ev->v[3] = (int64_t)k->best_snaps;
	}
	if (k->comm[0] && (ev = vd_finding_evidence(f, VD_EVD_CREDIT_PROCESS, k->side))) {
		snprintf(ev->sym, sizeof(ev->sym), "%s", k->comm);
		ev->v[0] = k->pid;
	}
	vd_finding_evidence(f, VD_EVD_CREDIT_PACKETS, k->side);
}

/*
 * The first fwd_cnt move in (a, b) past what the sender already knew when its credit
 * ran out (its STARVE_FULL evidence), or NULL. Snapshots are 200 ms apart: one in the
 * window may show a move made before it, which the sender had learnt (lab, adb
 * scenario: fwd_cnt 143 -> 8429 seen in the window, the sender starved at 8429).
 */
static const struct move *moved(const struct sock *k, const struct vd_finding *f, int64_t a,
				int64_t b)
{
	bool known = false;
	uint32_t fwd = 0;

	for (unsigned int i = 0; i < f->nevidence; i++)
		if (f->evidence[i].kind == VD_EVD_STARVE_FULL) {
			fwd = (uint32_t)f->evidence[i].v[3];
			known = true;
			break;
		}
	for (unsigned int i = 0; i < k->nmv; i++)
		if (k->mv[i].t > a && k->mv[i].t < b &&
		    (!known || (int32_t)(k->mv[i].to - fwd) > 0))
			return &k->mv[i];
	return NULL;
}

static bool classify(struct vd_session *s, const struct sock *k, int64_t conn, enum vd_dir dir)
{
	int rx = k->side;
	bool found = false;

	for (size_t i = 0; i < s->res->findings.n; i++) {
		struct vd_finding *f = &s->res->findings.v[i];
		struct vd_evidence *ev;
		const struct move *m;
		int64_t a = f->start[rx],
			b = f->end[rx] != VD_NO_TIME ? f->end[rx] : s->win_end[rx];

		if (f->kind != VD_FK_CREDIT_STARVATION || f->conn != conn || f->dir != (int)dir ||
		    a == VD_NO_TIME)
			continue;
		found = true;
		m = moved(k, f, a, b);
		if (m && b - m->t >= s->cfg.o->starve_ns) {
			/* consumed, and the sender still had no credit --starve later */
			f->variant = VD_VAR_STARVE_ADVERTISED_LATE;
			f->nevidence = VD_MIN(f->nevidence, 3u);
			ev = vd_finding_evidence(f, VD_EVD_CREDIT_CONSUMED, rx);
			if (ev) {
				ev->v[0] = m->t;
				ev->v[1] = m->from;
				ev->v[2] = m->to;
			}
		} else if (k->best_from != VD_NO_TIME &&
			   2 * (VD_MIN(b, k->best_to) - VD_MAX(a, k->best_from)) >= b - a) {
			/* full and unread for most of the window */
			f->variant = VD_VAR_STARVE_NOT_READING_SNAP;
			f->severity = VD_SEV_ERROR;
			f->nevidence = VD_MIN(f->nevidence, 2u); /* keep what the sender saw */
			receiver_evidence(f, k);
		}
	}
	return found;
}

/* a receiver alone: its own snapshots are the finding */
static void receiver_only(struct vd_session *s, const struct sock *k, int64_t conn, enum vd_dir dir)
{
	struct vd_finding *f;
	int rx = k->side;

	if (k->best_from == VD_NO_TIME || k->best_to - k->best_from < s->cfg.o->starve_ns)
		return;
	f = vd_finding_new(&s->res->findings, VD_FK_CREDIT_STARVATION, VD_SEV_ERROR);
	f->variant = VD_VAR_STARVE_NOT_READING_SNAP;
	f->dir = dir;
	f->conn = conn;
	f->start[rx] = k->best_from;
	f->end[rx] = k->best_to;
	if (vd_session_matching(s)) {
		f->start[!rx] = vd_session_to_other(s, rx, k->best_from);
		f->end[!rx] = vd_session_to_other(s, rx, k->best_to);
	}
	f->duration_ns = k->best_to - k->best_from;
	f->ended = !k->best_open;
	f->bytes = k->best_buf;
	f->port = k->lport;
	receiver_evidence(f, k);
}

static void end(void *st, struct vd_session *s)
{
	struct credsnap *x = st;

	if (!s->cfg.final)
		return;
	for (size_t i = 0; i < x->n; i++) {
		struct sock *k = &x->s[i];
		enum vd_dir dir;
		int64_t conn;

		stretch_end(k, k->last_t, true);
		conn = conn_of(s, k, &dir);
		if (!classify(s, k, conn, dir))
			receiver_only(s, k, conn, dir);
	}
}

/* a receiver whose buffer is full and whose fwd_cnt is flat now: starving its sender */
static void view(const void *st, const struct vd_session *s, struct vd_view *v)
{
	const struct credsnap *x = st;

	for (size_t i = 0; i < x->n; i++) {
		const struct sock *k = &x->s[i];
		struct vd_open_window ow = { .kind = VD_FK_CREDIT_STARVATION,
					     .start = { VD_NO_TIME, VD_NO_TIME },
					     .count = k->frozen_snaps };
		enum vd_dir dir;

		if (k->frozen_since == VD_NO_TIME)
			continue;
		ow.conn = conn_of(s, k, &dir);
		ow.dir = dir;
		ow.start[k->side] = k->frozen_since;
		vd_view_open(v, &ow);
	}
}

const struct vd_det_ops vd_det_credsnap = {
	.name = "credit_snapshots",
	.create = create,
	.event = event,
	.end = end,
	.view = view,
};
