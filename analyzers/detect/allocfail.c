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
#include "analyzers/batch/corr_internal.h"

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

void vd_allocfail_event(struct vd_allocfail *a, const struct vd_event *ev)
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

/* a problem the failures may explain: it began on this side's clock after they did */
static void tie_in(struct vd_finding *f, const struct vd_findings *fs, size_t nfs,
		   enum vd_side side, int64_t first, const struct vd_corr_opts *o)
{
	unsigned int tied = 0;

	for (size_t i = 0; i < nfs && tied < 3; i++) {
		const struct vd_finding *g = &fs->v[i];
		int64_t start = g->start[side];

		if (g == f || g->severity == VD_SEV_INFO || start == VD_NO_TIME || start < first)
			continue;
		vd_finding_evidence(f, "then, %.3f s after the first failure: %s",
				    (double)(start - first) / 1e9, g->summary);
		tied++;
	}
	(void)o;
}

void vd_allocfail_findings(const struct vd_corr_opts *o, struct vd_corr_result *res)
{
	size_t nbefore = res->findings.n;

	for (int s = 0; s < 2; s++) {
		const struct vd_allocfail *a = &res->side[s].alloc;
		struct vd_finding *f;
		char t1[32], t2[32];

		if (!a->real && !a->opportunistic)
			continue;
		f = vd_finding_new(&res->findings, VD_FK_ALLOC_FAILURE,
				   a->real ? VD_SEV_ERROR : VD_SEV_INFO);
		f->side = s;
		f->count = a->real;
		if (a->real) {
			f->start[s] = a->first;
			f->end[s] = a->last;
			if (vd_clock_aligned(&res->clock)) {
				f->start[!s] = s ? vd_clock_b_to_a(&res->clock, (uint64_t)a->first)
						 : vd_clock_a_to_b(&res->clock, (uint64_t)a->first);
				f->end[!s] = s ? vd_clock_b_to_a(&res->clock, (uint64_t)a->last)
					       : vd_clock_a_to_b(&res->clock, (uint64_t)a->last);
			}
			snprintf(f->summary, sizeof(f->summary),
				 "%s failed %" PRIu64 " high-order allocation%s (order >= %d; largest "
				 "page order %u) from %s to %s",
				 o->name[s], a->real, a->real == 1 ? "" : "s", HIGH_ORDER, a->max_order,
				 vd_fmt_sec(t1, sizeof(t1), a->first),
				 vd_fmt_sec(t2, sizeof(t2), a->last));
		} else {
			snprintf(f->summary, sizeof(f->summary),
				 "%s: only opportunistic high-order allocations failed (%" PRIu64
				 ", with __GFP_NORETRY|__GFP_NOWARN: the kernel fell back to smaller "
				 "pages)",
				 o->name[s], a->opportunistic);
		}
		if (a->opportunistic && a->real)
			vd_finding_evidence(f, "%" PRIu64 " more failed opportunistically "
					       "(__GFP_NORETRY|__GFP_NOWARN, with a fallback): not counted",
					    a->opportunistic);
		if (a->kmalloc_fail)
			vd_finding_evidence(f, "%" PRIu64 " of them were kmalloc() returning NULL",
					    a->kmalloc_fail);
		for (unsigned int i = 0; i < a->nsites; i++)
			vd_finding_evidence(f, "call site %s: %" PRIu64 " failure%s", a->site[i].sym,
					    a->site[i].count, a->site[i].count == 1 ? "" : "s");
		if (!a->real)
			continue;
		tie_in(f, &res->findings, nbefore, (enum vd_side)s, a->first, o);
		snprintf(f->cause, sizeof(f->cause),
			 "%s's memory is too fragmented for large contiguous buffers: vsock packet "
			 "buffers up to 64 KiB (order 4-5) fail; a failed RX refill leaves the ring "
			 "empty and nothing retries it, a failed TX allocation leaves no trace at all",
			 o->name[s]);
		snprintf(f->next_step, sizeof(f->next_step),
			 "check /proc/buddyinfo on %s; compact memory (echo 1 > "
			 "/proc/sys/vm/compact_memory) to confirm; a kernel with smaller vsock "
			 "buffers (6.17+, or 6.1.63+ skb RX) avoids order-4/5 allocations",
			 o->name[s]);
	}
}
