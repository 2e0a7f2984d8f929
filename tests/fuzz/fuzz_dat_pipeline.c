// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the whole pipeline on trace.dat input: the input is
 * one recording, opened from memory (vd_source_open_mem) and analyzed as
 * `vsockdiag report FILE` does (correlate's single-partition run, with
 * vd_one_report()'s options), then printed as text and JSON.  Hostile files
 * must never crash the scan, the session, the detectors or the reports, and
 * whatever comes out must hold together; a second run on the same source
 * (rewound) must say the same.
 *
 * As in fuzz_dat, the trace.dat magic is put in front of an input that lacks
 * it (the text pipeline is fuzz_correlate's).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "analyzers/batch/correlate.h"
#include "analyzers/batch/report.h"
#include "analyzers/sinks/sinks.h"
#include "analyzers/sources/source.h"
#include "common/json.h"
#include "common/log.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_dat_pipeline: %s:%d: %s\n", __FILE__, __LINE__,      \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* what vd_one_report() sets up for `vsockdiag report FILE` */
static void report_opts(struct vd_opts *o)
{
	vd_opts_init(o);
	o->path[0] = "fuzz.dat";
	o->name[0] = "fuzz";
	o->name[1] = "peer";
	o->any_events = true;
}

static void check_result(const struct vd_result *res)
{
	CHECK(res->verdict >= VD_VERDICT_HEALTHY && res->verdict <= VD_VERDICT_INCONCLUSIVE);
	for (size_t i = 0; i < res->findings.n; i++) {
		CHECK(res->findings.v[i].kind < VD_FK_MAX);
		CHECK(res->findings.v[i].incident <= res->nincidents);
	}
	for (size_t i = 0; i < res->nincidents; i++)
		CHECK(res->incidents[i].lead < res->findings.n);
	/* every receive counted once: paired with a send, or an orphan */
	for (size_t i = 0; i < res->nconns; i++)
		for (int d = 0; d < 2; d++)
			CHECK(res->conns[i].d[d].recv_pkts ==
			      res->conns[i].d[d].recv_matched + res->conns[i].d[d].orphans);
	/* one recording: nothing is known of the peer's */
	CHECK(res->side[1].stats.events == 0);
	CHECK(res->side[0].stats.lost_markers <= res->side[0].stats.events);
	CHECK(res->side[0].stats.first_ts <= res->side[0].stats.last_ts);
}

/* the source's own statistics after one plain read to the end */
static void read_stats(struct vd_source *src, struct vd_source_stats *out)
{
	struct vd_event ev;
	int ret;

	CHECK(vd_source_rewind(src) == 0);
	while ((ret = vd_source_next(src, &ev)) == 1)
		;
	CHECK(ret == 0);
	*out = *vd_source_stats(src);
}

static void fuzz_pipeline(const uint8_t *data, size_t size)
{
	struct vd_source_stats plain;
	struct vd_one_report rep;
	struct vd_result again;
	struct vd_source *src;
	char err[1024];
	struct vd_json j;
	FILE *sink;
	int ret;

	src = vd_source_open_mem("fuzz.dat", data, size, err, sizeof(err));
	if (!src) {
		CHECK(err[0]);
		return;
	}
	sink = fopen("/dev/null", "w");
	CHECK(sink);
	read_stats(src, &plain);

	memset(&rep, 0, sizeof(rep));
	report_opts(&rep.o);
	CHECK(vd_source_rewind(src) == 0);
	ret = vd_correlate_sources(&rep.o, (struct vd_source *[2]){ src, NULL }, &rep.res, err,
				   sizeof(err));
	if (ret == 0) {
		check_result(&rep.res);
		/* the analysis read the whole recording, as a plain read does */
		CHECK(vd_source_stats_equal(&plain, &rep.res.side[0].stats));
		vd_one_report_text(sink, &rep, true);
		vd_one_report_text(sink, &rep, false);
		vd_json_init(&j, sink, false);
		vd_one_report_json(&j, &rep);
		vd_json_init(&j, sink, true);
		vd_one_report_json(&j, &rep);

		/* a second run on the same (rewound) source says the same */
		memset(&again, 0, sizeof(again));
		CHECK(vd_source_rewind(src) == 0);
		CHECK(vd_correlate_sources(&rep.o, (struct vd_source *[2]){ src, NULL }, &again,
					   err, sizeof(err)) == 0);
		CHECK(again.verdict == rep.res.verdict);
		CHECK(again.nconns == rep.res.nconns);
		CHECK(again.findings.n == rep.res.findings.n);
		CHECK(again.nincidents == rep.res.nincidents);
		for (size_t i = 0; i < again.findings.n; i++)
			CHECK(again.findings.v[i].kind == rep.res.findings.v[i].kind);
		CHECK(vd_source_stats_equal(&again.side[0].stats, &rep.res.side[0].stats));
		vd_result_free(&again);
	} else {
		CHECK(ret < 0 && err[0]);
	}
	vd_one_report_free(&rep);
	fclose(sink);
	vd_source_close(src);
}

#define FUZZ_DAT_ONE fuzz_pipeline
#include "tests/fuzz/fuzz_dat_entry.h"
