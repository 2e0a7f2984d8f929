/* SPDX-License-Identifier: GPL-2.0 */
/* What the renderer's files share (render.c words, render_evidence.c evidence lines). */
#ifndef VD_RENDER_INTERNAL_H
#define VD_RENDER_INTERNAL_H

#include <inttypes.h>
#include <stdio.h>

#include "common/util.h"
#include "analyzers/sinks/render.h"

struct ctx {
	const struct vd_opts *o;
	const struct vd_result *r;
	const struct vd_finding *f;
	const char *tx, *rx; /* the direction's sender and receiver names, when it has one */
};

static inline const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static inline char *fmt_t(char *buf, size_t len, int64_t ns)
{
	if (ns == VD_NO_TIME)
		snprintf(buf, len, "?");
	else
		vd_fmt_sec(buf, len, ns);
	return buf;
}

static inline const char *name(const struct ctx *x, int side)
{
	return side >= 0 && side < 2 ? x->o->name[side] : "?";
}

/* one evidence line of x->f */
void vd_render_evidence(const struct ctx *x, const struct vd_evidence *e, char *s, size_t n);

/* render_bpf.c: the BPF kinds' summaries, causes and next steps, and their evidence lines */
void vd_render_bpf_summary(const struct ctx *x, char *s, size_t n);
void vd_render_bpf_words(const struct ctx *x, struct vd_finding_text *t);
/* a dead link's cause and next step from its explanation (x->f->explain) */
void vd_render_explained(const struct ctx *x, struct vd_finding_text *t);
/* false when e is not a BPF evidence item */
bool vd_render_bpf_evidence(const struct ctx *x, const struct vd_evidence *e, char *s, size_t n);

/* render_adb.c: the adb findings (detect/adb.c) */
void vd_render_adb_summary(const struct ctx *x, char *s, size_t n);
void vd_render_adb_words(const struct ctx *x, struct vd_finding_text *t);
bool vd_render_adb_evidence(const struct ctx *x, const struct vd_evidence *e, char *s, size_t n);

#endif /* VD_RENDER_INTERNAL_H */
