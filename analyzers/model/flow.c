// SPDX-License-Identifier: GPL-2.0
/* Naming connections across partitions: endpoints, tuples, the CID map. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/model/flow.h"

uint32_t vd_cidmap_b_to_a(const struct vd_cidmap *m, uint32_t b_cid)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (m->e[i].b_cid == b_cid)
			return m->e[i].a_cid;
	return b_cid; /* identity: the common case of one host and one guest */
}

static int map_set(struct vd_cidmap *m, uint32_t a_cid, uint32_t b_cid, bool user)
{
	for (unsigned int i = 0; i < m->n; i++) {
		if (m->e[i].b_cid != b_cid)
			continue;
		if (m->e[i].user && !user)
			return 0;
		m->e[i].a_cid = a_cid;
		m->e[i].user = user;
		return 0;
	}
	if (m->n == VD_CIDMAP_MAX)
		return -ENOSPC;
	m->e[m->n].a_cid = a_cid;
	m->e[m->n].b_cid = b_cid;
	m->e[m->n].user = user;
	m->n++;
	return 0;
}

int vd_cidmap_parse(struct vd_cidmap *m, const char *spec)
{
	const char *p = spec;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		uint64_t a, b;

		if (!eq || vd_parse_u64(p, (size_t)(eq - p), 10, &a) ||
		    vd_parse_u64(eq + 1, len - (size_t)(eq - p) - 1, 10, &b) || a > UINT32_MAX ||
		    b > UINT32_MAX)
			return -EINVAL;
		if (map_set(m, (uint32_t)a, (uint32_t)b, true))
			return -EINVAL;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void vote(struct vd_cidvotes *v, uint32_t b_cid, uint32_t a_cid)
{
	for (unsigned int i = 0; i < v->n; i++) {
		if (v->e[i].b_cid == b_cid && v->e[i].a_cid == a_cid) {
			v->e[i].votes++;
			return;
		}
	}
	if (v->n < ARRAY_SIZE(v->e)) {
		v->e[v->n].b_cid = b_cid;
		v->e[v->n].a_cid = a_cid;
		v->e[v->n].votes = 1;
		v->n++;
	}
}

void vd_cidvotes_add(struct vd_cidvotes *v, const struct vd_endpoints *a,
		     const struct vd_endpoints *b)
{
	/* A's local end is B's peer end and the other way round */
	if (a->local_port != b->peer_port || a->peer_port != b->local_port)
		return;
	vote(v, b->peer_cid, a->local_cid);
	vote(v, b->local_cid, a->peer_cid);
}

void vd_cidmap_infer(struct vd_cidmap *m, const struct vd_cidvotes *v)
{
	for (unsigned int i = 0; i < v->n; i++) {
		bool best = true;

		for (unsigned int j = 0; j < v->n; j++) {
			if (v->e[j].b_cid != v->e[i].b_cid || j == i)
				continue;
			if (v->e[j].votes > v->e[i].votes ||
			    (v->e[j].votes == v->e[i].votes && j < i))
				best = false;
		}
		if (best && v->e[i].a_cid != v->e[i].b_cid)
			map_set(m, v->e[i].a_cid, v->e[i].b_cid, false);
	}
}

bool vd_pkt_endpoints(const struct vd_event *ev, struct vd_endpoints *ep)
{
	const struct vd_pkt *p = &ev->pkt;

	if (ev->kind == VD_EV_PKT_ALLOC) {
		*ep = (struct vd_endpoints){ p->src_cid, p->src_port, p->dst_cid, p->dst_port };
	} else if (ev->kind == VD_EV_PKT_RECV) {
		*ep = (struct vd_endpoints){ p->dst_cid, p->dst_port, p->src_cid, p->src_port };
	} else {
		return false;
	}
	/* vsock_loopback: both ends here; nothing crosses to the other partition */
	return p->src_cid != p->dst_cid;
}

struct vd_tuple vd_tuple_from(enum vd_side side, const struct vd_endpoints *ep,
			      const struct vd_cidmap *m)
{
	if (side == VD_SIDE_A)
		return (struct vd_tuple){ ep->local_cid, ep->local_port, ep->peer_cid,
					  ep->peer_port };
	return (struct vd_tuple){ vd_cidmap_b_to_a(m, ep->peer_cid), ep->peer_port,
				  vd_cidmap_b_to_a(m, ep->local_cid), ep->local_port };
}

enum vd_dir vd_pkt_dir(enum vd_side side, const struct vd_event *ev)
{
	bool sends = ev->kind == VD_EV_PKT_ALLOC;

	if (side == VD_SIDE_A)
		return sends ? VD_DIR_A_TO_B : VD_DIR_B_TO_A;
	return sends ? VD_DIR_B_TO_A : VD_DIR_A_TO_B;
}
