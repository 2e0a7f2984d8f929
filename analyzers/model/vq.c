// SPDX-License-Identifier: GPL-2.0
/*
 * The virtqueue model (vq.h), fed event by event.  The guest's RX ring is a level
 * RX work lowers and refills raise (virtio_transport_rx_work refills only below
 * half; virtio_vsock_rx_fill stops at the first failed allocation, nothing retries
 * it); vhost waits from its vhostwait line to the next kick it receives on RX.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/model/findings.h"
#include "analyzers/model/vq.h"

void vd_vq_init(struct vd_vq *q, int64_t keep_ns, int64_t tol_ns, bool aligned)
{
	memset(q, 0, sizeof(*q));
	q->keep_ns = keep_ns;
	q->tol_ns = tol_ns;
	q->aligned = aligned;
	for (int i = 0; i < 2; i++)
		q->side[i].post_after_empty = VD_NO_TIME;
}

void vd_vq_free(struct vd_vq *q)
{
	for (int i = 0; i < 2; i++) {
		free(q->side[i].ep);
		free(q->side[i].wait);
		free(q->side[i].sil);
		free(q->side[i].kick);
		free(q->side[i].skipped_dead);
	}
	memset(q, 0, sizeof(*q));
}

/* room for one more in a bounded array (doubled at each power of two); false when full */
static bool grow(void **v, size_t n, size_t max, size_t size)
{
	if (n >= max)
		return false;
	if (!n || (n >= 4 && !(n & (n - 1))))
		*v = vd_xrealloc(*v, n ? 2 * n : 4, size);
	return true;
}

/* ---- silences ------------------------------------------------------------------------- */

static void note_silence(struct vd_vq *q, struct vd_vq_side *vs, int64_t ts)
{
	if (vs->have_ts && vd_sub_sat(ts, vs->last_ts) >= q->keep_ns &&
	    grow((void **)&vs->sil, vs->nsil, VD_VQ_MAX_SILENCES, sizeof(*vs->sil)))
		vs->sil[vs->nsil++] = (struct vd_silence){ vs->last_ts, ts };
	if (!vs->have_ts || ts > vs->last_ts)
		vs->last_ts = ts;
	vs->have_ts = true;
}

int64_t vd_vq_silent_ns(const struct vd_vq_side *vs, int64_t from, int64_t to)
{
	int64_t sum = 0;

	for (size_t i = 0; i < vs->nsil; i++) {
		int64_t a = VD_MAX(from, vs->sil[i].from), b = VD_MIN(to, vs->sil[i].to);

		if (b > a)
			sum = vd_add_sat(sum, vd_sub_sat(b, a));
	}
	return sum;
}

/* ---- host waits ------------------------------------------------------------------------- */

/* the guest's event at T (host clock) belongs to a wait from t0 - tol to its end + tol */
static bool in_wait(const struct vd_vq *q, const struct vd_host_wait *w, int64_t T)
{
	return T >= w->t0 - q->tol_ns && (w->t1 == VD_NO_TIME || T <= w->t1 + q->tol_ns);
}

static void wait_guest(struct vd_host_wait *w, int what, uint32_t v, int64_t T)
{
	switch (what) {
	case 0: /* any event at all: the guest was running */
		w->g_events++;
		break;
	case VD_RECENT_POST:
		if (!w->g_posts++)
			w->g_post_at = T;
		w->g_posted += v;
		break;
	case VD_RECENT_KICK_SENT:
		w->g_kick_sent++;
		break;
	case VD_RECENT_KICK_SKIPPED:
		w->g_kick_skipped++;
		break;
	case VD_RECENT_LEVEL:
		w->g_levels++;
		w->g_level_max = VD_MAX(w->g_level_max, v);
		w->g_empty += v == 0;
		break;
	}
}

/*
 * Something the guest (side) did at T in the host's clock: into the host's
 * open wait, into its latest kept wait (the marker that told us arrived
 * late), and into the recent list for a wait whose line comes later.
 */
