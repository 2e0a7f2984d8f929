// SPDX-License-Identifier: GPL-2.0
/*
 * The discrete-event engine: connections, virtqueues, receive workers and
 * credit, in true time (partition A's clock).  Every trace line is its own
 * action in one time-ordered heap, so each file comes out sorted by time
 * without buffering more than what is in flight (memory stays bounded: a
 * sender stops at zero credit, so even a stalled link queues at most
 * buf_alloc bytes per connection).
 *
 * What the kernel does that is modelled here (net/vmw_vsock/, include/trace/events/vsock_virtio_transport_common.h):
 *  - alloc_pkt fires on the sender for every packet, recv_pkt on the
 *    receiver at entry of virtio_transport_recv_pkt, in queue order;
 *  - host->guest packets larger than a guest RX buffer arrive as pieces
 *    (vhost rewrites hdr.len: 8192 -> 3732+3732+728);
 *  - every packet carries the sender's buf_alloc/fwd_cnt; a sender never
 *    has more than peer_buf_alloc - (tx_cnt - peer_fwd_cnt) bytes in flight;
 *  - CREDIT_UPDATE when the receiver's free space as last advertised drops
 *    below 64 KiB (5.4+ rule);
 *  - the guest takes irq "virtio0-virtqueues" before each batch its
 *    rx_work handles; the host's vhost worker has no irq;
 *  - nothing listening: RST from reset_no_sock with buf_alloc=0 fwd_cnt=0;
 *  - close: SHUTDOWN flags=0x3 from the closing app, RST from the peer's
 *    receive context.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/vd_event.h"
#include "vdsim.h"

#define US 1000LL
#define MS 1000000LL
#define SEC 1000000000LL

enum act_type {
	ACT_CONNECT,   /* client app sends REQUEST */
	ACT_TICK,      /* an app's writer wakes up (Poisson) */
	ACT_TX,	       /* a control packet is allocated */
	ACT_RECV,      /* recv_pkt of one piece */
	ACT_IRQ,       /* irq_handler_entry */
	ACT_CLOSE,     /* client app closes */
	ACT_NOISE,     /* unrelated sched_switch / irq */
	ACT_KEEPALIVE, /* an app-level CREDIT_UPDATE at a recording edge */
	ACT_ALLOCFAIL, /* a failed high-order page allocation (conn: 1 opportunistic) */
};

enum role { ROLE_APP = 0, ROLE_RX };

struct act {
	int64_t t;
	uint64_t seq;
	uint8_t type;
	uint8_t side; /* where it happens */
	uint8_t op;
	uint8_t role;
	uint8_t last;
	uint8_t nosock;
	uint16_t shut;
	int32_t conn;
	uint32_t len;
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
	int32_t irq;
};

struct cend {
	uint32_t port;
	const char *app;
	int pid;
	int cpu;
	uint32_t tx_cnt;
	uint32_t fwd_cnt;
	uint32_t last_fwd_cnt;
	uint32_t peer_buf_alloc;
	uint32_t peer_fwd_cnt;
	uint32_t pending;
	uint32_t unread; /* received while the application was not reading (--no-read) */
	bool silenced;	 /* went quiet for --silent: owes a CREDIT_UPDATE when it ends */
	bool open;
	bool cu_pending;
	/* the previous RW this end sent: keeps lost packets identifiable */
	bool have_last;
	bool last_gone;
	uint32_t last_len;
	int64_t last_t;
};

struct conn {
	const struct sim_conn_plan *cp;
	struct cend e[2];
	bool seen;
};

struct part {
	int64_t busy_until; /* receive worker */
	char rx_comm[16];
	int rx_pid;
	int rx_cpu;
	int irq_cpu;
};

struct sim {
	const struct sim_plan *pl;
	FILE **out;
	const struct sim_stats *known;
	FILE *und;
	struct sim_stats *st;
	struct sim_rng rt; /* traffic */
	struct sim_rng rn; /* noise */
	struct sim_rng rp; /* pids, cpus, counters */
	struct part p[2];
	struct conn *c;
	int nc;
	struct act *heap;
	size_t hn;
	size_t hcap;
	uint64_t seq;
	int64_t last_arr[2];
	int iloss[2];
	bool first_und;
};

int64_t sim_clock(const struct sim_plan *pl, int side, int64_t t)
{
	if (side == SIM_SIDE_A)
		return t;
	/* --clock-jump: ahead by up to jump_ns, never backwards (a file stays sorted) */
	if (pl->jump_ns && t >= pl->jump_at && t < pl->jump_at + pl->jump_ns)
		t = pl->jump_at + pl->jump_ns;
	return t + pl->offset_ns + (int64_t)llround(pl->drift_ppm * 1e-6 * (double)t);
}

