// SPDX-License-Identifier: GPL-2.0
/*
 * adb in the Perfetto trace: each adb stream (OPEN .. CLSE) an async slice on
 * the partition that recorded its OPEN, named by its service, with its ids
 * and bytes; each end's CNXN an instant.  From the settled result's adb
 * summary (model/adbsum.h), written at the end with the findings.
 */
#include <inttypes.h>
#include <stdio.h>

#include "analyzers/sinks/export.h"
#include "analyzers/sinks/export_perfetto.h"

static const char *const state_name[] = { "opening", "open", "closing", "closed", "refused" };

/* the time of t[2] (each side's clock) on the export's axis, A's first; VD_NO_TIME */
static int64_t either(const struct vd_result *res, const int64_t t[2], int *side)
{
	for (int s = 0; s < 2; s++)
		if (t[s] != VD_NO_TIME) {
			*side = s;
			return vd_export_time(res, (enum vd_side)s, t[s]);
		}
	return VD_NO_TIME;
}

static void stream_slice(struct pf *w, const struct vd_adb_conn *a, const struct vd_adb_stream *st,
			 uint64_t id)
{
	const struct vd_result *res = w->res;
	int side = 0, cside = 0;
	int64_t t0 = either(res, st->t_open, &side), t1 = either(res, st->t_close, &cside);
	bool open_at_end = t1 == VD_NO_TIME;
	char name[96];

	if (t0 == VD_NO_TIME) /* opened before the recordings: from its first message seen */
		t0 = either(res, st->t_last, &side);
	if (t0 == VD_NO_TIME)
		return;
	if (open_at_end) /* still open: to the end of that partition's recording */
		t1 =
		    vd_export_time(res, (enum vd_side)side, (int64_t)res->side[side].stats.last_ts);
	if (t1 < t0)
		t1 = t0;
	snprintf(name, sizeof(name), "adb %s", st->service[0] ? st->service : "(service unknown)");
	pf_event(&w->j, 'b', t0, pid_of(side), pf_fixed_track(w, side, TR_ADB));
	pf_plain(&w->j, "cat", "adb");
	pf_str(&w->j, "name", name);
	pf_uint(&w->j, "id", id);
	pf_obj(&w->j, "args");
	pf_uint(&w->j, "connection", a->conn);
	pf_str(&w->j, "service", st->service);
	pf_bool(&w->j, "service_truncated", st->service_cut);
	pf_uint(&w->j, "a_id", st->id[0]);
	pf_uint(&w->j, "b_id", st->id[1]);
	pf_str(&w->j, "opened_by",
	       st->opener < 0 ? "before the recordings"
	       : st->opener   ? "b"
			      : "a");
	pf_str(&w->j, "state", st->state < 5 ? state_name[st->state] : "?");
	for (int d = 0; d < 2; d++) {
		char k[32];

		snprintf(k, sizeof(k), "%s_bytes", d ? "b_to_a" : "a_to_b");
		/* the writer's view when it recorded, the reader's otherwise */
		pf_uint(&w->j, k,
			st->f[d][VD_ADB_WRITER].bytes ? st->f[d][VD_ADB_WRITER].bytes
						      : st->f[d][VD_ADB_READER].bytes);
		snprintf(k, sizeof(k), "%s_unacked_wrtes", d ? "b_to_a" : "a_to_b");
		pf_uint(&w->j, k, st->f[d][VD_ADB_WRITER].unacked);
	}
	if (open_at_end)
		pf_str(&w->j, "end", "still open when the recording ended");
	pf_obj_end(&w->j);
	pf_obj_end(&w->j);
	pf_event(&w->j, 'e', t1, pid_of(side), pf_fixed_track(w, side, TR_ADB));
	pf_plain(&w->j, "cat", "adb");
	pf_str(&w->j, "name", name);
	pf_uint(&w->j, "id", id);
	pf_obj_end(&w->j);
	w->slices[side]++;
}

static void cnxn_instant(struct pf *w, const struct vd_adb_conn *a, int end)
{
	const struct vd_adb_end *e = &a->end[end];
	int side = 0;
	int64_t t = either(w->res, e->t_cnxn, &side);

	if (!e->cnxn || t == VD_NO_TIME)
		return;
	pf_event(&w->j, 'i', t, pid_of(side), pf_fixed_track(w, side, TR_ADB));
	pf_plain(&w->j, "s", "t");
	pf_plain(&w->j, "cat", "adb");
	pf_plain(&w->j, "name", end ? "adb CNXN from B's end" : "adb CNXN from A's end");
	pf_obj(&w->j, "args");
	pf_uint(&w->j, "connection", a->conn);
	pf_str(&w->j, "banner", e->banner);
	pf_bool(&w->j, "banner_truncated", e->banner_cut);
	pf_uint(&w->j, "version", e->version);
	pf_uint(&w->j, "maxdata", e->maxdata);
	pf_obj_end(&w->j);
	pf_obj_end(&w->j);
	w->instants++;
}

void pf_adb(struct pf *w)
{
	uint64_t id = 1;

	for (size_t i = 0; i < w->res->adb.n; i++) {
		const struct vd_adb_conn *a = &w->res->adb.v[i];

		for (int e = 0; e < 2; e++)
			cnxn_instant(w, a, e);
		for (unsigned int k = 0; k < a->nstreams; k++)
			stream_slice(w, a, &a->streams[k], id++);
	}
}
