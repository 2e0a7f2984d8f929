// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the whole correlate pipeline: the input is split at
 * its first NUL-free "\n====\n" (or in half) into two recordings, A and B,
 * opened as in-memory sources (no files), and correlated (two-sided), then A
 * alone (one-sided); the two-sided run is also exported in every format
 * (onto /dev/null): the exporters see the same hostile session step by step.
 * Hostile recordings must never crash the vote, the clock fit, the matcher or
 * the reports, and whatever comes out must hold together.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/batch/correlate.h"
#include "analyzers/sinks/export.h"
#include "analyzers/sinks/sinks.h"
#include "analyzers/sources/source.h"
#include "common/json.h"
#include "common/log.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_correlate: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void run(struct vd_opts *o, struct vd_source *src[2])
{
	struct vd_result res;
	char err[512];
	FILE *sink = fopen("/dev/null", "w");
	struct vd_json j;

	CHECK(sink);
	for (int i = 0; i < 2; i++)
		if (src[i])
			CHECK(vd_source_rewind(src[i]) == 0);
	if (vd_correlate_sources(o, src, &res, err, sizeof(err)) == 0) {
		CHECK(res.verdict >= VD_VERDICT_HEALTHY && res.verdict <= VD_VERDICT_INCONCLUSIVE);
		for (size_t i = 0; i < res.findings.n; i++) {
			CHECK(res.findings.v[i].kind < VD_FK_MAX);
			CHECK(res.findings.v[i].incident <= res.nincidents);
		}
		for (size_t i = 0; i < res.nincidents; i++)
			CHECK(res.incidents[i].lead < res.findings.n);
		/* every receive counted once: paired with a send, or an orphan */
		for (size_t i = 0; i < res.nconns; i++)
			for (int d = 0; d < 2; d++)
				CHECK(res.conns[i].d[d].recv_pkts ==
				      res.conns[i].d[d].recv_matched + res.conns[i].d[d].orphans);
		vd_report_text(sink, o, &res, true);
		vd_json_init(&j, sink, false);
		vd_report_json(&j, o, &res);
	}
	vd_result_free(&res);
	fclose(sink);
}

static void export_all(struct vd_opts *o, struct vd_source *src[2])
{
	for (size_t x = 0; x < vd_nexporters; x++) {
		FILE *sink = fopen("/dev/null", "w");
		struct vd_result res;
		char err[512];

		CHECK(sink);
		for (int i = 0; i < 2; i++)
			CHECK(vd_source_rewind(src[i]) == 0);
		vd_export_run_sources(vd_exporters[x], o, src, sink, &res, err, sizeof(err));
		vd_result_free(&res);
		fclose(sink);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n====\n";
	struct vd_source *src[2] = { NULL, NULL };
	const uint8_t *cut = NULL;
	size_t na, off_b;
	struct vd_opts o;
	char err[256];

	vd_log_level = VD_LOG_QUIET;
	if (size >= sizeof(sep) - 1)
		cut = memmem(data, size, sep, sizeof(sep) - 1);
	na = cut ? (size_t)(cut - data) : size / 2;
	off_b = cut ? na + sizeof(sep) - 1 : na;
	src[0] = vd_source_open_mem("a", data, na, err, sizeof(err));
	src[1] = vd_source_open_mem("b", data + off_b, size - off_b, err, sizeof(err));
	vd_opts_init(&o);
	o.path[0] = "a";
	o.path[1] = "b";
	if (src[0] && src[1]) {
		run(&o, src);
		export_all(&o, src);
	}
	o.path[1] = NULL;
	if (src[0])
		run(&o, (struct vd_source *[2]){ src[0], NULL });
	vd_source_close(src[0]);
	vd_source_close(src[1]);
	return 0;
}
