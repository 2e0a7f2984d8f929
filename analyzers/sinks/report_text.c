// SPDX-License-Identifier: GPL-2.0
/* correlate's report for people: the verdict first, then findings, then the detail. */
#include <inttypes.h>
#include <stdio.h>

#include "common/util.h"
#include "analyzers/sinks/render.h"
#include "analyzers/sinks/sinks.h"

static const char *end_word(enum vd_conn_end e)
{
	switch (e) {
	case VD_END_SHUTDOWN:
		return "closed";
	case VD_END_RESET:
		return "reset";
	case VD_END_REFUSED:
		return "REFUSED";
	case VD_END_UNANSWERED:
		return "UNANSWERED";
	case VD_END_CONNECTING:
		return "connecting";
	default:
		return "open";
	}
}

static void headline(FILE *out, const struct vd_result *r)
{
	unsigned int n[3] = { 0, 0, 0 };

	for (size_t i = 0; i < r->findings.n; i++)
		n[r->findings.v[i].severity]++;
	switch (r->verdict) {
	case VD_VERDICT_HEALTHY:
		fprintf(out, "verdict: HEALTHY: every packet sent in the common window arrived, "
			     "none late\n");
		break;
	case VD_VERDICT_PROBLEMS:
		fprintf(out, "verdict: PROBLEMS FOUND: %u error%s, %u warning%s\n", n[2],
			n[2] == 1 ? "" : "s", n[1], n[1] == 1 ? "" : "s");
		break;
	default:
		fprintf(out,
			"verdict: INCONCLUSIVE: %u warning%s; the recordings cannot prove the "
			"link healthy\n",
			n[1], n[1] == 1 ? "" : "s");
	}
}

static void inputs(FILE *out, const struct vd_opts *o, const struct vd_result *r)
{
	for (int s = 0; s < 2; s++) {
		const struct vd_source_stats *st = &r->side[s].stats;
		char a[32], b[32];

		if (!o->path[s])
			continue;

		fprintf(out, "  %c = %s (%s): %" PRIu64 " events, %s .. %s (%.3f s)%s\n", 'A' + s,
			o->name[s], o->path[s], st->events,
			vd_fmt_sec(a, sizeof(a), (int64_t)st->first_ts),
			vd_fmt_sec(b, sizeof(b), (int64_t)st->last_ts),
			(double)(st->last_ts - st->first_ts) / 1e9,
			st->malformed ? ", some lines malformed (see warnings)" : "");
	}
}

static void clock_line(FILE *out, const struct vd_opts *o, const struct vd_result *r)
{
	const struct vd_clock *c = &r->clock;
	char off[32], unc[32];

	if (!vd_clock_aligned(c)) {
		fprintf(out, "  clock: NOT ALIGNED: %s\n", r->clock_note);
		return;
	}
	vd_fmt_sec(off, sizeof(off), c->offset_ns);
	if (c->bound == VD_BOUND_UPPER_ONLY)
		fprintf(out, "  clock: %s = %s + at most %s s (only %s->%s packets paired)",
			o->name[1], o->name[0], off, o->name[0], o->name[1]);
	else if (c->bound == VD_BOUND_LOWER_ONLY)
		fprintf(out, "  clock: %s = %s + at least %s s (only %s->%s packets paired)",
			o->name[1], o->name[0], off, o->name[1], o->name[0]);
	else if (c->uncertainty_ns >= 0)
		fprintf(out, "  clock: %s = %s + %s s +/- %s s", o->name[1], o->name[0], off,
			vd_fmt_sec(unc, sizeof(unc), c->uncertainty_ns));
	else
		fprintf(out, "  clock: %s = %s + %s s (given)", o->name[1], o->name[0], off);
	if (c->drift_fitted)
		fprintf(out, ", drift %+.2f ppm", c->drift * 1e6);
	fprintf(out, "; %s\n", r->clock_note);
}

static void when(FILE *out, const struct vd_opts *o, const struct vd_finding *f)
{
	char a[32], b[32];
	bool any = false;

	for (int s = 0; s < 2; s++) {
		if (f->start[s] == VD_NO_TIME)
			continue;
		fprintf(out, "%s%s %s", any ? " | " : "       when: ", o->name[s],
			vd_fmt_sec(a, sizeof(a), f->start[s]));
		if (f->end[s] != VD_NO_TIME && f->end[s] != f->start[s])
			fprintf(out, " .. %s", vd_fmt_sec(b, sizeof(b), f->end[s]));
		any = true;
	}
	if (any)
		fputc('\n', out);
}

