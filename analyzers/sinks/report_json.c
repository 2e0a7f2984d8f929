// SPDX-License-Identifier: GPL-2.0
/* correlate --json: the schema is doc/json-schema.md; kinds and keys are stable. */
#include <stdio.h>

#include "common/json.h"
#include "analyzers/sinks/render.h"
#include "analyzers/sinks/sinks.h"

#define VD_JSON_SCHEMA_VERSION 1

static const char *const dir_names[2] = { "a_to_b", "b_to_a" };

static const char *bound_name(enum vd_clock_bound b)
{
	switch (b) {
	case VD_BOUND_UPPER_ONLY:
		return "upper-only";
	case VD_BOUND_LOWER_ONLY:
		return "lower-only";
	default:
		return "two-sided";
	}
}

static const char *clock_source_name(enum vd_clock_source s)
{
	switch (s) {
	case VD_CLOCK_PACKETS:
		return "packets";
	case VD_CLOCK_USER:
		return "user";
	default:
		return "none";
	}
}

void vd_json_time(struct vd_json *j, const char *key, int64_t t)
{
	if (t == VD_NO_TIME)
		vd_json_null(j, key);
	else
		vd_json_int(j, key, t);
}

static void pair_times(struct vd_json *j, const char *key, const int64_t t[2])
{
	vd_json_obj_begin(j, key);
	vd_json_time(j, "a_ns", t[0]);
	vd_json_time(j, "b_ns", t[1]);
	vd_json_obj_end(j);
}

