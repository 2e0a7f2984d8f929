// SPDX-License-Identifier: GPL-2.0
/* Settling findings: storms, consequences, allocation ties, order, incidents, verdict. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/settle/settle.h"

/*
 * Reconnect storms: a client retrying a port that refuses (or never answers)
 * makes one finding per attempt.  Attempts by the same side to the same port
 * closer than STORM_GAP_NS to the previous one form a cluster; a cluster of at
 * least STORM_MIN becomes one finding whose count is the number of attempts.
 */
#define STORM_MIN    5
#define STORM_GAP_NS (10 * (int64_t)NSEC_PER_SEC)

struct attempt {
	size_t finding;
	int side;      /* the client's */
	uint32_t port; /* the server's */
	int64_t t;     /* the client's clock */
	enum vd_finding_kind kind;
};

static int cmp_attempt(const void *pa, const void *pb)
{
	const struct attempt *a = pa, *b = pb;
	int c = VD_CMP(a->kind, b->kind);

	if (!c)
		c = VD_CMP(a->side, b->side);
	if (!c)
		c = VD_CMP(a->port, b->port);
	return c ? c : VD_CMP(a->t, b->t);
}

static void merge_storm(const struct vd_opts *o, struct vd_result *res, const struct attempt *at,
			size_t n, bool *drop)
{
	struct vd_finding *f = &res->findings.v[at[0].finding];
	const struct vd_finding *last = &res->findings.v[at[n - 1].finding];
	struct vd_evidence *ev;

	f->count = n;
	f->storm = (uint32_t)n;
	f->conn = -1;
	f->client = at[0].side;
	f->port = at[0].port;
	f->duration_ns = at[n - 1].t - at[0].t;
	memcpy(f->end,
	       last->end[0] != VD_NO_TIME || last->end[1] != VD_NO_TIME ? last->end : last->start,
	       sizeof(f->end));
	f->nevidence = 0;
	ev = vd_finding_evidence(f, VD_EVD_STORM_SPAN, at[0].side);
	ev->v[0] = at[0].t;
	ev->v[1] = at[n - 1].t;
	if (at[0].port == o->adb_port)
		vd_finding_evidence(f, VD_EVD_STORM_ADB, !at[0].side)->v[0] = at[0].port;
	for (size_t k = 1; k < n; k++)
		drop[at[k].finding] = true;
}

static void group_storms(const struct vd_opts *o, struct vd_result *res)
{
	struct attempt *at = vd_xcalloc(res->findings.n + 1, sizeof(*at));
	bool *drop = vd_xcalloc(res->findings.n + 1, sizeof(*drop));
	size_t n = 0, w = 0;

	for (size_t i = 0; i < res->findings.n; i++) {
		const struct vd_finding *f = &res->findings.v[i];
		const struct vd_conn *c;

		if ((f->kind != VD_FK_CONNECTION_REFUSED && f->kind != VD_FK_REQUEST_UNANSWERED) ||
		    f->conn < 1)
			continue;
		c = &res->conns[f->conn - 1];
		if (c->initiator < 0 || c->t_open[c->initiator] == VD_NO_TIME)
			continue;
		at[n++] = (struct attempt){ i, c->initiator,
					    c->initiator ? c->tuple.a_port : c->tuple.b_port,
					    c->t_open[c->initiator], f->kind };
	}
	if (n > 1)
		qsort(at, n, sizeof(*at), cmp_attempt);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && at[j].kind == at[i].kind && at[j].side == at[i].side &&
				at[j].port == at[i].port && at[j].t - at[j - 1].t < STORM_GAP_NS;
		     j++)
			;
		if (j - i >= STORM_MIN)
			merge_storm(o, res, &at[i], j - i, drop);
	}
	for (size_t i = 0; i < res->findings.n; i++) {
		if (drop[i]) {
			free(res->findings.v[i].packets);
			continue;
		}
		res->findings.v[w++] = res->findings.v[i];
	}
	res->findings.n = w;
	free(at);
	free(drop);
}

/* do two findings' windows overlap on side s's clock? */
static bool overlap(const struct vd_finding *a, const struct vd_finding *b, int s)
{
	int64_t a0 = a->start[s], a1 = a->end[s] != VD_NO_TIME ? a->end[s] : a0;
	int64_t b0 = b->start[s], b1 = b->end[s] != VD_NO_TIME ? b->end[s] : b0;

	return a0 != VD_NO_TIME && b0 != VD_NO_TIME && a0 <= b1 && b0 <= a1;
}

