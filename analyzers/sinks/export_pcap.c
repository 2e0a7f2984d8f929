// SPDX-License-Identifier: GPL-2.0
/*
 * vsockdiag export -f pcap: every vsock packet each partition recorded, as a
 * pcapng capture Wireshark and tshark open (LINKTYPE_VSOCK, the vsockmon
 * device's framing: struct af_vsockmon_hdr, then the virtio_vsock_hdr, then
 * the payload head the recorder captured, if any).  One interface per partition; a
 * packet shows once per partition that recorded it, its send outbound on
 * the sender's interface, its arrival inbound on the receiver's.  Every send
 * carries a comment with what correlate decided about it (doc/export-pcap.md).
 *
 * A send's fate comes later than the send (when its arrival is seen, or a
 * later packet proves it lost, or at the end), so each interface keeps its
 * records in a bounded queue, in the order the session saw them, and writes
 * a record once it and every record before it are settled.  A send that is
 * still unsettled when its queue is full is written without the comment
 * (counted, and said in the interface's statistics block at the end):
 * memory stays bounded whatever the recording's length, and each interface's
 * records stay in time order.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/session/session.h"
#include "analyzers/sinks/export.h"
#include "analyzers/sinks/pcapng.h"
#include "analyzers/sinks/render.h"
#include "analyzers/sinks/vsockmon.h"
#include "common/util.h"

/* records held per interface waiting for their send's fate (128 bytes each) */
#define PENDING_DEFAULT (1u << 16)
/* payload bytes a record can carry (the recorder's payload heads are 32 bytes) */
#define PAYLOAD_HEAD_MAX 32
/* findings listed in the closing comment */
#define MAX_LISTED_FINDINGS 64

#define FATE_NONE 0xff

struct rec {
	int64_t ts;	 /* export axis */
	uint64_t t_raw;	 /* the recording's own clock: how a fate finds its send */
	struct vd_pkt h; /* the header as the tracepoint showed it */
	uint32_t conn;
	int32_t next; /* the next unsettled send of the same connection direction (slot), -1 */
	uint8_t dir, sent, fate;
	uint16_t pieces;
	int64_t lat_first, lat_last; /* delivered: latency of the first and last piece */
	uint8_t payload_len;
	uint8_t want_head; /* held for its payload head (a later BPF event): see want_head() */
	uint64_t seq;	   /* its number in its queue: the held-for-head FIFO's check */
	uint8_t payload[PAYLOAD_HEAD_MAX];
};

/* one interface: a ring of records in the order the session gave them */
struct iface {
	bool present;
	struct rec *q;
	size_t head, n;
	uint64_t written, sent, recv, no_comment, backwards;
	uint64_t heads, heads_missed; /* payload heads attached; held records that got none */
	uint64_t now;		      /* the latest event of this partition, its own clock */
	uint64_t seq;		      /* records queued so far */
	/* the records held for a head, oldest first (slot and seq: the slot may be reused) */
	size_t *hslot;
	uint64_t *hseq;
	size_t hhead, hn;
	int64_t first, last; /* export axis, VD_NO_TIME none */
};

/* the unsettled sends of one connection direction, oldest first (slots in its sender's ring) */
struct chain {
	int32_t head, tail;
};

struct pcap_w {
	FILE *out;
	const struct vd_opts *o;
	const struct vd_result *res;
	struct iface ifc[2];
	size_t cap;
	struct chain (*chains)[2]; /* [conn id][dir] */
	size_t nchains;
	int64_t shift_ns; /* added to every time so none is negative (if_tsoffset takes it back) */
	uint64_t clamped;
	bool matching; /* sends get fates: the session pairs */
	struct vd_pcapng_blk blk;
	char comment[512];
};

static size_t pending_cap(void)
{
	const char *e = getenv("VSOCKDIAG_PCAP_PENDING"); /* tests: make the bound bite */
	unsigned long v = e ? strtoul(e, NULL, 10) : 0;

	return v ? v : PENDING_DEFAULT;
}

