// SPDX-License-Identifier: GPL-2.0
/* Clock model, byte-stream matching and CID mapping, each on a scenario it must get right. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/model/clock.h"
#include "analyzers/model/flow.h"
#include "vtest.h"

#define MS 1000000LL
#define S 1000000000LL

/* ---- clock ---- */

static struct vd_clock_est est;

VT_TEST(clock_two_way_pairs_bracket_the_offset)
{
	const int64_t off = 47607180000000LL; /* B - A */
	struct vd_clock c;

	vd_clock_est_init(&est, 1000 * S, 1010 * S);
	for (int i = 0; i < 100; i++) {
		uint64_t t = 1000 * S + (uint64_t)i * 100 * MS;

		/* 50 us latency A->B, 80 us B->A */
		vd_clock_est_add_ab(&est, t, (uint64_t)((int64_t)t + off + 50000));
		vd_clock_est_add_ba(&est, (uint64_t)((int64_t)t + off), t + 80000);
	}
	VT_EQ_INT(vd_clock_est_solve(&est, 30 * S, &c), 0);
	VT_EQ_INT(c.bound, VD_BOUND_TWO_SIDED);
	VT_ASSERT(!c.inconsistent);
	/* band is [off - 80us, off + 50us]: centre off - 15us, half-width 65us */
	VT_EQ_INT(c.offset_ns, off - 15000);
	VT_EQ_INT(c.uncertainty_ns, 65000);
	VT_ASSERT(llabs(c.offset_ns - off) <= c.uncertainty_ns);
	VT_ASSERT(!c.drift_fitted); /* 10 s is too short to tell drift from jitter */
}

VT_TEST(clock_drift_fitted_on_long_recordings)
{
	const int64_t off = -5 * S;
	const double drift = 40e-6;
	struct vd_clock c;

	vd_clock_est_init(&est, 0, 3600 * S);
	for (int i = 0; i < 3600; i++) {
		uint64_t t = (uint64_t)i * S + 1;
		int64_t tb = (int64_t)t + off + (int64_t)(drift * (double)t);

		vd_clock_est_add_ab(&est, t, (uint64_t)(tb + 30000));
		vd_clock_est_add_ba(&est, (uint64_t)tb, t + 30000);
	}
	VT_EQ_INT(vd_clock_est_solve(&est, 30 * S, &c), 0);
	VT_ASSERT(c.drift_fitted);
	VT_ASSERT(c.drift > 39e-6 && c.drift < 41e-6);
	/* at the reference point the model must agree with the truth within its uncertainty */
	{
		int64_t truth = (int64_t)c.ref_a_ns + off + (int64_t)(drift * (double)c.ref_a_ns);

		VT_ASSERT(llabs(vd_clock_a_to_b(&c, c.ref_a_ns) - truth) <= c.uncertainty_ns + 1000);
		/* and the inverse maps back */
		VT_ASSERT(llabs((int64_t)vd_clock_b_to_a(&c, (uint64_t)truth) - (int64_t)c.ref_a_ns) <
			  c.uncertainty_ns + 1000);
	}
}

VT_TEST(clock_one_direction_is_only_a_bound)
{
	struct vd_clock c;

	vd_clock_est_init(&est, 0, 10 * S);
	vd_clock_est_add_ab(&est, 1 * S, 3 * S);
	vd_clock_est_add_ab(&est, 2 * S, 4 * S + 5 * MS);
	VT_EQ_INT(vd_clock_est_solve(&est, 30 * S, &c), 0);
	VT_EQ_INT(c.bound, VD_BOUND_UPPER_ONLY);
	VT_EQ_INT(c.offset_ns, 2 * S);
	VT_EQ_INT(c.uncertainty_ns, -1);
}

VT_TEST(clock_no_pairs_no_clock)
{
	struct vd_clock c;

	vd_clock_est_init(&est, 0, 10 * S);
	VT_EQ_INT(vd_clock_est_solve(&est, 30 * S, &c), -ENODATA);
}

