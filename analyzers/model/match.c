// SPDX-License-Identifier: GPL-2.0
/*
 * Pairing sends with receives on one direction of one connection.
 *
 * The correlate engine feeds sends and receives in (approximately) aligned
 * time, holding receives back by the clock tolerance, so when a receive is
 * matched every send that could explain it is already queued.  Decisions:
 *  - same op and len as the oldest pending send: delivered;
 *  - a shorter RW: vhost split the send over several RX buffers (the lab saw
 *    host len=8192 arrive as 3732+3732+728), consume it piece by piece;
 *  - otherwise a later pending send explains it: the older ones were lost
 *    (virtqueues deliver in order, so skipped data never comes);
 *  - nothing explains it: an orphan, its send was not recorded.
 *
 * Runs of identical packets (a bulk transfer's chunks, the CREDIT_UPDATE
 * after every read) are paired by order, not by time: match_run.c.
 *
 * The same order argument overrides the clock in two more places.  Once the
 * receiver has recorded an arrival of a stream, every later send of it
 * arrives inside the recording, so the time-based choice for streams the
 * receiver began recording mid-way (prewindow_choice) no longer applies
 * (rx_seen).  And an arrival the clock puts before the oldest pending send,
 * though it is identical to it and follows earlier deliveries of the stream,
 * is that send's: the clock is locally wrong there (held_is_head).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/model/flow.h"
#include "analyzers/model/match_internal.h"

void vd_stream_init(struct vd_stream *s, const struct vd_tuple *t, enum vd_dir dir)
{
	memset(s, 0, sizeof(*s));
	s->tuple = *t;
	s->dir = dir;
}

void vd_stream_free(struct vd_stream *s)
{
	free(s->q);
	s->q = NULL;
	s->count = s->cap = s->head = 0;
	free(s->run);
	s->run = NULL;
	s->run_n = s->run_cap = s->run_arrived = 0;
	free(s->held);
	s->held = NULL;
	s->held_n = 0;
}

void vd_stream_push(struct vd_stream *s, const struct vd_pending *p)
{
	if (s->count == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		struct vd_pending *nq = vd_xcalloc(ncap, sizeof(*nq));

		for (size_t i = 0; i < s->count; i++)
			nq[i] = *at(s, i);
		free(s->q);
		s->q = nq;
		s->cap = ncap;
		s->head = 0;
	}
	s->q[(s->head + s->count) & (s->cap - 1)] = *p; /* cap: a power of two */
	s->count++;
	s->peak = VD_MAX(s->peak, s->count);
}

/* A send skipped over by a later delivery: lost, unless the receiver was not yet recording. */
static enum vd_fate skipped_fate(const struct vd_match_ctx *mc, const struct vd_pending *p)
{
	if (p->pieces)
		return VD_FATE_SHORT;
	return p->t_send_rx < mc->rx_window_start + mc->tol_ns ? VD_FATE_UNPROVEN : VD_FATE_LOST;
}

/*
 * A skipped send whose twin arrived just before as an "orphan": the clock put that
 * arrival before the send (nested VMs' clocks step by milliseconds, seen in the lab),
 * but in-order delivery says it was this send.  Pair them instead of calling it lost.
 */
#define ORPHAN_REPAIR_NS (100 * 1000000LL)

static void held_drop_first(struct vd_stream *s)
{
	memmove(s->held, s->held + 1, (s->held_n - 1) * sizeof(*s->held));
	s->held_n--;
}

/* p, skipped by the receive at t, is settled (not popped) */
void vd_match_settle_dropped(struct vd_stream *s, const struct vd_match_ctx *mc,
			     struct vd_pending *p, int64_t t)
{
	enum vd_fate f = skipped_fate(mc, p);
	int64_t ot = s->held_n ? (int64_t)s->held[0].ts_ns : 0;

	if (f == VD_FATE_LOST && s->held_n &&
	    same_packet(p, s->held[0].pkt.op, s->held[0].pkt.len) &&
	    ot >= p->t_send_rx - ORPHAN_REPAIR_NS && ot <= t) {
		p->first_rx = ot;
		p->pieces = 1;
		p->remaining = 0;
		if (mc->ops->paired)
			mc->ops->paired(mc->ctx, s, &s->held[0]);
		held_drop_first(s);
		s->repaired++;
		deliver(s, mc, p);
		return;
	}
	mc->ops->fate(mc->ctx, s, p, f, t);
}

/* Every settlement of the queue's head comes after the run's, which was sent before it. */
static void settle_head(struct vd_stream *s, const struct vd_match_ctx *mc, enum vd_fate f,
			int64_t t_recv)
{
	if (s->run_n)
		vd_match_run_resolve(s, mc, t_recv);
	mc->ops->fate(mc->ctx, s, at(s, 0), f, t_recv);
	pop(s);
}

/*
 * The head was skipped by the receive at t.  If it is one more of the run in
 * progress, the run came up short: keep it with the run, which is resolved
 * once this receive is matched (vd_stream_recv).
 */
