/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tap: what an export sees of the final session, step by step.  It is
 * called after the detectors for the same step, with the connection as the
 * session knows it then; it may not change anything (everything it gets is
 * const).  Only the final pass of a batch run has a tap (batch/correlate.c
 * vd_correlate_tap), so every packet reaches it exactly once and every send
 * gets exactly one fate when a clock pairs them.
 */
#ifndef VD_TAP_H
#define VD_TAP_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzers/model/model.h"

struct vd_session;

struct vd_tap {
	void *ctx;
	/*
	 * The final pass is about to start: res holds each partition's facts
	 * (side[]), the CID map and the clock.  0, or -errno to stop the run.
	 */
	int (*begin)(void *ctx, const struct vd_result *res);
	/* a packet sent (sent) or received by side, in side's own clock (ev->ts_ns) */
	void (*packet)(void *ctx, const struct vd_session *s, const struct vd_conn *c,
		       enum vd_side side, enum vd_dir dir, bool sent, const struct vd_event *ev);
	/*
	 * A send settled: p->t_send in the sender's clock, p->first_rx and
	 * t_recv_last (its first and last piece) in the receiver's, VD_NO_TIME
	 * when nothing arrived.  Only with a clock (the session pairs).
	 */
	void (*fate)(void *ctx, const struct vd_session *s, const struct vd_conn *c,
		     enum vd_dir dir, const struct vd_pending *p, enum vd_fate fate,
		     int64_t t_recv_last);
	/* any other event: interrupts, allocations, BPF evidence, lost-event markers */
	void (*event)(void *ctx, const struct vd_session *s, enum vd_side side,
		      const struct vd_event *ev);
};

#endif /* VD_TAP_H */
