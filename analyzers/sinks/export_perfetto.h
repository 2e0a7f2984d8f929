/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Perfetto export's JSON writer (export_perfetto_json.c), shared by the
 * exporter (export_perfetto.c).  common/json.h cannot write a time as
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

#endif /* VD_EXPORT_PERFETTO_H */
