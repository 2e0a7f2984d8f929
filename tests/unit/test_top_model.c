// SPDX-License-Identifier: GPL-2.0
/*
 * The top model fed event by event as a live collector feeds it (no scan
 * facts): rates between samples, credit from packets and from BPF socket
 * snapshots, states, idle time, history, what it says it cannot tell, and
 * the open starvation window before it becomes a finding.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzers/model/findings.h"
#include "tui/top_model.h"
#include "vtest.h"

#define MS 1000000LL
#define S  1000000000LL
#define ME 3 /* this partition: a guest */
#define PEER 2
#define MY_PORT 40000
#define PEER_PORT 5555

/* a packet this guest sent (send) or received, with the peer's credit on receives */
static struct vd_event pkt(bool send, int64_t t, uint16_t op, uint32_t len, uint32_t buf_alloc,
			   uint32_t fwd_cnt)
{
	struct vd_event ev = { .ts_ns = (uint64_t)t, .cpu = 0, .pid = send ? 42 : 17,
			       .kind = send ? VD_EV_PKT_ALLOC : VD_EV_PKT_RECV };

	strcpy(ev.comm, send ? "adbd" : "kworker/0:1");
	ev.pkt.src_cid = send ? ME : PEER;
	ev.pkt.src_port = send ? MY_PORT : PEER_PORT;
	ev.pkt.dst_cid = send ? PEER : ME;
	ev.pkt.dst_port = send ? PEER_PORT : MY_PORT;
	ev.pkt.op = op;
	ev.pkt.len = len;
	ev.pkt.type = 1;
	ev.pkt.has_credit = !send;
	ev.pkt.buf_alloc = buf_alloc;
	ev.pkt.fwd_cnt = fwd_cnt;
	return ev;
}

static struct vd_top *live_top(struct vd_opts *o)
{
	vd_opts_init(o);
	return vd_top_new(&(struct vd_top_cfg){ .o = o, .label = "test", .kernel = "6.1.0-57" });
}

static void feed(struct vd_top *t, struct vd_event ev)
{
	vd_top_feed(t, &ev);
}

/* connect, then 10 x 4 KiB in the first second */
static void open_and_send(struct vd_top *t)
{
	feed(t, pkt(true, 0, VD_OP_REQUEST, 0, 0, 0));
	feed(t, pkt(false, 1 * MS, VD_OP_RESPONSE, 0, 65536, 0));
	for (int i = 0; i < 10; i++)
		feed(t, pkt(true, 100 * MS * (i + 1) - MS, VD_OP_RW, 4096, 0, 0));
}

VT_TEST(top_rates_credit_and_process)
{
	struct vd_opts o;
	struct vd_top *t = live_top(&o);
	const struct vd_top_snap *s;
	const struct vd_top_row *r;

	open_and_send(t);
	s = vd_top_sample(t, 1 * S);
	VT_EQ_U64(s->nrows, 1);
	r = &s->rows[0];
	VT_EQ_INT(r->local_cid, ME);
	VT_EQ_INT(r->peer_port, PEER_PORT);
	VT_ASSERT(r->adb);
	VT_EQ_INT(r->opener, 0);
	VT_EQ_STR(r->state, "open");
	VT_EQ_STR(r->proc, "adbd"); /* the sender, not the kworker that received */
	VT_EQ_INT(r->pid, 42);
	VT_EQ_U64(r->tx_bytes, 40960);
	/* the first interval runs from the first event: 1 s */
	VT_EQ_INT((int64_t)r->tx_bps, 40960);
	VT_EQ_INT((int64_t)r->tx_pps, 10);
	/* credit from the packets: 64 KiB advertised, 40 KiB sent, nothing consumed */
	VT_EQ_INT(r->credit, 65536 - 40960);
	VT_ASSERT(!r->credit_bpf);
	/* no BPF snapshot: the receive side's counters are unknown, not 0 */
	VT_EQ_INT(r->unread, -1);
	VT_EQ_INT(r->fwd_cnt, -1);
	VT_ASSERT(strstr(s->h.cannot, "unread, fwd_cnt") != NULL);
	VT_ASSERT(strstr(s->h.cannot, "kicks") != NULL);
	VT_ASSERT(s->h.kick_ps < 0);
	VT_EQ_INT(s->h.ring_level, -1);
	VT_EQ_INT(s->h.cid, ME);
	VT_EQ_STR(s->h.kernel, "6.1.0-57");
	/* the next second: nothing moved; rates drop to 0, idle grows from the last send */
	s = vd_top_sample(t, 2 * S);
	r = &s->rows[0];
	VT_EQ_INT((int64_t)r->tx_bps, 0);
	VT_EQ_INT(r->idle_ns, 2 * S - (1000 * MS - MS));
	VT_ASSERT(!s->problems);
	vd_top_free(t);
}

