// SPDX-License-Identifier: GPL-2.0
/*
 * The top model: one partition's events into an analysis session (partition
 * A, no clock: what this partition's own events prove), plus what a live
 * view needs that a report does not: rates between samples, the process on
 * each connection, the latest BPF socket snapshot per connection, header
 * counters and a short history per connection.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/adb/adb.h"
#include "analyzers/batch/correlate.h"
#include "analyzers/session/session.h"
#include "analyzers/settle/settle.h"
#include "analyzers/sinks/render.h"
#include "tui/top_model.h"

#define NS_PER_S 1000000000LL

struct top_conn {
	bool used;
	char comm[16];
	int32_t pid;
	uint64_t tx_bytes0, rx_bytes0, tx_pkts0, rx_pkts0; /* at the previous sample */
	uint64_t moved_bytes;				   /* tx + rx at the last progress check */
	int64_t last_progress;				   /* VD_NO_TIME: nothing moved yet */
	bool have_snap;
	struct vd_bpf_credit snap;
	int64_t snap_t; /* when the sampler read it */
	struct vd_top_hist hist[VD_TOP_HIST];
	size_t hist_n, hist_head;	     /* ring: oldest at hist_head when full */
	struct vd_top_hist lin[VD_TOP_HIST]; /* vd_top_history()'s oldest-first copy */
};

struct vd_top {
	struct vd_top_cfg cfg;
	struct vd_opts o;
	struct vd_result res;
	struct vd_session *s;
	bool live;
	bool ended;
	struct top_conn *tc; /* by connection id */
	size_t ntc;
	/* header counters */
	int64_t first_ts, last_ts;
	int64_t prev_sample;
	uint64_t lost;
	bool irq_seen;
	uint64_t irq0;
	uint64_t kicks, kicks0;
	bool kick_hook, credit_hook, ring_hook, ring_seen;
	bool hooks_known;     /* a BPF tier line was seen: hooks are known on or off */
	bool hooks_forbidden; /* VSOCKDIAG_FORBID_VSOCK turned vsock hooks off */
	int64_t ring_level, ring_max;
	uint64_t page_fail_high, bpf_fail;
	bool vhost_seen;
	uint32_t cid;
	/* the snapshot handed out */
	struct vd_top_snap snap;
	size_t rows_cap, findings_cap;
	bool problems;
};

static const struct {
	const char *title, *key;
} cols[VD_TC_MAX] = {
	[VD_TC_CONN] = { "ID", "conn" },	 [VD_TC_LOCAL] = { "LOCAL", "local" },
	[VD_TC_PEER] = { "PEER", "peer" },	 [VD_TC_OPENER] = { "BY", "opener" },
	[VD_TC_STATE] = { "STATE", "state" },	 [VD_TC_PROC] = { "PROCESS", "process" },
	[VD_TC_TX_BPS] = { "TX/s", "tx_bps" },	 [VD_TC_RX_BPS] = { "RX/s", "rx_bps" },
	[VD_TC_TX_PPS] = { "TXp/s", "tx_pps" },	 [VD_TC_RX_PPS] = { "RXp/s", "rx_pps" },
	[VD_TC_CREDIT] = { "CREDIT", "credit" }, [VD_TC_UNREAD] = { "UNREAD", "unread" },
	[VD_TC_FWD] = { "FWD_CNT", "fwd_cnt" },	 [VD_TC_IDLE] = { "IDLE", "idle" },
};

const char *vd_top_col_title(enum vd_top_col c)
{
	return (unsigned int)c < VD_TC_MAX ? cols[c].title : "?";
}

const char *vd_top_col_key(enum vd_top_col c)
{
	return (unsigned int)c < VD_TC_MAX ? cols[c].key : "?";
}

struct vd_top *vd_top_new(const struct vd_top_cfg *cfg)
{
	struct vd_top *t = vd_xcalloc(1, sizeof(*t));
	struct vd_session_cfg sc;