VT_TEST(clock_one_mismatched_pair_is_ignored_and_counted)
{
	struct vd_clock c;

	vd_clock_est_init(&est, 0, 10 * S);
	for (int i = 0; i < 100; i++) {
		uint64_t t = (uint64_t)i * 100 * MS;

		vd_clock_est_add_ab(&est, t, t + 7 * S + 40000);
		vd_clock_est_add_ba(&est, t + 7 * S, t + 40000);
	}
	/* a twin paired with the wrong receive: says offset <= 7 s - 30 ms */
	vd_clock_est_add_ab(&est, 5 * S, 12 * S - 30 * MS);
	VT_EQ_INT(vd_clock_est_solve(&est, 30 * S, &c), 0);
	VT_ASSERT(!c.inconsistent);
	VT_EQ_INT(c.outliers, 1);
	VT_EQ_INT(c.offset_ns, 7 * S);
	VT_EQ_INT(c.uncertainty_ns, 40000);
}

VT_TEST(clock_contradicting_pairs_are_flagged)
{
	struct vd_clock c;

	/* half the pairs say <= 10 ms, half say >= 50 ms: no trimming can reconcile that */
	vd_clock_est_init(&est, 0, 10 * S);
	for (int i = 0; i < 50; i++) {
		uint64_t t = (uint64_t)i * 200 * MS;

		vd_clock_est_add_ab(&est, t, t + 10 * MS);
		vd_clock_est_add_ba(&est, t + 100 * MS + 50 * MS, t + 100 * MS);
	}
	VT_EQ_INT(vd_clock_est_solve(&est, 30 * S, &c), 0);
	VT_ASSERT(c.inconsistent);
}

/* ---- matching ---- */

struct fates {
	int n[VD_FATE_SHORT + 1];
	uint64_t lost_sent[8];
	int nlost;
	int orphans;
	/* deliveries in the order they were settled: which arrival each send got */
	uint64_t del_sent[512];
	int64_t del_rx[512];
	int ndel;
};

static void on_fate(void *ctx, struct vd_stream *s, const struct vd_pending *p, enum vd_fate f,
		    int64_t t)
{
	struct fates *fs = ctx;

	(void)s;
	(void)t;
	fs->n[f]++;
	if (f == VD_FATE_LOST && fs->nlost < 8)
		fs->lost_sent[fs->nlost++] = p->t_send;
	if (f == VD_FATE_DELIVERED && fs->ndel < 512) {
		fs->del_sent[fs->ndel] = p->t_send;
		fs->del_rx[fs->ndel++] = p->first_rx;
	}
}

static void on_orphan(void *ctx, struct vd_stream *s, const struct vd_event *ev)
{
	(void)s;
	(void)ev;
	((struct fates *)ctx)->orphans++;
}

static const struct vd_match_ops ops = { on_fate, on_orphan };

static void send(struct vd_stream *s, int64_t t, uint32_t len, uint16_t op)
{
	struct vd_pending p = { .t_send = (uint64_t)t, .t_send_rx = t, .len = len,
				.remaining = len, .conn = 1, .op = op, .first_rx = INT64_MIN };

	vd_stream_push(s, &p);
}

static uint32_t recv(struct vd_stream *s, struct vd_match_ctx *mc, int64_t t, uint32_t len,
		     uint16_t op)
{
	struct vd_event ev = { .ts_ns = (uint64_t)t, .kind = VD_EV_PKT_RECV };

	ev.pkt.len = len;
	ev.pkt.op = op;
	return vd_stream_recv(s, mc, &ev);
}

static struct vd_stream st;
static struct fates fs;
static struct vd_match_ctx mc;

