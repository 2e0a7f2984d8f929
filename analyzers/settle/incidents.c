// SPDX-License-Identifier: GPL-2.0
/*
 * Incidents, not floods: one frozen guest produces a stall, a dozen starved
 * senders and maybe losses.  Findings (warnings and errors) whose windows
 * overlap in time, within INCIDENT_GAP_NS, are one incident; it is led by the
 * finding most likely to be the cause (an allocation failure explains losses,
 * a loss or a stall explains starvation), and incidents are ranked by
 * severity, then by how many errors they hold, then time.  Informational notes belong to no
 * incident.
 */
#include <stdlib.h>

#include "common/util.h"
#include "analyzers/settle/settle.h"

#define INCIDENT_GAP_NS (2 * (int64_t)NSEC_PER_SEC)

/* how likely a kind is to be the cause of what happens around it: lower leads */
static int cause_rank(enum vd_finding_kind k)
{
	switch (k) {
	case VD_FK_ALLOC_FAILURE:
		return 0;
	case VD_FK_RX_RING_EMPTY: /* explains the losses into the guest; failed refills explain it
				   */
		return 1;
	case VD_FK_MISSING_KICK:
		return 2;
	case VD_FK_UNDELIVERED:
		return 3;
	case VD_FK_DELIVERY_STALL:
		return 4;
	case VD_FK_CONNECTION_REFUSED:
	case VD_FK_REQUEST_UNANSWERED:
		return 5;
	case VD_FK_CREDIT_STARVATION:
		return 6;
	default:
		return 7;
	}
}

struct span {
	size_t finding;
	int64_t start, end; /* A's clock when it can be had, else B's */
};

static int cmp_span(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;
	int c = VD_CMP(a->start, b->start);

	return c ? c : VD_CMP(a->finding, b->finding);
}

/* a finding's window on one timeline; false when it has no time at all */
static bool window(const struct vd_result *r, const struct vd_finding *f, int64_t *s, int64_t *e)
{
	bool aligned = vd_clock_aligned(&r->clock);

	if (f->start[0] != VD_NO_TIME) {
		*s = f->start[0];
		*e = f->end[0] != VD_NO_TIME ? f->end[0] : *s;
	} else if (f->start[1] != VD_NO_TIME && aligned) {
		*s = vd_clock_b_to_a(&r->clock, (uint64_t)f->start[1]);
		*e = f->end[1] != VD_NO_TIME ? vd_clock_b_to_a(&r->clock, (uint64_t)f->end[1]) : *s;
	} else if (f->start[1] != VD_NO_TIME && !r->side[0].stats.events) {
		*s = f->start[1]; /* only B was recorded: B's timeline is the only one */
		*e = f->end[1] != VD_NO_TIME ? f->end[1] : *s;
	} else {
		return false;
	}
	return true;
}

static void incident_add(struct vd_result *r, struct vd_incident *inc, size_t fi)
{
	struct vd_finding *f = &r->findings.v[fi];
	struct vd_finding *lead = &r->findings.v[inc->lead];

	f->incident = inc->id;
	inc->nfindings++;
	inc->nerrors += f->severity == VD_SEV_ERROR;
	inc->severity = VD_MAX(inc->severity, (int)f->severity);
	if (cause_rank(f->kind) < cause_rank(lead->kind) ||
	    (cause_rank(f->kind) == cause_rank(lead->kind) &&
	     (int)f->severity > (int)lead->severity))
		inc->lead = fi;
}

static int cmp_incident(const void *pa, const void *pb)
{
	const struct vd_incident *a = pa, *b = pb;
	int c = VD_CMP(b->severity, a->severity);

	if (!c)
		c = VD_CMP(b->nerrors, a->nerrors);
	return c ? c : VD_CMP(a->start, b->start);
}

void vd_incidents_build(struct vd_result *r)
{
	struct span *sp = vd_xcalloc(r->findings.n + 1, sizeof(*sp));
	size_t n = 0, cap = 0;
	struct vd_incident *cur = NULL;
	uint32_t *renumber;
	int64_t cur_end = 0;

	for (size_t i = 0; i < r->findings.n; i++) {
		struct vd_finding *f = &r->findings.v[i];

		f->incident = 0;
		if (f->severity == VD_SEV_INFO)
			continue;
		if (!window(r, f, &sp[n].start, &sp[n].end)) {
			/* no time (unaligned blind spots): an incident of its own */
			sp[n].start = sp[n].end = INT64_MAX;
		}
		sp[n++].finding = i;
	}
	qsort(sp, n, sizeof(*sp), cmp_span);
	for (size_t k = 0; k < n; k++) {
		bool join =
		    cur && sp[k].start != INT64_MAX && sp[k].start <= cur_end + INCIDENT_GAP_NS;

		if (!join) {
			if (r->nincidents == cap) {
				cap = cap ? cap * 2 : 8;
				r->incidents =
				    vd_xrealloc(r->incidents, cap, sizeof(*r->incidents));
			}
			cur = &r->incidents[r->nincidents++];
			*cur = (struct vd_incident){ .id = (uint32_t)r->nincidents,
						     .lead = sp[k].finding,
						     .start = sp[k].start };
			cur_end = sp[k].end;
		}
		incident_add(r, cur, sp[k].finding);
		cur_end = VD_MAX(cur_end, sp[k].end);
	}
	free(sp);
	/* rank, then renumber so incident 1 is the one to read first */
	if (r->nincidents)
		qsort(r->incidents, r->nincidents, sizeof(*r->incidents), cmp_incident);
	renumber = vd_xcalloc(r->nincidents + 1, sizeof(*renumber));
	for (size_t k = 0; k < r->nincidents; k++) {
		renumber[r->incidents[k].id] = (uint32_t)k + 1;
		r->incidents[k].id = (uint32_t)k + 1;
	}
	for (size_t i = 0; i < r->findings.n; i++)
		r->findings.v[i].incident = renumber[r->findings.v[i].incident];
	free(renumber);
}
