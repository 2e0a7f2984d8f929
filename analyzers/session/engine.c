// SPDX-License-Identifier: GPL-2.0
/*
 * Passes 3 and 4: both recordings read together in aligned time, every send
 * queued on its connection's direction and settled by the receives
 * (match.c), connections followed through their ops, and the fates turned
 * into findings: runs of undelivered packets, delivery stalls.
 *
 * Receives are held back by the clock tolerance (their merge key is their
 * aligned time plus tol), so by the time a receive is matched every send
 * that could explain it has been queued.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/batch/corr_internal.h"

struct run {
	ssize_t finding; /* index of the open undelivered finding, or -1 */
	enum vd_fate fate;
	uint64_t rx_irq_mark;
	int64_t last_send_rx;
};

struct flowent {
	struct vd_tuple t;
	struct vd_stream s[2]; /* [enum vd_dir] */
	struct run run[2];
	int64_t cur_conn;
};

struct stall {
	bool open;
	int64_t start_tx, start_rx; /* first late packet sent: sender, receiver clocks */
	int64_t end_rx;		    /* last late packet's arrival */
	int64_t worst;
	uint64_t count, bytes;
	uint32_t conns[8];
	unsigned int nconns;
	uint64_t rx_irq_mark;
};

#define MAX_LOST_MARKS 4096
/* the other direction still delivering this long after a loss makes the link one-way */
#define ONE_WAY_MIN_NS (100 * (int64_t)NSEC_PER_MSEC)

struct engine {
	const struct vd_engine_cfg *cfg;
	struct vd_corr_result *res;
	struct flowent **tab; /* open addressing on the tuple */
	size_t tab_cap, tab_n;
	size_t conn_cap;
	int64_t win_start[2], win_end[2];
	uint64_t vsock_irq[2];
	int64_t last_ts[2];
	int64_t lost_mark[2][MAX_LOST_MARKS];
	size_t nlost_mark[2];
	struct stall stall[2];
	uint64_t pending_now, pending_peak;
	uint64_t orphans_expected[2], orphans_unexpected[2]; /* [dir] */
	uint64_t fate_count[2][VD_FATE_SHORT + 1];
	struct vd_starve_ctx starve;
};

static bool matching(const struct engine *e)
{
	return e->cfg->clock != NULL;
}

/* ---- the flow table ------------------------------------------------------------------ */

