// SPDX-License-Identifier: GPL-2.0
/*
 * The export driver: an exporter's steps become the final session's tap,
 * then its finish gets the settled result.  The table of formats.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/batch/correlate.h"
#include "analyzers/sinks/export.h"

const struct vd_exporter *const vd_exporters[] = {
	&vd_export_perfetto, &vd_export_pcap, &vd_export_html, &vd_export_pcap_classic_name, NULL,
};
const size_t vd_nexporters = sizeof(vd_exporters) / sizeof(vd_exporters[0]) - 1;

const struct vd_exporter *vd_exporter_find(const char *name)
{
	for (size_t i = 0; i < vd_nexporters; i++)
		if (!strcmp(vd_exporters[i]->name, name))
			return vd_exporters[i];
	return NULL;
}

const struct vd_exporter *vd_exporter_for_path(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < vd_nexporters; i++) {
		size_t e = strlen(vd_exporters[i]->ext);

		if (n > e && !strcasecmp(path + n - e, vd_exporters[i]->ext))
			return vd_exporters[i];
	}
	return NULL;
}

bool vd_export_aligned(const struct vd_result *res)
{
	return !res->two_sides || vd_clock_aligned(&res->clock);
}

int64_t vd_export_time(const struct vd_result *res, enum vd_side side, int64_t t)
{
	if (side == VD_SIDE_A || t == VD_NO_TIME || !vd_clock_aligned(&res->clock))
		return t;
	return vd_clock_b_to_a(&res->clock, (uint64_t)t);
}

void vd_export_clock_note(const struct vd_result *res, char *buf, size_t len)
{
	const struct vd_clock *c = &res->clock;

	if (!res->two_sides)
		snprintf(buf, len, "one recording: every time is its own trace clock");
	else if (!vd_clock_aligned(c))
		snprintf(
		    buf, len,
		    "the clocks are not aligned (%s): B's times are B's own trace clock and do "
		    "not line up with A's",
		    res->clock_note[0] ? res->clock_note : "no pairs");
	else if (c->uncertainty_ns < 0) /* --offset: the user's, no uncertainty known */
		snprintf(buf, len,
			 "A's trace clock; B's times moved by B - A = %" PRId64 " ns (%s)",
			 c->offset_ns,
			 c->source == VD_CLOCK_USER ? "--offset" : "estimated from the packets");
	else
		snprintf(buf, len,
			 "A's trace clock; B's times moved by B - A = %" PRId64 " ns (+-%" PRId64
			 " ns%s, %s)",
			 c->offset_ns, c->uncertainty_ns, c->drift_fitted ? ", drift fitted" : "",
			 c->source == VD_CLOCK_USER ? "--offset" : "estimated from the packets");
}

/* ---- the tap: each step to the exporter ---------------------------------------------- */

struct run {
	const struct vd_exporter *x;
	void *w;
};

static int tap_begin(void *ctx, const struct vd_result *res)
{
	struct run *r = ctx;

	return r->x->begin ? r->x->begin(r->w, res) : 0;
}

static void tap_packet(void *ctx, const struct vd_session *s, const struct vd_conn *c,
		       enum vd_side side, enum vd_dir dir, bool sent, const struct vd_event *ev)
{
	struct run *r = ctx;

	if (r->x->packet)
		r->x->packet(r->w, s, c, side, dir, sent, ev);
}

static void tap_fate(void *ctx, const struct vd_session *s, const struct vd_conn *c,
		     enum vd_dir dir, const struct vd_pending *p, enum vd_fate fate,
		     int64_t t_recv_last)
{
	struct run *r = ctx;

	if (r->x->fate)
		r->x->fate(r->w, s, c, dir, p, fate, t_recv_last);
}

static void tap_event(void *ctx, const struct vd_session *s, enum vd_side side,
		      const struct vd_event *ev)
{
	struct run *r = ctx;

	if (r->x->event)
		r->x->event(r->w, s, side, ev);
}

static int run(const struct vd_exporter *x, const struct vd_opts *o, struct vd_source *src[2],
	       FILE *out, struct vd_result *res, char *err, size_t errlen)
{
	struct run r = { .x = x };
	struct vd_tap tap = { .ctx = &r,
			      .begin = tap_begin,
			      .packet = tap_packet,
			      .fate = tap_fate,
			      .event = tap_event };
	int ret;

	memset(res, 0, sizeof(*res));
	r.w = x->create(out, o);
	if (!r.w) {
		ret = -errno;
		snprintf(err, errlen, "cannot start the %s export: %s", x->name, strerror(errno));
		return ret;
	}
	if (src)
		ret = vd_correlate_sources_tap(o, src, &tap, res, err, errlen);
	else
		ret = vd_correlate_tap(o, &tap, res, err, errlen);
	if (!ret) {
		ret = x->finish ? x->finish(r.w, o, res) : 0;
		if (ret)
			snprintf(err, errlen, "writing the %s export failed: %s", x->name,
				 strerror(-ret));
	}
	x->destroy(r.w);
	return ret;
}

int vd_export_run(const struct vd_exporter *x, const struct vd_opts *o, FILE *out,
		  struct vd_result *res, char *err, size_t errlen)
{
	return run(x, o, NULL, out, res, err, errlen);
}

int vd_export_run_sources(const struct vd_exporter *x, const struct vd_opts *o,
			  struct vd_source *src[2], FILE *out, struct vd_result *res, char *err,
			  size_t errlen)
{
	return run(x, o, src, out, res, err, errlen);
}
