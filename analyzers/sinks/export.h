/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exports: the same analysis as correlate, written as a file another tool
 * opens (a Perfetto timeline, a capture for Wireshark, an HTML page).  An
 * exporter watches the final session through a tap (session/tap.h), so it
 * sees every packet, every send's fate and every other event exactly once,
 * in merged time order, and gets the settled result (findings, incidents,
 * verdict) at the end.  Adding a format is one file here and one row in
 * export.c's table.
 *
 * Time: every exporter writes one time axis, partition A's trace clock;
 * B's times go through the aligned clock (vd_export_time).  When the clocks
 * are not aligned B's times stay in B's own clock, and the export says so
 * (vd_export_clock_note) instead of pretending they line up.
 */
#ifndef VD_EXPORT_H
#define VD_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analyzers/session/session.h"

struct vd_exporter {
	const char *name; /* --format NAME */
	const char *ext;  /* the file name ending that picks this format (".json") */
	const char *what; /* one line for --help */
	bool binary;	  /* never written to a terminal */
	/* a writer onto out (not its own: the driver closes it); NULL with errno */
	void *(*create)(FILE *out, const struct vd_opts *o);
	/* the tap's steps with the writer as ctx (any may be NULL: session/tap.h) */
	int (*begin)(void *w, const struct vd_result *res);
	void (*packet)(void *w, const struct vd_session *s, const struct vd_conn *c,
		       enum vd_side side, enum vd_dir dir, bool sent, const struct vd_event *ev);
	void (*fate)(void *w, const struct vd_session *s, const struct vd_conn *c, enum vd_dir dir,
		     const struct vd_pending *p, enum vd_fate fate, int64_t t_recv_last);
	void (*event)(void *w, const struct vd_session *s, enum vd_side side,
		      const struct vd_event *ev);
	/* the run is settled (findings, incidents, verdict): write the rest; 0 or -errno */
	int (*finish)(void *w, const struct vd_opts *o, const struct vd_result *res);
	void (*destroy)(void *w);
};

extern const struct vd_exporter vd_export_html;

extern const struct vd_exporter *const vd_exporters[];
/* the formats (one file each) */
extern const struct vd_exporter vd_export_perfetto; /* export_perfetto.c */
extern const struct vd_exporter vd_export_pcap;
/* "-o x.pcap": the same pcapng writer under the classic ending */
extern const struct vd_exporter vd_export_pcap_classic_name;
extern const size_t vd_nexporters;

/* by --format name, or by the ending of an output path; NULL when none */
const struct vd_exporter *vd_exporter_find(const char *name);
const struct vd_exporter *vd_exporter_for_path(const char *path);

/*
 * Run the analysis of o's recordings with x writing onto out.  res is the
 * settled result either way (free it with vd_result_free).  0, or -errno with
 * the reason in err (input errors, a failed write).
 */
int vd_export_run(const struct vd_exporter *x, const struct vd_opts *o, FILE *out,
		  struct vd_result *res, char *err, size_t errlen);
/* the same on recordings already open (tests, fuzzers): src[1] may be NULL */
int vd_export_run_sources(const struct vd_exporter *x, const struct vd_opts *o,
			  struct vd_source *src[2], FILE *out, struct vd_result *res, char *err,
			  size_t errlen);

/* side's time t (its own trace clock, ns) on the export's axis: A's clock */
int64_t vd_export_time(const struct vd_result *res, enum vd_side side, int64_t t);
/* true when B's times are on A's axis (the clocks are aligned or there is no B) */
bool vd_export_aligned(const struct vd_result *res);
/*
 * One sentence for the export's metadata: the offset and its uncertainty, or
 * why B's times are in B's own clock.
 */
void vd_export_clock_note(const struct vd_result *res, char *buf, size_t len);

#endif /* VD_EXPORT_H */
