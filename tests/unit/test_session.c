// SPDX-License-Identifier: GPL-2.0
/*
 * The session fed one event at a time, as a live view or a replay feeds it:
 * its view in the middle, what it settles at the end, and receives counted
 * once.  No file is read: events are built here.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzers/batch/corr_internal.h"
#include "analyzers/session/session.h"
#include "analyzers/settle/settle.h"
#include "vtest.h"

#define MS 1000000LL
#define S 1000000000LL
#define HOST 2
#define GUEST 3
#define PORT_G 40000
#define PORT_H 5555

/* a packet as partition side recorded it; A is the host (CID 2), B the guest (CID 3) */
static struct vd_event pkt(enum vd_side side, bool send, int64_t t, uint16_t op, uint32_t len,
			   uint32_t buf_alloc, uint32_t fwd_cnt)
{
	/* host -> guest when the host sends or the guest receives */
	bool from_host = (side == VD_SIDE_A) == send;
	struct vd_event ev = { .ts_ns = (uint64_t)t, .cpu = 0, .pid = 1,
			       .kind = send ? VD_EV_PKT_ALLOC : VD_EV_PKT_RECV };

	strcpy(ev.comm, "test");
	ev.pkt.src_cid = from_host ? HOST : GUEST;
	ev.pkt.src_port = from_host ? PORT_H : PORT_G;
	ev.pkt.dst_cid = from_host ? GUEST : HOST;
	ev.pkt.dst_port = from_host ? PORT_G : PORT_H;
	ev.pkt.op = op;
	ev.pkt.len = len;
	ev.pkt.type = 1;
	ev.pkt.has_credit = true;
	ev.pkt.buf_alloc = buf_alloc;
	ev.pkt.fwd_cnt = fwd_cnt;
	return ev;
}

struct fixture {
	struct vd_opts o;
	struct vd_clock clock;
	struct vd_result res;
	struct vd_session *s;
};

/* two partitions with the same clock (--offset 0), both recording from 0 to end */
static void setup(struct fixture *x, int64_t end)
{
	memset(x, 0, sizeof(*x));
	vd_opts_init(&x->o);
	x->o.name[0] = "host";
	x->o.name[1] = "guest";
	x->clock = (struct vd_clock){ .source = VD_CLOCK_USER, .uncertainty_ns = -1 };
	x->res.clock = x->clock;
	for (int i = 0; i < 2; i++) {
		x->res.side[i].stats.first_ts = 0;
		x->res.side[i].stats.window_start = 0;
		x->res.side[i].stats.last_ts = (uint64_t)end;
		x->res.side[i].stats.events = 1;
	}
	x->s = vd_session_new(&(struct vd_session_cfg){ .o = &x->o,
							.clock = &x->clock,
							.tol_ns = vd_clock_tol(&x->clock),
							.causal_ns = vd_clock_causal(&x->clock),
							.final = true,
							.two_sides = true },
			      &x->res);
}

static void teardown(struct fixture *x)
{
	vd_session_free(x->s);
	vd_result_free(&x->res);
}

static const struct vd_finding *find_kind(const struct vd_result *r, enum vd_finding_kind k)
{
	for (size_t i = 0; i < r->findings.n; i++)
		if (r->findings.v[i].kind == k)
			return &r->findings.v[i];
	return NULL;
}

static void open_connection(struct fixture *x, int64_t t)
{
	struct vd_event ev;

	ev = pkt(VD_SIDE_B, true, t, VD_OP_REQUEST, 0, 65536, 0);
	vd_session_feed(x->s, VD_SIDE_B, &ev);
	ev = pkt(VD_SIDE_A, false, t + 1 * MS, VD_OP_REQUEST, 0, 65536, 0);
	vd_session_feed(x->s, VD_SIDE_A, &ev);
	ev = pkt(VD_SIDE_A, true, t + 2 * MS, VD_OP_RESPONSE, 0, 65536, 0);
	vd_session_feed(x->s, VD_SIDE_A, &ev);
	ev = pkt(VD_SIDE_B, false, t + 3 * MS, VD_OP_RESPONSE, 0, 65536, 0);
	vd_session_feed(x->s, VD_SIDE_B, &ev);
}

