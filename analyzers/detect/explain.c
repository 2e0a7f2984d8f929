// SPDX-License-Identifier: GPL-2.0
/*
 * Why a dead link died, when BPF evidence tells: each undelivered,
 * unverified_delivery or delivery_stall finding gets the explanation its
 * receiver's evidence supports, in this order:
 *  - its RX ring was empty (an rx_ring_empty on the receiver overlapping),
 *    and when refills failed while the receiver also failed allocations,
 *    the allocation failures are the root;
 *  - the notification was missing (a missing_kick overlapping);
 *  - the receiver was frozen: it recorded nothing at all, not even its
 *    sampler's lines, for most of the window.
 * Without evidence it keeps the words it always had.
 */
#include "common/util.h"
#include "analyzers/detect/detector.h"

/* a finding's window on side's clock; false when it has no time there */
static bool span(const struct vd_finding *f, int side, int64_t dflt_end, int64_t *a, int64_t *b)
{
	if (f->start[side] == VD_NO_TIME)
		return false;
	*a = f->start[side];
	*b = f->end[side] != VD_NO_TIME ? f->end[side] : dflt_end;
	return true;
}

/* the first finding of kind (about side `who`, -1 any) overlapping [a, b] on side's clock */
static ssize_t overlapping(const struct vd_session *s, enum vd_finding_kind kind, int who, int side,
			   int64_t a, int64_t b)
{
	for (size_t i = 0; i < s->res->findings.n; i++) {
		const struct vd_finding *g = &s->res->findings.v[i];
		int64_t ga, gb;

		if (g->kind != kind || (who >= 0 && g->side != who) ||
		    !span(g, side, s->win_end[side], &ga, &gb))
			continue;
		if (ga <= b && gb >= a)
			return (ssize_t)i;
	}
	return -1;
}

/* the receiver's real allocation failures, begun before its ring was back */
static ssize_t alloc_root(const struct vd_session *s, int rx, const struct vd_finding *ring)
{
	int64_t ring_end = ring->end[rx] != VD_NO_TIME ? ring->end[rx] : s->win_end[rx];

	if (!ring->count)
		return -1; /* no refill failed: the ring ran dry some other way */
	for (size_t i = 0; i < s->res->findings.n; i++) {
		const struct vd_finding *a = &s->res->findings.v[i];

		if (a->kind == VD_FK_ALLOC_FAILURE && a->side == rx && a->count &&
		    a->start[rx] != VD_NO_TIME && a->start[rx] <= ring_end)
			return (ssize_t)i;
	}
	return -1;
}

static void explain(struct vd_session *s, size_t fi)
{
	struct vd_finding *f = &s->res->findings.v[fi];
	int rx = vd_dir_receiver((enum vd_dir)f->dir);
	const struct vd_vq_side *vs = &s->vq.side[rx];
	struct vd_evidence *ev;
	ssize_t ring, k, root;
	int64_t a, b;

	if (!span(f, rx, s->win_end[rx], &a, &b))
		return;
	ring = overlapping(s, VD_FK_RX_RING_EMPTY, rx, rx, a, b);
	if (ring >= 0) {
		struct vd_finding *g = &s->res->findings.v[ring];

		ev = vd_finding_evidence(g, VD_EVD_RING_UNDELIVERED, -1);
		if (ev) {
			ev->ref = f->id;
			ev->v[0] = (int64_t)f->count;
		}
		root = alloc_root(s, rx, g);
		f->explain = root >= 0 ? VD_EXPLAIN_ALLOC : VD_EXPLAIN_RING_EMPTY;
		f->explain_ref = root >= 0 ? s->res->findings.v[root].id : g->id;
	} else if ((k = overlapping(s, VD_FK_MISSING_KICK, -1, rx, a, b)) >= 0) {
		f->explain = VD_EXPLAIN_MISSING_KICK;
		f->explain_ref = s->res->findings.v[k].id;
	} else if (vs->periodic && b > a &&
		   /* silent half the span or more: 2 * silent >= span, without overflow */
		   vd_vq_silent_ns(vs, a, b) >= vd_sub_sat(b, a) - vd_vq_silent_ns(vs, a, b)) {
		f->explain = VD_EXPLAIN_FROZEN;
		ev = vd_finding_evidence(f, VD_EVD_GUEST_SILENT, rx);
		if (ev) {
			ev->v[0] = vd_vq_silent_ns(vs, a, b);
			ev->v[1] = vd_sub_sat(b, a);
		}
		return;
	} else {
		return;
	}
	ev = vd_finding_evidence(f, VD_EVD_EXPLAINED, rx);
	if (ev) {
		ev->ref = f->explain_ref;
		ev->v[0] = f->explain;
	}
}

static void end(void *st, struct vd_session *s)
{
	(void)st;
	if (!s->cfg.final)
		return;
	for (size_t i = 0; i < s->res->findings.n; i++) {
		const struct vd_finding *f = &s->res->findings.v[i];

		if ((f->kind == VD_FK_UNDELIVERED || f->kind == VD_FK_UNVERIFIED_DELIVERY ||
		     f->kind == VD_FK_DELIVERY_STALL) &&
		    f->dir >= 0)
			explain(s, i);
	}
}

const struct vd_det_ops vd_det_explain = {
	.name = "explanation",
	.end = end,
};
