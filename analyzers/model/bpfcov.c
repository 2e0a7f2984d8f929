// SPDX-License-Identifier: GPL-2.0
/*
 * BPF coverage (bpfcov.h).  A hook is named by the kind of line it writes
 * ("rxfill", or "rxfill.fentry" for a variant): hook names are compared
 * without '_' and case up to the first '.', so "rx_fill" answers the RX ring
 * question too.
 */
#include <ctype.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/model/bpfcov.h"

/* clang-format off */
static const struct {
	const char *key, *words;
	uint8_t kinds[2]; /* the line kinds (and hook names) that answer it */
	bool guest, host; /* whose question it is */
} questions[VD_BQ_MAX] = {
	[VD_BQ_RX_RING] = { "rx_ring", "RX ring state", { VD_BPF_RXFILL, VD_BPF_RXLEVEL }, true, false },
	[VD_BQ_KICKS] = { "kicks", "kicks", { VD_BPF_KICK, VD_BPF_KICK }, true, true },
	[VD_BQ_VHOST_WAIT] = { "vhost_wait", "vhost waiting for guest buffers",
			       { VD_BPF_VHOSTWAIT, VD_BPF_VHOSTSAMPLE }, false, true },
	[VD_BQ_VQ_IRQ] = { "vq_irq", "virtqueue interrupts", { VD_BPF_VQIRQ, VD_BPF_VQIRQ }, true, false },
	[VD_BQ_ALLOC_STACK] = { "alloc_stacks", "allocation failure stacks",
				{ VD_BPF_ALLOCFAIL, VD_BPF_STACK }, true, true },
	[VD_BQ_CREDIT] = { "credit", "socket credit", { VD_BPF_CREDIT, VD_BPF_CREDIT }, true, true },
};
/* clang-format on */

const char *vd_bpf_question_key(enum vd_bpf_question q)
{
	return q < VD_BQ_MAX ? questions[q].key : "unknown";
}

const char *vd_bpf_question_words(enum vd_bpf_question q)
{
	return q < VD_BQ_MAX ? questions[q].words : "unknown";
}

static const struct {
	const char *hook;
	int kind;
} aliases[] = {
	{ "kickskip", VD_BPF_KICK },	      { "vhostkick", VD_BPF_KICK },
	{ "pktallocfail", VD_BPF_ALLOCFAIL }, { "pageallocfail", VD_BPF_ALLOCFAIL },
	{ "kmallocfail", VD_BPF_ALLOCFAIL },  { "ringsample", VD_BPF_RXLEVEL },
};

/* hook name -> the line kind it writes, comparing without '_' and case, up to '.' */
static int hook_kind(const char *hook)
{
	char norm[VD_BPF_HOOK_LEN];
	size_t n = 0;

	for (const char *p = hook; *p && *p != '.' && n + 1 < sizeof(norm); p++)
		if (*p != '_')
			norm[n++] = (char)tolower((unsigned char)*p);
	norm[n] = '\0';
	/* the recorder's hook names (collectors/bpf_hooks.c) that differ from their line kind */
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (!strcmp(norm, aliases[i].hook))
			return aliases[i].kind;
	for (int k = VD_BPF_NONE + 1; k < VD_BPF_KIND_MAX; k++)
		if (!strcmp(norm, vd_bpf_kind_name((unsigned int)k)))
			return k;
	return VD_BPF_NONE;
}

void vd_bpf_cov_add(struct vd_bpf_cov *c, const struct vd_event *ev)
{
	const struct vd_bpf *b = &ev->bpf;

	if (ev->kind != VD_EV_BPF || b->kind >= VD_BPF_KIND_MAX)
		return;
	c->lines++;
	c->per_kind[b->kind]++;
	if (b->kind == VD_BPF_LOST)
		c->lost += b->lost;
	if (b->kind != VD_BPF_TIER)
		return;
	for (unsigned int i = 0; i < c->nhooks; i++)
		if (!strcmp(c->hook[i].hook, b->tier.hook))
			return; /* written once per hook; a repeat says nothing new */
	if (c->nhooks == VD_BPF_MAX_HOOKS) {
		c->hooks_more = true;
		return;
	}
	memcpy(c->hook[c->nhooks].hook, b->tier.hook, sizeof(c->hook[0].hook));
	memcpy(c->hook[c->nhooks].why, b->tier.why, sizeof(c->hook[0].why));
	c->hook[c->nhooks++].tier = b->tier.tier;
}

void vd_bpf_question(const struct vd_bpf_cov *c, enum vd_bpf_question q, struct vd_bq_answer *a)
{
	const struct vd_bpf_hook *off = NULL;

	a->status = VD_BQ_NO_HOOK;
	a->hook = NULL;
	for (unsigned int i = 0; i < c->nhooks; i++) {
		int k = hook_kind(c->hook[i].hook);

		if (k == VD_BPF_NONE || (k != questions[q].kinds[0] && k != questions[q].kinds[1]))
			continue;
		if (c->hook[i].tier != VD_TIER_OFF) {
			a->status = VD_BQ_RECORDED;
			a->hook = &c->hook[i];
			return;
		}
		if (!off)
			off = &c->hook[i];
	}
	/* lines without a tier line (a recorder that wrote none) still answer it */
	if (c->per_kind[questions[q].kinds[0]] || c->per_kind[questions[q].kinds[1]]) {
		a->status = VD_BQ_RECORDED;
		return;
	}
	if (off) {
		a->status = VD_BQ_OFF;
		a->hook = off;
	}
}

/* a partition is a guest when a guest-side hook ran or said why not; a host likewise */
static bool has(const struct vd_bpf_cov *c, enum vd_bpf_question q)
{
	struct vd_bq_answer a;

	vd_bpf_question(c, q, &a);
	return a.status != VD_BQ_NO_HOOK;
}

bool vd_bpf_question_applies(const struct vd_bpf_cov *c, enum vd_bpf_question q)
{
	bool guest = has(c, VD_BQ_RX_RING) || has(c, VD_BQ_VQ_IRQ);
	bool host = has(c, VD_BQ_VHOST_WAIT);

	if (guest == host) /* both (a nested lab), or neither known: every question */
		return true;
	return guest ? questions[q].guest : questions[q].host;
}
