// SPDX-License-Identifier: GPL-2.0
/*
 * The Perfetto export's end: the findings as slices over their windows (in
 * the words of sinks/render.h), on findings tracks of the partition they
 * concern, and the metadata (clock, partitions, what was left out).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/sinks/export.h"
#include "analyzers/sinks/export_perfetto.h"
#include "analyzers/sinks/render.h"
#include "cli/cli.h" /* VD_VERSION: what wrote the file */
#include "common/util.h"

/* ---- the end: what is held, the findings, the metadata -------------------------------- */

static int concern(const struct vd_result *res, const struct vd_finding *f)
{
	if (!res->two_sides)
		return VD_SIDE_A;
	if (f->side >= 0)
		return f->side;
	if (f->dir >= 0)
		/* a starved sender waits; a dead or late link fails its receiver */
		return f->kind == VD_FK_CREDIT_STARVATION ? vd_dir_sender(f->dir)
							  : vd_dir_receiver(f->dir);
	if (f->client >= 0)
		return f->client;
	return VD_SIDE_A;
}

struct place {
	size_t i;
	int side;
	bool whole; /* no time known: over the partition's whole recording */
	int64_t start, end;
};

/* where a finding's slice goes: its partition's track, its window on the export axis */
static void place(const struct pf *w, size_t i, struct place *p)
{
	const struct vd_result *res = w->res;
	const struct vd_finding *f = &res->findings.v[i];
	int s = concern(res, f), o = !s, src;
	bool al = vd_export_aligned(res);

	memset(p, 0, sizeof(*p));
	p->i = i;
	if (f->start[s] != VD_NO_TIME)
		src = s;
	else if (res->two_sides && f->start[o] != VD_NO_TIME)
		src = o; /* unaligned: then on o's own track, in o's clock */
	else
		src = -1;
	if (src < 0) {
		const struct vd_source_stats *st = &res->side[s].stats;

		p->whole = true;
		p->side = s;
		p->start = vd_export_time(
		    res, s, (int64_t)(st->window_start ? st->window_start : st->first_ts));
		p->end = vd_export_time(res, s, (int64_t)st->last_ts);
	} else {
		p->side = al ? s : src;
		p->start = vd_export_time(res, src, f->start[src]);
		if (f->end[src] != VD_NO_TIME)
			p->end = vd_export_time(res, src, f->end[src]);
		else if (al && res->two_sides && f->end[!src] != VD_NO_TIME)
			p->end = vd_export_time(res, !src, f->end[!src]);
		else
			p->end = p->start;
	}
	if (p->end < p->start)
		p->end = p->start;
}