	t->cfg = *cfg;
	t->o = *cfg->o;
	t->o.name[0] = cfg->label ? cfg->label : "local";
	t->o.name[1] = "peer";
	t->cfg.o = &t->o;
	if (!t->cfg.keep_closed_ns)
		t->cfg.keep_closed_ns = 10 * NS_PER_S;
	t->live = cfg->side == NULL;
	if (cfg->side)
		t->res.side[0] = *cfg->side;
	snprintf(t->res.clock_note, sizeof(t->res.clock_note),
		 "one partition: what its own events prove");
	t->cid = cfg->cid;
	t->first_ts = t->last_ts = t->prev_sample = VD_NO_TIME;
	t->ring_level = t->ring_max = -1;
	sc = (struct vd_session_cfg){ .o = &t->o, .final = true, .two_sides = false };
	t->s = vd_session_new(&sc, &t->res);
	return t;
}

static struct top_conn *conn_extra(struct vd_top *t, uint32_t id)
{
	if (id >= t->ntc) {
		size_t n = VD_MAX((size_t)id + 1, t->ntc * 2);

		t->tc = vd_xrealloc(t->tc, n, sizeof(*t->tc));
		memset(t->tc + t->ntc, 0, (n - t->ntc) * sizeof(*t->tc));
		t->ntc = n;
	}
	if (!t->tc[id].used) {
		t->tc[id].used = true;
		t->tc[id].pid = -1;
		t->tc[id].last_progress = VD_NO_TIME;
	}
	return &t->tc[id];
}

/* the connection a packet of this partition belongs to, after the session saw it */
static const struct vd_conn *pkt_conn(const struct vd_top *t, const struct vd_event *ev)
{
	struct vd_endpoints ep;
	struct vd_tuple tu;
	const struct vd_flow *f;

	if (!vd_pkt_endpoints(ev, &ep))
		return NULL;
	tu = vd_tuple_from(VD_SIDE_A, &ep, &t->res.map);
	f = vd_ct_find(&t->s->ct, &tu);
	if (!f || f->cur_conn < 0)
		return NULL;
	return vd_ct_conn(&t->s->ct, f->cur_conn);
}

/* the connection a BPF socket snapshot describes (its local end is this partition) */
static const struct vd_conn *snap_conn(const struct vd_top *t, const struct vd_bpf_credit *c)
{
	struct vd_endpoints ep = { .local_cid = c->local_cid,
				   .local_port = c->local_port,
				   .peer_cid = c->remote_cid,
				   .peer_port = c->remote_port };
	struct vd_tuple tu = vd_tuple_from(VD_SIDE_A, &ep, &t->res.map);
	const struct vd_flow *f = vd_ct_find(&t->s->ct, &tu);

	if (!f || f->cur_conn < 0)
		return NULL;
	return vd_ct_conn(&t->s->ct, f->cur_conn);
}

/* live: the recorder enables interrupts on the vsock device's lines only */
static void learn_irq_line(struct vd_top *t, const struct vd_event *ev)
{
	struct vd_side_info *si = &t->res.side[0];

	for (unsigned int i = 0; i < si->nirq; i++)
		if (!strcmp(si->irq[i].name, ev->irq.name))
			return;
	if (si->nirq == VD_MAX_IRQ_NAMES)
		return;
	snprintf(si->irq[si->nirq].name, sizeof(si->irq[si->nirq].name), "%s", ev->irq.name);
	si->irq[si->nirq].num = ev->irq.irq;
	si->irq[si->nirq].vsock = true;
	si->nirq++;
}

static void on_tier(struct vd_top *t, const struct vd_bpf_tier_ev *te)
{
	bool on = te->tier != VD_TIER_OFF;

	t->hooks_known = true;
	/* off by the user's (or a test's) choice, not for want of a hook */
	if (!on && strstr(te->why, "VSOCKDIAG_FORBID_VSOCK"))
		t->hooks_forbidden = true;
	if (strstr(te->hook, "kick"))
		t->kick_hook |= on;
	else if (strstr(te->hook, "credit") || strstr(te->hook, "sample"))
		t->credit_hook |= on;
	else if (strstr(te->hook, "rx_fill") || strstr(te->hook, "rx_level") ||
		 strstr(te->hook, "rx_work"))
		t->ring_hook |= on;
}

