// SPDX-License-Identifier: GPL-2.0
/*
 * Pass 2: a coarse clock offset, before any packet is paired.
 *
 * Pairing needs a clock and the clock needs pairs.  Break the circle with a
 * vote: every packet seen in both recordings with the same signature
 * (connection, direction, op, len) proposes an offset t_b - t_a; the offset
 * that lines up the most signatures, each signature weighing the same however
 * often it repeats, wins.  Periodic traffic with one signature cannot tell
 * one period from the next: when the runner-up is as good as the winner we
 * say so rather than guess.
 *
 * "Weighing the same" holds in every window, not only overall: a group counts
 * at most 1 wherever the window is (sweep_run).  A bulk transfer's thousands of
 * identical 64 KiB chunks and the CREDIT_UPDATEs answering them propose an
 * offset for every pair of them, true or not; uncapped, those coincidences
 * outweighed the few packets that occur once (REQUEST, RESPONSE, SHUTDOWN)
 * by a hundred to one and moved the winner by up to half a window (the lab's
 * overhead scenario, vdsim --bulk).  For the same reason the bounds the
 * estimate is read from come only from groups that propose no more offsets in
 * the window than they have packets (refine).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/batch/corr_internal.h"

/* a group larger than this on each side is cut to its first members */
#define GROUP_PAIR_MAX 65536
#define GROUP_CUT      256
/* all groups together: bounds the vote's memory (16 B a diff) and time */
#define VOTE_DIFFS_MAX (4u << 20)

struct keyed {
	struct vd_tuple t;
	uint32_t len;
	uint16_t op;
	uint8_t dir;
	int64_t ts;
};

struct diff {
	int64_t d;
	float w;    /* 1 / sqrt(na nb) of its group */
	uint32_t g; /* its group */
};

struct diffs {
	struct diff *v;
	size_t n, cap;
};

/* what the windows need to know of each signature group */
struct ginfo {
	uint32_t pkts; /* packets on the side that has fewer (after the cut) */
};

static int cmp_sig(const struct keyed *a, const struct keyed *b)
{
	int c = VD_CMP(a->dir, b->dir);

	if (!c)
		c = VD_CMP(a->t.a_cid, b->t.a_cid);
	if (!c)
		c = VD_CMP(a->t.a_port, b->t.a_port);
	if (!c)
		c = VD_CMP(a->t.b_cid, b->t.b_cid);
	if (!c)
		c = VD_CMP(a->t.b_port, b->t.b_port);
	if (!c)
		c = VD_CMP(a->op, b->op);
	if (!c)
		c = VD_CMP(a->len, b->len);
	return c;
}

static int cmp_keyed(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int c = cmp_sig(a, b);

	return c ? c : VD_CMP(a->ts, b->ts);
}

/* one signature present on both sides: its samples in ka[a..a+na) and kb[b..b+nb) */
struct group {
	size_t a, na, b, nb;
};

/* rarest first: a signature seen once on each side pins the offset best */
static int cmp_group(const void *pa, const void *pb)
{
	const struct group *x = pa, *y = pb;
	int c = VD_CMP(x->na * x->nb, y->na * y->nb);

	return c ? c : VD_CMP(x->a, y->a);
}

static int cmp_diff(const void *pa, const void *pb)
{
	const struct diff *a = pa, *b = pb;

	return VD_CMP(a->d, b->d);
}

static struct keyed *keyed_side(const struct vd_samples *s, enum vd_side side,
				const struct vd_cidmap *map)
{
	struct keyed *k = vd_xcalloc(s->n, sizeof(*k));

	for (size_t i = 0; i < s->n; i++) {
		const struct vd_sample *x = &s->v[i];
		bool sends = x->is_send;

		k[i].t = vd_tuple_from(side, &x->ep, map);
		k[i].len = x->len;
		k[i].op = x->op;
		if (side == VD_SIDE_A)
			k[i].dir = sends ? VD_DIR_A_TO_B : VD_DIR_B_TO_A;
		else
			k[i].dir = sends ? VD_DIR_B_TO_A : VD_DIR_A_TO_B;
		k[i].ts = x->ts;
	}
	qsort(k, s->n, sizeof(*k), cmp_keyed);
	return k;
}

