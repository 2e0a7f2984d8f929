// SPDX-License-Identifier: GPL-2.0
/*
 * top's batch outputs, one per sample: plain text (top -b), one JSON object
 * per line (--json: a stream a script reads line by line), and the
 * Prometheus/OpenMetrics text format (--openmetrics: node_exporter's textfile
 * collector reads a file of it).  Values a kernel cannot give are null in
 * JSON, "-" in text and absent from the metrics, never 0.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "tui/top_batch.h"

static const char *opener_name(int o)
{
	return o == 0 ? "local" : o == 1 ? "peer" : "?";
}

static void fmt_unknown(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%" PRId64, v);
}

/* 262144 -> "256K": the table fits a terminal; exact values are in --json */
static void human(char *buf, size_t len, int64_t v)
{
	static const char unit[] = "KMGT";
	double x = (double)v;
	int u = -1;

	if (v < 0) {
		snprintf(buf, len, "-");
		return;
	}
	while (x >= 1024 && u < 3) {
		x /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRId64, v);
	else
		snprintf(buf, len, x < 10 ? "%.1f%c" : "%.0f%c", x, unit[u]);
}

static void fmt_end(char *buf, size_t len, uint32_t cid, uint32_t port, bool adb)
{
	if (adb)
		snprintf(buf, len, "%" PRIu32 ":%" PRIu32 " adb", cid, port);
	else
		snprintf(buf, len, "%" PRIu32 ":%" PRIu32, cid, port);
}

void vd_top_print_text(FILE *f, const struct vd_top_snap *s, long iteration)
{
	const struct vd_top_header *h = &s->h;
	char cr[24], un[24], fw[24], idle[24], lo[40], pe[40];

	fprintf(f, "vsockdiag top - %s - sample %ld at %.3f s (+%.1f s)\n", h->label, iteration,
		(double)h->now_ns / 1e9, (double)h->elapsed_ns / 1e9);
	fprintf(f, "kernel %s, cid %" PRIu32 ", %s; %" PRIu64 " events, %" PRIu64 " lost\n",
		h->kernel[0] ? h->kernel : "?", h->cid, h->device, h->events, h->lost);
	fprintf(f, "connections %" PRIu64 " open / %" PRIu64 " seen; ", h->conns_open,
		h->conns_total);
	if (h->irq_ps >= 0)
		fprintf(f, "irq %.1f/s; ", h->irq_ps);
	if (h->kick_ps >= 0)
		fprintf(f, "kicks %.1f/s; ", h->kick_ps);
	if (h->ring_level >= 0)
		fprintf(f, "rx ring %" PRId64 "/%" PRId64 "; ", h->ring_level, h->ring_max);
	fprintf(f, "alloc failures %" PRIu64 "\n", h->alloc_fail);
	if (h->cannot[0])
		fprintf(f, "cannot tell: %s\n", h->cannot);
	if (h->fwd_per_packet)
		fprintf(f, "note: on this kernel fwd_cnt and unread move per whole packet\n");
	fprintf(f, "%3s %-13s %-16s %-5s %-11s %-12s %6s %6s %6s %6s %8s %6s\n", "ID", "LOCAL",
		"PEER", "BY", "STATE", "PROCESS", "TX/s", "RX/s", "CREDIT", "UNREAD", "FWD_CNT",
		"IDLE");
	for (size_t i = 0; i < s->nrows; i++) {
		const struct vd_top_row *r = &s->rows[i];
		char txs[16], rxs[16];

		human(txs, sizeof(txs), (int64_t)r->tx_bps);
		human(rxs, sizeof(rxs), (int64_t)r->rx_bps);
		human(cr, sizeof(cr), r->credit);
		human(un, sizeof(un), r->unread);
		fmt_unknown(fw, sizeof(fw), r->fwd_cnt);
		if (r->idle_ns < 0)
			snprintf(idle, sizeof(idle), "-");
		else
			snprintf(idle, sizeof(idle), "%.1fs", (double)r->idle_ns / 1e9);
		fmt_end(lo, sizeof(lo), r->local_cid, r->local_port, r->adb_end == 1);
		fmt_end(pe, sizeof(pe), r->peer_cid, r->peer_port, r->adb_end == 2);
		fprintf(
		    f, "%3" PRIu32 " %-13s %-16s %-5s %-11s %-12.12s %6s %6s %6s %6s %8s %6s%s\n",
		    r->conn, lo, pe, opener_name(r->opener), r->state, r->proc[0] ? r->proc : "-",
		    txs, rxs, cr, un, fw, idle, r->problem ? " !" : "");
	}
	for (size_t i = 0; i < s->nfindings; i++) {
		const struct vd_top_finding *fd = &s->findings[i];

		fprintf(f, "%s %s", fd->open ? "OPEN " : "found", fd->name);
		if (fd->age_ns >= 0)
			fprintf(f, " (%.1f s ago)", (double)fd->age_ns / 1e9);
		fprintf(f, ": %s\n", fd->text);
	}
	fputc('\n', f);
	fflush(f);
}

static void json_maybe(struct vd_json *j, const char *key, int64_t v)
{
	if (v < 0)
		vd_json_null(j, key);
	else
		vd_json_int(j, key, v);
}

