// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML export's page: head (style, the policy that keeps it offline),
 * the verdict and the recordings as correlate's text report words them, the
 * timeline and credit plots (export_html_svg.c), the findings through
 * render.h exactly as the text report shows them, the connections, and the
 * whole text report.  Every string goes through vd_html_esc.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/sinks/export.h"
#include "analyzers/sinks/export_html.h"
#include "analyzers/sinks/render.h"
#include "analyzers/sinks/sinks.h"
#include "common/util.h"

#define MAX_CONN_ROWS 500 /* the table's bound: a reconnect storm has thousands */

/* one UTF-8 sequence at s (n bytes left): its length, or 0 when invalid */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF are not text */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void vd_html_esc(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	while (n) {
		size_t len = utf8_len(s, n);

		if (!len || (*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f) {
			/* XML (the SVG) allows no control character, escaped or not */
			fputs("\xef\xbf\xbd", out);
			len = 1;
		} else if (*s == '&') {
			fputs("&amp;", out);
		} else if (*s == '<') {
			fputs("&lt;", out);
		} else if (*s == '>') {
			fputs("&gt;", out);
		} else if (*s == '"') {
			fputs("&quot;", out);
		} else if (*s == '\'') {
			fputs("&#39;", out);
		} else {
			fwrite(s, 1, len, out);
		}
		s += len;
		n -= len;
	}
}

void vd_html_escf(FILE *out, const char *fmt, ...)
{
	char buf[2 * VD_FINDING_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vd_html_esc(out, buf);
}

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "margin:0;color:#1d2430;background:#f5f6f8}\n"
    "main{max-width:1400px;margin:0 auto;padding:18px 24px 40px}\n"
    "h1{font-size:22px;margin:4px 0 12px}h1 .arrow{color:#8a94a6;padding:0 .3em}\n"
    "h2{font-size:17px;margin:0 0 10px}\n"
    "section{background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:14px "
    "18px;margin:14px 0}\n"
    "pre,code,.mono{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12.5px}\n"
    "pre{white-space:pre-wrap;word-break:break-word;margin:6px 0}\n"
    ".verdict{font-size:16px;font-weight:600;padding:10px 14px;border-radius:6px;margin:0 0 "
    "8px}\n"
    ".v-healthy{background:#e3f5e9;color:#14532d;border:1px solid #9bd3ae}\n"
    ".v-problems{background:#fde8e8;color:#7f1d1d;border:1px solid #f1a6a6}\n"
    ".v-inconclusive{background:#fff4dc;color:#713f12;border:1px solid #f0cf86}\n"
    ".note{color:#5b6578;font-size:13px;margin:6px 0}\n"
    ".warn{color:#9a3412;font-weight:600}\n"
    "svg{display:block;width:100%;height:auto;background:#fff}\n"
    "svg text{font:11px system-ui,'DejaVu Sans',sans-serif;fill:#3b4456}\n"
    "svg .lane{font-weight:600;font-size:12px}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:8px 0 0;padding:0;"
    "list-style:none;font-size:12.5px}\n"
    ".legend i{display:inline-block;width:18px;height:10px;margin-right:5px;"
    "vertical-align:middle;border-radius:2px}\n"
    "ol.findings{list-style:none;padding:0;margin:0}\n"
    ".finding{border-left:5px solid #9aa3b2;padding:6px 12px;margin:10px 0;"
    "background:#fafbfc;border-radius:0 6px 6px 0}\n"
    ".finding.sev-error{border-color:#d62728}.finding.sev-warning{border-color:#e0a000}\n"
    ".finding .fh{font-weight:600;margin:0 0 4px}\n"
    ".finding .kind{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace}\n"
    ".finding ul{margin:4px 0;padding-left:20px}\n"
    ".finding p{margin:3px 0}\n"
    ".lbl{color:#5b6578;font-weight:600}\n"
    ".sev{font-size:12px;padding:1px 6px;border-radius:3px;background:#e5e7eb}\n"
    ".sev-error .sev{background:#d62728;color:#fff}.sev-warning .sev{background:#e0a000;"
    "color:#fff}\n"
    "table{border-collapse:collapse;font-size:12.5px;width:100%}\n"
    "th,td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:right;"
    "white-space:nowrap}\n"
    "th{background:#f0f2f5}td.l,th.l{text-align:left}\n"
    "td.bad{color:#b91c1c;font-weight:600}\n"
    "nav a{margin-right:14px}\n"
    "footer{color:#5b6578;font-size:12px;margin-top:18px}\n"
    ".zoomhint{color:#5b6578;font-size:12px}\n";

static const char *const verdict_class[] = { "v-healthy", "v-problems", "v-inconclusive" };

/* correlate's text report, verbose (every finding), in memory: its paragraphs are quoted */
static char *text_report(const struct vd_opts *o, const struct vd_result *res)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	vd_report_text(f, o, res, true);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* the paragraph of report starting with prefix (up to a blank line), escaped; false if none */
static bool paragraph(FILE *out, const char *report, const char *prefix, bool skip_first)
{
	const char *p = report, *end;

	while (p && strncmp(p, prefix, strlen(prefix))) {
		p = strstr(p, "\n\n");
		p = p ? p + 2 : NULL;
	}
	if (!p)
		return false;
	end = strstr(p, "\n\n");
	if (skip_first)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p);
	if (!end)
		end = p + strlen(p);
	if (end <= p)
		return true;
	char *s = strndup(p, (size_t)(end - p));

	if (s)
		vd_html_esc(out, s);
	free(s);
	return true;
}

static void head(FILE *out, const struct vd_opts *o, const struct vd_result *res)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", out);
	/* nothing may load or run but this page's own style and its one script */
	fprintf(out,
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'; script-src '%s'; img-src data:; "
		"form-action 'none'\">\n",
		vd_html_script_hash);
	fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"vsockdiag export -f html\">\n<title>vsockdiag: ",
	      out);
	vd_html_esc(out, o->name[0]);
	if (res->two_sides) {
		fputs(" \xe2\x86\x94 ", out);
		vd_html_esc(out, o->name[1]);
	}
	fprintf(out, " \xe2\x80\x94 %s</title>\n<style>\n%s</style>\n</head>\n",
		vd_verdict_name(res->verdict), style);
}

