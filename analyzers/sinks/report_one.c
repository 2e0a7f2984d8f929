// SPDX-License-Identifier: GPL-2.0
/*
 * vsockdiag report's text and JSON (doc/json-schema.md, "vsockdiag report"):
 * one recording's metadata, window, connections, interrupt lines, allocation
 * failures and findings, from the single-partition result (batch/report.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"
#include "analyzers/batch/report.h"
#include "analyzers/model/alloc.h"
#include "analyzers/sinks/sinks.h"

/* ---- shared by both outputs ------------------------------------------------------------- */

static const char *format_name(enum vd_source_format f)
{
	return f == VD_FMT_TRACE_DAT	 ? "trace.dat"
	       : f == VD_FMT_FTRACE_TEXT ? "ftrace_text"
					 : "unknown";
}

/* end 0 is this partition's (for loopback, the lower port), end 1 the peer's */
static char *ep_str(char *buf, size_t len, const struct vd_conn *c, int end)
{
	snprintf(buf, len, "%" PRIu32 ":%" PRIu32, end ? c->tuple.b_cid : c->tuple.a_cid,
		 end ? c->tuple.b_port : c->tuple.a_port);
	return buf;
}

/* this recording sees one direction's sends and the other's receives */
static uint64_t dir_pkts(const struct vd_conn *c, int d)
{
	return c->d[d].sent_pkts + c->d[d].recv_pkts;
}

static uint64_t dir_bytes(const struct vd_conn *c, int d)
{
	return c->d[d].sent_bytes + c->d[d].recv_bytes;
}

static uint64_t dir_control(const struct vd_conn *c, int d)
{
	return c->d[d].control_sent + c->d[d].control_recv;
}

/* ---- text ------------------------------------------------------------------------------- */

static void text_header(FILE *out, const struct vd_one_report *r)
{
	const struct vd_source_stats *st = &r->res.side[0].stats;
	const struct vd_recording_info *rec = &r->res.side[0].rec;
	char a[32], b[32], c[32];

	fprintf(out, "recording: %s\n",
		strcmp(r->o.path[0], "-") ? r->o.path[0] : "(standard input)");
	if (rec->have_dat) {
		fprintf(out, "  format     trace.dat v%lu%s%s%s, %d CPU%s", rec->file_version,
			rec->compression[0] ? " (" : "", rec->compression,
			rec->compression[0] ? ")" : "", st->ncpus, st->ncpus == 1 ? "" : "s");
		if (rec->buffers)
			fprintf(out, ", %d buffer instance%s", rec->buffers,
				rec->buffers == 1 ? "" : "s");
		fprintf(out, "\n  clock      %s\n",
			rec->trace_clock[0] ? rec->trace_clock : "unknown");
		if (rec->uname[0])
			fprintf(out, "  kernel     %s\n", rec->uname);
		if (rec->tracer_version[0])
			fprintf(out, "  written by trace-cmd %s\n", rec->tracer_version);
	} else {
		fprintf(out, "  format     %s, %d CPU%s (trace clock not recorded in text dumps)\n",
			format_name(rec->fmt), st->ncpus, st->ncpus == 1 ? "" : "s");
	}
	fprintf(out, "  window     %s .. %s s (%s s)\n",
		vd_fmt_sec(a, sizeof(a), (int64_t)st->first_ts),
		vd_fmt_sec(b, sizeof(b), (int64_t)st->last_ts),
		vd_fmt_sec(c, sizeof(c), (int64_t)(st->last_ts - st->first_ts)));
	if (st->window_truncated)
		fprintf(out,
			"             TRUNCATED: the ring buffer overwrote its oldest events; "
			"complete only from %s s\n",
			vd_fmt_sec(a, sizeof(a), (int64_t)st->window_start));
	else
		fprintf(out, "             complete from the start (no overwritten buffer)\n");
	fprintf(out,
		"  events     %" PRIu64 " used, %" PRIu64 " of other events, %" PRIu64
		" malformed\n",
		st->events - st->lost_markers, st->unknown_events, st->malformed);
	if (!st->lost_markers)
		fprintf(out, "  lost       none reported\n");
	else
		fprintf(out,
			"  lost       %" PRIu64 " event%s in %" PRIu64 " place%s%s: the recording "
			"has gaps (enlarge the buffer: trace-cmd record -b, buffer_size_kb)\n",
			st->lost_events, st->lost_events == 1 ? "" : "s", st->lost_markers,
			st->lost_markers == 1 ? "" : "s",
			st->lost_unknown ? " (some without a count)" : "");
	vd_report_one_text_bpf(out, &r->res.side[0]);
}