void vd_top_print_json(FILE *f, const struct vd_top_snap *s, long iteration)
{
	const struct vd_top_header *h = &s->h;
	struct vd_json j;

	vd_json_init(&j, f, false);
	vd_json_obj_begin(&j, NULL);
	vd_json_int(&j, "iteration", iteration);
	vd_json_str(&j, "source", h->label);
	vd_json_str(&j, "kernel", h->kernel[0] ? h->kernel : NULL);
	if (h->cid)
		vd_json_uint(&j, "cid", h->cid);
	else
		vd_json_null(&j, "cid");
	vd_json_str(&j, "device", h->device);
	vd_json_double(&j, "time", (double)h->now_ns / 1e9);
	vd_json_double(&j, "elapsed", (double)h->elapsed_ns / 1e9);
	vd_json_double(&j, "interval", h->interval_s);
	vd_json_uint(&j, "events", h->events);
	vd_json_uint(&j, "lost_events", h->lost);
	if (h->irq_ps >= 0)
		vd_json_double(&j, "irq_per_s", h->irq_ps);
	else
		vd_json_null(&j, "irq_per_s");
	if (h->kick_ps >= 0)
		vd_json_double(&j, "kicks_per_s", h->kick_ps);
	else
		vd_json_null(&j, "kicks_per_s");
	json_maybe(&j, "rx_ring_level", h->ring_level);
	json_maybe(&j, "rx_ring_max", h->ring_max);
	vd_json_uint(&j, "alloc_failures", h->alloc_fail);
	vd_json_uint(&j, "connections_open", h->conns_open);
	vd_json_uint(&j, "connections_seen", h->conns_total);
	vd_json_bool(&j, "fwd_cnt_per_packet", h->fwd_per_packet);
	vd_json_str(&j, "cannot_tell", h->cannot[0] ? h->cannot : NULL);
	vd_json_bool(&j, "problems", s->problems);
	vd_json_arr_begin(&j, "connections");
	for (size_t i = 0; i < s->nrows; i++) {
		const struct vd_top_row *r = &s->rows[i];

		vd_json_obj_begin(&j, NULL);
		vd_json_uint(&j, "conn", r->conn);
		vd_json_uint(&j, "local_cid", r->local_cid);
		vd_json_uint(&j, "local_port", r->local_port);
		vd_json_uint(&j, "peer_cid", r->peer_cid);
		vd_json_uint(&j, "peer_port", r->peer_port);
		vd_json_bool(&j, "adb", r->adb);
		vd_json_str(&j, "adb_end",
			    r->adb_end == 1   ? "local"
			    : r->adb_end == 2 ? "peer"
					      : NULL);
		vd_json_str(&j, "adb_service", r->adb_service[0] ? r->adb_service : NULL);
		vd_json_str(&j, "opener", opener_name(r->opener));
		vd_json_str(&j, "state", r->state);
		vd_json_str(&j, "process", r->proc[0] ? r->proc : NULL);
		json_maybe(&j, "pid", r->pid);
		vd_json_double(&j, "tx_bytes_per_s", r->tx_bps);
		vd_json_double(&j, "rx_bytes_per_s", r->rx_bps);
		vd_json_double(&j, "tx_packets_per_s", r->tx_pps);
		vd_json_double(&j, "rx_packets_per_s", r->rx_pps);
		vd_json_uint(&j, "tx_bytes", r->tx_bytes);
		vd_json_uint(&j, "rx_bytes", r->rx_bytes);
		json_maybe(&j, "credit", r->credit);
		vd_json_str(&j, "credit_from",
			    r->credit < 0   ? NULL
			    : r->credit_bpf ? "bpf"
					    : "packets");
		json_maybe(&j, "unread", r->unread);
		json_maybe(&j, "fwd_cnt", r->fwd_cnt);
		if (r->idle_ns < 0)
			vd_json_null(&j, "idle");
		else
			vd_json_double(&j, "idle", (double)r->idle_ns / 1e9);
		vd_json_bool(&j, "problem", r->problem);
		vd_json_obj_end(&j);
	}
	vd_json_arr_end(&j);
	vd_json_arr_begin(&j, "findings");
	for (size_t i = 0; i < s->nfindings; i++) {
		const struct vd_top_finding *fd = &s->findings[i];

		vd_json_obj_begin(&j, NULL);
		vd_json_str(&j, "kind", fd->name);
		vd_json_str(&j, "severity",
			    fd->severity == VD_SEV_ERROR     ? "error"
			    : fd->severity == VD_SEV_WARNING ? "warning"
							     : "info");
		vd_json_bool(&j, "open", fd->open);
		json_maybe(&j, "conn", fd->conn);
		if (fd->start_ns == VD_NO_TIME)
			vd_json_null(&j, "start");
		else
			vd_json_double(&j, "start", (double)fd->start_ns / 1e9);
		if (fd->age_ns < 0)
			vd_json_null(&j, "age");
		else
			vd_json_double(&j, "age", (double)fd->age_ns / 1e9);
		vd_json_str(&j, "text", fd->text);
		vd_json_obj_end(&j);
	}
	vd_json_arr_end(&j);
	vd_json_obj_end(&j);
	vd_json_end(&j);
	fflush(f);
}

