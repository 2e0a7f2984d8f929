/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replaying an event cache on a thread of its own: the thread decodes blocks
 * of events ahead while the session works on the ones before, so decoding
 * (and reading back a cache spilled to a file) costs the replaying passes no
 * time of their own on a machine with a core to spare.  The consumer sees
 * exactly the events, the end and the error vd_evcache_get would have given,
 * in the same order.  While a prefetcher runs it alone touches the cache.
 *
 * The thread can run any producer of events (vd_evprefetch_start_fn): the
 * session's feed runs the merge of two recordings there (session/feed.c).
 */
#ifndef VD_EVPREFETCH_H
#define VD_EVPREFETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "common/vd_event.h"

struct vd_evcache;
struct vd_evprefetch;

/*
 * Start decoding c (sealed, at the position to replay from) on a new thread.
 * NULL when no thread can be made: then read c directly, nothing is lost.
 */
struct vd_evprefetch *vd_evprefetch_start(struct vd_evcache *c);
/*
 * What the thread calls for each event: 1 with *ev, *tag and *aux (the
 * producer's own byte and number, e.g. the recording the event is from and
 * its time in the other's clock) filled, 0 at the end, -errno.  After 0 or
 * an error it is not called again.
 */
typedef int (*vd_evprefetch_fill_fn)(void *ctx, struct vd_event *ev, uint8_t *tag, int64_t *aux);
/* run fill(ctx, ...) on a new thread, ahead of the consumer; NULL when no thread can be made */
struct vd_evprefetch *vd_evprefetch_start_fn(vd_evprefetch_fill_fn fill, void *ctx);

/* the next event: 1, 0 at the end, -errno: what vd_evcache_get returned there */
int vd_evprefetch_get(struct vd_evprefetch *p, struct vd_event *ev);
/*
 * the same without a copy: *ev points into the ring until the next call (or
 * stop); *tag and *aux are what fill gave with it
 */
int vd_evprefetch_next(struct vd_evprefetch *p, const struct vd_event **ev, uint8_t *tag,
		       int64_t *aux);
/* stop the thread and free everything; the cache is the caller's again (NULL: nothing) */
void vd_evprefetch_stop(struct vd_evprefetch *p);

/* VSOCKDIAG_THREADS=1 asks for one thread: no prefetching, no parallel parse */
bool vd_threads_allowed(void);

#endif /* VD_EVPREFETCH_H */