static void setup(void)
{
	struct vd_tuple t = { 2, 1024, 3, 5555 };

	vd_stream_free(&st);
	vd_stream_init(&st, &t, VD_DIR_A_TO_B);
	memset(&fs, 0, sizeof(fs));
	mc = (struct vd_match_ctx){ .ops = &ops, .ctx = &fs, .tol_ns = 1 * MS,
				    .causal_ns = 1 * MS, .rx_window_start = 0 };
}

VT_TEST(match_vhost_split_8192_into_3732_3732_728)
{
	setup();
	st.split_size = 3732;
	send(&st, 10 * S, 8192, VD_OP_RW);
	VT_EQ_INT(recv(&st, &mc, 10 * S + 100000, 3732, VD_OP_RW), 1);
	VT_EQ_INT(recv(&st, &mc, 10 * S + 100001, 3732, VD_OP_RW), 1);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 0); /* not complete yet */
	VT_EQ_INT(recv(&st, &mc, 10 * S + 100002, 728, VD_OP_RW), 1);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 1);
	VT_EQ_INT(st.count, 0);
}

VT_TEST(match_skipped_packet_is_lost_in_order_delivery)
{
	setup();
	send(&st, 1 * S, 24, VD_OP_RW);
	send(&st, 1 * S + 1 * MS, 58, VD_OP_RW); /* never arrives */
	send(&st, 1 * S + 2 * MS, 50, VD_OP_RW);
	recv(&st, &mc, 1 * S + 100000, 24, VD_OP_RW);
	recv(&st, &mc, 1 * S + 2 * MS + 100000, 50, VD_OP_RW);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 2);
	VT_EQ_INT(fs.nlost, 1);
	VT_EQ_U64(fs.lost_sent[0], 1 * S + 1 * MS);
}

VT_TEST(match_lost_before_a_split_packet)
{
	setup();
	st.split_size = 3732;
	send(&st, 1 * S, 25, VD_OP_RW); /* lost */
	send(&st, 1 * S + 1 * MS, 4741, VD_OP_RW);
	recv(&st, &mc, 1 * S + 1 * MS + 50000, 3732, VD_OP_RW);
	recv(&st, &mc, 1 * S + 1 * MS + 50001, 1009, VD_OP_RW);
	VT_EQ_INT(fs.nlost, 1);
	VT_EQ_U64(fs.lost_sent[0], 1 * S);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 1);
	VT_EQ_INT(fs.orphans, 0);
}

VT_TEST(match_lost_split_packet_before_another_split_packet)
{
	/* 7890 never arrives; 33097 arrives as 8 x 3732 + 3241 */
	setup();
	st.split_size = 3732;
	send(&st, 1 * S, 7890, VD_OP_RW);
	send(&st, 1 * S + 1 * MS, 33097, VD_OP_RW);
	send(&st, 1 * S + 2 * MS, 50, VD_OP_RW);
	for (int i = 0; i < 8; i++)
		recv(&st, &mc, 1 * S + 1 * MS + 50000 + i, 3732, VD_OP_RW);
	recv(&st, &mc, 1 * S + 1 * MS + 50010, 3241, VD_OP_RW);
	recv(&st, &mc, 1 * S + 2 * MS + 50000, 50, VD_OP_RW);
	VT_EQ_INT(fs.nlost, 1);
	VT_EQ_U64(fs.lost_sent[0], 1 * S);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 2);
	VT_EQ_INT(fs.n[VD_FATE_SHORT], 0);
	VT_EQ_INT(fs.orphans, 0);
}

VT_TEST(match_shorter_receive_on_unsplit_stream_is_not_a_piece)
{
	/* guest->host never splits (split_size 0): a 24-byte receive is not part of 5881 */
	setup();
	send(&st, 1 * S, 5881, VD_OP_RW);
	VT_EQ_INT(recv(&st, &mc, 1 * S + 100000, 24, VD_OP_RW), 0);
	VT_EQ_INT(recv(&st, &mc, 1 * S + 100001, 5881, VD_OP_RW), 1);
	VT_EQ_INT(fs.orphans, 1); /* reported once the next receive could not pair it */
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 1);
	VT_EQ_INT(fs.n[VD_FATE_SHORT], 0);
}

