/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sinks: what shows a settled result.  Each takes the options (names,
 * paths) and the result, and words findings through render.h.  A new sink
 * (a timeline, a capture file) is one more file here with one entry point.
 */
#ifndef VD_SINKS_H
#define VD_SINKS_H

#include <stdbool.h>
#include <stdio.h>

#include "analyzers/model/model.h"

struct vd_json;

/* correlate's reports: text for people, JSON for scripts (doc/json-schema.md) */
void vd_report_text(FILE *out, const struct vd_opts *o, const struct vd_result *r, bool verbose);
void vd_report_json(struct vd_json *j, const struct vd_opts *o, const struct vd_result *r);

/* a time in ns, or null for VD_NO_TIME */
void vd_json_time(struct vd_json *j, const char *key, int64_t t);

/* the findings alone, as every report shows them */
void vd_report_text_findings(FILE *out, const struct vd_opts *o, const struct vd_result *r,
			     bool verbose);
void vd_report_json_findings(struct vd_json *j, const struct vd_opts *o, const struct vd_result *r);

/* the BPF evidence each recording holds, and what it cannot answer (report_bpf.c) */
void vd_report_text_bpf(FILE *out, const struct vd_opts *o, const struct vd_result *r);
void vd_report_one_text_bpf(FILE *out, const struct vd_side_info *si);
void vd_report_json_bpf(struct vd_json *j, const struct vd_side_info *si);
/* report_adb.c: a connection's adb block (res->adb), when its payload heads held adb */
const struct vd_adb_conn *vd_report_adb_of(const struct vd_result *r, uint32_t conn);
void vd_report_json_adb(struct vd_json *j, const struct vd_result *r, uint32_t conn);
void vd_report_text_adb(FILE *out, const struct vd_opts *o, const struct vd_result *r,
			uint32_t conn, const char *indent);

/* vsockdiag report: one recording summarized (batch/report.h) */
struct vd_one_report;
void vd_one_report_text(FILE *out, const struct vd_one_report *r, bool verbose);
void vd_one_report_json(struct vd_json *j, const struct vd_one_report *r);

#endif /* VD_SINKS_H */
