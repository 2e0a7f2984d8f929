// SPDX-License-Identifier: GPL-2.0
/*
 * Blind spots, from what the recordings say about themselves and what the
 * pairing could not settle: lost events, a ring buffer that overwrote its
 * start, packets sent outside the other recording's window, receives with no
 * recorded send, and packets that arrived only in part.
 */
#include "analyzers/detect/detector.h"

static void end(void *st, struct vd_session *s)
{
	struct vd_result *res = s->res;
	struct vd_finding *f;

	(void)st;
	if (!s->cfg.final)
		return;
	for (int i = 0; i < 2; i++) {
		const struct vd_source_stats *sst = &res->side[i].stats;

		if (sst->lost_events || sst->lost_markers) {
			f = vd_finding_new(&res->findings, VD_FK_LOST_EVENTS, VD_SEV_WARNING);
			f->side = i;
			f->count = sst->lost_events;
			f->v[0] = (int64_t)sst->lost_markers;
			f->v[1] = sst->lost_unknown;
		}
		if (sst->window_truncated) {
			f = vd_finding_new(&res->findings, VD_FK_BUFFER_OVERWRITTEN, VD_SEV_INFO);
			f->side = i;
			f->start[i] = (int64_t)sst->window_start;
		}
	}
	for (int d = 0; d < 2; d++) {
		uint64_t out = res->fates[d][VD_FATE_UNPROVEN] + res->fates[d][VD_FATE_NOT_YET];
		struct vd_evidence *ev;

		if (out) {
			f = vd_finding_new(&res->findings, VD_FK_OUTSIDE_WINDOW, VD_SEV_INFO);
			f->dir = d;
			f->count = out;
			ev = vd_finding_evidence(f, VD_EVD_OUTSIDE_SPLIT,
						 vd_dir_receiver((enum vd_dir)d));
			ev->v[0] = (int64_t)res->fates[d][VD_FATE_UNPROVEN];
			ev->v[1] = (int64_t)res->fates[d][VD_FATE_NOT_YET];
		}
		if (res->orphans_unexpected[d]) {
			f = vd_finding_new(&res->findings, VD_FK_ORPHAN_RECEIVES, VD_SEV_INFO);
			f->dir = d;
			f->count = res->orphans_unexpected[d];
		}
		if (res->fates[d][VD_FATE_SHORT]) {
			f = vd_finding_new(&res->findings, VD_FK_PARTIAL_DELIVERY, VD_SEV_WARNING);
			f->dir = d;
			f->count = res->fates[d][VD_FATE_SHORT];
		}
	}
}

const struct vd_det_ops vd_det_blind = {
	.name = "blind_spots",
	.end = end,
};
