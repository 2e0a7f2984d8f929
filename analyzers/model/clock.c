// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/model/clock.h"

/* below this span a slope is not measurable at all */
#define MIN_SLOPE_SPAN_NS (1000000000LL)
/* Drift larger than this is not a clock, it is a mismatched pairing. */
#define MAX_DRIFT 1e-3

/*
 * llround without the libm call (it runs for every event of every pass):
 * the cast truncates toward zero and the remainder, exact below 2^53, says
 * whether to round away from zero, halves included as llround does.  Past
 * 2^53 a double holds no fraction.  Anything beyond int64 goes to llround.
 */
static inline int64_t round_ns(double x)
{
	int64_t i;
	double r;

	if (!(x > -9.2e18 && x < 9.2e18))
		return (int64_t)llround(x);
	i = (int64_t)x;
	r = x - (double)i;
	if (r >= 0.5)
		i++;
	else if (r <= -0.5)
		i--;
	return i;
}

int64_t vd_clock_a_to_b(const struct vd_clock *c, uint64_t t_a)
{
	double rel = (double)((int64_t)(t_a - c->ref_a_ns));

	return (int64_t)t_a + c->offset_ns + round_ns(c->drift * rel);
}

int64_t vd_clock_b_to_a(const struct vd_clock *c, uint64_t t_b)
{
	/* invert t_b = t_a + o + d (t_a - r):  t_a = (t_b - o + d r) / (1 + d) */
	double tb = (double)((int64_t)t_b - c->offset_ns) - (double)c->ref_a_ns;
	double rel = tb / (1.0 + c->drift);

	return (int64_t)c->ref_a_ns + round_ns(rel);
}

void vd_clock_est_init(struct vd_clock_est *est, uint64_t a_start, uint64_t a_end)
{
	memset(est, 0, sizeof(*est));
	est->span_start = a_start;
	est->span_len = a_end > a_start ? a_end - a_start : 1;
	est->min_x = INT64_MAX;
	est->max_x = INT64_MIN;
}

static size_t bucket_of(const struct vd_clock_est *est, int64_t x)
{
	int64_t b;

	if (x <= 0)
		return 0;
	b = (int64_t)((double)x / (double)est->span_len * VD_CLOCK_BUCKETS);
	return b >= VD_CLOCK_BUCKETS ? VD_CLOCK_BUCKETS - 1 : (size_t)b;
}

static void note_x(struct vd_clock_est *est, int64_t x)
{
	est->min_x = VD_MIN(est->min_x, x);
	est->max_x = VD_MAX(est->max_x, x);
}

void vd_clock_est_add_ab(struct vd_clock_est *est, uint64_t t_a_sent, uint64_t t_b_recv)
{
	int64_t x = (int64_t)(t_a_sent - est->span_start);
	int64_t y = (int64_t)(t_b_recv - t_a_sent);
	struct vd_clock_pt *p = &est->upper[bucket_of(est, x)];

	if (!p->set || y < p->y)
		*p = (struct vd_clock_pt){ .x = x, .y = y, .set = true };
	est->n_ab++;
	note_x(est, x);
}

void vd_clock_est_add_ba(struct vd_clock_est *est, uint64_t t_b_sent, uint64_t t_a_recv)
{
	int64_t x = (int64_t)(t_a_recv - est->span_start);
	int64_t y = (int64_t)(t_b_sent - t_a_recv);
	struct vd_clock_pt *p = &est->lower[bucket_of(est, x)];

	if (!p->set || y > p->y)
		*p = (struct vd_clock_pt){ .x = x, .y = y, .set = true };
	est->n_ba++;
	note_x(est, x);
}

/* Tightest bounds on the intercept at x = xref for slope d. */
static void band_at(const struct vd_clock_est *est, double d, double xref, double *hi, double *lo)
{
	*hi = INFINITY;
	*lo = -INFINITY;
	for (size_t i = 0; i < VD_CLOCK_BUCKETS; i++) {
		const struct vd_clock_pt *u = &est->upper[i], *l = &est->lower[i];

		if (u->set)
			*hi = fmin(*hi, (double)u->y - d * ((double)u->x - xref));
		if (l->set)
			*lo = fmax(*lo, (double)l->y - d * ((double)l->x - xref));
	}
}

/*
 * The band's width is concave in the slope (min of lines minus max of
 * lines), so a ternary search finds the slope that leaves the most room
 * between the two families of bounds: the maximum-margin line.
 */
static double fit_drift(const struct vd_clock_est *est, double xref)
{
	double lo_d = -MAX_DRIFT, hi_d = MAX_DRIFT;

	for (int i = 0; i < 200 && hi_d - lo_d > 1e-12; i++) {
		double m1 = lo_d + (hi_d - lo_d) / 3, m2 = hi_d - (hi_d - lo_d) / 3;
		double h1, l1, h2, l2;

		band_at(est, m1, xref, &h1, &l1);
		band_at(est, m2, xref, &h2, &l2);
		if (h1 - l1 < h2 - l2)
			lo_d = m1;
		else
			hi_d = m2;
	}
	return (lo_d + hi_d) / 2;
}