static void *pcap_create(FILE *out, const struct vd_opts *o)
{
	struct pcap_w *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->out = out;
	w->o = o;
	w->cap = pending_cap();
	for (int i = 0; i < 2; i++)
		w->ifc[i].first = w->ifc[i].last = VD_NO_TIME;
	return w;
}

static void pcap_destroy(void *p)
{
	struct pcap_w *w = p;

	if (!w)
		return;
	for (int i = 0; i < 2; i++) {
		free(w->ifc[i].q);
		free(w->ifc[i].hslot);
		free(w->ifc[i].hseq);
	}
	free(w->chains);
	vd_pcapng_blk_free(&w->blk);
	free(w);
}

/* ---- the header: what the file is, the clock ---------------------------------------- */

/*
 * Trace clocks count from boot, and B's moved onto A's may come out before
 * A's zero: shift every time by whole seconds so none is negative, and say
 * so (if_tsoffset gives readers that honour it the times back).
 */
static int64_t time_shift(const struct vd_result *res)
{
	int64_t min = 0;

	for (int s = 0; s < (res->two_sides ? 2 : 1); s++) {
		const struct vd_source_stats *st = &res->side[s].stats;

		if (st->events)
			min = VD_MIN(
			    min, vd_export_time(res, (enum vd_side)s,
						(int64_t)VD_MIN(st->first_ts, st->window_start)));
	}
	/* a margin of a second: the clock's uncertainty moves B's first packets a little */
	return min < 0 ? (-min / 1000000000 + 2) * 1000000000 : 0;
}

static void shb_comment(const struct pcap_w *w, char *buf, size_t len)
{
	const struct vd_result *res = w->res;
	char clock[400];
	size_t n;

	vd_export_clock_note(res, clock, sizeof(clock));
	n = (size_t)snprintf(
	    buf, len,
	    "vsockdiag export: every vsock packet the tracepoints recorded, one interface per "
	    "partition (%s: %s",
	    w->o->name[0], w->o->path[0]);
	if (res->two_sides)
		n += (size_t)snprintf(buf + n, len - VD_MIN(n, len), "; %s: %s", w->o->name[1],
				      w->o->path[1]);
	n += (size_t)snprintf(
	    buf + n, len - VD_MIN(n, len),
	    "). Sent packets are outbound on the sender's interface, arrivals inbound on the "
	    "receiver's. Time: %s. Trace clocks count from boot, not from 1970: the dates shown "
	    "mean nothing, read times relative (View > Time Display Format > Seconds Since "
	    "Beginning of Capture).",
	    clock);
	if (!res->two_sides)
		n += (size_t)snprintf(buf + n, len - VD_MIN(n, len),
				      " One recording only: no pairing, no fates in the comments.");
	else if (!vd_export_aligned(res))
		n += (size_t)snprintf(
		    buf + n, len - VD_MIN(n, len),
		    " The clocks are not aligned: the two interfaces' times do not "
		    "line up and sends carry no fate.");
	else
		n += (size_t)snprintf(buf + n, len - VD_MIN(n, len),
				      " Each send's comment says what correlate decided about it.");
	if (w->shift_ns)
		n += (size_t)snprintf(buf + n, len - VD_MIN(n, len),
				      " Every time is shifted %" PRId64
				      " s later so none is negative (if_tsoffset takes it back).",
				      w->shift_ns / 1000000000);
	snprintf(buf + n, len - VD_MIN(n, len),
		 " Payloads are not recorded: each record holds the vsockmon and virtio_vsock "
		 "headers, its length counts hdr.len; buf_alloc and fwd_cnt are 0 where the "
		 "tracepoint does not carry them (every send).");
}

