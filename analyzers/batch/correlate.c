// SPDX-License-Identifier: GPL-2.0
/* correlate: the passes in order, then what the connections and blind spots say. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "analyzers/batch/corr_internal.h"


void vd_corr_opts_init(struct vd_corr_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->name[0] = "A";
	o->name[1] = "B";
	o->stall_ns = VD_DEFAULT_STALL_NS;
	o->grace_ns = VD_DEFAULT_GRACE_NS;
	o->starve_ns = VD_DEFAULT_STARVE_NS;
	o->adb_port = VD_DEFAULT_ADB_PORT;
}

const char *vd_verdict_name(int v)
{
	switch (v) {
	case VD_VERDICT_HEALTHY:
		return "healthy";
	case VD_VERDICT_PROBLEMS:
		return "problems";
	default:
		return "inconclusive";
	}
}

static int cmp_ep_by_ports(const void *pa, const void *pb)
{
	const struct vd_endpoints *a = pa, *b = pb;
	int c = VD_CMP(a->peer_port, b->peer_port);

	return c ? c : VD_CMP(a->local_port, b->local_port);
}

/*
 * Vote for the CID map: an A connection and a B connection with mirrored
 * ports are the same connection.  B's endpoints sorted by port pair, so each
 * of A's finds its mirrors by binary search, not by scanning all of B.
 */
const char *vd_conn_end_name(enum vd_conn_end e)
{
	static const char *const names[] = {
		[VD_END_OPEN] = "open",		    [VD_END_SHUTDOWN] = "shutdown",
		[VD_END_RESET] = "reset",	    [VD_END_REFUSED] = "refused",
		[VD_END_UNANSWERED] = "unanswered", [VD_END_CONNECTING] = "connecting",
	};

	return (unsigned int)e < ARRAY_SIZE(names) ? names[e] : "open";
}

