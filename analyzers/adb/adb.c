// SPDX-License-Identifier: GPL-2.0
/*
 * adb streams from framed messages (adb.h).  One table per connection for
 * both recordings: a message is the same whichever recording framed it
 * (sent in one, received in the other), so state changes are idempotent and
 * the counts are kept per recording ([role]: the writer's or the reader's).
 *
 * adb's ids: OPEN(local, 0, service) from the opener; the answer OKAY(its
 * local, opener's local); then WRTE/OKAY/CLSE(sender's id, receiver's id).
 * Each WRTE waits for an OKAY from the other end before the next.
 */
#include <string.h>

#include "analyzers/adb/adb.h"
#include "analyzers/model/findings.h"

static const char *const state_names[] = {
	[VD_ADB_ST_OPENING] = "opening", [VD_ADB_ST_OPEN] = "open",
	[VD_ADB_ST_CLOSING] = "closing", [VD_ADB_ST_CLOSED] = "closed",
	[VD_ADB_ST_REFUSED] = "refused",
};

const char *vd_adb_state_name(unsigned int state)
{
	return state < sizeof(state_names) / sizeof(state_names[0]) ? state_names[state] : "?";
}

void vd_adb_conn_init(struct vd_adb_conn *a, uint32_t conn)
{
	memset(a, 0, sizeof(*a));
	a->conn = conn;
	for (int e = 0; e < 2; e++)
		for (int s = 0; s < 2; s++)
			a->end[e].t_cnxn[s] = a->end[e].t_auth[s] = VD_NO_TIME;
}

bool vd_adb_has_msgs(const struct vd_adb_conn *a)
{
	for (int s = 0; s < 2; s++)
		for (int d = 0; d < 2; d++)
			if (a->cnt[s][d].msgs)
				return true;
	return false;
}

/* printable bytes up to a NUL; cut when the capture ended before the NUL or the data did */
static void copy_text(char *dst, size_t size, bool *cut, const struct vd_adb_msg *m)
{
	size_t i;

	for (i = 0; i < m->ndata && i + 1 < size && m->data[i]; i++)
		dst[i] = m->data[i] >= 0x20 && m->data[i] < 0x7f ? (char)m->data[i] : '.';
	dst[i] = '\0';
	*cut = i < m->h.len && !(i < m->ndata && !m->data[i]);
}

static void init_stream(struct vd_adb_stream *st)
{
	memset(st, 0, sizeof(*st));
	st->opener = st->closer = -1;
	for (int s = 0; s < 2; s++)
		st->t_open[s] = st->t_close[s] = st->t_last[s] = VD_NO_TIME;
	for (int d = 0; d < 2; d++)
		for (int r = 0; r < 2; r++) {
			st->f[d][r].unacked_since = VD_NO_TIME;
			st->f[d][r].max_wait_ns = -1;
			st->f[d][r].max_wait_at = VD_NO_TIME;
		}
}

/* a new stream, making room by dropping the oldest closed one; NULL when all are open */
static struct vd_adb_stream *new_stream(struct vd_adb_conn *a)
{
	a->streams_total++;
	if (a->nstreams == VD_ADB_MAX_STREAMS) {
		unsigned int i;

		for (i = 0; i < a->nstreams; i++)
			if (a->streams[i].state >= VD_ADB_ST_CLOSED)
				break;
		if (i == a->nstreams) {
			a->streams_dropped++;
			return NULL;
		}
		memmove(&a->streams[i], &a->streams[i + 1],
			(a->nstreams - i - 1) * sizeof(a->streams[0]));
		a->nstreams--;
		a->streams_evicted++;
	}
	init_stream(&a->streams[a->nstreams]);
	return &a->streams[a->nstreams++];
}

/* the newest stream whose ids fit: the sender's is arg0 (0 also fits an unknown), */
static struct vd_adb_stream *find(struct vd_adb_conn *a, int sender, uint32_t arg0, uint32_t arg1,
				  bool sender_may_be_unknown)
{
	for (unsigned int i = a->nstreams; i-- > 0;) {
		struct vd_adb_stream *st = &a->streams[i];

		if (st->id[!sender] != arg1)
			continue;
		if (st->id[sender] == arg0 || (sender_may_be_unknown && !st->id[sender]))
			return st;
	}
	return NULL;
}

/* a stream the recordings saw only by its traffic: it was opened before them */
static struct vd_adb_stream *found_late(struct vd_adb_conn *a, int sender, uint32_t arg0,
					uint32_t arg1)
{
	struct vd_adb_stream *st;

	if (!arg0 || !arg1)
		return NULL;
	st = new_stream(a);
	if (st) {
		st->id[sender] = arg0;
		st->id[!sender] = arg1;
		st->state = VD_ADB_ST_OPEN;
	}
	return st;
}

static void on_open(struct vd_adb_conn *a, enum vd_side side, int sender,
		    const struct vd_adb_msg *m)
{
	struct vd_adb_stream *st = NULL;

	if (!m->h.arg0)
		return; /* no stream without the opener's id */
	/* the same OPEN framed from the other recording */
	for (unsigned int i = a->nstreams; i-- > 0 && !st;)
		if (a->streams[i].opener == sender && a->streams[i].id[sender] == m->h.arg0 &&
		    a->streams[i].t_open[side] == VD_NO_TIME)
			st = &a->streams[i];
	if (!st) {
		st = new_stream(a);
		if (!st)
			return;
		st->id[sender] = m->h.arg0;
		st->opener = sender;
		st->state = VD_ADB_ST_OPENING;
	}
	st->t_open[side] = m->t;
	if (!st->service[0] || (st->service_cut && m->ndata > strlen(st->service)))
		copy_text(st->service, sizeof(st->service), &st->service_cut, m);
	st->t_last[side] = m->t;
	st->touch = ++a->touch;
}

