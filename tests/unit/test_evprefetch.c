// SPDX-License-Identifier: GPL-2.0
/*
 * The prefetcher (analyzers/sources/evprefetch.c): a cache replayed through
 * it gives exactly what reading it directly gives (every byte, the end, the
 * error), over many blocks and rewinds; stopping it early never hangs.
 */
#include <errno.h>
#include <string.h>

#include "analyzers/sources/evcache.h"
#include "analyzers/sources/evprefetch.h"
#include "tests/unit/vtest.h"

/* events that differ in every field the codec sees: a counter spread over the struct */
static void make_event(struct vd_event *ev, uint64_t i)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = i % 3 ? VD_EV_PKT_ALLOC : VD_EV_IRQ_ENTRY;
	ev->ts_ns = 1000000000ull + i * 977;
	ev->lineno = i + 1;
	ev->cpu = (int32_t)(i % 4);
	ev->pkt.len = (uint32_t)(i * 13);
	ev->pkt.src_port = (uint32_t)(i % 7);
}

static struct vd_evcache *filled(size_t mem_max, uint64_t n)
{
	struct vd_evcache *c = vd_evcache_new(mem_max);
	struct vd_event ev;

	for (uint64_t i = 0; i < n; i++) {
		make_event(&ev, i);
		if (vd_evcache_put(c, &ev))
			break;
	}
	vd_evcache_seal(c);
	return c;
}

/* n events through a prefetcher, `rounds` times with a rewind between: 0 when all equal */
static int replay(size_t mem_max, uint64_t n, int rounds)
{
	struct vd_evcache *c = filled(mem_max, n);
	struct vd_event want, got;
	int ret = 0;

	for (int r = 0; r < rounds && !ret; r++) {
		struct vd_evprefetch *p;

		if (r && vd_evcache_rewind(c))
			ret = -1;
		p = vd_evprefetch_start(c);
		if (!p) {
			ret = -2;
			break;
		}
		for (uint64_t i = 0; i < n && !ret; i++) {
			make_event(&want, i);
			if (vd_evprefetch_get(p, &got) != 1 || memcmp(&want, &got, sizeof(got)))
				ret = -3;
		}
		/* the end, and the end again: what the cache itself says */
		if (!ret && (vd_evprefetch_get(p, &got) != 0 || vd_evprefetch_get(p, &got) != 0))
			ret = -4;
		vd_evprefetch_stop(p);
	}
	vd_evcache_free(c);
	return ret;
}

VT_TEST(evprefetch_equals_direct_reads)
{
	/* in memory, and through the file; many blocks; a last block cut short */
	VT_EQ_INT(replay(64u << 20, 50001, 3), 0);
	VT_EQ_INT(replay(0, 30007, 2), 0);
	VT_EQ_INT(replay(64u << 20, 1, 1), 0);
	VT_EQ_INT(replay(64u << 20, 0, 2), 0);
}

/* the cache's error comes through as it is, and stays */
VT_TEST(evprefetch_passes_errors_on)
{
	struct vd_evcache *c = vd_evcache_new(1024); /* never sealed: every get is -EINVAL */
	struct vd_evprefetch *p = vd_evprefetch_start(c);
	struct vd_event ev;

	VT_ASSERT(p != NULL);
	VT_EQ_INT(vd_evprefetch_get(p, &ev), -EINVAL);
	VT_EQ_INT(vd_evprefetch_get(p, &ev), -EINVAL);
	vd_evprefetch_stop(p);
	vd_evcache_free(c);
	vd_evprefetch_stop(NULL);
}

/* a pass that stops early: the producer, blocked on a full ring, ends at once */
VT_TEST(evprefetch_stops_early)
{
	struct vd_evcache *c = filled(64u << 20, 40000);
	struct vd_event want, got;

	for (int k = 0; k < 20; k++) {
		struct vd_evprefetch *p;

		VT_EQ_INT(vd_evcache_rewind(c), 0);
		p = vd_evprefetch_start(c);
		VT_ASSERT(p != NULL);
		for (int i = 0; i < k * 997; i++) {
			make_event(&want, (uint64_t)i);
			VT_EQ_INT(vd_evprefetch_get(p, &got), 1);
			VT_ASSERT(!memcmp(&want, &got, sizeof(got)));
		}
		vd_evprefetch_stop(p);
	}
	vd_evcache_free(c);
}

/* any producer: events, tags, then an error after the same events, through the pointer API */
struct counted {
	uint64_t n, stop_at;
	int err;
};

static int counted_fill(void *ctx, struct vd_event *ev, uint8_t *tag, int64_t *aux)
{
	struct counted *k = ctx;

	if (k->n == k->stop_at)
		return k->err;
	make_event(ev, k->n);
	*tag = (uint8_t)(k->n * 7 % 251);
	*aux = -(int64_t)k->n * 1000003;
	k->n++;
	return 1;
}

VT_TEST(evprefetch_any_producer_tags_and_errors)
{
	static const int errs[] = { 0, -EIO };

	for (size_t e = 0; e < sizeof(errs) / sizeof(errs[0]); e++) {
		struct counted k = { .stop_at = 9001, .err = errs[e] };
		struct vd_evprefetch *p = vd_evprefetch_start_fn(counted_fill, &k);
		const struct vd_event *at;
		struct vd_event want;
		int64_t aux;
		uint8_t tag;
		uint64_t i;

		VT_ASSERT(p != NULL);
		for (i = 0; i < k.stop_at; i++) {
			if (vd_evprefetch_next(p, &at, &tag, &aux) != 1)
				break;
			make_event(&want, i);
			/* every byte, written by streaming stores into the ring */
			if (memcmp(&want, at, sizeof(want)) || tag != (uint8_t)(i * 7 % 251) ||
			    aux != -(int64_t)i * 1000003)
				break;
		}
		VT_EQ_INT(i, 9001);
		VT_EQ_INT(vd_evprefetch_next(p, &at, &tag, &aux), errs[e]);
		VT_EQ_INT(vd_evprefetch_next(p, &at, &tag, &aux), errs[e]);
		vd_evprefetch_stop(p);
	}
}