static void top(FILE *out, const struct vd_opts *o, const struct vd_result *res, const char *report)
{
	const char *nl = strchr(report, '\n');
	char *verdict = strndup(report, nl ? (size_t)(nl - report) : strlen(report));
	int v = res->verdict >= 0 && res->verdict <= 2 ? res->verdict : 2;

	fputs("<body>\n<main>\n<header>\n<h1>vsockdiag: ", out);
	vd_html_esc(out, o->name[0]);
	if (res->two_sides) {
		fputs("<span class=\"arrow\">\xe2\x86\x94</span>", out);
		vd_html_esc(out, o->name[1]);
	}
	fprintf(out, "</h1>\n<p class=\"verdict %s\" id=\"verdict\">", verdict_class[v]);
	vd_html_esc(out, verdict ? verdict : "");
	free(verdict);
	fputs("</p>\n<pre class=\"facts\">", out);
	paragraph(out, report, "verdict:", true);
	fputs("</pre>\n", out);
	if (!vd_export_aligned(res))
		fputs("<p class=\"warn\">The clocks are not aligned: B's times are B's own trace "
		      "clock and do not line up with A's. The timeline draws each lane on its own "
		      "axis and pairs no packets.</p>\n",
		      out);
	fputs("<nav class=\"note\"><a href=\"#timeline\">timeline</a><a href=\"#credit\">credit</a>"
	      "<a href=\"#findings\">findings</a><a href=\"#connections\">connections</a>"
	      "<a href=\"#report\">correlate's report</a></nav>\n</header>\n",
	      out);
}

/* the same "when:" line as the text report */
static void when(FILE *out, const struct vd_opts *o, const struct vd_finding *f)
{
	char a[32], b[32];
	bool any = false;

	for (int s = 0; s < 2; s++) {
		if (f->start[s] == VD_NO_TIME)
			continue;
		fputs(any ? " | " : "<p class=\"when\"><span class=\"lbl\">when:</span> ", out);
		vd_html_escf(out, "%s %s", o->name[s], vd_fmt_sec(a, sizeof(a), f->start[s]));
		if (f->end[s] != VD_NO_TIME && f->end[s] != f->start[s])
			vd_html_escf(out, " .. %s", vd_fmt_sec(b, sizeof(b), f->end[s]));
		any = true;
	}
	if (any)
		fputs("</p>\n", out);
}