static int pcap_begin(void *p, const struct vd_result *res)
{
	struct pcap_w *w = p;
	char comment[2048];
	int nsides = res->two_sides ? 2 : 1;

	w->res = res;
	w->matching = res->two_sides && vd_clock_aligned(&res->clock);
	w->shift_ns = time_shift(res);
	shb_comment(w, comment, sizeof(comment));
	vd_pcapng_shb(w->out, &w->blk, comment, "vsockdiag export");
	for (int s = 0; s < nsides; s++) {
		struct iface *ifc = &w->ifc[s];
		char descr[512];

		snprintf(descr, sizeof(descr), "partition %c: %s (trace clock %s)", 'A' + s,
			 w->o->path[s],
			 res->side[s].rec.trace_clock[0] ? res->side[s].rec.trace_clock
							 : "unknown");
		vd_pcapng_idb(w->out, &w->blk, VD_LINKTYPE_VSOCK, w->o->name[s], descr,
			      -(w->shift_ns / 1000000000));
		ifc->present = true;
		ifc->q = calloc(w->cap, sizeof(*ifc->q));
		ifc->hslot = calloc(w->cap, sizeof(*ifc->hslot));
		ifc->hseq = calloc(w->cap, sizeof(*ifc->hseq));
		if (!ifc->q || !ifc->hslot || !ifc->hseq)
			return -ENOMEM;
	}
	return ferror(w->out) ? -EIO : 0;
}

/* ---- records -------------------------------------------------------------------------- */

/*
 * Payload heads: the recorder captures the first bytes of RW packets on the
 * payload ports (adb's by default) as separate BPF events, relayed into the
 * recording after the packet (user space writes them, about 100 ms later).
 * A record that may get one is held (waiting() is true) until the head
 * comes or its partition's events have gone HEAD_WAIT_NS past it.  Only
 * connections on the adb port wait: the recorder's default payload port.
 */
#define HEAD_WAIT_NS (1000 * 1000000ull)
#define HEAD_SCAN    512 /* the newest held records a head may belong to */

static bool want_head(const struct pcap_w *w, enum vd_side side, const struct vd_conn *c,
		      const struct vd_event *ev)
{
	return c->adb && ev->pkt.op == VD_OP_RW && ev->pkt.len &&
	       w->res->side[side].bpf.per_kind[VD_BPF_PAYLOAD];
}

static bool same_tuple(const struct vd_pkt *h, const struct vd_bpf_payload *pl)
{
	return pl->have_src && pl->have_dst && h->src_cid == pl->src_cid &&
	       h->src_port == pl->src_port && h->dst_cid == pl->dst_cid &&
	       h->dst_port == pl->dst_port;
}

/* a payload event of side: the oldest held record it describes gets its head */
static void attach_payload_head(struct pcap_w *w, enum vd_side side,
				const struct vd_bpf_payload *pl)
{
	struct iface *ifc = &w->ifc[side];
	size_t from = ifc->n > HEAD_SCAN ? ifc->n - HEAD_SCAN : 0;

	for (size_t k = from; k < ifc->n; k++) {
		struct rec *r = &ifc->q[(ifc->head + k) % w->cap];
		uint8_t n = pl->nhead < PAYLOAD_HEAD_MAX ? pl->nhead : PAYLOAD_HEAD_MAX;

		if (!r->want_head || r->sent == pl->rx || r->h.len != pl->len ||
		    !same_tuple(&r->h, pl))
			continue;
		n = (uint8_t)VD_MIN((uint32_t)n, r->h.len);
		memcpy(r->payload, pl->head, n);
		r->payload_len = n;
		r->want_head = 0;
		ifc->heads++;
		return;
	}
}

/*
 * Held records whose head did not come in time go without: from the oldest
 * held (a FIFO: they were queued in time order), dropping the entries whose
 * record got its head or left the queue.
 */
static void expire_heads(struct pcap_w *w, enum vd_side side)
{
	struct iface *ifc = &w->ifc[side];

	while (ifc->hn) {
		struct rec *r = &ifc->q[ifc->hslot[ifc->hhead]];

		if (r->seq == ifc->hseq[ifc->hhead] && r->want_head) {
			if (ifc->now <= r->t_raw + HEAD_WAIT_NS)
				break;
			r->want_head = 0;
			ifc->heads_missed++;
		}
		ifc->hhead = (ifc->hhead + 1) % w->cap;
		ifc->hn--;
	}
}

