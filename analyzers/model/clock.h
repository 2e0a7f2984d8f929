/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Clock model between partition A and partition B, from the packets alone
 * (no KVM debugfs on type-1 hypervisors, no agent: the link being debugged
 * may be the broken one).
 *
 *   t_b = t_a + offset_ns + drift * (t_a - ref_a_ns)
 *
 * A packet cannot arrive before it was sent, so every matched pair bounds
 * the line: an A->B pair (sent t_a, received t_b) says offset <= t_b - t_a,
 * a B->A pair (sent t_b, received t_a) says offset >= t_b - t_a.  Pairs in
 * both directions bracket the offset; the half-width of the bracket is the
 * uncertainty we report.
 */
#ifndef VD_CLOCK_H
#define VD_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

enum vd_clock_source {
	VD_CLOCK_NONE = 0, /* not aligned: nothing links the two recordings */
	VD_CLOCK_PACKETS,  /* estimated from matched packets */
	VD_CLOCK_USER,	   /* --offset */
};

enum vd_clock_bound {
	VD_BOUND_TWO_SIDED = 0,
	VD_BOUND_UPPER_ONLY, /* only A->B pairs: offset is at most the estimate */
	VD_BOUND_LOWER_ONLY, /* only B->A pairs: offset is at least the estimate */
};

struct vd_clock {
	enum vd_clock_source source;
	enum vd_clock_bound bound;
	int64_t offset_ns;
	int64_t uncertainty_ns; /* half-width of the feasible band; -1 unknown */
	double drift;		/* dimensionless: 1e-6 == 1 ppm */
	uint64_t ref_a_ns;
	uint64_t pairs_ab;
	uint64_t pairs_ba;
	bool drift_fitted;
	bool inconsistent; /* the bounds cross: some pairs contradict a linear clock */
	uint64_t outliers; /* bounds dropped because a few pairs contradicted all others */
};

static inline bool vd_clock_aligned(const struct vd_clock *c)
{
	return c->source != VD_CLOCK_NONE;
}

int64_t vd_clock_a_to_b(const struct vd_clock *c, uint64_t t_a);
int64_t vd_clock_b_to_a(const struct vd_clock *c, uint64_t t_b);

/*
 * The estimator keeps, per time bucket of A's timeline, the tightest bound
 * of each kind: memory is fixed whatever the length of the recordings.
 */
#define VD_CLOCK_BUCKETS 2048

struct vd_clock_pt {
	int64_t x; /* t_a - span_start */
	int64_t y; /* t_b - t_a */
	bool set;
};

struct vd_clock_est {
	uint64_t span_start; /* A time covered by the buckets */
	uint64_t span_len;
	struct vd_clock_pt upper[VD_CLOCK_BUCKETS]; /* min y of A->B pairs */
	struct vd_clock_pt lower[VD_CLOCK_BUCKETS]; /* max y of B->A pairs */
	uint64_t n_ab, n_ba;
	int64_t min_x, max_x;
};

void vd_clock_est_init(struct vd_clock_est *est, uint64_t a_start, uint64_t a_end);
void vd_clock_est_add_ab(struct vd_clock_est *est, uint64_t t_a_sent, uint64_t t_b_recv);
void vd_clock_est_add_ba(struct vd_clock_est *est, uint64_t t_b_sent, uint64_t t_a_recv);
/*
 * Fit the line.  Drift is fitted only when both directions have pairs
 * spread over at least min_drift_span_ns of A's time: a short recording
 * cannot tell drift from latency jitter.  0, or -ENODATA with no pairs.
 */
int vd_clock_est_solve(const struct vd_clock_est *est, uint64_t min_drift_span_ns,
		       struct vd_clock *out);

#endif /* VD_CLOCK_H */
