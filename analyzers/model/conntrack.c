// SPDX-License-Identifier: GPL-2.0
/* The connection tracker: flows by tuple, connections by id, their state from ops. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/model/conntrack.h"

void vd_ct_init(struct vd_conntrack *ct, struct vd_result *res, uint32_t adb_port)
{
	memset(ct, 0, sizeof(*ct));
	ct->res = res;
	ct->adb_port = adb_port;
	ct->conn_cap = res->nconns;
}

void vd_ct_free(struct vd_conntrack *ct)
{
	for (size_t i = 0; i < ct->nflows; i++) {
		vd_stream_free(&ct->flows[i]->s[0]);
		vd_stream_free(&ct->flows[i]->s[1]);
		free(ct->flows[i]);
	}
	free(ct->flows);
	free(ct->tab);
	ct->flows = ct->tab = NULL;
	ct->nflows = ct->tab_cap = 0;
}

/*
 * Every packet of every pass looks its flow up: two multiplies over the
 * tuple's two words, not a byte-wise hash (a quarter of the lookup's cost).
 */
static uint64_t tuple_hash(const struct vd_tuple *t)
{
	uint64_t a = (uint64_t)t->a_cid << 32 | t->a_port, b = (uint64_t)t->b_cid << 32 | t->b_port;
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ b * 0xc2b2ae3d27d4eb4fULL;

	return h ^ (h >> 29);
}

static void tab_grow(struct vd_conntrack *ct)
{
	size_t ncap = ct->tab_cap ? ct->tab_cap * 2 : 64;
	struct vd_flow **nt = vd_xcalloc(ncap, sizeof(*nt));

	for (size_t i = 0; i < ct->nflows; i++) {
		size_t j = tuple_hash(&ct->flows[i]->t) & (ncap - 1);

		while (nt[j])
			j = (j + 1) & (ncap - 1);
		nt[j] = ct->flows[i];
	}
	free(ct->tab);
	ct->tab = nt;
	ct->tab_cap = ncap;
}

/*
 * vhost fills the receiver's RX buffers to the brim, so when the receiver's
 * largest receive is smaller than the sender's largest send, that largest
 * receive is the buffer's payload size: every split piece but the last has it.
 */
static uint32_t split_size(const struct vd_result *res, enum vd_dir d)
{
	const struct vd_side_info *tx = &res->side[vd_dir_sender(d)];
	const struct vd_side_info *rx = &res->side[vd_dir_receiver(d)];

	return tx->max_rw_sent > rx->max_rw_recv ? rx->max_rw_recv : 0;
}

struct vd_flow *vd_ct_find(const struct vd_conntrack *ct, const struct vd_tuple *t)
{
	if (!ct->tab_cap)
		return NULL;
	for (size_t j = tuple_hash(t) & (ct->tab_cap - 1); ct->tab[j];
	     j = (j + 1) & (ct->tab_cap - 1))
		if (!memcmp(&ct->tab[j]->t, t, sizeof(*t)))
			return ct->tab[j];
	return NULL;
}

struct vd_flow *vd_ct_flow(struct vd_conntrack *ct, const struct vd_tuple *t)
{
	struct vd_flow *f = vd_ct_find(ct, t);
	size_t j;

	if (f)
		return f;
	if ((ct->nflows + 1) * 2 > ct->tab_cap)
		tab_grow(ct);
	if (ct->nflows == ct->flows_cap) {
		ct->flows_cap = ct->flows_cap ? ct->flows_cap * 2 : 64;
		ct->flows = vd_xrealloc(ct->flows, ct->flows_cap, sizeof(*ct->flows));
	}
	f = vd_xcalloc(1, sizeof(*f));
	f->t = *t;
	f->id = (uint32_t)ct->nflows;
	f->cur_conn = -1;
	for (int d = 0; d < 2; d++) {
		vd_stream_init(&f->s[d], t, (enum vd_dir)d);
		f->s[d].split_size = split_size(ct->res, (enum vd_dir)d);
		f->s[d].user = f;
	}
	ct->flows[ct->nflows++] = f;
	for (j = tuple_hash(t) & (ct->tab_cap - 1); ct->tab[j]; j = (j + 1) & (ct->tab_cap - 1))
		;
	ct->tab[j] = f;
	return f;
}

struct vd_conn *vd_ct_conn(const struct vd_conntrack *ct, int64_t id)
{
	return &ct->res->conns[id - 1];
}

static struct vd_conn *conn_new(struct vd_conntrack *ct, const struct vd_tuple *t, int initiator)
{
	struct vd_result *r = ct->res;
	struct vd_conn *c;

