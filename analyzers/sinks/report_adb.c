// SPDX-License-Identifier: GPL-2.0
/*
 * A connection's adb block (res->adb, detect/adb.c): its ends' CNXN, its
 * streams with ids, service, state and bytes per direction, and how well
 * each recording's payload heads framed.  Text: a few lines under the
 * connection; JSON: "adb" in the connection's object (doc/json-schema.md).
 */
#include <inttypes.h>
#include <stdio.h>

#include "common/json.h"
#include "common/util.h"
#include "analyzers/adb/adb.h"
#include "analyzers/sinks/sinks.h"

static const char *const sides[2] = { "a", "b" };
static const char *const dirs[2] = { "a_to_b", "b_to_a" };

const struct vd_adb_conn *vd_report_adb_of(const struct vd_result *r, uint32_t conn)
{
	for (size_t i = 0; i < r->adb.n; i++)
		if (r->adb.v[i].conn == conn && vd_adb_has_msgs(&r->adb.v[i]))
			return &r->adb.v[i];
	return NULL;
}

static bool side_has_records(const struct vd_adb_conn *a, int side)
{
	return a->cnt[side][0].records || a->cnt[side][1].records;
}

static void pair(struct vd_json *j, const char *key, const int64_t t[2])
{
	vd_json_obj_begin(j, key);
	vd_json_time(j, "a_ns", t[0]);
	vd_json_time(j, "b_ns", t[1]);
	vd_json_obj_end(j);
}

/* one direction of a stream: sent from the writer's records, arrived from the reader's */
static void json_flow(struct vd_json *j, const struct vd_adb_conn *a,
		      const struct vd_adb_stream *st, int d)
{
	int w = (int)vd_dir_sender((enum vd_dir)d), rd = !w;
	const struct vd_adb_flow *wf = &st->f[d][VD_ADB_WRITER], *rf = &st->f[d][VD_ADB_READER];
	const struct vd_adb_flow *u = side_has_records(a, w) ? wf : rf;
	int64_t since[2] = { VD_NO_TIME, VD_NO_TIME };

	vd_json_obj_begin(j, dirs[d]);
	if (side_has_records(a, w)) {
		vd_json_uint(j, "sent_wrtes", wf->wrtes);
		vd_json_uint(j, "sent_bytes", wf->bytes);
	} else {
		vd_json_null(j, "sent_wrtes");
		vd_json_null(j, "sent_bytes");
	}
	if (side_has_records(a, rd)) {
		vd_json_uint(j, "received_wrtes", rf->wrtes);
		vd_json_uint(j, "received_bytes", rf->bytes);
	} else {
		vd_json_null(j, "received_wrtes");
		vd_json_null(j, "received_bytes");
	}
	vd_json_uint(j, "unacked_wrtes", u->unacked);
	vd_json_uint(j, "unacked_bytes", u->unacked_bytes);
	since[u == wf ? w : rd] = u->unacked_since;
	pair(j, "unacked_since", since);
	if (u->max_wait_ns >= 0)
		vd_json_int(j, "max_ack_wait_ns", u->max_wait_ns);
	else
		vd_json_null(j, "max_ack_wait_ns");
	vd_json_obj_end(j);
}