int64_t sim_clock_printed(const struct sim_plan *pl, int side, int64_t t)
{
	int64_t c = sim_clock(pl, side, t);

	return c - c % 1000;
}

/* ---- the heap ---------------------------------------------------------- */

static bool act_before(const struct act *a, const struct act *b)
{
	return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

static void push(struct sim *s, struct act a)
{
	size_t i;

	if (s->hn == s->hcap) {
		s->hcap = s->hcap ? s->hcap * 2 : 1024;
		s->heap = vd_xrealloc(s->heap, s->hcap, sizeof(*s->heap));
	}
	a.seq = s->seq++;
	i = s->hn++;
	while (i) {
		size_t up = (i - 1) / 2;

		if (!act_before(&a, &s->heap[up]))
			break;
		s->heap[i] = s->heap[up];
		i = up;
	}
	s->heap[i] = a;
}

static struct act pop(struct sim *s)
{
	struct act top = s->heap[0], x = s->heap[--s->hn];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, m;

		if (l >= s->hn)
			break;
		m = l + 1 < s->hn && act_before(&s->heap[l + 1], &s->heap[l]) ? l + 1 : l;
		if (!act_before(&s->heap[m], &x))
			break;
		s->heap[i] = s->heap[m];
		i = m;
	}
	if (s->hn)
		s->heap[i] = x;
	return top;
}

static struct act mk(int type, int side, int conn, int64_t t)
{
	struct act a;

	memset(&a, 0, sizeof(a));
	a.type = (uint8_t)type;
	a.side = (uint8_t)side;
	a.conn = conn;
	a.t = t;
	return a;
}

/* ---- output ------------------------------------------------------------ */

/* Write one line if the partition was recording at t; true if written. */
static bool emit(struct sim *s, int side, int64_t t, const struct sim_line *l)
{
	const struct sim_plan *pl = s->pl;
	struct sim_stats *st = s->st;
	int64_t ts;

	if (t < pl->rec_start[side] || t > pl->rec_end[side])
		return false;
	ts = sim_clock_printed(pl, side, t);
	if (!st->any[side])
		st->first_ts[side] = ts;
	st->any[side] = true;
	st->last_ts[side] = ts;
	st->lines[side]++;
	if (s->out)
		sim_write_line(s->out[side], pl->fmt[side], ts, l);
	return true;
}

/*
 * Packets whose receiver could not have been observed receiving them do not
 * count: the sender must have recorded the alloc, and the send must fall in
 * [first line, last line - 2 s] of the receiver's file (its clock).  The
 * engine keeps sends out of +-5 ms around those edges (zone_push), so an
 * analyzer with a clock error of a few microseconds agrees on every packet.
 */
static void vanished(struct sim *s, int dir, int64_t t, uint32_t len, int op, bool recorded)
{
	const struct sim_plan *pl = s->pl;
	const struct sim_stats *k = s->known;
	int r = !dir;
	int64_t rt;

	s->st->vanished++;
	if (!recorded || !k || !k->any[r])
		return;
	rt = sim_clock(pl, r, t);
	if (rt < k->first_ts[r] || rt > k->last_ts[r] - 2 * SEC)
		return;
	s->st->undelivered++;
	if (s->und)
		fprintf(s->und, "%s\n    {\"direction\": \"%s\", \"sent_ns\": %lld, \"len\": %u, \"op\": \"%s\"}",
			s->first_und ? "" : ",", dir == SIM_A2B ? "a_to_b" : "b_to_a",
			(long long)sim_clock_printed(pl, dir, t), len, vd_op_name((unsigned int)op));
	s->first_und = false;
}

static int64_t zone_push(const struct sim_plan *pl, int dir, int64_t t)
{
	int r = !dir;
	int64_t z[2][2] = {
		{ pl->rec_start[r] - 5 * MS, pl->rec_start[r] + 5 * MS },
		{ pl->rec_end[r] - 2 * SEC - 5 * MS, pl->rec_end[r] - 2 * SEC + 5 * MS },
	};

	for (int i = 0; i < 2; i++)
		if (t >= z[i][0] && t <= z[i][1])
			t = z[i][1] + US;
	return t;
}

/* ---- packets ----------------------------------------------------------- */