static void guest_did(struct vd_vq *q, struct vd_vq_side *host, int what, uint32_t v, int64_t T,
		      struct vd_vq_side *guest)
{
	if (!q->aligned)
		return;
	if (host->waiting && in_wait(q, &host->cur, T))
		wait_guest(&host->cur, what, v, T);
	if (host->nwait && in_wait(q, &host->wait[host->nwait - 1], T))
		wait_guest(&host->wait[host->nwait - 1], what, v, T);
	if (!what)
		return;
	guest->recent[guest->nrecent % VD_VQ_RECENT].t_other = T;
	guest->recent[guest->nrecent % VD_VQ_RECENT].what = (uint8_t)what;
	guest->recent[guest->nrecent % VD_VQ_RECENT].v = v;
	guest->nrecent++;
}

static void wait_end(struct vd_vq *q, struct vd_vq_side *vs, int64_t t, bool by_kick)
{
	vs->waiting = false;
	vs->cur.t1 = t;
	vs->cur.ended_by_kick = by_kick;
	if (t - vs->cur.t0 < q->keep_ns)
		return;
	if (grow((void **)&vs->wait, vs->nwait, VD_VQ_MAX_WAITS, sizeof(*vs->wait)))
		vs->wait[vs->nwait++] = vs->cur;
	else
		vs->wait_more = true;
}

static void wait_begin(struct vd_vq *q, struct vd_vq_side *vs, const struct vd_vq_side *guest,
		       const struct vd_bpf *b)
{
	if (vs->waiting) {
		vs->cur.lines++;
		vs->cur.queued_max = VD_MAX(vs->cur.queued_max, b->vhost.queued);
		vs->cur.replies_max = VD_MAX(vs->cur.replies_max, b->vhost.replies);
		return;
	}
	vs->waiting = true;
	vs->waits_total++;
	vs->cur = (struct vd_host_wait){ .t0 = (int64_t)b->t,
					 .t1 = VD_NO_TIME,
					 .lines = 1,
					 .queued_max = b->vhost.queued,
					 .replies_max = b->vhost.replies,
					 .avail_at = VD_NO_TIME,
					 .g_post_at = VD_NO_TIME,
					 .guest_recorded = q->aligned };
	/* what the guest did just before this line reached us */
	for (size_t i = 0; q->aligned && i < VD_MIN(guest->nrecent, (size_t)VD_VQ_RECENT); i++) {
		size_t k = (guest->nrecent - 1 - i) % VD_VQ_RECENT;

		if (guest->recent[k].t_other >= vs->cur.t0 - q->tol_ns)
			wait_guest(&vs->cur, guest->recent[k].what, guest->recent[k].v,
				   guest->recent[k].t_other);
	}
}

static void wait_sample(struct vd_vq *q, struct vd_vq_side *vs, const struct vd_bpf *b)
{
	struct vd_host_wait *w = &vs->cur;

	if (!vs->waiting || (int64_t)b->t < w->t0)
		return;
	/*
	 * Nothing queued any more: what vhost waited to deliver went out, the
	 * wait is over (a guest that then sends nothing kicks nothing; the lab's
	 * paced load read a 30 s "missing kick" into one credit update).
	 */
	if (!b->vhost.queued && (int64_t)b->t > w->t0) {
		wait_end(q, vs, (int64_t)b->t, false);
		return;
	}
	w->samples++;
	w->queued_max = VD_MAX(w->queued_max, b->vhost.queued);
	w->avail_max = VD_MAX(w->avail_max, b->vhost.avail);
	if (b->vhost.avail && w->avail_at == VD_NO_TIME && (int64_t)b->t > w->t0)
		w->avail_at = (int64_t)b->t;
}

/* ---- the guest's RX ring ---------------------------------------------------------------- */

static struct vd_ring_episode *ep_cur(struct vd_vq_side *vs)
{
	return vs->ep_open ? &vs->ep[vs->nep - 1] : NULL;
}

static void ep_streak(struct vd_vq_side *vs, struct vd_ring_episode *ep)
{
	if (vs->fails <= ep->fails)
		return;
	ep->fails = vs->fails;
	ep->fail_first = vs->fail_first;
	ep->fail_last = vs->fail_last;
	ep->fail_added = vs->fail_added;
}

