// SPDX-License-Identifier: GPL-2.0
/*
 * vhost waiting for guest RX buffers (vhostwait lines, no kick received on
 * the RX queue for --stall): evidence of a guest-side cause.  A wait that
 * overlaps a dead link into the guest, or its empty ring, becomes evidence
 * of that finding; one that became a missing_kick is that finding's; any
 * other is a vhost_waiting finding of its own (a warning: the host alone
 * cannot tell an empty ring from a lost kick or a frozen guest).
 */
#include "common/util.h"
#include "analyzers/detect/detector.h"

static bool has_wait_evidence(const struct vd_finding *f)
{
	for (unsigned int i = 0; i < f->nevidence; i++)
		if (f->evidence[i].kind == VD_EVD_VHOST_WAIT)
			return true;
	return false;
}

/* the guest-side finding this wait explains, as an index, or -1 */
static ssize_t explained(const struct vd_session *s, enum vd_side host,
			 const struct vd_host_wait *w)
{
	enum vd_side guest = !host;
	int64_t t1 = w->t1 != VD_NO_TIME ? w->t1 : s->win_end[host];

	for (size_t i = 0; i < s->res->findings.n; i++) {
		const struct vd_finding *f = &s->res->findings.v[i];
		bool into_guest = f->dir >= 0 && vd_dir_receiver((enum vd_dir)f->dir) == guest;
		int64_t a = f->start[host], b = f->end[host] != VD_NO_TIME ? f->end[host] : a;

		if (!((f->kind == VD_FK_RX_RING_EMPTY && f->side == (int)guest) ||
		      ((f->kind == VD_FK_UNDELIVERED || f->kind == VD_FK_UNVERIFIED_DELIVERY ||
			f->kind == VD_FK_DELIVERY_STALL) &&
		       into_guest)))
			continue;
		if (a != VD_NO_TIME && a <= t1 && b >= w->t0)
			return (ssize_t)i;
	}
	return -1;
}

static void own_finding(struct vd_session *s, enum vd_side host, const struct vd_host_wait *w)
{
	struct vd_finding *f = vd_finding_new(&s->res->findings, VD_FK_VHOST_WAIT, VD_SEV_WARNING);
	int64_t t1 = w->t1 != VD_NO_TIME ? w->t1 : s->win_end[host];
	struct vd_evidence *ev;

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
	vd_evidence_vhost_wait(f, host, w);
	if (w->guest_recorded) {
		ev = vd_finding_evidence(f, VD_EVD_GUEST_RUNNING, !host);
		ev->v[0] = (int64_t)w->g_events;
		ev->v[1] = w->g_posts;
	}
}

static void end(void *st, struct vd_session *s)
{
	(void)st;
	if (!s->cfg.final)
		return;
	for (int i = 0; i < 2; i++) {
		const struct vd_vq_side *vs = &s->vq.side[i];

		for (size_t k = 0; vs->host && k < vs->nwait; k++) {
			const struct vd_host_wait *w = &vs->wait[k];
			ssize_t j;

			if (w->finding)
				continue;
			j = explained(s, (enum vd_side)i, w);
			if (j < 0)
				own_finding(s, (enum vd_side)i, w);
			else if (!has_wait_evidence(&s->res->findings.v[j]))
				vd_evidence_vhost_wait(&s->res->findings.v[j], (enum vd_side)i, w);
		}
	}
}

const struct vd_det_ops vd_det_vhostwait = {
	.name = "vhost_waiting",
	.end = end,
};
