// SPDX-License-Identifier: GPL-2.0
/*
 * vsockdiag export -f perfetto: the Chrome JSON trace event format, which
 * ui.perfetto.dev and chrome://tracing open (doc/export-perfetto.md).
 *
 * A process per partition; per connection direction a "sent" thread on the
 * sender and a "received" thread on the receiver, where every packet is a
 * short slice; a flow arrow from each delivered send to its first arrival;
 * counters for credit, unread and in-flight bytes and the BPF ring levels;
 * instants for interrupts, allocation failures, kicks and BPF evidence;
 * the findings, written at the end, as slices over their windows.
 *
 * Events are written as the session produces them: nothing per packet is
 * kept, except one slice per track held back until the next one on that
 * track, so that its duration can stop where the next begins (slices of one
 * track must nest, or Perfetto drops them).  With a clock, a send is written
 * when its fate is known (so the slice says it), the flow start right after
 * its slice; a flow end goes right after the slice of the first arrival it
 * belongs to (Perfetto binds a flow event to the slice on top of its track's
 * stack, and sorts events of one time in file order).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/session/session.h"
#include "analyzers/sinks/export.h"
#include "analyzers/sinks/export_perfetto.h"
#include "analyzers/sinks/render.h"
#include "cli/cli.h" /* VD_VERSION: what wrote the file */
#include "common/util.h"

#define PF_DUR_NS   1000 /* a packet's slice: 1 us, or up to the next one of its track */
#define PF_FLOW_IN  4	 /* flow ends one held arrival takes */
#define PF_PEND	    8	 /* flow ends waiting for an arrival not yet seen, per track */
#define PF_LANES    32	 /* findings tracks per partition (overlapping windows) */
#define PF_NO_FATE  (-1)
#define PF_FLOW_CAT "vsock"

/* the fixed tracks of a partition (tid = 100 * pid + k) */
enum { TR_IRQ = 1, TR_ALLOC, TR_KICK, TR_BPF, TR_REC, TR_FIXED, TR_FINDINGS = 50 };

static const char *const fixed_names[TR_FIXED] = {
	[TR_IRQ] = "interrupts (vsock lines)",
	[TR_ALLOC] = "allocation failures",
	[TR_KICK] = "kicks (BPF)",
	[TR_BPF] = "BPF evidence",
	[TR_REC] = "recording (lost events, recorder)",
};

struct pf_slice {
	bool used, has_credit;
	uint8_t nflow_in;
	int8_t fate; /* enum vd_fate; PF_NO_FATE: not paired */
	uint16_t op;
	int32_t cpu;
	uint32_t len, buf_alloc, fwd_cnt;
	int64_t t;	   /* export axis */
	int64_t raw;	   /* its partition's clock (arrivals: what first_rx names) */
	int64_t arrival;   /* sends: first arrival, export axis; VD_NO_TIME */
	int64_t latency;   /* sends: first-piece latency (receiver's clock); -1 */
	uint64_t flow_out; /* sends: the flow starting here; 0 none */
	uint64_t flow_in[PF_FLOW_IN];
	int64_t flow_floor[PF_FLOW_IN]; /* a flow end may not come before its start */
	char comm[16];
};

struct pf_track {
	bool named;
	unsigned int npend;
	struct pf_slice held;
	int64_t pend_raw[PF_PEND];
	int64_t pend_floor[PF_PEND];
	uint64_t pend_id[PF_PEND];
};

struct pf_conn {
	struct pf_track tr[2][2]; /* [enum vd_dir][0 sent, 1 received] */
	int64_t inflight[2];	  /* bytes sent, not yet settled (paired runs only) */
	int64_t shown[2][3];	  /* the counters last written: available, unread, in flight */
};

struct pf {
	struct pf_json j;
	const struct vd_opts *o;
	const struct vd_result *res;
	bool paired;	      /* the session pairs sends with arrivals: fates and flows */
	struct pf_conn *conn; /* by connection id */
	size_t nconn;
	bool named[2][TR_FIXED];
	bool lane_named[2][PF_LANES];
	uint64_t next_flow, kicks[2][4];
	int64_t gauge[2][3]; /* BPF gauges last written per partition: ring, queued, avail */
	uint64_t slices[2], late_ends, instants, counters;
	int64_t now; /* the latest time seen, export axis: fates without a time of their own */
};

static uint32_t pid_of(int side)
{
	return (uint32_t)side + 1;
}

static uint64_t fixed_tid(int side, int k)
{
	return (uint64_t)(side + 1) * 100 + (uint64_t)k;
}

static uint64_t conn_tid(uint32_t id, int dir, int recv)
{
	return 1000 + (uint64_t)id * 4 + (uint64_t)dir * 2 + (uint64_t)recv;
}

static const char *fate_name(int fate)
{
	switch (fate) {
	case VD_FATE_DELIVERED:
		return "delivered";
	case VD_FATE_LOST:
		return "lost";
	case VD_FATE_UNPROVEN:
		return "unproven (sent before the receiver's recording)";
	case VD_FATE_NOT_YET:
		return "not yet (too close to the end to tell)";
	case VD_FATE_MISSING:
		return "missing (never arrived)";
	case VD_FATE_SHORT:
		return "partial (part of it arrived)";
	default:
		return NULL;
	}
}