static void infer_map(struct vd_corr_result *res, const struct vd_epset eps[2])
{
	struct vd_cidvotes votes = { 0 };
	unsigned int before = res->map.n;
	struct vd_endpoints *b = NULL;

	if (eps[1].n) {
		b = vd_xcalloc(eps[1].n, sizeof(*b));
		memcpy(b, eps[1].v, eps[1].n * sizeof(*b));
		qsort(b, eps[1].n, sizeof(*b), cmp_ep_by_ports);
	}
	for (size_t i = 0; i < eps[0].n; i++) {
		const struct vd_endpoints *a = &eps[0].v[i];
		struct vd_endpoints key = { .peer_port = a->local_port, .local_port = a->peer_port };
		size_t lo = 0, hi = eps[1].n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cmp_ep_by_ports(&b[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < eps[1].n && !cmp_ep_by_ports(&b[lo], &key); lo++)
			vd_cidvotes_add(&votes, a, &b[lo]);
	}
	free(b);
	vd_cidmap_infer(&res->map, &votes);
	res->map_inferred = res->map.n > before;
}

/* ---- after the final pass ------------------------------------------------------------------ */

/*
 * A SHUTDOWN with both directions closed is answered by an RST (the socket is
 * released); none by the end of the recording, long after: the close hangs.
 */
static void half_closed(const struct vd_corr_opts *o, struct vd_corr_result *res,
			const struct vd_conn *c)
{
	struct vd_finding *f;
	int side = c->t_close[0] != VD_NO_TIME ? 0 : 1;
	int64_t t = c->t_close[side], end = (int64_t)res->side[side].stats.last_ts;
	char a[32];

	if (t == VD_NO_TIME || end - t < o->grace_ns)
		return;
	f = vd_finding_new(&res->findings, VD_FK_HALF_CLOSED, VD_SEV_WARNING);
	f->conn = c->id;
	f->count = 1;
	memcpy(f->start, c->t_close, sizeof(f->start));
	snprintf(f->summary, sizeof(f->summary),
		 "connection %u was shut down but never closed: no RST followed the SHUTDOWN",
		 c->id);
	vd_finding_evidence(f, "%s saw the SHUTDOWN at %s; its recording went on %.3f s without an "
			       "RST on this connection",
			    o->name[side], vd_fmt_sec(a, sizeof(a), t), (double)(end - t) / 1e9);
	snprintf(f->cause, sizeof(f->cause),
		 "the peer did not release its socket (application holding it, or the RST was "
		 "lost); the port stays busy and a reconnect to it may be refused");
	snprintf(f->next_step, sizeof(f->next_step),
		 "check which process still holds the socket (ss --vsock -a) on both partitions");
}

/*
 * adb over vsock: every message is a 24-byte header (CNXN, AUTH, OPEN, OKAY,
 * WRTE, CLSE) plus payload.  A connection that closes after a handful of
 * messages, soon after it opened, never got past CNXN/AUTH: the handshake is
 * visible in packet headers even without the payload.
 */
#define ADB_HANDSHAKE_PKTS 6
#define ADB_HANDSHAKE_NS (5 * (int64_t)NSEC_PER_SEC)
#define ADB_HANDSHAKE_BYTES (64 * 1024)

static void adb_handshake(const struct vd_corr_opts *o, struct vd_corr_result *res,
			  const struct vd_conn *c)
{
	/* sends or arrivals, whichever the recordings saw more of: one side may not record */
	uint64_t pkts = VD_MAX(c->d[0].sent_pkts, c->d[0].recv_pkts) +
			VD_MAX(c->d[1].sent_pkts, c->d[1].recv_pkts);
	uint64_t bytes = VD_MAX(c->d[0].sent_bytes, c->d[0].recv_bytes) +
			 VD_MAX(c->d[1].sent_bytes, c->d[1].recv_bytes);
	int side = c->t_open[0] != VD_NO_TIME && c->t_close[0] != VD_NO_TIME ? 0 : 1;
	struct vd_finding *f;

	/* CNXN and AUTH are a few hundred bytes each; bulk data is not a handshake */
	if (pkts >= ADB_HANDSHAKE_PKTS || bytes >= ADB_HANDSHAKE_BYTES ||
	    c->t_open[side] == VD_NO_TIME || c->t_close[side] == VD_NO_TIME ||
	    c->t_close[side] - c->t_open[side] > ADB_HANDSHAKE_NS)
		return;
	f = vd_finding_new(&res->findings, VD_FK_ADB_HANDSHAKE, VD_SEV_WARNING);
	f->conn = c->id;
	f->count = pkts;
	memcpy(f->start, c->t_open, sizeof(f->start));
	memcpy(f->end, c->t_close, sizeof(f->end));
	snprintf(f->summary, sizeof(f->summary),
		 "adb connection %u closed %.3f s after it opened, after only %" PRIu64
		 " data packet%s: the adb handshake never completed",
		 c->id, (double)(c->t_close[side] - c->t_open[side]) / 1e9, pkts,
		 pkts == 1 ? "" : "s");
	vd_finding_evidence(f, "%s -> %s: %" PRIu64 " packets, %s -> %s: %" PRIu64 " packets; then "
			       "%s",
			    o->name[0], o->name[1], c->d[0].sent_pkts, o->name[1], o->name[0],
			    c->d[1].sent_pkts, c->shutdown ? "SHUTDOWN" : "RST");
	snprintf(f->cause, sizeof(f->cause),
		 "it closed before any real traffic: if this is adb, CNXN/AUTH did not complete "
		 "(adbd refused the host key, the adb server gave up, or the relay closed the "
		 "stream); otherwise the application on port %u gave up early",
		 o->adb_port);
	snprintf(f->next_step, sizeof(f->next_step),
		 "check adbd's log (logcat -s adbd) for AUTH failures and the relay's log on the "
		 "vhost side");
}

static void conn_findings(const struct vd_corr_opts *o, struct vd_corr_result *res)
{
	for (size_t i = 0; i < res->nconns; i++) {
		struct vd_conn *c = &res->conns[i];
		int client = c->initiator, server = c->initiator < 0 ? -1 : !c->initiator;
		struct vd_finding *f;
		char t[32];

		if (c->refused) {
			c->end = VD_END_REFUSED;
			f = vd_finding_new(&res->findings, VD_FK_CONNECTION_REFUSED, VD_SEV_ERROR);
			f->conn = c->id;
			f->count = 1;
			memcpy(f->start, c->t_open, sizeof(f->start));
			memcpy(f->end, c->t_answer, sizeof(f->end));
			snprintf(f->summary, sizeof(f->summary),
				 "%s's connection request to port %u was refused (answered by RST)",
				 client >= 0 ? o->name[client] : "?",
				 client == 1 ? c->tuple.a_port : c->tuple.b_port);
			if (server >= 0 && c->t_open[server] != VD_NO_TIME) {
				vd_fmt_sec(t, sizeof(t), c->t_open[server]);
				vd_finding_evidence(f, "%s received the REQUEST at %s and answered RST",
						    o->name[server], t);
			}
			if (client >= 0 && c->t_answer[client] != VD_NO_TIME) {
				vd_fmt_sec(t, sizeof(t), c->t_answer[client]);
				vd_finding_evidence(f, "%s received the RST at %s", o->name[client], t);
			}
			snprintf(f->cause, sizeof(f->cause),
				 "nothing listens on that port on %s (or its accept backlog is full)",
				 server >= 0 ? o->name[server] : "the peer");
			snprintf(f->next_step, sizeof(f->next_step),
				 "start the listener before connecting (adbd on 5555?), or check the "
				 "port and CID the client uses");
			continue;
		}
		if (client >= 0 && !c->responded) {
			int64_t open = c->t_open[client];
			int64_t end = (int64_t)res->side[client].stats.last_ts;

			if (open == VD_NO_TIME || end - open < o->grace_ns) {
				c->end = VD_END_CONNECTING;
				continue;
			}
			c->end = VD_END_UNANSWERED;
			f = vd_finding_new(&res->findings, VD_FK_REQUEST_UNANSWERED, VD_SEV_ERROR);
			f->conn = c->id;
			f->count = 1;
			memcpy(f->start, c->t_open, sizeof(f->start));
			snprintf(f->summary, sizeof(f->summary),
				 "%s's connection request to port %u was never answered",
				 o->name[client], client == 1 ? c->tuple.a_port : c->tuple.b_port);
			vd_fmt_sec(t, sizeof(t), open);
			vd_finding_evidence(f, "%s sent REQUEST at %s and saw no RESPONSE or RST in "
					       "the %.3f s its recording continued",
					    o->name[client], t, (double)(end - open) / 1e9);
			if (c->request_delivered)
				vd_finding_evidence(f, "%s received the REQUEST and sent no answer",
						    o->name[server]);
			else if (vd_clock_aligned(&res->clock))
				vd_finding_evidence(f, "%s never received the REQUEST",
						    o->name[server]);
			if (!vd_clock_aligned(&res->clock))
				snprintf(f->cause, sizeof(f->cause),
					 "unknown without a common clock: the listener on %s did not "
					 "answer, or its answer was lost",
					 o->name[server]);
			else
				snprintf(f->cause, sizeof(f->cause),
				 c->request_delivered
					 ? "the listener on %s did not accept: a hung server or a "
					   "transport that drops the reply"
					 : "the REQUEST was lost on the way to %s",
				 o->name[server]);
			snprintf(f->next_step, sizeof(f->next_step),
				 "check that the server on %s is alive and accepting", o->name[server]);
			continue;
		}
		if (c->shutdown && c->shutdown_full && !c->rst_seen)
			half_closed(o, res, c);
		/* a full close: SHUTDOWN of both directions, or RST; SHUT_WR alone is a half-close */
		if (c->adb && c->responded && (c->shutdown_full || c->rst_seen))
			adb_handshake(o, res, c);
		if (c->shutdown)
			c->end = VD_END_SHUTDOWN;
		else if (c->reset)
			c->end = VD_END_RESET;
		else
			c->end = VD_END_OPEN;
	}
}

/*
 * Reconnect storms: a client retrying a port that refuses (or never answers)
 * makes one finding per attempt.  Attempts by the same side to the same port
 * closer than STORM_GAP_NS to the previous one form a cluster; a cluster of at
 * least STORM_MIN becomes one finding whose count is the number of attempts.
 */
#define STORM_MIN 5
#define STORM_GAP_NS (10 * (int64_t)NSEC_PER_SEC)

struct attempt {
	size_t finding;
	int side;	/* the client's */
	uint32_t port;	/* the server's */
	int64_t t;	/* the client's clock */
	enum vd_finding_kind kind;
};

static int cmp_attempt(const void *pa, const void *pb)
{
	const struct attempt *a = pa, *b = pb;
	int c = VD_CMP(a->kind, b->kind);

	if (!c)
		c = VD_CMP(a->side, b->side);
	if (!c)
		c = VD_CMP(a->port, b->port);
	return c ? c : VD_CMP(a->t, b->t);
}

static void merge_storm(const struct vd_corr_opts *o, struct vd_corr_result *res,
			const struct attempt *at, size_t n, bool *drop)
{
	struct vd_finding *f = &res->findings.v[at[0].finding];
	const struct vd_finding *last = &res->findings.v[at[n - 1].finding];
	int s = at[0].side;
	bool adb = at[0].port == o->adb_port;
	char t1[32], t2[32];

	f->count = n;
	f->conn = -1;
	memcpy(f->end, last->end[0] != VD_NO_TIME || last->end[1] != VD_NO_TIME ? last->end
										   : last->start,
	       sizeof(f->end));
	snprintf(f->summary, sizeof(f->summary),
		 "reconnect storm: %zu connection requests from %s to port %u%s %s within %.1f s",
		 n, o->name[s], at[0].port, adb ? " (adb)" : "",
		 at[0].kind == VD_FK_CONNECTION_REFUSED ? "refused" : "never answered",
		 (double)(at[n - 1].t - at[0].t) / 1e9);
	f->nevidence = 0;
	vd_finding_evidence(f, "first at %s, last at %s (%s clock)",
			    vd_fmt_sec(t1, sizeof(t1), at[0].t),
			    vd_fmt_sec(t2, sizeof(t2), at[n - 1].t), o->name[s]);
	if (adb)
		vd_finding_evidence(f, "port %u is adb: the adb host side keeps reconnecting while "
				       "adbd on %s is not accepting (the CNXN handshake never starts)",
				    at[0].port, o->name[!s]);
	for (size_t k = 1; k < n; k++)
		drop[at[k].finding] = true;
}

static void group_storms(const struct vd_corr_opts *o, struct vd_corr_result *res)
{
	struct attempt *at = vd_xcalloc(res->findings.n + 1, sizeof(*at));
	bool *drop = vd_xcalloc(res->findings.n + 1, sizeof(*drop));
	size_t n = 0, w = 0;

	for (size_t i = 0; i < res->findings.n; i++) {
		const struct vd_finding *f = &res->findings.v[i];
		const struct vd_conn *c;

		if ((f->kind != VD_FK_CONNECTION_REFUSED && f->kind != VD_FK_REQUEST_UNANSWERED) ||
		    f->conn < 1)
			continue;
		c = &res->conns[f->conn - 1];
		if (c->initiator < 0 || c->t_open[c->initiator] == VD_NO_TIME)
			continue;
		at[n++] = (struct attempt){ i, c->initiator,
					    c->initiator ? c->tuple.a_port : c->tuple.b_port,
					    c->t_open[c->initiator], f->kind };
	}
	qsort(at, n, sizeof(*at), cmp_attempt);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && at[j].kind == at[i].kind && at[j].side == at[i].side &&
				at[j].port == at[i].port && at[j].t - at[j - 1].t < STORM_GAP_NS;
		     j++)
			;
		if (j - i >= STORM_MIN)
			merge_storm(o, res, &at[i], j - i, drop);
	}
	for (size_t i = 0; i < res->findings.n; i++) {
		if (drop[i]) {
			free(res->findings.v[i].packets);
			continue;
		}
		res->findings.v[w++] = res->findings.v[i];
	}
	res->findings.n = w;
	free(at);
	free(drop);
}