VT_TEST(match_receive_without_recorded_send_is_orphan)
{
	setup();
	send(&st, 5 * S, 24, VD_OP_RW);
	/* a 99-byte packet the sender's recording never had, arriving before the 24 was sent */
	VT_EQ_INT(recv(&st, &mc, 4 * S, 99, VD_OP_RW), 0);
	VT_EQ_INT(fs.orphans, 0); /* held back one receive: it might pair with a skipped twin */
	VT_EQ_INT(st.count, 1);
	vd_stream_finish(&st, &mc, 10 * S, 2 * S);
	VT_EQ_INT(fs.orphans, 1);
}

VT_TEST(match_orphan_paired_with_its_skipped_twin_despite_the_clock)
{
	/* the lab: a CREDIT_UPDATE "arrives" 2 ms before its send by the clock (a VM clock step) */
	setup();
	send(&st, 10 * S, 0, VD_OP_CREDIT_UPDATE);
	send(&st, 10 * S + 3 * MS, 16384, VD_OP_RW);
	VT_EQ_INT(recv(&st, &mc, 10 * S - 2 * MS, 0, VD_OP_CREDIT_UPDATE), 0);
	VT_EQ_INT(recv(&st, &mc, 10 * S + 3 * MS + 300000, 16384, VD_OP_RW), 1);
	VT_EQ_INT(fs.nlost, 0);
	VT_EQ_INT(fs.orphans, 0);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 2);
	VT_EQ_INT(st.repaired, 1);
}

VT_TEST(match_twin_lost_the_older_one)
{
	setup();
	/* a delivery that sets the stream's normal latency to 100 us */
	send(&st, 1 * S, 50, VD_OP_RW);
	recv(&st, &mc, 1 * S + 100000, 50, VD_OP_RW);
	send(&st, 2 * S, 25, VD_OP_RW);		/* lost */
	send(&st, 2 * S + 8 * MS, 25, VD_OP_RW); /* arrives 100 us later */
	send(&st, 2 * S + 9 * MS, 58, VD_OP_RW);
	recv(&st, &mc, 2 * S + 8 * MS + 100000, 25, VD_OP_RW);
	VT_EQ_INT(fs.nlost, 0); /* not yet: it could still be a batch */
	recv(&st, &mc, 2 * S + 9 * MS + 100000, 58, VD_OP_RW);
	VT_EQ_INT(fs.nlost, 1); /* a different packet came next: the older twin is lost */
	VT_EQ_U64(fs.lost_sent[0], 2 * S);
	VT_EQ_INT(fs.orphans, 0);
}

VT_TEST(match_twins_in_one_batch_are_both_delivered)
{
	/* the lab: two CREDIT_UPDATEs 1.7 ms apart arrive together 2.2 ms after the first */
	setup();
	send(&st, 1 * S, 50, VD_OP_RW);
	recv(&st, &mc, 1 * S + 300000, 50, VD_OP_RW);
	send(&st, 2 * S, 0, VD_OP_CREDIT_UPDATE);
	send(&st, 2 * S + 1740000, 0, VD_OP_CREDIT_UPDATE);
	recv(&st, &mc, 2 * S + 2190000, 0, VD_OP_CREDIT_UPDATE);
	recv(&st, &mc, 2 * S + 2240000, 0, VD_OP_CREDIT_UPDATE);
	VT_EQ_INT(fs.nlost, 0);
	VT_EQ_INT(fs.orphans, 0);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 3);
}

