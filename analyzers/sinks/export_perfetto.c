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
#include "common/util.h"

#define PF_DUR_NS   1000 /* a packet's slice: 1 us, or up to the next one of its track */
#define PF_FLOW_IN  4	 /* flow ends one held arrival takes */
#define PF_PEND	    8	 /* flow ends waiting for an arrival not yet seen, per track */
#define PF_NO_FATE  (-1)
#define PF_FLOW_CAT "vsock"

static const char *const fixed_names[TR_FIXED] = {
	[TR_IRQ] = "interrupts (vsock lines)",
	[TR_ALLOC] = "allocation failures",
	[TR_KICK] = "kicks (BPF)",
	[TR_BPF] = "BPF evidence",
	[TR_REC] = "recording (lost events, recorder)",
	[TR_ADB] = "adb (handshakes)",
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

uint64_t pf_fixed_track(struct pf *w, int side, int k)
{
	if (!w->named[side][k]) {
		w->named[side][k] = true;
		thread_meta(w, side, fixed_tid(side, k), fixed_names[k], 1000000 + k);
	}
	return fixed_tid(side, k);
}

uint64_t pf_lane_track(struct pf *w, int side, unsigned int k)
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

void pf_counter_begin(struct pf *w, int side, int64_t t, const char *name)
{
	pf_event(&w->j, 'C', t, pid_of(side), 0);
	pf_plain(&w->j, "name", name);
	pf_obj(&w->j, "args");
	w->counters++;
}

void pf_counter_end(struct pf *w)
{
	pf_obj_end(&w->j);
	pf_obj_end(&w->j);
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
	pf_counter_begin(w, vd_dir_sender(dir), t, name);
	pf_int(&w->j, "available", avail);
	pf_int(&w->j, "unread", unread);
	pf_counter_end(w);
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
	pf_counter_begin(w, vd_dir_sender(dir), t, name);
	pf_int(&w->j, "bytes", pc->inflight[dir]);
	pf_counter_end(w);
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

static int pf_finish(void *ctx, const struct vd_opts *o, const struct vd_result *res)
{
	struct pf *w = ctx;

	(void)o;
	w->res = res;
	flush_tracks(w);
	pf_findings(w);
	pf_adb(w);
	pf_arr_end(&w->j);
	/* at the end: older Perfetto took "ns" here for the unit of ts, if it came first */
	pf_str(&w->j, "displayTimeUnit", "ns");
	pf_metadata(w);
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