static void hold_for_head(struct pcap_w *w, struct iface *ifc, size_t slot)
{
	size_t k;

	if (ifc->hn == w->cap) { /* cannot happen: at most one entry per queued record */
		ifc->q[slot].want_head = 0;
		ifc->heads_missed++;
		return;
	}
	k = (ifc->hhead + ifc->hn) % w->cap;
	ifc->hslot[k] = slot;
	ifc->hseq[k] = ifc->q[slot].seq;
	ifc->hn++;
}

/* "0.420 ms", "3.188 s" */
static void fmt_dur(char *buf, size_t len, int64_t ns)
{
	if (ns < 0)
		snprintf(buf, len, "%.3f ms before its send (within the clock's uncertainty)",
			 (double)-ns / 1e6);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.3f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
}

/* what correlate decided about a send, in the words of the report */
static const char *fate_comment(struct pcap_w *w, const struct rec *r)
{
	const char *rx = w->o->name[vd_dir_receiver((enum vd_dir)r->dir)];
	char *c = w->comment;
	size_t len = sizeof(w->comment);
	char a[96], b[96];

	switch (r->fate) {
	case VD_FATE_DELIVERED:
		fmt_dur(a, sizeof(a), r->lat_first);
		if (r->pieces > 1) {
			fmt_dur(b, sizeof(b), r->lat_last);
			snprintf(c, len,
				 "delivered in %u pieces as %s's packets, the first %s%s, the "
				 "last %s later",
				 r->pieces, rx, a, r->lat_first < 0 ? "" : " later", b);
		} else {
			snprintf(c, len, "delivered %s%s as %s's packet", a,
				 r->lat_first < 0 ? "" : " later", rx);
		}
		break;
	case VD_FATE_LOST:
		snprintf(c, len, "lost: %s received later packets of this connection, not this one",
			 rx);
		break;
	case VD_FATE_MISSING:
		snprintf(c, len, "never received: %s's recording went on without it", rx);
		break;
	case VD_FATE_NOT_YET:
		snprintf(c, len,
			 "not seen arriving: sent too close to the end of %s's recording "
			 "to tell",
			 rx);
		break;
	case VD_FATE_UNPROVEN:
		snprintf(c, len, "unproven: before the receiver's recording (%s) began", rx);
		break;
	case VD_FATE_SHORT:
		snprintf(c, len, "partly received: %u piece%s reached %s, the rest never did",
			 r->pieces, r->pieces == 1 ? "" : "s", rx);
		break;
	default:
		return NULL;
	}
	return c;
}

static void write_rec(struct pcap_w *w, enum vd_side side, const struct rec *r)
{
	struct iface *ifc = &w->ifc[side];
	uint8_t buf[VD_VSOCKMON_HDRS + PAYLOAD_HEAD_MAX];
	uint32_t caplen = (uint32_t)vd_vsockmon_frame(&r->h, r->payload, r->payload_len, buf);
	int64_t ts = r->ts + w->shift_ns;
	const char *comment = NULL;

	if (r->sent && w->matching) {
		comment = fate_comment(w, r);
		if (!comment)
			ifc->no_comment++;
	}
	if (ts < 0) {
		ts = 0;
		w->clamped++;
	}
	if (ifc->last != VD_NO_TIME && r->ts < ifc->last)
		ifc->backwards++;
	ifc->last = r->ts;
	if (ifc->first == VD_NO_TIME)
		ifc->first = r->ts;
	ifc->written++;
	vd_pcapng_epb(w->out, &w->blk, (uint32_t)side, (uint64_t)ts, buf, caplen,
		      (uint32_t)VD_VSOCKMON_HDRS + r->h.len,
		      r->sent ? VD_PCAPNG_OUTBOUND : VD_PCAPNG_INBOUND, comment);
}