static void diff_push(struct diffs *ds, int64_t d, float w, uint32_t g)
{
	if (ds->n == ds->cap) {
		ds->cap = ds->cap ? ds->cap * 2 : 1024;
		ds->v = vd_xrealloc(ds->v, ds->cap, sizeof(*ds->v));
	}
	ds->v[ds->n++] = (struct diff){ d, w, g };
}

/* how many of a group's members propose: a large group is cut to its first members */
static void group_cut(size_t *na, size_t *nb)
{
	if (*na * *nb > GROUP_PAIR_MAX) {
		*na = VD_MIN(*na, (size_t)GROUP_CUT);
		*nb = VD_MIN(*nb, (size_t)GROUP_CUT);
	}
}

/*
 * Room for every proposal pair_group() will make, per direction, taken at
 * once: grown by doubling, the copies and fresh pages were a tenth of the vote.
 */
static void diffs_reserve(struct diffs ds[2], const struct group *groups, size_t ngroups,
			  const struct keyed *ka)
{
	size_t want[2] = { 0, 0 };

	for (size_t k = 0; k < ngroups; k++) {
		size_t na = groups[k].na, nb = groups[k].nb;

		group_cut(&na, &nb);
		if (want[0] + want[1] + na * nb > VOTE_DIFFS_MAX)
			break;
		want[ka[groups[k].a].dir] += na * nb;
	}
	for (int d = 0; d < 2; d++) {
		if (!want[d])
			continue;
		ds[d].cap = want[d];
		ds[d].v = vd_xrealloc(ds[d].v, ds[d].cap, sizeof(*ds[d].v));
	}
}

/* group g's proposals; false when the vote has enough already */
static bool pair_group(struct diffs ds[2], struct ginfo *gi, uint32_t g, const struct keyed *a,
		       size_t na, const struct keyed *b, size_t nb)
{
	float w;

	group_cut(&na, &nb);
	if (ds[0].n + ds[1].n + na * nb > VOTE_DIFFS_MAX)
		return false; /* enough evidence already: groups come rarest first */
	w = (float)(1.0 / sqrt((double)na * (double)nb));
	gi[g].pkts = (uint32_t)VD_MIN(na, nb);
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			diff_push(&ds[a[i].dir], b[j].ts - a[i].ts, w, g);
	return true;
}

static void diffs_index(struct diffs *ds)
{
	if (ds->n)
		qsort(ds->v, ds->n, sizeof(*ds->v), cmp_diff);
}

