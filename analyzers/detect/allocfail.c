// SPDX-License-Identifier: GPL-2.0
/*
 * High-order allocation failures, the failure that started this project: after
 * hours of uptime a partition's memory is too fragmented for the 64 KiB packet
 * buffers (order 4-5), and vsock quietly stops.  What counts as a failure, and
 * what as an opportunistic attempt with a fallback, is model/alloc.c's call.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/detect/detector.h"
#include "analyzers/model/alloc.h"

static void note_site(struct vd_allocfail *a, const char *sym)
{
	if (!sym[0])
		return;
	for (unsigned int i = 0; i < a->nsites; i++) {
		if (!strcmp(a->site[i].sym, sym)) {
			a->site[i].count++;
			return;
		}
	}
	if (a->nsites < ARRAY_SIZE(a->site)) {
		snprintf(a->site[a->nsites].sym, sizeof(a->site[0].sym), "%s", sym);
		a->site[a->nsites++].count = 1;
	}
}

static void note_fail(struct vd_allocfail *a, int64_t t, bool opp, uint32_t order)
{
	if (opp) {
		a->opportunistic++;
		return;
	}
	if (!a->real++)
		a->first = t;
	a->last = t;
	a->max_order = VD_MAX(a->max_order, order);
}

static void note(struct vd_allocfail *a, const struct vd_event *ev)
{
	struct vd_alloc_class c;

	vd_alloc_classify(ev, &c);
	if (!c.counts)
		return;
	note_fail(a, (int64_t)ev->ts_ns, c.opportunistic, c.kmalloc ? 0 : ev->page.order);
	if (c.kmalloc) {
		a->kmalloc_fail++;
		note_site(a, ev->kmalloc.call_sym);
	}
}

static void *create(struct vd_session *s)
{
	(void)s;
	return NULL;
}

static void event(void *st, struct vd_session *s, enum vd_side side, const struct vd_event *ev)
{
	(void)st;
	if (s->cfg.final)
		note(&s->res->side[side].alloc, ev);
}

/* the failures of each partition, one finding each; settle ties them to what followed */
static void end(void *st, struct vd_session *s)
{
	struct vd_result *res = s->res;

	(void)st;
	if (!s->cfg.final)
		return;
	for (int i = 0; i < 2; i++) {
		const struct vd_allocfail *a = &res->side[i].alloc;
		struct vd_finding *f;

		if (!a->real && !a->opportunistic)
			continue;
		f = vd_finding_new(&res->findings, VD_FK_ALLOC_FAILURE,
				   a->real ? VD_SEV_ERROR : VD_SEV_INFO);
		f->side = i;
		f->count = a->real;
		f->v[0] = a->max_order;
		f->v[1] = (int64_t)a->opportunistic;
		if (a->real) {
			f->start[i] = a->first;
			f->end[i] = a->last;
			if (vd_clock_aligned(&res->clock)) {
				f->start[!i] = i ? vd_clock_b_to_a(&res->clock, (uint64_t)a->first)
						 : vd_clock_a_to_b(&res->clock, (uint64_t)a->first);
				f->end[!i] = i ? vd_clock_b_to_a(&res->clock, (uint64_t)a->last)
					       : vd_clock_a_to_b(&res->clock, (uint64_t)a->last);
			}
		} else {
			f->variant = VD_VAR_ALLOC_OPPORTUNISTIC;
		}
		if (a->opportunistic && a->real)
			vd_finding_evidence(f, VD_EVD_ALLOC_OPPORTUNISTIC, i)->v[0] =
			    (int64_t)a->opportunistic;
		if (a->kmalloc_fail)
			vd_finding_evidence(f, VD_EVD_ALLOC_KMALLOC, i)->v[0] =
			    (int64_t)a->kmalloc_fail;
		for (unsigned int k = 0; k < a->nsites; k++) {
			struct vd_evidence *ev = vd_finding_evidence(f, VD_EVD_ALLOC_SITE, i);

			if (!ev)
				break;
			snprintf(ev->sym, sizeof(ev->sym), "%s", a->site[k].sym);
			ev->v[0] = (int64_t)a->site[k].count;
		}
	}
}

const struct vd_det_ops vd_det_allocfail = {
	.name = "allocation_failure",
	.create = create,
	.event = event,
	.end = end,
};