/*
 * Drop the one bound whose removal widens the band the most: the tightest
 * A->B bound if the next tightest is far looser, or likewise the tightest
 * B->A bound.  A single mismatched pair shows up exactly like that; a true
 * bound has neighbours nearly as tight.  False when nothing can be dropped.
 */
static bool drop_worst(struct vd_clock_est *w, double d, double xref)
{
	struct vd_clock_pt *umin = NULL, *lmax = NULL;
	double u1 = INFINITY, u2 = INFINITY, l1 = -INFINITY, l2 = -INFINITY;

	for (size_t i = 0; i < VD_CLOCK_BUCKETS; i++) {
		struct vd_clock_pt *u = &w->upper[i], *l = &w->lower[i];

		if (u->set) {
			double v = (double)u->y - d * ((double)u->x - xref);

			if (v < u1) {
				u2 = u1;
				u1 = v;
				umin = u;
			} else if (v < u2) {
				u2 = v;
			}
		}
		if (l->set) {
			double v = (double)l->y - d * ((double)l->x - xref);

			if (v > l1) {
				l2 = l1;
				l1 = v;
				lmax = l;
			} else if (v > l2) {
				l2 = v;
			}
		}
	}
	if (!umin || !lmax)
		return false;
	/* never drop a family's last bound: that would turn two-sided into one-sided */
	if (isinf(u2) && isinf(l2))
		return false;
	if (isinf(l2) || (!isinf(u2) && u2 - u1 >= l1 - l2))
		umin->set = false;
	else
		lmax->set = false;
	return true;
}

static size_t count_set(const struct vd_clock_est *est)
{
	size_t n = 0;

	for (size_t i = 0; i < VD_CLOCK_BUCKETS; i++)
		n += est->upper[i].set + est->lower[i].set;
	return n;
}

int vd_clock_est_solve(const struct vd_clock_est *est, uint64_t min_drift_span_ns,
		       struct vd_clock *out)
{
	struct vd_clock_est *w;
	double xref, d = 0, hi, lo;
	size_t max_trim;
	bool fit_drift_ok;

	memset(out, 0, sizeof(*out));
	out->uncertainty_ns = -1;
	if (!est->n_ab && !est->n_ba)
		return -ENODATA;

	w = vd_xcalloc(1, sizeof(*w));
	*w = *est;
	xref = ((double)est->min_x + (double)est->max_x) / 2;
	out->ref_a_ns = est->span_start + (uint64_t)(int64_t)xref;
	out->pairs_ab = est->n_ab;
	out->pairs_ba = est->n_ba;
	out->source = VD_CLOCK_PACKETS;
	/*
	 * Fit drift on long recordings, and on shorter ones when a constant
	 * offset cannot explain the pairs (the bounds cross at zero drift):
	 * then the data itself asks for a slope.
	 */
	fit_drift_ok = false;
	if (est->n_ab && est->n_ba && (uint64_t)(est->max_x - est->min_x) >= MIN_SLOPE_SPAN_NS) {
		band_at(w, 0, xref, &hi, &lo);
		fit_drift_ok = (uint64_t)(est->max_x - est->min_x) >= min_drift_span_ns || hi < lo;
	}
	/*
	 * A few mismatched pairs (identical packets paired with the wrong
	 * twin) can cross the band; a handful of buckets may be dropped for
	 * them, never so many that the fit is made of what remains.
	 */
	max_trim = VD_MAX((size_t)2, count_set(est) / 50);
	for (;;) {
		d = fit_drift_ok ? fit_drift(w, xref) : 0;
		band_at(w, d, xref, &hi, &lo);
		if (!(est->n_ab && est->n_ba) || hi >= lo || out->outliers >= max_trim)
			break;
		if (!drop_worst(w, d, xref))
			break;
		out->outliers++;
	}
	out->drift_fitted = fit_drift_ok;
	out->drift = d;
	if (est->n_ab && est->n_ba) {
		out->bound = VD_BOUND_TWO_SIDED;
		out->offset_ns = (int64_t)llround((hi + lo) / 2);
		out->uncertainty_ns = (int64_t)llround(fabs(hi - lo) / 2);
		out->inconsistent = hi < lo;
	} else if (est->n_ab) {
		/* assume the fastest A->B packet took no time: offset is at most this */
		out->bound = VD_BOUND_UPPER_ONLY;
		out->offset_ns = (int64_t)llround(hi);
	} else {
		out->bound = VD_BOUND_LOWER_ONLY;
		out->offset_ns = (int64_t)llround(lo);
	}
	free(w);
	return 0;
}
