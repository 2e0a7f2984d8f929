/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Give back the pages of a trace.dat already read.  libtracecmd maps each
 * CPU's data in one MAP_PRIVATE mapping as large as the largest CPU's data
 * (page_map_size in lib/trace-cmd/trace-input.c) and keeps it until that CPU
 * is done: every page read stays in the process's resident set, so memory
 * grew with the file (a 894 MiB recording: 925 MiB resident).  Pages a CPU's
 * reader has moved past are dropped with madvise(MADV_DONTNEED), but only
 * inside a read-only, private, file-backed mapping, where a later touch reads
 * the same bytes from the file again: never on anonymous memory (the pages of
 * a compressed file are malloc'd, and MADV_DONTNEED would zero them).
 */
#ifndef VD_DAT_RELEASE_H
#define VD_DAT_RELEASE_H

#include <stdbool.h>
#include <stdint.h>

/* one per CPU reader; zeroed is ready */
struct vd_dat_release {
	uintptr_t cur;		  /* the page being read now */
	uintptr_t lo, hi;	  /* pages read and not given back yet: [lo, hi) */
	uintptr_t map_lo, map_hi; /* the mapping they were last found in */
	bool map_ok;		  /* ... is file-backed, private and read-only */
	uintptr_t pg;		  /* the system's page size */
};

/* the reader is at data (a record's payload): the pages before it may go */
void vd_dat_release_at(struct vd_dat_release *r, const void *data);
/* give back what is pending (the reader is done, or rewinds) */
void vd_dat_release_flush(struct vd_dat_release *r);

#endif /* VD_DAT_RELEASE_H */