static void text_conns(FILE *out, const struct vd_one_report *r, bool verbose)
{
	fprintf(out, "\nconnections: %zu (packets sent %" PRIu64 ", received %" PRIu64 ")\n",
		r->res.nconns, r->res.side[0].pkts_sent, r->res.side[0].pkts_recv);
	for (size_t i = 0; i < r->res.nconns; i++) {
		const struct vd_conn *c = &r->res.conns[i];
		char e0[24], e1[24], t[32], b[32];

		fprintf(out, "  %s %s %s%s%s: ", ep_str(e0, sizeof(e0), c, 0),
			c->loopback ? "<->" : "(here) <->", ep_str(e1, sizeof(e1), c, 1),
			c->loopback ? " (loopback)" : "", c->adb ? " [adb]" : "");
		if (c->initiator >= 0)
			fprintf(out, "opened by %s at %s s",
				ep_str(e0, sizeof(e0), c, c->initiator),
				vd_fmt_sec(t, sizeof(t), c->t_open[0]));
		else
			fprintf(out, "open before the recording began");
		fprintf(out, "; %s", vd_conn_end_name(c->end));
		if (c->closer >= 0)
			fprintf(out, " by %s at %s s", ep_str(e0, sizeof(e0), c, c->closer),
				vd_fmt_sec(t, sizeof(t), c->t_close[0]));
		fputc('\n', out);
		for (int d = 0; d < 2; d++) {
			if (!verbose && !dir_pkts(c, d) && !dir_control(c, d))
				continue;
			fprintf(out,
				"      %s -> %s: %" PRIu64 " data packet%s, %s, %" PRIu64
				" control\n",
				ep_str(e0, sizeof(e0), c, d), ep_str(e1, sizeof(e1), c, !d),
				dir_pkts(c, d), dir_pkts(c, d) == 1 ? "" : "s",
				vd_fmt_bytes(b, sizeof(b), dir_bytes(c, d)), dir_control(c, d));
		}
		vd_report_text_adb(out, &r->o, &r->res, c->id, "      ");
	}
}

static void text_irqs(FILE *out, const struct vd_one_report *r)
{
	const struct vd_side_info *s = &r->res.side[0];

	fprintf(out, "\ninterrupts: %" PRIu64 " on %u line%s\n", s->irq_total, s->nirq,
		s->nirq == 1 ? "" : "s");
	for (unsigned int i = 0; i < s->nirq; i++) {
		fprintf(out, "  %-24s", s->irq[i].name);
		if (s->irq[i].num >= 0)
			fprintf(out, " irq %-4d", s->irq[i].num);
		fprintf(out, " %8" PRIu64, s->irq[i].count);
		if (s->irq[i].vsock)
			fprintf(out,
				"  vsock (just before %" PRIu64 " of %" PRIu64 " receive bursts)",
				s->irq[i].before_recv, s->recv_bursts);
		fputc('\n', out);
	}
	if (s->pkts_recv && s->nirq && !s->irq_total)
		fprintf(out, "  (no interrupt recorded: enable irq:irq_handler_entry to see which "
			     "line serves vsock)\n");
}