static uint64_t tuple_hash(const struct vd_tuple *t)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *p = (const unsigned char *)t;

	for (size_t i = 0; i < sizeof(*t); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void tab_grow(struct engine *e)
{
	size_t ncap = e->tab_cap ? e->tab_cap * 2 : 64;
	struct flowent **nt = vd_xcalloc(ncap, sizeof(*nt));

	for (size_t i = 0; i < e->tab_cap; i++) {
		struct flowent *f = e->tab[i];
		size_t j;

		if (!f)
			continue;
		for (j = tuple_hash(&f->t) & (ncap - 1); nt[j]; j = (j + 1) & (ncap - 1))
			;
		nt[j] = f;
	}
	free(e->tab);
	e->tab = nt;
	e->tab_cap = ncap;
}

/*
 * vhost fills the receiver's RX buffers to the brim, so when the receiver's
 * largest receive is smaller than the sender's largest send, that largest
 * receive is the buffer's payload size: every split piece but the last has it.
 */
static uint32_t split_size(const struct engine *e, enum vd_dir d)
{
	const struct vd_side_info *tx = &e->res->side[vd_dir_sender(d)];
	const struct vd_side_info *rx = &e->res->side[vd_dir_receiver(d)];

	return tx->max_rw_sent > rx->max_rw_recv ? rx->max_rw_recv : 0;
}

static struct flowent *flow_find(struct engine *e, const struct vd_tuple *t)
{
	if (!e->tab_cap)
		return NULL;
	for (size_t j = tuple_hash(t) & (e->tab_cap - 1); e->tab[j]; j = (j + 1) & (e->tab_cap - 1))
		if (!memcmp(&e->tab[j]->t, t, sizeof(*t)))
			return e->tab[j];
	return NULL;
}

static struct flowent *flow_get(struct engine *e, const struct vd_tuple *t)
{
	size_t j;

	if ((e->tab_n + 1) * 2 > e->tab_cap)
		tab_grow(e);
	for (j = tuple_hash(t) & (e->tab_cap - 1); e->tab[j]; j = (j + 1) & (e->tab_cap - 1))
		if (!memcmp(&e->tab[j]->t, t, sizeof(*t)))
			return e->tab[j];
	e->tab[j] = vd_xcalloc(1, sizeof(struct flowent));
	e->tab[j]->t = *t;
	e->tab[j]->cur_conn = -1;
	for (int d = 0; d < 2; d++) {
		vd_stream_init(&e->tab[j]->s[d], t, (enum vd_dir)d);
		e->tab[j]->s[d].split_size = split_size(e, (enum vd_dir)d);
		e->tab[j]->s[d].user = e->tab[j];
		e->tab[j]->run[d].finding = -1;
	}
	e->tab_n++;
	return e->tab[j];
}

/* ---- clocks --------------------------------------------------------------------------- */

/* the instant t (side's clock) in the other side's clock */
static int64_t to_other(const struct engine *e, enum vd_side side, int64_t t)
{
	if (!matching(e))
		return t;
	if (side == VD_SIDE_A)
		return vd_clock_a_to_b(e->cfg->clock, (uint64_t)t);
	return vd_clock_b_to_a(e->cfg->clock, (uint64_t)t);
}

static int64_t to_other_cb(void *ctx, enum vd_side side, int64_t t)
{
	return to_other(ctx, side, t);
}

static struct flowent *flow_find(struct engine *e, const struct vd_tuple *t);

static int64_t inflight_cb(void *ctx, const struct vd_conn *c, enum vd_dir d)
{
	struct engine *e = ctx;
	struct flowent *f;
	int64_t bytes = 0;

	if (!matching(e))
		return -1;
	f = flow_find(e, &c->tuple);
	if (!f)
		return 0;
	for (size_t i = 0; i < f->s[d].count; i++) {
		const struct vd_pending *p = &f->s[d].q[(f->s[d].head + i) % f->s[d].cap];

		if (p->conn == c->id)
			bytes += p->remaining;
	}
	return bytes;
}

/* ---- connections ------------------------------------------------------------------------ */

static struct vd_conn *conn_new(struct engine *e, const struct vd_tuple *t, int initiator)
{
	struct vd_corr_result *r = e->res;
	struct vd_conn *c;

	if (r->nconns == e->conn_cap) {
		e->conn_cap = e->conn_cap ? e->conn_cap * 2 : 16;
		r->conns = vd_xrealloc(r->conns, e->conn_cap, sizeof(*r->conns));
	}
	c = &r->conns[r->nconns];
	memset(c, 0, sizeof(*c));
	c->id = (uint32_t)r->nconns + 1;
	c->tuple = *t;
	c->initiator = initiator;
	for (int s = 0; s < 2; s++) {
		c->t_open[s] = c->t_answer[s] = c->t_close[s] = c->t_last[s] = VD_NO_TIME;
		c->d[s].max_latency_ns = -1;
	}
	c->adb = t->a_port == e->cfg->o->adb_port || t->b_port == e->cfg->o->adb_port;
	r->nconns++;
	return c;
}

static struct vd_conn *conn_by_id(struct engine *e, int64_t id)
{
	return &e->res->conns[id - 1];
}

/* the connection a packet belongs to; a REQUEST that no earlier send explains opens one */
static struct vd_conn *conn_for(struct engine *e, struct flowent *f, enum vd_side sender,
				uint16_t op)
{
	struct vd_conn *c;

	if (op == VD_OP_REQUEST || f->cur_conn < 0) {
		c = conn_new(e, &f->t, op == VD_OP_REQUEST ? (int)sender : -1);
		f->cur_conn = c->id;
		return c;
	}
	return conn_by_id(e, f->cur_conn);
}

/* What a packet does to its connection, from the side that recorded it. */
static void conn_apply(struct vd_conn *c, enum vd_side side, const struct vd_event *ev,
		       bool sent)
{
	int64_t t = (int64_t)ev->ts_ns;
	int responder = c->initiator < 0 ? -1 : !c->initiator;
	/* who sent this packet */
	int sender = sent ? (int)side : !side;
	struct vd_endpoints ep;

	c->seen[side] = true;
	if (vd_pkt_endpoints(ev, &ep))
		c->ep[side] = ep;
	c->t_last[side] = t;
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
		break;
	case VD_OP_SHUTDOWN:
		c->shutdown = true;
		if ((ev->pkt.flags & (VD_SHUTDOWN_RCV | VD_SHUTDOWN_SEND)) ==
		    (VD_SHUTDOWN_RCV | VD_SHUTDOWN_SEND))
			c->shutdown_full = true;
		if (c->t_close[side] == VD_NO_TIME)
			c->t_close[side] = t;
		break;
	default:
		break;
	}
}

