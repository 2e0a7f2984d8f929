// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the whole correlate pipeline: the input is split at
 * its first NUL-free "\n====\n" (or in half) into two recordings, A and B,
 * written to files, and correlated (two-sided), then A alone (one-sided).
 * Hostile recordings must never crash the vote, the clock fit, the matcher or
 * the reports, and whatever comes out must hold together.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzers/batch/correlate.h"
#include "analyzers/sinks/sinks.h"
#include "common/json.h"
#include "common/log.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_correlate: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static char path[2][64];

static void write_file(const char *p, const uint8_t *d, size_t n)
{
	FILE *f = fopen(p, "wb");

	CHECK(f);
	CHECK(fwrite(d, 1, n, f) == n || n == 0);
	fclose(f);
}

static void run(struct vd_opts *o)
{
	struct vd_result res;
	char err[512];
	FILE *sink = fopen("/dev/null", "w");
	struct vd_json j;

	CHECK(sink);
	if (vd_correlate(o, &res, err, sizeof(err)) == 0) {
		CHECK(res.verdict >= VD_VERDICT_HEALTHY && res.verdict <= VD_VERDICT_INCONCLUSIVE);
		for (size_t i = 0; i < res.findings.n; i++) {
			CHECK(res.findings.v[i].kind < VD_FK_MAX);
			CHECK(res.findings.v[i].incident <= res.nincidents);
		}
		for (size_t i = 0; i < res.nincidents; i++)
			CHECK(res.incidents[i].lead < res.findings.n);
		vd_report_text(sink, o, &res, true);
		vd_json_init(&j, sink, false);
		vd_report_json(&j, o, &res);
	}
	vd_result_free(&res);
	fclose(sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n====\n";
	const uint8_t *cut = NULL;
	size_t na, off_b;
	struct vd_opts o;

	if (!path[0][0]) {
		vd_log_level = VD_LOG_QUIET;
		snprintf(path[0], sizeof(path[0]), "/tmp/fuzz_corr_a.%d", (int)getpid());
		snprintf(path[1], sizeof(path[1]), "/tmp/fuzz_corr_b.%d", (int)getpid());
	}
	if (size >= sizeof(sep) - 1)
		cut = memmem(data, size, sep, sizeof(sep) - 1);
	na = cut ? (size_t)(cut - data) : size / 2;
	off_b = cut ? na + sizeof(sep) - 1 : na;
	write_file(path[0], data, na);
	write_file(path[1], data + off_b, size - off_b);

	vd_opts_init(&o);
	o.path[0] = path[0];
	o.path[1] = path[1];
	run(&o);
	o.path[1] = NULL;
	run(&o);
	return 0;
}
