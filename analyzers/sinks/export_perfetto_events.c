// SPDX-License-Identifier: GPL-2.0
/*
 * The Perfetto export's other events: vsock interrupts, allocation failures,
 * lost events and recorder marks, and the BPF evidence (kicks, RX ring
 * levels, vhost waits and samples, socket credit) as instants and counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/sinks/export.h"
#include "analyzers/sinks/export_perfetto.h"

enum { G_RING, G_QUEUED, G_AVAIL };
static const char *const gauge_names[3][2] = {
	[G_RING] = { "RX ring (BPF)", "buffers" },
	[G_QUEUED] = { "vhost queued (BPF)", "packets" },
	[G_AVAIL] = { "guest RX buffers seen by vhost (BPF)", "buffers" },
};

/* a BPF gauge: samplers repeat themselves, only changes are written */
static void gauge(struct pf *w, int side, int g, int64_t t, int64_t v)
{
	if (w->gauge[side][g] == v)
		return;
	w->gauge[side][g] = v;
	pf_counter_begin(w, side, t, gauge_names[g][0]);
	pf_int(&w->j, gauge_names[g][1], v);
	pf_counter_end(w);
}

static void instant_begin(struct pf *w, int side, int track, int64_t t, const char *name)
{
	pf_event(&w->j, 'i', t, pid_of(side), pf_fixed_track(w, side, track));
	pf_plain(&w->j, "s", "t");
	pf_plain(&w->j, "name", name);
	pf_obj(&w->j, "args");
	w->instants++;
}

static void instant_end(struct pf *w)
{
	pf_obj_end(&w->j);
	pf_obj_end(&w->j);
}

static bool vsock_line(const struct vd_side_info *si, const char *name)
{
	for (unsigned int i = 0; i < si->nirq; i++)
		if (si->irq[i].vsock && !strcmp(si->irq[i].name, name))
			return true;
	return false;
}

static const char *const vq_names[] = { "rx", "tx", "event" };

static const char *vq_name(unsigned int vq)
{
	return vq < 3 ? vq_names[vq] : "any";
}

static const char *const kick_names[] = { "", "sent", "skipped", "received" };

static void bpf_event(struct pf *w, int side, const struct vd_event *ev, int64_t t)
{
	const struct vd_bpf *b = &ev->bpf;
	char name[96];

	switch (b->kind) {
	case VD_BPF_KICK:
		if (b->kick.dir < 1 || b->kick.dir > 3)
			return;
		snprintf(name, sizeof(name), "kick %s (%s)", kick_names[b->kick.dir],
			 vq_name(b->kick.vq));
		instant_begin(w, side, TR_KICK, t, name);
		pf_str(&w->j, "vq", vq_name(b->kick.vq));
		instant_end(w);
		w->kicks[side][b->kick.dir]++;
		pf_counter_begin(w, side, t, "kicks (BPF)");
		pf_uint(&w->j, "sent", w->kicks[side][VD_KICK_SENT]);
		pf_uint(&w->j, "skipped", w->kicks[side][VD_KICK_SKIPPED]);
		pf_uint(&w->j, "received", w->kicks[side][VD_KICK_RECEIVED]);
		pf_counter_end(w);
		return;
	case VD_BPF_RXLEVEL:
		gauge(w, side, G_RING, t, b->rxlevel.level);
		return;
	case VD_BPF_RXFILL:
		gauge(w, side, G_RING, t, b->rxfill.after);
		instant_begin(w, side, TR_BPF, t,
			      b->rxfill.fail ? "RX refill failed" : "RX refill");
		pf_uint(&w->j, "before", b->rxfill.before);
		pf_uint(&w->j, "after", b->rxfill.after);
		pf_uint(&w->j, "max", b->rxfill.max);
		instant_end(w);
		return;
	case VD_BPF_VQIRQ:
		snprintf(name, sizeof(name), "vq interrupt (%s)", vq_name(b->vqirq.vq));
		instant_begin(w, side, TR_IRQ, t, name);
		pf_int(&w->j, "irq", b->vqirq.irq);
		pf_bool(&w->j, "shared", b->vqirq.shared);
		instant_end(w);
		return;
	case VD_BPF_VHOSTWAIT:
		instant_begin(w, side, TR_BPF, t, "vhost waits for RX buffers");
		pf_uint(&w->j, "queued", b->vhost.queued);
		if (b->vhost.have_replies)
			pf_uint(&w->j, "replies", b->vhost.replies);
		instant_end(w);
		gauge(w, side, G_QUEUED, t, b->vhost.queued);
		return;
	case VD_BPF_VHOSTSAMPLE:
		gauge(w, side, G_QUEUED, t, b->vhost.queued);
		gauge(w, side, G_AVAIL, t, b->vhost.avail);
		return;
	case VD_BPF_ALLOCFAIL:
		snprintf(name, sizeof(name), "allocation failed (BPF%s)",
			 b->alloc.opportunistic ? ", had a fallback" : "");
		instant_begin(w, side, TR_ALLOC, t, name);
		pf_uint(&w->j, "order", b->alloc.order);
		pf_uint(&w->j, "bytes", b->alloc.bytes);
		pf_bool(&w->j, "opportunistic", b->alloc.opportunistic);
		if (b->alloc.have_stack)
			pf_uint(&w->j, "stack", b->alloc.stack);
		pf_int(&w->j, "pid", ev->pid);
		pf_str(&w->j, "comm", ev->comm);
		instant_end(w);
		return;
	case VD_BPF_SKBDROP:
		instant_begin(w, side, TR_BPF, t, "skb dropped in vsock code");
		pf_uint(&w->j, "reason", b->skbdrop.reason);
		pf_str(&w->j, "where", b->skbdrop.loc);
		instant_end(w);
		return;
	case VD_BPF_CREDIT:
		snprintf(name, sizeof(name),
			 "socket %" PRIu32 ":%" PRIu32 " <- %" PRIu32 ":%" PRIu32 " (BPF)",
			 b->credit.local_cid, b->credit.local_port, b->credit.remote_cid,
			 b->credit.remote_port);
		pf_counter_begin(w, side, t, name);
		pf_uint(&w->j, "unread", b->credit.rx_bytes);
		pf_counter_end(w);
		return;
	case VD_BPF_LOST:
		instant_begin(w, side, TR_REC, t, "BPF events lost");
		pf_uint(&w->j, "count", b->lost);
		instant_end(w);
		return;
	default:
		/* tier and stack lines have no time; payload heads are not shown */
		return;
	}
}

