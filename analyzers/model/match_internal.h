/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two files of the matcher share, and nothing else includes:
 *   match.c      one direction's queue of pending sends, settled by receives;
 *   match_run.c  runs of identical packets, paired by order.
 */
#ifndef VD_MATCH_INTERNAL_H
#define VD_MATCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/model/flow.h"

static inline struct vd_pending *at(struct vd_stream *s, size_t i)
{
	return &s->q[(s->head + i) & (s->cap - 1)]; /* cap: a power of two */
}

static inline void pop(struct vd_stream *s)
{
	s->head = (s->head + 1) & (s->cap - 1);
	s->count--;
}

static inline void note_latency(struct vd_stream *s, const struct vd_pending *p, int64_t t)
{
	s->last_latency = t - p->t_send_rx;
	s->have_latency = true;
}

static inline bool same_packet(const struct vd_pending *p, uint16_t op, uint32_t len)
{
	return p->op == op && p->len == len;
}

/* a whole-packet delivery, arrived at p->first_rx */
static inline void deliver(struct vd_stream *s, const struct vd_match_ctx *mc, struct vd_pending *p)
{
	note_latency(s, p, p->first_rx);
	mc->ops->fate(mc->ctx, s, p, VD_FATE_DELIVERED, p->first_rx);
}

/* ---- match.c ---------------------------------------------------------- */

/* p, skipped by the receive at t, is settled (not popped) */
void vd_match_settle_dropped(struct vd_stream *s, const struct vd_match_ctx *mc,
			     struct vd_pending *p, int64_t t);

/* ---- runs of identical packets: match_run.c --------------------------- */

/* p joins the run (arrived or not) */
void vd_match_run_push(struct vd_stream *s, const struct vd_pending *p);
/* settle the whole run: its sends without an arrival were skipped by the receive at t */
void vd_match_run_resolve(struct vd_stream *s, const struct vd_match_ctx *mc, int64_t t);
/* the queue's head arrived whole at t: it joins the run; returns its connection */
uint32_t vd_match_run_arrival(struct vd_stream *s, const struct vd_match_ctx *mc, int64_t t);

#endif /* VD_MATCH_INTERNAL_H */