static void on_bpf(struct vd_top *t, const struct vd_event *ev)
{
	const struct vd_bpf *b = &ev->bpf;
	const struct vd_conn *c;

	switch (b->kind) {
	case VD_BPF_TIER:
		on_tier(t, &b->tier);
		break;
	case VD_BPF_KICK:
		if (b->kick.dir == VD_KICK_SENT)
			t->kicks++;
		t->kick_hook = true;
		break;
	case VD_BPF_RXFILL:
		t->ring_level = b->rxfill.after;
		t->ring_max = b->rxfill.max;
		t->ring_seen = t->ring_hook = true;
		break;
	case VD_BPF_RXLEVEL:
		t->ring_level = b->rxlevel.level;
		t->ring_max = b->rxlevel.max;
		t->ring_seen = t->ring_hook = true;
		break;
	case VD_BPF_VHOSTWAIT:
	case VD_BPF_VHOSTSAMPLE:
		t->vhost_seen = true;
		break;
	case VD_BPF_ALLOCFAIL:
		if (!b->alloc.opportunistic)
			t->bpf_fail++;
		break;
	case VD_BPF_CREDIT:
		t->credit_hook = true;
		c = snap_conn(t, &b->credit);
		if (c) {
			struct top_conn *x = conn_extra(t, c->id);

			x->snap = b->credit;
			x->snap_t = b->has_t ? (int64_t)b->t : (int64_t)ev->ts_ns;
			x->have_snap = true;
			if (ev->comm[0] && ev->pid > 0) {
				snprintf(x->comm, sizeof(x->comm), "%s", ev->comm);
				x->pid = ev->pid;
			}
		}
		break;
	default:
		break;
	}
}

/* kernel workers are not "the local process" of a connection */
static bool is_worker(const char *comm)
{
	return !comm[0] || !strncmp(comm, "kworker", 7) || !strncmp(comm, "vhost", 5) ||
	       !strncmp(comm, "ksoftirq", 8) || !strcmp(comm, "<idle>") || !strcmp(comm, "<...>");
}

void vd_top_feed(struct vd_top *t, const struct vd_event *ev)
{
	const struct vd_conn *c;

	if (t->ended)
		return;
	if (ev->kind == VD_EV_IRQ_ENTRY) {
		t->irq_seen = true;
		if (t->live)
			learn_irq_line(t, ev);
	}
	vd_session_feed(t->s, VD_SIDE_A, ev);
	if (ev->kind != VD_EV_MARK && ev->kind != VD_EV_LOST) {
		if (t->first_ts == VD_NO_TIME)
			t->first_ts = (int64_t)ev->ts_ns;
		t->last_ts = VD_MAX(t->last_ts, (int64_t)ev->ts_ns);
	}
	switch (ev->kind) {
	case VD_EV_LOST:
		t->lost += ev->lost.count ? ev->lost.count : 1;
		break;
	case VD_EV_PAGE_ALLOC:
		if (ev->page.failed && ev->page.order >= 3)
			t->page_fail_high++;
		break;
	case VD_EV_BPF:
		on_bpf(t, ev);
		break;
	case VD_EV_PKT_ALLOC:
		if (ev->pkt.op == VD_OP_RW && !is_worker(ev->comm) && (c = pkt_conn(t, ev))) {
			struct top_conn *x = conn_extra(t, c->id);

			snprintf(x->comm, sizeof(x->comm), "%s", ev->comm);
			x->pid = ev->pid;
		}
		/* fall through */
	case VD_EV_PKT_RECV:
		if (!t->cid) {
			struct vd_endpoints ep;

			if (vd_pkt_endpoints(ev, &ep) && ep.local_cid > 2 && ep.local_cid != ~0u)
				t->cid = ep.local_cid;
		}
		if (ev->kind == VD_EV_PKT_RECV && ev->comm[0] && !strncmp(ev->comm, "vhost", 5))
			t->vhost_seen = true;
		break;
	default:
		break;
	}
}

static const char *conn_state(const struct vd_conn *c)
{
	if (c->refused)
		return "refused";
	if (c->reset)
		return "reset";
	if (c->rst_seen)
		return "closed";
	if (c->shutdown) /* a SHUTDOWN of both directions waits for its RST */
		return c->shutdown_full ? "closing" : "half-closed";
	if (c->responded || c->initiator < 0)
		return "open";
	return "connecting";
}

