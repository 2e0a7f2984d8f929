// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>

#include "common/util.h"
#include "analyzers/model/findings.h"

static const char *const kind_names[VD_FK_MAX] = {
	[VD_FK_UNDELIVERED] = "undelivered",
	[VD_FK_DELIVERY_STALL] = "delivery_stall",
	[VD_FK_CONNECTION_REFUSED] = "connection_refused",
	[VD_FK_REQUEST_UNANSWERED] = "request_unanswered",
	[VD_FK_PARTIAL_DELIVERY] = "partial_delivery",
	[VD_FK_UNVERIFIED_DELIVERY] = "unverified_delivery",
	[VD_FK_CLOCK_UNALIGNED] = "clock_unaligned",
	[VD_FK_LOST_EVENTS] = "lost_events",
	[VD_FK_OUTSIDE_WINDOW] = "outside_common_window",
	[VD_FK_ORPHAN_RECEIVES] = "orphan_receives",
	[VD_FK_BUFFER_OVERWRITTEN] = "buffer_overwritten",
	[VD_FK_CREDIT_STARVATION] = "credit_starvation",
	[VD_FK_ALLOC_FAILURE] = "allocation_failure",
	[VD_FK_SINGLE_PARTITION] = "single_partition",
	[VD_FK_HALF_CLOSED] = "half_closed",
	[VD_FK_ADB_HANDSHAKE] = "adb_handshake_failed",
	[VD_FK_RX_RING_EMPTY] = "rx_ring_empty",
	[VD_FK_MISSING_KICK] = "missing_kick",
	[VD_FK_VHOST_WAIT] = "vhost_waiting",
	[VD_FK_ADB_WRITE_UNACKED] = "adb_write_unacked",
	[VD_FK_ADB_CNXN_UNANSWERED] = "adb_cnxn_unanswered",
	[VD_FK_ADB_STREAMS_CUT] = "adb_streams_cut",
};

const char *vd_explain_name(enum vd_explain e)
{
	switch (e) {
	case VD_EXPLAIN_FROZEN:
		return "frozen_guest";
	case VD_EXPLAIN_RING_EMPTY:
		return "rx_ring_empty";
	case VD_EXPLAIN_MISSING_KICK:
		return "missing_kick";
	case VD_EXPLAIN_ALLOC:
		return "allocation_failure";
	default:
		return NULL;
	}
}

const char *vd_finding_kind_name(enum vd_finding_kind k)
{
	return k < VD_FK_MAX ? kind_names[k] : "unknown";
}

const char *vd_severity_name(enum vd_severity s)
{
	switch (s) {
	case VD_SEV_ERROR:
		return "error";
	case VD_SEV_WARNING:
		return "warning";
	default:
		return "info";
	}
}

struct vd_finding *vd_finding_new(struct vd_findings *fs, enum vd_finding_kind kind,
				  enum vd_severity sev)
{
	struct vd_finding *f;

	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 16;
		fs->v = vd_xrealloc(fs->v, fs->cap, sizeof(*fs->v));
	}
	f = &fs->v[fs->n++];
	*f = (struct vd_finding){
		.id = ++fs->next_id,
		.kind = kind,
		.severity = sev,
		.dir = -1,
		.conn = -1,
		.side = -1,
		.client = -1,
		.start = { VD_NO_TIME, VD_NO_TIME },
		.end = { VD_NO_TIME, VD_NO_TIME },
		.duration_ns = -1,
		.worst_latency_ns = -1,
	};
	return f;
}

void vd_finding_add_packet(struct vd_finding *f, uint64_t sent_ns, uint32_t len, uint16_t op)
{
	if (f->npackets >= VD_FINDING_MAX_PACKETS)
		return;
	if (!f->packets)
		f->packets = vd_xcalloc(VD_FINDING_MAX_PACKETS, sizeof(*f->packets));
	f->packets[f->npackets++] = (struct vd_finding_pkt){ sent_ns, len, op };
}

struct vd_evidence *vd_finding_evidence(struct vd_finding *f, enum vd_evidence_kind kind, int side)
{
	struct vd_evidence *e;

	if (f->nevidence >= VD_FINDING_MAX_EVIDENCE)
		return NULL;
	e = &f->evidence[f->nevidence++];
	*e = (struct vd_evidence){ .kind = kind, .side = side };
	return e;
}

const struct vd_finding *vd_findings_by_id(const struct vd_findings *fs, uint32_t id)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].id == id)
			return &fs->v[i];
	return NULL;
}

static int64_t first_time(const struct vd_finding *f)
{
	if (f->start[0] != VD_NO_TIME)
		return f->start[0];
	return f->start[1];
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct vd_finding *a = pa, *b = pb;
	int c = VD_CMP(b->severity, a->severity);

	if (c)
		return c;
	c = VD_CMP(first_time(a), first_time(b));
	if (c)
		return c;
	c = VD_CMP(a->kind, b->kind);
	/* then creation order: the same input always gives the same report */
	return c ? c : VD_CMP(a->id, b->id);
}

void vd_findings_sort(struct vd_findings *fs)
{
	if (fs->n > 1)
		qsort(fs->v, fs->n, sizeof(*fs->v), cmp_finding);
}

void vd_findings_free(struct vd_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->v[i].packets);
	free(fs->v);
	fs->v = NULL;
	fs->n = fs->cap = 0;
}