static void settle_skipped(struct vd_stream *s, const struct vd_match_ctx *mc, int64_t t)
{
	struct vd_pending *p = at(s, 0);

	if (s->run_arrived && !p->pieces && same_packet(p, s->run[0].op, s->run[0].len)) {
		vd_match_run_push(s, p);
		pop(s);
		return;
	}
	if (s->run_n)
		vd_match_run_resolve(s, mc, t);
	vd_match_settle_dropped(s, mc, p, t);
	pop(s);
}

/*
 * Could p's arrival begin with a receive of this op and len?  Whole, or the
 * first piece of a split: vhost fills each RX buffer to the brim, so every
 * piece but the last is exactly the buffer's payload size.
 */
static bool could_begin(const struct vd_stream *s, const struct vd_pending *p, uint16_t op,
			uint32_t len)
{
	if (same_packet(p, op, len))
		return true;
	return op == VD_OP_RW && p->op == VD_OP_RW && s->split_size && len == s->split_size &&
	       len < p->len;
}

/*
 * Index of the first pending send after the head whose arrival this receive
 * can begin, or 0.  The earliest one wins: virtqueues deliver in order.
 */
static size_t later_match(struct vd_stream *s, const struct vd_match_ctx *mc, uint16_t op,
			  uint32_t len, int64_t t)
{
	for (size_t i = 1; i < s->count; i++) {
		const struct vd_pending *p = at(s, i);

		if (p->t_send_rx > t + mc->causal_ns)
			break;
		if (could_begin(s, p, op, len))
			return i;
	}
	return 0;
}

static uint32_t consume_piece(struct vd_stream *s, const struct vd_match_ctx *mc, uint32_t len,
			      int64_t t)
{
	struct vd_pending *p = at(s, 0);
	uint32_t conn = p->conn;

	if (!p->pieces) {
		p->first_rx = t;
		note_latency(s, p, t);
	}
	p->pieces++;
	p->remaining -= len;
	if (p->remaining == 0)
		settle_head(s, mc, VD_FATE_DELIVERED, t);
	return conn;
}

/*
 * Has the receiver recorded an arrival of this stream?  Then every send still
 * pending arrives after it (in order), inside the receiver's recording.
 */
static bool rx_seen(const struct vd_stream *s)
{
	return s->have_latency || s->run_arrived;
}

/*
 * The receiver began recording in the middle of this stream: sends from
 * before that may have arrived unrecorded, so order alone cannot say which
 * send this receive is.  Time can, once the clock is precise: the fitting
 * send that was made last before the receive (the smallest latency), else
 * the first fitting one made within the tolerance after it.  SIZE_MAX: none.
 * Only for the stream's first recorded arrival (rx_seen): every later send
 * arrives after that one, inside the receiver's recording, and order decides.
 */
static size_t prewindow_choice(struct vd_stream *s, const struct vd_match_ctx *mc, uint16_t op,
			       uint32_t len, int64_t t)
{
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < s->count; i++) {
		const struct vd_pending *p = at(s, i);

		if (p->t_send_rx > t + mc->causal_ns)
			break;
		if (!could_begin(s, p, op, len))
			continue;
		if (p->t_send_rx > t)
			return best == SIZE_MAX ? i : best;
		best = i;
	}
	return best;
}

/*
 * Does this receive continue p?  vhost fills every RX buffer to the brim, so
 * a piece that does not finish p is exactly the buffer's payload size.
 */
static bool piece_fits(const struct vd_stream *s, const struct vd_pending *p, uint16_t op,
		       uint32_t len)
{
	if (op != VD_OP_RW)
		return false;
	if (len == p->remaining)
		return true;
	return len < p->remaining && (!s->split_size || len == s->split_size);
}

/*
 * The pieces given to p so far were full buffers, and now a receive does not
 * fit p: p was never delivered, those buffers began the next send.  Declare p
 * lost and hand its pieces to what follows.  False when that cannot be it.
 */
static bool replay_on_next(struct vd_stream *s, const struct vd_match_ctx *mc, struct vd_pending *p,
			   int64_t t)
{
	uint32_t n = p->pieces, size = s->split_size;
	int64_t first = p->first_rx;
	struct vd_event piece = { .kind = VD_EV_PKT_RECV };

	if (!size || s->count < 2 || p->len - p->remaining != n * size ||
	    !could_begin(s, at(s, 1), VD_OP_RW, size))
		return false;
	/* p goes back to untouched: it is the one that never arrived */
	p->pieces = 0;
	p->remaining = p->len;
	settle_head(s, mc, skipped_fate(mc, p), t);
	piece.pkt.op = VD_OP_RW;
	piece.pkt.len = size;
	piece.ts_ns = (uint64_t)first;
	while (n--)
		vd_stream_recv(s, mc, &piece);
	return true;
}