/* gone for good: nothing more can move on it */
static bool conn_closed(const struct vd_conn *c)
{
	return c->refused || c->reset || c->rst_seen;
}

static bool finding_names(const struct vd_finding *f, uint32_t id)
{
	if (f->conn == (int64_t)id)
		return true;
	for (unsigned int i = 0; i < f->nconns; i++)
		if (f->conns[i] == id)
			return true;
	return false;
}

static void hist_push(struct top_conn *x, const struct vd_top_hist *h)
{
	size_t at = (x->hist_head + x->hist_n) % VD_TOP_HIST;

	if (x->hist_n == VD_TOP_HIST) {
		x->hist[x->hist_head] = *h;
		x->hist_head = (x->hist_head + 1) % VD_TOP_HIST;
	} else {
		x->hist[at] = *h;
		x->hist_n++;
	}
}

/* this side's view of one connection: credit to send, and the receive side's counters */
static void fill_credit(const struct vd_conn *c, const struct top_conn *x, struct vd_top_row *r)
{
	const struct vd_bpf_credit *k = &x->snap;

	r->credit = vd_credit_avail(&c->credit[VD_DIR_A_TO_B]);
	r->unread = r->fwd_cnt = -1;
	/* a socket gone since its last snapshot: the sampler's numbers are stale */
	if (!x->have_snap ||
	    (conn_closed(c) && c->t_close[0] != VD_NO_TIME && x->snap_t < c->t_close[0]))
		return;
	r->credit_bpf = true;
	/* the kernel's own virtio_transport_get_credit() */
	r->credit = (int64_t)k->peer_buf_alloc - (int64_t)(uint32_t)(k->tx_cnt - k->peer_fwd_cnt);
	if (r->credit < 0)
		r->credit = 0;
	r->unread = k->rx_bytes;
	r->fwd_cnt = k->fwd_cnt;
}

/* the service of the connection's latest adb stream, from the payload heads decoded so far */
static void adb_service(const struct vd_result *res, uint32_t conn, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < res->adb.n; i++) {
		const struct vd_adb_stream *st;

		if (res->adb.v[i].conn != conn || !(st = vd_adb_latest(&res->adb.v[i])))
			continue;
		/* the row's column is narrower than a service name: cut on purpose */
		if (len) {
			size_t n = strnlen(st->service, sizeof(st->service));

			n = n < len - 1 ? n : len - 1;
			memcpy(buf, st->service, n);
			buf[n] = '\0';
		}
		return;
	}
}

static void fill_row(struct vd_top *t, const struct vd_conn *c, int64_t now, double dt,
		     struct vd_top_row *r)
{
	struct top_conn *x = conn_extra(t, c->id);
	const struct vd_conn_dir *tx = &c->d[VD_DIR_A_TO_B], *rx = &c->d[VD_DIR_B_TO_A];
	uint64_t moved = tx->sent_bytes + rx->recv_bytes;
	struct vd_top_hist h;

