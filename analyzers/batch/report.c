// SPDX-License-Identifier: GPL-2.0
/*
 * vsockdiag report's driver: correlate's single-partition run, labelled for
 * one recording.  report FILE and correlate FILE agree by construction.
 */
#include <string.h>

#include "analyzers/batch/correlate.h"
#include "analyzers/batch/report.h"

int vd_one_report(const char *path, const char *name, const char *irq_override, uint32_t adb_port,
		  struct vd_one_report *r, char *err, size_t errlen)
{
	int ret;

	memset(r, 0, sizeof(*r));
	vd_opts_init(&r->o);
	r->o.path[0] = path;
	r->o.name[0] = name ? name : "this partition";
	r->o.name[1] = "peer";
	r->o.irq_name[0] = irq_override;
	r->o.adb_port = adb_port;
	r->o.any_events = true;
	ret = vd_correlate(&r->o, &r->res, err, errlen);
	if (ret)
		vd_result_free(&r->res);
	return ret;
}

void vd_one_report_free(struct vd_one_report *r)
{
	vd_result_free(&r->res);
	memset(r, 0, sizeof(*r));
}