/* the word a send's slice name carries when it did not arrive */
static const char *fate_mark(int fate)
{
	switch (fate) {
	case VD_FATE_LOST:
		return "LOST";
	case VD_FATE_MISSING:
		return "MISSING";
	case VD_FATE_SHORT:
		return "PARTIAL";
	case VD_FATE_UNPROVEN:
		return "unproven";
	case VD_FATE_NOT_YET:
		return "not yet";
	default:
		return NULL;
	}
}

/* ---- names: processes, threads --------------------------------------------------------- */

static void thread_meta(struct pf *w, int side, uint64_t tid, const char *name, int sort)
{
	pf_event(&w->j, 'M', VD_NO_TIME, pid_of(side), tid);
	pf_plain(&w->j, "name", "thread_name");
	pf_obj(&w->j, "args");
	pf_str(&w->j, "name", name);
	pf_obj_end(&w->j);
	pf_obj_end(&w->j);
	pf_event(&w->j, 'M', VD_NO_TIME, pid_of(side), tid);
	pf_plain(&w->j, "name", "thread_sort_index");
	pf_obj(&w->j, "args");
	pf_int(&w->j, "sort_index", sort);
	pf_obj_end(&w->j);
	pf_obj_end(&w->j);
}

static uint64_t fixed(struct pf *w, int side, int k)
{
	if (!w->named[side][k]) {
		w->named[side][k] = true;
		thread_meta(w, side, fixed_tid(side, k), fixed_names[k], 1000000 + k);
	}
	return fixed_tid(side, k);
}

static uint64_t lane(struct pf *w, int side, unsigned int k)
{
	if (!w->lane_named[side][k]) {
		char name[32];

		w->lane_named[side][k] = true;
		if (k)
			snprintf(name, sizeof(name), "findings (%u)", k + 1);
		else
			snprintf(name, sizeof(name), "findings");
		thread_meta(w, side, fixed_tid(side, TR_FINDINGS + (int)k), name, -100 + (int)k);
	}
	return fixed_tid(side, TR_FINDINGS + (int)k);
}

static void conn_label(const struct pf *w, const struct vd_conn *c, int dir, char *buf, size_t len)
{
	const char *na = w->o->name[0] ? w->o->name[0] : "A";
	const char *nb = w->o->name[1] ? w->o->name[1] : "B";

	if (dir == VD_DIR_A_TO_B)
		snprintf(buf, len, "conn %" PRIu32 " %s:%" PRIu32 " -> %s:%" PRIu32, c->id, na,
			 c->tuple.a_port, nb, c->tuple.b_port);
	else
		snprintf(buf, len, "conn %" PRIu32 " %s:%" PRIu32 " -> %s:%" PRIu32, c->id, nb,
			 c->tuple.b_port, na, c->tuple.a_port);
}

static struct pf_conn *conn_state(struct pf *w, uint32_t id)
{
	if (id >= w->nconn) {
		size_t n = w->nconn ? w->nconn : 64;

		while (n <= id)
			n *= 2;
		w->conn = vd_xrealloc(w->conn, n, sizeof(*w->conn));
		memset(w->conn + w->nconn, 0, (n - w->nconn) * sizeof(*w->conn));
		for (size_t i = w->nconn; i < n; i++)
			for (int d = 0; d < 2; d++)
				for (int k = 0; k < 3; k++)
					w->conn[i].shown[d][k] = -1;
		w->nconn = n;
	}
	return &w->conn[id];
}

/* the track of connection id, direction dir, sent or received: named at first use */
static struct pf_track *conn_track(struct pf *w, uint32_t id, int dir, int recv)
{
	struct pf_track *t = &conn_state(w, id)->tr[dir][recv];

	if (!t->named && id >= 1 && id <= w->res->nconns) {
		char label[160], name[192];
		int side = recv ? vd_dir_receiver(dir) : vd_dir_sender(dir);

		conn_label(w, &w->res->conns[id - 1], dir, label, sizeof(label));
		snprintf(name, sizeof(name), "%s %s", label, recv ? "received" : "sent");
		thread_meta(w, side, conn_tid(id, dir, recv), name, (int)(id * 4 + dir * 2 + recv));
	}
	t->named = true;
	return t;
}

/* ---- packets ------------------------------------------------------------------------------ */

static void flow_event(struct pf *w, char ph, int side, uint64_t tid, int64_t t, uint64_t id)
{
	pf_event(&w->j, ph, t, pid_of(side), tid);
	pf_plain(&w->j, "cat", PF_FLOW_CAT);
	pf_plain(&w->j, "name", "packet");
	pf_uint(&w->j, "id", id);
	if (ph == 'f')
		pf_plain(&w->j, "bp", "e"); /* the arrival's own slice, not the next one */
	pf_obj_end(&w->j);
}

static void slice_name(const struct pf_slice *s, char *buf, size_t len)
{
	const char *mark = fate_mark(s->fate);

	if (s->op == VD_OP_RW)
		snprintf(buf, len, "RW %" PRIu32 "%s%s", s->len, mark ? " " : "", mark ? mark : "");
	else
		snprintf(buf, len, "%s%s%s", vd_op_name(s->op), mark ? " " : "", mark ? mark : "");
}