static uint32_t draw_len(struct sim *s)
{
	double u = sim_rng_unit(&s->rt);

	/* adb over vsock: mostly 24-byte headers and short payloads, some bulk */
	if (u < 0.30)
		return 24;
	if (u < 0.45)
		return 25;
	if (u < 0.58)
		return 50;
	if (u < 0.70)
		return 58;
	if (u < 0.88)
		return (uint32_t)sim_rng_range(&s->rt, 1, 512);
	if (u < 0.97)
		return (uint32_t)sim_rng_range(&s->rt, 4096, 8192);
	return (uint32_t)sim_rng_range(&s->rt, 8193, SIM_MAX_PKT);
}

static int64_t credit(const struct cend *e)
{
	int64_t c = (int64_t)e->peer_buf_alloc - (int64_t)(uint32_t)(e->tx_cnt - e->peer_fwd_cnt);

	return c < 0 ? 0 : c;
}

static void fill_task(struct sim *s, struct sim_line *l, int side, int ci, int role)
{
	const struct conn *c = &s->c[ci];
	const struct part *p = &s->p[side];

	if (role == ROLE_RX) {
		l->comm = p->rx_comm;
		l->pid = p->rx_pid;
		l->tgid = p->rx_pid;
		l->cpu = p->rx_cpu;
	} else {
		l->comm = c->e[side].app;
		l->pid = c->e[side].pid;
		l->tgid = c->e[side].pid;
		l->cpu = c->e[side].cpu;
		/* the cmdline cache missed: "<...>" (only with --noise) */
		if (s->pl->noise && sim_rng_below(&s->rn, 100) == 0)
			l->comm = "<...>";
	}
	l->flags = SIM_FL_TASK;
}

static void fill_hdr(struct sim_line *l, const struct conn *c, int from)
{
	l->src_cid = from == SIM_SIDE_A ? SIM_CID_A : SIM_CID_B;
	l->dst_cid = from == SIM_SIDE_A ? SIM_CID_B : SIM_CID_A;
	l->src_port = c->e[from].port;
	l->dst_port = c->e[!from].port;
}

static void irq_at(struct sim *s, int side, int64_t t, int irq)
{
	struct act a = mk(ACT_IRQ, side, -1, t);

	a.irq = irq;
	push(s, a);
}

enum fate { FATE_DECIDE = -1, FATE_DELIVER = 0, FATE_VANISH = 1 };

static bool dead_at(const struct sim_plan *pl, int dir, int64_t t)
{
	return pl->dead && dir == pl->dead_dir && t >= pl->dead_at;
}

static bool loss_due(const struct sim *s, int dir, int64_t t)
{
	const struct sim_plan *pl = s->pl;

	return s->iloss[dir] < pl->nloss[dir] && pl->loss_at[dir][s->iloss[dir]] <= t;
}

