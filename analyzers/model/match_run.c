// SPDX-License-Identifier: GPL-2.0
/*
 * Runs of identical packets, for the matcher (match.c).
 *
 * Length and op cannot tell apart packets that look the same (a bulk
 * transfer's 64 KiB chunks, the CREDIT_UPDATE after every read), and time
 * cannot either while they are in flight together: vhost picks the first one
 * of a batch up late and the rest ride along, so "nearest in time" pairs an
 * arrival with the wrong twin, shifts every later pair of the run by one,
 * leaves one send over and calls it lost -- and the shifted pairs put
 * receives before their sends, so the clock fit breaks too.  Order decides
 * instead: the k-th arrival of a run is the k-th send of the run (the
 * virtqueue delivers in order).  Only a run that comes up short (a different
 * packet arrives while some of its sends are still pending) proves a loss;
 * then, and only then, time chooses which of the run's sends were the lost
 * ones (vd_match_run_resolve).  Until a pair of the run can no longer be
 * moved by such a choice -- a receive cannot precede its send -- it is held
 * in s->run instead of being settled (vd_match_run_arrival).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/model/flow.h"
#include "analyzers/model/match_internal.h"

/*
 * At most this many arrivals of a run wait for the run to be proven whole or
 * short; beyond, the oldest are settled in order.  A run only grows this long
 * when its packets are in flight back to back for that long (a bulk transfer
 * whose every arrival comes after the next send): then a loss in it is placed
 * among its last RUN_MAX packets at the earliest.  Bounds memory per stream.
 */
#define RUN_MAX 256
/* the reassignment of a short run is a (arrivals x skipped) table; larger ones stay in order */
#define RUN_DP_MAX (1u << 18)

void vd_match_run_push(struct vd_stream *s, const struct vd_pending *p)
{
	if (s->run_n == s->run_cap) {
		s->run_cap = s->run_cap ? s->run_cap * 2 : 16;
		s->run = vd_xrealloc(s->run, s->run_cap, sizeof(*s->run));
	}
	s->run[s->run_n++] = *p;
}

/* the first n entries of the run (all arrived) are settled in order */
static void run_settle_first(struct vd_stream *s, const struct vd_match_ctx *mc, size_t n)
{
	for (size_t i = 0; i < n; i++)
		deliver(s, mc, &s->run[i]);
	memmove(s->run, s->run + n, (s->run_n - n) * sizeof(*s->run));
	s->run_n -= n;
	s->run_arrived -= n;
}

/* how far from the stream's usual latency the arrival at r would put send p */
static int64_t pair_cost(const struct vd_stream *s, int64_t r, const struct vd_pending *p)
{
	int64_t d = r - p->t_send_rx - (s->have_latency ? s->last_latency : 0);

	return d < 0 ? -d : d;
}

/*
 * The run came up short: its m arrivals belong to m of its n sends, in order,
 * and the other n - m were lost.  Order alone cannot say which; choose the
 * assignment that keeps every receive after its send and puts the latencies
 * nearest the stream's latency before the run (a loss early in the run shows
 * as every later pair taking one send gap longer).  A table over (arrivals
 * paired, sends dropped); on a tie the earlier send takes the arrival, which
 * is the plain in-order reading.  keep[j] tells whether send j arrived.
 */