/* write the held slice of track t (connection id, dir, recv) lasting dur */
static void slice_write(struct pf *w, uint32_t id, int dir, int recv, struct pf_slice *s,
			int64_t dur)
{
	int side = recv ? vd_dir_receiver(dir) : vd_dir_sender(dir);
	uint64_t tid = conn_tid(id, dir, recv);
	/* flow events just inside the slice when it has room (see the top) */
	int64_t tf = s->t + (dur >= 2 ? 1 : 0);
	char name[48];

	slice_name(s, name, sizeof(name));
	pf_event(&w->j, 'X', s->t, pid_of(side), tid);
	pf_us(&w->j, "dur", dur);
	pf_plain(&w->j, "cat", PF_FLOW_CAT);
	pf_plain(&w->j, "name", name);
	pf_obj(&w->j, "args");
	pf_str(&w->j, "op", vd_op_name(s->op));
	pf_uint(&w->j, "len", s->len);
	pf_uint(&w->j, "connection", id);
	if (s->has_credit) {
		pf_uint(&w->j, "buf_alloc", s->buf_alloc);
		pf_uint(&w->j, "fwd_cnt", s->fwd_cnt);
	}
	if (recv) {
		pf_int(&w->j, "cpu", s->cpu);
		pf_str(&w->j, "comm", s->comm);
	} else if (s->fate != PF_NO_FATE) {
		pf_str(&w->j, "fate", fate_name(s->fate));
		if (s->arrival != VD_NO_TIME)
			pf_us(&w->j, "first_arrival_us", s->arrival);
		if (s->latency >= 0)
			pf_int(&w->j, "latency_ns", s->latency);
	} else {
		pf_str(&w->j, "fate",
		       w->res->two_sides ? "unknown: the clocks are not aligned, nothing is paired"
					 : "unknown: one recording, nothing is paired");
	}
	pf_obj_end(&w->j);
	pf_obj_end(&w->j);
	w->slices[recv]++;
	if (s->flow_out)
		flow_event(w, 's', side, tid, tf, s->flow_out);
	for (unsigned int i = 0; i < s->nflow_in; i++)
		flow_event(w, 'f', side, tid, VD_MAX(tf, s->flow_floor[i]), s->flow_in[i]);
	s->used = false;
}

/* flow ends waiting for an arrival before raw (or all: INT64_MAX) gave up: written now */
static void pend_flush(struct pf *w, uint32_t id, int dir, struct pf_track *t, int64_t raw)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < t->npend; i++) {
		if (t->pend_raw[i] < raw) {
			flow_event(
			    w, 'f', vd_dir_receiver(dir), conn_tid(id, dir, 1),
			    VD_MAX(vd_export_time(w->res, vd_dir_receiver(dir), t->pend_raw[i]),
				   t->pend_floor[i]),
			    t->pend_id[i]);
			w->late_ends++;
			continue;
		}
		t->pend_raw[k] = t->pend_raw[i];
		t->pend_floor[k] = t->pend_floor[i];
		t->pend_id[k++] = t->pend_id[i];
	}
	t->npend = k;
}

/* s becomes the held slice of its track; the one held before is written, up to s */
static void slice_put(struct pf *w, uint32_t id, int dir, int recv, const struct pf_slice *s)
{
	struct pf_track *t = conn_track(w, id, dir, recv);

	if (t->held.used) {
		int64_t gap = s->t - t->held.t;

		/* out of order (a fate settled late): no room known, an instant-like slice */
		slice_write(w, id, dir, recv, &t->held, gap < 0 ? 0 : VD_MIN(gap, PF_DUR_NS));
	}
	t->held = *s;
	t->held.used = true;
	if (!recv || !t->npend)
		return;
	/* flow ends whose arrival is this one; older ones never came as a slice here */
	pend_flush(w, id, dir, t, s->raw);
	{
		unsigned int k = 0;

		for (unsigned int i = 0; i < t->npend; i++) {
			if (t->pend_raw[i] == s->raw && t->held.nflow_in < PF_FLOW_IN) {
				t->held.flow_floor[t->held.nflow_in] = t->pend_floor[i];
				t->held.flow_in[t->held.nflow_in++] = t->pend_id[i];
				continue;
			}
			t->pend_raw[k] = t->pend_raw[i];
			t->pend_floor[k] = t->pend_floor[i];
			t->pend_id[k++] = t->pend_id[i];
		}
		t->npend = k;
	}
}

/*
 * A delivered send's flow ends at its first arrival, first_rx in the
 * receiver's clock.  floor: just after the send on the export axis, since
 * Perfetto drops a flow end it sees before its start (a clock error can put
 * an arrival a few microseconds before its send).
 */
static void flow_end(struct pf *w, uint32_t id, int dir, int64_t first_rx, int64_t floor,
		     uint64_t flow)
{
	struct pf_track *t = conn_track(w, id, dir, 1);

	if (t->held.used && t->held.raw == first_rx && t->held.nflow_in < PF_FLOW_IN) {
		t->held.flow_floor[t->held.nflow_in] = floor;
		t->held.flow_in[t->held.nflow_in++] = flow;
	} else if (t->held.used && first_rx <= t->held.raw) {
		/* its slice is written already: after it in the file is all it takes */
		flow_event(w, 'f', vd_dir_receiver(dir), conn_tid(id, dir, 1),
			   VD_MAX(vd_export_time(w->res, vd_dir_receiver(dir), first_rx), floor),
			   flow);
		w->late_ends++;
	} else {
		/* the fate comes before the arrival that completes it is handed over */
		if (t->npend == PF_PEND)
			pend_flush(w, id, dir, t, t->pend_raw[0] + 1);
		t->pend_raw[t->npend] = first_rx;
		t->pend_floor[t->npend] = floor;
		t->pend_id[t->npend++] = flow;
	}
}

