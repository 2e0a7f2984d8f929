/* SPDX-License-Identifier: GPL-2.0 */
/*
 * correlate needs one recording of each partition.  Two inputs that are the
 * same file, the same recording (an identical copy), or two recordings of
 * the same partition can only end "INCONCLUSIVE", with advice that does not
 * apply: they are refused right after the scan, with a message that says
 * which case it is and what to give instead.
 */
#ifndef VD_DISTINCT_H
#define VD_DISTINCT_H

#include <stddef.h>
#include <stdint.h>

#include "analyzers/batch/correlate.h"

/*
 * 0 when path[0] and path[1] can be two partitions' recordings, or -EINVAL
 * with a message in err when they are:
 *   - the same file (same device and inode: the same name twice, a hard
 *     link, a symbolic link);
 *   - the same recording (side[].fingerprint equal, and the same number of
 *     events, at least one);
 *   - recordings of the same partition: both sent packets, and every packet
 *     either recording sent or received was the same single local CID on
 *     both sides.  Not applied when user_map holds --map entries: the user
 *     has said how the two partitions name each other.
 * side[]: as the scan filled them.  path[1] NULL (one recording): 0.
 */
int vd_inputs_distinct(const char *const path[2], const struct vd_side_info side[2],
		       const struct vd_cidmap *user_map, char *err, size_t errlen);

/*
 * The scan's content fingerprint: h folded with ev's time, kind, CPU, PID and packet header (not
 * where it came from: the line or record number), so the same events give
 * the same fingerprint whatever else a file holds.  Start from 0.
 */
uint64_t vd_event_fingerprint(uint64_t h, const struct vd_event *ev);

#endif /* VD_DISTINCT_H */