static void send_pkt(struct sim *s, int ci, int side, int role, int op, uint32_t len,
		     uint16_t shut, bool nosock, int64_t t, int fate)
{
	const struct sim_plan *pl = s->pl;
	struct conn *c = &s->c[ci];
	struct cend *e = &c->e[side];
	int dir = side, r = !side;
	struct part *p = &s->p[r];
	uint32_t ba = nosock ? 0 : SIM_BUF_ALLOC, fwd = nosock ? 0 : e->fwd_cnt;
	struct sim_line l;
	int64_t lat, nat, arr, tr;
	uint32_t npieces = 1, left = len;
	bool rec, gone = false;

	if (!nosock)
		e->last_fwd_cnt = e->fwd_cnt;
	if (op == VD_OP_RW)
		e->tx_cnt += len;

	memset(&l, 0, sizeof(l));
	l.kind = SIM_LINE_ALLOC;
	fill_task(s, &l, side, ci, role);
	fill_hdr(&l, c, side);
	l.len = len;
	l.op = (uint16_t)op;
	l.shut_flags = shut;
	rec = emit(s, side, t, &l);
	c->seen |= rec;

	if (fate != FATE_DECIDE) {
		gone = fate == FATE_VANISH;
	} else if (dead_at(pl, dir, t)) {
		gone = true;
	} else if (op == VD_OP_RW && loss_due(s, dir, t)) {
		gone = true;
		s->iloss[dir]++;
	}
	if (gone) {
		vanished(s, dir, t, len, op, rec);
		return;
	}

	/* one-way latency 30-300 us, mostly short */
	lat = 30 * US + (int64_t)sim_rng_exp(&s->rt, 35.0 * US);
	if (lat > 300 * US)
		lat = 300 * US - (int64_t)sim_rng_below(&s->rt, 50 * US);
	nat = t + lat;
	for (int i = 0; i < pl->nstalls; i++) {
		const struct sim_stall *st = &pl->stalls[i];

		if (st->dir == dir && nat >= st->start && nat < st->start + st->dur)
			nat = st->start + st->dur + sim_rng_range(&s->rt, 5 * US, 30 * US);
	}
	/* one virtqueue per direction: FIFO */
	arr = VD_MAX(nat, s->last_arr[dir] + US);
	s->last_arr[dir] = arr;

	if (pl->bulk && dir == pl->bulk_dir) {
		/*
		 * The lab's TCG host: the vhost worker wakes up 0.2-4 ms after the
		 * kick, then copies each 64 KiB packet in 80-400 us; what is queued
		 * meanwhile rides along in the same batch.  Identical packets in
		 * flight together, with latencies that say nothing about which is which.
		 */
		int64_t copy = sim_rng_range(&s->rt, 80 * US, 400 * US);

		if (arr > p->busy_until + copy)
			tr = arr + sim_rng_range(&s->rt, 200 * US, 4 * MS);
		else
			tr = VD_MAX(arr, p->busy_until) + copy;
	} else if (arr > p->busy_until + 20 * US) {
		/* the receive worker was idle: it is woken up */
		if (r == SIM_SIDE_B) {
			int64_t ti = arr + sim_rng_range(&s->rt, 2 * US, 6 * US);

			irq_at(s, r, ti, 11);
			tr = ti + sim_rng_range(&s->rt, 8 * US, 25 * US);
		} else {
			tr = arr + sim_rng_range(&s->rt, 4 * US, 15 * US);
		}
	} else {
		tr = VD_MAX(arr, p->busy_until) + sim_rng_range(&s->rt, 1 * US, 3 * US);
	}

	/* vhost fills guest RX buffers of split bytes each */
	if (dir == SIM_A2B && op == VD_OP_RW && len > pl->split)
		npieces = (len + pl->split - 1) / pl->split;
	for (uint32_t i = 0; i < npieces; i++) {
		struct act a = mk(ACT_RECV, r, ci, tr);
		uint32_t plen = npieces == 1 ? len : VD_MIN(left, pl->split);

		a.op = (uint8_t)op;
		a.len = plen;
		a.shut = shut;
		a.buf_alloc = ba;
		a.fwd_cnt = fwd;
		a.last = i + 1 == npieces;
		push(s, a);
		left -= plen;
		if (i + 1 < npieces)
			tr += sim_rng_range(&s->rt, 1 * US, 2 * US);
	}
	p->busy_until = tr;

	/* guest TX completion interrupt (same vector), only as noise */
	if (pl->noise && dir == SIM_B2A && sim_rng_below(&s->rn, 3) == 0)
		irq_at(s, SIM_SIDE_B, arr + sim_rng_range(&s->rn, 5 * US, 20 * US), 11);
}

static void tx_later(struct sim *s, int ci, int side, int role, int op, uint16_t shut, bool nosock,
		     int64_t t)
{
	struct act a = mk(ACT_TX, side, ci, t);

	a.role = (uint8_t)role;
	a.op = (uint8_t)op;
	a.shut = shut;
	a.nosock = nosock;
	push(s, a);
}

static void tick_later(struct sim *s, int ci, int side, int64_t now)
{
	double mean = 1e9 / s->pl->rate;
	int64_t gap = (int64_t)sim_rng_exp(&s->rt, mean);

	push(s, mk(ACT_TICK, side, ci, now + VD_MAX(gap, 5 * US)));
}

/* ---- actions ----------------------------------------------------------- */

/*
 * Which of two back-to-back equal-length packets was lost is only decidable
 * from latency, and not at all when they were sent closer together than a
 * latency.  Keep the truth decidable: a lost RW never has an equal-length
 * neighbour in its stream sent less than TWIN_GAP before or after it (a due
 * loss waits for the next packet; a dead link or a survivor gets its length
 * nudged by one byte).
 */
#define TWIN_GAP (1 * MS)

/* is the application receiving in dir not reading at true time t? */
static bool not_reading(const struct sim_plan *pl, int dir, int64_t t)
{
	for (int i = 0; i < pl->nnoreads; i++) {
		const struct sim_stall *nr = &pl->noreads[i];

		if (nr->dir == dir && t >= nr->start && t < nr->start + nr->dur)
			return true;
	}
	return false;
}