/* a label value: backslash, double quote and newline escaped (the exposition format's rule) */
static void label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void conn_labels(FILE *f, const struct vd_top_row *r)
{
	fprintf(f,
		"{local=\"%" PRIu32 ":%" PRIu32 "\",peer=\"%" PRIu32 ":%" PRIu32 "\",adb=\"%s\",",
		r->local_cid, r->local_port, r->peer_cid, r->peer_port, r->adb ? "1" : "0");
	fputs("process=", f);
	label_value(f, r->proc);
	fputc('}', f);
}

struct metric {
	const char *name, *type, *help;
};

static void metric_head(FILE *f, const struct metric *m)
{
	fprintf(f, "# HELP vsockdiag_%s %s\n# TYPE vsockdiag_%s %s\n", m->name, m->help, m->name,
		m->type);
}

static void row_metric(FILE *f, const struct vd_top_snap *s, const struct metric *m,
		       int64_t (*get)(const struct vd_top_row *r))
{
	bool any = false;

	for (size_t i = 0; i < s->nrows; i++) {
		int64_t v = get(&s->rows[i]);

		if (v < 0)
			continue;
		if (!any)
			metric_head(f, m);
		any = true;
		fprintf(f, "vsockdiag_%s%s", m->name, strcmp(m->type, "counter") ? "" : "_total");
		conn_labels(f, &s->rows[i]);
		fprintf(f, " %" PRId64 "\n", v);
	}
}

static int64_t get_credit(const struct vd_top_row *r)
{
	return r->credit;
}
static int64_t get_unread(const struct vd_top_row *r)
{
	return r->unread;
}
static int64_t get_tx(const struct vd_top_row *r)
{
	return (int64_t)r->tx_bytes;
}
static int64_t get_rx(const struct vd_top_row *r)
{
	return (int64_t)r->rx_bytes;
}
static int64_t get_idle(const struct vd_top_row *r)
{
	return r->idle_ns < 0 ? -1 : r->idle_ns / 1000000;
}

void vd_top_print_openmetrics(FILE *f, const struct vd_top_snap *s)
{
	const struct vd_top_header *h = &s->h;
	static const struct metric
	    credit = { "credit_bytes", "gauge",
		       "Bytes this side may still send (peer buf_alloc - "
		       "(tx_cnt - peer fwd_cnt))." },
	    unread = { "unread_bytes", "gauge",
		       "Bytes received and not yet read by the application." },
	    tx = { "tx_bytes", "counter", "RW payload bytes sent." },
	    rx = { "rx_bytes", "counter", "RW payload bytes received." },
	    idle = { "idle_milliseconds", "gauge", "Time since payload last moved either way." };
	uint64_t n[VD_FK_MAX] = { 0 };

	row_metric(f, s, &credit, get_credit);
	row_metric(f, s, &unread, get_unread);
	row_metric(f, s, &tx, get_tx);
	row_metric(f, s, &rx, get_rx);
	row_metric(f, s, &idle, get_idle);
	fprintf(f,
		"# HELP vsockdiag_connections Connections open now.\n"
		"# TYPE vsockdiag_connections gauge\nvsockdiag_connections %" PRIu64 "\n",
		h->conns_open);
	fprintf(f,
		"# HELP vsockdiag_alloc_failures High-order (order >= 3) allocation failures.\n"
		"# TYPE vsockdiag_alloc_failures counter\nvsockdiag_alloc_failures_total %" PRIu64
		"\n",
		h->alloc_fail);
	fprintf(f,
		"# HELP vsockdiag_lost_events Trace events the ring buffers dropped.\n"
		"# TYPE vsockdiag_lost_events counter\nvsockdiag_lost_events_total %" PRIu64 "\n",
		h->lost);
	if (h->ring_level >= 0)
		fprintf(f,
			"# HELP vsockdiag_rx_ring_buffers Guest RX buffers posted.\n"
			"# TYPE vsockdiag_rx_ring_buffers gauge\nvsockdiag_rx_ring_buffers %" PRId64
			"\n",
			h->ring_level);
	for (size_t i = 0; i < s->nfindings; i++)
		if (s->findings[i].severity >= VD_SEV_WARNING && s->findings[i].kind < VD_FK_MAX)
			n[s->findings[i].kind]++;
	fprintf(f, "# HELP vsockdiag_findings Problems found (open or closed) by kind.\n"
		   "# TYPE vsockdiag_findings gauge\n");
	for (int k = 0; k < VD_FK_MAX; k++)
		if (n[k])
			fprintf(f, "vsockdiag_findings{kind=\"%s\"} %" PRIu64 "\n",
				vd_finding_kind_name((enum vd_finding_kind)k), n[k]);
	fprintf(f,
		"# HELP vsockdiag_problems 1 when any warning or error was seen.\n"
		"# TYPE vsockdiag_problems gauge\nvsockdiag_problems %d\n",
		s->problems ? 1 : 0);
	fputs("# EOF\n", f);
	fflush(f);
}