/* ---- counters ---------------------------------------------------------------------------- */

static void counter_begin(struct pf *w, int side, int64_t t, const char *name)
{
	pf_event(&w->j, 'C', t, pid_of(side), 0);
	pf_plain(&w->j, "name", name);
	pf_obj(&w->j, "args");
	w->counters++;
}

static void counter_end(struct pf *w)
{
	pf_obj_end(&w->j);
	pf_obj_end(&w->j);
}

enum { G_RING, G_QUEUED, G_AVAIL };
static const char *const gauge_names[3][2] = {
	[G_RING] = { "RX ring (BPF)", "buffers" },
	[G_QUEUED] = { "vhost queued (BPF)", "packets" },
	[G_AVAIL] = { "guest RX buffers seen by vhost (BPF)", "buffers" },
};

/* a BPF gauge: samplers repeat themselves, only changes are written */
static void gauge(struct pf *w, int side, int g, int64_t t, int64_t v)
{
	if (w->gauge[side][g] == v)
		return;
	w->gauge[side][g] = v;
	counter_begin(w, side, t, gauge_names[g][0]);
	pf_int(&w->j, gauge_names[g][1], v);
	counter_end(w);
}

/* the sender's credit of c in direction dir, when it changed (the sender's own recording) */
static void credit_counter(struct pf *w, const struct vd_conn *c, int dir, int64_t t)
{
	struct pf_conn *pc = conn_state(w, c->id);
	int64_t avail = vd_credit_avail(&c->credit[dir]);
	int64_t unread = vd_credit_outstanding(&c->credit[dir]);
	char label[160], name[192];

	if (avail < 0 || (avail == pc->shown[dir][0] && unread == pc->shown[dir][1]))
		return;
	pc->shown[dir][0] = avail;
	pc->shown[dir][1] = unread;
	conn_label(w, c, dir, label, sizeof(label));
	snprintf(name, sizeof(name), "%s credit", label);
	counter_begin(w, vd_dir_sender(dir), t, name);
	pf_int(&w->j, "available", avail);
	pf_int(&w->j, "unread", unread);
	counter_end(w);
}

/* bytes sent and not yet settled (arrived whole, or proven lost) */
static void inflight_counter(struct pf *w, const struct vd_conn *c, int dir, int64_t t)
{
	struct pf_conn *pc = conn_state(w, c->id);
	char label[160], name[192];

	if (pc->inflight[dir] == pc->shown[dir][2])
		return;
	pc->shown[dir][2] = pc->inflight[dir];
	conn_label(w, c, dir, label, sizeof(label));
	snprintf(name, sizeof(name), "%s in flight", label);
	counter_begin(w, vd_dir_sender(dir), t, name);
	pf_int(&w->j, "bytes", pc->inflight[dir]);
	counter_end(w);
}

/* ---- the tap's steps ------------------------------------------------------------------- */

static int pf_begin(void *ctx, const struct vd_result *res)
{
	struct pf *w = ctx;
	const char *na = w->o->name[0] ? w->o->name[0] : "A";
	const char *nb = w->o->name[1] ? w->o->name[1] : "B";
	char name[2][320];

	w->res = res;
	w->paired = res->two_sides && vd_clock_aligned(&res->clock);
	for (int i = 0; i < 2; i++)
		for (int g = 0; g < 3; g++)
			w->gauge[i][g] = -1;
	w->now = VD_NO_TIME;
	snprintf(name[0], sizeof(name[0]), "%s (A)", na);
	snprintf(name[1], sizeof(name[1]), "%s (B)%s", nb,
		 vd_export_aligned(res) ? "" : " (own clock)");
	pf_obj(&w->j, NULL);
	pf_arr(&w->j, "traceEvents");
	for (int side = 0; side < (res->two_sides ? 2 : 1); side++) {
		pf_event(&w->j, 'M', VD_NO_TIME, pid_of(side), 0);
		pf_plain(&w->j, "name", "process_name");
		pf_obj(&w->j, "args");
		pf_str(&w->j, "name", name[side]);
		pf_obj_end(&w->j);
		pf_obj_end(&w->j);
		pf_event(&w->j, 'M', VD_NO_TIME, pid_of(side), 0);
		pf_plain(&w->j, "name", "process_sort_index");
		pf_obj(&w->j, "args");
		pf_int(&w->j, "sort_index", side);
		pf_obj_end(&w->j);
		pf_obj_end(&w->j);
	}
	return ferror(w->j.f) ? -EIO : 0;
}

static void pf_packet(void *ctx, const struct vd_session *s, const struct vd_conn *c,
		      enum vd_side side, enum vd_dir dir, bool sent, const struct vd_event *ev)
{
	struct pf *w = ctx;
	int64_t t = vd_export_time(w->res, side, (int64_t)ev->ts_ns);
	struct pf_slice sl = { .t = t,
			       .raw = (int64_t)ev->ts_ns,
			       .len = ev->pkt.len,
			       .op = ev->pkt.op,
			       .cpu = ev->cpu,
			       .fate = PF_NO_FATE,
			       .arrival = VD_NO_TIME,
			       .latency = -1 };

