/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between the batch driver's passes (scan.c, vote.c, align.c, correlate.c). */
#ifndef VD_CORR_INTERNAL_H
#define VD_CORR_INTERNAL_H

#include "analyzers/batch/correlate.h"
#include "analyzers/session/session.h"

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
#define VD_SAMPLE_RW_MAX   8192
#define VD_EPSET_MAX	   65536

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
int vd_vote_clock(const struct vd_samples smp[2], const struct vd_cidmap *map, struct vd_clock *out,
		  char *why, size_t whylen);

/* ---- passes 3 and 4: a session fed from both recordings --------------------------------- */

/* rewind both recordings and feed them to a new session on res, then end it */
int vd_batch_pass(struct vd_source *src[2], const struct vd_session_cfg *cfg, struct vd_result *res,
		  char *err, size_t errlen);

/* ---- the clock rounds (align.c) ------------------------------------------------------- */

/* how far apart the clock may put a send and its arrival: its own error plus slack */
int64_t vd_clock_tol(const struct vd_clock *c);
/* how late the clock may put a send after its own arrival (0: no better than the tolerance) */
int64_t vd_clock_causal(const struct vd_clock *c);
/* the vote, then matching rounds and fits; res->clock and res->clock_note are set */
int vd_align_clock(struct vd_source *src[2], const struct vd_opts *o,
		   const struct vd_samples smp[2], struct vd_result *res, char *err, size_t errlen);

#endif /* VD_CORR_INTERNAL_H */
