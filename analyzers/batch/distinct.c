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
static uint64_t fold_str(uint64_t h, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	h = fold(h, n);
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;

		memcpy(&w, s + i, VD_MIN(n - i, (size_t)8));
		h = fold(h, w);
	}
	return h;
}

uint64_t vd_event_fingerprint(uint64_t h, const struct vd_event *ev)
{
	h = fold(h, ev->ts_ns);
	h = fold(h, (uint64_t)(uint32_t)ev->cpu << 32 | (uint32_t)ev->pid);
	h = fold(h, ev->kind);
	h = fold_str(h, ev->comm, sizeof(ev->comm));
	switch (ev->kind) {
	case VD_EV_PKT_ALLOC:
	case VD_EV_PKT_RECV: {
		const struct vd_pkt *p = &ev->pkt;

		h = fold(h, (uint64_t)p->src_cid << 32 | p->src_port);
		h = fold(h, (uint64_t)p->dst_cid << 32 | p->dst_port);
		h = fold(h, (uint64_t)p->len << 32 | (uint32_t)p->type << 16 | p->op);
		h = fold(h, (uint64_t)p->flags << 32 | (uint8_t)p->zcopy << 8 | p->has_credit);
		h = fold(h, (uint64_t)p->buf_alloc << 32 | p->fwd_cnt);
		break;
	}
	case VD_EV_IRQ_ENTRY:
	case VD_EV_IRQ_EXIT:
		h = fold(h, (uint64_t)(uint32_t)ev->irq.irq << 32 | (uint32_t)ev->irq.ret);
		h = fold_str(h, ev->irq.name, sizeof(ev->irq.name));
		break;
	case VD_EV_PAGE_ALLOC:
		h = fold(h, ev->page.pfn);
		h = fold(h, (uint64_t)ev->page.order << 32 | (uint32_t)ev->page.migratetype);
		h = fold(h, (uint64_t)ev->page.gfp << 1 | ev->page.failed);
		h = fold(h, ev->page.gfp_raw);
		break;
	case VD_EV_KMALLOC:
		h = fold(h, ev->kmalloc.call_site);
		h = fold(h, ev->kmalloc.ptr);
		h = fold(h, ev->kmalloc.bytes_req);
		h = fold(h, ev->kmalloc.bytes_alloc);
		h = fold(h, (uint64_t)ev->kmalloc.gfp << 32 | (uint32_t)ev->kmalloc.node);
		h = fold(h, ev->kmalloc.gfp_raw << 1 | ev->kmalloc.failed);
		h = fold_str(h, ev->kmalloc.call_sym, sizeof(ev->kmalloc.call_sym));
		break;
	case VD_EV_LOST:
		h = fold(h, ev->lost.count);
		break;
	default:
		break;
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