	(void)s;
	if (w->paired)
		w->now = w->now == VD_NO_TIME ? t : VD_MAX(w->now, t);
	if (sent) {
		/* with a clock the send is written with its fate (pf_fate) */
		if (w->paired) {
			conn_state(w, c->id)->inflight[dir] += ev->pkt.len;
			inflight_counter(w, c, dir, t);
		} else {
			slice_put(w, c->id, dir, 0, &sl);
		}
	} else {
		sl.has_credit = ev->pkt.has_credit;
		sl.buf_alloc = ev->pkt.buf_alloc;
		sl.fwd_cnt = ev->pkt.fwd_cnt;
		memcpy(sl.comm, ev->comm, sizeof(sl.comm));
		sl.comm[sizeof(sl.comm) - 1] = '\0';
		slice_put(w, c->id, dir, 1, &sl);
	}
	/* what this packet did to the credit of the direction its recorder sends in */
	credit_counter(w, c, side == VD_SIDE_A ? VD_DIR_A_TO_B : VD_DIR_B_TO_A, t);
}

static void pf_fate(void *ctx, const struct vd_session *s, const struct vd_conn *c, enum vd_dir dir,
		    const struct vd_pending *p, enum vd_fate fate, int64_t t_recv_last)
{
	struct pf *w = ctx;
	enum vd_side tx = vd_dir_sender(dir), rx = vd_dir_receiver(dir);
	bool arrived = fate == VD_FATE_DELIVERED && p->first_rx != VD_NO_TIME;
	struct pf_slice sl = { .t = vd_export_time(w->res, tx, (int64_t)p->t_send),
			       .raw = (int64_t)p->t_send,
			       .len = p->len,
			       .op = p->op,
			       .cpu = -1,
			       .fate = (int8_t)fate,
			       .arrival = p->first_rx == VD_NO_TIME
					      ? VD_NO_TIME
					      : vd_export_time(w->res, rx, p->first_rx),
			       .latency = arrived ? p->first_rx - p->t_send_rx : -1 };
	int64_t now;

	(void)s;
	if (arrived)
		sl.flow_out = ++w->next_flow;
	slice_put(w, p->conn, dir, 0, &sl);
	if (arrived)
		flow_end(w, p->conn, dir, p->first_rx, sl.t + 2, sl.flow_out);
	conn_state(w, p->conn)->inflight[dir] -= p->len;
	now = fate == VD_FATE_DELIVERED && t_recv_last != VD_NO_TIME
		  ? vd_export_time(w->res, rx, t_recv_last)
		  : w->now;
	inflight_counter(w, c, dir, now == VD_NO_TIME ? sl.t : now);
}

static void instant_begin(struct pf *w, int side, int track, int64_t t, const char *name)
{
	pf_event(&w->j, 'i', t, pid_of(side), fixed(w, side, track));
	pf_plain(&w->j, "s", "t");
	pf_plain(&w->j, "name", name);
	pf_obj(&w->j, "args");
	w->instants++;
}

static void instant_end(struct pf *w)
{
	pf_obj_end(&w->j);
	pf_obj_end(&w->j);
}

static bool vsock_line(const struct vd_side_info *si, const char *name)
{
	for (unsigned int i = 0; i < si->nirq; i++)
		if (si->irq[i].vsock && !strcmp(si->irq[i].name, name))
			return true;
	return false;
}

static const char *const vq_names[] = { "rx", "tx", "event" };

static const char *vq_name(unsigned int vq)
{
	return vq < 3 ? vq_names[vq] : "any";
}

static const char *const kick_names[] = { "", "sent", "skipped", "received" };

