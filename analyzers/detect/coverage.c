// SPDX-License-Identifier: GPL-2.0
/*
 * What the inputs cannot show, said once so nobody reads silence as health:
 * one recording only (every check one side supports ran; delivery, stalls
 * and the clock need the other), or two that no clock links, in which case
 * data sent and never seen arriving is only "unverified".
 */
#include <string.h>

#include "analyzers/detect/detector.h"

static void single_partition(struct vd_session *s)
{
	struct vd_finding *f =
	    vd_finding_new(&s->res->findings, VD_FK_SINGLE_PARTITION, VD_SEV_INFO);

	f->side = VD_SIDE_A;
	vd_finding_evidence(f, VD_EVD_RUN_CORRELATE, VD_SIDE_A);
}

static void unaligned(struct vd_session *s)
{
	struct vd_result *res = s->res;
	struct vd_finding *f =
	    vd_finding_new(&res->findings, VD_FK_CLOCK_UNALIGNED, VD_SEV_WARNING);

	vd_finding_evidence(f, VD_EVD_CLOCK_NOTE, -1);
	for (int i = 0; i < 2; i++) {
		const struct vd_source_stats *st = &res->side[i].stats;
		struct vd_evidence *ev = vd_finding_evidence(f, VD_EVD_SIDE_EVENTS, i);

		ev->v[0] = (int64_t)st->events;
		ev->v[1] = (int64_t)st->first_ts;
		ev->v[2] = (int64_t)st->last_ts;
	}
	if (strstr(res->clock_note, "repeat"))
		f->variant = VD_VAR_CLOCK_REPEATS;

	for (size_t i = 0; i < res->nconns; i++) {
		const struct vd_conn *c = &res->conns[i];

		if (c->loopback)
			continue;
		for (int d = 0; d < 2; d++) {
			const struct vd_conn_dir *cd = &c->d[d];
			enum vd_side rx = vd_dir_receiver((enum vd_dir)d);
			struct vd_evidence *ev;

			if (!cd->sent_pkts || cd->recv_pkts)
				continue;
			f = vd_finding_new(&res->findings, VD_FK_UNVERIFIED_DELIVERY,
					   VD_SEV_WARNING);
			f->variant = VD_VAR_UNALIGNED;
			f->dir = d;
			f->conn = c->id;
			f->count = cd->sent_pkts;
			f->bytes = cd->sent_bytes;
			ev = vd_finding_evidence(f, VD_EVD_RX_TOTALS, rx);
			ev->v[0] = (int64_t)res->side[rx].pkts_recv;
			ev->v[1] = (int64_t)res->side[rx].irq_total;
			vd_finding_evidence(f, VD_EVD_UNALIGNED_WHEN, rx);
		}
	}
}

static void end(void *st, struct vd_session *s)
{
	(void)st;
	if (!s->cfg.final)
		return;
	if (!s->cfg.two_sides)
		single_partition(s);
	else if (!vd_clock_aligned(&s->res->clock))
		unaligned(s);
}

const struct vd_det_ops vd_det_coverage = {
	.name = "coverage",
	.end = end,
};
