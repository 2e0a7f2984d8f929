/* SPDX-License-Identifier: GPL-2.0 */
/*
 * correlate: two partitions' recordings in, clock + connections + findings out.
 *
 * Passes (each streams both recordings; memory is per connection, not per
 * packet):
 *   1. scan: statistics, the CIDs each side uses, which interrupt lines serve
 *      vsock, and a bounded sample of packet signatures;
 *   2. coarse clock: vote for the offset that lines up the most signatures;
 *   3. match with the coarse clock, collecting send->receive bounds;
 *   4. match with the fitted clock: connections, fates, findings.
 */
#ifndef VD_CORRELATE_H
#define VD_CORRELATE_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzers/model/model.h"

/* 0, or -errno with a message in err (input errors: exit status 2) */
int vd_correlate(const struct vd_opts *o, struct vd_result *res, char *err, size_t errlen);
/*
 * The same on recordings already open (o->path[] are then only labels, and
 * src[1] may be NULL): tests and fuzzers feed in-memory sources
 * (vd_source_open_mem).  The sources stay the caller's.
 */
int vd_correlate_sources(const struct vd_opts *o, struct vd_source *src[2], struct vd_result *res,
			 char *err, size_t errlen);
/*
 * The same with a tap watching the final pass (session/tap.h): the exports.
 * tap may be NULL.
 */
struct vd_tap;
int vd_correlate_tap(const struct vd_opts *o, const struct vd_tap *tap, struct vd_result *res,
		     char *err, size_t errlen);
int vd_correlate_sources_tap(const struct vd_opts *o, struct vd_source *src[2],
			     const struct vd_tap *tap, struct vd_result *res, char *err,
			     size_t errlen);
void vd_result_free(struct vd_result *res);

#endif /* VD_CORRELATE_H */