static void bpf_event(struct pf *w, int side, const struct vd_event *ev, int64_t t)
{
	const struct vd_bpf *b = &ev->bpf;
	char name[96];

	switch (b->kind) {
	case VD_BPF_KICK:
		if (b->kick.dir < 1 || b->kick.dir > 3)
			return;
		snprintf(name, sizeof(name), "kick %s (%s)", kick_names[b->kick.dir],
			 vq_name(b->kick.vq));
		instant_begin(w, side, TR_KICK, t, name);
		pf_str(&w->j, "vq", vq_name(b->kick.vq));
		instant_end(w);
		w->kicks[side][b->kick.dir]++;
		counter_begin(w, side, t, "kicks (BPF)");
		pf_uint(&w->j, "sent", w->kicks[side][VD_KICK_SENT]);
		pf_uint(&w->j, "skipped", w->kicks[side][VD_KICK_SKIPPED]);
		pf_uint(&w->j, "received", w->kicks[side][VD_KICK_RECEIVED]);
		counter_end(w);
		return;
	case VD_BPF_RXLEVEL:
		gauge(w, side, G_RING, t, b->rxlevel.level);
		return;
	case VD_BPF_RXFILL:
		gauge(w, side, G_RING, t, b->rxfill.after);
		instant_begin(w, side, TR_BPF, t,
			      b->rxfill.fail ? "RX refill failed" : "RX refill");
		pf_uint(&w->j, "before", b->rxfill.before);
		pf_uint(&w->j, "after", b->rxfill.after);
		pf_uint(&w->j, "max", b->rxfill.max);
		instant_end(w);
		return;
	case VD_BPF_VQIRQ:
		snprintf(name, sizeof(name), "vq interrupt (%s)", vq_name(b->vqirq.vq));
		instant_begin(w, side, TR_IRQ, t, name);
		pf_int(&w->j, "irq", b->vqirq.irq);
		pf_bool(&w->j, "shared", b->vqirq.shared);
		instant_end(w);
		return;
	case VD_BPF_VHOSTWAIT:
		instant_begin(w, side, TR_BPF, t, "vhost waits for RX buffers");
		pf_uint(&w->j, "queued", b->vhost.queued);
		if (b->vhost.have_replies)
			pf_uint(&w->j, "replies", b->vhost.replies);
		instant_end(w);
		gauge(w, side, G_QUEUED, t, b->vhost.queued);
		return;
	case VD_BPF_VHOSTSAMPLE:
		gauge(w, side, G_QUEUED, t, b->vhost.queued);
		gauge(w, side, G_AVAIL, t, b->vhost.avail);
		return;
	case VD_BPF_ALLOCFAIL:
		snprintf(name, sizeof(name), "allocation failed (BPF%s)",
			 b->alloc.opportunistic ? ", had a fallback" : "");
		instant_begin(w, side, TR_ALLOC, t, name);
		pf_uint(&w->j, "order", b->alloc.order);
		pf_uint(&w->j, "bytes", b->alloc.bytes);
		pf_bool(&w->j, "opportunistic", b->alloc.opportunistic);
		if (b->alloc.have_stack)
			pf_uint(&w->j, "stack", b->alloc.stack);
		pf_int(&w->j, "pid", ev->pid);
		pf_str(&w->j, "comm", ev->comm);
		instant_end(w);
		return;
	case VD_BPF_SKBDROP:
		instant_begin(w, side, TR_BPF, t, "skb dropped in vsock code");
		pf_uint(&w->j, "reason", b->skbdrop.reason);
		pf_str(&w->j, "where", b->skbdrop.loc);
		instant_end(w);
		return;
	case VD_BPF_CREDIT:
		snprintf(name, sizeof(name),
			 "socket %" PRIu32 ":%" PRIu32 " <- %" PRIu32 ":%" PRIu32 " (BPF)",
			 b->credit.local_cid, b->credit.local_port, b->credit.remote_cid,
			 b->credit.remote_port);
		counter_begin(w, side, t, name);
		pf_uint(&w->j, "unread", b->credit.rx_bytes);
		counter_end(w);
		return;
	case VD_BPF_LOST:
		instant_begin(w, side, TR_REC, t, "BPF events lost");
		pf_uint(&w->j, "count", b->lost);
		instant_end(w);
		return;
	default:
		/* tier and stack lines have no time; payload heads are not shown */
		return;
	}
}

static void pf_event_tap(void *ctx, const struct vd_session *s, enum vd_side side,
			 const struct vd_event *ev)
{
	struct pf *w = ctx;
	int64_t when =
	    ev->kind == VD_EV_BPF && ev->bpf.has_t ? (int64_t)ev->bpf.t : (int64_t)ev->ts_ns;
	int64_t t = vd_export_time(w->res, side, when);
	char name[96];

	(void)s;
	if (ev->kind == VD_EV_BPF && !ev->bpf.has_t)
		return;
	switch (ev->kind) {
	case VD_EV_IRQ_ENTRY:
		if (!vsock_line(&w->res->side[side], ev->irq.name))
			return;
		snprintf(name, sizeof(name), "irq %" PRId32 " %s", ev->irq.irq, ev->irq.name);
		instant_begin(w, side, TR_IRQ, t, name);
		pf_int(&w->j, "irq", ev->irq.irq);
		pf_str(&w->j, "line", ev->irq.name);
		pf_int(&w->j, "cpu", ev->cpu);
		instant_end(w);
		return;
	case VD_EV_PAGE_ALLOC:
		if (!ev->page.failed)
			return;
		snprintf(name, sizeof(name), "page allocation failed (order %" PRIu32 ")",
			 ev->page.order);
		instant_begin(w, side, TR_ALLOC, t, name);
		pf_uint(&w->j, "order", ev->page.order);
		pf_bool(&w->j, "opportunistic",
			(ev->page.gfp & (VD_GFP_NORETRY | VD_GFP_NOWARN)) ==
			    (VD_GFP_NORETRY | VD_GFP_NOWARN));
		pf_int(&w->j, "pid", ev->pid);
		pf_str(&w->j, "comm", ev->comm);
		pf_int(&w->j, "cpu", ev->cpu);
		instant_end(w);
		return;
	case VD_EV_KMALLOC:
		if (!ev->kmalloc.failed)
			return;
		instant_begin(w, side, TR_ALLOC, t, "kmalloc failed");
		pf_uint(&w->j, "bytes", ev->kmalloc.bytes_req);
		pf_str(&w->j, "call_site", ev->kmalloc.call_sym);
		pf_int(&w->j, "pid", ev->pid);
		pf_str(&w->j, "comm", ev->comm);
		instant_end(w);
		return;
	case VD_EV_LOST:
		instant_begin(w, side, TR_REC, t, "trace events lost");
		if (ev->lost.count)
			pf_uint(&w->j, "count", ev->lost.count);
		else
			pf_str(&w->j, "count", "unknown");
		instant_end(w);
		return;
	case VD_EV_MARK:
		instant_begin(w, side, TR_REC, t,
			      ev->mark.what == VD_MARK_RECORDER_STOP ? "recorder stopping"
								     : "recorder starting");
		instant_end(w);
		return;
	case VD_EV_BPF:
		bpf_event(w, side, ev, t);
		return;
	default:
		return;
	}
}

/* ---- the end: what is held, the findings, the metadata -------------------------------- */