	memset(r, 0, sizeof(*r));
	r->conn = c->id;
	r->local_cid = c->ep[0].local_cid;
	r->local_port = c->ep[0].local_port;
	r->peer_cid = c->ep[0].peer_cid;
	r->peer_port = c->ep[0].peer_port;
	if (!c->seen[0]) { /* named only by the tuple */
		r->local_cid = c->tuple.a_cid;
		r->local_port = c->tuple.a_port;
		r->peer_cid = c->tuple.b_cid;
		r->peer_port = c->tuple.b_port;
	}
	r->adb = c->adb;
	if (c->adb) /* the port says which end listens for adb */
		r->adb_end = r->local_port == t->o.adb_port ? 1 : 2;
	adb_service(&t->res, c->id, r->adb_service, sizeof(r->adb_service));
	r->opener = c->initiator == VD_SIDE_A ? 0 : c->initiator == VD_SIDE_B ? 1 : -1;
	r->state = conn_state(c);
	r->closed = conn_closed(c);
	snprintf(r->proc, sizeof(r->proc), "%s", x->comm);
	r->pid = x->pid;
	r->tx_bytes = tx->sent_bytes;
	r->rx_bytes = rx->recv_bytes;
	r->tx_pkts = tx->sent_pkts;
	r->rx_pkts = rx->recv_pkts;
	if (dt > 0) {
		r->tx_bps = (double)(tx->sent_bytes - x->tx_bytes0) / dt;
		r->rx_bps = (double)(rx->recv_bytes - x->rx_bytes0) / dt;
		r->tx_pps = (double)(tx->sent_pkts - x->tx_pkts0) / dt;
		r->rx_pps = (double)(rx->recv_pkts - x->rx_pkts0) / dt;
	}
	if (moved != x->moved_bytes) {
		x->moved_bytes = moved;
		x->last_progress = VD_MAX(c->t_last[0], (int64_t)0);
	}
	r->idle_ns = x->last_progress == VD_NO_TIME ? -1 : VD_MAX(now - x->last_progress, 0);
	fill_credit(c, x, r);
	x->tx_bytes0 = tx->sent_bytes;
	x->rx_bytes0 = rx->recv_bytes;
	x->tx_pkts0 = tx->sent_pkts;
	x->rx_pkts0 = rx->recv_pkts;
	h = (struct vd_top_hist){ .t = now,
				  .credit = r->credit,
				  .unread = r->unread,
				  .tx_bps = r->tx_bps,
				  .rx_bps = r->rx_bps };
	hist_push(x, &h);
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = VD_MAX(need, *cap * 2 + 8);
	return vd_xrealloc(p, *cap, size);
}

static void add_finding(struct vd_top *t, const struct vd_top_finding *f)
{
	t->snap.findings = grow(t->snap.findings, &t->findings_cap, t->snap.nfindings + 1,
				sizeof(*t->snap.findings));
	t->snap.findings[t->snap.nfindings++] = *f;
	if (f->severity >= VD_SEV_WARNING)
		t->problems = true;
}

/* words for an open window: what is going on now; the full summary comes when it closes */
static void open_text(const struct vd_open_window *w, char *buf, size_t len)
{
	char n[48] = "", c[48] = "";

	if (w->count)
		snprintf(n, sizeof(n), " (%" PRIu64 " so far)", w->count);
	if (w->conn >= 0)
		snprintf(c, sizeof(c), " on connection %" PRId64, w->conn);
	if (w->kind == VD_FK_CREDIT_STARVATION && w->dir == VD_DIR_B_TO_A)
		snprintf(buf, len,
			 "receive buffer full and fwd_cnt flat%s: the local reader is not reading, "
			 "its peer cannot send",
			 c);
	else if (w->kind == VD_FK_CREDIT_STARVATION)
		snprintf(buf, len, "no credit to send%s: the peer has not consumed (%s)", c,
			 w->count ? "its packets keep coming" : "nothing back from it yet");
	else
		snprintf(buf, len, "%s%s%s, still going on", vd_finding_kind_name(w->kind), c, n);
}

/* blind spots every single-partition run has: not worth a line on a live screen */
static bool boring(const struct vd_finding *f)
{
	return f->kind == VD_FK_SINGLE_PARTITION || f->kind == VD_FK_CLOCK_UNALIGNED ||
	       f->kind == VD_FK_OUTSIDE_WINDOW;
}

/* how long a window must stay open to be a finding (correlate's thresholds) */
static int64_t open_threshold(const struct vd_top *t, enum vd_finding_kind k)
{
	return k == VD_FK_CREDIT_STARVATION ? t->o.starve_ns : t->o.stall_ns;
}

static void fill_findings(struct vd_top *t, const struct vd_view *v, int64_t now)
{
	t->snap.nfindings = 0;
	for (size_t i = 0; i < v->nopen; i++) {
		const struct vd_open_window *w = &v->open[i];
		struct vd_top_finding f = { .kind = w->kind,
					    .name = vd_finding_kind_name(w->kind),
					    .severity = VD_SEV_WARNING,
					    .open = true,
					    .conn = w->conn,
					    .start_ns = w->start[0],
					    .age_ns = -1 };

		if (f.start_ns != VD_NO_TIME)
			f.age_ns = VD_MAX(now - f.start_ns, 0);
		/* a window younger than its threshold may still close as nothing: only watched */
		if (f.age_ns < open_threshold(t, w->kind))
			f.severity = VD_SEV_INFO;
		open_text(w, f.text, sizeof(f.text));
		add_finding(t, &f);
	}
	/* closed ones, newest first */
	for (size_t i = v->nfindings; i-- > 0;) {
		const struct vd_finding *fd = &v->findings[i];
		struct vd_top_finding f = { .kind = fd->kind,
					    .name = vd_finding_kind_name(fd->kind),
					    .severity = (int)fd->severity,
					    .conn = fd->conn,
					    .start_ns = fd->start[0],
					    .age_ns = -1 };

		if (boring(fd))
			continue;
		if (f.start_ns != VD_NO_TIME)
			f.age_ns = VD_MAX(now - f.start_ns, 0);
		vd_render_summary(&t->o, &t->res, fd, f.text, sizeof(f.text));
		add_finding(t, &f);
	}
}