/*
 * What a live view does: feed, look, feed again.  The guest stops taking
 * packets for 2 s: the view shows the stall open while it lasts, with the
 * connection and its credit; the end turns it into a finding.
 */
VT_TEST(session_view_in_the_middle_shows_the_open_stall)
{
	struct fixture x;
	struct vd_view v;
	struct vd_event ev;
	const struct vd_finding *f;
	const struct vd_conn *c;
	bool stall_open = false;

	setup(&x, 10 * S);
	open_connection(&x, 1 * S);
	/* the host sends 4 KiB every 100 ms; the guest takes them at once, then 2 s late */
	for (int i = 0; i < 10; i++) {
		int64_t t = 2 * S + i * 100 * MS;
		int64_t arrive = i < 5 ? t + 1 * MS : 4 * S + i * MS;

		ev = pkt(VD_SIDE_A, true, t, VD_OP_RW, 4096, 65536, 0);
		vd_session_feed(x.s, VD_SIDE_A, &ev);
		if (i < 5) {
			ev = pkt(VD_SIDE_B, false, arrive, VD_OP_RW, 4096, 65536, 0);
			vd_session_feed(x.s, VD_SIDE_B, &ev);
		}
	}
	/* the late arrivals, in order */
	for (int i = 5; i < 10; i++) {
		ev = pkt(VD_SIDE_B, false, 4 * S + i * MS, VD_OP_RW, 4096, 65536, 0);
		vd_session_feed(x.s, VD_SIDE_B, &ev);
	}

	vd_session_view(x.s, &v);
	VT_EQ_U64(v.nconns, 1);
	c = &v.conns[0];
	VT_EQ_INT(c->initiator, VD_SIDE_B);
	VT_EQ_U64(c->d[VD_DIR_A_TO_B].sent_pkts, 10);
	VT_EQ_U64(c->d[VD_DIR_A_TO_B].recv_pkts, 10);
	VT_EQ_U64(c->d[VD_DIR_A_TO_B].delivered, 11); /* and the RESPONSE */
	/* the host's credit: 64 KiB advertised, 40 KiB sent, nothing consumed yet */
	VT_EQ_INT(vd_credit_avail(&c->credit[VD_DIR_A_TO_B]), 65536 - 40960);
	VT_EQ_INT(v.last_ts[VD_SIDE_B], 4 * S + 9 * MS);
	for (size_t i = 0; i < v.nopen; i++)
		if (v.open[i].kind == VD_FK_DELIVERY_STALL && v.open[i].dir == VD_DIR_A_TO_B) {
			stall_open = true;
			VT_EQ_U64(v.open[i].count, 5);
			VT_EQ_INT(v.open[i].start[VD_SIDE_A], 2 * S + 500 * MS);
		}
	VT_ASSERT(stall_open);
	VT_EQ_U64(v.nfindings, 0); /* nothing settled yet: the stall is still open */

	/* an on-time packet after the late ones ends the stall */
	ev = pkt(VD_SIDE_A, true, 5 * S, VD_OP_RW, 4096, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_A, &ev);
	ev = pkt(VD_SIDE_B, false, 5 * S + 1 * MS, VD_OP_RW, 4096, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_B, &ev);
	vd_session_view(x.s, &v);
	VT_EQ_U64(v.nfindings, 1);
	VT_EQ_INT(v.findings[0].kind, VD_FK_DELIVERY_STALL);

	vd_session_end(x.s);
	vd_settle(&x.o, &x.res);
	f = find_kind(&x.res, VD_FK_DELIVERY_STALL);
	VT_ASSERT(f);
	VT_EQ_INT(f->severity, VD_SEV_ERROR);
	VT_EQ_U64(f->count, 5);
	VT_ASSERT(f->worst_latency_ns >= 1500 * MS);
	VT_EQ_INT(x.res.verdict, VD_VERDICT_PROBLEMS);
	teardown(&x);
}

