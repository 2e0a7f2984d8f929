// SPDX-License-Identifier: GPL-2.0
/*
 * Delivery stalls: packets that arrived, but later than --stall after they
 * were sent.  Late packets of one direction close together are one window;
 * an on-time packet sent after the late ones arrived ends it.
 */
#include "common/util.h"
#include "analyzers/detect/detector.h"

struct stall {
	bool open;
	int64_t start_tx, start_rx; /* first late packet sent: sender, receiver clocks */
	int64_t end_rx;		    /* last late packet's arrival */
	int64_t worst;
	uint64_t count, bytes;
	uint32_t conns[VD_FINDING_MAX_CONNS];
	unsigned int nconns;
	uint64_t rx_irq_mark;
};

#define MAX_MARKS 16

struct stalls {
	struct stall dir[2];
	/* when each partition's recorder started or stopped (its own clock) */
	int64_t mark_t[2][MAX_MARKS];
	uint32_t mark_what[2][MAX_MARKS];
	unsigned int nmarks[2];
};

static void *create(struct vd_session *s)
{
	(void)s;
	return vd_xcalloc(1, sizeof(struct stalls));
}

static void event(void *st, struct vd_session *s, enum vd_side side, const struct vd_event *ev)
{
	struct stalls *x = st;

	(void)s;
	if (ev->kind != VD_EV_MARK || x->nmarks[side] >= MAX_MARKS)
		return;
	x->mark_t[side][x->nmarks[side]] = (int64_t)ev->ts_ns;
	x->mark_what[side][x->nmarks[side]++] = ev->mark.what;
}

/*
 * Starting and stopping, the recorder itself takes the partition's CPU (it
 * creates the instance, drains the ring buffers, writes the file): a stall
 * that coincides with that, on either partition, may be the recorder's own
 * doing.  Within --stall of the window counts.  The finding says so and is
 * only a warning: the recordings cannot tell a real stall from the
 * recorder's there.
 */
static void recorder_overlap(const struct stalls *x, struct vd_finding *f, int64_t margin)
{
	for (int side = 0; side < 2; side++) {
		int64_t a = f->start[side], b = f->end[side] != VD_NO_TIME ? f->end[side] : a;

		if (a == VD_NO_TIME)
			continue;
		for (unsigned int i = 0; i < x->nmarks[side]; i++) {
			struct vd_evidence *ev;

			if (x->mark_t[side][i] < a - margin || x->mark_t[side][i] > b + margin)
				continue;
			ev = vd_finding_evidence(f, VD_EVD_RECORDER, side);
			if (!ev)
				return;
			ev->v[0] = x->mark_t[side][i];
			ev->v[1] = x->mark_what[side][i] == VD_MARK_RECORDER_STOP;
			f->severity = VD_SEV_WARNING;
			f->variant = VD_VAR_STALL_RECORDER;
			return;
		}
	}
}

static void stall_close(struct vd_session *s, struct stall *st, enum vd_dir dir)
{
	enum vd_side tx = vd_dir_sender(dir), rx = vd_dir_receiver(dir);
	struct vd_finding *fd;
	struct vd_evidence *ev;

	if (!st->open)
		return;
	st->open = false;
	if (!s->cfg.final)
		return;
	fd = vd_finding_new(&s->res->findings, VD_FK_DELIVERY_STALL, VD_SEV_ERROR);
	fd->dir = dir;
	fd->conn = st->nconns == 1 ? (int64_t)st->conns[0] : -1;
	fd->start[tx] = st->start_tx;
	fd->start[rx] = st->start_rx;
	fd->end[rx] = st->end_rx;
	fd->end[tx] = vd_session_to_other(s, rx, st->end_rx);
	fd->duration_ns = st->end_rx - st->start_rx;
	fd->worst_latency_ns = st->worst;
	fd->count = st->count;
	fd->bytes = st->bytes;
	for (unsigned int i = 0; i < st->nconns; i++)
		fd->conns[i] = st->conns[i];
	fd->nconns = st->nconns;
	fd->conns_more = st->nconns == VD_FINDING_MAX_CONNS;
	ev = vd_finding_evidence(fd, VD_EVD_STALL_SPAN, rx);
	ev->v[0] = st->start_rx;
	ev->v[1] = st->end_rx;
	ev->v[2] = st->worst;
	vd_finding_evidence(fd, VD_EVD_STALL_CONNS, -1);
	if (s->res->side[rx].irq_total)
		vd_finding_evidence(fd, VD_EVD_STALL_IRQS, rx)->v[0] =
		    (int64_t)(s->vsock_irq[rx] - st->rx_irq_mark);
}

static void note(struct vd_session *s, struct stall *st, enum vd_dir dir,
		 const struct vd_pending *p, int64_t latency)
{
	int64_t thr = s->cfg.o->stall_ns;

	if (latency < thr) {
		/* an on-time packet sent after the late ones arrived: the stall is over */
		if (st->open && p->t_send_rx > st->end_rx)
			stall_close(s, st, dir);
		return;
	}
	if (st->open && p->t_send_rx > st->end_rx + thr)
		stall_close(s, st, dir);
	if (!st->open) {
		*st = (struct stall){ .open = true,
				      .start_tx = (int64_t)p->t_send,
				      .start_rx = p->t_send_rx,
				      .end_rx = p->first_rx,
				      .rx_irq_mark = p->rx_irq_mark };
	}
	st->end_rx = VD_MAX(st->end_rx, p->first_rx);
	st->worst = VD_MAX(st->worst, latency);
	st->count++;
	st->bytes += p->len;
	for (unsigned int i = 0; i < st->nconns; i++)
		if (st->conns[i] == p->conn)
			return;
	if (st->nconns < ARRAY_SIZE(st->conns))
		st->conns[st->nconns++] = p->conn;
}

static void fate(void *st, struct vd_session *s, struct vd_flow *f, enum vd_dir dir,
		 const struct vd_pending *p, enum vd_fate fate, int64_t t_recv_last)
{
	struct stalls *x = st;

	(void)f;
	(void)t_recv_last;
	if (s->cfg.final && fate == VD_FATE_DELIVERED)
		note(s, &x->dir[dir], dir, p, p->first_rx - p->t_send_rx);
}

static void end(void *st, struct vd_session *s)
{
	struct stalls *x = st;

	for (int d = 0; d < 2; d++)
		stall_close(s, &x->dir[d], (enum vd_dir)d);
	/* every marker is known now, the stop markers included */
	for (size_t i = 0; s->cfg.final && i < s->res->findings.n; i++)
		if (s->res->findings.v[i].kind == VD_FK_DELIVERY_STALL)
			recorder_overlap(x, &s->res->findings.v[i], s->cfg.o->stall_ns);
}

static void view(const void *st, const struct vd_session *s, struct vd_view *v)
{
	const struct stalls *x = st;

	(void)s;
	for (int d = 0; d < 2; d++) {
		const struct stall *w = &x->dir[d];
		struct vd_open_window ow = { .kind = VD_FK_DELIVERY_STALL,
					     .dir = d,
					     .conn = w->nconns == 1 ? (int64_t)w->conns[0] : -1,
					     .count = w->count };

		if (!w->open)
			continue;
		ow.start[vd_dir_sender((enum vd_dir)d)] = w->start_tx;
		ow.start[vd_dir_receiver((enum vd_dir)d)] = w->start_rx;
		vd_view_open(v, &ow);
	}
}

const struct vd_det_ops vd_det_stall = {
	.name = "delivery_stall",
	.create = create,
	.fate = fate,
	.event = event,
	.end = end,
	.view = view,
};