static void inputs(struct vd_json *j, const struct vd_opts *o, const struct vd_result *r)
{
	vd_json_arr_begin(j, "inputs");
	for (int s = 0; s < 2; s++) {
		const struct vd_side_info *si = &r->side[s];
		const struct vd_source_stats *st = &si->stats;

		if (!o->path[s])
			continue; /* single-partition mode */
		vd_json_obj_begin(j, NULL);
		vd_json_str(j, "side", s ? "b" : "a");
		vd_json_str(j, "name", o->name[s]);
		vd_json_str(j, "path", o->path[s]);
		vd_json_uint(j, "events", st->events);
		vd_json_uint(j, "lines", st->lines);
		vd_json_uint(j, "unknown_events", st->unknown_events);
		vd_json_uint(j, "malformed_lines", st->malformed);
		vd_json_uint(j, "lost_events", st->lost_events);
		vd_json_bool(j, "lost_events_unknown_count", st->lost_unknown);
		vd_json_obj_begin(j, "window");
		vd_json_uint(j, "start_ns", st->window_start);
		vd_json_uint(j, "first_ns", st->first_ts);
		vd_json_uint(j, "end_ns", st->last_ts);
		vd_json_bool(j, "truncated", st->window_truncated);
		vd_json_obj_end(j);
		vd_json_uint(j, "packets_sent", si->pkts_sent);
		vd_json_uint(j, "packets_received", si->pkts_recv);
		vd_json_uint(j, "interrupts", si->irq_total);
		vd_json_arr_begin(j, "vsock_irq_lines");
		for (unsigned int i = 0; i < si->nirq; i++)
			if (si->irq[i].vsock)
				vd_json_str(j, NULL, si->irq[i].name);
		vd_json_arr_end(j);
		vd_report_json_bpf(j, si);
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
}

static void clock(struct vd_json *j, const struct vd_result *r)
{
	const struct vd_clock *c = &r->clock;

	vd_json_obj_begin(j, "clock");
	vd_json_bool(j, "aligned", vd_clock_aligned(c));
	vd_json_str(j, "source", clock_source_name(c->source));
	if (vd_clock_aligned(c)) {
		vd_json_int(j, "offset_ns", c->offset_ns);
		if (c->uncertainty_ns >= 0)
			vd_json_int(j, "uncertainty_ns", c->uncertainty_ns);
		else
			vd_json_null(j, "uncertainty_ns");
		vd_json_str(j, "bound", bound_name(c->bound));
		vd_json_double(j, "drift_ppm", c->drift * 1e6);
		vd_json_bool(j, "drift_fitted", c->drift_fitted);
		vd_json_uint(j, "ref_a_ns", c->ref_a_ns);
		vd_json_uint(j, "pairs_a_to_b", c->pairs_ab);
		vd_json_uint(j, "pairs_b_to_a", c->pairs_ba);
		vd_json_bool(j, "inconsistent", c->inconsistent);
	}
	vd_json_str(j, "note", r->clock_note);
	vd_json_obj_end(j);
}

static void endpoints(struct vd_json *j, const char *key, const struct vd_conn *c, int s)
{
	if (!c->seen[s]) {
		vd_json_null(j, key);
		return;
	}
	vd_json_obj_begin(j, key);
	vd_json_uint(j, "local_cid", c->ep[s].local_cid);
	vd_json_uint(j, "local_port", c->ep[s].local_port);
	vd_json_uint(j, "peer_cid", c->ep[s].peer_cid);
	vd_json_uint(j, "peer_port", c->ep[s].peer_port);
	vd_json_obj_end(j);
}

static void conn_dir(struct vd_json *j, const char *key, const struct vd_conn_dir *d)
{
	vd_json_obj_begin(j, key);
	vd_json_uint(j, "packets_sent", d->sent_pkts);
	vd_json_uint(j, "bytes_sent", d->sent_bytes);
	vd_json_uint(j, "packets_received", d->recv_pkts);
	vd_json_uint(j, "bytes_received", d->recv_bytes);
	vd_json_uint(j, "control_sent", d->control_sent);
	vd_json_uint(j, "delivered", d->delivered);
	vd_json_uint(j, "lost", d->lost);
	vd_json_uint(j, "missing_at_end", d->missing);
	vd_json_uint(j, "outside_window", d->unproven + d->not_yet);
	vd_json_uint(j, "partial", d->partial);
	vd_json_uint(j, "orphan_receives", d->orphans);
	vd_json_uint(j, "receives_matched", d->recv_matched);
	if (d->max_latency_ns >= 0)
		vd_json_int(j, "max_latency_ns", d->max_latency_ns);
	else
		vd_json_null(j, "max_latency_ns");
	vd_json_obj_end(j);
}

static void connections(struct vd_json *j, const struct vd_result *r)
{
	vd_json_arr_begin(j, "connections");
	for (size_t i = 0; i < r->nconns; i++) {
		const struct vd_conn *c = &r->conns[i];

		if (c->loopback)
			continue; /* never crosses: vsockdiag report lists them */
		vd_json_obj_begin(j, NULL);
		vd_json_uint(j, "id", c->id);
		vd_json_obj_begin(j, "tuple");
		vd_json_uint(j, "a_cid", c->tuple.a_cid);
		vd_json_uint(j, "a_port", c->tuple.a_port);
		vd_json_uint(j, "b_cid", c->tuple.b_cid);
		vd_json_uint(j, "b_port", c->tuple.b_port);
		vd_json_obj_end(j);
		endpoints(j, "a_view", c, 0);
		endpoints(j, "b_view", c, 1);
		vd_json_str(j, "label", c->adb ? "adb" : NULL);
		vd_json_str(j, "initiator", c->initiator < 0 ? NULL : c->initiator ? "b" : "a");
		pair_times(j, "opened", c->t_open);
		pair_times(j, "answered", c->t_answer);
		pair_times(j, "closed", c->t_close);
		pair_times(j, "last_packet", c->t_last);
		vd_json_str(j, "end", vd_conn_end_name(c->end));
		conn_dir(j, "a_to_b", &c->d[0]);
		conn_dir(j, "b_to_a", &c->d[1]);
		vd_report_json_adb(j, r, c->id);
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
}

static void finding(struct vd_json *j, const struct vd_opts *o, const struct vd_result *r,
		    const struct vd_finding *f)
{
	struct vd_finding_text t;

	vd_render_finding(o, r, f, &t);
	vd_json_obj_begin(j, NULL);
	vd_json_str(j, "kind", vd_finding_kind_name(f->kind));
	vd_json_str(j, "severity", vd_severity_name(f->severity));
	vd_json_str(j, "direction", f->dir < 0 ? NULL : dir_names[f->dir]);
	if (f->conn < 0)
		vd_json_null(j, "connection");
	else
		vd_json_int(j, "connection", f->conn);
	vd_json_str(j, "side", f->side < 0 ? NULL : f->side ? "b" : "a");
	vd_json_uint(j, "count", f->count);
	vd_json_uint(j, "bytes", f->bytes);
	pair_times(j, "start", f->start);
	pair_times(j, "end", f->end);
	if (f->duration_ns >= 0)
		vd_json_int(j, "duration_ns", f->duration_ns);
	else
		vd_json_null(j, "duration_ns");
	if (f->worst_latency_ns >= 0)
		vd_json_int(j, "worst_latency_ns", f->worst_latency_ns);
	else
		vd_json_null(j, "worst_latency_ns");
	if (f->incident)
		vd_json_uint(j, "incident", f->incident);
	else
		vd_json_null(j, "incident");
	vd_json_str(j, "explanation", vd_explain_name(f->explain));
	vd_json_str(j, "summary", t.summary);
	vd_json_arr_begin(j, "evidence");
	for (unsigned int i = 0; i < t.nevidence; i++)
		vd_json_str(j, NULL, t.evidence[i]);
	vd_json_arr_end(j);
	vd_json_str(j, "cause", t.cause[0] ? t.cause : NULL);
	vd_json_str(j, "next_step", t.next_step[0] ? t.next_step : NULL);
	if (f->npackets) {
		vd_json_arr_begin(j, "packets");
		for (size_t i = 0; i < f->npackets; i++) {
			vd_json_obj_begin(j, NULL);
			vd_json_uint(j, "sent_ns", f->packets[i].sent_ns);
			vd_json_uint(j, "len", f->packets[i].len);
			vd_json_str(j, "op", vd_op_name(f->packets[i].op));
			vd_json_obj_end(j);
		}
		vd_json_arr_end(j);
	}
	vd_json_obj_end(j);
}

void vd_report_json_findings(struct vd_json *j, const struct vd_opts *o, const struct vd_result *r)
{
	vd_json_arr_begin(j, "findings");
	for (size_t i = 0; i < r->findings.n; i++)
		finding(j, o, r, &r->findings.v[i]);
	vd_json_arr_end(j);
}

void vd_report_json(struct vd_json *j, const struct vd_opts *o, const struct vd_result *r)
{
	vd_json_obj_begin(j, NULL);
	vd_json_int(j, "schema_version", VD_JSON_SCHEMA_VERSION);
	vd_json_str(j, "command", "correlate");
	vd_json_str(j, "verdict", vd_verdict_name(r->verdict));
	inputs(j, o, r);
	clock(j, r);
	vd_json_arr_begin(j, "cid_map");
	for (unsigned int i = 0; i < r->map.n; i++) {
		vd_json_obj_begin(j, NULL);
		vd_json_uint(j, "a_cid", r->map.e[i].a_cid);
		vd_json_uint(j, "b_cid", r->map.e[i].b_cid);
		vd_json_str(j, "source", r->map.e[i].user ? "user" : "inferred");
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
	connections(j, r);
	vd_json_arr_begin(j, "incidents");
	for (size_t i = 0; i < r->nincidents; i++) {
		const struct vd_incident *inc = &r->incidents[i];
		const struct vd_finding *lead = &r->findings.v[inc->lead];
		char sum[VD_FINDING_TEXT];

		vd_json_obj_begin(j, NULL);
		vd_json_uint(j, "id", inc->id);
		vd_json_str(j, "severity", vd_severity_name((enum vd_severity)inc->severity));
		vd_json_uint(j, "findings", inc->nfindings);
		vd_json_str(j, "lead_kind", vd_finding_kind_name(lead->kind));
		vd_json_uint(j, "lead_index", inc->lead);
		vd_render_summary(o, r, lead, sum, sizeof(sum));
		vd_json_str(j, "summary", sum);
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
	vd_report_json_findings(j, o, r);
	vd_json_obj_begin(j, "stats");
	vd_json_uint(j, "peak_pending_sends", r->peak_pending);
	if (vd_clock_aligned(&r->clock))
		vd_json_int(j, "match_tolerance_ns", r->tol_ns);
	else
		vd_json_null(j, "match_tolerance_ns"); /* nothing was matched */
	vd_json_obj_end(j);
	vd_json_obj_end(j);
	vd_json_end(j);
}
