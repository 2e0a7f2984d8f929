/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Detectors: each watches what the session does and keeps its own state (per
 * flow, per connection or per direction), adding structured findings to
 * s->res->findings when it has proof.  They are listed in one table
 * (detect/detectors.c), called in that order; adding one is one file and one
 * row.  A detector never calls back into a driver and never prints: words
 * are made by sinks/render.c from the finding's data.
 */
#ifndef VD_DETECTOR_H
#define VD_DETECTOR_H

#include "analyzers/session/session.h"

struct vd_det_ops {
	const char *name;
	void *(*create)(struct vd_session *s);
	/* a packet the session followed: c already updated, sent by side or received by it */
	void (*packet)(void *st, struct vd_session *s, struct vd_conn *c, enum vd_side side,
		       enum vd_dir dir, bool sent, const struct vd_event *ev);
	/* the matcher settled a send */
	void (*fate)(void *st, struct vd_session *s, struct vd_flow *f, enum vd_dir dir,
		     const struct vd_pending *p, enum vd_fate fate, int64_t t_recv_last);
	/* any other event (interrupts, allocations, lost-event markers) */
	void (*event)(void *st, struct vd_session *s, enum vd_side side, const struct vd_event *ev);
	/* the input is over: close what is open, add end-of-input findings */
	void (*end)(void *st, struct vd_session *s);
	/* what is open now, for a live view */
	void (*view)(const void *st, const struct vd_session *s, struct vd_view *v);
	void (*destroy)(void *st);
};

extern const struct vd_det_ops *const vd_detectors[];
extern const size_t vd_ndetectors;

/* a window for the view (ignored when the view is full) */
void vd_view_open(struct vd_view *v, const struct vd_open_window *w);

/* the detectors, in table order */
extern const struct vd_det_ops vd_det_undelivered;
extern const struct vd_det_ops vd_det_stall;
extern const struct vd_det_ops vd_det_starve;
extern const struct vd_det_ops vd_det_conns;
extern const struct vd_det_ops vd_det_coverage;
extern const struct vd_det_ops vd_det_allocfail;
extern const struct vd_det_ops vd_det_credsnap;
extern const struct vd_det_ops vd_det_rxring;
extern const struct vd_det_ops vd_det_kick;
extern const struct vd_det_ops vd_det_vhostwait;
extern const struct vd_det_ops vd_det_explain;
extern const struct vd_det_ops vd_det_adb;
extern const struct vd_det_ops vd_det_blind;

/* a VD_EVD_VHOST_WAIT item on f for host's wait w (detect/rxring.c) */
void vd_evidence_vhost_wait(struct vd_finding *f, enum vd_side host, const struct vd_host_wait *w);

#endif /* VD_DETECTOR_H */
