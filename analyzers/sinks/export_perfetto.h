/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the Perfetto export's files share: the exporter's state, its tracks
 * (export_perfetto.c: packets and flows; export_perfetto_events.c: the other
 * events; export_perfetto_end.c: findings and metadata), and its JSON writer
 * (export_perfetto_json.c).
 *
 * The writer: common/json.h  common/json.h cannot write a time as
 * microseconds with exactly three decimals (the nanoseconds the recordings
 * have), and the Trace Event Format wants that; so this small writer does,
 * with the same string rules: every string is escaped, invalid UTF-8 becomes
 * U+FFFD.  Event names are written "plain" (control characters become '?'):
 * Perfetto's tokenizer reads an event's top-level strings itself, and older
 * versions of it refuse a \u escape there.
 */
#ifndef VD_EXPORT_PERFETTO_H
#define VD_EXPORT_PERFETTO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzers/model/model.h"

#define PF_MAX_DEPTH 8

struct pf_json {
	FILE *f;
	int depth;
	bool first[PF_MAX_DEPTH];
	uint64_t events; /* objects written into traceEvents (depth 2) */
};

void pf_init(struct pf_json *j, FILE *f);
/* key is NULL inside arrays and at the top level */
void pf_obj(struct pf_json *j, const char *key);
void pf_arr(struct pf_json *j, const char *key);
void pf_obj_end(struct pf_json *j);
void pf_arr_end(struct pf_json *j);
void pf_str(struct pf_json *j, const char *key, const char *v);
/* a string without escapes beyond \" and \\ (event names: see above) */
void pf_plain(struct pf_json *j, const char *key, const char *v);
void pf_int(struct pf_json *j, const char *key, int64_t v);
void pf_uint(struct pf_json *j, const char *key, uint64_t v);
void pf_bool(struct pf_json *j, const char *key, bool v);
void pf_double(struct pf_json *j, const char *key, double v);
/* nanoseconds written as microseconds with three decimals ("ts", "dur") */
void pf_us(struct pf_json *j, const char *key, int64_t ns);

/*
 * One trace event opened: {"ph":PH,"ts":..,"pid":..,"tid":.. (ts omitted when
 * ts_ns is INT64_MIN, tid when it is 0); the caller adds what it has and
 * closes it with pf_obj_end.  "ts" and "ph" come first: Perfetto's tokenizer
 * looks for them before it parses the event.
 */
void pf_event(struct pf_json *j, char ph, int64_t ts_ns, uint32_t pid, uint64_t tid);

/* ---- the exporter ------------------------------------------------------------------ */

#define PF_LANES 32 /* findings tracks per partition (overlapping windows) */

/* the fixed tracks of a partition (tid = 100 * pid + k; findings: TR_FINDINGS + lane) */
enum { TR_IRQ = 1, TR_ALLOC, TR_KICK, TR_BPF, TR_REC, TR_ADB, TR_FIXED, TR_FINDINGS = 50 };

struct pf_conn;

struct pf {
	struct pf_json j;
	const struct vd_opts *o;
	const struct vd_result *res;
	bool paired;	      /* the session pairs sends with arrivals: fates and flows */
	struct pf_conn *conn; /* by connection id */
	size_t nconn;
	bool named[2][TR_FIXED];
	bool lane_named[2][PF_LANES];
	uint64_t next_flow, kicks[2][4];
	int64_t gauge[2][3]; /* BPF gauges last written per partition: ring, queued, avail */
	uint64_t slices[2], late_ends, instants, counters;
	int64_t now; /* the latest time seen, export axis: fates without a time of their own */
};

/* partition side's process */
static inline uint32_t pid_of(int side)
{
	return (uint32_t)side + 1;
}

/* the tid of a fixed track, named at its first use */
uint64_t pf_fixed_track(struct pf *w, int side, int k);
uint64_t pf_lane_track(struct pf *w, int side, unsigned int k);
/* a counter event (process-scoped): add its values, then pf_counter_end */
void pf_counter_begin(struct pf *w, int side, int64_t t, const char *name);
void pf_counter_end(struct pf *w);

/* the tap's "any other event" step (export_perfetto_events.c) */
struct vd_session;
void pf_event_tap(void *ctx, const struct vd_session *s, enum vd_side side,
		  const struct vd_event *ev);
/* at the end (export_perfetto_end.c) */
void pf_findings(struct pf *w);
void pf_metadata(struct pf *w);
/* adb streams and handshakes (export_perfetto_adb.c) */
void pf_adb(struct pf *w);

#endif /* VD_EXPORT_PERFETTO_H */