VT_TEST(match_burst_after_stall_stays_in_order)
{
	setup();
	send(&st, 1 * S, 50, VD_OP_RW);
	recv(&st, &mc, 1 * S + 100000, 50, VD_OP_RW);
	/* receiver frozen from 2 s to 4 s: three 25-byte packets arrive together at 4 s */
	send(&st, 2 * S, 25, VD_OP_RW);
	send(&st, 3 * S, 25, VD_OP_RW);
	send(&st, 4 * S - 1 * MS / 2, 25, VD_OP_RW);
	recv(&st, &mc, 4 * S, 25, VD_OP_RW);
	recv(&st, &mc, 4 * S + 1000, 25, VD_OP_RW);
	recv(&st, &mc, 4 * S + 2000, 25, VD_OP_RW);
	VT_EQ_INT(fs.nlost, 0);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 4);
}

VT_TEST(match_run_of_twins_slower_than_their_interval_stays_in_order)
{
	/*
	 * The lab's overhead scenario in miniature: identical 64 KiB chunks sent every
	 * 3 ms, each arriving 3.2 ms later (the vhost worker on a TCG host is slower than
	 * the sender).  Every arrival lands 0.2 ms after the *next* send, the latency the
	 * stream had before: "nearest in time" gave each arrival to the next send, carried
	 * the first chunk along as pending and called it lost when the run ended.
	 */
	setup();
	send(&st, 1 * S, 50, VD_OP_RW);
	recv(&st, &mc, 1 * S + 200000, 50, VD_OP_RW);
	for (int i = 0; i < 40; i++)
		send(&st, 2 * S + i * 3 * MS, 65536, VD_OP_RW);
	send(&st, 2 * S + 120 * MS, 0, VD_OP_SHUTDOWN);
	for (int i = 0; i < 40; i++)
		VT_EQ_INT(recv(&st, &mc, 2 * S + i * 3 * MS + 3200000, 65536, VD_OP_RW), 1);
	recv(&st, &mc, 2 * S + 120 * MS + 200000, 0, VD_OP_SHUTDOWN);
	VT_EQ_INT(fs.nlost, 0);
	VT_EQ_INT(fs.orphans, 0);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 42);
	/* and each chunk got its own arrival: 3.2 ms, not 0.2 ms */
	for (int i = 1; i <= 40; i++)
		VT_EQ_INT(fs.del_rx[i] - (int64_t)fs.del_sent[i], 3200000);
}

VT_TEST(match_loss_inside_a_run_is_placed_by_time_once_the_run_ends_short)
{
	/* ten identical packets 5 ms apart, the fourth lost: order alone cannot say which */
	setup();
	for (int i = 0; i < 10; i++)
		send(&st, 1 * S + i * 5 * MS, 24, VD_OP_RW);
	send(&st, 1 * S + 50 * MS, 58, VD_OP_RW);
	for (int i = 0; i < 10; i++)
		if (i != 3)
			recv(&st, &mc, 1 * S + i * 5 * MS + 200000, 24, VD_OP_RW);
	VT_EQ_INT(fs.nlost, 0); /* not yet: the run has not come up short */
	recv(&st, &mc, 1 * S + 50 * MS + 200000, 58, VD_OP_RW);
	VT_EQ_INT(fs.nlost, 1);
	VT_EQ_U64(fs.lost_sent[0], 1 * S + 15 * MS);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 10);
	VT_EQ_INT(fs.orphans, 0);
	for (int i = 0; i < fs.ndel; i++)
		VT_EQ_INT(fs.del_rx[i] - (int64_t)fs.del_sent[i], 200000);
}