/*
 * Data stuck on the way in, or the receiver's credit updates stuck on the way
 * back: nobody failed to read.  The first overlapping stall or loss on the
 * connection (either direction) explains the starvation.
 */
static void consequences(struct vd_result *res)
{
	struct vd_findings *fs = &res->findings;

	for (size_t i = 0; i < fs->n; i++) {
		struct vd_finding *f = &fs->v[i];
		enum vd_side tx;

		/* the receiver's own snapshots showed the data there, unread: not delivery */
		if (f->kind != VD_FK_CREDIT_STARVATION || f->dir < 0 ||
		    f->variant == VD_VAR_STARVE_NOT_READING_SNAP)
			continue;
		tx = vd_dir_sender((enum vd_dir)f->dir);
		for (size_t j = 0; j < fs->n; j++) {
			const struct vd_finding *g = &fs->v[j];
			struct vd_evidence *ev;

			if ((g->kind != VD_FK_DELIVERY_STALL && g->kind != VD_FK_UNDELIVERED) ||
			    g->dir < 0 || (g->conn >= 0 && f->conn >= 0 && g->conn != f->conn) ||
			    !overlap(f, g, tx))
				continue;
			f->severity = VD_SEV_WARNING;
			f->consequence_of = g->id;
			ev = vd_finding_evidence(f, VD_EVD_CONSEQUENCE, -1);
			if (ev) {
				ev->ref = g->id;
				ev->v[0] = g->dir == f->dir;
			}
			break;
		}
	}
}

/* blind spots are no problem a failure explains; they are made after the failures too */
static bool tieable(const struct vd_finding *g)
{
	switch (g->kind) {
	case VD_FK_ALLOC_FAILURE:
	case VD_FK_LOST_EVENTS:
	case VD_FK_BUFFER_OVERWRITTEN:
	case VD_FK_OUTSIDE_WINDOW:
	case VD_FK_ORPHAN_RECEIVES:
	case VD_FK_PARTIAL_DELIVERY:
		return false;
	default:
		return g->severity != VD_SEV_INFO;
	}
}

#define MAX_TIED 3

/*
 * Each partition's real failures, tied to the (up to 3) problems that began first
 * after the first failure, in the order they began (not the order the detectors
 * closed them: a window ended by a close is found before one open to the end).
 */
static void tie_allocation_failures(struct vd_result *res)
{
	struct vd_findings *fs = &res->findings;

	for (size_t i = 0; i < fs->n; i++) {
		struct vd_finding *f = &fs->v[i];
		size_t tied[MAX_TIED];
		unsigned int ntied = 0;
		int s = f->side;
		int64_t first = f->start[s < 0 ? 0 : s];

		if (f->kind != VD_FK_ALLOC_FAILURE || !f->count || s < 0)
			continue;
		for (size_t j = 0; j < fs->n; j++) {
			const struct vd_finding *g = &fs->v[j];
			unsigned int k;

			if (!tieable(g) || g->start[s] == VD_NO_TIME || g->start[s] < first)
				continue;
			/* insertion into the earliest MAX_TIED, ties kept in list order */
			for (k = ntied; k > 0 && fs->v[tied[k - 1]].start[s] > g->start[s]; k--)
				if (k < MAX_TIED)
					tied[k] = tied[k - 1];
			if (k >= MAX_TIED)
				continue;
			if (ntied < MAX_TIED)
				ntied++;
			tied[k] = j;
		}
		for (unsigned int k = 0; k < ntied; k++) {
			const struct vd_finding *g = &fs->v[tied[k]];
			struct vd_evidence *ev = vd_finding_evidence(f, VD_EVD_THEN, s);

			if (ev) {
				ev->ref = g->id;
				ev->v[0] = g->start[s] - first;
			}
		}
	}
}

static int verdict(const struct vd_result *res)
{
	int worst = VD_SEV_INFO;

	for (size_t i = 0; i < res->findings.n; i++)
		worst = VD_MAX(worst, (int)res->findings.v[i].severity);
	if (worst == VD_SEV_ERROR)
		return VD_VERDICT_PROBLEMS;
	if (worst == VD_SEV_WARNING || !vd_clock_aligned(&res->clock))
		return VD_VERDICT_INCONCLUSIVE;
	return VD_VERDICT_HEALTHY;
}

void vd_settle(const struct vd_opts *o, struct vd_result *res)
{
	group_storms(o, res);
	consequences(res);
	tie_allocation_failures(res);
	vd_findings_sort(&res->findings);
	vd_incidents_build(res);
	res->verdict = verdict(res);
}