static void findings(FILE *out, const struct vd_opts *o, const struct vd_result *res,
		     const char *report)
{
	unsigned int n[3] = { 0, 0, 0 };
	struct vd_finding_text t;

	for (size_t i = 0; i < res->findings.n; i++)
		n[res->findings.v[i].severity]++;
	fprintf(out,
		"<section id=\"findings\">\n<h2>Findings (%zu: %u error%s, %u warning%s, %u "
		"informational)</h2>\n",
		res->findings.n, n[2], n[2] == 1 ? "" : "s", n[1], n[1] == 1 ? "" : "s", n[0]);
	fputs("<pre class=\"incidents\">", out);
	if (!paragraph(out, report, "Incidents", false))
		fputs("No incidents.", out);
	fputs("</pre>\n<ol class=\"findings\">\n", out);
	for (size_t i = 0; i < res->findings.n; i++) {
		const struct vd_finding *f = &res->findings.v[i];
		const char *sev = vd_severity_name(f->severity);

		vd_render_finding(o, res, f, &t);
		fprintf(out, "<li class=\"finding sev-%s\" id=\"f%zu\">\n<p class=\"fh\">%zu. ",
			sev, i + 1, i + 1);
		fprintf(out,
			"<span class=\"sev\">[%s]</span> <span class=\"kind\">%s</span>: ", sev,
			vd_finding_kind_name(f->kind));
		vd_html_esc(out, t.summary);
		if (f->incident)
			fprintf(out, " [incident %u]", f->incident);
		fputs("</p>\n", out);
		when(out, o, f);
		if (t.nevidence) {
			fputs("<ul>\n", out);
			for (unsigned int k = 0; k < t.nevidence; k++) {
				fputs("<li><span class=\"lbl\">evidence:</span> ", out);
				vd_html_esc(out, t.evidence[k]);
				fputs("</li>\n", out);
			}
			fputs("</ul>\n", out);
		}
		if (t.cause[0]) {
			fputs("<p><span class=\"lbl\">cause:</span> ", out);
			vd_html_esc(out, t.cause);
			fputs("</p>\n", out);
		}
		if (t.next_step[0]) {
			fputs("<p><span class=\"lbl\">next step:</span> ", out);
			vd_html_esc(out, t.next_step);
			fputs("</p>\n", out);
		}
		fputs("</li>\n", out);
	}
	if (!res->findings.n)
		fputs("<li>None.</li>\n", out);
	fputs("</ol>\n</section>\n", out);
}

static void dir_cells(FILE *out, const struct vd_conn_dir *d)
{
	char b[32];
	uint64_t bad = d->lost + d->missing;

	fprintf(out, "<td>%" PRIu64 "</td><td>%s</td><td>%" PRIu64 "</td><td%s>%" PRIu64 "</td>",
		d->sent_pkts + d->control_sent, vd_fmt_bytes(b, sizeof(b), d->sent_bytes),
		d->delivered, bad ? " class=\"bad\"" : "", bad);
}

/* the adb streams of connection c under its row: service, state, bytes each way */
static void adb_row(FILE *out, const struct vd_result *res, const struct vd_conn *c)
{
	static const char *const state[] = { "opening", "open", "closing", "closed", "refused" };
	const struct vd_adb_conn *a = NULL;
	char b[2][32];

	for (size_t i = 0; i < res->adb.n && !a; i++)
		if (res->adb.v[i].conn == c->id)
			a = &res->adb.v[i];
	if (!a)
		return;
	fprintf(out,
		"<tr class=\"adb\"><td></td><td class=\"l\" colspan=\"12\">adb: %" PRIu64
		" stream%s",
		a->streams_total, a->streams_total == 1 ? "" : "s");
	for (unsigned int k = 0; k < a->nstreams; k++) {
		const struct vd_adb_stream *st = &a->streams[k];
		uint64_t by[2];

		for (int d = 0; d < 2; d++)
			by[d] = st->f[d][VD_ADB_WRITER].bytes ? st->f[d][VD_ADB_WRITER].bytes
							      : st->f[d][VD_ADB_READER].bytes;
		fputs(k ? "; " : ": ", out);
		fputs("<span class=\"mono\">", out);
		vd_html_esc(out, st->service[0] ? st->service : "(service unknown)");
		fprintf(out,
			"%s</span> %s, A\xe2\x86\x92"
			"B %s, B\xe2\x86\x92"
			"A %s",
			st->service_cut ? "\xe2\x80\xa6" : "",
			st->state < 5 ? state[st->state] : "?",
			vd_fmt_bytes(b[0], sizeof(b[0]), by[0]),
			vd_fmt_bytes(b[1], sizeof(b[1]), by[1]));
	}
	fputs("</td></tr>\n", out);
}