VT_TEST(match_clock_step_puts_arrivals_before_their_sends_order_pairs_them)
{
	/*
	 * A nested guest's clock stepped: three arrivals in a row land 1.5 ms before
	 * their sends by an otherwise good clock (causality bound 1 ms), and the sends
	 * are queued only after them, as the merge would.  In-order delivery after the
	 * stream's earlier deliveries says whose they are; as orphans they would hand
	 * every later arrival to the wrong send and end with three false losses.
	 */
	setup();
	send(&st, 1 * S, 50, VD_OP_RW);
	recv(&st, &mc, 1 * S + 200000, 50, VD_OP_RW);
	for (int i = 0; i < 3; i++)
		VT_EQ_INT(recv(&st, &mc, 2 * S + i * 300000 - 1500000, 65536, VD_OP_RW), 0);
	for (int i = 0; i < 6; i++)
		send(&st, 2 * S + i * 300000, 65536, VD_OP_RW);
	send(&st, 2 * S + 10 * MS, 58, VD_OP_RW);
	for (int i = 3; i < 6; i++)
		VT_EQ_INT(recv(&st, &mc, 2 * S + i * 300000 + 200000, 65536, VD_OP_RW), 1);
	recv(&st, &mc, 2 * S + 10 * MS + 200000, 58, VD_OP_RW);
	vd_stream_finish(&st, &mc, 9 * S, 2 * S);
	VT_EQ_INT(fs.nlost, 0);
	VT_EQ_INT(fs.orphans, 0);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 8);
	VT_EQ_INT(st.repaired, 3);
}

VT_TEST(match_arrival_before_any_delivery_stays_an_orphan)
{
	/* the sender's recording began after this packet was sent: nothing says it is a twin's */
	setup();
	VT_EQ_INT(recv(&st, &mc, 2 * S - 1500000, 65536, VD_OP_RW), 0);
	send(&st, 2 * S, 65536, VD_OP_RW);
	recv(&st, &mc, 2 * S + 200000, 65536, VD_OP_RW);
	VT_EQ_INT(fs.orphans, 1);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 1);
	VT_EQ_INT(fs.del_rx[0], 2 * S + 200000);
}

VT_TEST(match_window_start_choice_only_before_the_first_recorded_arrival)
{
	/*
	 * The receiver's recording begins with this connection's REQUEST; a burst of
	 * identical chunks follows within the tolerance of that start, each arriving
	 * 2 ms after it was sent.  They were all sent after the REQUEST arrived, so all
	 * arrive inside the recording: order, not the time-based choice for streams
	 * recorded from the middle, pairs them.
	 */
	setup();
	mc.tol_ns = mc.causal_ns = 3 * MS;
	mc.rx_window_start = 1 * S;
	send(&st, 1 * S - 100000, 0, VD_OP_REQUEST);
	recv(&st, &mc, 1 * S, 0, VD_OP_REQUEST);
	for (int i = 0; i < 8; i++)
		send(&st, 1 * S + 400000 + i * 300000, 65536, VD_OP_RW);
	for (int i = 0; i < 8; i++)
		recv(&st, &mc, 1 * S + 2400000 + i * 300000, 65536, VD_OP_RW);
	vd_stream_finish(&st, &mc, 9 * S, 2 * S);
	VT_EQ_INT(fs.n[VD_FATE_UNPROVEN], 0);
	VT_EQ_INT(fs.nlost, 0);
	VT_EQ_INT(fs.n[VD_FATE_DELIVERED], 9);
	for (int i = 1; i < fs.ndel; i++)
		VT_EQ_INT(fs.del_rx[i] - (int64_t)fs.del_sent[i], 2 * MS);
}

VT_TEST(match_end_of_recording_fates)
{
	setup();
	mc.rx_window_start = 1 * S;
	send(&st, 0, 24, VD_OP_RW);		/* before the receiver recorded */
	send(&st, 5 * S, 24, VD_OP_RW);		/* long before the end */
	send(&st, 10 * S - 1 * MS, 24, VD_OP_RW); /* just before the end */
	vd_stream_finish(&st, &mc, 10 * S, 2 * S);
	VT_EQ_INT(fs.n[VD_FATE_UNPROVEN], 1);
	VT_EQ_INT(fs.n[VD_FATE_MISSING], 1);
	VT_EQ_INT(fs.n[VD_FATE_NOT_YET], 1);
}

/* ---- CID map ---- */