/* ---- lost-event marks (blind spots) ------------------------------------------------------- */

static bool lost_between(const struct engine *e, enum vd_side side, int64_t from, int64_t to)
{
	for (size_t i = 0; i < e->nlost_mark[side]; i++)
		if (e->lost_mark[side][i] >= from && e->lost_mark[side][i] <= to)
			return true;
	return e->nlost_mark[side] == MAX_LOST_MARKS; /* too many to tell: assume yes */
}

/* ---- undelivered runs ----------------------------------------------------------------------- */

static void fmt_t(char *buf, size_t len, int64_t ns)
{
	if (ns == VD_NO_TIME)
		snprintf(buf, len, "?");
	else
		vd_fmt_sec(buf, len, ns);
}

static void run_close(struct engine *e, struct flowent *f, enum vd_dir dir, int64_t t_rx_end)
{
	struct run *r = &f->run[dir];
	const struct vd_corr_opts *o = e->cfg->o;
	enum vd_side tx = vd_dir_sender(dir), rx = vd_dir_receiver(dir);
	struct vd_finding *fd;
	char a[32], b[32], c[32], bytes[32];
	uint64_t irqs;

	if (r->finding < 0)
		return;
	fd = &e->res->findings.v[r->finding];
	r->finding = -1;
	irqs = e->vsock_irq[rx] - r->rx_irq_mark;
	fd->end[rx] = t_rx_end;
	fd->end[tx] = to_other(e, rx, t_rx_end);
	fd->duration_ns = t_rx_end - fd->start[rx];

	fmt_t(a, sizeof(a), fd->start[tx]);
	fmt_t(b, sizeof(b), fd->start[rx]);
	snprintf(fd->summary, sizeof(fd->summary),
		 "%" PRIu64 " packet%s (%s) sent by %s on connection %" PRId64
		 " never reached %s",
		 fd->count, fd->count == 1 ? "" : "s", vd_fmt_bytes(bytes, sizeof(bytes), fd->bytes),
		 o->name[tx], fd->conn, o->name[rx]);
	vd_finding_evidence(fd, "%s recorded vsock:virtio_transport_alloc_pkt from %s (%s clock), "
				"%s %s (%s clock); %s recorded no matching virtio_transport_recv_pkt",
			    o->name[tx], a, o->name[tx], o->name[rx], b, o->name[rx], o->name[rx]);
	fmt_t(c, sizeof(c), t_rx_end);
	if (r->fate == VD_FATE_LOST)
		vd_finding_evidence(fd, "%s received later packets of the same stream at %s: "
					"these were skipped, not delayed (virtqueues deliver in order)",
				    o->name[rx], c);
	else
		vd_finding_evidence(fd, "%s's recording continued until %s without them "
					"(%.3f s after the last was sent)",
				    o->name[rx], c, (double)(t_rx_end - r->last_send_rx) / 1e9);
	if (e->res->side[rx].irq_total == 0 &&
	    e->res->side[rx].vhost_recv * 2 > e->res->side[rx].pkts_recv)
		vd_finding_evidence(fd, "%s is the vhost side (its receives run in a vhost worker): "
					"it has no vsock interrupt line, the guest kicks it through an "
					"eventfd",
				    o->name[rx]);
	else if (e->res->side[rx].irq_total == 0)
		vd_finding_evidence(fd, "%s's recording has no irq_handler_entry events at all: "
					"interrupt evidence unavailable (enable irq:irq_handler_entry)",
				    o->name[rx]);
	else if (!e->res->side[rx].nirq || !irqs)
		vd_finding_evidence(fd, "%s took no vsock interrupt in that window", o->name[rx]);
	else
		vd_finding_evidence(fd, "%s took %" PRIu64 " vsock interrupt%s in that window",
				    o->name[rx], irqs, irqs == 1 ? "" : "s");
	{
		/* the other direction: sent by rx, so its send times are on rx's clock */
		int64_t back = conn_by_id(e, fd->conn)->d[!dir].last_delivered_sent;

		if (back > fd->start[rx] + ONE_WAY_MIN_NS)
			vd_finding_evidence(fd, "meanwhile packets %s sent on this connection kept "
						"reaching %s until %s (%.3f s after the first lost "
						"one): a one-way link",
					    o->name[rx], o->name[tx], vd_fmt_sec(c, sizeof(c), back),
					    (double)(back - fd->start[rx]) / 1e9);
	}
	if (lost_between(e, rx, fd->start[rx], t_rx_end)) {
		fd->kind = VD_FK_UNVERIFIED_DELIVERY;
		fd->severity = VD_SEV_WARNING;
		vd_finding_evidence(fd, "%s's ring buffer dropped events in this window: the "
					"receives may have happened unrecorded",
				    o->name[rx]);
		snprintf(fd->cause, sizeof(fd->cause), "unknown: the receiver lost trace events");
		snprintf(fd->next_step, sizeof(fd->next_step),
			 "record again with a larger buffer (vsockdiag record --buffer-kb)");
		return;
	}
	snprintf(fd->cause, sizeof(fd->cause),
		 "%s: the packets were allocated but never delivered: the transmit path failed "
		 "after allocation (e.g. %s's RX virtqueue had no buffers because RX buffer "
		 "allocation failed, or the kick to the other side was lost)",
		 irqs || !e->res->side[rx].irq_total ? "delivery failure"
						      : "no delivery and no interrupt",
		 o->name[rx]);
	snprintf(fd->next_step, sizeof(fd->next_step),
		 "record both sides with kmem:mm_page_alloc (order >= 3) and kmem:kmalloc to see "
		 "allocation failures, and check %s's virtqueue state around %s",
		 o->name[rx], b);
}

