// SPDX-License-Identifier: GPL-2.0
/*
 * missing_kick: buffers posted, or packets queued, and the notification
 * never reached the other side.
 *  - RX, both partitions aligned: vhost waited for guest RX buffers (a
 *    vhostwait line, no kick received on the RX queue for --stall) while the
 *    guest posted buffers (a refill that added some) in that window: the
 *    guest's kick after it was sent and never received, skipped, or absent.
 *  - RX, the host alone: vhost kept waiting while its own sampler saw guest
 *    buffers available.
 *  - RX, the guest alone: a refill after the ring had run dry whose kick
 *    was skipped, and nothing came (no packet, no RX interrupt) for --stall:
 *    a warning, since only the host knows whether it had anything to send.
 *  - TX: packets the guest sent that never reached the host (undelivered)
 *    while the guest kicked its TX queue and the host received no TX kick,
 *    or the guest skipped those kicks.
 * A BPF ring buffer that lost events may have lost the kick: then it is a
 * warning that says so.
 */
#include "common/util.h"
#include "analyzers/detect/detector.h"

static void lost(struct vd_session *s, struct vd_finding *f, enum vd_side side)
{
	uint64_t n = s->vq.side[side].bpf_lost;

	if (!n)
		return;
	f->severity = VD_SEV_WARNING;
	vd_finding_evidence(f, VD_EVD_BPF_LOST, side)->v[0] = (int64_t)n;
}

static struct vd_finding *kick_finding(struct vd_session *s, enum vd_variant var, enum vd_side host,
				       const struct vd_host_wait *w)
{
	struct vd_finding *f = vd_finding_new(&s->res->findings, VD_FK_MISSING_KICK, VD_SEV_ERROR);
	int64_t t1 = w->t1 != VD_NO_TIME ? w->t1 : s->win_end[host];

	f->variant = var;
	f->side = host;
	f->start[host] = w->t0;
	f->end[host] = t1;
	if (vd_session_matching(s)) {
		f->start[!host] = vd_session_to_other(s, host, w->t0);
		f->end[!host] = vd_session_to_other(s, host, t1);
	}
	f->duration_ns = t1 - w->t0;
	f->ended = w->t1 != VD_NO_TIME;
	f->count = w->queued_max;
	return f;
}

static void rx_wait(struct vd_session *s, enum vd_side host, struct vd_host_wait *w)
{
	const struct vd_vq_side *g = &s->vq.side[!host];
	int64_t t1 = w->t1 != VD_NO_TIME ? w->t1 : s->win_end[host], thr = s->cfg.o->stall_ns;
	struct vd_finding *f;
	struct vd_evidence *ev;
	enum vd_variant var;

	/*
	 * Buffers that reached vhost only just before its wait ended are the kick
	 * working (the frozen guest thawed, refilled and kicked; the clocks put its
	 * refill a hair after the kick that ended the wait): a missing kick leaves
	 * them unused for at least --stall.
	 */
	if (w->guest_recorded && g->guest && w->g_posts && t1 - w->g_post_at >= thr) {
		if (w->g_kick_sent)
			var = VD_VAR_KICK_NOT_RECEIVED;
		else if (w->g_kick_skipped)
			var = VD_VAR_KICK_SKIPPED;
		else
			var = g->kicks_total ? VD_VAR_KICK_NONE : VD_VAR_KICK_UNRECORDED;
		f = kick_finding(s, var, host, w);
		ev = vd_finding_evidence(f, VD_EVD_KICK_POSTED, !host);
		ev->v[0] = w->g_post_at;
		ev->v[1] = w->g_posted;
		ev->v[2] = w->g_kick_sent;
		ev->v[3] = w->g_kick_skipped;
		if (var == VD_VAR_KICK_UNRECORDED)
			f->severity = VD_SEV_WARNING;
		lost(s, f, !host);
	} else if (w->avail_at != VD_NO_TIME && t1 - w->avail_at >= thr) {
		f = kick_finding(s, VD_VAR_KICK_HOST_AVAIL, host, w);
		ev = vd_finding_evidence(f, VD_EVD_KICK_HOST_AVAIL, host);
		ev->v[0] = w->avail_at;
		ev->v[1] = w->avail_max;
	} else {
		return;
	}
	ev = vd_finding_evidence(f, VD_EVD_KICK_HOST_NONE, host);
	ev->v[0] = w->t0;
	ev->v[1] = w->t1;
	vd_evidence_vhost_wait(f, host, w);
	lost(s, f, host);
	w->finding = f->id;
}

