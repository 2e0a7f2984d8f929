// SPDX-License-Identifier: GPL-2.0
/* The words of the adb findings and evidence (detect/adb.c), from their data. */
#include <inttypes.h>
#include <stdio.h>

#include "analyzers/sinks/render_internal.h"

/* the stream's service as the finding's evidence names it */
static const char *service_of(const struct vd_finding *f, char *buf, size_t len)
{
	for (unsigned int i = 0; i < f->nevidence && i < VD_FINDING_MAX_EVIDENCE; i++) {
		const struct vd_evidence *e = &f->evidence[i];

		if (e->kind != VD_EVD_ADB_STREAM)
			continue;
		if (!e->sym[0])
			snprintf(buf, len, "(opened before the recordings)");
		else
			snprintf(buf, len, "\"%s%s\"", e->sym, e->v[3] ? "..." : "");
		return buf;
	}
	snprintf(buf, len, "?");
	return buf;
}

static const char *side_word(const struct ctx *x, int64_t side)
{
	return side == 0 || side == 1 ? x->o->name[side] : "?";
}

#pragma GCC diagnostic push
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
void vd_render_adb_summary(const struct ctx *x, char *s, size_t n)
{
	const struct vd_finding *f = x->f;
	char svc[96], b[32];

	switch (f->kind) {
	case VD_FK_ADB_WRITE_UNACKED:
		if (f->ended)
			snprintf(s, n,
				 "adb stream %s on connection %" PRId64
				 ": a WRTE from %s waited %.3f s for its OKAY from %s",
				 service_of(f, svc, sizeof(svc)), f->conn, x->tx,
				 (double)f->duration_ns / 1e9, x->rx);
		else
			snprintf(s, n,
				 "adb stream %s on connection %" PRId64 ": %" PRIu64
				 " WRTE%s (%s) from %s never acknowledged by %s, waiting %.3f s "
				 "when the %s",
				 service_of(f, svc, sizeof(svc)), f->conn, f->count,
				 plural(f->count), vd_fmt_bytes(b, sizeof(b), f->bytes), x->tx,
				 x->rx, (double)f->duration_ns / 1e9,
				 f->closed ? "connection closed" : "recording ended");
		break;
	case VD_FK_ADB_CNXN_UNANSWERED:
		snprintf(s, n,
			 "%s sent adb CNXN on connection %" PRId64 " and %s never answered with "
			 "its own CNXN%s (%.3f s until the recording ended)",
			 x->tx, f->conn, x->rx,
			 f->variant == VD_VAR_ADB_AUTH_PENDING ? ", only with AUTH" : "",
			 (double)f->duration_ns / 1e9);
		break;
	case VD_FK_ADB_STREAMS_CUT:
		snprintf(s, n,
			 "connection %" PRId64 " was reset (by %s) while %" PRIu64
			 " adb stream%s %s open",
			 f->conn, name(x, f->client), f->count, plural(f->count),
			 f->count == 1 ? "was" : "were");
		break;
	default:
		snprintf(s, n, "%s", vd_finding_kind_name(f->kind));
	}
}