static void connections(FILE *out, const struct vd_opts *o, const struct vd_result *res)
{
	size_t shown = 0, crossing = 0;

	for (size_t i = 0; i < res->nconns; i++)
		crossing += !res->conns[i].loopback;
	fprintf(out, "<section id=\"connections\">\n<h2>Connections (%zu)</h2>\n", crossing);
	if (!crossing) {
		fputs("<p class=\"note\">No connection crossed between the partitions.</p>\n"
		      "</section>\n",
		      out);
		return;
	}
	fputs("<table>\n<thead><tr><th rowspan=\"2\">id</th><th class=\"l\" rowspan=\"2\">A end "
	      "(cid:port)</th><th class=\"l\" rowspan=\"2\">B end (cid:port)</th><th class=\"l\" "
	      "rowspan=\"2\">opened by</th><th class=\"l\" rowspan=\"2\">end</th>",
	      out);
	fputs(
	    "<th colspan=\"4\">A \xe2\x86\x92 B</th><th colspan=\"4\">B \xe2\x86\x92 A</th></tr>\n"
	    "<tr><th>packets</th><th>RW bytes</th><th>delivered</th><th>lost</th><th>packets</th>"
	    "<th>RW bytes</th><th>delivered</th><th>lost</th></tr></thead>\n<tbody>\n",
	    out);
	for (size_t i = 0; i < res->nconns && shown < MAX_CONN_ROWS; i++) {
		const struct vd_conn *c = &res->conns[i];

		if (c->loopback)
			continue; /* never crosses, as in correlate's report */
		shown++;
		fprintf(out, "<tr><td>%u</td><td class=\"l mono\">%u:%u%s</td>", c->id,
			c->tuple.a_cid, c->tuple.a_port,
			c->adb && c->tuple.a_port == o->adb_port ? " adb" : "");
		fprintf(out, "<td class=\"l mono\">%u:%u%s</td><td class=\"l\">", c->tuple.b_cid,
			c->tuple.b_port, c->adb && c->tuple.b_port == o->adb_port ? " adb" : "");
		vd_html_esc(out, c->initiator < 0 ? "(before)" : o->name[c->initiator]);
		fprintf(out, "</td><td class=\"l\">%s</td>", vd_conn_end_name(c->end));
		dir_cells(out, &c->d[0]);
		dir_cells(out, &c->d[1]);
		fputs("</tr>\n", out);
		adb_row(out, res, c);
	}
	fputs("</tbody>\n</table>\n", out);
	if (shown < crossing)
		fprintf(out,
			"<p class=\"note\">%zu more connections not listed (the table stops at "
			"%d rows; correlate --json lists them all).</p>\n",
			crossing - shown, MAX_CONN_ROWS);
	fputs("<p class=\"note\">packets: RW and control packets sent; lost: lost on the way or "
	      "missing at the end; end: how the connection ended (doc/json-schema.md).</p>\n"
	      "</section>\n",
	      out);
}

int vd_html_page(struct vd_html *h, const struct vd_opts *o, const struct vd_result *res)
{
	char *report = text_report(o, res);
	FILE *out = h->out;

	if (!report)
		return -(errno ? errno : ENOMEM);
	head(out, o, res);
	top(out, o, res, report);
	vd_html_timeline(h);
	vd_html_credit_plots(h);
	findings(out, o, res, report);
	connections(out, o, res);
	fputs("<section id=\"report\">\n<h2>correlate's report</h2>\n<details open>\n<summary>"
	      "as <code>vsockdiag correlate -v</code> prints it</summary>\n<pre>",
	      out);
	vd_html_esc(out, report);
	free(report);
	fputs("</pre>\n</details>\n</section>\n<footer>Written by <code>vsockdiag export -f "
	      "html</code>: a self-contained page (no network, no external file).</footer>\n"
	      "</main>\n<script>",
	      out);
	fputs(vd_html_script, out);
	fputs("</script>\n</body>\n</html>\n", out);
	return ferror(out) ? -EIO : 0;
}
