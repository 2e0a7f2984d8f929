// SPDX-License-Identifier: GPL-2.0
/*
 * Credit starvation: a sender at zero credit for longer than the threshold,
 * followed in the sender's own recording (credit.h), and classified by what
 * came back from the receiver while it lasted:
 *  - packets kept coming with fwd_cnt flat: the receiving application is
 *    not reading;
 *  - nothing came back, then a CREDIT_UPDATE moved fwd_cnt: the receiver had
 *    consumed the data but did not say so (the "mutual hangup" class fixed in
 *    Linux by 93b808876682, Dec 2023; also seen in Firecracker,
 *    cloud-hypervisor, hyperkit, rust-vmm);
 *  - nothing came back at all: either of the two; no tracepoint sees the
 *    application's reads, so we say we cannot tell.
 */
#include <inttypes.h>
#include <stdio.h>

#include "common/util.h"
#include "analyzers/batch/corr_internal.h"


static enum vd_dir opposite(enum vd_dir d)
{
	return d == VD_DIR_A_TO_B ? VD_DIR_B_TO_A : VD_DIR_A_TO_B;
}

/* what the pairing says is still on its way, in both directions */
static void note_inflight(const struct vd_starve_ctx *x, struct vd_conn *c, enum vd_dir d)
{
	struct vd_starve *st = &c->starve[d];

	if (!x->inflight)
		return;
	st->inflight_fwd = VD_MAX(st->inflight_fwd, x->inflight(x->ctx, c, d));
	st->inflight_back = VD_MAX(st->inflight_back, x->inflight(x->ctx, c, opposite(d)));
}

static void starve_open(const struct vd_starve_ctx *x, struct vd_conn *c, enum vd_dir d,
			int64_t t)
{
	struct vd_starve *st = &c->starve[d];

	*st = (struct vd_starve){ .open = true,
				  .t0 = t,
				  .fwd_cnt = c->credit[d].peer_fwd_cnt,
				  .buf_alloc = c->credit[d].peer_buf_alloc,
				  .outstanding = vd_credit_outstanding(&c->credit[d]),
				  .credit_request = VD_NO_TIME,
				  .inflight_fwd = -1,
				  .inflight_back = -1 };
	note_inflight(x, c, d);
}