VT_TEST(top_starvation_open_then_found)
{
	struct vd_opts o;
	struct vd_top *t = live_top(&o);
	const struct vd_top_snap *s;
	const struct vd_top_hist *h;
	size_t n;
	bool open = false;

	/* the peer advertises exactly 40 KiB: after 10 x 4 KiB the credit is 0 */
	feed(t, pkt(true, 0, VD_OP_REQUEST, 0, 0, 0));
	feed(t, pkt(false, 1 * MS, VD_OP_RESPONSE, 0, 40960, 0));
	for (int i = 0; i < 10; i++)
		feed(t, pkt(true, 100 * MS * (i + 1) - MS, VD_OP_RW, 4096, 0, 0));
	s = vd_top_sample(t, 1200 * MS);
	VT_EQ_INT(s->rows[0].credit, 0);
	for (size_t i = 0; i < s->nfindings; i++)
		if (s->findings[i].kind == VD_FK_CREDIT_STARVATION && s->findings[i].open) {
			open = true;
			/* younger than --starve (1 s): watched, not yet a problem */
			VT_EQ_INT(s->findings[i].severity, VD_SEV_INFO);
		}
	VT_ASSERT(open);
	VT_ASSERT(!s->problems);
	/* 3 s later still at 0 with the peer's packets flat: a problem while it lasts */
	feed(t, pkt(false, 2 * S, VD_OP_CREDIT_UPDATE, 0, 40960, 0));
	s = vd_top_sample(t, 3 * S);
	VT_ASSERT(s->problems);
	VT_ASSERT(s->rows[0].problem);
	/* the peer reads everything: credit comes back, the window closes into a finding */
	feed(t, pkt(false, 3500 * MS, VD_OP_CREDIT_UPDATE, 0, 40960, 40960));
	s = vd_top_sample(t, 4 * S);
	VT_EQ_INT(s->rows[0].credit, 40960);
	open = false;
	for (size_t i = 0; i < s->nfindings; i++)
		open |= s->findings[i].kind == VD_FK_CREDIT_STARVATION && !s->findings[i].open &&
			s->findings[i].severity >= VD_SEV_WARNING;
	VT_ASSERT(open);
	/* the history holds one entry per sample, oldest first */
	n = vd_top_history(t, s->rows[0].conn, &h);
	VT_EQ_U64(n, 3);
	VT_EQ_INT(h[0].t, 1200 * MS);
	VT_EQ_INT(h[0].credit, 0);
	VT_EQ_INT(h[2].credit, 40960);
	vd_top_free(t);
}