static void text_allocs(FILE *out, const struct vd_one_report *r)
{
	const struct vd_side_info *si = &r->res.side[0];
	char a[32], g[96];

	fprintf(out, "\nallocation failures:\n");
	fprintf(out, "  page allocations of order >= 3: %" PRIu64 " failed", si->page_fail_high);
	if (si->page_fail_high_opportunistic)
		fprintf(out,
			" (%" PRIu64 " with __GFP_NORETRY|__GFP_NOWARN: opportunistic, "
			"usually retried smaller)",
			si->page_fail_high_opportunistic);
	fprintf(out, " of %" PRIu64 " attempted\n", si->high_order_allocs);
	fprintf(out, "  page allocations, any order:    %" PRIu64 " failed\n", si->page_fail);
	fprintf(out, "  kmalloc:                        %" PRIu64 " failed\n", si->kmalloc_fail);
	for (unsigned int i = 0; i < si->nfail; i++) {
		const struct vd_alloc_example *f = &si->fail[i];

		vd_gfp_words(g, sizeof(g), f->gfp, f->gfp_raw);
		if (f->kmalloc)
			fprintf(out,
				"    %s s cpu %d %s: kmalloc %" PRIu64 " bytes failed (%s)%s%s\n",
				vd_fmt_sec(a, sizeof(a), (int64_t)f->ts), f->cpu, f->comm,
				f->bytes_req, g, f->call_sym[0] ? " from " : "", f->call_sym);
		else
			fprintf(out, "    %s s cpu %d %s: order-%u page allocation failed (%s)\n",
				vd_fmt_sec(a, sizeof(a), (int64_t)f->ts), f->cpu, f->comm, f->order,
				g);
	}
}

void vd_one_report_text(FILE *out, const struct vd_one_report *r, bool verbose)
{
	text_header(out, r);
	text_conns(out, r, verbose);
	text_irqs(out, r);
	text_allocs(out, r);
	fprintf(out,
		"\nverdict: %s (what one recording can show; correlate with the other "
		"partition's for delivery, stalls and the clock)\n",
		vd_verdict_name(r->res.verdict));
	vd_report_text_findings(out, &r->o, &r->res, verbose);
}

/* ---- JSON (doc/json-schema.md, "vsockdiag report") --------------------------------------- */

static void json_meta(struct vd_json *j, const struct vd_one_report *r)
{
	const struct vd_source_stats *st = &r->res.side[0].stats;
	const struct vd_recording_info *rec = &r->res.side[0].rec;

	/* the same schema version as correlate's report (doc/json-schema.md) */
	vd_json_int(j, "schema_version", 1);
	vd_json_str(j, "file", r->o.path[0]);
	vd_json_str(j, "format", format_name(rec->fmt));
	vd_json_obj_begin(j, "metadata");
	vd_json_int(j, "cpus", st->ncpus);
	if (rec->have_dat) {
		vd_json_uint(j, "file_version", rec->file_version);
		vd_json_str(j, "compression", rec->compression[0] ? rec->compression : NULL);
		vd_json_str(j, "trace_clock", rec->trace_clock[0] ? rec->trace_clock : NULL);
		vd_json_str(j, "uname", rec->uname[0] ? rec->uname : NULL);
		vd_json_str(j, "tracer_version",
			    rec->tracer_version[0] ? rec->tracer_version : NULL);
		vd_json_int(j, "buffer_instances", rec->buffers);
	} else {
		vd_json_null(j, "trace_clock");
	}
	vd_json_obj_end(j);
	vd_json_obj_begin(j, "window");
	vd_json_uint(j, "first_ns", st->first_ts);
	vd_json_uint(j, "last_ns", st->last_ts);
	vd_json_uint(j, "complete_from_ns", st->window_start);
	vd_json_bool(j, "truncated", st->window_truncated);
	vd_json_obj_end(j);
	vd_json_obj_begin(j, "events");
	vd_json_uint(j, "used", st->events - st->lost_markers);
	vd_json_uint(j, "other", st->unknown_events);
	vd_json_uint(j, "malformed", st->malformed);
	vd_json_obj_end(j);
	vd_report_json_bpf(j, &r->res.side[0]);
	vd_json_obj_begin(j, "lost");
	vd_json_uint(j, "events", st->lost_events);
	vd_json_uint(j, "places", st->lost_markers);
	vd_json_bool(j, "some_uncounted", st->lost_unknown);
	vd_json_obj_end(j);
}