/* is the end receiving in dir staying silent at true time t (--silent)? */
static bool silent(const struct sim_plan *pl, int dir, int64_t t)
{
	for (int i = 0; i < pl->nsilences; i++) {
		const struct sim_stall *q = &pl->silences[i];

		if (q->dir == dir && t >= q->start && t < q->start + q->dur)
			return true;
	}
	return false;
}

/* the application reads again: what piled up is consumed, and the kernel says so */
static void resume_reading(struct sim *s, int ci, int side, int64_t t)
{
	struct cend *e = &s->c[ci].e[side];

	if (!e->unread || not_reading(s->pl, !side, t))
		return;
	e->fwd_cnt += e->unread;
	e->unread = 0;
	if (e->open && !e->cu_pending) {
		e->cu_pending = true;
		tx_later(s, ci, side, ROLE_APP, VD_OP_CREDIT_UPDATE, 0, false,
			 t + sim_rng_range(&s->rt, 15 * US, 80 * US));
	}
}

static void on_tick(struct sim *s, const struct act *a)
{
	const struct sim_plan *pl = s->pl;
	struct conn *c = &s->c[a->conn];
	struct cend *e = &c->e[a->side];
	int64_t t = zone_push(pl, a->side, a->t);
	int dir = a->side;
	bool dead, loss, twin;
	uint32_t n;
	int64_t cr;

	resume_reading(s, a->conn, a->side, t);

	if (!e->open)
		return;
	/*
	 * --silent: the credit this end owes its peer is not advertised (the
	 * bug class of Linux 93b808876682) and its application sends nothing;
	 * when the window ends the update finally goes out.
	 */
	if (silent(pl, !a->side, t)) {
		e->silenced = true;
		goto next;
	}
	if (e->silenced) {
		e->silenced = false;
		if (!e->cu_pending) {
			e->cu_pending = true;
			tx_later(s, a->conn, a->side, ROLE_APP, VD_OP_CREDIT_UPDATE, 0, false,
				 t + sim_rng_range(&s->rt, 15 * US, 80 * US));
		}
	}
	if (t != a->t) {
		push(s, mk(ACT_TICK, a->side, a->conn, t));
		return;
	}
	if (pl->bulk && a->conn == 0) {
		/* the bulk transfer: one writer, 64 KiB chunks back to back, whole chunks only */
		if (a->side != pl->bulk_dir)
			goto next; /* the reader writes nothing */
		e->pending = pl->bulk_size;
		if (credit(e) < pl->bulk_size) {
			push(s, mk(ACT_TICK, a->side, a->conn, a->t + 100 * US));
			return;
		}
	}
	if (!e->pending)
		e->pending = draw_len(s);
	cr = credit(e);
	if (cr <= 0)
		goto next;
	n = (uint32_t)VD_MIN((int64_t)e->pending, cr);
	dead = dead_at(pl, dir, t);
	loss = !dead && loss_due(s, dir, t);
	twin = e->have_last && t - e->last_t < TWIN_GAP && n == e->last_len;
	if (twin && loss && !e->last_gone) {
		loss = false; /* the next packet will do */
	} else if (twin && ((dead && !e->last_gone) || (!dead && !loss && e->last_gone))) {
		if (n == 1)
			goto next;
		n--;
	}
	if (loss)
		s->iloss[dir]++;
	e->pending -= n;
	e->have_last = true;
	e->last_gone = dead || loss;
	e->last_len = n;
	e->last_t = t;
	send_pkt(s, a->conn, a->side, ROLE_APP, VD_OP_RW, n, 0, false, t,
		 dead || loss ? FATE_VANISH : FATE_DELIVER);
	if (pl->bulk && a->conn == 0) {
		/*
		 * The next write() right after this one: the nested guest's cost of a
		 * 64 KiB send, 150-600 us, and now and then (1 in 10) a few ms more
		 * when its vCPU is descheduled.
		 */
		int64_t gap = sim_rng_range(&s->rt, 150 * US, 600 * US);

		if (sim_rng_below(&s->rt, 10) == 0)
			gap += sim_rng_range(&s->rt, 1 * MS, 8 * MS);
		push(s, mk(ACT_TICK, a->side, a->conn, a->t + gap));
		return;
	}
next:
	tick_later(s, a->conn, a->side, a->t);
}