VT_TEST(top_bpf_snapshot_and_closed_rows)
{
	struct vd_opts o;
	struct vd_top *t = live_top(&o);
	const struct vd_top_snap *s;
	struct vd_event ev = { .ts_ns = 1500 * MS, .pid = 42, .kind = VD_EV_BPF };

	open_and_send(t);
	/* the socket sampler: the kernel's own counters for this socket */
	strcpy(ev.comm, "adbd");
	ev.bpf.kind = VD_BPF_CREDIT;
	ev.bpf.has_t = true;
	ev.bpf.t = 1500 * MS;
	ev.bpf.credit = (struct vd_bpf_credit){ .local_cid = ME,
						.local_port = MY_PORT,
						.remote_cid = PEER,
						.remote_port = PEER_PORT,
						.tx_cnt = 40960,
						.peer_fwd_cnt = 8192,
						.peer_buf_alloc = 65536,
						.fwd_cnt = 100,
						.rx_bytes = 7,
						.buf_alloc = 262144 };
	vd_top_feed(t, &ev);
	s = vd_top_sample(t, 2 * S);
	VT_ASSERT(s->rows[0].credit_bpf);
	VT_EQ_INT(s->rows[0].credit, 65536 - (40960 - 8192));
	VT_EQ_INT(s->rows[0].unread, 7);
	VT_EQ_INT(s->rows[0].fwd_cnt, 100);
	VT_ASSERT(strstr(s->h.cannot, "unread") == NULL);
	/* closed by an RST: kept on screen a while (10 s), then gone */
	feed(t, pkt(true, 3 * S, VD_OP_SHUTDOWN, 0, 0, 0));
	s = vd_top_sample(t, 3 * S + MS);
	VT_EQ_STR(s->rows[0].state, "half-closed");
	feed(t, pkt(false, 3 * S + 2 * MS, VD_OP_RST, 0, 0, 0));
	s = vd_top_sample(t, 4 * S);
	VT_EQ_U64(s->nrows, 1);
	VT_ASSERT(s->rows[0].closed);
	/* the socket is gone: its last snapshot (before the close) is not shown as current */
	VT_ASSERT(!s->rows[0].credit_bpf);
	VT_EQ_INT(s->rows[0].unread, -1);
	VT_EQ_INT(s->h.conns_open, 0);
	s = vd_top_sample(t, 14 * S);
	VT_EQ_U64(s->nrows, 0);
	VT_EQ_U64(s->h.conns_total, 1);
	vd_top_free(t);
}

VT_TEST(top_replay_end_never_goes_back)
{
	struct vd_opts o;
	struct vd_top *t = live_top(&o);
	const struct vd_top_snap *s;

	open_and_send(t);
	s = vd_top_sample(t, 5 * S); /* sampled past the last event */
	s = vd_top_end(t);
	VT_EQ_INT(s->h.now_ns, 5 * S);
	/* after the end nothing more is fed */
	feed(t, pkt(true, 6 * S, VD_OP_RW, 4096, 0, 0));
	s = vd_top_sample(t, 7 * S);
	VT_EQ_U64(s->rows[0].tx_bytes, 40960);
	vd_top_free(t);
}

/* hooks the environment refused are named as refused, not as missing from the kernel */
VT_TEST(top_cannot_says_why)
{
	struct vd_opts o;
	struct vd_top *t = live_top(&o);
	struct vd_event ev = { .ts_ns = 1 * MS, .pid = 1, .kind = VD_EV_BPF };
	const struct vd_top_snap *s;

	ev.bpf.kind = VD_BPF_TIER;
	snprintf(ev.bpf.tier.hook, sizeof(ev.bpf.tier.hook), "credit");
	ev.bpf.tier.tier = VD_TIER_OFF;
	snprintf(ev.bpf.tier.why, sizeof(ev.bpf.tier.why), "VSOCKDIAG_FORBID_VSOCK");
	vd_top_feed(t, &ev);
	open_and_send(t);
	s = vd_top_sample(t, 1 * S);
	VT_ASSERT(strstr(s->h.cannot, "refused: VSOCKDIAG_FORBID_VSOCK") != NULL);
	vd_top_free(t);
	t = live_top(&o);
	snprintf(ev.bpf.tier.why, sizeof(ev.bpf.tier.why), "no kprobes");
	vd_top_feed(t, &ev);
	open_and_send(t);
	s = vd_top_sample(t, 1 * S);
	VT_ASSERT(strstr(s->h.cannot, "no BPF hook on this kernel") != NULL);
	vd_top_free(t);
}