/* first index with v[i].d >= x */
static size_t lower(const struct diffs *ds, int64_t x)
{
	size_t lo = 0, hi = ds->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ds->v[mid].d < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A window of width w placed at o holds the A->B proposals in [o, o + w]
 * (offset + latency) and the B->A ones in [o - w, o] (offset - latency).
 * Shifting every B->A proposal by +w makes both [o, o + w]: the sweep slides
 * that one interval over the merged, sorted proposals, keeping each group's
 * weight inside it and the score, where a group counts at most 1.
 */
struct sweep {
	const struct diffs *ds; /* [2] */
	int64_t w;
	double *in; /* per group: weight inside the window */
	double score;
	size_t lo[2], hi[2]; /* [lo, hi): the proposals inside, per direction */
};

static int64_t sw_val(const struct sweep *sw, int dir, size_t i)
{
	return sw->ds[dir].v[i].d + (dir == VD_DIR_B_TO_A ? sw->w : 0);
}

static void sw_move(struct sweep *sw, int dir, size_t i, double sign)
{
	const struct diff *x = &sw->ds[dir].v[i];
	double *in = &sw->in[x->g];

	sw->score -= fmin(*in, 1.0);
	*in += sign * (double)x->w;
	if (*in < 1e-6)
		*in = 0; /* float residue once the group has left */
	sw->score += fmin(*in, 1.0);
}

/* the next left edge at or after the current one; false at the end */
static bool sw_next_left(const struct sweep *sw, int64_t *left)
{
	bool have = false;

	for (int d = 0; d < 2; d++) {
		if (sw->lo[d] < sw->ds[d].n) {
			int64_t v = sw_val(sw, d, sw->lo[d]);

			if (!have || v < *left)
				*left = v;
			have = true;
		}
	}
	return have;
}

/*
 * Visit every placement whose left edge is a proposal in [from, to]: visit(o,
 * score) with o as in the comment above.  ngroups sizes the per-group sums.
 */
static void sweep_run(const struct diffs ds[2], size_t ngroups, int64_t w, int64_t from, int64_t to,
		      void (*visit)(void *arg, int64_t o, double score), void *arg)
{
	struct sweep sw = { .ds = ds, .w = w };
	int64_t left;

	sw.in = vd_xcalloc(ngroups ? ngroups : 1, sizeof(*sw.in));
	sw.lo[VD_DIR_A_TO_B] = sw.hi[VD_DIR_A_TO_B] = lower(&ds[VD_DIR_A_TO_B], from);
	sw.lo[VD_DIR_B_TO_A] = sw.hi[VD_DIR_B_TO_A] = lower(&ds[VD_DIR_B_TO_A], from - w);
	while (sw_next_left(&sw, &left) && left <= to) {
		for (int d = 0; d < 2; d++)
			while (sw.hi[d] < ds[d].n && sw_val(&sw, d, sw.hi[d]) <= left + w)
				sw_move(&sw, d, sw.hi[d]++, +1);
		visit(arg, left, sw.score);
		for (int d = 0; d < 2; d++)
			while (sw.lo[d] < sw.hi[d] && sw_val(&sw, d, sw.lo[d]) == left)
				sw_move(&sw, d, sw.lo[d]++, -1);
	}
	free(sw.in);
}

struct best {
	int64_t o;
	double s;
};

/* the best placement and the best one more than two windows away from it */
struct ranking {
	struct best b1, b2;
	int64_t apart;
};

static void consider(void *arg, int64_t o, double s)
{
	struct ranking *r = arg;

	if (s > r->b1.s) {
		if (llabs(o - r->b1.o) > r->apart)
			r->b2 = r->b1;
		r->b1.o = o;
		r->b1.s = s;
	} else if (s > r->b2.s && llabs(o - r->b1.o) > r->apart) {
		r->b2.o = o;
		r->b2.s = s;
	}
}

/*
 * The broad window found the region; in it, the true pairs sit in a cluster
 * as narrow as the link's latency while coincidences are spread out.  Slide
 * a narrow window over the region and keep the densest placement: the
 * offset then lies between the tightest A->B and B->A bounds inside it.
 */
static int64_t narrow(const struct diffs ds[2], size_t ngroups, int64_t o, double broad_score)
{
	struct ranking r = { .apart = 2 * VD_VOTE_NARROW_NS };

	sweep_run(ds, ngroups, VD_VOTE_NARROW_NS, o - 2 * VD_VOTE_WINDOW_NS,
		  o + 2 * VD_VOTE_WINDOW_NS, consider, &r);
	/* a narrow cluster must hold most of what the broad window held */
	return r.b1.s > 0 && r.b1.s * 2 >= broad_score ? r.b1.o : INT64_MIN;
}

/*
 * Read the estimate from the window at o: the offset is below every A->B
 * proposal and above every B->A one that is a true pair.  Only groups with no
 * more proposals in the window than packets can be taken at their word: in a
 * group that has more, some are coincidences, and the tightest ones are the
 * likeliest of them.
 */
static void refine(const struct diffs ds[2], size_t ngroups, const struct ginfo *gi, int64_t o,
		   int64_t w, struct vd_clock *out)
{
	const struct diffs *ab = &ds[VD_DIR_A_TO_B], *ba = &ds[VD_DIR_B_TO_A];
	/* the window: A->B diffs in [o, o+w], B->A diffs in [o-w, o] */
	size_t i0 = lower(ab, o), i1 = lower(ab, o + w + 1);
	size_t j0 = lower(ba, o - w), j1 = lower(ba, o + 1);
	uint32_t *count = vd_xcalloc(ngroups ? ngroups : 1, sizeof(*count));
	bool have_hi = false, have_lo = false;
	int64_t hi = 0, lo = 0;

	for (size_t i = i0; i < i1; i++)
		count[ab->v[i].g]++;
	for (size_t j = j0; j < j1; j++)
		count[ba->v[j].g]++;
	for (size_t i = i0; i < i1 && !have_hi; i++) {
		if (count[ab->v[i].g] <= gi[ab->v[i].g].pkts) {
			hi = ab->v[i].d;
			have_hi = true;
		}
	}
	for (size_t j = j1; j > j0 && !have_lo; j--) {
		if (count[ba->v[j - 1].g] <= gi[ba->v[j - 1].g].pkts) {
			lo = ba->v[j - 1].d;
			have_lo = true;
		}
	}
	free(count);

	out->source = VD_CLOCK_PACKETS;
	out->uncertainty_ns = w;
	if (have_hi && have_lo && lo <= hi) {
		out->offset_ns = lo + (hi - lo) / 2;
		out->bound = VD_BOUND_TWO_SIDED;
		out->uncertainty_ns = VD_MAX((hi - lo) / 2, (int64_t)1000);
	} else if (have_hi) {
		out->offset_ns = hi;
		out->bound = VD_BOUND_UPPER_ONLY;
	} else {
		out->offset_ns = have_lo ? lo : o;
		out->bound = VD_BOUND_LOWER_ONLY;
	}
}

int vd_vote_clock(const struct vd_samples smp[2], const struct vd_cidmap *map, struct vd_clock *out,
		  char *why, size_t whylen)
{
	struct keyed *ka = keyed_side(&smp[0], VD_SIDE_A, map);
	struct keyed *kb = keyed_side(&smp[1], VD_SIDE_B, map);
	struct diffs ds[2] = { 0 };
	struct ranking r = { .apart = 2 * VD_VOTE_WINDOW_NS };
	struct ginfo *gi = NULL;
	struct group *groups = NULL;
	size_t i = 0, j = 0, ngroups = 0, gcap = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	/* the signatures both sides have, then paired rarest first (see VOTE_DIFFS_MAX) */
	while (i < smp[0].n && j < smp[1].n) {
		int c = cmp_sig(&ka[i], &kb[j]);
		size_t ie = i, je = j;

		if (c < 0) {
			i++;
			continue;
		}
		if (c > 0) {
			j++;
			continue;
		}
		while (ie < smp[0].n && !cmp_sig(&ka[ie], &ka[i]))
			ie++;
		while (je < smp[1].n && !cmp_sig(&kb[je], &kb[j]))
			je++;
		if (ngroups == gcap) {
			gcap = gcap ? gcap * 2 : 64;
			groups = vd_xrealloc(groups, gcap, sizeof(*groups));
		}
		groups[ngroups++] = (struct group){ i, ie - i, j, je - j };
		i = ie;
		j = je;
	}
	if (ngroups)
		qsort(groups, ngroups, sizeof(*groups), cmp_group);
	gi = vd_xcalloc(ngroups ? ngroups : 1, sizeof(*gi));
	diffs_reserve(ds, groups, ngroups, ka);
	for (size_t k = 0; k < ngroups; k++)
		if (!pair_group(ds, gi, (uint32_t)k, &ka[groups[k].a], groups[k].na,
				&kb[groups[k].b], groups[k].nb))
			break;
	free(groups);
	if (!ds[0].n && !ds[1].n) {
		snprintf(why, whylen,
			 "no packet appears in both recordings (no connection with the same ports, "
			 "op and length on both sides)");
		ret = -ENODATA;
		goto out;
	}
	diffs_index(&ds[0]);
	diffs_index(&ds[1]);
	sweep_run(ds, ngroups, VD_VOTE_WINDOW_NS, INT64_MIN / 4, INT64_MAX / 4, consider, &r);
	if (r.b2.s >= 0.9 * r.b1.s && r.b2.s > 0) {
		snprintf(why, whylen,
			 "the packets repeat too regularly to tell which ones correspond: offsets "
			 "%.6f s and %.6f s fit equally well",
			 (double)r.b1.o / 1e9, (double)r.b2.o / 1e9);
		ret = -EAGAIN;
		goto out;
	}
	{
		int64_t fine = narrow(ds, ngroups, r.b1.o, r.b1.s);

		if (fine != INT64_MIN)
			refine(ds, ngroups, gi, fine, VD_VOTE_NARROW_NS, out);
		else
			refine(ds, ngroups, gi, r.b1.o, VD_VOTE_WINDOW_NS, out);
	}
out:
	for (int k = 0; k < 2; k++)
		free(ds[k].v);
	free(gi);
	free(ka);
	free(kb);
	return ret;
}
