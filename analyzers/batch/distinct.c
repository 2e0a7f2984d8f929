// SPDX-License-Identifier: GPL-2.0
/* Refuse two inputs that are one file, one recording, or one partition (distinct.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzers/batch/distinct.h"
#include "common/util.h"

#define EXAMPLE "give each partition's recording, e.g. vsockdiag correlate host.dat guest.dat"

/* ---- the fingerprint --------------------------------------------------------------------- */

static uint64_t fold(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* a fixed-size name field up to its NUL (or its end), with its length */
uint64_t vd_event_fingerprint(uint64_t h, const struct vd_event *ev)
{
	/*
	 * Cheap on purpose (it runs on every event of the scan): the time, kind, CPU
	 * and PID of every event, and a packet's ends, length, op and credit.  Two different
	 * recordings differ in their timestamps long before anything else.
	 */
	h = fold(h, ev->ts_ns ^ (uint64_t)ev->kind << 56 ^ (uint64_t)(uint32_t)ev->cpu << 40);
	h = fold(h, (uint64_t)(uint32_t)ev->pid);
	if (ev->kind == VD_EV_PKT_ALLOC || ev->kind == VD_EV_PKT_RECV) {
		const struct vd_pkt *p = &ev->pkt;

		h = fold(h, (uint64_t)p->src_cid << 32 ^ (uint64_t)p->src_port << 16 ^ p->dst_port ^
				(uint64_t)p->dst_cid << 48 ^ (uint64_t)p->len << 8 ^ p->op);
		h = fold(h, (uint64_t)p->buf_alloc << 32 | p->fwd_cnt);
	}
	return h;
}

/* ---- the checks ----------------------------------------------------------------------------- */

/* same device and inode, following links; when neither can be looked at, the same name */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	bool oka = stat(a, &sa) == 0, okb = stat(b, &sb) == 0;

	if (oka && okb)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return !oka && !okb && !strcmp(a, b);
}

static bool same_recording(const struct vd_side_info side[2])
{
	return side[0].stats.events > 0 && side[0].stats.events == side[1].stats.events &&
	       side[0].fingerprint == side[1].fingerprint;
}

static bool user_mapped(const struct vd_cidmap *m)
{
	if (!m)
		return false;
	for (unsigned int i = 0; i < VD_MIN(m->n, (unsigned int)VD_CIDMAP_MAX); i++)
		if (m->e[i].user)
			return true;
	return false;
}

/* the one local CID every cross-partition packet of this recording had, or false */
static bool only_local_cid(const struct vd_side_info *s, uint32_t *cid)
{
	if (!s->pkts_sent || s->nlocal_cids != 1)
		return false;
	*cid = s->local_cids[0];
	return true;
}

int vd_inputs_distinct(const char *const path[2], const struct vd_side_info side[2],
		       const struct vd_cidmap *user_map, char *err, size_t errlen)
{
	uint32_t cid[2];

	if (!path || !path[0] || !path[1])
		return 0;
	if (same_file(path[0], path[1])) {
		if (!strcmp(path[0], path[1]))
			snprintf(err, errlen, "%s and %s are the same file: " EXAMPLE, path[0],
				 path[1]);
		else
			snprintf(
			    err, errlen,
			    "%s and %s are the same file (two names of one file, a link): " EXAMPLE,
			    path[0], path[1]);
		return -EINVAL;
	}
	if (!side)
		return 0;
	if (same_recording(side)) {
		snprintf(
		    err, errlen,
		    "%s and %s hold the same recording (every event identical: a copy?): " EXAMPLE,
		    path[0], path[1]);
		return -EINVAL;
	}
	if (!user_mapped(user_map) && only_local_cid(&side[0], &cid[0]) &&
	    only_local_cid(&side[1], &cid[1]) && cid[0] == cid[1]) {
		snprintf(err, errlen,
			 "both recordings were made on the partition with CID %u (every packet "
			 "they sent came from CID %u): record the other partition too; if both "
			 "partitions really call themselves CID %u, say how they name each other "
			 "with --map ACID=BCID",
			 cid[0], cid[0], cid[0]);
		return -EINVAL;
	}
	return 0;
}