static void on_tx(struct sim *s, const struct act *a)
{
	struct conn *c = &s->c[a->conn];
	struct cend *e = &c->e[a->side];
	int64_t t = zone_push(s->pl, a->side, a->t);

	if (t != a->t) {
		struct act b = *a;

		b.t = t;
		push(s, b);
		return;
	}
	if (a->op == VD_OP_CREDIT_UPDATE) {
		e->cu_pending = false;
		if (!e->open)
			return;
	}
	send_pkt(s, a->conn, a->side, a->role, a->op, 0, a->shut, a->nosock, a->t, FATE_DECIDE);
	if (a->op == VD_OP_RESPONSE) {
		e->open = true;
		tick_later(s, a->conn, a->side, a->t);
	}
}

static void on_recv(struct sim *s, const struct act *a)
{
	struct conn *c = &s->c[a->conn];
	struct cend *e = &c->e[a->side];
	struct sim_line l;
	int64_t t = a->t;

	memset(&l, 0, sizeof(l));
	l.kind = SIM_LINE_RECV;
	fill_task(s, &l, a->side, a->conn, ROLE_RX);
	fill_hdr(&l, c, !a->side);
	l.len = a->len;
	l.op = a->op;
	l.shut_flags = a->shut;
	l.buf_alloc = a->buf_alloc;
	l.fwd_cnt = a->fwd_cnt;
	c->seen |= emit(s, a->side, t, &l);

	if (a->op == VD_OP_RW) {
		if (not_reading(s->pl, !a->side, t))
			e->unread += a->len;
		else
			e->fwd_cnt += a->len;
	}
	if (!a->last)
		return;
	if (!(a->op == VD_OP_RST && a->buf_alloc == 0)) {
		e->peer_buf_alloc = a->buf_alloc;
		e->peer_fwd_cnt = a->fwd_cnt;
	}
	switch (a->op) {
	case VD_OP_REQUEST:
		if (c->cp->kind == SIM_CONN_NORMAL)
			tx_later(s, a->conn, a->side, ROLE_RX, VD_OP_RESPONSE, 0, false,
				 t + sim_rng_range(&s->rt, 10 * US, 40 * US));
		else if (c->cp->kind == SIM_CONN_REFUSED)
			tx_later(s, a->conn, a->side, ROLE_RX, VD_OP_RST, 0, true,
				 t + sim_rng_range(&s->rt, 5 * US, 20 * US));
		break;
	case VD_OP_RESPONSE:
		if (c->cp->kind == SIM_CONN_NORMAL && !e->open) {
			e->open = true;
			tick_later(s, a->conn, a->side, t);
		}
		break;
	case VD_OP_RW:
		if (e->open && !e->cu_pending && !silent(s->pl, !a->side, t) &&
		    (int64_t)SIM_BUF_ALLOC - (int64_t)(uint32_t)(e->fwd_cnt - e->last_fwd_cnt) <
			    64 * 1024) {
			e->cu_pending = true;
			tx_later(s, a->conn, a->side, ROLE_APP, VD_OP_CREDIT_UPDATE, 0, false,
				 t + sim_rng_range(&s->rt, 15 * US, 80 * US));
		}
		break;
	case VD_OP_SHUTDOWN:
		if (c->cp->kind == SIM_CONN_NORMAL) {
			e->open = false;
			/* --half-close: the peer keeps its socket, no RST releases it */
			if (!s->pl->half_close)
				tx_later(s, a->conn, a->side, ROLE_RX, VD_OP_RST, 0, false,
					 t + sim_rng_range(&s->rt, 10 * US, 40 * US));
		}
		break;
	case VD_OP_RST:
		e->open = false;
		break;
	default:
		break;
	}
}

static void on_irq(struct sim *s, const struct act *a)
{
	struct sim_line l;

	memset(&l, 0, sizeof(l));
	l.kind = SIM_LINE_IRQ;
	l.comm = "<idle>";
	l.pid = 0;
	l.cpu = s->p[a->side].irq_cpu;
	l.flags = SIM_FL_HARDIRQ;
	l.irq = a->irq;
	switch (a->irq) {
	case 11:
		l.irq_name = "virtio0-virtqueues";
		break;
	case 24:
		l.irq_name = "virtio0-requests";
		break;
	default:
		l.irq_name = "virtio1-requests";
		break;
	}
	emit(s, a->side, a->t, &l);
}

/*
 * The RX refill worker failing an order-4 allocation (a real failure), and a
 * 64 KiB skb's first order-5 attempt failing with its fallback flags.
 */
static void on_allocfail(struct sim *s, const struct act *a)
{
	struct sim_line l;

	memset(&l, 0, sizeof(l));
	l.kind = SIM_LINE_PAGE;
	l.flags = SIM_FL_TASK;
	l.cpu = 0;
	l.comm = "kworker/0:1";
	l.pid = 77;
	l.order = a->conn ? 5 : 4;
	l.gfp = a->conn ? "GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC"
			: "GFP_KERNEL|__GFP_COMP";
	emit(s, a->side, a->t, &l);
}