/* Without a clock nothing is proven; still say what looks wrong and why we cannot tell. */
static void unaligned_findings(const struct vd_corr_opts *o, struct vd_corr_result *res)
{
	struct vd_finding *f = vd_finding_new(&res->findings, VD_FK_CLOCK_UNALIGNED,
					      VD_SEV_WARNING);

	snprintf(f->summary, sizeof(f->summary),
		 "the two recordings cannot be aligned in time: losses and stalls cannot be proven");
	vd_finding_evidence(f, "%s", res->clock_note);
	for (int s = 0; s < 2; s++) {
		const struct vd_source_stats *st = &res->side[s].stats;

		vd_finding_evidence(f, "%s: %" PRIu64 " events from %.6f to %.6f (%.6f s)",
				    o->name[s], st->events, (double)st->first_ts / 1e9,
				    (double)st->last_ts / 1e9,
				    (double)(st->last_ts - st->first_ts) / 1e9);
	}
	snprintf(f->cause, sizeof(f->cause), "%s",
		 strstr(res->clock_note, "repeat") ? "the packets both recordings hold are too "
						     "regular to tell which correspond"
						   : "no packet was recorded by both partitions");
	snprintf(f->next_step, sizeof(f->next_step),
		 "record both partitions over the same period (vsockdiag record on each), or give "
		 "the clock difference with --offset");

	for (size_t i = 0; i < res->nconns; i++) {
		const struct vd_conn *c = &res->conns[i];

		for (int d = 0; d < 2; d++) {
			const struct vd_conn_dir *cd = &c->d[d];
			enum vd_side tx = vd_dir_sender((enum vd_dir)d), rx = vd_dir_receiver(d);
			char bytes[32];

			if (!cd->sent_pkts || cd->recv_pkts)
				continue;
			f = vd_finding_new(&res->findings, VD_FK_UNVERIFIED_DELIVERY,
					   VD_SEV_WARNING);
			f->dir = d;
			f->conn = c->id;
			f->count = cd->sent_pkts;
			f->bytes = cd->sent_bytes;
			snprintf(f->summary, sizeof(f->summary),
				 "%s sent %" PRIu64 " packet%s (%s) on connection %u that %s's "
				 "recording never shows arriving",
				 o->name[tx], cd->sent_pkts, cd->sent_pkts == 1 ? "" : "s",
				 vd_fmt_bytes(bytes, sizeof(bytes), cd->sent_bytes), c->id,
				 o->name[rx]);
			vd_finding_evidence(f, "%s recorded %" PRIu64 " virtio_transport_recv_pkt "
					       "event%s in total and %" PRIu64 " interrupt%s",
					    o->name[rx], res->side[rx].pkts_recv,
					    res->side[rx].pkts_recv == 1 ? "" : "s",
					    res->side[rx].irq_total,
					    res->side[rx].irq_total == 1 ? "" : "s");
			vd_finding_evidence(f, "without a common clock it is unknown whether %s was "
					       "recording when %s sent them",
					    o->name[rx], o->name[tx]);
			snprintf(f->cause, sizeof(f->cause),
				 "if %s was recording then: packets allocated by %s never left it "
				 "(e.g. RX buffer allocation failures, a lost kick)",
				 o->name[rx], o->name[tx]);
			snprintf(f->next_step, sizeof(f->next_step),
				 "record both partitions at the same time so the clocks can be "
				 "aligned, then run correlate again");
		}
	}
}