static uint32_t match_one(struct vd_stream *s, const struct vd_match_ctx *mc,
			  const struct vd_event *ev)
{
	uint32_t len = ev->pkt.len;
	uint16_t op = ev->pkt.op;
	int64_t t = (int64_t)ev->ts_ns;

	while (s->count) {
		struct vd_pending *p = at(s, 0);
		size_t later;

		if (p->pieces) {
			if (piece_fits(s, p, op, len))
				return consume_piece(s, mc, len, t);
			if (replay_on_next(s, mc, p, t))
				continue;
			settle_head(s, mc, VD_FATE_SHORT, t);
			continue;
		}
		if (p->t_send_rx > t + mc->causal_ns)
			break; /* sent after this arrived: neither it nor later sends */
		if (mc->tol_ns <= VD_PRECISE_TOL_NS && !rx_seen(s) &&
		    p->t_send_rx < mc->rx_window_start + mc->tol_ns) {
			size_t k = prewindow_choice(s, mc, op, len, t);

			if (k == SIZE_MAX)
				break;
			if (k > 0) {
				while (k--)
					settle_skipped(s, mc, t);
				continue;
			}
		}
		if (same_packet(p, op, len))
			return vd_match_run_arrival(s, mc, t);
		if (op == VD_OP_RW && p->op == VD_OP_RW && len < p->len && len == s->split_size)
			return consume_piece(s, mc, len, t);
		later = later_match(s, mc, op, len, t);
		if (later) {
			while (later--)
				settle_skipped(s, mc, t);
			continue;
		}
		break;
	}
	return 0;
}

/* the held orphans are reported: nothing paired them */
static void release_held(struct vd_stream *s, const struct vd_match_ctx *mc)
{
	for (size_t i = 0; i < s->held_n; i++)
		mc->ops->orphan(mc->ctx, s, &s->held[i]);
	s->held_n = 0;
}

/*
 * The oldest held orphan's identical twin is now the stream's oldest pending
 * send, and this stream delivered packets before that arrival.  Then the held
 * arrival is that send's: in-order delivery put its packet after the ones
 * already delivered, so it was sent while the sender was recording, and the
 * oldest pending send is the only recorded send it can be.  The clock that put
 * it before the send is locally wrong (a nested guest's clock steps by a
 * millisecond or two: seen in the lab's overhead runs, up to three arrivals in
 * a row); calling it an orphan would hand every later identical arrival of the
 * stream to the wrong send and end the run with a false loss.  The send may
 * not even have been queued when the arrival was matched (the merge holds
 * receives back by the tolerance only), hence this second look at the next
 * receive.
 */
static bool held_is_head(struct vd_stream *s)
{
	const struct vd_pending *p;

	if (!s->held_n || !s->count || !rx_seen(s))
		return false;
	p = at(s, 0);
	return !p->pieces && same_packet(p, s->held[0].pkt.op, s->held[0].pkt.len) &&
	       p->t_send_rx <= (int64_t)s->held[0].ts_ns + ORPHAN_REPAIR_NS;
}

/*
 * A receive nothing explains is held back: if the stream's oldest pending send
 * later turns out to be its twin (held_is_head), or a later receive proves an
 * identical pending send lost (vd_match_settle_dropped), the two were one
 * packet.  Once a receive is matched without them they are reported as
 * orphans: in-order delivery leaves nothing earlier for them.
 */
uint32_t vd_stream_recv(struct vd_stream *s, const struct vd_match_ctx *mc,
			const struct vd_event *ev)
{
	uint32_t conn;

	while (held_is_head(s)) {
		int64_t t = (int64_t)s->held[0].ts_ns;

		if (mc->ops->paired)
			mc->ops->paired(mc->ctx, s, &s->held[0]);
		held_drop_first(s);
		s->repaired++;
		vd_match_run_arrival(s, mc, t);
	}
	conn = match_one(s, mc, ev);
	/* this receive proved the run short (settle_skipped): which of its sends were lost */
	if (s->run_n > s->run_arrived)
		vd_match_run_resolve(s, mc, (int64_t)ev->ts_ns);
	if (conn) {
		release_held(s, mc);
		return conn;
	}
	if (!s->held)
		s->held = vd_xcalloc(VD_HELD_MAX, sizeof(*s->held));
	if (s->held_n == VD_HELD_MAX) {
		mc->ops->orphan(mc->ctx, s, &s->held[0]);
		held_drop_first(s);
	}
	s->held[s->held_n++] = *ev;
	return 0;
}

void vd_stream_finish(struct vd_stream *s, const struct vd_match_ctx *mc, int64_t rx_window_end,
		      int64_t grace_ns)
{
	release_held(s, mc);
	/* the run's arrivals all came: nothing proved it short */
	if (s->run_n)
		vd_match_run_resolve(s, mc, rx_window_end);
	while (s->count) {
		const struct vd_pending *p = at(s, 0);
		enum vd_fate f;

		if (p->pieces)
			f = VD_FATE_SHORT;
		else if (p->t_send_rx < mc->rx_window_start + mc->tol_ns)
			f = VD_FATE_UNPROVEN;
		else if (p->t_send_rx + grace_ns > rx_window_end)
			f = VD_FATE_NOT_YET;
		else
			f = VD_FATE_MISSING;
		settle_head(s, mc, f, rx_window_end);
	}
}