static int concern(const struct vd_result *res, const struct vd_finding *f)
{
	if (!res->two_sides)
		return VD_SIDE_A;
	if (f->side >= 0)
		return f->side;
	if (f->dir >= 0)
		/* a starved sender waits; a dead or late link fails its receiver */
		return f->kind == VD_FK_CREDIT_STARVATION ? vd_dir_sender(f->dir)
							  : vd_dir_receiver(f->dir);
	if (f->client >= 0)
		return f->client;
	return VD_SIDE_A;
}

struct place {
	size_t i;
	int side;
	bool whole; /* no time known: over the partition's whole recording */
	int64_t start, end;
};

/* where a finding's slice goes: its partition's track, its window on the export axis */
static void place(const struct pf *w, size_t i, struct place *p)
{
	const struct vd_result *res = w->res;
	const struct vd_finding *f = &res->findings.v[i];
	int s = concern(res, f), o = !s, src;
	bool al = vd_export_aligned(res);

	memset(p, 0, sizeof(*p));
	p->i = i;
	if (f->start[s] != VD_NO_TIME)
		src = s;
	else if (res->two_sides && f->start[o] != VD_NO_TIME)
		src = o; /* unaligned: then on o's own track, in o's clock */
	else
		src = -1;
	if (src < 0) {
		const struct vd_source_stats *st = &res->side[s].stats;

		p->whole = true;
		p->side = s;
		p->start = vd_export_time(
		    res, s, (int64_t)(st->window_start ? st->window_start : st->first_ts));
		p->end = vd_export_time(res, s, (int64_t)st->last_ts);
	} else {
		p->side = al ? s : src;
		p->start = vd_export_time(res, src, f->start[src]);
		if (f->end[src] != VD_NO_TIME)
			p->end = vd_export_time(res, src, f->end[src]);
		else if (al && res->two_sides && f->end[!src] != VD_NO_TIME)
			p->end = vd_export_time(res, !src, f->end[!src]);
		else
			p->end = p->start;
	}
	if (p->end < p->start)
		p->end = p->start;
}

