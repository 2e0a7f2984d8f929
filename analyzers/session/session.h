/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An analysis session, fed one event at a time.
 *
 * Each event comes with the partition that recorded it, in that partition's
 * own clock; the session applies the clock model (when it has one), follows
 * connections (model/conntrack.h), pairs each send with its arrival
 * (model/match.c), keeps credit per direction, and hands every step to the
 * detectors (detect/detector.h), which keep their own state and add
 * structured findings.  At any moment it can be asked for its current view
 * (what a live display shows); vd_session_end() settles what is still
 * pending.  The batch driver (batch/correlate.c), a replay and a live
 * collector feed the same session: nothing here reads a file.
 *
 * With a clock, events must come in merged time order with receives held
 * back by the tolerance (session/feed.c does that for two sources); without
 * one, each partition's events in order, one partition after the other.
 */
#ifndef VD_SESSION_H
#define VD_SESSION_H

#include "analyzers/model/conntrack.h"
#include "analyzers/model/model.h"
#include "analyzers/model/vq.h"
#include "analyzers/session/tap.h"

struct vd_session_cfg {
	const struct vd_opts *o;
	const struct vd_clock *clock; /* NULL: no alignment, each side alone */
	int64_t tol_ns;
	int64_t causal_ns;	  /* clock error alone, without scheduling slack; 0: tol_ns */
	bool final;		  /* produce findings (a clock round only collects bounds) */
	bool two_sides;		  /* B was given (false: single-partition checks) */
	struct vd_clock_est *est; /* collect send->receive bounds (may be NULL) */
	const struct vd_tap *tap; /* an export watching (final pass only; may be NULL) */
};

#define VD_SESSION_MAX_LOST_MARKS 4096
#define VD_VIEW_MAX_OPEN	  64

/* A window a detector has open: it may still become (or grow) a finding. */
struct vd_open_window {
	enum vd_finding_kind kind;
	int dir;	  /* enum vd_dir */
	int64_t conn;	  /* -1: several */
	int64_t start[2]; /* VD_NO_TIME when unknown */
	uint64_t count;
};

/* What the session knows now; valid until the next feed. */
struct vd_view {
	const struct vd_conn *conns;
	size_t nconns;
	const struct vd_finding *findings; /* closed so far, in creation order */
	size_t nfindings;
	struct vd_open_window open[VD_VIEW_MAX_OPEN];
	size_t nopen;
	int64_t last_ts[2]; /* the latest event fed per partition; VD_NO_TIME: none */
	uint64_t events;
};

struct vd_session {
	struct vd_session_cfg cfg;
	struct vd_result *res;
	struct vd_conntrack ct;
	int64_t win_start[2], win_end[2];
	uint64_t vsock_irq[2];
	int64_t last_ts[2];
	uint64_t events;
	int64_t lost_mark[2][VD_SESSION_MAX_LOST_MARKS];
	size_t nlost_mark[2];
	uint64_t pending_now, pending_peak;
	uint64_t orphans_expected[2], orphans_unexpected[2]; /* [dir] */
	uint64_t fate_count[2][VD_FATE_SHORT + 1];
	struct vd_vq vq; /* BPF evidence of the virtqueues (final pass only) */
	void **det;	 /* each detector's state, in table order */
	bool ended;
};

/*
 * A session writing into res (whose side[] facts, map and clock the caller
 * has set: the scan's statistics give each recording's window).
 */
struct vd_session *vd_session_new(const struct vd_session_cfg *cfg, struct vd_result *res);
void vd_session_feed(struct vd_session *s, enum vd_side side, const struct vd_event *ev);
/*
 * The same, with ev->ts_ns already in the other side's clock, exactly
 * vd_session_to_other(s, side, ev->ts_ns), or VD_NO_TIME for the session to
 * convert it where it reads it (sends, and every event of the final pass).
 * The merge computes it on its own thread where that spares this one.
 */
void vd_session_feed_at(struct vd_session *s, enum vd_side side, const struct vd_event *ev,
			int64_t t_other);
void vd_session_view(const struct vd_session *s, struct vd_view *v);
/* the input is over: settle pending sends, close windows, add the end-of-input findings */
void vd_session_end(struct vd_session *s);
void vd_session_free(struct vd_session *s);

/* ---- for detectors ----------------------------------------------------------------- */

static inline bool vd_session_matching(const struct vd_session *s)
{
	return s->cfg.clock != NULL;
}
/* the instant t (side's clock) in the other side's clock; t itself without a clock */
int64_t vd_session_to_other(const struct vd_session *s, enum vd_side side, int64_t t);
/* bytes of c sent in direction d not yet seen arriving; -1 when nothing is paired */
int64_t vd_session_inflight(const struct vd_session *s, const struct vd_conn *c, enum vd_dir d);
/* did side's recording lose events between from and to? */
bool vd_session_lost_between(const struct vd_session *s, enum vd_side side, int64_t from,
			     int64_t to);

/* ---- drivers (session/feed.c) -------------------------------------------------------- */

struct vd_source;
/*
 * Feed both recordings (src[1] may be NULL): merged in aligned time with
 * receives held back by the tolerance when the session has a clock, else one
 * after the other.  0 or -errno from a source.
 */
int vd_session_feed_sources(struct vd_session *s, struct vd_source *src[2]);

#endif /* VD_SESSION_H */
