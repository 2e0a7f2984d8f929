/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event cache: the normalized events of one pass over a recording, kept
 * in a compact form so that later passes replay them instead of parsing the
 * recording again (correlate reads each recording 3 to 5 times: scan, clock
 * rounds, final match).  Parsing once is most of what correlate costs.
 *
 * Each event is stored as its difference from the previous event of the same
 * kind: the XOR of the two structs, word by word, keeping only the words that
 * changed and, of each, only its low bytes that are not zero.  Consecutive
 * packets of a connection differ in their timestamp, line number and a few
 * counters, so an event of 152 bytes takes about 20.  The form is generic:
 * every byte of struct vd_event comes back exactly, whatever fields the
 * struct gains.
 *
 * The cache lives in memory up to a limit, then in an unlinked temporary file
 * in TMPDIR (read back through a small buffer): memory stays flat whatever the
 * recording's length.
 */
#ifndef VD_EVCACHE_H
#define VD_EVCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/vd_event.h"

/* the largest encoded event: kind, word mask, and per word its length and bytes */
#define VD_EVCACHE_WORDS   (sizeof(struct vd_event) / 8)
#define VD_EVCACHE_MAX_REC (1 + 3 + VD_EVCACHE_WORDS * 9)

/* --- the codec: one event to bytes and back, against the previous one of its kind --- */
struct vd_evcodec {
	struct vd_event prev[VD_EV_KIND_MAX];
};

void vd_evcodec_init(struct vd_evcodec *c);
/* encode ev into out (VD_EVCACHE_MAX_REC bytes at least): its length in bytes */
size_t vd_evcodec_encode(struct vd_evcodec *c, const struct vd_event *ev, uint8_t *out);
/*
 * decode one event from in[0, len): the bytes it took, or 0 when in does not
 * hold a whole valid record (a damaged cache: never trusted)
 */
size_t vd_evcodec_decode(struct vd_evcodec *c, const uint8_t *in, size_t len, struct vd_event *ev);

/* --- the cache: events appended in one pass, then replayed any number of times --- */
struct vd_evcache;

/* mem_max: bytes kept in memory before the rest goes to a temporary file */
struct vd_evcache *vd_evcache_new(size_t mem_max);
/* append one event: 0, or -errno when the temporary file cannot take it */
int vd_evcache_put(struct vd_evcache *c, const struct vd_event *ev);
/* the last event is in: flush what is buffered and start reading from the first; 0 or -errno */
int vd_evcache_seal(struct vd_evcache *c);
/* back to the first event (after seal); 0 or -errno */
int vd_evcache_rewind(struct vd_evcache *c);
/* the next event: 1, 0 at the end, -errno (a read error, a damaged record) */
int vd_evcache_get(struct vd_evcache *c, struct vd_event *ev);
uint64_t vd_evcache_events(const struct vd_evcache *c);
uint64_t vd_evcache_bytes(const struct vd_evcache *c); /* encoded size of all events */
bool vd_evcache_on_disk(const struct vd_evcache *c);
void vd_evcache_free(struct vd_evcache *c);

#endif /* VD_EVCACHE_H */