static void run_add(struct engine *e, struct flowent *f, enum vd_dir dir,
		    const struct vd_pending *p, enum vd_fate fate)
{
	struct run *r = &f->run[dir];
	enum vd_side tx = vd_dir_sender(dir), rx = vd_dir_receiver(dir);
	struct vd_finding *fd;

	if (r->finding >= 0 && r->fate != fate)
		run_close(e, f, dir, p->t_send_rx);
	if (r->finding < 0) {
		fd = vd_finding_new(&e->res->findings, VD_FK_UNDELIVERED, VD_SEV_ERROR);
		r->finding = (ssize_t)(fd - e->res->findings.v);
		r->fate = fate;
		r->rx_irq_mark = p->rx_irq_mark;
		fd->dir = dir;
		fd->conn = p->conn;
		fd->start[tx] = (int64_t)p->t_send;
		fd->start[rx] = p->t_send_rx;
	}
	fd = &e->res->findings.v[r->finding];
	fd->count++;
	fd->bytes += p->len;
	r->last_send_rx = p->t_send_rx;
	vd_finding_add_packet(fd, p->t_send, p->len, p->op);
}

/* ---- delivery stalls ----------------------------------------------------------------------------- */

static void stall_close(struct engine *e, enum vd_dir dir)
{
	struct stall *st = &e->stall[dir];
	const struct vd_corr_opts *o = e->cfg->o;
	enum vd_side tx = vd_dir_sender(dir), rx = vd_dir_receiver(dir);
	struct vd_finding *fd;
	char a[32], b[32], w[32], conns[96] = "";
	size_t off = 0;

	if (!st->open)
		return;
	st->open = false;
	if (!e->cfg->final)
		return;
	fd = vd_finding_new(&e->res->findings, VD_FK_DELIVERY_STALL, VD_SEV_ERROR);
	fd->dir = dir;
	fd->conn = st->nconns == 1 ? (int64_t)st->conns[0] : -1;
	fd->start[tx] = st->start_tx;
	fd->start[rx] = st->start_rx;
	fd->end[rx] = st->end_rx;
	fd->end[tx] = to_other(e, rx, st->end_rx);
	fd->duration_ns = st->end_rx - st->start_rx;
	fd->worst_latency_ns = st->worst;
	fd->count = st->count;
	fd->bytes = st->bytes;
	for (unsigned int i = 0; i < st->nconns && off < sizeof(conns) - 12; i++)
		off += (size_t)snprintf(conns + off, sizeof(conns) - off, "%s%u", i ? "," : "",
					st->conns[i]);
	snprintf(fd->summary, sizeof(fd->summary),
		 "%s -> %s deliveries stalled for %.3f s (worst latency %.3f s, %" PRIu64
		 " packets late)",
		 o->name[tx], o->name[rx], (double)fd->duration_ns / 1e9, (double)st->worst / 1e9,
		 st->count);
	fmt_t(a, sizeof(a), st->start_rx);
	fmt_t(b, sizeof(b), st->end_rx);
	vd_fmt_sec(w, sizeof(w), st->worst);
	vd_finding_evidence(fd, "packets %s sent from %s (%s clock) arrived up to %s s late; the "
				"stall ended at %s (%s clock)",
			    o->name[tx], a, o->name[rx], w, b, o->name[rx]);
	vd_finding_evidence(fd, "connections affected: %s%s", conns,
			    st->nconns == ARRAY_SIZE(st->conns) ? " and more" : "");
	if (e->res->side[rx].irq_total) {
		uint64_t irqs = e->vsock_irq[rx] - st->rx_irq_mark;

		vd_finding_evidence(fd, "%s took %" PRIu64 " vsock interrupt%s from the stall's start "
					"to its end",
				    o->name[rx], irqs, irqs == 1 ? "" : "s");
	}
	snprintf(fd->cause, sizeof(fd->cause),
		 "%s did not take packets off its RX queue for %.3f s: the partition was paused or "
		 "starved of CPU, its RX worker was blocked, or a kick/interrupt was delayed",
		 o->name[rx], (double)fd->duration_ns / 1e9);
	snprintf(fd->next_step, sizeof(fd->next_step),
		 "check whether %s was running in that window (hypervisor scheduling, suspend, "
		 "SIGSTOP, a long softirq); record with vsockdiag record for virtqueue evidence",
		 o->name[rx]);
}

