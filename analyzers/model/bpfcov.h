/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a recording's BPF evidence covers: which hooks attached through which
 * tier (its "tier" lines), how many lines of each kind it holds, and so
 * which questions of the analysis it can answer and which it cannot, with
 * the recorder's reason (doc/bpf-events.md).  Filled by the scan (pass 1),
 * shown by report and correlate, text and JSON.
 */
#ifndef VD_BPFCOV_H
#define VD_BPFCOV_H

#include <stdbool.h>
#include <stdint.h>

#include "common/vd_event.h"

#define VD_BPF_MAX_HOOKS 24

struct vd_bpf_hook {
	char hook[VD_BPF_HOOK_LEN];
	uint8_t tier; /* enum vd_bpf_tier */
	char why[VD_BPF_WHY_LEN];
};

struct vd_bpf_cov {
	uint64_t lines;				   /* VD_EV_BPF events */
	uint64_t per_kind[VD_BPF_KIND_MAX];	   /* ... by kind */
	uint64_t lost;				   /* BPF events the recorder's ring buffer lost */
	struct vd_bpf_hook hook[VD_BPF_MAX_HOOKS]; /* tier lines, first per hook */
	unsigned int nhooks;
	bool hooks_more;
};

/* the questions the analysis asks of BPF evidence */
enum vd_bpf_question {
	VD_BQ_RX_RING = 0, /* rx_ring_empty */
	VD_BQ_KICKS,	   /* missing_kick */
	VD_BQ_VHOST_WAIT,  /* vhost waiting for guest buffers */
	VD_BQ_VQ_IRQ,	   /* interrupts of the vsock virtqueues */
	VD_BQ_ALLOC_STACK, /* the stack and vsock path of allocation failures */
	VD_BQ_CREDIT,	   /* sockets' own credit counters */
	VD_BQ_MAX,
};

enum vd_bq_status {
	VD_BQ_RECORDED = 0, /* a hook for it attached, or its lines are there */
	VD_BQ_OFF,	    /* its hooks were off (the recorder said why) */
	VD_BQ_NO_HOOK,	    /* no line says anything about it */
};

struct vd_bq_answer {
	enum vd_bq_status status;
	const struct vd_bpf_hook *hook; /* the hook that answers it (or was off); NULL */
};

void vd_bpf_cov_add(struct vd_bpf_cov *c, const struct vd_event *ev);
void vd_bpf_question(const struct vd_bpf_cov *c, enum vd_bpf_question q, struct vd_bq_answer *a);
/* does the question apply to this partition (guest questions on a host, and so on)? */
bool vd_bpf_question_applies(const struct vd_bpf_cov *c, enum vd_bpf_question q);
/* "rx_ring" (JSON), "RX ring state" (text) */
const char *vd_bpf_question_key(enum vd_bpf_question q);
const char *vd_bpf_question_words(enum vd_bpf_question q);

#endif /* VD_BPFCOV_H */
