// SPDX-License-Identifier: GPL-2.0
/*
 * High-order allocation failures, the failure that started this project: after
 * hours of uptime a partition's memory is too fragmented for the 64 KiB packet
 * buffers (order 4-5), and vsock quietly stops (KERNEL-NOTES "Guest RX buffers",
 * "Allocation tracing").
 *
 * kmem:mm_page_alloc fires on failure too (pfn -1 / page NULL) and kmem:kmalloc
 * shows ptr NULL.  Not every failure matters: since the skb rework (6.3, 6.1.63)
 * and in SLUB, a high-order attempt with __GFP_NORETRY|__GFP_NOWARN is
 * opportunistic and falls back to smaller pages.  Those are counted apart; a
 * failure without them is a real one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/detect/detector.h"

#define HIGH_ORDER 3

static bool opportunistic(uint32_t gfp)
{
	return (gfp & VD_GFP_NORETRY) && (gfp & VD_GFP_NOWARN);
}

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

static void vd_allocfail_event(struct vd_allocfail *a, const struct vd_event *ev)
{
	int64_t t = (int64_t)ev->ts_ns;

	if (ev->kind == VD_EV_PAGE_ALLOC) {
		if (!ev->page.failed || ev->page.order < HIGH_ORDER)
			return;
		note_fail(a, t, opportunistic(ev->page.gfp), ev->page.order);
	} else if (ev->kind == VD_EV_KMALLOC) {
		if (!ev->kmalloc.failed)
			return;
		/* kmalloc above 32 KiB goes to the page allocator at order >= 3 */
		note_fail(a, t, opportunistic(ev->kmalloc.gfp), 0);
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
		vd_allocfail_event(&s->res->side[side].alloc, ev);
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
