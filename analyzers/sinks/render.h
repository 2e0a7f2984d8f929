/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The words of a finding, made in one place from its data: a summary line,
 * evidence lines, the likely cause and the next step.  Every sink (text,
 * JSON, a live view, exports) shows findings through this file.
 */
#ifndef VD_RENDER_H
#define VD_RENDER_H

#include "analyzers/model/model.h"

struct vd_finding_text {
	char summary[VD_FINDING_TEXT];
	char evidence[VD_FINDING_MAX_EVIDENCE][VD_FINDING_TEXT];
	unsigned int nevidence;
	char cause[VD_FINDING_TEXT];	 /* "" when there is nothing to say */
	char next_step[VD_FINDING_TEXT]; /* "" likewise */
};

void vd_render_finding(const struct vd_opts *o, const struct vd_result *r,
		       const struct vd_finding *f, struct vd_finding_text *t);
/* the summary alone */
void vd_render_summary(const struct vd_opts *o, const struct vd_result *r,
		       const struct vd_finding *f, char *buf, size_t len);

#endif /* VD_RENDER_H */