static void on_noise(struct sim *s, const struct act *a)
{
	static const char *const tasks[] = { "rcu_sched", "kworker/1:2", "ksoftirqd/1", "sh",
					     "logd", "surfaceflinger" };
	static const char *const swapper[] = { "swapper/0", "swapper/1", "swapper/2", "swapper/3" };
	int k = (int)sim_rng_below(&s->rn, ARRAY_SIZE(tasks));
	struct sim_line l;

	if (sim_rng_below(&s->rn, 5) == 0) {
		/* the 9p share's virtio interrupts pass a "virtio*" irq filter */
		irq_at(s, a->side, a->t, a->side == SIM_SIDE_A ? 24 : 25);
	} else {
		memset(&l, 0, sizeof(l));
		l.kind = SIM_LINE_SCHED;
		l.flags = SIM_FL_SCHED;
		l.cpu = (int)sim_rng_below(&s->rn, (uint64_t)s->pl->ncpu[a->side]);
		if (sim_rng_below(&s->rn, 2)) {
			l.comm = "<idle>";
			l.pid = 0;
			l.prev_comm = swapper[l.cpu & 3];
			l.next_comm = tasks[k];
			l.next_pid = 40 + k * 97;
		} else {
			l.comm = tasks[k];
			l.prev_comm = tasks[k];
			l.pid = 40 + k * 97;
			l.tgid = l.pid;
			l.next_comm = swapper[l.cpu & 3];
			l.next_pid = 0;
			l.prev_state_r = (int)sim_rng_below(&s->rn, 2);
		}
		emit(s, a->side, a->t, &l);
	}
	push(s, mk(ACT_NOISE, a->side, -1,
		   a->t + 1 * US + (int64_t)sim_rng_exp(&s->rn, 1e9 / 300.0)));
}

static void on_keepalive(struct sim *s, const struct act *a)
{
	struct conn *c;

	if (s->nc == 0)
		return;
	c = &s->c[0];
	if (c->cp->kind != SIM_CONN_NORMAL || !c->e[a->side].open)
		return;
	send_pkt(s, 0, a->side, ROLE_APP, VD_OP_CREDIT_UPDATE, 0, 0, false, a->t, FATE_DECIDE);
}

/* ---- set-up ------------------------------------------------------------ */

static void setup_parts(struct sim *s)
{
	const struct sim_plan *pl = s->pl;
	int qemu = (int)sim_rng_range(&s->rp, 900, 9000);

	snprintf(s->p[SIM_SIDE_A].rx_comm, sizeof(s->p[0].rx_comm), "vhost-%d", qemu);
	s->p[SIM_SIDE_A].rx_pid = qemu + (int)sim_rng_range(&s->rp, 5, 40);
	s->p[SIM_SIDE_A].rx_cpu = (int)sim_rng_below(&s->rp, (uint64_t)pl->ncpu[SIM_SIDE_A]);
	s->p[SIM_SIDE_A].irq_cpu = 0;
	snprintf(s->p[SIM_SIDE_B].rx_comm, sizeof(s->p[1].rx_comm), "kworker/0:%d",
		 (int)sim_rng_range(&s->rp, 0, 3));
	s->p[SIM_SIDE_B].rx_pid = (int)sim_rng_range(&s->rp, 30, 20000);
	s->p[SIM_SIDE_B].rx_cpu = 0;
	s->p[SIM_SIDE_B].irq_cpu = 0;
	for (int i = 0; i < 2; i++)
		s->p[i].busy_until = INT64_MIN / 2;
	s->last_arr[0] = s->last_arr[1] = INT64_MIN / 2;
}

