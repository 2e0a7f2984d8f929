// SPDX-License-Identifier: GPL-2.0
/*
 * What each recording's BPF evidence covers, in both reports, text and JSON
 * (doc/json-schema.md "bpf"): the hooks and their tiers, and the questions
 * it cannot answer with the recorder's reason.  A recording without any BPF
 * line says so once.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "analyzers/sinks/sinks.h"

static bool has_bpf(const struct vd_side_info *si)
{
	return si->bpf.lines || si->stats.bpf_malformed;
}

/* the recorder joins words with '_': people read spaces */
static void words(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == '_' ? ' ' : *s, out);
}

static void hooks_text(FILE *out, const struct vd_bpf_cov *c)
{
	unsigned int shown = 0;

	for (unsigned int i = 0; i < c->nhooks; i++) {
		if (c->hook[i].tier == VD_TIER_OFF)
			continue;
		fprintf(out, "%s%s %s", shown++ ? ", " : "", c->hook[i].hook,
			vd_bpf_tier_name(c->hook[i].tier));
	}
	if (!shown)
		fprintf(out, "no hook attached");
	if (c->hooks_more)
		fprintf(out, " and more");
}

static void unanswered_text(FILE *out, const struct vd_bpf_cov *c)
{
	unsigned int shown = 0;

	for (int q = 0; q < VD_BQ_MAX; q++) {
		struct vd_bq_answer a;

		vd_bpf_question(c, (enum vd_bpf_question)q, &a);
		if (a.status == VD_BQ_RECORDED ||
		    !vd_bpf_question_applies(c, (enum vd_bpf_question)q))
			continue;
		fprintf(out, "%s%s: not recorded (", shown++ ? "; " : "; cannot answer: ",
			vd_bpf_question_words((enum vd_bpf_question)q));
		if (a.status == VD_BQ_OFF) {
			fprintf(out, "%s hook off", a.hook->hook);
			if (a.hook->why[0]) {
				fprintf(out, ": ");
				words(out, a.hook->why);
			}
		} else {
			fprintf(out, "no hook");
		}
		fputc(')', out);
	}
}

static void side_text(FILE *out, const struct vd_side_info *si)
{
	const struct vd_bpf_cov *c = &si->bpf;

	fprintf(out, "%" PRIu64 " line%s: ", c->lines, c->lines == 1 ? "" : "s");
	hooks_text(out, c);
	unanswered_text(out, c);
	if (c->lost)
		fprintf(out, "; %" PRIu64 " BPF event%s lost", c->lost, c->lost == 1 ? "" : "s");
	if (si->stats.bpf_malformed)
		fprintf(out, "; %" PRIu64 " malformed line%s", si->stats.bpf_malformed,
			si->stats.bpf_malformed == 1 ? "" : "s");
	fputc('\n', out);
}

#define NONE_WORDS                                                                                 \
	"RX rings, kicks, vhost waits, allocation stacks and socket credit unknown (vsockdiag "    \
	"record adds them)"

void vd_report_text_bpf(FILE *out, const struct vd_opts *o, const struct vd_result *r)
{
	bool any = false;

	for (int s = 0; s < 2; s++)
		any |= o->path[s] && has_bpf(&r->side[s]);
	if (!any) {
		fprintf(out, "  bpf: none in %s: " NONE_WORDS "\n",
			o->path[1] ? "either recording" : "the recording");
		return;
	}
	for (int s = 0; s < 2; s++) {
		if (!o->path[s])
			continue;
		fprintf(out, "  %c bpf: ", 'A' + s);
		if (has_bpf(&r->side[s]))
			side_text(out, &r->side[s]);
		else
			fprintf(out, "none: " NONE_WORDS "\n");
	}
}

void vd_report_one_text_bpf(FILE *out, const struct vd_side_info *si)
{
	fprintf(out, "  bpf        ");
	if (has_bpf(si))
		side_text(out, si);
	else
		fprintf(out, "none: " NONE_WORDS "\n");
}

void vd_report_json_bpf(struct vd_json *j, const struct vd_side_info *si)
{
	const struct vd_bpf_cov *c = &si->bpf;

	vd_json_obj_begin(j, "bpf");
	vd_json_bool(j, "present", has_bpf(si));
	vd_json_uint(j, "lines", c->lines);
	vd_json_uint(j, "malformed_lines", si->stats.bpf_malformed);
	vd_json_uint(j, "lost_events", c->lost);
	vd_json_arr_begin(j, "hooks");
	for (unsigned int i = 0; i < c->nhooks; i++) {
		vd_json_obj_begin(j, NULL);
		vd_json_str(j, "hook", c->hook[i].hook);
		vd_json_str(j, "tier", vd_bpf_tier_name(c->hook[i].tier));
		vd_json_str(j, "why", c->hook[i].why[0] ? c->hook[i].why : NULL);
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
	vd_json_arr_begin(j, "unanswered");
	for (int q = 0; has_bpf(si) && q < VD_BQ_MAX; q++) {
		struct vd_bq_answer a;

		vd_bpf_question(c, (enum vd_bpf_question)q, &a);
		if (a.status == VD_BQ_RECORDED ||
		    !vd_bpf_question_applies(c, (enum vd_bpf_question)q))
			continue;
		vd_json_obj_begin(j, NULL);
		vd_json_str(j, "question", vd_bpf_question_key((enum vd_bpf_question)q));
		vd_json_str(j, "hook", a.hook ? a.hook->hook : NULL);
		vd_json_str(j, "why",
			    a.status == VD_BQ_OFF ? (a.hook->why[0] ? a.hook->why : "off")
						  : "no_hook");
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
	vd_json_obj_end(j);
}
