/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running kernel's GFP bit layout, read from the print format of
 * kmem:mm_page_alloc (the bits move between versions: 6.1 prints
 * "(gfp_t)0x2000u", 6.10+ "(gfp_t)((1UL) << (13))"). BPF programs see raw
 * numbers; this turns them into the "__GFP_NOWARN|..." words the analysis
 * reads from tracefs text.
 */
#ifndef VD_GFP_BITS_H
#define VD_GFP_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VD_GFP_BITS_MAX 40

struct vd_gfp_bits {
	size_t n;
	struct {
		char name[32]; /* "__GFP_NOWARN" */
		uint64_t mask;
	} bit[VD_GFP_BITS_MAX];
};

/* Parse a tracefs format text; returns the number of single __GFP_ flags found. */
size_t vd_gfp_bits_parse(const char *format, struct vd_gfp_bits *b);
/* "__GFP_IO|__GFP_FS|..." into buf; "0x..." when the table is empty; returns buf */
char *vd_gfp_bits_format(const struct vd_gfp_bits *b, uint64_t gfp, char *buf, size_t len);
/* __GFP_NORETRY and __GFP_NOWARN both set: an attempt that falls back by design */
bool vd_gfp_bits_opportunistic(const struct vd_gfp_bits *b, uint64_t gfp);

#endif /* VD_GFP_BITS_H */