static void starve_close(const struct vd_starve_ctx *x, struct vd_conn *c, enum vd_dir d,
			 int64_t t_end, bool ended, uint16_t end_op)
{
	struct vd_starve *st = &c->starve[d];
	const struct vd_corr_opts *o = x->o;
	enum vd_side tx = vd_dir_sender(d), rx = vd_dir_receiver(d);
	struct vd_finding *f;
	char a[32], b[32];

	if (!st->open)
		return;
	note_inflight(x, c, d);
	st->open = false;
	if (!x->final || t_end - st->t0 < o->starve_ns)
		return;
	f = vd_finding_new(x->findings, VD_FK_CREDIT_STARVATION, VD_SEV_ERROR);
	f->dir = d;
	f->conn = c->id;
	f->start[tx] = st->t0;
	f->end[tx] = t_end;
	if (x->to_other) {
		f->start[rx] = x->to_other(x->ctx, tx, st->t0);
		f->end[rx] = x->to_other(x->ctx, tx, t_end);
	}
	f->duration_ns = t_end - st->t0;
	f->bytes = st->buf_alloc;
	snprintf(f->summary, sizeof(f->summary),
		 "%s had no credit to send to %s on connection %u for %.3f s%s", o->name[tx],
		 o->name[rx], c->id, (double)f->duration_ns / 1e9,
		 ended ? "" : " (still none when the recording ended)");
	vd_fmt_sec(a, sizeof(a), st->t0);
	vd_finding_evidence(f, "from %s (%s clock) %s had %" PRId64 " bytes unconsumed by %s, all "
			       "of its buf_alloc (%" PRIu32 "); %s's fwd_cnt stayed at %" PRIu32,
			    a, o->name[tx], o->name[tx], st->outstanding, o->name[rx],
			    st->buf_alloc, o->name[rx], st->fwd_cnt);
	if (st->credit_request != VD_NO_TIME) {
		vd_fmt_sec(b, sizeof(b), st->credit_request);
		vd_finding_evidence(f, "%s sent CREDIT_REQUEST at %s and got no CREDIT_UPDATE back "
				       "before credit returned",
				    o->name[tx], b);
	}
	/* consequences of lost or stalled delivery are recognized once every finding exists */
	if (st->peer_pkts) {
		vd_finding_evidence(f, "%s kept sending (%" PRIu64 " packets) with fwd_cnt flat",
				    o->name[rx], st->peer_pkts);
		if (st->inflight_fwd < 0)
			/* no pairing (one recording, or unaligned): arrival is not known */
			snprintf(f->cause, sizeof(f->cause),
				 "%s did not consume the data: its application stopped reading, or "
				 "the data had not reached it (a delivery stall); %s's recording "
				 "would tell which",
				 o->name[rx], o->name[rx]);
		else
			snprintf(f->cause, sizeof(f->cause),
				 "the application on %s stopped reading: it was not reading while "
				 "its peer waited, and its receive buffer stayed full",
				 o->name[rx]);
		snprintf(f->next_step, sizeof(f->next_step),
			 "find why the reader on %s (port %u) stopped calling recv(): blocked, "
			 "deadlocked or busy elsewhere",
			 o->name[rx], rx == VD_SIDE_A ? c->tuple.a_port : c->tuple.b_port);
	} else if (ended) {
		vd_fmt_sec(b, sizeof(b), t_end);
		vd_finding_evidence(f, "nothing came back from %s until %s at %s, whose fwd_cnt %" PRIu32
				       " showed %" PRIu32 " bytes consumed meanwhile",
				    o->name[rx], end_op == VD_OP_CREDIT_UPDATE ? "a CREDIT_UPDATE" : "a packet",
				    b, c->credit[d].peer_fwd_cnt,
				    (uint32_t)(c->credit[d].peer_fwd_cnt - st->fwd_cnt));
		snprintf(f->cause, sizeof(f->cause),
			 "either the application on %s was not reading until then, or it read and "
			 "the credit was advertised late (the bug class fixed in Linux by "
			 "93b808876682, Dec 2023): no tracepoint sees reads, so the recordings cannot "
			 "tell which",
			 o->name[rx]);
		snprintf(f->next_step, sizeof(f->next_step),
			 "check %s's kernel for 93b808876682 (virtio/vsock: send credit update "
			 "during setting SO_RCVLOWAT) and b89d882dc9fc's 64 KiB rule",
			 o->name[rx]);
	} else {
		vd_finding_evidence(f, "nothing at all came back from %s while it lasted",
				    o->name[rx]);
		snprintf(f->cause, sizeof(f->cause),
			 "either the application on %s stopped reading, or it read but %s never "
			 "advertised the credit: no tracepoint sees reads, so the recordings cannot "
			 "tell which",
			 o->name[rx], o->name[rx]);
		snprintf(f->next_step, sizeof(f->next_step),
			 "check the reader on %s (ss --vsock -e, or its own logs) and whether its "
			 "kernel has 93b808876682",
			 o->name[rx]);
	}
}

static void reassess(const struct vd_starve_ctx *x, struct vd_conn *c, enum vd_dir d, int64_t t,
		     uint16_t op)
{
	int64_t avail = vd_credit_avail(&c->credit[d]);

	if (avail < 0)
		return;
	if (avail == 0 && !c->starve[d].open)
		starve_open(x, c, d, t);
	else if (avail > 0 && c->starve[d].open)
		starve_close(x, c, d, t, true, op);
}

/* connection start seen in this partition's recording: byte counts start at zero */
static void maybe_start(struct vd_conn *c, enum vd_dir d, uint16_t op)
{
	if ((op == VD_OP_REQUEST || op == VD_OP_RESPONSE) && !c->credit[d].tx_known)
		vd_credit_start(&c->credit[d]);
}

