// SPDX-License-Identifier: GPL-2.0
/*
 * rx_ring_empty: the guest's RX ring ran dry (a level of 0 after RX work, a
 * refill or from the sampler), or was running dry (refills failing and the
 * level falling, 0 never seen).  With the ring empty the host has nowhere to
 * put packets, sends no interrupt, so no RX work runs and nothing refills
 * the ring (virtio_vsock_rx_fill stops at the first failed allocation and
 * no timer retries it): one episode per time it happened, from the first
 * failed refill of the streak that led there.  The evidence: the refills
 * that failed, the kicks and interrupts meanwhile, and what vhost had queued
 * while it waited for buffers (when the host was recorded with BPF too).
 */
#include "common/util.h"
#include "analyzers/detect/detector.h"

static int64_t other_time(const struct vd_session *s, enum vd_side side, int64_t t)
{
	return t == VD_NO_TIME || !vd_session_matching(s) ? VD_NO_TIME
							  : vd_session_to_other(s, side, t);
}

/* the host's longest wait overlapping [from, to] (host clock), or NULL */
static const struct vd_host_wait *host_wait(const struct vd_session *s, enum vd_side host,
					    int64_t from, int64_t to)
{
	const struct vd_vq_side *h = &s->vq.side[host];
	const struct vd_host_wait *best = NULL;

	for (size_t i = 0; i < h->nwait; i++) {
		const struct vd_host_wait *w = &h->wait[i];
		int64_t t1 = w->t1 != VD_NO_TIME ? w->t1 : s->win_end[host];

		if (w->t0 <= to && t1 >= from && (!best || t1 - w->t0 > best->t1 - best->t0))
			best = w;
	}
	return best;
}

void vd_evidence_vhost_wait(struct vd_finding *f, enum vd_side host, const struct vd_host_wait *w)
{
	struct vd_evidence *ev = vd_finding_evidence(f, VD_EVD_VHOST_WAIT, host);

	if (!ev)
		return;
	ev->v[0] = w->t0;
	ev->v[1] = w->t1;
	ev->v[2] = w->queued_max;
	ev->v[3] = w->lines;
}

static void episode(struct vd_session *s, enum vd_side side, const struct vd_ring_episode *ep,
		    uint64_t bpf_lost)
{
	struct vd_finding *f;
	struct vd_evidence *ev;
	const struct vd_host_wait *w;
	int64_t end = ep->end != VD_NO_TIME ? ep->end : s->win_end[side];

	f = vd_finding_new(&s->res->findings, VD_FK_RX_RING_EMPTY,
			   ep->empty_at != VD_NO_TIME ? VD_SEV_ERROR : VD_SEV_WARNING);
	f->side = side;
	f->variant = ep->empty_at != VD_NO_TIME ? VD_VAR_NONE : VD_VAR_RING_DRAINING;
	f->start[side] = ep->since;
	f->end[side] = end;
	f->start[!side] = other_time(s, side, ep->since);
	f->end[!side] = other_time(s, side, end);
	f->duration_ns = end - ep->since;
	f->ended = ep->end != VD_NO_TIME;
	f->count = ep->fails;
	f->v[0] = ep->max;
	ev = vd_finding_evidence(f, VD_EVD_RING_SINCE, side);
	ev->v[0] = ep->since;
	ev->v[1] = ep->empty_at;
	ev->v[2] = ep->max;
	ev->v[3] = ep->level_before;
	if (ep->fails) {
		ev = vd_finding_evidence(f, VD_EVD_RING_REFILLS, side);
		ev->v[0] = ep->fails;
		ev->v[1] = ep->fail_first;
		ev->v[2] = ep->fail_last;
		ev->v[3] = ep->fail_added;
	}
	ev = vd_finding_evidence(f, VD_EVD_RING_NOTIFY, side);
	ev->v[0] = ep->irqs;
	ev->v[1] = ep->kicks_sent;
	ev->v[2] = ep->kicks_skipped;
	ev->v[3] = (int64_t)ep->recv;
	if (vd_session_matching(s) && s->vq.side[!side].host &&
	    (w = host_wait(s, !side, f->start[!side], f->end[!side])))
		vd_evidence_vhost_wait(f, !side, w);
	if (bpf_lost)
		vd_finding_evidence(f, VD_EVD_BPF_LOST, side)->v[0] = (int64_t)bpf_lost;
}

static void end(void *st, struct vd_session *s)
{
	(void)st;
	if (!s->cfg.final)
		return;
	for (int i = 0; i < 2; i++) {
		const struct vd_vq_side *vs = &s->vq.side[i];

		for (size_t k = 0; k < vs->nep; k++) {
			const struct vd_ring_episode *ep = &vs->ep[k];

			/*
			 * Drained by a burst and refilled by the next RX work within
			 * --stall, no refill failed: the ring working as designed (a
			 * sample caught it between the two), not a finding.
			 */
			if (!ep->fails && ep->end != VD_NO_TIME &&
			    ep->end - ep->since < s->cfg.o->stall_ns)
				continue;
			episode(s, (enum vd_side)i, ep, vs->bpf_lost);
		}
	}
}

static void view(const void *st, const struct vd_session *s, struct vd_view *v)
{
	(void)st;
	for (int i = 0; i < 2; i++) {
		const struct vd_vq_side *vs = &s->vq.side[i];
		struct vd_open_window ow = { .kind = VD_FK_RX_RING_EMPTY,
					     .dir = -1,
					     .conn = -1,
					     .start = { VD_NO_TIME, VD_NO_TIME } };

		if (!vs->ep_open)
			continue;
		ow.start[i] = vs->ep[vs->nep - 1].since;
		ow.count = vs->ep[vs->nep - 1].fails;
		vd_view_open(v, &ow);
	}
}

const struct vd_det_ops vd_det_rxring = {
	.name = "rx_ring_empty",
	.end = end,
	.view = view,
};