static void ep_open(struct vd_vq_side *vs, int64_t since, int64_t empty_at, uint32_t before)
{
	struct vd_ring_episode *ep;

	if (!grow((void **)&vs->ep, vs->nep, VD_VQ_MAX_EPISODES, sizeof(*vs->ep))) {
		vs->ep_more = true;
		return;
	}
	ep = &vs->ep[vs->nep++];
	*ep = (struct vd_ring_episode){ .since = since,
					.empty_at = empty_at,
					.end = VD_NO_TIME,
					.max = vs->max,
					.level_before = before,
					.min_level = vs->level,
					.fail_first = VD_NO_TIME,
					.fail_last = VD_NO_TIME };
	vs->ep_open = true;
	ep_streak(vs, ep);
}

/* buffers again: the episode is over; one that never ran dry and was short is no episode */
static void ep_close(struct vd_vq *q, struct vd_vq_side *vs, int64_t t)
{
	struct vd_ring_episode *ep = ep_cur(vs);

	vs->ep_open = false;
	ep->end = t;
	if (ep->empty_at == VD_NO_TIME && t - ep->since < q->keep_ns) {
		vs->nep--;
		return;
	}
	if (ep->empty_at != VD_NO_TIME) {
		/* posted after running dry: its kick and what follows it decide a missing kick */
		vs->post_after_empty = t;
		vs->post_kick = 0;
	}
}

static void set_level(struct vd_vq *q, struct vd_vq_side *vs, uint32_t level, uint32_t max,
		      int64_t t, bool refilled)
{
	uint32_t prev = vs->have_level ? vs->level : max;
	struct vd_ring_episode *ep;

	vs->have_level = true;
	vs->level = level;
	if (max)
		vs->max = max;
	ep = ep_cur(vs);
	if (ep) {
		ep->levels++;
		ep->min_level = VD_MIN(ep->min_level, level);
		ep_streak(vs, ep);
	}
	if (level == 0) {
		if (!ep)
			ep_open(vs, vs->fails ? vs->fail_first : t, t, prev);
		else if (ep->empty_at == VD_NO_TIME)
			ep->empty_at = t;
	} else if (ep) {
		if (level > prev || refilled)
			ep_close(q, vs, t);
	} else if (vs->fails >= 2 && level < vs->level_before_fails && level < vs->max / 2) {
		/* refills keep failing and the level keeps falling: running dry */
		ep_open(vs, vs->fail_first, VD_NO_TIME, vs->level_before_fails);
	}
}

static void ring_fill(struct vd_vq *q, enum vd_side side, const struct vd_bpf *b, int64_t T)
{
	struct vd_vq_side *vs = &q->side[side];
	const struct vd_bpf_rxfill *f = &b->rxfill;
	uint32_t added = f->after > f->before ? f->after - f->before : 0;
	int64_t t = (int64_t)b->t;

	if (f->fail) {
		if (!vs->fails++) {
			vs->fail_first = t;
			vs->fail_added = 0;
			vs->level_before_fails = vs->have_level ? vs->level : f->before;
		}
		vs->fail_last = t;
		vs->fail_added += added;
	}
	set_level(q, vs, f->after, f->max, t, !f->fail && added);
	if (!f->fail)
		vs->fails = 0;
	if (added)
		guest_did(q, &q->side[!side], VD_RECENT_POST, added, T, vs);
}

static void ring_level(struct vd_vq *q, enum vd_side side, const struct vd_bpf *b, int64_t T)
{
	struct vd_vq_side *vs = &q->side[side];
	uint32_t prev = vs->have_level ? vs->level : b->rxlevel.level;

	if (b->rxlevel.sampled)
		vs->periodic = true;
	set_level(q, vs, b->rxlevel.level, b->rxlevel.max, (int64_t)b->t, false);
	/* without the rxfill hook, a level that rose is a refill that posted */
	if (b->rxlevel.level > prev)
		guest_did(q, &q->side[!side], VD_RECENT_POST, b->rxlevel.level - prev, T, vs);
	guest_did(q, &q->side[!side], VD_RECENT_LEVEL, b->rxlevel.level, T, vs);
}