static void guest_skipped(struct vd_session *s, enum vd_side side, const struct vd_kick_rec *k)
{
	struct vd_finding *f =
	    vd_finding_new(&s->res->findings, VD_FK_MISSING_KICK, VD_SEV_WARNING);
	struct vd_evidence *ev;

	f->variant = VD_VAR_KICK_SKIPPED_GUEST;
	f->side = side;
	f->start[side] = k->t;
	f->end[side] = s->win_end[side];
	f->duration_ns = s->win_end[side] - k->t;
	ev = vd_finding_evidence(f, VD_EVD_KICK_POSTED, side);
	ev->v[0] = k->t;
	ev->v[1] = -1;
	ev->v[2] = 0;
	ev->v[3] = 1;
	lost(s, f, side);
}

/* guest packets that never reached the host, and the TX kicks around them */
static void tx(struct vd_session *s, const struct vd_finding *uf)
{
	const struct vd_finding copy = *uf, *u = &copy; /* new findings move the list */
	enum vd_side g = vd_dir_sender((enum vd_dir)u->dir),
		     h = vd_dir_receiver((enum vd_dir)u->dir);
	const struct vd_vq_side *gs = &s->vq.side[g], *hs = &s->vq.side[h];
	int64_t g1 = u->end[g] != VD_NO_TIME ? u->end[g] : s->win_end[g];
	int64_t h1 = u->end[h] != VD_NO_TIME ? u->end[h] : s->win_end[h];
	int64_t sent, skipped, recv;
	struct vd_finding *f;
	struct vd_evidence *ev;

	if (!gs->guest || !hs->host || u->start[g] == VD_NO_TIME || u->start[h] == VD_NO_TIME)
		return;
	sent = vd_vq_kicks_between(gs, VD_KICK_SENT, VD_VQ_TX, u->start[g], g1);
	skipped = vd_vq_kicks_between(gs, VD_KICK_SKIPPED, VD_VQ_TX, u->start[g], g1);
	recv = vd_vq_kicks_between(hs, VD_KICK_RECEIVED, VD_VQ_TX, u->start[h] - s->cfg.tol_ns,
				   h1 + s->cfg.tol_ns);
	if (sent < 0 || skipped < 0 || recv != 0 || (!sent && !skipped))
		return;
	f = vd_finding_new(&s->res->findings, VD_FK_MISSING_KICK, VD_SEV_ERROR);
	f->variant = sent ? VD_VAR_KICK_TX_NOT_RECEIVED : VD_VAR_KICK_TX_SKIPPED;
	f->dir = u->dir;
	f->conn = u->conn;
	f->side = g;
	f->start[g] = u->start[g];
	f->start[h] = u->start[h];
	f->end[g] = g1;
	f->end[h] = h1;
	f->duration_ns = h1 - u->start[h];
	f->count = u->count;
	ev = vd_finding_evidence(f, VD_EVD_KICK_TX, g);
	ev->v[0] = sent;
	ev->v[1] = skipped;
	ev->v[2] = recv;
	lost(s, f, g);
	lost(s, f, h);
}

static void end(void *st, struct vd_session *s)
{
	size_t n = s->res->findings.n;

	(void)st;
	if (!s->cfg.final)
		return;
	for (int i = 0; i < 2; i++) {
		struct vd_vq_side *vs = &s->vq.side[i];

		for (size_t k = 0; vs->host && k < vs->nwait; k++)
			rx_wait(s, (enum vd_side)i, &vs->wait[k]);
		/* guest alone: with the host recorded, its waits tell more */
		for (size_t k = 0; !s->vq.side[!i].host && k < vs->nskipped_dead; k++)
			guest_skipped(s, (enum vd_side)i, &vs->skipped_dead[k]);
	}
	for (size_t i = 0; vd_session_matching(s) && i < n; i++) {
		struct vd_finding *u = &s->res->findings.v[i];

		if ((u->kind == VD_FK_UNDELIVERED || u->kind == VD_FK_UNVERIFIED_DELIVERY) &&
		    u->dir >= 0)
			tx(s, u);
	}
}

const struct vd_det_ops vd_det_kick = {
	.name = "missing_kick",
	.end = end,
};