static bool row_problem(const struct vd_top *t, uint32_t id)
{
	for (size_t i = 0; i < t->snap.nfindings; i++) {
		const struct vd_top_finding *f = &t->snap.findings[i];

		if (f->severity >= VD_SEV_WARNING && f->conn == (int64_t)id)
			return true;
	}
	for (size_t i = 0; i < t->res.findings.n; i++) {
		const struct vd_finding *f = &t->res.findings.v[i];

		if (f->severity >= VD_SEV_WARNING && finding_names(f, id))
			return true;
	}
	return false;
}

static void fill_cannot(struct vd_top *t, struct vd_top_header *h, bool host)
{
	char *p = h->cannot, *end = h->cannot + sizeof(h->cannot);
	const char *why = t->hooks_forbidden ? "BPF hooks refused: VSOCKDIAG_FORBID_VSOCK"
			  : t->hooks_known   ? "no BPF hook on this kernel"
					     : "no BPF evidence";

#define SAY(...) (p += snprintf(p, (size_t)(end - p), __VA_ARGS__), p = VD_MIN(p, end - 1))
	h->cannot[0] = '\0';
	if (!t->credit_hook)
		SAY("unread, fwd_cnt (%s: credit from packets only); ", why);
	if (!t->kick_hook)
		SAY("kicks (%s); ", why);
	if (!t->ring_seen && !host)
		SAY("RX ring level (%s); ", t->ring_hook ? "no refill yet" : why);
	if (!t->irq_seen)
		SAY("interrupts (%s); ", host ? "vhost takes none on the host" : "none recorded");
#undef SAY
	if (p > h->cannot + 2 && p[-2] == ';')
		p[-2] = '\0';
}

/*
 * Before Linux's 2025 rx_bytes fix (6.17; later stable kernels took it too,
 * which the release number does not show) fwd_cnt and rx_bytes move per whole
 * packet: unread bytes read early count nothing until the packet is done.
 * Unknown kernels get the warning.
 */
static bool before_rx_bytes_fix(const char *release)
{
	unsigned int maj, min;

	if (sscanf(release, "%u.%u", &maj, &min) != 2)
		return true;
	return maj < 6 || (maj == 6 && min < 17);
}

/* "Linux lab-guest 6.1.0-57-amd64 x86_64" (a recording's uname) -> "6.1.0-57-amd64" */
static void kernel_release(const char *uname, char *buf, size_t len)
{
	char sys[32], node[96], rel[96];

	if (sscanf(uname, "%31s %95s %95s", sys, node, rel) == 3 && !strcmp(sys, "Linux"))
		snprintf(buf, len, "%.95s", rel);
	else /* the header has room for a release, not a whole uname line */
		snprintf(buf, len, "%.95s", uname);
}

