/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one connection tracker: flows (a connection tuple in A's CIDs, with the
 * two directions' pending-send streams) found by hash, and the connections
 * that live on them, in the order they were opened.  A REQUEST opens a new
 * connection on its tuple; any packet before one belongs to a connection that
 * began before the recordings.  correlate, report and top all see connections
 * through this file, so they agree on what a connection is.
 */
#ifndef VD_CONNTRACK_H
#define VD_CONNTRACK_H

#include "analyzers/model/model.h"

struct vd_flow {
	struct vd_tuple t;
	uint32_t id;	       /* 0-based, in creation order: per-flow state is kept by it */
	struct vd_stream s[2]; /* [enum vd_dir] pending sends */
	int64_t cur_conn;      /* the connection packets on this tuple belong to now; -1 */
};

struct vd_conntrack {
	struct vd_result *res; /* connections are res->conns */
	uint32_t adb_port;
	struct vd_flow **tab; /* open addressing on the tuple */
	size_t tab_cap;
	struct vd_flow **flows; /* by id */
	size_t nflows, flows_cap;
	size_t conn_cap;
};

void vd_ct_init(struct vd_conntrack *ct, struct vd_result *res, uint32_t adb_port);
void vd_ct_free(struct vd_conntrack *ct);
/* the flow of t, created (with split sizes from res->side) when new */
struct vd_flow *vd_ct_flow(struct vd_conntrack *ct, const struct vd_tuple *t);
struct vd_flow *vd_ct_find(const struct vd_conntrack *ct, const struct vd_tuple *t);
struct vd_conn *vd_ct_conn(const struct vd_conntrack *ct, int64_t id);
/* the connection a packet sent by sender belongs to; a REQUEST opens a new one */
struct vd_conn *vd_ct_conn_for(struct vd_conntrack *ct, struct vd_flow *f, enum vd_side sender,
			       uint16_t op);
/*
 * Whether a packet ends one direction of its connection (by_sender: the packet was sent by
 * that direction's sender): an RST, the sender's SHUTDOWN with SEND (it sends no more), the
 * receiver's with RCV (it reads no more). The receiver's SHUTDOWN SEND alone does not: a
 * half-closed client may still wait for the data.
 */
bool vd_conn_op_ends_dir(uint16_t op, uint32_t flags, bool by_sender);
/* what a packet does to its connection, as the side that recorded it saw it */
void vd_conn_apply(struct vd_conn *c, enum vd_side side, const struct vd_event *ev, bool sent);

/*
 * How a connection ended, once the recordings are over: refused, unanswered
 * (no answer for grace_ns before the client's recording ended), connecting
 * (too close to the end to tell), shut down, reset or still open.
 */
enum vd_conn_end vd_conn_end_of(const struct vd_conn *c, const int64_t last_ts[2],
				int64_t grace_ns);

#endif /* VD_CONNTRACK_H */