VT_TEST(cidmap_parse_and_infer)
{
	struct vd_cidmap m = { 0 };
	struct vd_cidvotes v = { 0 };
	/* A (the host) is CID 2 and sees the guest as 1000; B (the guest) calls itself 3 */
	struct vd_endpoints a = { 2, 1024, 1000, 5555 }, b = { 3, 5555, 2, 1024 };

	VT_EQ_INT(vd_cidmap_parse(&m, "7=8,9=10"), 0);
	VT_EQ_INT(vd_cidmap_b_to_a(&m, 8), 7);
	VT_EQ_INT(vd_cidmap_b_to_a(&m, 42), 42);
	VT_EQ_INT(vd_cidmap_parse(&m, "7=x"), -EINVAL);
	memset(&m, 0, sizeof(m));
	vd_cidvotes_add(&v, &a, &b);
	vd_cidmap_infer(&m, &v);
	VT_EQ_INT(vd_cidmap_b_to_a(&m, 3), 1000);
	VT_EQ_INT(vd_cidmap_b_to_a(&m, 2), 2);
}

/* ---- credit ---- */

#include "analyzers/model/credit.h"

VT_TEST(credit_unknown_until_start_and_peer_seen)
{
	struct vd_credit c = { 0 };

	vd_credit_sent(&c, 100);
	VT_EQ_INT(vd_credit_avail(&c), -1); /* connection began before the recording */
	vd_credit_start(&c);
	VT_EQ_INT(vd_credit_avail(&c), -1); /* no packet from the peer yet */
	VT_ASSERT(vd_credit_peer(&c, VD_OP_RESPONSE, 262144, 0));
	vd_credit_sent(&c, 1000);
	VT_EQ_INT(vd_credit_avail(&c), 262144 - 1000);
	VT_EQ_INT(vd_credit_outstanding(&c), 1000);
}

VT_TEST(credit_wraps_at_2_32_and_floors_at_zero)
{
	struct vd_credit c;

	vd_credit_start(&c);
	c.tx_cnt = 0xfffffff0u;
	VT_ASSERT(vd_credit_peer(&c, VD_OP_CREDIT_UPDATE, 262144, 0xffffff00u));
	vd_credit_sent(&c, 0x20); /* tx_cnt wraps to 0x10 */
	VT_EQ_INT(vd_credit_outstanding(&c), 0x110);
	/* the peer shrinks its buffer below what is in flight: no credit, not negative */
	VT_ASSERT(vd_credit_peer(&c, VD_OP_RW, 0x100, 0xffffff00u));
	VT_EQ_INT(vd_credit_avail(&c), 0);
}

VT_TEST(credit_rst_from_reset_no_sock_is_not_an_update)
{
	struct vd_credit c;

	vd_credit_start(&c);
	VT_ASSERT(vd_credit_peer(&c, VD_OP_RESPONSE, 262144, 0));
	VT_ASSERT(!vd_credit_peer(&c, VD_OP_RST, 0, 0));
	VT_EQ_INT(c.peer_buf_alloc, 262144);
	VT_ASSERT(vd_credit_peer(&c, VD_OP_RST, 262144, 5)); /* a real RST carries state */
}

/* ---- incidents ---- */

#include "analyzers/batch/corr_internal.h"
#include "analyzers/settle/settle.h"

/* ---- the vote ---- */

static void sample(struct vd_samples *s, int64_t ts, const struct vd_endpoints *ep, uint16_t op,
		   uint32_t len, bool send_)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = (struct vd_sample){ .ts = ts, .ep = *ep, .len = len, .op = op,
					   .is_send = send_ };
}