static int place_cmp(const void *a, const void *b)
{
	const struct place *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

static void finding_slice(struct pf *w, const struct place *p, uint64_t tid)
{
	const struct vd_finding *f = &w->res->findings.v[p->i];
	struct vd_finding_text *txt = vd_xcalloc(1, sizeof(*txt));
	char name[96];

	vd_render_finding(w->o, w->res, f, txt);
	snprintf(name, sizeof(name), "%s: %s", vd_severity_name(f->severity),
		 vd_finding_kind_name(f->kind));
	pf_event(&w->j, 'X', p->start, pid_of(p->side), tid);
	pf_us(&w->j, "dur", p->end - p->start);
	pf_plain(&w->j, "cat", "finding");
	pf_plain(&w->j, "name", name);
	pf_obj(&w->j, "args");
	pf_uint(&w->j, "id", f->id);
	pf_str(&w->j, "kind", vd_finding_kind_name(f->kind));
	pf_str(&w->j, "severity", vd_severity_name(f->severity));
	pf_str(&w->j, "summary", txt->summary);
	if (txt->cause[0])
		pf_str(&w->j, "cause", txt->cause);
	if (txt->next_step[0])
		pf_str(&w->j, "next_step", txt->next_step);
	pf_arr(&w->j, "evidence");
	for (unsigned int i = 0; i < txt->nevidence; i++)
		pf_str(&w->j, NULL, txt->evidence[i]);
	pf_arr_end(&w->j);
	if (f->conn >= 0)
		pf_int(&w->j, "connection", f->conn);
	if (f->dir >= 0)
		pf_str(&w->j, "direction", f->dir ? "b_to_a" : "a_to_b");
	pf_uint(&w->j, "count", f->count);
	pf_uint(&w->j, "bytes", f->bytes);
	if (f->incident)
		pf_uint(&w->j, "incident", f->incident);
	if (vd_explain_name(f->explain))
		pf_str(&w->j, "explanation", vd_explain_name(f->explain));
	if (p->whole)
		pf_str(&w->j, "window", "no time known: shown over the whole recording");
	pf_obj_end(&w->j);
	pf_obj_end(&w->j);
	free(txt);
}

/* each partition's findings on as many tracks as their windows need not to overlap */
void pf_findings(struct pf *w)
{
	size_t n = w->res->findings.n;
	struct place *p = vd_xcalloc(n ? n : 1, sizeof(*p));
	int64_t lane_end[2][PF_LANES];
	unsigned int nlanes[2] = { 0, 0 };

	for (size_t i = 0; i < n; i++)
		place(w, i, &p[i]);
	qsort(p, n, sizeof(*p), place_cmp);
	for (size_t i = 0; i < n; i++) {
		int s = p[i].side;
		unsigned int k = 0;

		while (k < nlanes[s] && lane_end[s][k] > p[i].start)
			k++;
		if (k == nlanes[s]) {
			if (nlanes[s] < PF_LANES) {
				nlanes[s]++;
			} else {
				/* out of tracks: the one free soonest (Perfetto may nest it) */
				k = 0;
				for (unsigned int m = 1; m < PF_LANES; m++)
					if (lane_end[s][m] < lane_end[s][k])
						k = m;
			}
		}
		lane_end[s][k] = p[i].end;
		finding_slice(w, &p[i], pf_lane_track(w, s, k));
	}
	free(p);
}

static void partition_meta(struct pf *w, int side)
{
	const struct vd_side_info *si = &w->res->side[side];

	pf_obj(&w->j, NULL);
	pf_str(&w->j, "side", side ? "b" : "a");
	pf_uint(&w->j, "pid", pid_of(side));
	pf_str(&w->j, "name", w->o->name[side]);
	pf_str(&w->j, "path", w->o->path[side]);
	pf_str(&w->j, "kernel", si->rec.uname[0] ? si->rec.uname : "unknown");
	pf_str(&w->j, "trace_clock", si->rec.trace_clock[0] ? si->rec.trace_clock : "unknown");
	pf_uint(&w->j, "window_start_ns", si->stats.window_start);
	pf_uint(&w->j, "window_end_ns", si->stats.last_ts);
	pf_uint(&w->j, "events", si->stats.events);
	pf_uint(&w->j, "lost_events", si->stats.lost_events);
	pf_obj_end(&w->j);
}

void pf_metadata(struct pf *w)
{
	const struct vd_result *res = w->res;
	const struct vd_clock *c = &res->clock;
	char note[VD_FINDING_TEXT + 256];

	vd_export_clock_note(res, note, sizeof(note));
	pf_obj(&w->j, "metadata");
	pf_str(&w->j, "generator", "vsockdiag " VD_VERSION " export -f perfetto");
	pf_str(&w->j, "vsockdiag_version", VD_VERSION);
	pf_str(&w->j, "time_axis",
	       "partition A's trace clock; ts and dur in microseconds with three decimals "
	       "(nanoseconds)");
	pf_str(&w->j, "clock", note);
	pf_bool(&w->j, "clock_aligned", vd_export_aligned(res));
	if (res->two_sides && vd_clock_aligned(c)) {
		pf_int(&w->j, "clock_offset_ns", c->offset_ns);
		if (c->uncertainty_ns >= 0)
			pf_int(&w->j, "clock_uncertainty_ns", c->uncertainty_ns);
		pf_double(&w->j, "clock_drift_ppm", c->drift * 1e6);
	}
	pf_str(&w->j, "clock_estimate", res->clock_note);
	pf_str(&w->j, "verdict", vd_verdict_name(res->verdict));
	pf_arr(&w->j, "partitions");
	for (int side = 0; side < (res->two_sides ? 2 : 1); side++)
		partition_meta(w, side);
	pf_arr_end(&w->j);
	pf_uint(&w->j, "findings", res->findings.n);
	pf_arr(&w->j, "incidents");
	for (size_t i = 0; i < res->nincidents; i++) {
		char sum[VD_FINDING_TEXT];

		vd_render_summary(w->o, res, &res->findings.v[res->incidents[i].lead], sum,
				  sizeof(sum));
		pf_obj(&w->j, NULL);
		pf_uint(&w->j, "id", res->incidents[i].id);
		pf_str(&w->j, "severity",
		       vd_severity_name((enum vd_severity)res->incidents[i].severity));
		pf_str(&w->j, "summary", sum);
		pf_obj_end(&w->j);
	}
	pf_arr_end(&w->j);
	pf_uint(&w->j, "send_slices", w->slices[0]);
	pf_uint(&w->j, "receive_slices", w->slices[1]);
	pf_uint(&w->j, "flows", w->next_flow);
	pf_uint(&w->j, "flow_ends_after_their_slice", w->late_ends);
	pf_uint(&w->j, "instants", w->instants);
	pf_uint(&w->j, "counter_samples", w->counters);
	pf_str(&w->j, "left_out",
	       "loopback connections, interrupts of other lines, successful allocations, BPF "
	       "payload heads, BPF tier and stack lines; counters are written only when their "
	       "value changes");
	pf_obj_end(&w->j);
}