void vd_starve_on_send(const struct vd_starve_ctx *x, struct vd_conn *c, enum vd_dir d,
		       const struct vd_event *ev)
{
	uint16_t op = ev->pkt.op;

	maybe_start(c, d, op);
	if (op == VD_OP_CREDIT_REQUEST && c->starve[d].open)
		c->starve[d].credit_request = (int64_t)ev->ts_ns;
	if (op != VD_OP_RW)
		return;
	vd_credit_sent(&c->credit[d], ev->pkt.len);
	if (!c->credit[d].tx_known)
		c->credit_unknown[d]++;
	reassess(x, c, d, (int64_t)ev->ts_ns, op);
}

void vd_starve_on_recv(const struct vd_starve_ctx *x, struct vd_conn *c, enum vd_dir d_pkt,
		       const struct vd_event *ev)
{
	/* a packet R -> S carries R's credit for the opposite direction S -> R */
	enum vd_dir d = d_pkt == VD_DIR_A_TO_B ? VD_DIR_B_TO_A : VD_DIR_A_TO_B;
	uint16_t op = ev->pkt.op;

	maybe_start(c, d, op);
	if (!ev->pkt.has_credit || !vd_credit_peer(&c->credit[d], op, ev->pkt.buf_alloc,
						   ev->pkt.fwd_cnt))
		return;
	if (c->starve[d].open && ev->pkt.fwd_cnt == c->starve[d].fwd_cnt)
		c->starve[d].peer_pkts++;
	reassess(x, c, d, (int64_t)ev->ts_ns, op);
}

void vd_starve_finish(const struct vd_starve_ctx *x, struct vd_conn *c, const int64_t end[2])
{
	for (int d = 0; d < 2; d++)
		starve_close(x, c, (enum vd_dir)d, end[vd_dir_sender((enum vd_dir)d)], false, 0);
}

/* do two findings' windows overlap on side s's clock? */
static bool overlap(const struct vd_finding *a, const struct vd_finding *b, int s)
{
	int64_t a0 = a->start[s], a1 = a->end[s] != VD_NO_TIME ? a->end[s] : a0;
	int64_t b0 = b->start[s], b1 = b->end[s] != VD_NO_TIME ? b->end[s] : b0;

	return a0 != VD_NO_TIME && b0 != VD_NO_TIME && a0 <= b1 && b0 <= a1;
}

void vd_starve_consequences(const struct vd_corr_opts *o, struct vd_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct vd_finding *f = &fs->v[i];
		enum vd_side tx;

		if (f->kind != VD_FK_CREDIT_STARVATION || f->dir < 0)
			continue;
		tx = vd_dir_sender((enum vd_dir)f->dir);
		for (size_t j = 0; j < fs->n; j++) {
			const struct vd_finding *g = &fs->v[j];

			if ((g->kind != VD_FK_DELIVERY_STALL && g->kind != VD_FK_UNDELIVERED) ||
			    g->dir < 0 || (g->conn >= 0 && f->conn >= 0 && g->conn != f->conn) ||
			    !overlap(f, g, tx))
				continue;
			/*
			 * Data stuck on the way in, or the receiver's credit updates
			 * stuck on the way back: nobody failed to read.
			 */
			f->severity = VD_SEV_WARNING;
			vd_finding_evidence(f, "%s %s in the same window: %s",
					    g->dir == f->dir ? "the data's own direction had a"
							     : "the credit updates' direction had a",
					    vd_finding_kind_name(g->kind), g->summary);
			snprintf(f->cause, sizeof(f->cause),
				 "a consequence of delivery, not of reading: %s",
				 g->dir == f->dir ? "the data had not arrived, so it could not be consumed"
						  : "the receiver's credit updates did not arrive");
			snprintf(f->next_step, sizeof(f->next_step),
				 "follow the %s finding for this window", vd_finding_kind_name(g->kind));
			break;
		}
	}
	(void)o;
}