/*
 * The held-orphan defect: the guest records the 100-byte receive 60 ms
 * "before" the host sent it (a clock step), then the other two.  The
 * matcher holds it as an orphan, then pairs it with the send the next
 * receive proves skipped: one delivery, no orphan, each receive counted once.
 */
VT_TEST(session_held_orphan_paired_later_is_counted_once)
{
	struct fixture x;
	struct vd_event ev;
	const struct vd_conn_dir *d;

	setup(&x, 10 * S);
	ev = pkt(VD_SIDE_A, true, 1000 * MS, VD_OP_REQUEST, 0, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_A, &ev);
	ev = pkt(VD_SIDE_B, false, 1001 * MS, VD_OP_REQUEST, 0, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_B, &ev);
	ev = pkt(VD_SIDE_B, false, 1040 * MS, VD_OP_RW, 100, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_B, &ev);
	ev = pkt(VD_SIDE_A, true, 1100 * MS, VD_OP_RW, 100, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_A, &ev);
	ev = pkt(VD_SIDE_A, true, 1200 * MS, VD_OP_RW, 200, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_A, &ev);
	ev = pkt(VD_SIDE_B, false, 1201 * MS, VD_OP_RW, 200, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_B, &ev);
	ev = pkt(VD_SIDE_A, true, 1300 * MS, VD_OP_RW, 300, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_A, &ev);
	ev = pkt(VD_SIDE_B, false, 1301 * MS, VD_OP_RW, 300, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_B, &ev);
	vd_session_end(x.s);
	vd_settle(&x.o, &x.res);

	VT_EQ_U64(x.res.nconns, 1);
	d = &x.res.conns[0].d[VD_DIR_A_TO_B];
	VT_EQ_U64(d->recv_pkts, 3);
	VT_EQ_U64(d->orphans, 0);
	VT_EQ_U64(d->recv_matched, 3);
	VT_EQ_U64(d->delivered, 4); /* the REQUEST and the three RW packets */
	VT_EQ_U64(d->lost + d->missing, 0);
	VT_ASSERT(!find_kind(&x.res, VD_FK_UNDELIVERED));
	VT_EQ_U64(x.res.orphans_unexpected[VD_DIR_A_TO_B], 0);
	teardown(&x);
}

/*
 * The recorder stopping on the guest while the guest's packets were late:
 * the stall is reported, as a warning that names the recorder.
 */
VT_TEST(session_stall_at_the_recorder_stop_says_so)
{
	struct fixture x;
	struct vd_event ev;
	const struct vd_finding *f;

	setup(&x, 10 * S);
	open_connection(&x, 1 * S);
	ev = pkt(VD_SIDE_B, true, 2 * S, VD_OP_SHUTDOWN, 0, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_B, &ev);
	ev = (struct vd_event){ .ts_ns = 2 * S + 100 * MS, .kind = VD_EV_MARK,
				.mark.what = VD_MARK_RECORDER_STOP };
	vd_session_feed(x.s, VD_SIDE_B, &ev);
	ev = pkt(VD_SIDE_A, false, 2 * S + 700 * MS, VD_OP_SHUTDOWN, 0, 65536, 0);
	vd_session_feed(x.s, VD_SIDE_A, &ev);
	vd_session_end(x.s);
	vd_settle(&x.o, &x.res);

	f = find_kind(&x.res, VD_FK_DELIVERY_STALL);
	VT_ASSERT(f);
	VT_EQ_INT(f->severity, VD_SEV_WARNING);
	VT_EQ_INT(f->variant, VD_VAR_STALL_RECORDER);
	VT_EQ_INT(f->evidence[f->nevidence - 1].kind, VD_EVD_RECORDER);
	VT_EQ_INT(f->evidence[f->nevidence - 1].side, VD_SIDE_B);
	VT_EQ_INT(x.res.verdict, VD_VERDICT_INCONCLUSIVE);
	teardown(&x);
}