/* What one recording cannot show, said once, so nobody reads silence as health. */
static void single_partition_note(const struct vd_corr_opts *o, struct vd_corr_result *res)
{
	struct vd_finding *f = vd_finding_new(&res->findings, VD_FK_SINGLE_PARTITION,
					      VD_SEV_INFO);

	f->side = VD_SIDE_A;
	snprintf(f->summary, sizeof(f->summary),
		 "one partition's recording (%s): checked connections, credit and allocation "
		 "failures; packet delivery, stalls and the clock need the other partition's",
		 o->name[0]);
	vd_finding_evidence(f, "run: vsockdiag correlate %s OTHER-PARTITION-RECORDING",
			    o->path[0]);
}

static void blind_spots(const struct vd_corr_opts *o, struct vd_corr_result *res)
{
	struct vd_finding *f;

	for (int s = 0; s < 2; s++) {
		const struct vd_source_stats *st = &res->side[s].stats;

		if (st->lost_events || st->lost_markers) {
			f = vd_finding_new(&res->findings, VD_FK_LOST_EVENTS, VD_SEV_WARNING);
			f->side = s;
			f->count = st->lost_events;
			snprintf(f->summary, sizeof(f->summary),
				 "%s's recording lost %s%" PRIu64 " events in %" PRIu64 " place%s",
				 o->name[s], st->lost_unknown ? "at least " : "", st->lost_events,
				 st->lost_markers, st->lost_markers == 1 ? "" : "s");
			snprintf(f->cause, sizeof(f->cause),
				 "the trace ring buffer overflowed: nothing is proven in those "
				 "windows");
			snprintf(f->next_step, sizeof(f->next_step),
				 "record with a larger buffer (buffer_size_kb) or fewer events");
		}
		if (st->window_truncated) {
			f = vd_finding_new(&res->findings, VD_FK_BUFFER_OVERWRITTEN, VD_SEV_INFO);
			f->side = s;
			f->start[s] = (int64_t)st->window_start;
			snprintf(f->summary, sizeof(f->summary),
				 "%s's ring buffer overwrote its oldest events: its recording is "
				 "complete only from %.6f",
				 o->name[s], (double)st->window_start / 1e9);
			snprintf(f->next_step, sizeof(f->next_step),
				 "read the buffer sooner or record to a file (vsockdiag record)");
		}
	}
	for (int d = 0; d < 2; d++) {
		uint64_t out = res->fates[d][VD_FATE_UNPROVEN] + res->fates[d][VD_FATE_NOT_YET];
		enum vd_side tx = vd_dir_sender((enum vd_dir)d), rx = vd_dir_receiver(d);

		if (out) {
			f = vd_finding_new(&res->findings, VD_FK_OUTSIDE_WINDOW, VD_SEV_INFO);
			f->dir = d;
			f->count = out;
			snprintf(f->summary, sizeof(f->summary),
				 "%" PRIu64 " packet%s %s sent outside %s's recording window: their "
				 "fate is unknown, not counted as lost",
				 out, out == 1 ? "" : "s", o->name[tx], o->name[rx]);
			vd_finding_evidence(f, "%" PRIu64 " sent before %s started recording, %" PRIu64
					       " within %.1f s of its end",
					    res->fates[d][VD_FATE_UNPROVEN], o->name[rx],
					    res->fates[d][VD_FATE_NOT_YET], (double)o->grace_ns / 1e9);
		}
		if (res->orphans_unexpected[d]) {
			f = vd_finding_new(&res->findings, VD_FK_ORPHAN_RECEIVES, VD_SEV_INFO);
			f->dir = d;
			f->count = res->orphans_unexpected[d];
			snprintf(f->summary, sizeof(f->summary),
				 "%" PRIu64 " packet%s received by %s have no send in %s's recording",
				 f->count, f->count == 1 ? "" : "s", o->name[rx], o->name[tx]);
			snprintf(f->cause, sizeof(f->cause),
				 "%s's recording missed them (lost events, or a tracepoint disabled "
				 "for a while)",
				 o->name[tx]);
		}
		if (res->fates[d][VD_FATE_SHORT]) {
			f = vd_finding_new(&res->findings, VD_FK_PARTIAL_DELIVERY, VD_SEV_WARNING);
			f->dir = d;
			f->count = res->fates[d][VD_FATE_SHORT];
			snprintf(f->summary, sizeof(f->summary),
				 "%" PRIu64 " packet%s from %s arrived only in part at %s", f->count,
				 f->count == 1 ? "" : "s", o->name[tx], o->name[rx]);
			snprintf(f->cause, sizeof(f->cause),
				 "the receiver's byte stream does not line up with the sender's: "
				 "missing receive events or data dropped mid-packet");
		}
	}
}