static bool run_assign(const struct vd_stream *s, const struct vd_match_ctx *mc, size_t m, size_t n,
		       bool *keep)
{
	size_t u = n - m, w = u + 1;
	int64_t *cost;
	uint8_t *from_pair;
	size_t i, d;

	if ((m + 1) * w > RUN_DP_MAX)
		return false;
	cost = vd_xcalloc((m + 1) * w, sizeof(*cost));
	from_pair = vd_xcalloc((m + 1) * w, 1);
	/* cost[i * w + d]: i arrivals paired with the first i + d sends, d of them dropped */
	for (i = 0; i <= m; i++) {
		for (d = 0; d <= u; d++) {
			int64_t best = INT64_MAX;
			bool pair = false;

			if (!i && !d) {
				cost[0] = 0;
				continue;
			}
			if (i) {
				const struct vd_pending *p = &s->run[i - 1 + d];
				int64_t r = s->run[i - 1].first_rx, prev = cost[(i - 1) * w + d];

				if (prev != INT64_MAX && r - p->t_send_rx >= -mc->causal_ns) {
					best = prev + pair_cost(s, r, p);
					pair = true;
				}
			}
			if (d && cost[i * w + d - 1] < best) {
				best = cost[i * w + d - 1];
				pair = false;
			}
			cost[i * w + d] = best;
			from_pair[i * w + d] = pair;
		}
	}
	if (cost[m * w + u] == INT64_MAX) {
		free(cost);
		free(from_pair);
		return false;
	}
	for (i = m, d = u; i || d;) {
		bool pair = from_pair[i * w + d];

		keep[i + d - 1] = pair;
		if (pair)
			i--;
		else
			d--;
	}
	free(cost);
	free(from_pair);
	return true;
}

/*
 * Settle the whole run.  Without skipped sends every arrival keeps its send in
 * order.  With some (the receive at t proved them skipped), the run's
 * arrivals are redistributed over all its sends (run_assign) and the sends
 * left without one are the skipped ones.
 */
void vd_match_run_resolve(struct vd_stream *s, const struct vd_match_ctx *mc, int64_t t)
{
	size_t m = s->run_arrived, n = s->run_n;
	int64_t *arr;
	bool *keep;

	if (m == n) {
		run_settle_first(s, mc, n);
		return;
	}
	arr = vd_xcalloc(m ? m : 1, sizeof(*arr));
	keep = vd_xcalloc(n, sizeof(*keep));
	for (size_t i = 0; i < m; i++)
		arr[i] = s->run[i].first_rx;
	if (!run_assign(s, mc, m, n, keep))
		for (size_t j = 0; j < n; j++)
			keep[j] = j < m; /* too large to redistribute: in order */
	for (size_t j = 0, i = 0; j < n; j++) {
		struct vd_pending *p = &s->run[j];

		if (keep[j]) {
			p->first_rx = arr[i++];
			p->pieces = 1;
			p->remaining = 0;
			deliver(s, mc, p);
		} else {
			p->first_rx = INT64_MIN; /* VD_NO_TIME */
			p->pieces = 0;
			p->remaining = p->len;
			vd_match_settle_dropped(s, mc, p, t);
		}
	}
	s->run_n = s->run_arrived = 0;
	free(arr);
	free(keep);
}

/*
 * The head arrived whole at t: it joins the run of its kind (a run of another
 * kind, or one already proven short, is settled first).  The new pair could
 * only be moved later by a loss before it inside the run, which would give
 * this arrival to the next send; when the next send cannot be it (a different
 * packet, or sent after this arrival: a receive cannot precede its send), no
 * pair of the run can move any more and the run is settled now.
 */
uint32_t vd_match_run_arrival(struct vd_stream *s, const struct vd_match_ctx *mc, int64_t t)
{
	struct vd_pending p = *at(s, 0);
	const struct vd_pending *next;

	if (s->run_n && (s->run_n > s->run_arrived || !same_packet(&s->run[0], p.op, p.len)))
		vd_match_run_resolve(s, mc, t);
	pop(s);
	p.first_rx = t;
	p.pieces = 1;
	p.remaining = 0;
	vd_match_run_push(s, &p);
	s->run_arrived++;
	next = s->count ? at(s, 0) : NULL;
	if (!next || next->pieces || !same_packet(next, p.op, p.len) ||
	    next->t_send_rx > t + mc->causal_ns)
		run_settle_first(s, mc, s->run_n);
	else if (s->run_n > RUN_MAX)
		run_settle_first(s, mc, 1);
	return p.conn;
}