static void json_conns(struct vd_json *j, const struct vd_one_report *r)
{
	char e[2][24];

	vd_json_arr_begin(j, "connections");
	for (size_t i = 0; i < r->res.nconns; i++) {
		const struct vd_conn *c = &r->res.conns[i];

		ep_str(e[0], sizeof(e[0]), c, 0);
		ep_str(e[1], sizeof(e[1]), c, 1);
		vd_json_obj_begin(j, NULL);
		vd_json_str(j, "local", e[0]);
		vd_json_str(j, "peer", e[1]);
		vd_json_bool(j, "loopback", c->loopback);
		vd_json_bool(j, "adb", c->adb);
		vd_json_str(j, "opened_by", c->initiator >= 0 ? e[c->initiator] : NULL);
		vd_json_time(j, "t_open_ns", c->t_open[0]);
		vd_json_str(j, "end", vd_conn_end_name(c->end));
		vd_json_str(j, "closed_by", c->closer >= 0 ? e[c->closer] : NULL);
		vd_json_time(j, "t_close_ns", c->t_close[0]);
		vd_json_time(j, "t_first_ns", c->t_first[0]);
		vd_json_time(j, "t_last_ns", c->t_last[0]);
		vd_json_arr_begin(j, "directions");
		for (int d = 0; d < 2; d++) {
			vd_json_obj_begin(j, NULL);
			vd_json_str(j, "from", e[d]);
			vd_json_str(j, "to", e[!d]);
			vd_json_uint(j, "data_packets", dir_pkts(c, d));
			vd_json_uint(j, "bytes", dir_bytes(c, d));
			vd_json_uint(j, "control_packets", dir_control(c, d));
			vd_json_obj_end(j);
		}
		vd_json_arr_end(j);
		vd_report_json_adb(j, &r->res, c->id);
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
}

static void json_irqs(struct vd_json *j, const struct vd_one_report *r)
{
	const struct vd_side_info *s = &r->res.side[0];

	vd_json_obj_begin(j, "interrupts");
	vd_json_uint(j, "total", s->irq_total);
	vd_json_uint(j, "receive_bursts", s->recv_bursts);
	vd_json_arr_begin(j, "lines");
	for (unsigned int i = 0; i < s->nirq; i++) {
		vd_json_obj_begin(j, NULL);
		vd_json_str(j, "name", s->irq[i].name);
		if (s->irq[i].num >= 0)
			vd_json_int(j, "irq", s->irq[i].num);
		else
			vd_json_null(j, "irq");
		vd_json_uint(j, "count", s->irq[i].count);
		vd_json_uint(j, "before_receive_bursts", s->irq[i].before_recv);
		vd_json_bool(j, "vsock", s->irq[i].vsock);
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
	vd_json_obj_end(j);
}

static void json_allocs(struct vd_json *j, const struct vd_one_report *r)
{
	const struct vd_side_info *si = &r->res.side[0];
	char g[96];

	vd_json_obj_begin(j, "allocation_failures");
	vd_json_uint(j, "page_high_order", si->page_fail_high);
	vd_json_uint(j, "page_high_order_opportunistic", si->page_fail_high_opportunistic);
	vd_json_uint(j, "page_high_order_attempted", si->high_order_allocs);
	vd_json_uint(j, "page_any_order", si->page_fail);
	vd_json_uint(j, "kmalloc", si->kmalloc_fail);
	vd_json_arr_begin(j, "examples");
	for (unsigned int i = 0; i < si->nfail; i++) {
		const struct vd_alloc_example *f = &si->fail[i];

		vd_gfp_words(g, sizeof(g), f->gfp, f->gfp_raw);
		vd_json_obj_begin(j, NULL);
		vd_json_uint(j, "ts_ns", f->ts);
		vd_json_int(j, "cpu", f->cpu);
		vd_json_str(j, "comm", f->comm);
		vd_json_str(j, "kind", f->kmalloc ? "kmalloc" : "page");
		if (f->kmalloc) {
			vd_json_uint(j, "bytes", f->bytes_req);
			vd_json_str(j, "call_site", f->call_sym[0] ? f->call_sym : NULL);
		} else {
			vd_json_uint(j, "order", f->order);
		}
		vd_json_str(j, "gfp", g);
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
	vd_json_obj_end(j);
}

void vd_one_report_json(struct vd_json *j, const struct vd_one_report *r)
{
	vd_json_obj_begin(j, NULL);
	json_meta(j, r);
	json_conns(j, r);
	json_irqs(j, r);
	json_allocs(j, r);
	vd_json_str(j, "verdict", vd_verdict_name(r->res.verdict));
	vd_report_json_findings(j, &r->o, &r->res);
	vd_json_obj_end(j);
	vd_json_end(j);
}
