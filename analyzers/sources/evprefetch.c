// SPDX-License-Identifier: GPL-2.0
/*
 * The prefetcher: a ring of blocks of events between one producer thread
 * (decoding a cache, or merging two recordings) and the pass that consumes
 * them.  The lock is taken once per block, never per event; a block the
 * consumer is reading stays counted as filled until it is done with it, so
 * the producer never writes it.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__SSE2__)
#include <immintrin.h>
#endif

#include "common/util.h"
#include "analyzers/sources/evcache.h"
#include "analyzers/sources/evprefetch.h"

#define PF_EVENTS 2048 /* per block: the lock is taken once per this many */
#define PF_BLOCKS 4    /* ahead of the consumer at most PF_BLOCKS - 1 */

/* an event in a block and the producer's number with it: 160 bytes, aligned for slot_put */
struct pf_slot {
	struct vd_event ev;
	int64_t aux;
} __attribute__((aligned(16)));

_Static_assert(sizeof(struct pf_slot) % 16 == 0, "a slot is whole 16-byte stores");

struct pf_block {
	struct pf_slot ev[PF_EVENTS];
	uint8_t tag[PF_EVENTS];
	int n;
	int end; /* 0: more follow; 1: the producer ended after these; < 0: its error */
};

struct vd_evprefetch {
	vd_evprefetch_fill_fn fill;
	void *ctx;
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned filled; /* blocks the producer has handed over, the consumer's included */
	unsigned cons;	 /* the block the consumer reads */
	int pos;	 /* its next event */
	bool have;	 /* the consumer made sure blk[cons] is filled */
	bool stop;	 /* the consumer is gone: end now */
	/* who sleeps on cv: woken only then (a wake per block costs more than decoding it) */
	bool prod_waits, cons_waits;
	struct pf_block blk[PF_BLOCKS];
};

bool vd_threads_allowed(void)
{
	const char *t = getenv("VSOCKDIAG_THREADS");

	return !(t && !strcmp(t, "1"));
}

/*
 * Write an event into a block.  The consumer, on the other core, read these
 * lines one turn of the ring ago: ordinary stores must first take each line
 * back from its cache, one at a time as the store buffer allows, and that
 * was most of the merge thread's time (measured: ~60 ns an event).
 * Streaming stores go around the caches; the block is fenced before it is
 * handed over.  Other architectures copy.
 */
static inline void slot_put(struct pf_slot *dst, const struct pf_slot *src)
{
#if defined(__x86_64__) && defined(__SSE2__)
	const unsigned char *s = (const unsigned char *)src;
	unsigned char *d = (unsigned char *)dst;

	for (size_t i = 0; i < sizeof(*src); i += 16)
		_mm_stream_si128((__m128i *)(void *)(d + i),
				 _mm_loadu_si128((const __m128i *)(const void *)(s + i)));
#else
	*dst = *src;
#endif
}

static inline void slots_fence(void)
{
#if defined(__x86_64__) && defined(__SSE2__)
	_mm_sfence();
#endif
}

static void *produce(void *arg)
{
	struct vd_evprefetch *p = arg;
	int end = 0;

	while (!end) {
		struct pf_block *b;

		pthread_mutex_lock(&p->mu);
		while (p->filled == PF_BLOCKS && !p->stop) {
			p->prod_waits = true;
			pthread_cond_wait(&p->cv, &p->mu);
			p->prod_waits = false;
		}
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		b = &p->blk[(p->cons + p->filled) % PF_BLOCKS];
		pthread_mutex_unlock(&p->mu);

		b->n = 0;
		while (b->n < PF_EVENTS) {
			struct pf_slot one;
			int r = p->fill(p->ctx, &one.ev, &b->tag[b->n], &one.aux);

			if (r == 1) {
				slot_put(&b->ev[b->n++], &one);
				continue;
			}
			end = r == 0 ? 1 : r;
			break;
		}
		slots_fence();
		b->end = end;
		pthread_mutex_lock(&p->mu);
		p->filled++;
		if (p->cons_waits)
			pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

static int cache_fill(void *ctx, struct vd_event *ev, uint8_t *tag, int64_t *aux)
{
	*tag = 0;
	*aux = 0;
	return vd_evcache_get(ctx, ev);
}

struct vd_evprefetch *vd_evprefetch_start(struct vd_evcache *c)
{
	return vd_evprefetch_start_fn(cache_fill, c);
}

struct vd_evprefetch *vd_evprefetch_start_fn(vd_evprefetch_fill_fn fill, void *ctx)
{
	struct vd_evprefetch *p;

	/* the slots' alignment (streaming stores fault on less), whatever malloc gives */
	if (posix_memalign((void **)&p, 64, sizeof(*p)))
		return NULL;
	memset(p, 0, offsetof(struct vd_evprefetch, blk));
	p->fill = fill;
	p->ctx = ctx;
	if (pthread_mutex_init(&p->mu, NULL))
		goto err_free;
	if (pthread_cond_init(&p->cv, NULL))
		goto err_mutex;
	if (pthread_create(&p->tid, NULL, produce, p))
		goto err_cond;
	return p;
err_cond:
	pthread_cond_destroy(&p->cv);
err_mutex:
	pthread_mutex_destroy(&p->mu);
err_free:
	free(p);
	return NULL;
}

int vd_evprefetch_get(struct vd_evprefetch *p, struct vd_event *ev)
{
	const struct vd_event *at;
	uint8_t tag;
	int64_t aux;
	int r = vd_evprefetch_next(p, &at, &tag, &aux);

	if (r == 1)
		*ev = *at;
	return r;
}

int vd_evprefetch_next(struct vd_evprefetch *p, const struct vd_event **ev, uint8_t *tag,
		       int64_t *aux)
{
	for (;;) {
		struct pf_block *b = &p->blk[p->cons];

		if (!p->have) {
			pthread_mutex_lock(&p->mu);
			while (!p->filled) {
				p->cons_waits = true;
				pthread_cond_wait(&p->cv, &p->mu);
				p->cons_waits = false;
			}
			pthread_mutex_unlock(&p->mu);
			p->have = true;
		}
		if (p->pos < b->n) {
			*tag = b->tag[p->pos];
			*aux = b->ev[p->pos].aux;
			*ev = &b->ev[p->pos++].ev;
			return 1;
		}
		if (b->end)
			return b->end == 1 ? 0 : b->end; /* and again on every later call */
		/* this block is read: hand it back */
		pthread_mutex_lock(&p->mu);
		p->cons = (p->cons + 1) % PF_BLOCKS;
		p->filled--;
		p->pos = 0;
		p->have = false;
		/* the producer sleeps until half the ring is free: fewer, longer runs */
		if (p->prod_waits && p->filled <= PF_BLOCKS / 2)
			pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

void vd_evprefetch_stop(struct vd_evprefetch *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->tid, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
