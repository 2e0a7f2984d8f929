// SPDX-License-Identifier: GPL-2.0
/*
 * The scan's endpoint set (what correlate's CID-map inference reads):
 * each endpoint once, in the order first seen, the first VD_EPSET_MAX of
 * them, whatever the number of connections.
 */
#include <stdlib.h>

#include "analyzers/batch/corr_internal.h"
#include "common/log.h"
#include "common/util.h"
#include "vtest.h"

struct text {
	char *p;
	size_t n, cap;
};

/* one alloc_pkt (send: local = src) or recv_pkt (local = dst) line */
static void add_pkt(struct text *t, bool send, uint32_t lcid, uint32_t lport, uint32_t pcid,
		    uint32_t pport, unsigned int i)
{
	char line[256];
	int n;

	if (send)
		n = snprintf(line, sizeof(line),
			     "  socat-1 [000] .... %u.%06u: virtio_transport_alloc_pkt: %u:%u -> "
			     "%u:%u len=1 type=STREAM op=RW flags=0x0\n",
			     100 + i / 1000000, i % 1000000, lcid, lport, pcid, pport);
	else
		n = snprintf(line, sizeof(line),
			     "  kworker-2 [001] .... %u.%06u: virtio_transport_recv_pkt: %u:%u -> "
			     "%u:%u len=1 type=STREAM op=RW flags=0x0 buf_alloc=65536 fwd_cnt=0\n",
			     100 + i / 1000000, i % 1000000, pcid, pport, lcid, lport);
	if (t->n + (size_t)n + 1 > t->cap) {
		t->cap = (t->n + (size_t)n + 1) * 2;
		t->p = realloc(t->p, t->cap);
	}
	memcpy(t->p + t->n, line, (size_t)n + 1);
	t->n += (size_t)n;
}

static int scan_text(const struct text *t, struct vd_epset *eps)
{
	struct vd_side_info info;
	struct vd_samples smp = { 0 };
	struct vd_source *src;
	char err[512];
	int ret;

	src = vd_source_open_mem("epset.txt", t->p, t->n, err, sizeof(err));
	if (!src) {
		printf("cannot open: %s\n", err);
		return -1;
	}
	ret = vd_scan_side(src, NULL, &info, &smp, eps);
	vd_source_close(src);
	vd_samples_free(&smp);
	return ret;
}

VT_TEST(epset_first_seen_order_each_once)
{
	/* (local cid, local port, peer cid, peer port), with repeats, both directions */
	static const uint32_t seq[][4] = {
		{ 3, 1024, 2, 5555 }, { 3, 1024, 2, 5555 }, { 3, 1025, 2, 5555 },
		{ 3, 1024, 2, 5555 }, { 3, 9, 2, 22 },	    { 3, 1025, 2, 5555 },
		{ 3, 1025, 2, 5556 }, { 3, 9, 2, 22 },	    { 3, 1024, 2, 5555 },
	};
	static const uint32_t want[][4] = {
		{ 3, 1024, 2, 5555 }, { 3, 1025, 2, 5555 }, { 3, 9, 2, 22 }, { 3, 1025, 2, 5556 },
	};
	struct text t = { 0 };
	struct vd_epset eps = { 0 };

	for (unsigned int i = 0; i < ARRAY_SIZE(seq); i++)
		add_pkt(&t, i % 2 == 0, seq[i][0], seq[i][1], seq[i][2], seq[i][3], i);
	/* loopback packets never join the set */
	add_pkt(&t, true, 1, 7, 1, 8, 99);
	VT_EQ_INT(scan_text(&t, &eps), 0);
	free(t.p);
	VT_EQ_U64(eps.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < eps.n; i++) {
		const struct vd_endpoints *e = &eps.v[i];

		if (e->local_cid != want[i][0] || e->local_port != want[i][1] ||
		    e->peer_cid != want[i][2] || e->peer_port != want[i][3]) {
			vt_fail(__FILE__, __LINE__, "entry %zu: %u:%u <-> %u:%u", i, e->local_cid,
				e->local_port, e->peer_cid, e->peer_port);
			break;
		}
	}
	vd_epset_free(&eps);
}

/* more endpoints than the set keeps: the first VD_EPSET_MAX, in order, each once */
VT_TEST(epset_many_endpoints_keeps_the_first)
{
	const unsigned int total = VD_EPSET_MAX + 4000;
	struct text t = { 0 };
	struct vd_epset eps = { 0 };
	bool ok = true;

	for (unsigned int i = 0; i < total; i++) {
		add_pkt(&t, true, 3, 100000 + i, 2, 5555, 2 * i);
		/* the answer, and an older connection again: never a new entry */
		add_pkt(&t, false, 3, 100000 + i, 2, 5555, 2 * i + 1);
		if (i > 10)
			add_pkt(&t, true, 3, 100000 + i / 2, 2, 5555, 2 * i + 1);
	}
	VT_EQ_INT(scan_text(&t, &eps), 0);
	free(t.p);
	VT_EQ_U64(eps.n, VD_EPSET_MAX);
	for (size_t i = 0; i < eps.n && ok; i++)
		ok = eps.v[i].local_port == 100000 + i && eps.v[i].local_cid == 3 &&
		     eps.v[i].peer_cid == 2 && eps.v[i].peer_port == 5555;
	VT_ASSERT(ok);
	vd_epset_free(&eps);
}
