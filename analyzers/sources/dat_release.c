// SPDX-License-Identifier: GPL-2.0
/* Give back trace.dat pages already read (dat_release.h). */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzers/sources/dat_release.h"

/* given back in pieces of this size: one madvise per MiB, not per page */
#define RELEASE_BATCH (1u << 20)
/*
 * A page fault maps more than its page: the page-cache folio it lands in
 * (large folios: 64 KiB to 256 KiB seen on 6.18) and the cached pages around
 * it (fault-around), reaching up to 256 KiB behind the faulting page as
 * measured.  Pages given back that close behind the reader were mapped again
 * by its next faults; only what lies this far behind it goes.
 */
#define RELEASE_GUARD ((uintptr_t)1 << 20)

static uintptr_t page_size(struct vd_dat_release *r)
{
	if (!r->pg) {
		long v = sysconf(_SC_PAGESIZE);

		r->pg = v > 0 ? (uintptr_t)v : 4096;
	}
	return r->pg;
}

/*
 * The mapping that holds addr, from /proc/self/maps: its bounds, and whether
 * it is a read-only private mapping of a file (inode not 0).  false when no
 * mapping holds addr or the table cannot be read: nothing is given back then.
 */
static bool find_mapping(uintptr_t addr, struct vd_dat_release *r)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, inode;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &lo, &hi, perms, &inode) != 4)
			continue;
		if (addr < lo || addr >= hi)
			continue;
		r->map_lo = lo;
		r->map_hi = hi;
		r->map_ok = !strcmp(perms, "r--p") && inode != 0;
		found = true;
		break;
	}
	fclose(f);
	return found;
}

/* give back [lo, hi), keep what follows it pending */
static void release_upto(struct vd_dat_release *r, uintptr_t upto)
{
	uintptr_t lo = r->lo, hi = upto < r->hi ? upto : r->hi;

	if (hi >= r->hi)
		r->lo = r->hi = 0;
	else
		r->lo = hi > lo ? hi : lo;
	/* the pages may span two of the library's mappings: each part in its own */
	while (lo < hi) {
		uintptr_t end;

		if (!(lo >= r->map_lo && lo < r->map_hi) && !find_mapping(lo, r))
			return;
		end = hi < r->map_hi ? hi : r->map_hi;
		if (r->map_ok)
			madvise((void *)lo, end - lo, MADV_DONTNEED);
		lo = end;
	}
}

void vd_dat_release_flush(struct vd_dat_release *r)
{
	release_upto(r, r->hi);
}

void vd_dat_release_at(struct vd_dat_release *r, const void *data)
{
	uintptr_t pg = page_size(r), page = (uintptr_t)data & ~(pg - 1), done = r->cur;

	if (!data || page == done)
		return;
	r->cur = page;
	if (!done)
		return;
	if (r->hi == done && r->hi > r->lo) {
		r->hi += pg;
	} else {
		vd_dat_release_flush(r);
		r->lo = done;
		r->hi = done + pg;
	}
	/* what lies RELEASE_GUARD behind the reader, a batch at a time */
	if (page - r->lo >= RELEASE_BATCH + RELEASE_GUARD)
		release_upto(r, (page - RELEASE_GUARD) & ~(uintptr_t)0xffff);
}