void pf_event_tap(void *ctx, const struct vd_session *s, enum vd_side side,
		  const struct vd_event *ev)
{
	struct pf *w = ctx;
	int64_t when =
	    ev->kind == VD_EV_BPF && ev->bpf.has_t ? (int64_t)ev->bpf.t : (int64_t)ev->ts_ns;
	int64_t t = vd_export_time(w->res, side, when);
	char name[96];

	(void)s;
	if (ev->kind == VD_EV_BPF && !ev->bpf.has_t)
		return;
	switch (ev->kind) {
	case VD_EV_IRQ_ENTRY:
		if (!vsock_line(&w->res->side[side], ev->irq.name))
			return;
		snprintf(name, sizeof(name), "irq %" PRId32 " %s", ev->irq.irq, ev->irq.name);
		instant_begin(w, side, TR_IRQ, t, name);
		pf_int(&w->j, "irq", ev->irq.irq);
		pf_str(&w->j, "line", ev->irq.name);
		pf_int(&w->j, "cpu", ev->cpu);
		instant_end(w);
		return;
	case VD_EV_PAGE_ALLOC:
		if (!ev->page.failed)
			return;
		snprintf(name, sizeof(name), "page allocation failed (order %" PRIu32 ")",
			 ev->page.order);
		instant_begin(w, side, TR_ALLOC, t, name);
		pf_uint(&w->j, "order", ev->page.order);
		pf_bool(&w->j, "opportunistic",
			(ev->page.gfp & (VD_GFP_NORETRY | VD_GFP_NOWARN)) ==
			    (VD_GFP_NORETRY | VD_GFP_NOWARN));
		pf_int(&w->j, "pid", ev->pid);
		pf_str(&w->j, "comm", ev->comm);
		pf_int(&w->j, "cpu", ev->cpu);
		instant_end(w);
		return;
	case VD_EV_KMALLOC:
		if (!ev->kmalloc.failed)
			return;
		instant_begin(w, side, TR_ALLOC, t, "kmalloc failed");
		pf_uint(&w->j, "bytes", ev->kmalloc.bytes_req);
		pf_str(&w->j, "call_site", ev->kmalloc.call_sym);
		pf_int(&w->j, "pid", ev->pid);
		pf_str(&w->j, "comm", ev->comm);
		instant_end(w);
		return;
	case VD_EV_LOST:
		instant_begin(w, side, TR_REC, t, "trace events lost");
		if (ev->lost.count)
			pf_uint(&w->j, "count", ev->lost.count);
		else
			pf_str(&w->j, "count", "unknown");
		instant_end(w);
		return;
	case VD_EV_MARK:
		instant_begin(w, side, TR_REC, t,
			      ev->mark.what == VD_MARK_RECORDER_STOP ? "recorder stopping"
								     : "recorder starting");
		instant_end(w);
		return;
	case VD_EV_BPF:
		bpf_event(w, side, ev, t);
		return;
	default:
		return;
	}
}