static int place_cmp(const void *a, const void *b)
{
	const struct place *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

static void finding_slice(struct pf *w, const struct place *p, uint64_t tid)
{
	const struct vd_finding *f = &w->res->findings.v[p->i];
	struct vd_finding_text *txt = vd_xcalloc(1, sizeof(*txt));
	char name[96];

	vd_render_finding(w->o, w->res, f, txt);
	snprintf(name, sizeof(name), "%s: %s", vd_severity_name(f->severity),
		 vd_finding_kind_name(f->kind));
	pf_event(&w->j, 'X', p->start, pid_of(p->side), tid);
	pf_us(&w->j, "dur", p->end - p->start);
	pf_plain(&w->j, "cat", "finding");
	pf_plain(&w->j, "name", name);
	pf_obj(&w->j, "args");
	pf_uint(&w->j, "id", f->id);
	pf_str(&w->j, "kind", vd_finding_kind_name(f->kind));
	pf_str(&w->j, "severity", vd_severity_name(f->severity));
	pf_str(&w->j, "summary", txt->summary);
	if (txt->cause[0])
		pf_str(&w->j, "cause", txt->cause);
	if (txt->next_step[0])
		pf_str(&w->j, "next_step", txt->next_step);
	pf_arr(&w->j, "evidence");
	for (unsigned int i = 0; i < txt->nevidence; i++)
		pf_str(&w->j, NULL, txt->evidence[i]);
	pf_arr_end(&w->j);
	if (f->conn >= 0)
		pf_int(&w->j, "connection", f->conn);
	if (f->dir >= 0)
		pf_str(&w->j, "direction", f->dir ? "b_to_a" : "a_to_b");
	pf_uint(&w->j, "count", f->count);
	pf_uint(&w->j, "bytes", f->bytes);
	if (f->incident)
		pf_uint(&w->j, "incident", f->incident);
	if (vd_explain_name(f->explain))
		pf_str(&w->j, "explanation", vd_explain_name(f->explain));
	if (p->whole)
		pf_str(&w->j, "window", "no time known: shown over the whole recording");
	pf_obj_end(&w->j);
	pf_obj_end(&w->j);
	free(txt);
}

/* each partition's findings on as many tracks as their windows need not to overlap */
static void findings(struct pf *w)
{
	size_t n = w->res->findings.n;
	struct place *p = vd_xcalloc(n ? n : 1, sizeof(*p));
	int64_t lane_end[2][PF_LANES];
	unsigned int nlanes[2] = { 0, 0 };

	for (size_t i = 0; i < n; i++)
		place(w, i, &p[i]);
	qsort(p, n, sizeof(*p), place_cmp);
	for (size_t i = 0; i < n; i++) {
		int s = p[i].side;
		unsigned int k = 0;

		while (k < nlanes[s] && lane_end[s][k] > p[i].start)
			k++;
		if (k == nlanes[s]) {
			if (nlanes[s] < PF_LANES) {
				nlanes[s]++;
			} else {
				/* out of tracks: the one free soonest (Perfetto may nest it) */
				k = 0;
				for (unsigned int m = 1; m < PF_LANES; m++)
					if (lane_end[s][m] < lane_end[s][k])
						k = m;
			}
		}
		lane_end[s][k] = p[i].end;
		finding_slice(w, &p[i], lane(w, s, k));
	}
	free(p);
}

static void flush_tracks(struct pf *w)
{
	for (uint32_t id = 0; id < w->nconn; id++)
		for (int d = 0; d < 2; d++)
			for (int r = 0; r < 2; r++) {
				struct pf_track *t = &w->conn[id].tr[d][r];

				if (t->held.used)
					slice_write(w, id, d, r, &t->held, PF_DUR_NS);
				if (t->npend)
					pend_flush(w, id, d, t, INT64_MAX);
			}
}

static void partition_meta(struct pf *w, int side)
{
	const struct vd_side_info *si = &w->res->side[side];

	pf_obj(&w->j, NULL);
	pf_str(&w->j, "side", side ? "b" : "a");
	pf_uint(&w->j, "pid", pid_of(side));
	pf_str(&w->j, "name", w->o->name[side]);
	pf_str(&w->j, "path", w->o->path[side]);
	pf_str(&w->j, "kernel", si->rec.uname[0] ? si->rec.uname : "unknown");
	pf_str(&w->j, "trace_clock", si->rec.trace_clock[0] ? si->rec.trace_clock : "unknown");
	pf_uint(&w->j, "window_start_ns", si->stats.window_start);
	pf_uint(&w->j, "window_end_ns", si->stats.last_ts);
	pf_uint(&w->j, "events", si->stats.events);
	pf_uint(&w->j, "lost_events", si->stats.lost_events);
	pf_obj_end(&w->j);
}

static void metadata(struct pf *w)
{
	const struct vd_result *res = w->res;
	const struct vd_clock *c = &res->clock;
	char note[VD_FINDING_TEXT + 256];

	vd_export_clock_note(res, note, sizeof(note));
	pf_obj(&w->j, "metadata");
	pf_str(&w->j, "generator", "vsockdiag " VD_VERSION " export -f perfetto");
	pf_str(&w->j, "vsockdiag_version", VD_VERSION);
	pf_str(&w->j, "time_axis",
	       "partition A's trace clock; ts and dur in microseconds with three decimals "
	       "(nanoseconds)");
	pf_str(&w->j, "clock", note);
	pf_bool(&w->j, "clock_aligned", vd_export_aligned(res));
	if (res->two_sides && vd_clock_aligned(c)) {
		pf_int(&w->j, "clock_offset_ns", c->offset_ns);
		if (c->uncertainty_ns >= 0)
			pf_int(&w->j, "clock_uncertainty_ns", c->uncertainty_ns);
		pf_double(&w->j, "clock_drift_ppm", c->drift * 1e6);
	}
	pf_str(&w->j, "clock_estimate", res->clock_note);
	pf_str(&w->j, "verdict", vd_verdict_name(res->verdict));
	pf_arr(&w->j, "partitions");
	for (int side = 0; side < (res->two_sides ? 2 : 1); side++)
		partition_meta(w, side);
	pf_arr_end(&w->j);
	pf_uint(&w->j, "findings", res->findings.n);
	pf_arr(&w->j, "incidents");
	for (size_t i = 0; i < res->nincidents; i++) {
		char sum[VD_FINDING_TEXT];

		vd_render_summary(w->o, res, &res->findings.v[res->incidents[i].lead], sum,
				  sizeof(sum));
		pf_obj(&w->j, NULL);
		pf_uint(&w->j, "id", res->incidents[i].id);
		pf_str(&w->j, "severity",
		       vd_severity_name((enum vd_severity)res->incidents[i].severity));
		pf_str(&w->j, "summary", sum);
		pf_obj_end(&w->j);
	}
	pf_arr_end(&w->j);
	pf_uint(&w->j, "send_slices", w->slices[0]);
	pf_uint(&w->j, "receive_slices", w->slices[1]);
	pf_uint(&w->j, "flows", w->next_flow);
	pf_uint(&w->j, "flow_ends_after_their_slice", w->late_ends);
	pf_uint(&w->j, "instants", w->instants);
	pf_uint(&w->j, "counter_samples", w->counters);
	pf_str(&w->j, "left_out",
	       "loopback connections, interrupts of other lines, successful allocations, BPF "
	       "payload heads, BPF tier and stack lines; counters are written only when their "
	       "value changes");
	pf_obj_end(&w->j);
}

static int pf_finish(void *ctx, const struct vd_opts *o, const struct vd_result *res)
{
	struct pf *w = ctx;

	(void)o;
	w->res = res;
	flush_tracks(w);
	findings(w);
	pf_arr_end(&w->j);
	/* at the end: older Perfetto took "ns" here for the unit of ts, if it came first */
	pf_str(&w->j, "displayTimeUnit", "ns");
	metadata(w);
	pf_obj_end(&w->j);
	return ferror(w->j.f) ? -EIO : 0;
}

static void *pf_create(FILE *out, const struct vd_opts *o)
{
	struct pf *w = vd_xcalloc(1, sizeof(*w));

	pf_init(&w->j, out);
	w->o = o;
	return w;
}

static void pf_destroy(void *ctx)
{
	struct pf *w = ctx;

	if (!w)
		return;
	free(w->conn);
	free(w);
}

const struct vd_exporter vd_export_perfetto = {
	.name = "perfetto",
	.ext = ".json",
	.what = "a timeline for ui.perfetto.dev and chrome://tracing (Chrome JSON trace)",
	.create = pf_create,
	.begin = pf_begin,
	.packet = pf_packet,
	.fate = pf_fate,
	.event = pf_event_tap,
	.finish = pf_finish,
	.destroy = pf_destroy,
};