static struct chain *chain_of(struct pcap_w *w, uint32_t conn, int dir)
{
	if (conn >= w->nchains) {
		size_t n = VD_MAX((size_t)conn + 1, w->nchains * 2);

		w->chains = vd_xrealloc(w->chains, n, sizeof(*w->chains));
		for (size_t i = w->nchains; i < n; i++)
			for (int d = 0; d < 2; d++)
				w->chains[i][d] = (struct chain){ -1, -1 };
		w->nchains = n;
	}
	return &w->chains[conn][dir];
}

static bool waiting(const struct pcap_w *w, const struct rec *r)
{
	return (w->matching && r->sent && r->fate == FATE_NONE) || r->want_head;
}

/* waiting for its fate (in its chain), not only for its head */
static bool unsettled(const struct pcap_w *w, const struct rec *r)
{
	return w->matching && r->sent && r->fate == FATE_NONE;
}

/* write the head of side's queue and drop it (from its chain too, where it is the oldest) */
static void pop(struct pcap_w *w, enum vd_side side)
{
	struct iface *ifc = &w->ifc[side];
	struct rec *r = &ifc->q[ifc->head];

	if (r->want_head) { /* forced out (the queue is full): without its head */
		r->want_head = 0;
		ifc->heads_missed++;
	}
	if (unsettled(w, r)) {
		struct chain *ch = chain_of(w, r->conn, r->dir);

		/* the oldest record of the queue is the oldest of its chain */
		ch->head = r->next;
		if (ch->head < 0)
			ch->tail = -1;
	}
	write_rec(w, side, r);
	ifc->head = (ifc->head + 1) % w->cap;
	ifc->n--;
}

static void flush(struct pcap_w *w, enum vd_side side)
{
	struct iface *ifc = &w->ifc[side];

	while (ifc->n && !waiting(w, &ifc->q[ifc->head]))
		pop(w, side);
}

static void pcap_packet(void *p, const struct vd_session *s, const struct vd_conn *c,
			enum vd_side side, enum vd_dir dir, bool sent, const struct vd_event *ev)
{
	struct pcap_w *w = p;
	struct iface *ifc = &w->ifc[side];
	size_t slot;
	struct rec *r;

	(void)s;
	if (!ifc->q)
		return;
	if (ifc->n == w->cap)
		pop(w, side); /* full: its head goes out as it is (no comment if unsettled) */
	slot = (ifc->head + ifc->n) % w->cap;
	r = &ifc->q[slot];
	*r = (struct rec){ .ts = vd_export_time(w->res, side, (int64_t)ev->ts_ns),
			   .t_raw = ev->ts_ns,
			   .h = ev->pkt,
			   .conn = c->id,
			   .next = -1,
			   .dir = (uint8_t)dir,
			   .sent = sent,
			   .fate = FATE_NONE,
			   .want_head = want_head(w, side, c, ev),
			   .seq = ++ifc->seq };
	if (r->want_head)
		hold_for_head(w, ifc, slot);
	ifc->n++;
	if (sent)
		ifc->sent++;
	else
		ifc->recv++;
	ifc->now = VD_MAX(ifc->now, ev->ts_ns);
	if (unsettled(w, r)) {
		struct chain *ch = chain_of(w, c->id, dir);

		if (ch->tail >= 0)
			ifc->q[ch->tail].next = (int32_t)slot;
		else
			ch->head = (int32_t)slot;
		ch->tail = (int32_t)slot;
	}
	expire_heads(w, side);
	flush(w, side);
}

/* other events: payload heads for the held records, and time going on */
static void pcap_event(void *p, const struct vd_session *s, enum vd_side side,
		       const struct vd_event *ev)
{
	struct pcap_w *w = p;
	struct iface *ifc = &w->ifc[side];

	(void)s;
	if (!ifc->q || ev->kind == VD_EV_MARK)
		return;
	if (ev->kind == VD_EV_BPF && ev->bpf.kind == VD_BPF_PAYLOAD)
		attach_payload_head(w, side, &ev->bpf.payload);
	if (ev->kind != VD_EV_LOST)
		ifc->now = VD_MAX(ifc->now, ev->ts_ns);
	expire_heads(w, side);
	flush(w, side);
}

