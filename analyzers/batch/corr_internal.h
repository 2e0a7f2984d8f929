/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between the correlate passes (scan.c, vote.c, engine.c, correlate.c). */
#ifndef VD_CORR_INTERNAL_H
#define VD_CORR_INTERNAL_H

#include "analyzers/batch/correlate.h"

/* ---- pass 1: scan ------------------------------------------------------------------- */

/* One packet kept for the coarse clock vote: its signature and when. */
struct vd_sample {
	int64_t ts;
	struct vd_endpoints ep;
	uint32_t len;
	uint16_t op;
	uint8_t is_send;
};

struct vd_samples {
	struct vd_sample *v;
	size_t n, cap;
	uint64_t ctrl_seen; /* control packets offered (reservoir sampling beyond the cap) */
	uint64_t rw_kept;
	uint64_t rng;
};

struct vd_epset {
	struct vd_endpoints *v;
	size_t n, cap;
};

/* Bounds: what the scan keeps is fixed whatever the recording length. */
#define VD_SAMPLE_CTRL_MAX 65536
#define VD_SAMPLE_RW_MAX 8192
#define VD_EPSET_MAX 65536

int vd_scan_side(struct vd_source *src, const char *irq_override, struct vd_side_info *info,
		 struct vd_samples *smp, struct vd_epset *eps);
bool vd_irq_is_vsock(const struct vd_side_info *info, const char *name);
void vd_samples_free(struct vd_samples *s);
void vd_epset_free(struct vd_epset *s);

/* ---- pass 2: coarse clock ----------------------------------------------------------- */

/* window within which a matching signature counts as the same packet */
#define VD_VOTE_WINDOW_NS (200 * 1000000LL)
/* ... and the narrow window that finds the cluster of true pairs inside it */
#define VD_VOTE_NARROW_NS (2 * 1000000LL)

/*
 * 0 and a coarse clock (uncertainty = the vote window), or -ENODATA (no
 * signature in common) / -EAGAIN (ambiguous: patterns repeat) with a reason.
 */
int vd_vote_clock(const struct vd_samples smp[2], const struct vd_cidmap *map,
		  struct vd_clock *out, char *why, size_t whylen);

/* ---- passes 3 and 4: the matching engine --------------------------------------------- */

struct vd_engine_cfg {
	const struct vd_corr_opts *o;
	const struct vd_clock *clock; /* NULL: no alignment, each side alone */
	int64_t tol_ns;
	int64_t causal_ns; /* clock error alone, without scheduling slack; 0: use tol_ns */
	bool final;		  /* produce connections and findings */
	struct vd_clock_est *est; /* collect bounds (may be NULL) */
};

int vd_engine_run(struct vd_source *src[2], const struct vd_engine_cfg *cfg,
		  struct vd_corr_result *res, char *err, size_t errlen);

/* ---- the clock rounds (align.c) ------------------------------------------------------- */

/* how far apart the clock may put a send and its arrival: its own error plus slack */
int64_t vd_clock_tol(const struct vd_clock *c);
/* how late the clock may put a send after its own arrival (0: no better than the tolerance) */
int64_t vd_clock_causal(const struct vd_clock *c);
/* the vote, then matching rounds and fits; res->clock and res->clock_note are set */
int vd_align_clock(struct vd_source *src[2], const struct vd_corr_opts *o,
		   const struct vd_samples smp[2], struct vd_corr_result *res, char *err,
		   size_t errlen);

/* ---- credit starvation (starve.c), fed by the engine ---------------------------------- */

struct vd_starve_ctx {
	const struct vd_corr_opts *o;
	struct vd_findings *findings;
	bool final; /* produce findings */
	/* the instant t (side's clock) in the other side's clock; NULL: unknown */
	int64_t (*to_other)(void *ctx, enum vd_side side, int64_t t);
	/* bytes of c sent in direction d and not yet seen arriving; -1: unknown (no pairing) */
	int64_t (*inflight)(void *ctx, const struct vd_conn *c, enum vd_dir d);
	void *ctx;
};

void vd_starve_on_send(const struct vd_starve_ctx *x, struct vd_conn *c, enum vd_dir d,
		       const struct vd_event *ev);
/* d_pkt: the direction the received packet travelled */
void vd_starve_on_recv(const struct vd_starve_ctx *x, struct vd_conn *c, enum vd_dir d_pkt,
		       const struct vd_event *ev);
/* end[side]: each recording's last timestamp */
void vd_starve_finish(const struct vd_starve_ctx *x, struct vd_conn *c, const int64_t end[2]);
/* after every finding exists: starvation caused by a stall or a loss is their consequence */
void vd_starve_consequences(const struct vd_corr_opts *o, struct vd_findings *fs);

/* ---- allocation failures (allocfail.c) ------------------------------------------------ */

void vd_allocfail_event(struct vd_allocfail *a, const struct vd_event *ev);
/* after every other finding exists: the failures are tied to what followed them */
void vd_allocfail_findings(const struct vd_corr_opts *o, struct vd_corr_result *res);

/* ---- incidents (incidents.c) ----------------------------------------------------------- */

/* after sorting the findings: group them into ranked incidents */
void vd_incidents_build(struct vd_corr_result *res);

#endif /* VD_CORR_INTERNAL_H */
