// SPDX-License-Identifier: GPL-2.0
/*
 * Sent, never received: consecutive sends of one flow direction with the same
 * fate (lost: later data arrived; missing: nothing came by the end) are one
 * finding, closed by the next delivery or the end of input.  The evidence
 * says what the receiver did meanwhile (interrupts, its recording going on,
 * the other direction still delivering) and whether its own recording lost
 * events there, in which case nothing is proven.
 */
#include <stdlib.h>
#include <sys/types.h>

#include "common/util.h"
#include "analyzers/detect/detector.h"

/* the other direction still delivering this long after a loss makes the link one-way */
#define ONE_WAY_MIN_NS (100 * (int64_t)NSEC_PER_MSEC)

struct run {
	ssize_t finding; /* index of the open finding, or -1 */
	enum vd_fate fate;
	uint64_t rx_irq_mark;
	int64_t last_send_rx;
};

struct undelivered {
	struct run (*run)[2]; /* [flow id][dir] */
	size_t cap;
};

static struct run *run_of(struct undelivered *u, const struct vd_flow *f, enum vd_dir dir)
{
	if (f->id >= u->cap) {
		size_t ncap = VD_MAX((size_t)f->id + 1, u->cap * 2);

		u->run = vd_xrealloc(u->run, ncap, sizeof(*u->run));
		for (size_t i = u->cap; i < ncap; i++)
			u->run[i][0].finding = u->run[i][1].finding = -1;
		u->cap = ncap;
	}
	return &u->run[f->id][dir];
}

static void *create(struct vd_session *s)
{
	(void)s;
	return vd_xcalloc(1, sizeof(struct undelivered));
}

static void destroy(void *st)
{
	struct undelivered *u = st;

	free(u->run);
	free(u);
}

static void run_close(struct vd_session *s, struct run *r, enum vd_dir dir, int64_t t_rx_end)
{
	enum vd_side tx = vd_dir_sender(dir), rx = vd_dir_receiver(dir);
	const struct vd_side_info *rxi = &s->res->side[rx];
	struct vd_finding *fd;
	struct vd_evidence *ev;
	uint64_t irqs;
	int64_t back;

	if (r->finding < 0)
		return;
	fd = &s->res->findings.v[r->finding];
	r->finding = -1;
	irqs = s->vsock_irq[rx] - r->rx_irq_mark;
	fd->end[rx] = t_rx_end;
	fd->end[tx] = vd_session_to_other(s, rx, t_rx_end);
	fd->duration_ns = t_rx_end - fd->start[rx];

	ev = vd_finding_evidence(fd, VD_EVD_RUN_SPAN, tx);
	ev->v[0] = fd->start[tx];
	ev->v[1] = fd->start[rx];
	if (r->fate == VD_FATE_LOST) {
		ev = vd_finding_evidence(fd, VD_EVD_RUN_SKIPPED, rx);
		ev->v[0] = t_rx_end;
	} else {
		ev = vd_finding_evidence(fd, VD_EVD_RUN_RX_CONTINUED, rx);
		ev->v[0] = t_rx_end;
		ev->v[1] = r->last_send_rx;
	}
	if (rxi->irq_total == 0 && rxi->vhost_recv * 2 > rxi->pkts_recv)
		vd_finding_evidence(fd, VD_EVD_RX_VHOST, rx);
	else if (rxi->irq_total == 0)
		vd_finding_evidence(fd, VD_EVD_RX_NO_IRQ_EVENTS, rx);
	else if (!rxi->nirq || !irqs)
		vd_finding_evidence(fd, VD_EVD_RX_NO_VSOCK_IRQ, rx);
	else
		vd_finding_evidence(fd, VD_EVD_RX_IRQS, rx)->v[0] = (int64_t)irqs;
	/* the other direction: sent by rx, so its send times are on rx's clock */
	back = vd_ct_conn(&s->ct, fd->conn)->d[!dir].last_delivered_sent;
	if (back > fd->start[rx] + ONE_WAY_MIN_NS) {
		ev = vd_finding_evidence(fd, VD_EVD_ONE_WAY, rx);
		ev->v[0] = back;
		ev->v[1] = fd->start[rx];
	}
	if (vd_session_lost_between(s, rx, fd->start[rx], t_rx_end)) {
		fd->kind = VD_FK_UNVERIFIED_DELIVERY;
		fd->severity = VD_SEV_WARNING;
		fd->variant = VD_VAR_RUN_RX_LOST;
		vd_finding_evidence(fd, VD_EVD_RX_LOST_EVENTS, rx);
		return;
	}
	if (!irqs && rxi->irq_total)
		fd->variant = VD_VAR_RUN_NO_IRQ;
}

static void run_add(struct vd_session *s, struct run *r, enum vd_dir dir,
		    const struct vd_pending *p, enum vd_fate fate)
{
	enum vd_side tx = vd_dir_sender(dir), rx = vd_dir_receiver(dir);
	struct vd_finding *fd;

	if (r->finding >= 0 && r->fate != fate)
		run_close(s, r, dir, p->t_send_rx);
	if (r->finding < 0) {
		fd = vd_finding_new(&s->res->findings, VD_FK_UNDELIVERED, VD_SEV_ERROR);
		r->finding = (ssize_t)(fd - s->res->findings.v);
		r->fate = fate;
		r->rx_irq_mark = p->rx_irq_mark;
		fd->dir = dir;
		fd->conn = p->conn;
		fd->start[tx] = (int64_t)p->t_send;
		fd->start[rx] = p->t_send_rx;
	}
	fd = &s->res->findings.v[r->finding];
	fd->count++;
	fd->bytes += p->len;
	r->last_send_rx = p->t_send_rx;
	vd_finding_add_packet(fd, p->t_send, p->len, p->op);
}

static void fate(void *st, struct vd_session *s, struct vd_flow *f, enum vd_dir dir,
		 const struct vd_pending *p, enum vd_fate fate, int64_t t_recv_last)
{
	if (!s->cfg.final)
		return;
	if (fate == VD_FATE_DELIVERED)
		run_close(s, run_of(st, f, dir), dir, t_recv_last);
	else if (fate == VD_FATE_LOST || fate == VD_FATE_MISSING)
		run_add(s, run_of(st, f, dir), dir, p, fate);
}

static void end(void *st, struct vd_session *s)
{
	struct undelivered *u = st;

	for (size_t i = 0; i < u->cap; i++)
		for (int d = 0; d < 2; d++)
			run_close(s, &u->run[i][d], (enum vd_dir)d,
				  s->win_end[vd_dir_receiver((enum vd_dir)d)]);
}

static void view(const void *st, const struct vd_session *s, struct vd_view *v)
{
	const struct undelivered *u = st;

	for (size_t i = 0; i < u->cap; i++) {
		for (int d = 0; d < 2; d++) {
			const struct vd_finding *fd;

			if (u->run[i][d].finding < 0)
				continue;
			fd = &s->res->findings.v[u->run[i][d].finding];
			vd_view_open(
			    v, &(struct vd_open_window){ .kind = fd->kind,
							 .dir = d,
							 .conn = fd->conn,
							 .start = { fd->start[0], fd->start[1] },
							 .count = fd->count });
		}
	}
}

const struct vd_det_ops vd_det_undelivered = {
	.name = "undelivered",
	.create = create,
	.fate = fate,
	.end = end,
	.view = view,
	.destroy = destroy,
};