static void pcap_fate(void *p, const struct vd_session *s, const struct vd_conn *c, enum vd_dir dir,
		      const struct vd_pending *pd, enum vd_fate fate, int64_t t_recv_last)
{
	struct pcap_w *w = p;
	enum vd_side side = vd_dir_sender(dir);
	struct iface *ifc = &w->ifc[side];
	struct chain *ch;
	int32_t prev = -1;

	(void)s;
	if (!ifc->q || !w->matching)
		return;
	ch = chain_of(w, c->id, dir);
	/* usually the oldest; a send proven lost may settle after younger ones */
	for (int32_t i = ch->head; i >= 0; prev = i, i = ifc->q[i].next) {
		struct rec *r = &ifc->q[i];

		if (r->t_raw != pd->t_send || r->h.op != pd->op || r->h.len != pd->len)
			continue;
		r->fate = (uint8_t)fate;
		r->pieces = pd->pieces;
		if (fate == VD_FATE_DELIVERED && pd->first_rx != VD_NO_TIME) {
			r->lat_first = pd->first_rx - pd->t_send_rx;
			r->lat_last = (t_recv_last != VD_NO_TIME ? t_recv_last : pd->first_rx) -
				      pd->t_send_rx;
		}
		if (prev >= 0)
			ifc->q[prev].next = r->next;
		else
			ch->head = r->next;
		if (ch->tail == i)
			ch->tail = prev;
		flush(w, side);
		return;
	}
	/* not found: its record went out already, counted in no_comment */
}

/* ---- the end: what is left, each interface's statistics, the verdict ------------------ */

static void isb_comment(const struct pcap_w *w, enum vd_side side, char *buf, size_t len)
{
	const struct iface *ifc = &w->ifc[side];
	const struct vd_side_info *si = &w->res->side[side];
	size_t n;

	n = (size_t)snprintf(buf, len,
			     "%s: %" PRIu64 " records (%" PRIu64 " sent, %" PRIu64 " received)",
			     w->o->name[side], ifc->written, ifc->sent, ifc->recv);
	if (ifc->no_comment)
		n += (size_t)snprintf(buf + n, len - VD_MIN(n, len),
				      "; %" PRIu64 " sends written before their fate was known "
				      "(more than %zu records waiting): no comment",
				      ifc->no_comment, w->cap);
	if (ifc->heads || ifc->heads_missed)
		n += (size_t)snprintf(buf + n, len - VD_MIN(n, len),
				      "; %" PRIu64 " records carry the payload head the recorder "
				      "captured%s",
				      ifc->heads, ifc->heads_missed ? "" : " (every one it had)");
	if (ifc->heads_missed)
		n += (size_t)snprintf(buf + n, len - VD_MIN(n, len),
				      ", %" PRIu64 " on the adb port got none (no head recorded "
				      "within 1 s)",
				      ifc->heads_missed);
	if (ifc->backwards)
		n += (size_t)snprintf(buf + n, len - VD_MIN(n, len),
				      "; %" PRIu64 " records earlier than the one before (the "
				      "recording's own order)",
				      ifc->backwards);
	if (si->stats.lost_events || si->stats.lost_unknown)
		n +=
		    (size_t)snprintf(buf + n, len - VD_MIN(n, len),
				     "; the recording lost %" PRIu64 "%s trace events: packets may "
				     "be missing",
				     si->stats.lost_events, si->stats.lost_unknown ? "+" : "");
	if (w->clamped)
		snprintf(buf + n, len - VD_MIN(n, len),
			 "; %" PRIu64 " records before time 0 written at 0", w->clamped);
}