/* OKAY in dir acknowledges the WRTE the other way, as this recording saw it */
static void ack(struct vd_adb_stream *st, enum vd_side side, enum vd_dir dir, int64_t t)
{
	enum vd_dir acked = vd_dir_opposite(dir);
	int role = side == vd_dir_sender(acked) ? VD_ADB_WRITER : VD_ADB_READER;
	struct vd_adb_flow *f = &st->f[acked][role];

	if (f->unacked && f->unacked_since != VD_NO_TIME && t - f->unacked_since > f->max_wait_ns) {
		f->max_wait_ns = t - f->unacked_since;
		f->max_wait_at = f->unacked_since;
	}
	f->unacked = 0;
	f->unacked_bytes = 0;
	f->unacked_since = VD_NO_TIME;
}

void vd_adb_apply(struct vd_adb_conn *a, enum vd_side side, enum vd_dir dir,
		  const struct vd_adb_msg *m)
{
	int sender = (int)vd_dir_sender(dir);
	int role = side == vd_dir_sender(dir) ? VD_ADB_WRITER : VD_ADB_READER;
	struct vd_adb_end *e = &a->end[sender];
	struct vd_adb_stream *st;
	struct vd_adb_flow *f;

	switch (m->h.cmd) {
	case VD_ADB_CNXN:
		if (!e->cnxn || (e->banner_cut && m->ndata > strlen(e->banner))) {
			e->version = m->h.arg0;
			e->maxdata = m->h.arg1;
			copy_text(e->banner, sizeof(e->banner), &e->banner_cut, m);
		}
		e->cnxn = true;
		if (e->t_cnxn[side] == VD_NO_TIME)
			e->t_cnxn[side] = m->t;
		return;
	case VD_ADB_AUTH:
		e->auth[side]++; /* each recording counts its own: they see the same ones */
		if (e->t_auth[side] == VD_NO_TIME)
			e->t_auth[side] = m->t;
		return;
	case VD_ADB_STLS:
		e->stls = true;
		return;
	case VD_ADB_OPEN:
		on_open(a, side, sender, m);
		return;
	case VD_ADB_OKAY:
		st = find(a, sender, m->h.arg0, m->h.arg1, true);
		if (!st)
			st = found_late(a, sender, m->h.arg0, m->h.arg1);
		if (!st)
			return;
		if (!st->id[sender])
			st->id[sender] = m->h.arg0; /* the answer to OPEN: the other end's id */
		if (st->state == VD_ADB_ST_OPENING)
			st->state = VD_ADB_ST_OPEN;
		ack(st, side, dir, m->t);
		break;
	case VD_ADB_WRTE:
		st = find(a, sender, m->h.arg0, m->h.arg1, false);
		if (!st)
			st = found_late(a, sender, m->h.arg0, m->h.arg1);
		if (!st)
			return;
		f = &st->f[dir][role];
		f->wrtes++;
		f->bytes += m->h.len;
		if (!f->unacked++)
			f->unacked_since = m->t;
		f->unacked_bytes += m->h.len;
		break;
	case VD_ADB_CLSE:
		/* CLSE(0, id) answers an OPEN the other end refused */
		st = find(a, sender, m->h.arg0, m->h.arg1, true);
		if (!st)
			return;
		if (st->t_close[side] == VD_NO_TIME)
			st->t_close[side] = m->t;
		if (st->state == VD_ADB_ST_OPENING && !m->h.arg0)
			st->state = VD_ADB_ST_REFUSED;
		else if (st->closer < 0)
			st->closer = sender;
		if (st->state != VD_ADB_ST_REFUSED && st->state != VD_ADB_ST_CLOSED)
			st->state = st->closer >= 0 && st->closer != sender ? VD_ADB_ST_CLOSED
									    : VD_ADB_ST_CLOSING;
		break;
	default:
		return;
	}
	st->t_last[side] = m->t;
	st->touch = ++a->touch;
}

const struct vd_adb_stream *vd_adb_latest(const struct vd_adb_conn *a)
{
	const struct vd_adb_stream *best = NULL;

	for (unsigned int i = 0; i < a->nstreams; i++) {
		const struct vd_adb_stream *st = &a->streams[i];
		bool open = st->state < VD_ADB_ST_CLOSED,
		     best_open = best && best->state < VD_ADB_ST_CLOSED;

		if (!best || (open && !best_open) || (open == best_open && st->touch > best->touch))
			best = st;
	}
	return best;
}

bool vd_adb_open_at(const struct vd_adb_stream *st, enum vd_side side, int64_t t)
{
	if (st->state == VD_ADB_ST_REFUSED)
		return false;
	if (st->opener >= 0 && (st->t_open[side] == VD_NO_TIME || st->t_open[side] > t))
		return false;
	return st->t_close[side] == VD_NO_TIME || st->t_close[side] >= t;
}
