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
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/batch/corr_internal.h"

/* a group larger than this on each side is cut to its first members */
#define GROUP_PAIR_MAX 65536
#define GROUP_CUT 256
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
	double w;
};

struct diffs {
	struct diff *v;
	double *prefix; /* prefix[i] = sum of w over v[0..i) */
	size_t n, cap;
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

static void diff_push(struct diffs *ds, int64_t d, double w)
{
	if (ds->n == ds->cap) {
		ds->cap = ds->cap ? ds->cap * 2 : 1024;
		ds->v = vd_xrealloc(ds->v, ds->cap, sizeof(*ds->v));
	}
	ds->v[ds->n++] = (struct diff){ d, w };
}

static void pair_group(struct diffs ds[2], const struct keyed *a, size_t na, const struct keyed *b,
		       size_t nb)
{
	double w;

	if (na * nb > GROUP_PAIR_MAX) {
		na = VD_MIN(na, (size_t)GROUP_CUT);
		nb = VD_MIN(nb, (size_t)GROUP_CUT);
	}
	if (ds[0].n + ds[1].n + na * nb > VOTE_DIFFS_MAX)
		return; /* enough evidence already: groups come rarest first */
	w = 1.0 / sqrt((double)na * (double)nb);
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			diff_push(&ds[a[i].dir], b[j].ts - a[i].ts, w);
}

static void diffs_index(struct diffs *ds)
{
	if (ds->n)
		qsort(ds->v, ds->n, sizeof(*ds->v), cmp_diff);
	ds->prefix = vd_xcalloc(ds->n + 1, sizeof(double));
	for (size_t i = 0; i < ds->n; i++)
		ds->prefix[i + 1] = ds->prefix[i] + ds->v[i].w;
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

static double weight_in(const struct diffs *ds, int64_t from, int64_t to)
{
	size_t i = lower(ds, from), j = lower(ds, to + 1);

	return j > i ? ds->prefix[j] - ds->prefix[i] : 0;
}

/* A->B diffs are offset + latency, B->A diffs offset - latency */
static double score(const struct diffs ds[2], int64_t o, int64_t w)
{
	return weight_in(&ds[VD_DIR_A_TO_B], o, o + w) + weight_in(&ds[VD_DIR_B_TO_A], o - w, o);
}

struct best {
	int64_t o;
	double s;
};

static void consider(struct best *b1, struct best *b2, int64_t o, double s)
{
	if (s > b1->s) {
		if (llabs(o - b1->o) > 2 * VD_VOTE_WINDOW_NS)
			*b2 = *b1;
		b1->o = o;
		b1->s = s;
	} else if (s > b2->s && llabs(o - b1->o) > 2 * VD_VOTE_WINDOW_NS) {
		b2->o = o;
		b2->s = s;
	}
}

/*
 * The broad window found the region; in it, the true pairs sit in a cluster
 * as narrow as the link's latency while coincidences are spread out.  Slide
 * a narrow window over the region and keep the densest placement: the
 * offset then lies between the tightest A->B and B->A bounds inside it.
 */
static int64_t narrow(const struct diffs ds[2], int64_t o, double broad_score)
{
	int64_t best_o = o;
	double best = 0;

	for (int d = 0; d < 2; d++) {
		const struct diffs *x = &ds[d];
		size_t i = lower(x, o - 2 * VD_VOTE_WINDOW_NS);

		for (; i < x->n && x->v[i].d <= o + 2 * VD_VOTE_WINDOW_NS; i++) {
			double sc = score(ds, x->v[i].d, VD_VOTE_NARROW_NS);

			if (sc > best) {
				best = sc;
				best_o = x->v[i].d;
			}
		}
	}
	/* a narrow cluster must hold most of what the broad window held */
	return best * 2 >= broad_score ? best_o : INT64_MIN;
}

static void refine(const struct diffs ds[2], int64_t o, int64_t w, struct vd_clock *out)
{
	const struct diffs *ab = &ds[VD_DIR_A_TO_B], *ba = &ds[VD_DIR_B_TO_A];
	/* the winning windows: A->B diffs in [o, o+w], B->A diffs in [o-w, o] */
	size_t i = lower(ab, o), j = lower(ba, o + 1);
	bool have_hi = i < ab->n && ab->v[i].d <= o + w;
	bool have_lo = j > 0 && ba->v[j - 1].d >= o - w;
	int64_t hi = have_hi ? ab->v[i].d : 0, lo = have_lo ? ba->v[j - 1].d : 0;

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

int vd_vote_clock(const struct vd_samples smp[2], const struct vd_cidmap *map,
		  struct vd_clock *out, char *why, size_t whylen)
{
	struct keyed *ka = keyed_side(&smp[0], VD_SIDE_A, map);
	struct keyed *kb = keyed_side(&smp[1], VD_SIDE_B, map);
	struct diffs ds[2] = { 0 };
	struct best b1 = { 0, 0 }, b2 = { 0, 0 };
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
	for (size_t k = 0; k < ngroups; k++)
		pair_group(ds, &ka[groups[k].a], groups[k].na, &kb[groups[k].b], groups[k].nb);
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
	for (size_t k = 0; k < ds[VD_DIR_A_TO_B].n; k++) {
		int64_t o = ds[VD_DIR_A_TO_B].v[k].d;

		consider(&b1, &b2, o, score(ds, o, VD_VOTE_WINDOW_NS));
	}
	for (size_t k = 0; k < ds[VD_DIR_B_TO_A].n; k++) {
		int64_t o = ds[VD_DIR_B_TO_A].v[k].d;

		consider(&b1, &b2, o, score(ds, o, VD_VOTE_WINDOW_NS));
	}
	if (b2.s >= 0.9 * b1.s && b2.s > 0) {
		snprintf(why, whylen,
			 "the packets repeat too regularly to tell which ones correspond: offsets "
			 "%.6f s and %.6f s fit equally well",
			 (double)b1.o / 1e9, (double)b2.o / 1e9);
		ret = -EAGAIN;
		goto out;
	}
	{
		int64_t fine = narrow(ds, b1.o, b1.s);

		if (fine != INT64_MIN)
			refine(ds, fine, VD_VOTE_NARROW_NS, out);
		else
			refine(ds, b1.o, VD_VOTE_WINDOW_NS, out);
	}
out:
	for (int k = 0; k < 2; k++) {
		free(ds[k].v);
		free(ds[k].prefix);
	}
	free(ka);
	free(kb);
	return ret;
}