/* what else an incident holds, by kind: "2 credit_starvation, 1 delivery_stall" */
static void related(FILE *out, const struct vd_result *r, const struct vd_incident *inc)
{
	unsigned int per_kind[VD_FK_MAX] = { 0 };
	bool first = true;

	for (size_t i = 0; i < r->findings.n; i++)
		if (r->findings.v[i].incident == inc->id && i != inc->lead)
			per_kind[r->findings.v[i].kind]++;
	for (int k = 0; k < VD_FK_MAX; k++) {
		if (!per_kind[k])
			continue;
		fprintf(out, "%s%u %s", first ? " (with " : ", ", per_kind[k],
			vd_finding_kind_name((enum vd_finding_kind)k));
		first = false;
	}
	if (!first)
		fputc(')', out);
}

static void incidents(FILE *out, const struct vd_opts *o, const struct vd_result *r)
{
	char sum[VD_FINDING_TEXT];

	if (!r->nincidents)
		return;
	fprintf(out, "\nIncidents, most important first (each led by its likely cause):\n");
	for (size_t i = 0; i < r->nincidents; i++) {
		const struct vd_incident *inc = &r->incidents[i];

		vd_render_summary(o, r, &r->findings.v[inc->lead], sum, sizeof(sum));
		fprintf(out, "%3u. [%s] %s", inc->id,
			vd_severity_name((enum vd_severity)inc->severity), sum);
		related(out, r, inc);
		fputc('\n', out);
	}
}

void vd_report_text_findings(FILE *out, const struct vd_opts *o, const struct vd_result *r,
			     bool verbose)
{
	size_t shown = 0, info = 0;
	struct vd_finding_text t;

	for (size_t i = 0; i < r->findings.n; i++) {
		const struct vd_finding *f = &r->findings.v[i];

		if (f->severity == VD_SEV_INFO && !verbose) {
			info++;
			continue;
		}
		if (!shown++)
			fprintf(out, "\nFindings, most important first:\n");
		vd_render_finding(o, r, f, &t);
		fprintf(out, "%3zu. [%s] %s: %s", shown, vd_severity_name(f->severity),
			vd_finding_kind_name(f->kind), t.summary);
		if (f->incident)
			fprintf(out, " [incident %u]", f->incident);
		fputc('\n', out);
		when(out, o, f);
		for (unsigned int k = 0; k < t.nevidence; k++)
			fprintf(out, "   evidence: %s\n", t.evidence[k]);
		if (t.cause[0])
			fprintf(out, "      cause: %s\n", t.cause);
		if (t.next_step[0])
			fprintf(out, "  next step: %s\n", t.next_step);
	}
	if (info)
		fprintf(out,
			"\n%zu informational note%s (blind spots, packets outside the common "
			"window): add -v to see them\n",
			info, info == 1 ? "" : "s");
}

static void connections(FILE *out, const struct vd_opts *o, const struct vd_result *r)
{
	if (!r->nconns)
		return;
	fprintf(out, "\nConnections (%zu):\n", r->nconns);
	fprintf(out, "  %4s  %-24s %-24s %-9s %-10s %18s %18s\n", "id", "A end (cid:port)",
		"B end (cid:port)", "opened by", "state", "A->B sent/lost", "B->A sent/lost");
	for (size_t i = 0; i < r->nconns; i++) {
		const struct vd_conn *c = &r->conns[i];
		char ae[32], be[32], ab[32], ba[32];

		if (c->loopback)
			continue; /* never crosses: vsockdiag report lists them */
		snprintf(ae, sizeof(ae), "%u:%u%s", c->tuple.a_cid, c->tuple.a_port,
			 c->adb && c->tuple.a_port == o->adb_port ? " adb" : "");
		snprintf(be, sizeof(be), "%u:%u%s", c->tuple.b_cid, c->tuple.b_port,
			 c->adb && c->tuple.b_port == o->adb_port ? " adb" : "");
		snprintf(ab, sizeof(ab), "%" PRIu64 "/%" PRIu64,
			 c->d[0].sent_pkts + c->d[0].control_sent, c->d[0].lost + c->d[0].missing);
		snprintf(ba, sizeof(ba), "%" PRIu64 "/%" PRIu64,
			 c->d[1].sent_pkts + c->d[1].control_sent, c->d[1].lost + c->d[1].missing);
		fprintf(out, "  %4u  %-24s %-24s %-9s %-10s %18s %18s\n", c->id, ae, be,
			c->initiator < 0 ? "(before)" : o->name[c->initiator], end_word(c->end), ab,
			ba);
		vd_report_text_adb(out, o, r, c->id, "        ");
	}
}

void vd_report_text(FILE *out, const struct vd_opts *o, const struct vd_result *r, bool verbose)
{
	headline(out, r);
	inputs(out, o, r);
	vd_report_text_bpf(out, o, r);
	clock_line(out, o, r);
	incidents(out, o, r);
	vd_report_text_findings(out, o, r, verbose);
	connections(out, o, r);
}