/* the verdict and the findings' summaries, as correlate words them */
static void verdict_comment(const struct pcap_w *w, const struct vd_opts *o, char *buf, size_t len)
{
	const struct vd_result *res = w->res;
	size_t n;

	n = (size_t)snprintf(buf, len, ". correlate's verdict: %s; %zu finding%s",
			     vd_verdict_name(res->verdict), res->findings.n,
			     res->findings.n == 1 ? "" : "s");
	for (size_t i = 0; i < res->findings.n && i < MAX_LISTED_FINDINGS && n < len; i++) {
		char s[VD_FINDING_TEXT];

		vd_render_summary(o, res, &res->findings.v[i], s, sizeof(s));
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "; " : ": ", s);
	}
	if (res->findings.n > MAX_LISTED_FINDINGS && n < len)
		snprintf(buf + n, len - n, "; and %zu more (vsockdiag correlate lists them all)",
			 res->findings.n - MAX_LISTED_FINDINGS);
}

/* an export time as written: shifted, never negative */
static uint64_t out_ts(const struct pcap_w *w, int64_t t)
{
	return t + w->shift_ns > 0 ? (uint64_t)(t + w->shift_ns) : 0;
}

/*
 * The end: each interface's statistics block, then a second section holding
 * only a comment: the verdict and the findings, known only now (the first
 * section's header went out before the first packet).  capinfos and
 * Wireshark's capture file properties show every section's comment.
 */
static int pcap_finish(void *p, const struct vd_opts *o, const struct vd_result *res)
{
	struct pcap_w *w = p;
	int last = w->res->two_sides ? 1 : 0;
	size_t len = 64 * 1024, n;
	char *all = vd_xcalloc(len, 1);
	uint64_t end = 0;

	(void)res;
	/* every send has its fate now: write what waited */
	for (int s = 0; s <= last; s++) {
		struct iface *ifc = &w->ifc[s];

		while (ifc->n)
			pop(w, (enum vd_side)s);
		if (ifc->last != VD_NO_TIME)
			end = VD_MAX(end, out_ts(w, ifc->last));
	}
	n = (size_t)snprintf(all, len, "vsockdiag export, the end: ");
	for (int s = 0; s <= last && w->ifc[s].present; s++) {
		const struct iface *ifc = &w->ifc[s];
		char c[1024];

		isb_comment(w, (enum vd_side)s, c, sizeof(c));
		vd_pcapng_isb(w->out, &w->blk, (uint32_t)s, end,
			      ifc->first == VD_NO_TIME ? end : out_ts(w, ifc->first),
			      ifc->last == VD_NO_TIME ? end : out_ts(w, ifc->last), ifc->written,
			      c);
		n += (size_t)snprintf(all + n, len - VD_MIN(n, len), "%s%s", s ? "; " : "", c);
	}
	if (n < len)
		verdict_comment(w, o, all + n, len - n);
	vd_pcapng_shb(w->out, &w->blk, all, "vsockdiag export");
	free(all);
	return ferror(w->out) ? -EIO : 0;
}

const struct vd_exporter vd_export_pcap = {
	.name = "pcap",
	.ext = ".pcapng",
	.what = "every packet for Wireshark/tshark (pcapng, LINKTYPE_VSOCK)",
	.binary = true,
	.create = pcap_create,
	.begin = pcap_begin,
	.packet = pcap_packet,
	.fate = pcap_fate,
	.event = pcap_event,
	.finish = pcap_finish,
	.destroy = pcap_destroy,
};

/* "-o link.pcap" picks the same format: Wireshark, tshark and tcpdump read pcapng by content */
const struct vd_exporter vd_export_pcap_classic_name = {
	.name = "pcapng",
	.ext = ".pcap",
	.what = "the same (a .pcap name gets pcapng too)",
	.binary = true,
	.create = pcap_create,
	.begin = pcap_begin,
	.packet = pcap_packet,
	.fate = pcap_fate,
	.event = pcap_event,
	.finish = pcap_finish,
	.destroy = pcap_destroy,
};
