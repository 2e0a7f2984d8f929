// SPDX-License-Identifier: GPL-2.0
/*
 * The detector table.  Order matters only for the order findings are created
 * in (the settling step sorts them): losses and stalls as the packets settle,
 * then starvation, connection failures, coverage, allocation failures, the
 * BPF findings and explanations (which read the findings made before them)
 * and the blind spots at the end of input.
 */
#include "common/util.h"
#include "analyzers/detect/detector.h"

const struct vd_det_ops *const vd_detectors[] = {
	&vd_det_undelivered, /* sent, never received: runs per flow direction */
	&vd_det_stall,	     /* received late: windows per direction */
	&vd_det_starve,	     /* zero credit per connection direction */
	&vd_det_credsnap,    /* BPF: the receiver's own credit snapshots classify it */
	&vd_det_conns,	     /* refused, unanswered, half-closed, adb handshake */
	&vd_det_coverage,    /* one recording, or no common clock */
	&vd_det_allocfail,   /* high-order allocation failures per partition */
	&vd_det_rxring,	     /* BPF: the guest's RX ring ran dry */
	&vd_det_kick,	     /* BPF: a notification that never arrived (after undelivered) */
	&vd_det_vhostwait,   /* BPF: vhost waiting for guest buffers, as evidence or alone */
	&vd_det_explain,     /* BPF: why each dead link died (after all of the above) */
	&vd_det_adb,	     /* BPF payload: adb streams; evidence on the dead links above */
	&vd_det_blind,	     /* lost events, overwritten buffers, outside the window */
};
const size_t vd_ndetectors = ARRAY_SIZE(vd_detectors);

void vd_view_open(struct vd_view *v, const struct vd_open_window *w)
{
	if (v->nopen < VD_VIEW_MAX_OPEN)
		v->open[v->nopen++] = *w;
}
