// SPDX-License-Identifier: GPL-2.0
/*
 * Connection failures, decided when the input is over: a REQUEST answered by
 * RST (nothing listening), a REQUEST never answered (for --grace before the
 * client's recording ended), a full SHUTDOWN never followed by the RST that
 * releases the socket, and adb connections that closed before their
 * CNXN/AUTH handshake could have completed.  Repeated attempts become one
 * reconnect storm when the findings settle.
 */
#include <string.h>

#include "common/util.h"
#include "analyzers/detect/detector.h"

/*
 * adb over vsock: every message is a 24-byte header (CNXN, AUTH, OPEN, OKAY,
 * WRTE, CLSE) plus payload.  A connection that closes after a handful of
 * messages, soon after it opened, never got past CNXN/AUTH: the handshake is
 * visible in packet headers even without the payload.
 */
#define ADB_HANDSHAKE_PKTS  6
#define ADB_HANDSHAKE_NS    (5 * (int64_t)NSEC_PER_SEC)
#define ADB_HANDSHAKE_BYTES (64 * 1024)

static uint32_t server_port(const struct vd_conn *c)
{
	return c->initiator == 1 ? c->tuple.a_port : c->tuple.b_port;
}

static void refused(struct vd_session *s, const struct vd_conn *c)
{
	int client = c->initiator, server = client < 0 ? -1 : !client;
	struct vd_finding *f =
	    vd_finding_new(&s->res->findings, VD_FK_CONNECTION_REFUSED, VD_SEV_ERROR);

	f->conn = c->id;
	f->count = 1;
	f->client = client;
	f->port = server_port(c);
	memcpy(f->start, c->t_open, sizeof(f->start));
	memcpy(f->end, c->t_answer, sizeof(f->end));
	if (server >= 0 && c->t_open[server] != VD_NO_TIME)
		vd_finding_evidence(f, VD_EVD_REQ_RECEIVED_RST, server)->v[0] = c->t_open[server];
	if (client >= 0 && c->t_answer[client] != VD_NO_TIME)
		vd_finding_evidence(f, VD_EVD_RST_RECEIVED, client)->v[0] = c->t_answer[client];
}

static void unanswered(struct vd_session *s, const struct vd_conn *c)
{
	int client = c->initiator, server = !client;
	int64_t open = c->t_open[client], end = s->win_end[client];
	struct vd_finding *f =
	    vd_finding_new(&s->res->findings, VD_FK_REQUEST_UNANSWERED, VD_SEV_ERROR);
	struct vd_evidence *ev;
	bool aligned = vd_clock_aligned(&s->res->clock);

	f->conn = c->id;
	f->count = 1;
	f->client = client;
	f->port = server_port(c);
	memcpy(f->start, c->t_open, sizeof(f->start));
	ev = vd_finding_evidence(f, VD_EVD_REQ_SENT_NO_ANSWER, client);
	ev->v[0] = open;
	ev->v[1] = end - open;
	if (c->request_delivered)
		vd_finding_evidence(f, VD_EVD_REQ_RECEIVED_SILENT, server);
	else if (aligned)
		vd_finding_evidence(f, VD_EVD_REQ_NEVER_RECEIVED, server);
	f->variant = !aligned		    ? VD_VAR_REQ_NOCLOCK
		     : c->request_delivered ? VD_VAR_REQ_DELIVERED
					    : VD_VAR_REQ_LOST;
}

/*
 * A SHUTDOWN with both directions closed is answered by an RST (the socket is
 * released); none by the end of the recording, long after: the close hangs.
 */
static void half_closed(struct vd_session *s, const struct vd_conn *c)
{
	int side = c->t_close[0] != VD_NO_TIME ? 0 : 1;
	int64_t t = c->t_close[side], end = (int64_t)s->res->side[side].stats.last_ts;
	struct vd_finding *f;
	struct vd_evidence *ev;

	if (t == VD_NO_TIME || end - t < s->cfg.o->grace_ns)
		return;
	f = vd_finding_new(&s->res->findings, VD_FK_HALF_CLOSED, VD_SEV_WARNING);
	f->conn = c->id;
	f->count = 1;
	memcpy(f->start, c->t_close, sizeof(f->start));
	ev = vd_finding_evidence(f, VD_EVD_SHUTDOWN_NO_RST, side);
	ev->v[0] = t;
	ev->v[1] = end - t;
}

static void adb_handshake(struct vd_session *s, const struct vd_conn *c)
{
	/* sends or arrivals, whichever the recordings saw more of: one side may not record */
	uint64_t pkts = VD_MAX(c->d[0].sent_pkts, c->d[0].recv_pkts) +
			VD_MAX(c->d[1].sent_pkts, c->d[1].recv_pkts);
	uint64_t bytes = VD_MAX(c->d[0].sent_bytes, c->d[0].recv_bytes) +
			 VD_MAX(c->d[1].sent_bytes, c->d[1].recv_bytes);
	int side = c->t_open[0] != VD_NO_TIME && c->t_close[0] != VD_NO_TIME ? 0 : 1;
	struct vd_finding *f;
	struct vd_evidence *ev;

	/* CNXN and AUTH are a few hundred bytes each; bulk data is not a handshake */
	if (pkts >= ADB_HANDSHAKE_PKTS || bytes >= ADB_HANDSHAKE_BYTES ||
	    c->t_open[side] == VD_NO_TIME || c->t_close[side] == VD_NO_TIME ||
	    c->t_close[side] - c->t_open[side] > ADB_HANDSHAKE_NS)
		return;
	f = vd_finding_new(&s->res->findings, VD_FK_ADB_HANDSHAKE, VD_SEV_WARNING);
	f->conn = c->id;
	f->count = pkts;
	f->port = s->cfg.o->adb_port;
	f->duration_ns = -1;
	f->v[0] = c->t_close[side] - c->t_open[side];
	memcpy(f->start, c->t_open, sizeof(f->start));
	memcpy(f->end, c->t_close, sizeof(f->end));
	ev = vd_finding_evidence(f, VD_EVD_ADB_COUNTS, -1);
	ev->v[0] = (int64_t)c->d[0].sent_pkts;
	ev->v[1] = (int64_t)c->d[1].sent_pkts;
	ev->v[2] = c->shutdown;
}

static void end(void *st, struct vd_session *s)
{
	(void)st;
	if (!s->cfg.final)
		return;
	for (size_t i = 0; i < s->res->nconns; i++) {
		struct vd_conn *c = &s->res->conns[i];

		c->end = vd_conn_end_of(c, s->win_end, s->cfg.o->grace_ns);
		if (c->loopback)
			continue; /* nothing crossed: nothing to diagnose across partitions */
		switch (c->end) {
		case VD_END_REFUSED:
			refused(s, c);
			continue;
		case VD_END_UNANSWERED:
			unanswered(s, c);
			continue;
		case VD_END_CONNECTING:
			continue;
		default:
			break;
		}
		if (c->shutdown && c->shutdown_full && !c->rst_seen)
			half_closed(s, c);
		/* a full close: SHUTDOWN of both directions, or RST; SHUT_WR alone is a half-close
		 */
		if (c->adb && c->responded && (c->shutdown_full || c->rst_seen))
			adb_handshake(s, c);
	}
}

const struct vd_det_ops vd_det_conns = {
	.name = "connections",
	.end = end,
};