static void stall_note(struct engine *e, enum vd_dir dir, const struct vd_pending *p,
		       int64_t latency)
{
	struct stall *st = &e->stall[dir];
	int64_t thr = e->cfg->o->stall_ns;

	if (latency < thr) {
		/* an on-time packet sent after the late ones arrived: the stall is over */
		if (st->open && p->t_send_rx > st->end_rx)
			stall_close(e, dir);
		return;
	}
	if (st->open && p->t_send_rx > st->end_rx + thr)
		stall_close(e, dir);
	if (!st->open) {
		*st = (struct stall){ .open = true,
				      .start_tx = (int64_t)p->t_send,
				      .start_rx = p->t_send_rx,
				      .end_rx = p->first_rx,
				      .rx_irq_mark = p->rx_irq_mark };
	}
	st->end_rx = VD_MAX(st->end_rx, p->first_rx);
	st->worst = VD_MAX(st->worst, latency);
	st->count++;
	st->bytes += p->len;
	for (unsigned int i = 0; i < st->nconns; i++)
		if (st->conns[i] == p->conn)
			return;
	if (st->nconns < ARRAY_SIZE(st->conns))
		st->conns[st->nconns++] = p->conn;
}

/* ---- matcher callbacks ----------------------------------------------------------------------- */

static void on_fate(void *ctx, struct vd_stream *s, const struct vd_pending *p, enum vd_fate fate,
		    int64_t t_recv_last)
{
	struct engine *e = ctx;
	struct flowent *f = s->user;
	enum vd_dir dir = s->dir;
	struct vd_conn *c = conn_by_id(e, p->conn);
	struct vd_conn_dir *cd = &c->d[dir];
	int64_t latency;

	e->pending_now--;
	e->fate_count[dir][fate]++;
	switch (fate) {
	case VD_FATE_DELIVERED:
		cd->delivered++;
		cd->last_delivered_sent = VD_MAX(cd->last_delivered_sent, (int64_t)p->t_send);
		latency = p->first_rx - p->t_send_rx;
		cd->max_latency_ns = VD_MAX(cd->max_latency_ns, latency);
		/* a pair the current clock calls impossible is a mismatch, not a bound */
		if (e->cfg->est && latency >= -e->cfg->tol_ns) {
			if (dir == VD_DIR_A_TO_B)
				vd_clock_est_add_ab(e->cfg->est, p->t_send, (uint64_t)p->first_rx);
			else
				vd_clock_est_add_ba(e->cfg->est, p->t_send, (uint64_t)p->first_rx);
		}
		if (e->cfg->final) {
			run_close(e, f, dir, t_recv_last);
			stall_note(e, dir, p, latency);
		}
		break;
	case VD_FATE_LOST:
	case VD_FATE_MISSING:
		if (fate == VD_FATE_LOST)
			cd->lost++;
		else
			cd->missing++;
		if (e->cfg->final)
			run_add(e, f, dir, p, fate);
		break;
	case VD_FATE_UNPROVEN:
		cd->unproven++;
		break;
	case VD_FATE_NOT_YET:
		cd->not_yet++;
		break;
	case VD_FATE_SHORT:
		cd->partial++;
		break;
	}
}

