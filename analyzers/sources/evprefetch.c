// SPDX-License-Identifier: GPL-2.0
/*
 * The prefetcher: a ring of blocks of decoded events between one producer
 * thread (decoding the cache) and the replaying pass.  The lock is taken once
 * per block, never per event; a block the consumer is reading stays counted
 * as filled until it is done with it, so the producer never writes it.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/sources/evcache.h"
#include "analyzers/sources/evprefetch.h"

#define PF_EVENTS 2048 /* per block: the lock is taken once per this many */
#define PF_BLOCKS 4    /* ahead of the consumer at most PF_BLOCKS - 1 */

struct pf_block {
	struct vd_event ev[PF_EVENTS];
	int n;
	int end; /* 0: more follow; 1: the cache ended after these; < 0: its error */
};

struct vd_evprefetch {
	struct vd_evcache *c;
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
			int r = vd_evcache_get(p->c, &b->ev[b->n]);

			if (r == 1) {
				b->n++;
				continue;
			}
			end = r == 0 ? 1 : r;
			break;
		}
		b->end = end;
		pthread_mutex_lock(&p->mu);
		p->filled++;
		if (p->cons_waits)
			pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

struct vd_evprefetch *vd_evprefetch_start(struct vd_evcache *c)
{
	struct vd_evprefetch *p = malloc(sizeof(*p));

	if (!p)
		return NULL;
	memset(p, 0, offsetof(struct vd_evprefetch, blk));
	p->c = c;
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
			*ev = b->ev[p->pos++];
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