void vd_render_adb_words(const struct ctx *x, struct vd_finding_text *t)
{
	const struct vd_finding *f = x->f;

	switch (f->kind) {
	case VD_FK_ADB_WRITE_UNACKED:
		if (f->ended) {
			snprintf(t->cause, sizeof(t->cause),
				 "%s was slow to acknowledge: adb allows one unacknowledged WRTE "
				 "per stream, so the stream stood still that long",
				 x->rx);
			snprintf(t->next_step, sizeof(t->next_step),
				 "check what the stream's reader on %s was doing (adbd: logcat -s "
				 "adbd; the adb server or relay on the other side)",
				 x->rx);
			break;
		}
		switch (f->variant) {
		case VD_VAR_ADB_NOT_RECEIVED:
			snprintf(
			    t->cause, sizeof(t->cause),
			    "the WRTE never reached %s: the vsock link stopped delivering (see "
			    "the delivery findings of connection %" PRId64 ")",
			    x->rx, f->conn);
			snprintf(t->next_step, sizeof(t->next_step),
				 "follow the undelivered or stall finding of the same connection");
			break;
		case VD_VAR_ADB_NOT_ACKED:
		case VD_VAR_ADB_READER_ONLY:
			snprintf(
			    t->cause, sizeof(t->cause),
			    "%s received the WRTE and never sent the OKAY: the adb process "
			    "there (adbd, or the adb server/relay) stopped reading this stream",
			    x->rx);
			snprintf(t->next_step, sizeof(t->next_step),
				 "check the process serving this stream on %s (adbd: logcat -s "
				 "adbd; the relay's log) and whether its client stopped reading",
				 x->rx);
			break;
		case VD_VAR_ADB_OKAY_LOST:
			snprintf(
			    t->cause, sizeof(t->cause),
			    "%s sent the OKAY but %s never received it: it was lost on the way "
			    "back",
			    x->rx, x->tx);
			snprintf(t->next_step, sizeof(t->next_step),
				 "follow the delivery findings of connection %" PRId64
				 " in the other direction",
				 f->conn);
			break;
		default:
			snprintf(t->cause, sizeof(t->cause),
				 "unknown: only %s's recording has payload heads, so whether %s "
				 "received the WRTE cannot be told",
				 x->tx, x->rx);
			snprintf(t->next_step, sizeof(t->next_step),
				 "record %s too with the payload hook (vsockdiag record on both "
				 "partitions) and correlate the two",
				 x->rx);
		}
		break;
	case VD_FK_ADB_CNXN_UNANSWERED:
		if (f->variant == VD_VAR_ADB_AUTH_PENDING)
			snprintf(
			    t->cause, sizeof(t->cause),
			    "%s asked for authentication (AUTH) and never accepted: the host's "
			    "key was not authorised",
			    x->rx);
		else
			snprintf(
			    t->cause, sizeof(t->cause),
			    "the adb end on %s did not answer: not running, or not reading the "
			    "connection",
			    x->rx);
		snprintf(t->next_step, sizeof(t->next_step),
			 "check adbd's log (logcat -s adbd), the host key in adb_keys, and the "
			 "relay's log");
		break;
	case VD_FK_ADB_STREAMS_CUT:
		snprintf(t->cause, sizeof(t->cause),
			 "the adb sessions on those streams (shell, sync, ...) broke with the "
			 "connection");
		snprintf(t->next_step, sizeof(t->next_step),
			 "check why %s reset the connection (its adb process exited or gave up)",
			 name(x, f->client));
		break;
	default:
		break;
	}
}

bool vd_render_adb_evidence(const struct ctx *x, const struct vd_evidence *e, char *s, size_t n)
{
	switch (e->kind) {
	case VD_EVD_ADB_STREAM:
		snprintf(s, n, "adb stream %s%s%s%s: %s's id %" PRId64 ", %s's id %" PRId64 "%s%s",
			 e->sym[0] ? "\"" : "",
			 e->sym[0] ? e->sym : "(opened before the recordings)",
			 e->v[3] ? "..." : "", e->sym[0] ? "\"" : "", x->o->name[0], e->v[0],
			 x->o->name[1], e->v[1], e->v[2] >= 0 ? ", opened by " : "",
			 e->v[2] >= 0 ? side_word(x, e->v[2]) : "");
		return true;
	case VD_EVD_ADB_READER:
		if (e->v[0] < e->v[1])
			snprintf(s, n,
				 "%s's own payload heads: it received %" PRId64 " of the %" PRId64
				 " WRTE%s, not the last",
				 name(x, e->side), e->v[0], e->v[1], plural((uint64_t)e->v[1]));
		else
			snprintf(s, n, "%s's own payload heads: it received the WRTE%s and %s",
				 name(x, e->side), e->v[1] == 1 ? "" : "s",
				 e->v[2] ? "sent the OKAY, which never arrived"
					 : "never sent the OKAY");
		return true;
	case VD_EVD_ADB_ONE_VIEW:
		snprintf(s, n,
			 "only %s's recording has payload heads of this connection: the other "
			 "side's view is unknown",
			 name(x, e->side));
		return true;
	case VD_EVD_ADB_FRAMING:
		snprintf(s, n,
			 "%s: adb framing was lost %" PRId64 " time%s (found again %" PRId64
			 ")%s: messages in between are unknown",
			 name(x, e->side), e->v[0], plural((uint64_t)e->v[0]), e->v[1],
			 e->v[2] ? "; its recording lost events, so payload records may be missing"
				 : "");
		return true;
	case VD_EVD_ADB_STREAMS:
		snprintf(s, n, "adb streams open then (%s's payload heads): %" PRId64 " (%s)%s",
			 name(x, e->side), e->v[0], e->sym,
			 e->v[1] ? ", some waiting for an OKAY" : "");
		return true;
	case VD_EVD_ADB_CNXN:
		snprintf(s, n,
			 "%s's CNXN: version 0x%" PRIx64 ", maxdata %" PRId64 ", banner \"%s\"; %s",
			 name(x, e->side), e->v[0], e->v[1], e->sym,
			 e->v[2] < 0	? "the other side has no payload heads"
			 : e->v[2] == 1 ? "the other recording shows it arriving"
					: "the other recording never shows it arriving");
		return true;
	default:
		return false;
	}
}
#pragma GCC diagnostic pop