static void on_orphan(void *ctx, struct vd_stream *s, const struct vd_event *ev)
{
	struct engine *e = ctx;
	enum vd_side rx = vd_dir_receiver(s->dir), tx = vd_dir_sender(s->dir);
	int64_t t_tx = to_other(e, rx, (int64_t)ev->ts_ns);

	/* the sender was not recording yet, or any more: expected at its window's edges */
	if (t_tx < e->win_start[tx] + e->cfg->tol_ns || t_tx > e->win_end[tx] - e->cfg->tol_ns)
		e->orphans_expected[s->dir]++;
	else
		e->orphans_unexpected[s->dir]++;
}

static const struct vd_match_ops match_ops = { .fate = on_fate, .orphan = on_orphan };

/* ---- events ------------------------------------------------------------------------------------- */

static struct vd_match_ctx match_ctx(struct engine *e, enum vd_side rx)
{
	return (struct vd_match_ctx){ .ops = &match_ops,
				      .ctx = e,
				      .tol_ns = e->cfg->tol_ns,
				      .causal_ns = e->cfg->causal_ns ? e->cfg->causal_ns
								    : e->cfg->tol_ns,
				      .rx_window_start = e->win_start[rx] };
}

static void on_send(struct engine *e, enum vd_side side, const struct vd_event *ev,
		    struct flowent *f, enum vd_dir dir)
{
	struct vd_conn *c = conn_for(e, f, side, ev->pkt.op);
	enum vd_side rx = vd_dir_receiver(dir);
	struct vd_pending p;

	conn_apply(c, side, ev, true);
	vd_starve_on_send(&e->starve, c, dir, ev);
	if (ev->pkt.op == VD_OP_RW) {
		c->d[dir].sent_pkts++;
		c->d[dir].sent_bytes += ev->pkt.len;
	} else {
		c->d[dir].control_sent++;
	}
	if (!matching(e))
		return;
	p = (struct vd_pending){ .t_send = ev->ts_ns,
				 .t_send_rx = to_other(e, side, (int64_t)ev->ts_ns),
				 .len = ev->pkt.len,
				 .remaining = ev->pkt.len,
				 .conn = c->id,
				 .op = ev->pkt.op,
				 .rx_irq_mark = e->vsock_irq[rx],
				 .first_rx = VD_NO_TIME };
	vd_stream_push(&f->s[dir], &p);
	e->pending_now++;
	e->pending_peak = VD_MAX(e->pending_peak, e->pending_now);
}