/* the guest made progress after its refill: the host delivered, the kick was not missing */
static void progress(struct vd_vq_side *vs, int64_t t)
{
	if (vs->post_after_empty != VD_NO_TIME && t >= vs->post_after_empty)
		vs->post_after_empty = VD_NO_TIME;
}

/* a refill after an empty ring whose kick was skipped, and nothing for keep_ns: kept */
static void post_check(struct vd_vq *q, struct vd_vq_side *vs, int64_t now)
{
	if (vs->post_after_empty == VD_NO_TIME || now - vs->post_after_empty < q->keep_ns)
		return;
	if (vs->post_kick == VD_KICK_SKIPPED && grow((void **)&vs->skipped_dead, vs->nskipped_dead,
						     VD_VQ_MAX_EPISODES, sizeof(*vs->skipped_dead)))
		vs->skipped_dead[vs->nskipped_dead++] =
		    (struct vd_kick_rec){ vs->post_after_empty, VD_KICK_SKIPPED, VD_VQ_RX };
	vs->post_after_empty = VD_NO_TIME;
}

/* ---- kicks ------------------------------------------------------------------------------ */

static void kick(struct vd_vq *q, enum vd_side side, const struct vd_bpf *b, int64_t T)
{
	struct vd_vq_side *vs = &q->side[side];
	struct vd_ring_episode *ep = ep_cur(vs);
	int64_t t = (int64_t)b->t;
	uint8_t dir = b->kick.dir;

	if (!vs->kick)
		vs->kick = vd_xcalloc(VD_VQ_KICKS, sizeof(*vs->kick));
	vs->kick[vs->kicks_total++ % VD_VQ_KICKS] = (struct vd_kick_rec){ t, dir, b->kick.vq };
	vs->nkick = VD_MIN(vs->kicks_total, (uint64_t)VD_VQ_KICKS);
	if (dir == VD_KICK_RECEIVED) {
		vs->host = true;
		if (b->kick.vq == VD_VQ_RX && vs->waiting && t >= vs->cur.t0)
			wait_end(q, vs, t, true);
		return;
	}
	vs->guest = true;
	if (b->kick.vq != VD_VQ_RX)
		return;
	if (ep) {
		ep->kicks_sent += dir == VD_KICK_SENT;
		ep->kicks_skipped += dir == VD_KICK_SKIPPED;
	}
	if (vs->post_after_empty != VD_NO_TIME && !vs->post_kick &&
	    t - vs->post_after_empty <= VD_VQ_KICK_WINDOW)
		vs->post_kick = (int8_t)dir;
	guest_did(q, &q->side[!side],
		  dir == VD_KICK_SENT ? VD_RECENT_KICK_SENT : VD_RECENT_KICK_SKIPPED, 0, T, vs);
}

int64_t vd_vq_kicks_between(const struct vd_vq_side *vs, uint8_t dir, uint8_t vq, int64_t from,
			    int64_t to)
{
	uint64_t first = vs->kicks_total - vs->nkick;
	int64_t n = 0;

	if (vs->kicks_total > vs->nkick && vs->kick[first % VD_VQ_KICKS].t > from)
		return -1; /* the kicks of that time were not kept */
	for (uint64_t i = first; i < vs->kicks_total; i++) {
		const struct vd_kick_rec *k = &vs->kick[i % VD_VQ_KICKS];

		n += k->dir == dir && k->vq == vq && k->t >= from && k->t <= to;
	}
	return n;
}

/* ---- stacks ----------------------------------------------------------------------------- */

const struct vd_stack_info *vd_vq_stack(const struct vd_vq_side *vs, uint32_t id)
{
	for (size_t i = 0; i < vs->nstack; i++)
		if (vs->stack[i].id == id)
			return &vs->stack[i];
	return NULL;
}

static void stack_add(struct vd_vq_side *vs, const struct vd_bpf_stack *st)
{
	struct vd_stack_info *si = (struct vd_stack_info *)vd_vq_stack(vs, st->id);

	if (!si) {
		if (vs->nstack == VD_VQ_MAX_STACKS)
			return;
		si = &vs->stack[vs->nstack++];
	}
	si->id = st->id;
	si->names = st->names;
	si->nframes = st->nframes;
	memcpy(si->summary, st->summary, sizeof(si->summary));
}

