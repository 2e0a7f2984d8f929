// SPDX-License-Identifier: GPL-2.0
/* Allocation events classified once (alloc.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/model/alloc.h"
#include "analyzers/sources/text_parse.h"

void vd_alloc_classify(const struct vd_event *ev, struct vd_alloc_class *c)
{
	uint32_t gfp = 0;

	memset(c, 0, sizeof(*c));
	if (ev->kind == VD_EV_PAGE_ALLOC) {
		c->alloc = true;
		c->failed = ev->page.failed;
		c->high_order = ev->page.order >= VD_HIGH_ORDER;
		c->counts = c->failed && c->high_order;
		gfp = ev->page.gfp;
	} else if (ev->kind == VD_EV_KMALLOC) {
		c->alloc = c->kmalloc = true;
		c->failed = ev->kmalloc.failed;
		c->counts = c->failed;
		gfp = ev->kmalloc.gfp;
	} else {
		return;
	}
	c->opportunistic = (gfp & VD_GFP_NORETRY) && (gfp & VD_GFP_NOWARN);
}

void vd_gfp_words(char *buf, size_t len, uint32_t gfp, uint64_t raw)
{
	/* the order people read them in; the names are the parser's (sources/text_fields.c) */
	static const uint32_t order[] = { VD_GFP_KERNEL,  VD_GFP_ATOMIC,	VD_GFP_NOWARN,
					  VD_GFP_NORETRY, VD_GFP_RETRY_MAYFAIL, VD_GFP_NOFAIL,
					  VD_GFP_COMP };
	size_t n = 0;

	buf[0] = '\0';
	if (gfp & VD_GFP_RAW) {
		snprintf(buf, len, "%#" PRIx64, raw);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(order) && n < len; i++) {
		const char *name = (gfp & order[i]) ? vd_gfp_name(order[i]) : NULL;

		if (name)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "|" : "", name);
	}
	if (!buf[0])
		snprintf(buf, len, "%s", raw ? "other" : "none");
}