static void on_recv(struct engine *e, enum vd_side side, const struct vd_event *ev,
		    struct flowent *f, enum vd_dir dir)
{
	uint32_t id = 0;
	struct vd_conn *c;

	if (matching(e)) {
		struct vd_match_ctx mc = match_ctx(e, side);

		id = vd_stream_recv(&f->s[dir], &mc, ev);
	}
	if (id) {
		/* matched: the send already decided the connection */
		c = conn_by_id(e, id);
	} else if (!matching(e) && ev->pkt.op == VD_OP_REQUEST && f->cur_conn > 0 &&
		   conn_by_id(e, f->cur_conn)->initiator == (int)vd_dir_sender(dir) &&
		   !conn_by_id(e, f->cur_conn)->request_delivered) {
		/*
		 * No clock, each side read alone: the other side's REQUEST already
		 * opened this connection, this is its arrival, not a new one.
		 */
		c = conn_by_id(e, f->cur_conn);
	} else {
		/* nothing recorded sent it: follow the connection from this side alone */
		c = conn_for(e, f, vd_dir_sender(dir), ev->pkt.op);
		if (ev->pkt.op == VD_OP_RW)
			c->d[dir].orphans++;
	}
	conn_apply(c, side, ev, false);
	vd_starve_on_recv(&e->starve, c, dir, ev);
	if (ev->pkt.op == VD_OP_RW) {
		c->d[dir].recv_pkts++;
		c->d[dir].recv_bytes += ev->pkt.len;
	}
}

static void on_event(struct engine *e, enum vd_side side, const struct vd_event *ev)
{
	struct vd_endpoints ep;
	struct flowent *f;
	enum vd_dir dir;

	if (ev->kind != VD_EV_LOST)
		e->last_ts[side] = (int64_t)ev->ts_ns;
	switch (ev->kind) {
	case VD_EV_IRQ_ENTRY:
		if (vd_irq_is_vsock(&e->res->side[side], ev->irq.name))
			e->vsock_irq[side]++;
		return;
	case VD_EV_PAGE_ALLOC:
	case VD_EV_KMALLOC:
		if (e->cfg->final)
			vd_allocfail_event(&e->res->side[side].alloc, ev);
		return;
	case VD_EV_LOST:
		if (e->nlost_mark[side] < MAX_LOST_MARKS)
			e->lost_mark[side][e->nlost_mark[side]++] = e->last_ts[side];
		return;
	case VD_EV_PKT_ALLOC:
	case VD_EV_PKT_RECV:
		break;
	default:
		return;
	}
	if (!vd_pkt_endpoints(ev, &ep))
		return;
	{
		struct vd_tuple t = vd_tuple_from(side, &ep, &e->res->map);

		f = flow_get(e, &t);
	}
	dir = vd_pkt_dir(side, ev);
	if (ev->kind == VD_EV_PKT_ALLOC)
		on_send(e, side, ev, f, dir);
	else
		on_recv(e, side, ev, f, dir);
}

/* ---- the merge ------------------------------------------------------------------------------------ */

/* position in B's timeline; receives held back by the tolerance */
static int64_t merge_key(const struct engine *e, enum vd_side side, const struct vd_event *ev)
{
	int64_t t = side == VD_SIDE_A ? to_other(e, VD_SIDE_A, (int64_t)ev->ts_ns)
				      : (int64_t)ev->ts_ns;

	if (ev->kind == VD_EV_PKT_RECV)
		t += e->cfg->tol_ns;
	return t;
}

static int read_one(struct vd_source *src, struct vd_event *ev, bool *have)
{
	int ret = vd_source_next(src, ev);

	*have = ret > 0;
	return ret < 0 ? ret : 0;
}

