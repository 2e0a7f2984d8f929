/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsockdiag report FILE: one partition's recording on its own.  It is
 * correlate's single-partition run (the same scan, session, detectors and
 * settling, so both say the same about a file); its sink
 * (sinks/report_one.c) shows what a summary of one recording adds: metadata
 * and window, connections as this partition saw them (loopback ones too),
 * interrupt lines, allocation failures with examples, lost events, and the
 * findings one side supports.
 */
#ifndef VD_REPORT_H
#define VD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzers/model/model.h"

struct vd_one_report {
	struct vd_opts o;     /* the labels and thresholds it ran with */
	struct vd_result res; /* side[0] is this recording */
};

/*
 * Read path into *r.  0, or -errno with a message in err that says what to do
 * (input errors: exit status 2).  name labels the partition in findings
 * (NULL: "this partition"); adb_port labels connections.
 */
int vd_one_report(const char *path, const char *name, const char *irq_override, uint32_t adb_port,
		  struct vd_one_report *r, char *err, size_t errlen);
void vd_one_report_free(struct vd_one_report *r);

#endif /* VD_REPORT_H */
