/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flows: naming one vsock connection the same way in both recordings, and
 * pairing each packet one partition sent with its arrival in the other.
 *
 * A packet's two ends are named with the CIDs partition A uses (B may know
 * the same endpoints under other CIDs, e.g. a sibling VM acting as the vhost
 * side; vd_cidmap translates).  Matching is byte-stream based: vhost splits one
 * packet over several guest RX buffers and rewrites hdr.len, so one send can
 * arrive as several receives; a virtqueue delivers in order, so each
 * direction of a connection is a FIFO of sends consumed by receives.
 */
#ifndef VD_FLOW_H
#define VD_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vd_event.h"

enum vd_side { VD_SIDE_A = 0, VD_SIDE_B = 1 };
enum vd_dir { VD_DIR_A_TO_B = 0, VD_DIR_B_TO_A = 1 };

static inline enum vd_side vd_dir_sender(enum vd_dir d)
{
	return d == VD_DIR_A_TO_B ? VD_SIDE_A : VD_SIDE_B;
}

static inline enum vd_side vd_dir_receiver(enum vd_dir d)
{
	return d == VD_DIR_A_TO_B ? VD_SIDE_B : VD_SIDE_A;
}

/* the way back: acknowledgements and credit for d travel this way */
static inline enum vd_dir vd_dir_opposite(enum vd_dir d)
{
	return d == VD_DIR_A_TO_B ? VD_DIR_B_TO_A : VD_DIR_A_TO_B;
}

/* the direction side sends in */
static inline enum vd_dir vd_dir_from(enum vd_side side)
{
	return side == VD_SIDE_A ? VD_DIR_A_TO_B : VD_DIR_B_TO_A;
}

/* One partition's view of a connection: its own end first. */
struct vd_endpoints {
	uint32_t local_cid, local_port, peer_cid, peer_port;
};

/* A connection named in A's CIDs: the end on A and the end on B. */
struct vd_tuple {
	uint32_t a_cid, a_port, b_cid, b_port;
};

/* B's CIDs -> A's CIDs */
#define VD_CIDMAP_MAX 32
struct vd_cidmap {
	unsigned int n;
	struct {
		uint32_t b_cid, a_cid;
		bool user; /* from --map, never overridden */
	} e[VD_CIDMAP_MAX];
};

uint32_t vd_cidmap_b_to_a(const struct vd_cidmap *m, uint32_t b_cid);
/* "A=B[,A=B...]"; 0 or -EINVAL */
int vd_cidmap_parse(struct vd_cidmap *m, const char *spec);

/* Votes for the map: A and B saw a connection with the same two ports. */
struct vd_cidvotes {
	unsigned int n;
	struct {
		uint32_t b_cid, a_cid;
		uint64_t votes;
	} e[64];
};
void vd_cidvotes_add(struct vd_cidvotes *v, const struct vd_endpoints *a,
		     const struct vd_endpoints *b);
/* complete m (user entries kept) with the best-voted pairs */
void vd_cidmap_infer(struct vd_cidmap *m, const struct vd_cidvotes *v);

/*
 * Which end of a packet is local, from the event alone: alloc_pkt fires on
 * the sender, recv_pkt on the receiver.  Returns false for loopback packets
 * (both ends on this partition), which never cross to the other recording.
 */
bool vd_pkt_endpoints(const struct vd_event *ev, struct vd_endpoints *ep);
struct vd_tuple vd_tuple_from(enum vd_side side, const struct vd_endpoints *ep,
			      const struct vd_cidmap *m);
/* the direction a packet travels, given the partition that recorded it */
enum vd_dir vd_pkt_dir(enum vd_side side, const struct vd_event *ev);

/* ---- per-direction matching ---------------------------------------------------------- */

/* A sent packet waiting for its arrival. */
struct vd_pending {
	uint64_t t_send;    /* sender's clock */
	int64_t t_send_rx;  /* the same instant in the receiver's clock */
	uint32_t len;	    /* hdr.len as sent */
	uint32_t remaining; /* bytes not yet seen arriving */
	uint32_t conn;	    /* connection id */
	uint16_t op;
	uint16_t pieces;      /* receives that carried part of it so far */
	uint64_t rx_irq_mark; /* receiver's vsock irq count when it was sent */
	int64_t first_rx;     /* receiver clock of its first piece */
};