static int merge(struct engine *e, struct vd_source *src[2])
{
	struct vd_event ev[2];
	bool have[2];
	int ret;

	for (int s = 0; s < 2; s++) {
		ret = read_one(src[s], &ev[s], &have[s]);
		if (ret)
			return ret;
	}
	while (have[0] || have[1]) {
		int s;

		if (!have[1])
			s = 0;
		else if (!have[0])
			s = 1;
		else
			s = merge_key(e, VD_SIDE_A, &ev[0]) <= merge_key(e, VD_SIDE_B, &ev[1]) ? 0
												  : 1;
		on_event(e, (enum vd_side)s, &ev[s]);
		ret = read_one(src[s], &ev[s], &have[s]);
		if (ret)
			return ret;
	}
	return 0;
}

/* without a clock the sides cannot be interleaved: each is followed alone */
static int solo(struct engine *e, struct vd_source *src[2])
{
	struct vd_event ev;
	int ret;

	for (int s = 0; s < 2; s++) {
		if (!src[s])
			continue; /* single-partition mode: no B */
		while ((ret = vd_source_next(src[s], &ev)) > 0)
			on_event(e, (enum vd_side)s, &ev);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- the end ------------------------------------------------------------------------------------- */

static void finish(struct engine *e)
{
	for (size_t i = 0; i < e->tab_cap; i++) {
		struct flowent *f = e->tab[i];

		if (!f)
			continue;
		for (int d = 0; d < 2; d++) {
			enum vd_side rx = vd_dir_receiver((enum vd_dir)d);
			struct vd_match_ctx mc = match_ctx(e, rx);

			if (matching(e))
				vd_stream_finish(&f->s[d], &mc, e->win_end[rx],
						 e->cfg->o->grace_ns);
			if (e->cfg->final)
				run_close(e, f, (enum vd_dir)d, e->win_end[rx]);
		}
	}
	for (int d = 0; d < 2; d++)
		stall_close(e, (enum vd_dir)d);
	for (size_t i = 0; i < e->res->nconns; i++)
		vd_starve_finish(&e->starve, &e->res->conns[i], e->win_end);
}

static void engine_free(struct engine *e)
{
	for (size_t i = 0; i < e->tab_cap; i++) {
		struct flowent *f = e->tab[i];

		if (!f)
			continue;
		vd_stream_free(&f->s[0]);
		vd_stream_free(&f->s[1]);
		free(f);
	}
	free(e->tab);
}

static void export_counts(const struct engine *e, struct vd_corr_result *res)
{
	res->peak_pending = e->pending_peak;
	for (int d = 0; d < 2; d++) {
		res->orphans_unexpected[d] = e->orphans_unexpected[d];
		res->orphans_expected[d] = e->orphans_expected[d];
		for (int k = 0; k <= VD_FATE_SHORT; k++)
			res->fates[d][k] = e->fate_count[d][k];
	}
}

int vd_engine_run(struct vd_source *src[2], const struct vd_engine_cfg *cfg,
		  struct vd_corr_result *res, char *err, size_t errlen)
{
	struct engine *e = vd_xcalloc(1, sizeof(*e));
	int ret;

	e->cfg = cfg;
	e->res = res;
	e->starve = (struct vd_starve_ctx){ .o = cfg->o,
					    .findings = &res->findings,
					    .final = cfg->final,
					    .to_other = cfg->clock ? to_other_cb : NULL,
					    .inflight = inflight_cb,
					    .ctx = e };
	for (int s = 0; s < 2; s++) {
		const struct vd_source_stats *st = &res->side[s].stats;

		e->win_start[s] = (int64_t)st->window_start;
		e->win_end[s] = (int64_t)st->last_ts;
		if (!src[s])
			continue;
		ret = vd_source_rewind(src[s]);
		if (ret) {
			snprintf(err, errlen, "cannot re-read %s: %s", vd_source_path(src[s]),
				 strerror(-ret));
			goto out;
		}
	}
	ret = matching(e) ? merge(e, src) : solo(e, src);
	if (ret) {
		snprintf(err, errlen, "reading the recordings failed: %s", strerror(-ret));
		goto out;
	}
	finish(e);
	export_counts(e, res);
out:
	engine_free(e);
	free(e);
	return ret;
}