static int verdict(const struct vd_corr_result *res)
{
	int worst = VD_SEV_INFO;

	for (size_t i = 0; i < res->findings.n; i++)
		worst = VD_MAX(worst, (int)res->findings.v[i].severity);
	if (worst == VD_SEV_ERROR)
		return VD_VERDICT_PROBLEMS;
	if (worst == VD_SEV_WARNING || !vd_clock_aligned(&res->clock))
		return VD_VERDICT_INCONCLUSIVE;
	return VD_VERDICT_HEALTHY;
}

static int open_sources(const struct vd_corr_opts *o, struct vd_source *src[2], char *err,
			size_t errlen)
{
	for (int s = 0; s < 2; s++) {
		if (!o->path[s])
			continue; /* single-partition mode */
		src[s] = vd_source_open(o->path[s], err, errlen);
		if (!src[s])
			return -errno;
	}
	return 0;
}

int vd_correlate(const struct vd_corr_opts *o, struct vd_corr_result *res, char *err,
		 size_t errlen)
{
	struct vd_source *src[2] = { NULL, NULL };
	struct vd_samples smp[2] = { 0 };
	struct vd_epset eps[2] = { 0 };
	struct vd_engine_cfg cfg;
	int ret;

	memset(res, 0, sizeof(*res));
	res->map = o->map;
	ret = open_sources(o, src, err, errlen);
	if (ret)
		goto out;
	for (int s = 0; s < 2; s++) {
		if (!src[s])
			continue;
		ret = vd_scan_side(src[s], o->irq_name[s], &res->side[s], &smp[s], &eps[s]);
		if (ret) {
			snprintf(err, errlen, "reading %s failed: %s", o->path[s], strerror(-ret));
			goto out;
		}
		if (res->side[s].stats.events <= res->side[s].stats.lost_markers) {
			ret = -ENODATA;
			snprintf(err, errlen,
				 "%s holds no trace events vsockdiag understands (%" PRIu64
				 " lines, %" PRIu64 " malformed): give the output of "
				 "'cat /sys/kernel/tracing/trace' with vsock:* enabled",
				 o->path[s], res->side[s].stats.lines, res->side[s].stats.malformed);
			goto out;
		}
	}
	if (src[1]) {
		infer_map(res, eps);
		ret = vd_align_clock(src, o, smp, res, err, errlen);
		if (ret)
			goto out;
	} else {
		snprintf(res->clock_note, sizeof(res->clock_note),
			 "one recording only: nothing to align with");
	}

	cfg = (struct vd_engine_cfg){ .o = o,
				      .clock = vd_clock_aligned(&res->clock) ? &res->clock : NULL,
				      .tol_ns = vd_clock_tol(&res->clock),
				      .causal_ns = vd_clock_causal(&res->clock),
				      .final = true };
	res->tol_ns = cfg.tol_ns;
	ret = vd_engine_run(src, &cfg, res, err, errlen);
	if (ret)
		goto out;
	conn_findings(o, res);
	group_storms(o, res);
	if (!src[1])
		single_partition_note(o, res);
	else if (!vd_clock_aligned(&res->clock))
		unaligned_findings(o, res);
	vd_starve_consequences(o, &res->findings);
	vd_allocfail_findings(o, res);
	blind_spots(o, res);
	vd_findings_sort(&res->findings);
	vd_incidents_build(res);
	res->verdict = verdict(res);
out:
	for (int s = 0; s < 2; s++) {
		vd_source_close(src[s]);
		vd_samples_free(&smp[s]);
		vd_epset_free(&eps[s]);
	}
	return ret;
}

void vd_corr_result_free(struct vd_corr_result *res)
{
	free(res->conns);
	res->conns = NULL;
	res->nconns = 0;
	free(res->incidents);
	res->incidents = NULL;
	res->nincidents = 0;
	vd_findings_free(&res->findings);
}