/* ---- feeding ---------------------------------------------------------------------------- */

static void on_bpf(struct vd_vq *q, enum vd_side side, const struct vd_bpf *b, int64_t T)
{
	struct vd_vq_side *vs = &q->side[side];
	struct vd_ring_episode *ep;

	vs->bpf_events++;
	switch (b->kind) {
	case VD_BPF_RXFILL:
		vs->guest = true;
		ring_fill(q, side, b, T);
		break;
	case VD_BPF_RXLEVEL:
		vs->guest = true;
		ring_level(q, side, b, T);
		break;
	case VD_BPF_KICK:
		kick(q, side, b, T);
		break;
	case VD_BPF_VHOSTWAIT:
		vs->host = true;
		wait_begin(q, vs, &q->side[!side], b);
		break;
	case VD_BPF_VHOSTSAMPLE:
		vs->host = vs->periodic = true;
		wait_sample(q, vs, b);
		break;
	case VD_BPF_VQIRQ:
		vs->guest = true;
		ep = ep_cur(vs);
		if (b->vqirq.vq == VD_VQ_RX || b->vqirq.shared) {
			if (ep)
				ep->irqs++;
			progress(vs, (int64_t)b->t);
		}
		break;
	case VD_BPF_STACK:
		stack_add(vs, &b->stack);
		break;
	case VD_BPF_CREDIT: /* the sampler's, not the start/stop snapshots */
		vs->periodic |= b->credit.why == VD_CREDIT_SAMPLE;
		break;
	case VD_BPF_LOST:
		vs->bpf_lost += b->lost;
		break;
	default:
		break;
	}
}

static void on_recv(struct vd_vq *q, enum vd_side side, const struct vd_event *ev, int64_t T)
{
	struct vd_vq_side *vs = &q->side[side], *host = &q->side[!side];
	struct vd_ring_episode *ep = ep_cur(vs);

	if (ev->pkt.src_cid == ev->pkt.dst_cid)
		return; /* loopback: not through the virtqueues */
	if (ep)
		ep->recv++;
	progress(vs, (int64_t)ev->ts_ns);
	/* into buffers posted during the wait: vhost is delivering again */
	if (q->aligned && host->waiting && host->cur.g_posts && T > host->cur.g_post_at &&
	    T > host->cur.t0 + q->tol_ns)
		wait_end(q, host, T, false);
}

void vd_vq_feed(struct vd_vq *q, enum vd_side side, const struct vd_event *ev, int64_t t_other)
{
	struct vd_vq_side *vs = &q->side[side];
	int64_t now;

	if (ev->kind == VD_EV_LOST || ev->kind == VD_EV_MARK || ev->kind == VD_EV_NONE)
		return; /* no trace data, no part of the window */
	note_silence(q, vs, (int64_t)ev->ts_ns);
	now = ev->kind == VD_EV_BPF && ev->bpf.has_t ? (int64_t)ev->bpf.t : (int64_t)ev->ts_ns;
	post_check(q, vs, now);
	guest_did(q, &q->side[!side], 0, 0, t_other, vs);
	if (ev->kind == VD_EV_PKT_RECV)
		on_recv(q, side, ev, t_other);
	else if (ev->kind == VD_EV_BPF)
		on_bpf(q, side, &ev->bpf, t_other);
}

void vd_vq_end(struct vd_vq *q, const int64_t end[2])
{
	for (int i = 0; i < 2; i++) {
		struct vd_vq_side *vs = &q->side[i];

		if (vs->waiting && end[i] != VD_NO_TIME) {
			int64_t t0 = vs->cur.t0;

			wait_end(q, vs, end[i], false);
			if (vs->nwait && vs->wait[vs->nwait - 1].t0 == t0)
				vs->wait[vs->nwait - 1].t1 = VD_NO_TIME; /* still waiting */
		}
		if (end[i] != VD_NO_TIME) {
			post_check(q, vs, end[i]);
			note_silence(q, vs, end[i]);
		}
	}
}