static void fill_header(struct vd_top *t, int64_t now, double dt)
{
	struct vd_top_header *h = &t->snap.h;
	const struct vd_side_info *si = &t->res.side[0];
	uint64_t irq = t->s->vsock_irq[0];

	memset(h, 0, sizeof(*h));
	snprintf(h->label, sizeof(h->label), "%s", t->cfg.label ? t->cfg.label : "live");
	kernel_release(t->cfg.kernel ? t->cfg.kernel : si->rec.uname, h->kernel, sizeof(h->kernel));
	h->cid = t->cid;
	if (!h->cid && si->nlocal_cids)
		h->cid = si->local_cids[0] > 2 ? si->local_cids[0] : 0;
	if (t->vhost_seen || si->vhost_recv) {
		h->device = "vhost-vsock (host)";
		h->cid = h->cid ? h->cid : 2; /* VMADDR_CID_HOST */
	} else if (h->cid > 2)
		h->device = "virtio-vsock (guest)";
	else
		h->device = "?";
	h->now_ns = now;
	h->elapsed_ns = t->first_ts == VD_NO_TIME ? 0 : VD_MAX(now - t->first_ts, 0);
	h->interval_s = dt;
	h->events = t->s->events;
	h->lost = t->lost;
	h->irq_ps = t->irq_seen ? (dt > 0 ? (double)(irq - t->irq0) / dt : 0) : -1;
	h->kick_ps = t->kick_hook ? (dt > 0 ? (double)(t->kicks - t->kicks0) / dt : 0) : -1;
	t->irq0 = irq;
	t->kicks0 = t->kicks;
	h->ring_level = t->ring_level;
	h->ring_max = t->ring_max;
	h->alloc_fail = VD_MAX(t->page_fail_high, t->bpf_fail);
	h->fwd_per_packet = t->credit_hook && before_rx_bytes_fix(h->kernel);
	fill_cannot(t, h, t->vhost_seen || si->vhost_recv);
}

const struct vd_top_snap *vd_top_sample(struct vd_top *t, int64_t now)
{
	struct vd_view v;
	double dt;

	if (now == VD_NO_TIME)
		now = t->last_ts == VD_NO_TIME ? 0 : t->last_ts;
	dt = t->prev_sample == VD_NO_TIME || t->first_ts == VD_NO_TIME
		 ? (t->first_ts == VD_NO_TIME ? 0 : (double)(now - t->first_ts) / NS_PER_S)
		 : (double)(now - t->prev_sample) / NS_PER_S;
	if (dt < 0)
		dt = 0;
	t->prev_sample = now;
	vd_session_view(t->s, &v);
	fill_header(t, now, dt);
	fill_findings(t, &v, now);
	t->snap.rows = grow(t->snap.rows, &t->rows_cap, v.nconns, sizeof(*t->snap.rows));
	t->snap.nrows = 0;
	t->snap.h.conns_total = v.nconns;
	for (size_t i = 0; i < v.nconns; i++) {
		const struct vd_conn *c = &v.conns[i];
		struct vd_top_row *r = &t->snap.rows[t->snap.nrows];

		if (c->loopback)
			continue;
		fill_row(t, c, now, dt, r);
		r->problem = row_problem(t, c->id);
		if (!r->closed)
			t->snap.h.conns_open++;
		/* a closed connection stays a while, then leaves the screen */
		if (r->closed && c->t_close[0] != VD_NO_TIME &&
		    now - c->t_close[0] > t->cfg.keep_closed_ns && !r->problem)
			continue;
		t->snap.nrows++;
	}
	t->snap.problems = t->problems;
	return &t->snap;
}

size_t vd_top_history(const struct vd_top *t, uint32_t conn, const struct vd_top_hist **h)
{
	struct top_conn *x;

	*h = NULL;
	if (conn >= t->ntc || !t->tc[conn].used)
		return 0;
	x = &t->tc[conn];
	for (size_t i = 0; i < x->hist_n; i++)
		x->lin[i] = x->hist[(x->hist_head + i) % VD_TOP_HIST];
	*h = x->lin;
	return x->hist_n;
}

const struct vd_top_snap *vd_top_end(struct vd_top *t)
{
	int64_t now = t->last_ts == VD_NO_TIME ? 0 : t->last_ts;

	if (t->prev_sample != VD_NO_TIME) /* time never goes backwards between samples */
		now = VD_MAX(now, t->prev_sample);
	if (!t->ended) {
		vd_session_end(t->s);
		vd_settle(&t->o, &t->res);
		t->ended = true;
		if (t->res.verdict == VD_VERDICT_PROBLEMS)
			t->problems = true;
	}
	return vd_top_sample(t, now);
}

void vd_top_free(struct vd_top *t)
{
	if (!t)
		return;
	vd_session_free(t->s);
	vd_result_free(&t->res);
	free(t->tc);
	free(t->snap.rows);
	free(t->snap.findings);
	free(t);
}