void vd_report_json_adb(struct vd_json *j, const struct vd_result *r, uint32_t conn)
{
	const struct vd_adb_conn *a = vd_report_adb_of(r, conn);

	if (!a)
		return;
	vd_json_obj_begin(j, "adb");
	vd_json_obj_begin(j, "ends");
	for (int e = 0; e < 2; e++) {
		const struct vd_adb_end *en = &a->end[e];

		vd_json_obj_begin(j, sides[e]);
		vd_json_bool(j, "cnxn", en->cnxn);
		if (en->cnxn) {
			vd_json_uint(j, "version", en->version);
			vd_json_uint(j, "maxdata", en->maxdata);
			vd_json_str(j, "banner", en->banner);
			vd_json_bool(j, "banner_truncated", en->banner_cut);
		}
		vd_json_uint(j, "auth", VD_MAX(en->auth[0], en->auth[1]));
		vd_json_bool(j, "stls", en->stls);
		pair(j, "cnxn_at", en->t_cnxn);
		vd_json_obj_end(j);
	}
	vd_json_obj_end(j);
	vd_json_uint(j, "streams_total", a->streams_total);
	vd_json_uint(j, "streams_not_kept", a->streams_evicted + a->streams_dropped);
	vd_json_arr_begin(j, "streams");
	for (unsigned int i = 0; i < a->nstreams; i++) {
		const struct vd_adb_stream *st = &a->streams[i];

		vd_json_obj_begin(j, NULL);
		vd_json_uint(j, "a_id", st->id[0]);
		vd_json_uint(j, "b_id", st->id[1]);
		vd_json_str(j, "opened_by", st->opener >= 0 ? sides[st->opener] : NULL);
		vd_json_str(j, "service", st->service[0] ? st->service : NULL);
		vd_json_bool(j, "service_truncated", st->service_cut);
		vd_json_str(j, "state", vd_adb_state_name(st->state));
		pair(j, "opened", st->t_open);
		pair(j, "closed", st->t_close);
		for (int d = 0; d < 2; d++)
			json_flow(j, a, st, d);
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
	vd_json_arr_begin(j, "framing");
	for (int s = 0; s < 2; s++)
		for (int d = 0; d < 2; d++) {
			const struct vd_adb_count *c = &a->cnt[s][d];

			if (!c->records)
				continue;
			vd_json_obj_begin(j, NULL);
			vd_json_str(j, "side", sides[s]);
			vd_json_str(j, "direction", dirs[d]);
			vd_json_uint(j, "records", c->records);
			vd_json_uint(j, "packets", c->packets);
			vd_json_uint(j, "messages", c->msgs);
			vd_json_uint(j, "lost", c->lost);
			vd_json_uint(j, "resyncs", c->resyncs);
			vd_json_uint(j, "skipped_bytes", c->skipped_bytes);
			vd_json_bool(j, "incomplete_at_end", c->partial);
			vd_json_bool(j, "events_lost", a->bpf_lost[s]);
			vd_json_obj_end(j);
		}
	vd_json_arr_end(j);
	vd_json_obj_end(j);
}

/* "      adb: host:: <-> device::..., 3 streams: shell:echo hi (closed, 12 B <- 4 B), ..." */
void vd_report_text_adb(FILE *out, const struct vd_opts *o, const struct vd_result *r,
			uint32_t conn, const char *indent)
{
	const struct vd_adb_conn *a = vd_report_adb_of(r, conn);
	unsigned int first;

	if (!a)
		return;
	fprintf(out, "%sadb:", indent);
	for (int e = 0; e < 2; e++)
		if (a->end[e].cnxn)
			fprintf(out, " %s CNXN \"%s%s\"", o->name[e], a->end[e].banner,
				a->end[e].banner_cut ? "..." : "");
		else
			fprintf(out, " %s no CNXN", o->name[e]);
	fprintf(out, "; %" PRIu64 " stream%s\n", a->streams_total,
		a->streams_total == 1 ? "" : "s");
	/* the latest 8 kept */
	first = a->nstreams > 8 ? a->nstreams - 8 : 0;
	if (first)
		fprintf(out, "%s  (%u earlier streams not listed)\n", indent, first);
	for (unsigned int i = first; i < a->nstreams; i++) {
		const struct vd_adb_stream *st = &a->streams[i];
		uint64_t b[2];
		char s0[32], s1[32];

		for (int d = 0; d < 2; d++) {
			int w = (int)vd_dir_sender((enum vd_dir)d);

			b[d] = side_has_records(a, w) ? st->f[d][VD_ADB_WRITER].bytes
						      : st->f[d][VD_ADB_READER].bytes;
		}
		fprintf(out, "%s  %u/%u %s%s: %s, %s -> %s %s, %s -> %s %s%s\n", indent, st->id[0],
			st->id[1], st->service[0] ? st->service : "(opened before)",
			st->service_cut ? "..." : "", vd_adb_state_name(st->state), o->name[0],
			o->name[1], vd_fmt_bytes(s0, sizeof(s0), b[0]), o->name[1], o->name[0],
			vd_fmt_bytes(s1, sizeof(s1), b[1]),
			st->f[0][0].unacked || st->f[1][0].unacked || st->f[0][1].unacked ||
				st->f[1][1].unacked
			    ? ", WRTE waiting for OKAY"
			    : "");
	}
	for (int s = 0; s < 2; s++) {
		uint64_t lost = a->cnt[s][0].lost + a->cnt[s][1].lost;

		if (lost || a->bpf_lost[s])
			fprintf(out, "%s  %s: framing lost %" PRIu64 " time%s%s\n", indent,
				o->name[s], lost, lost == 1 ? "" : "s",
				a->bpf_lost[s] ? " (the recording lost events)" : "");
	}
}