enum vd_fate {
	VD_FATE_DELIVERED, /* fully arrived */
	VD_FATE_LOST,	   /* proven: the receiver got later data of this stream */
	VD_FATE_UNPROVEN,  /* sent before the receiver's recording began */
	VD_FATE_NOT_YET,   /* not received by the end, but the end came too soon to tell */
	VD_FATE_MISSING,   /* not received by the end, long enough before the end to count */
	VD_FATE_SHORT,	   /* part arrived, the rest never did (stream out of step) */
};

struct vd_stream;

/* What the matcher reports; ctx is the caller's. */
struct vd_match_ops {
	void (*fate)(void *ctx, struct vd_stream *s, const struct vd_pending *p, enum vd_fate f,
		     int64_t t_recv_last);
	/* a receive with no recorded send (sender's recording had not begun, or lost events) */
	void (*orphan)(void *ctx, struct vd_stream *s, const struct vd_event *ev);
	/* a receive held as a possible orphan was paired with a send after all (may be NULL) */
	void (*paired)(void *ctx, struct vd_stream *s, const struct vd_event *ev);
};

/* orphans a stream holds back at most (match.c) */
#define VD_HELD_MAX 8

struct vd_stream {
	struct vd_tuple tuple;
	enum vd_dir dir;
	uint32_t split_size; /* receiver RX buffer payload; 0: this direction never splits */
	/* ring of pending sends */
	struct vd_pending *q;
	size_t head, count, cap; /* cap: 0 or a power of two (indexes are masked) */
	size_t peak;
	int64_t last_latency; /* of the latest delivery: what "on time" means now */
	/*
	 * Orphans held back until a later receive is matched (match.c held_is_head,
	 * vd_match_settle_dropped): consecutive arrivals a locally wrong clock put before
	 * their sends.  Oldest first; the oldest is reported when more arrive.
	 */
	struct vd_event *held; /* VD_HELD_MAX, allocated at the first orphan */
	size_t held_n;
	uint64_t repaired; /* orphans paired with a skipped twin despite the clock */
	bool have_latency;
	/*
	 * A run of identical packets (same op and len) whose arrivals are paired in
	 * order but not yet settled, because a loss inside the run, proven only
	 * when the run comes up short, could still shift them (match_run.c).
	 * Oldest first; every entry was sent before every send still in q.
	 * run_arrived entries carry their arrival (first_rx); after them come the
	 * run's sends a later delivery proved skipped, until the run is resolved.
	 */
	struct vd_pending *run;
	size_t run_n, run_cap, run_arrived;
	void *user; /* the correlate engine's per-stream state */
};

void vd_stream_init(struct vd_stream *s, const struct vd_tuple *t, enum vd_dir dir);
void vd_stream_free(struct vd_stream *s);
void vd_stream_push(struct vd_stream *s, const struct vd_pending *p);

/* a tolerance this small means the clock is fitted, not just voted */
#define VD_PRECISE_TOL_NS (20 * 1000000LL)

struct vd_match_ctx {
	const struct vd_match_ops *ops;
	void *ctx;
	int64_t tol_ns;		 /* clock uncertainty plus scheduling slack */
	int64_t causal_ns;	 /* a send this much after a receive can still be its origin */
	int64_t rx_window_start; /* receiver's recording: complete from here */
};

/* A receive arrived (receiver clock ev->ts_ns): the connection id of the send it
 * belongs to, or 0 for an orphan. */
uint32_t vd_stream_recv(struct vd_stream *s, const struct vd_match_ctx *mc,
			const struct vd_event *ev);
/* The recordings ended: settle every pending send. */
void vd_stream_finish(struct vd_stream *s, const struct vd_match_ctx *mc, int64_t rx_window_end,
		      int64_t grace_ns);

#endif /* VD_FLOW_H */
