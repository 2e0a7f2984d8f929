// SPDX-License-Identifier: GPL-2.0
/*
 * The clock rounds of the batch driver: the coarse vote, then matching passes
 * that collect send->receive bounds and fits that tighten them, and the
 * tolerances each kind of clock allows when pairing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/progress.h"
#include "common/util.h"
#include "analyzers/batch/corr_internal.h"

/* shorter than this, drift cannot be told from latency jitter */
#define MIN_DRIFT_SPAN_NS (30 * NSEC_PER_SEC)
/* clock fit refinements: each is one more read of both recordings */
#define MAX_FIT_ROUNDS 4

/*
 * How late the clock may put a send after its own arrival: its error alone.
 * Printed timestamps are truncated to microseconds on both sides, hence the
 * few microseconds on top.
 */
int64_t vd_clock_causal(const struct vd_clock *c)
{
	if (c->source != VD_CLOCK_PACKETS || c->bound != VD_BOUND_TWO_SIDED ||
	    c->uncertainty_ns < 0)
		return 0; /* no better than the tolerance */
	return 2 * c->uncertainty_ns + 5000;
}

/* how far apart the clock may put a send and its arrival: its own error plus slack */
int64_t vd_clock_tol(const struct vd_clock *c)
{
	if (c->source == VD_CLOCK_USER)
		return 50 * (int64_t)NSEC_PER_MSEC;
	if (c->uncertainty_ns < 0)
		return 10 * (int64_t)NSEC_PER_MSEC; /* a one-sided fit: latency unknown */
	if (c->bound != VD_BOUND_TWO_SIDED)
		return c->uncertainty_ns + 50 * (int64_t)NSEC_PER_MSEC;
	return 2 * c->uncertainty_ns + (int64_t)NSEC_PER_MSEC;
}

int vd_align_clock(struct vd_source *src[2], const struct vd_opts *o,
		   const struct vd_samples smp[2], struct vd_result *res, char *err, size_t errlen)
{
	struct vd_clock coarse;
	struct vd_clock_est *est;
	struct vd_session_cfg cfg;
	struct vd_result scratch;
	bool fitted = false;
	char outliers_note[64] = "";
	int64_t tol;
	int ret;

	if (o->have_offset) {
		res->clock = (struct vd_clock){ .source = VD_CLOCK_USER,
						.offset_ns = o->offset_ns,
						.uncertainty_ns = -1,
						.ref_a_ns = res->side[0].stats.first_ts };
		snprintf(res->clock_note, sizeof(res->clock_note), "offset given with --offset");
		return 0;
	}
	ret = vd_vote_clock(smp, &res->map, &coarse, res->clock_note, sizeof(res->clock_note));
	if (ret)
		return 0; /* not aligned: the note says why */

	/*
	 * Match with the coarse clock only to collect send->receive bounds, fit,
	 * and match again with the fitted clock while that tightens the band:
	 * a better clock pairs twins and stream starts better, which in turn
	 * drops the mismatched pairs that loosened (or crossed) the bounds.
	 */
	vd_dbg("coarse clock from the vote: offset %" PRId64 " ns +/- %" PRId64 " ns (%s)",
	       coarse.offset_ns, coarse.uncertainty_ns,
	       coarse.bound == VD_BOUND_TWO_SIDED ? "two-sided" : "one-sided");
	est = vd_xcalloc(1, sizeof(*est));
	res->clock = coarse;
	tol = vd_clock_tol(&coarse);
	for (int round = 0; round < MAX_FIT_ROUNDS; round++) {
		struct vd_clock fit;

		vd_clock_est_init(est, res->side[0].stats.first_ts, res->side[0].stats.last_ts);
		memset(&scratch, 0, sizeof(scratch));
		memcpy(scratch.side, res->side, sizeof(scratch.side));
		scratch.map = res->map;
		cfg =
		    (struct vd_session_cfg){ .o = o,
					     .two_sides = true,
					     .clock = &res->clock,
					     .tol_ns = tol,
					     .causal_ns = fitted ? vd_clock_causal(&res->clock) : 0,
					     .final = false,
					     .est = est };
		vd_progress_pass("aligning clocks (round %d)", round + 1);
		ret = vd_batch_pass(src, &cfg, &scratch, err, errlen);
		vd_result_free(&scratch);
		if (ret)
			goto out;
		if (vd_clock_est_solve(est, MIN_DRIFT_SPAN_NS, &fit))
			break;
		vd_dbg("clock round %d (tol %" PRId64 " ns): offset %" PRId64 " +/- %" PRId64
		       " ns, drift %.3f ppm%s, %" PRIu64 " bounds ignored",
		       round, tol, fit.offset_ns, fit.uncertainty_ns, fit.drift * 1e6,
		       fit.inconsistent ? ", inconsistent" : "", fit.outliers);
		/*
		 * A fit whose bounds cross even after trimming outliers was made
		 * partly from mismatched pairs.  If we have nothing better it may
		 * still be the better clock to pair with (drift the vote could not
		 * see): pair again with it, but never report it.
		 */
		if (fit.inconsistent) {
			if (fitted)
				break;
			res->clock = fit;
			tol = vd_clock_tol(&fit);
			continue;
		}
		if (fitted && fit.uncertainty_ns * 3 > res->clock.uncertainty_ns * 2 &&
		    fit.drift_fitted == res->clock.drift_fitted) {
			res->clock = fit; /* as good: take the one from the better pairing */
			break;
		}
		res->clock = fit;
		fitted = true;
		tol = vd_clock_tol(&fit);
	}
	if (!fitted)
		res->clock = coarse;
	if (res->clock.outliers)
		snprintf(outliers_note, sizeof(outliers_note),
			 "; %" PRIu64 " contradicting bounds ignored", res->clock.outliers);
	if (!fitted) {
		snprintf(res->clock_note, sizeof(res->clock_note),
			 "coarse estimate from the packet vote only: paired packets did not give a "
			 "consistent clock");
	} else {
		snprintf(res->clock_note, sizeof(res->clock_note),
			 "from %" PRIu64 " A->B and %" PRIu64 " B->A packet pairs%s",
			 res->clock.pairs_ab, res->clock.pairs_ba, outliers_note);
	}
out:
	free(est);
	return ret;
}
