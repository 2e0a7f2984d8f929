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

/* VD_STACK_* bit -> path[] index: 1 refill, 2 TX packet, 3 vhost TX, 4 other vsock; 0 none */
static int path_index(unsigned int names)
{
	if (names & VD_STACK_RXFILL)
		return 1;
	if (names & VD_STACK_TXALLOC)
		return 2;
	if (names & VD_STACK_VHOSTTX)
		return 3;
	return names & VD_STACK_VSOCK ? 4 : 0;
}

static void note_path(struct vd_allocfail *a, int i, int64_t t)
{
	if (!a->path[i].count++ || t < a->path[i].first)
		a->path[i].first = t;
}

static void note_stack(struct vd_allocfail *a, const struct vd_stack_info *si)
{
	unsigned int i;

	for (i = 0; i < a->nstacks; i++)
		if (a->stack[i].id == si->id)
			break;
	if (i == a->nstacks) {
		if (a->nstacks == ARRAY_SIZE(a->stack))
			return; /* the first stacks seen are kept; counts by path cover the rest */
		a->nstacks++;
		a->stack[i].id = si->id;
		a->stack[i].nframes = si->nframes;
		memcpy(a->stack[i].summary, si->summary, sizeof(a->stack[i].summary));
	}
	a->stack[i].count++;
}

/*
 * A BPF allocfail line: the vsock path it broke from its stack (or path=pkt),
 * else it waits for a failed refill just after it to claim it.
 */
static void note_bpf(struct vd_session *s, enum vd_side side, const struct vd_bpf *b)
{
	struct vd_allocfail *a = &s->res->side[side].alloc;
	const struct vd_stack_info *si = NULL;
	int64_t t = (int64_t)b->t;
	unsigned int names = 0;
	int pi;

	if (b->alloc.opportunistic) {
		a->bpf_opportunistic++;
		return;
	}
	if (b->alloc.path == VD_APATH_PKT)
		a->bpf_pkt++;
	else
		a->bpf_real++;
	if (!(a->bpf_real + a->bpf_pkt > 1) || t < a->bpf_first)
		a->bpf_first = t;
	a->bpf_last = VD_MAX(a->bpf_last, t);
	a->bpf_max_order = VD_MAX(a->bpf_max_order, b->alloc.order);
	if (b->alloc.have_stack && (si = vd_vq_stack(&s->vq.side[side], b->alloc.stack))) {
		names = si->names;
		note_stack(a, si);
	}
	if (b->alloc.path == VD_APATH_PKT && !(names & (VD_STACK_RXFILL | VD_STACK_VHOSTTX)))
		names |= VD_STACK_TXALLOC;
	pi = path_index(names);
	note_path(a, pi, t);
	if (!pi && a->nunclaimed < ARRAY_SIZE(a->unclaimed))
		a->unclaimed[a->nunclaimed++].t = t;
}

/* a refill that failed: the failures no stack placed, just before it, were its */
#define REFILL_CLAIM_NS (10 * (int64_t)NSEC_PER_MSEC)

static void claim_refill(struct vd_allocfail *a, int64_t t)
{
	unsigned int w = 0;

	for (unsigned int i = 0; i < a->nunclaimed; i++) {
		int64_t tf = a->unclaimed[i].t;

		if (tf <= t && t - tf <= REFILL_CLAIM_NS) {
			a->path[0].count--;
			note_path(a, 1, tf);
		} else if (t - tf <= REFILL_CLAIM_NS) {
			a->unclaimed[w++] = a->unclaimed[i];
		}
	}
	a->nunclaimed = w;
}

static void event(void *st, struct vd_session *s, enum vd_side side, const struct vd_event *ev)
{
	(void)st;
	if (!s->cfg.final)
		return;
	note(&s->res->side[side].alloc, ev);
	if (ev->kind != VD_EV_BPF)
		return;
	if (ev->bpf.kind == VD_BPF_ALLOCFAIL)
		note_bpf(s, side, &ev->bpf);
	else if (ev->bpf.kind == VD_BPF_RXFILL && ev->bpf.rxfill.fail)
		claim_refill(&s->res->side[side].alloc, (int64_t)ev->bpf.t);
}

/*
 * The tracepoints and the BPF page/kmalloc hook see the same failures: the
 * BPF ones count only when the tracepoints recorded none.  A vsock packet
 * allocation failing (path=pkt) leaves no tracepoint at all: it always counts.
 */
static void merge_bpf(struct vd_allocfail *a)
{
	uint64_t extra = (a->real ? 0 : a->bpf_real) + a->bpf_pkt;

	if (!extra)
		return;
	if (!a->real || a->bpf_first < a->first)
		a->first = a->bpf_first;
	if (!a->real || a->bpf_last > a->last)
		a->last = a->bpf_last;
	a->real += extra;
	a->max_order = VD_MAX(a->max_order, a->bpf_max_order);
	if (!a->opportunistic)
		a->opportunistic = a->bpf_opportunistic;
}

static void bpf_evidence(struct vd_finding *f, int i, const struct vd_allocfail *a)
{
	static const unsigned int bits[5] = { 0, VD_STACK_RXFILL, VD_STACK_TXALLOC,
					      VD_STACK_VHOSTTX, VD_STACK_VSOCK };
	unsigned int shown = 0;

	for (int k = 1; k < 5 + 1 && shown < 2; k++) {
		int p = k % 5; /* the vsock paths first, "none" last */
		struct vd_evidence *ev;

		if (!a->path[p].count)
			continue;
		ev = vd_finding_evidence(f, VD_EVD_ALLOC_PATH, i);
		if (!ev)
			return;
		ev->v[0] = bits[p];
		ev->v[1] = (int64_t)a->path[p].count;
		ev->v[2] = a->path[p].first;
		shown++;
	}
	if (a->nstacks) {
		struct vd_evidence *ev = vd_finding_evidence(f, VD_EVD_ALLOC_STACK, i);

		if (ev) {
			ev->v[0] = (int64_t)a->stack[0].count;
			ev->v[1] = a->stack[0].nframes;
			snprintf(ev->sym, sizeof(ev->sym), "%s", a->stack[0].summary);
		}
	}
}

/* the failures of each partition, one finding each; settle ties them to what followed */
static void end(void *st, struct vd_session *s)
{
	struct vd_result *res = s->res;

	(void)st;
	if (!s->cfg.final)
		return;
	for (int i = 0; i < 2; i++) {
		struct vd_allocfail *a = &res->side[i].alloc;
		struct vd_finding *f;

		merge_bpf(a);
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
		bpf_evidence(f, i, a);
		/* room left for settle's ties to what followed (up to 3) */
		for (unsigned int k = 0;
		     k < a->nsites && f->nevidence + 3 < VD_FINDING_MAX_EVIDENCE; k++) {
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
