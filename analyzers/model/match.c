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
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/model/flow.h"

/* twins sent closer than this cannot be told apart by their latencies */
#define TWIN_MIN_GAP_NS (500 * 1000LL)

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
}

static struct vd_pending *at(struct vd_stream *s, size_t i)
{
	return &s->q[(s->head + i) % s->cap];
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
	s->q[(s->head + s->count) % s->cap] = *p;
	s->count++;
	s->peak = VD_MAX(s->peak, s->count);
}

static void pop(struct vd_stream *s)
{
	s->head = (s->head + 1) % s->cap;
	s->count--;
}

static void settle_head(struct vd_stream *s, const struct vd_match_ctx *mc, enum vd_fate f,
			int64_t t_recv)
{
	mc->ops->fate(mc->ctx, s, at(s, 0), f, t_recv);
	pop(s);
}


static void note_latency(struct vd_stream *s, const struct vd_pending *p, int64_t t)
{
	s->last_latency = t - p->t_send_rx;
	s->have_latency = true;
}

static bool same_packet(const struct vd_pending *p, uint16_t op, uint32_t len)
{
	return p->op == op && p->len == len;
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

static void settle_skipped(struct vd_stream *s, const struct vd_match_ctx *mc, int64_t t)
{
	struct vd_pending *p = at(s, 0);
	enum vd_fate f = skipped_fate(mc, p);
	int64_t ot = (int64_t)s->held.ts_ns;

	if (f == VD_FATE_LOST && s->held_valid && same_packet(p, s->held.pkt.op, s->held.pkt.len) &&
	    ot >= p->t_send_rx - ORPHAN_REPAIR_NS && ot <= t) {
		p->first_rx = ot;
		p->pieces = 1;
		p->remaining = 0;
		s->held_valid = false;
		s->repaired++;
		settle_head(s, mc, VD_FATE_DELIVERED, ot);
		return;
	}
	settle_head(s, mc, f, t);
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

/*
 * Two identical packets in flight back to back (adb sends many 24-byte
 * headers) and one of them lost: length cannot tell which one arrived, time
 * can.  Both readings lose exactly one packet, so prefer the one whose
 * latency matches this stream's last delivery.  Only the very next send is
 * considered: taking a twin further down the queue would declare everything
 * in between lost, which is how a burst after a stall would be misread.
 */
static size_t closer_twin(struct vd_stream *s, const struct vd_match_ctx *mc, uint16_t op,
			  uint32_t len, int64_t t)
{
	int64_t slack = mc->tol_ns;
	const struct vd_pending *twin;
	int64_t lat;

	if (!s->have_latency || s->count < 2 || t - at(s, 0)->t_send_rx <= s->last_latency + slack)
		return 0;
	twin = at(s, 1);
	lat = t - twin->t_send_rx;
	/*
	 * vhost delivers in batches: the first packet of a batch waits for the
	 * kick and the rest ride along, so twins sent close together arrive with
	 * similar latencies of a few ms (seen in the lab: 163 us apart, 4.4 ms
	 * late).  Only twins sent further apart than the latency noise can be
	 * told apart by time.
	 */
	if (same_packet(twin, op, len) && lat >= -mc->causal_ns && lat <= s->last_latency + slack &&
	    twin->t_send_rx - at(s, 0)->t_send_rx >= VD_MAX(slack / 2, TWIN_MIN_GAP_NS))
		return 1;
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
 * The receiver began recording in the middle of this stream: sends from
 * before that may have arrived unrecorded, so order alone cannot say which
 * send this receive is.  Time can, once the clock is precise: the fitting
 * send that was made last before the receive (the smallest latency), else
 * the first fitting one made within the tolerance after it.  SIZE_MAX: none.
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
static bool replay_on_next(struct vd_stream *s, const struct vd_match_ctx *mc,
			   struct vd_pending *p, int64_t t)
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
		if (mc->tol_ns <= VD_PRECISE_TOL_NS &&
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
		if (same_packet(p, op, len)) {
			uint32_t conn = p->conn;

			if (closer_twin(s, mc, op, len, t)) {
				/*
				 * Give this arrival to the later twin, but keep the older one
				 * pending instead of calling it lost: if another identical
				 * packet arrives next, it was only a batch (the lab sees
				 * that); if a different one does, in-order delivery proves
				 * the older twin lost.
				 */
				struct vd_pending tmp = *at(s, 0);

				*at(s, 0) = *at(s, 1);
				*at(s, 1) = tmp;
				p = at(s, 0);
				conn = p->conn;
			}

			p->first_rx = t;
			note_latency(s, p, t);
			p->pieces = 1;
			p->remaining = 0;
			settle_head(s, mc, VD_FATE_DELIVERED, t);
			return conn;
		}
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

static void release_held(struct vd_stream *s, const struct vd_match_ctx *mc)
{
	if (s->held_valid) {
		s->held_valid = false;
		mc->ops->orphan(mc->ctx, s, &s->held);
	}
}

/*
 * An orphan is held back for one receive: if that receive proves an identical
 * pending send lost, the two were one packet (settle_skipped).  Otherwise it is
 * reported as an orphan then.
 */
uint32_t vd_stream_recv(struct vd_stream *s, const struct vd_match_ctx *mc,
			const struct vd_event *ev)
{
	bool had = s->held_valid;
	uint32_t conn = match_one(s, mc, ev);

	if (had)
		release_held(s, mc);
	if (!conn) {
		release_held(s, mc);
		s->held = *ev;
		s->held_valid = true;
	}
	return conn;
}

void vd_stream_finish(struct vd_stream *s, const struct vd_match_ctx *mc, int64_t rx_window_end,
		      int64_t grace_ns)
{
	release_held(s, mc);
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
