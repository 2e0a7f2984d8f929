/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an allocation event says, decided in one place for every analysis
 * (the scan's counts, the allocation_failure detector, report's examples).
 *
 * kmem:mm_page_alloc fires on failure too (pfn -1 / page NULL) and kmem:kmalloc
 * shows ptr NULL.  Not every failure matters: since the skb rework (6.3,
 * 6.1.63) and in SLUB, a high-order attempt with __GFP_NORETRY|__GFP_NOWARN
 * is opportunistic and falls back to smaller pages.  Those are counted apart;
 * a failure without them is a real one.
 */
#ifndef VD_ALLOC_H
#define VD_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vd_event.h"

/* order >= 3 (32 KiB) is "high order": compaction may be needed to find one */
#define VD_HIGH_ORDER 3

struct vd_alloc_class {
	bool alloc; /* a page allocation or kmalloc event */
	bool kmalloc;
	bool high_order; /* a page allocation of order >= VD_HIGH_ORDER */
	bool failed;
	bool opportunistic; /* __GFP_NORETRY|__GFP_NOWARN: the caller has a fallback */
	/* a failure that counts: high-order page or kmalloc (above 32 KiB it is high-order) */
	bool counts;
};

void vd_alloc_classify(const struct vd_event *ev, struct vd_alloc_class *c);

/* "GFP_KERNEL|__GFP_NOWARN", the raw number when only that was printed */
void vd_gfp_words(char *buf, size_t len, uint32_t gfp, uint64_t raw);

#endif /* VD_ALLOC_H */