VT_TEST(vote_bulk_transfer_does_not_drown_the_rare_packets)
{
	/*
	 * A guest (B) sends 2000 identical 64 KiB chunks 0.5 ms apart; the host (A)
	 * receives each 0.2 to 4 ms later and answers every second one with a
	 * CREDIT_UPDATE.  Each of those two signatures proposes an offset for every
	 * pair of its packets: uncapped, their coincidences outweighed the REQUEST and
	 * RESPONSE a hundred to one and put the estimate tens of ms off, with a
	 * precision it did not have.  The vote must bracket the true offset.
	 */
	const int64_t off = 55 * S + 123456789; /* B - A */
	struct vd_endpoints a = { 2, 5555, 3, 1234 }, b = { 3, 1234, 2, 5555 };
	struct vd_samples smp[2];
	struct vd_cidmap map = { 0 };
	struct vd_clock c;
	char why[256];
	uint64_t x = 88172645463325252ULL;
	int64_t t = 100 * S;

	memset(smp, 0, sizeof(smp));
	sample(&smp[1], t + off, &b, VD_OP_REQUEST, 0, true);
	sample(&smp[0], t + 3 * MS, &a, VD_OP_REQUEST, 0, false);
	sample(&smp[0], t + 3 * MS + 20000, &a, VD_OP_RESPONSE, 0, true);
	sample(&smp[1], t + 3 * MS + 320000 + off, &b, VD_OP_RESPONSE, 0, false);
	t += 5 * MS;
	for (int i = 0; i < 2000; i++, t += 500000) {
		int64_t lat;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		lat = 200000 + (int64_t)(x % 3800000);
		sample(&smp[1], t + off, &b, VD_OP_RW, 65536, true);
		sample(&smp[0], t + lat, &a, VD_OP_RW, 65536, false);
		if (i % 2) {
			sample(&smp[0], t + lat + 30000, &a, VD_OP_CREDIT_UPDATE, 0, true);
			sample(&smp[1], t + lat + 230000 + off, &b, VD_OP_CREDIT_UPDATE, 0, false);
		}
	}
	VT_EQ_INT(vd_vote_clock(smp, &map, &c, why, sizeof(why)), 0);
	VT_ASSERT(c.uncertainty_ns > 0);
	VT_ASSERT(llabs(c.offset_ns - off) <= c.uncertainty_ns);
	free(smp[0].v);
	free(smp[1].v);
}

static void add(struct vd_result *r, enum vd_finding_kind k, enum vd_severity sev,
		int64_t start_s, int64_t end_s)
{
	struct vd_finding *f = vd_finding_new(&r->findings, k, sev);

	f->start[0] = start_s * S;
	f->end[0] = end_s * S;
}

VT_TEST(incidents_group_overlapping_findings_led_by_the_cause)
{
	struct vd_result r;

	memset(&r, 0, sizeof(r));
	r.clock.source = VD_CLOCK_PACKETS;
	/* a frozen guest: a stall and the starvation it causes */
	add(&r, VD_FK_CREDIT_STARVATION, VD_SEV_WARNING, 10, 13);
	add(&r, VD_FK_DELIVERY_STALL, VD_SEV_ERROR, 10, 12);
	/* much later: allocation failures, then losses */
	add(&r, VD_FK_UNDELIVERED, VD_SEV_ERROR, 101, 120);
	add(&r, VD_FK_ALLOC_FAILURE, VD_SEV_ERROR, 100, 100);
	add(&r, VD_FK_OUTSIDE_WINDOW, VD_SEV_INFO, 50, 50);
	vd_incidents_build(&r);
	VT_EQ_INT(r.nincidents, 2);
	/* two errors beat one: the allocation-failure incident is read first */
	VT_EQ_INT(r.findings.v[r.incidents[0].lead].kind, VD_FK_ALLOC_FAILURE);
	VT_EQ_INT(r.incidents[0].nfindings, 2);
	VT_EQ_INT(r.findings.v[r.incidents[1].lead].kind, VD_FK_DELIVERY_STALL);
	VT_EQ_INT(r.findings.v[0].incident, 2); /* the starvation joined the stall */
	VT_EQ_INT(r.findings.v[4].incident, 0); /* notes belong to no incident */
	vd_result_free(&r);
}
