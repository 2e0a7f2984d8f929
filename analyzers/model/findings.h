/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Findings: what broke, when (in both partitions' clocks), the evidence,
 * the likely cause and what to do next.  Kinds are a stable, documented list
 * (doc/json-schema.md): scripts match on them.
 */
#ifndef VD_FINDINGS_H
#define VD_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vd_finding_kind {
	VD_FK_UNDELIVERED = 0,	   /* sent, never received, inside the common window */
	VD_FK_DELIVERY_STALL,	   /* received, but late: one per stall window */
	VD_FK_CONNECTION_REFUSED,  /* REQUEST answered by RST */
	VD_FK_REQUEST_UNANSWERED,  /* REQUEST never answered */
	VD_FK_PARTIAL_DELIVERY,	   /* part of a split packet arrived, the rest never did */
	VD_FK_UNVERIFIED_DELIVERY, /* sent; the other recording cannot prove either way */
	VD_FK_CLOCK_UNALIGNED,	   /* blind spot: nothing links the two clocks */
	VD_FK_LOST_EVENTS,	   /* blind spot: a ring buffer dropped events */
	VD_FK_OUTSIDE_WINDOW,	   /* blind spot: packets only one recording covers */
	VD_FK_ORPHAN_RECEIVES,	   /* received, but the sender's recording has no such send */
	VD_FK_BUFFER_OVERWRITTEN,  /* blind spot: the start of a recording was overwritten */
	VD_FK_CREDIT_STARVATION,   /* a sender at zero credit for longer than the threshold */
	VD_FK_ALLOC_FAILURE,	   /* high-order allocations (order >= 3) failed */
	VD_FK_SINGLE_PARTITION,	   /* blind spot: only one recording was given */
	VD_FK_HALF_CLOSED,	   /* SHUTDOWN never followed by the RST that releases the socket */
	VD_FK_ADB_HANDSHAKE,	   /* an adb connection closed before its CNXN/AUTH exchange ended */
	VD_FK_MAX,
};

enum vd_severity { VD_SEV_INFO = 0, VD_SEV_WARNING, VD_SEV_ERROR };

#define VD_NO_TIME INT64_MIN
#define VD_FINDING_MAX_PACKETS 256
#define VD_FINDING_MAX_EVIDENCE 8
#define VD_FINDING_TEXT 320

struct vd_finding_pkt {
	uint64_t sent_ns; /* sender's clock */
	uint32_t len;
	uint16_t op;
};

struct vd_finding {
	enum vd_finding_kind kind;
	enum vd_severity severity;
	int dir;	 /* enum vd_dir, or -1 */
	int64_t conn;	 /* connection id, or -1 */
	int side;	 /* the partition it is about (blind spots), or -1 */
	int64_t start[2]; /* [side] clock; VD_NO_TIME when unknown */
	int64_t end[2];
	int64_t duration_ns;	  /* -1 when not applicable */
	int64_t worst_latency_ns; /* stalls; -1 otherwise */
	uint64_t count;		  /* packets (or events) concerned */
	uint64_t bytes;
	struct vd_finding_pkt *packets; /* up to VD_FINDING_MAX_PACKETS */
	size_t npackets;
	char summary[VD_FINDING_TEXT];
	char evidence[VD_FINDING_MAX_EVIDENCE][VD_FINDING_TEXT];
	unsigned int nevidence;
	char cause[VD_FINDING_TEXT];
	char next_step[VD_FINDING_TEXT];
	uint32_t incident; /* 1-based incident it belongs to; 0: none (informational) */
};

/* Related findings close in time: one problem, told once (incidents.c). */
struct vd_incident {
	uint32_t id;	  /* 1 = the one to read first */
	size_t lead;	  /* index of the finding most likely to be the cause */
	int severity;	  /* enum vd_severity, the worst of its findings */
	size_t nfindings;
	size_t nerrors;	  /* error findings in it: the larger incident ranks first */
	int64_t start;	  /* A's clock (B's when A has no time for it) */
};

struct vd_findings {
	struct vd_finding *v;
	size_t n, cap;
};

const char *vd_finding_kind_name(enum vd_finding_kind k);
const char *vd_severity_name(enum vd_severity s);

/* a zeroed finding appended to the list, times unknown */
struct vd_finding *vd_finding_new(struct vd_findings *fs, enum vd_finding_kind kind,
				  enum vd_severity sev);
void vd_finding_add_packet(struct vd_finding *f, uint64_t sent_ns, uint32_t len, uint16_t op);
void vd_finding_evidence(struct vd_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Most severe first, then by start time: the report leads with what matters. */
void vd_findings_sort(struct vd_findings *fs);
void vd_findings_free(struct vd_findings *fs);

#endif /* VD_FINDINGS_H */