static void setup_conn(struct sim *s, int ci)
{
	const struct sim_plan *pl = s->pl;
	const struct sim_conn_plan *cp = &pl->cp[ci];
	struct conn *c = &s->c[ci];
	int srv = !cp->client;

	c->cp = cp;
	c->e[cp->client].port = cp->client_port;
	c->e[srv].port = cp->server_port;
	c->e[cp->client].app = cp->client_app;
	c->e[srv].app = cp->server_app;
	for (int side = 0; side < 2; side++) {
		struct cend *e = &c->e[side];

		e->pid = (int)sim_rng_range(&s->rp, 300, 30000);
		/* guest: rx_work on CPU 0, apps elsewhere when there is elsewhere */
		if (side == SIM_SIDE_B && pl->ncpu[side] > 1)
			e->cpu = (int)sim_rng_range(&s->rp, 1, pl->ncpu[side] - 1);
		else
			e->cpu = (int)sim_rng_below(&s->rp, (uint64_t)pl->ncpu[side]);
	}
	if (cp->midstream) {
		/* long-running: counters anywhere in u32, wrap included */
		for (int side = 0; side < 2; side++) {
			uint32_t x = (uint32_t)sim_rng_next(&s->rp);

			c->e[side].tx_cnt = x;
			c->e[!side].fwd_cnt = x;
			c->e[!side].last_fwd_cnt = x;
			c->e[side].peer_fwd_cnt = x;
			c->e[side].peer_buf_alloc = SIM_BUF_ALLOC;
		}
		for (int side = 0; side < 2; side++) {
			c->e[side].open = true;
			tick_later(s, ci, side, pl->sim_start);
		}
	} else {
		push(s, mk(ACT_CONNECT, cp->client, ci, cp->start));
	}
	if (cp->close_at > 0)
		push(s, mk(ACT_CLOSE, cp->client, ci, cp->close_at));
}

int sim_run(const struct sim_plan *pl, FILE *out[2], const struct sim_stats *known, FILE *und,
	    struct sim_stats *st)
{
	struct sim s;

	memset(&s, 0, sizeof(s));
	memset(st, 0, sizeof(*st));
	s.pl = pl;
	s.out = out;
	s.known = known;
	s.und = und;
	s.st = st;
	s.first_und = true;
	sim_rng_seed(&s.rt, pl->seed, 11);
	sim_rng_seed(&s.rn, pl->seed, 12);
	sim_rng_seed(&s.rp, pl->seed, 13);
	setup_parts(&s);
	s.nc = pl->ncp;
	s.c = vd_xcalloc((size_t)VD_MAX(pl->ncp, 1), sizeof(*s.c));
	for (int i = 0; i < pl->ncp; i++)
		setup_conn(&s, i);
	for (int side = 0; side < 2; side++) {
		if (pl->noise)
			push(&s, mk(ACT_NOISE, side, -1, pl->sim_start + (int64_t)sim_rng_exp(&s.rn, 3e6)));
		push(&s, mk(ACT_KEEPALIVE, side, -1, pl->rec_end[side] - 500 * US));
		for (int i = 0; i < pl->nallocfails; i++) {
			if (pl->allocfails[i].dir != side)
				continue;
			for (int k = 0; k < pl->allocfail_n[i]; k++) {
				int64_t t = pl->allocfails[i].start + k * 10 * MS;

				push(&s, mk(ACT_ALLOCFAIL, side, 0, t));
				push(&s, mk(ACT_ALLOCFAIL, side, 1, t + 3 * MS));
			}
		}
		if (pl->midstream)
			push(&s, mk(ACT_KEEPALIVE, side, -1, pl->rec_start[side] + 500 * US));
	}

	while (s.hn) {
		struct act a = pop(&s);

		if (a.t > pl->sim_end)
			break;
		switch (a.type) {
		case ACT_CONNECT:
			send_pkt(&s, a.conn, a.side, ROLE_APP, VD_OP_REQUEST, 0, 0, false, a.t,
				 FATE_DECIDE);
			break;
		case ACT_TICK:
			on_tick(&s, &a);
			break;
		case ACT_TX:
			on_tx(&s, &a);
			break;
		case ACT_RECV:
			on_recv(&s, &a);
			break;
		case ACT_IRQ:
			on_irq(&s, &a);
			break;
		case ACT_CLOSE: {
			struct cend *e = &s.c[a.conn].e[a.side];

			if (!e->open)
				break;
			e->open = false;
			e->pending = 0;
			send_pkt(&s, a.conn, a.side, ROLE_APP, VD_OP_SHUTDOWN, 0,
				 VD_SHUTDOWN_RCV | VD_SHUTDOWN_SEND, false, a.t, FATE_DECIDE);
			break;
		}
		case ACT_NOISE:
			on_noise(&s, &a);
			break;
		case ACT_KEEPALIVE:
			on_keepalive(&s, &a);
			break;
		case ACT_ALLOCFAIL:
			on_allocfail(&s, &a);
			break;
		}
	}
	for (int i = 0; i < s.nc; i++)
		st->conns_seen += s.c[i].seen;
	free(s.heap);
	free(s.c);
	return 0;
}