	if (r->nconns == ct->conn_cap) {
		ct->conn_cap = ct->conn_cap ? ct->conn_cap * 2 : 16;
		r->conns = vd_xrealloc(r->conns, ct->conn_cap, sizeof(*r->conns));
	}
	c = &r->conns[r->nconns];
	memset(c, 0, sizeof(*c));
	c->id = (uint32_t)r->nconns + 1;
	c->tuple = *t;
	c->initiator = initiator;
	c->closer = -1;
	for (int s = 0; s < 2; s++) {
		c->t_open[s] = c->t_answer[s] = c->t_close[s] = VD_NO_TIME;
		c->t_dir_end[0][s] = c->t_dir_end[1][s] = VD_NO_TIME;
		c->t_first[s] = c->t_last[s] = VD_NO_TIME;
		c->d[s].max_latency_ns = -1;
	}
	c->adb = t->a_port == ct->adb_port || t->b_port == ct->adb_port;
	r->nconns++;
	return c;
}

struct vd_conn *vd_ct_conn_for(struct vd_conntrack *ct, struct vd_flow *f, enum vd_side sender,
			       uint16_t op)
{
	struct vd_conn *c;

	if (op == VD_OP_REQUEST || f->cur_conn < 0) {
		c = conn_new(ct, &f->t, op == VD_OP_REQUEST ? (int)sender : -1);
		f->cur_conn = c->id;
		return c;
	}
	return vd_ct_conn(ct, f->cur_conn);
}

bool vd_conn_op_ends_dir(uint16_t op, uint32_t flags, bool by_sender)
{
	if (op == VD_OP_RST)
		return true;
	if (op != VD_OP_SHUTDOWN)
		return false;
	return flags & (by_sender ? VD_SHUTDOWN_SEND : VD_SHUTDOWN_RCV);
}

void vd_conn_apply(struct vd_conn *c, enum vd_side side, const struct vd_event *ev, bool sent)
{
	int64_t t = (int64_t)ev->ts_ns;
	int responder = c->initiator < 0 ? -1 : !c->initiator;
	/* who sent this packet */
	int sender = sent ? (int)side : !side;
	struct vd_endpoints ep;

	c->seen[side] = true;
	if (vd_pkt_endpoints(ev, &ep))
		c->ep[side] = ep;
	if (c->t_first[side] == VD_NO_TIME)
		c->t_first[side] = t;
	c->t_last[side] = t;
	for (int d = 0; d < 2; d++)
		if (c->t_dir_end[d][side] == VD_NO_TIME &&
		    vd_conn_op_ends_dir(ev->pkt.op, ev->pkt.flags,
					sender == (int)vd_dir_sender((enum vd_dir)d)))
			c->t_dir_end[d][side] = t;
	switch (ev->pkt.op) {
	case VD_OP_REQUEST:
		if (c->t_open[side] == VD_NO_TIME)
			c->t_open[side] = t;
		if (!sent)
			c->request_delivered = true;
		break;
	case VD_OP_RESPONSE:
		c->responded = true;
		if (c->t_answer[side] == VD_NO_TIME)
			c->t_answer[side] = t;
		break;
	case VD_OP_RST:
		c->rst_seen = true;
		if (!c->responded && !c->shutdown && sender == responder) {
			c->refused = true;
			if (c->t_answer[side] == VD_NO_TIME)
				c->t_answer[side] = t;
		} else if (!c->shutdown) {
			c->reset = true;
		}
		if (c->t_close[side] == VD_NO_TIME)
			c->t_close[side] = t;
		if (c->closer < 0)
			c->closer = sender;
		break;
	case VD_OP_SHUTDOWN:
		c->shutdown = true;
		if ((ev->pkt.flags & (VD_SHUTDOWN_RCV | VD_SHUTDOWN_SEND)) ==
		    (VD_SHUTDOWN_RCV | VD_SHUTDOWN_SEND))
			c->shutdown_full = true;
		if (c->t_close[side] == VD_NO_TIME)
			c->t_close[side] = t;
		if (c->closer < 0)
			c->closer = sender;
		break;
	default:
		break;
	}
}

enum vd_conn_end vd_conn_end_of(const struct vd_conn *c, const int64_t last_ts[2], int64_t grace_ns)
{
	int client = c->initiator;

	if (c->refused)
		return VD_END_REFUSED;
	if (client >= 0 && !c->responded) {
		int64_t open = c->t_open[client];

		if (open == VD_NO_TIME || last_ts[client] - open < grace_ns)
			return VD_END_CONNECTING;
		return VD_END_UNANSWERED;
	}
	if (c->shutdown)
		return VD_END_SHUTDOWN;
	if (c->reset)
		return VD_END_RESET;
	return VD_END_OPEN;
}
