// SPDX-License-Identifier: GPL-2.0
/*
 * Pass 1: one streaming read of a recording for what later passes need:
 * statistics, the connections' endpoints (for the CID map), which interrupt
 * lines serve vsock, a bounded sample of packets for the clock vote, and a
 * fingerprint of the content (to refuse the same recording given twice).
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/batch/corr_internal.h"
#include "analyzers/batch/distinct.h"
#include "analyzers/model/alloc.h"
#include "analyzers/sources/dat_map.h"

/* An interrupt this close before a receive burst is taken as its cause. */
#define IRQ_LEAD_NS (2 * 1000000LL)

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void sample_push(struct vd_samples *s, const struct vd_sample *x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = vd_xrealloc(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = *x;
}

/*
 * Control packets (REQUEST, RESPONSE, SHUTDOWN, RST, CREDIT_*) are rare and
 * distinctive, the best anchors for the vote: keep them all up to a cap,
 * then a uniform reservoir.  RW packets: the first few thousand.
 */
static void sample_offer(struct vd_samples *s, const struct vd_sample *x)
{
	if (x->op == VD_OP_RW) {
		if (s->rw_kept < VD_SAMPLE_RW_MAX) {
			s->rw_kept++;
			sample_push(s, x);
		}
		return;
	}
	s->ctrl_seen++;
	if (s->ctrl_seen <= VD_SAMPLE_CTRL_MAX) {
		sample_push(s, x);
		return;
	}
	uint64_t r = splitmix(&s->rng) % s->ctrl_seen;

	if (r < VD_SAMPLE_CTRL_MAX) {
		/* replace a random control sample, never an RW one */
		for (size_t tries = 0; tries < 8; tries++) {
			size_t i = (size_t)(splitmix(&s->rng) % s->n);

			if (s->v[i].op != VD_OP_RW) {
				s->v[i] = *x;
				return;
			}
		}
	}
}

/*
 * The endpoint set's index, for one vd_scan_side() call: open addressing
 * (linear probing) over positions in s->v, stored + 1 (0: empty slot), at
 * most half full.  The set itself stays what callers read: s->v[0..n), each
 * endpoint once, in the order first seen, the first VD_EPSET_MAX of them.
 * A recording with tens of thousands of connections costs O(1) per packet
 * instead of a walk over every endpoint seen so far.
 */
_Static_assert(VD_EPSET_MAX < UINT32_MAX, "endpoint positions are stored in 32 bits");

struct ep_index {
	uint32_t *slot;
	size_t mask; /* slots - 1; slots is a power of two */
	size_t last; /* position + 1 of the endpoint added or found last (0: none) */
};

static size_t ep_hash(const struct vd_endpoints *ep)
{
	uint64_t h = ((uint64_t)ep->local_cid << 32 | ep->local_port) * 0x9e3779b97f4a7c15ULL;

	h ^= ((uint64_t)ep->peer_cid << 32 | ep->peer_port) + 0x632be59bd9b4e019ULL + (h << 6) +
	     (h >> 2);
	h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ULL;
	return (size_t)(h ^ (h >> 29));
}

/* the slot holding ep, or the empty slot where it would go */
static uint32_t *ep_slot(const struct ep_index *x, const struct vd_epset *s,
			 const struct vd_endpoints *ep)
{
	for (size_t i = ep_hash(ep) & x->mask;; i = (i + 1) & x->mask) {
		uint32_t *slot = &x->slot[i];

		if (!*slot || !memcmp(&s->v[*slot - 1], ep, sizeof(*ep)))
			return slot;
	}
}

/* (re)build the index over s->v[0..n) in at least 2 * want slots (at most half full) */
static void ep_index_build(struct ep_index *x, const struct vd_epset *s, size_t want)
{
	size_t slots = 128;

	while (slots < 2 * want)
		slots *= 2;
	free(x->slot);
	x->slot = vd_xcalloc(slots, sizeof(*x->slot));
	x->mask = slots - 1;
	for (size_t i = 0; i < s->n; i++) {
		uint32_t *slot = ep_slot(x, s, &s->v[i]);

		if (!*slot)
			*slot = (uint32_t)(i + 1);
	}
}

static void epset_add(struct vd_epset *s, struct ep_index *x, const struct vd_endpoints *ep)
{
	uint32_t *slot;

	/* packets come in runs on one connection: most are the endpoint just seen */
	if (x->last && !memcmp(&s->v[x->last - 1], ep, sizeof(*ep)))
		return;
	slot = ep_slot(x, s, ep);
	if (*slot) {
		x->last = *slot;
		return;
	}
	if (s->n >= VD_EPSET_MAX)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = vd_xrealloc(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = *ep;
	*slot = (uint32_t)s->n;
	x->last = s->n;
	if (2 * s->n > x->mask + 1)
		ep_index_build(x, s, s->n);
}

static int irq_index(struct vd_side_info *info, const char *name)
{
	for (unsigned int i = 0; i < info->nirq; i++)
		if (!strcmp(info->irq[i].name, name))
			return (int)i;
	if (info->nirq == VD_MAX_IRQ_NAMES)
		return -1;
	snprintf(info->irq[info->nirq].name, sizeof(info->irq[0].name), "%s", name);
	info->irq[info->nirq].num = -1;
	return (int)info->nirq++;
}

static void note_local_cid(struct vd_side_info *info, uint32_t cid)
{
	for (unsigned int i = 0; i < info->nlocal_cids; i++)
		if (info->local_cids[i] == cid)
			return;
	if (info->nlocal_cids < ARRAY_SIZE(info->local_cids))
		info->local_cids[info->nlocal_cids++] = cid;
}

/* the counts every report shows, and the first failures that count as examples */
static void note_alloc(struct vd_side_info *info, const struct vd_event *ev)
{
	struct vd_alloc_example *x;
	struct vd_alloc_class c;

	vd_alloc_classify(ev, &c);
	if (c.high_order)
		info->high_order_allocs++;
	if (!c.failed)
		return;
	if (c.kmalloc) {
		info->kmalloc_fail++;
	} else {
		info->page_fail++;
		if (c.high_order) {
			info->page_fail_high++;
			info->page_fail_high_opportunistic += c.opportunistic;
		}
	}
	if (!c.counts || info->nfail >= ARRAY_SIZE(info->fail))
		return;
	x = &info->fail[info->nfail++];
	memset(x, 0, sizeof(*x));
	x->ts = ev->ts_ns;
	x->cpu = ev->cpu;
	memcpy(x->comm, ev->comm, sizeof(x->comm));
	x->kmalloc = c.kmalloc;
	if (c.kmalloc) {
		x->bytes_req = ev->kmalloc.bytes_req;
		x->gfp = ev->kmalloc.gfp;
		x->gfp_raw = ev->kmalloc.gfp_raw;
		memcpy(x->call_sym, ev->kmalloc.call_sym, sizeof(x->call_sym));
	} else {
		x->order = ev->page.order;
		x->gfp = ev->page.gfp;
		x->gfp_raw = ev->page.gfp_raw;
	}
}

/* the recording's own metadata, copied: the source may be closed before it is shown */
static void note_recording(struct vd_side_info *info, struct vd_source *src)
{
	struct vd_recording_info *r = &info->rec;
	struct vd_dat_info d;

	r->fmt = vd_source_format(src);
	if (vd_source_dat_info(src, &d))
		return;
	r->have_dat = true;
	r->file_version = d.file_version;
	r->buffers = d.buffers;
	snprintf(r->compression, sizeof(r->compression), "%s", d.compression ? d.compression : "");
	snprintf(r->trace_clock, sizeof(r->trace_clock), "%s", d.trace_clock ? d.trace_clock : "");
	snprintf(r->uname, sizeof(r->uname), "%s", d.uname ? d.uname : "");
	snprintf(r->tracer_version, sizeof(r->tracer_version), "%s",
		 d.tracer_version ? d.tracer_version : "");
}

bool vd_irq_is_vsock(const struct vd_side_info *info, const char *name)
{
	for (unsigned int i = 0; i < info->nirq; i++)
		if (info->irq[i].vsock && !strcmp(info->irq[i].name, name))
			return true;
	return false;
}

/*
 * The vsock device's line is the one that keeps coming just before receive
 * bursts: a fifth of the bursts, and a tenth of its own firings (9p and
 * block devices also use virtio interrupts, but rarely precede vsock rx).
 */
static void classify_irqs(struct vd_side_info *info, const char *irq_override)
{
	for (unsigned int i = 0; i < info->nirq; i++) {
		struct vd_irq_line *l = &info->irq[i];

		if (irq_override)
			l->vsock = !strcmp(l->name, irq_override);
		else
			l->vsock = l->before_recv > 0 && l->before_recv * 5 >= info->recv_bursts &&
				   l->before_recv * 10 >= l->count;
	}
}

int vd_scan_side(struct vd_source *src, const char *irq_override, struct vd_side_info *info,
		 struct vd_samples *smp, struct vd_epset *eps)
{
	int64_t last_irq_ts = INT64_MIN / 2, last_recv_ts = INT64_MIN / 2;
	int last_irq = -1, ret;
	struct ep_index idx = { 0 };
	struct vd_event ev;

	memset(info, 0, sizeof(*info));
	note_recording(info, src);
	smp->rng = 0x5eed;
	/* the callers start from an empty set; one that is not is indexed as it stands */
	ep_index_build(&idx, eps, eps->n);
	while ((ret = vd_source_next(src, &ev)) > 0) {
		struct vd_endpoints ep;
		struct vd_sample x;

		/* what the recording holds, for telling a copy from another recording */
		info->fingerprint = vd_event_fingerprint(info->fingerprint, &ev);
		switch (ev.kind) {
		case VD_EV_IRQ_ENTRY:
			info->irq_total++;
			last_irq = irq_index(info, ev.irq.name);
			if (last_irq >= 0) {
				info->irq[last_irq].count++;
				if (info->irq[last_irq].num < 0)
					info->irq[last_irq].num = ev.irq.irq;
			}
			last_irq_ts = (int64_t)ev.ts_ns;
			break;
		case VD_EV_PAGE_ALLOC:
		case VD_EV_KMALLOC:
			note_alloc(info, &ev);
			break;
		case VD_EV_BPF:
			vd_bpf_cov_add(&info->bpf, &ev);
			break;
		case VD_EV_PKT_ALLOC:
		case VD_EV_PKT_RECV:
			if (ev.kind == VD_EV_PKT_ALLOC) {
				info->pkts_sent++;
				if (ev.pkt.op == VD_OP_RW)
					info->max_rw_sent = VD_MAX(info->max_rw_sent, ev.pkt.len);
			} else {
				info->pkts_recv++;
				if (!strncmp(ev.comm, "vhost-", 6))
					info->vhost_recv++;
				if (ev.pkt.op == VD_OP_RW)
					info->max_rw_recv = VD_MAX(info->max_rw_recv, ev.pkt.len);
				if ((int64_t)ev.ts_ns - last_recv_ts > IRQ_LEAD_NS) {
					info->recv_bursts++;
					if (last_irq >= 0 &&
					    (int64_t)ev.ts_ns - last_irq_ts <= IRQ_LEAD_NS)
						info->irq[last_irq].before_recv++;
				}
				last_recv_ts = (int64_t)ev.ts_ns;
			}
			if (!vd_pkt_endpoints(&ev, &ep))
				break;
			note_local_cid(info, ep.local_cid);
			epset_add(eps, &idx, &ep);
			x = (struct vd_sample){ .ts = (int64_t)ev.ts_ns,
						.ep = ep,
						.len = ev.pkt.len,
						.op = ev.pkt.op,
						.is_send = ev.kind == VD_EV_PKT_ALLOC };
			sample_offer(smp, &x);
			break;
		default:
			break;
		}
	}
	free(idx.slot);
	if (ret < 0)
		return ret;
	info->stats = *vd_source_stats(src);
	classify_irqs(info, irq_override);
	return 0;
}

void vd_samples_free(struct vd_samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void vd_epset_free(struct vd_epset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
