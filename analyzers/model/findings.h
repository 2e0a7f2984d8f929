/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Findings: what broke, when (in both partitions' clocks), how much, and the
 * evidence, as data.  Detectors fill them in, the settling step relates them
 * (storms, consequences, incidents), and their words are made in one place
 * (analyzers/sinks/render.c) when a sink shows them.  Kinds are a stable,
 * documented list (doc/json-schema.md): scripts match on them.
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
	VD_FK_ADB_HANDSHAKE, /* an adb connection closed before its CNXN/AUTH exchange ended */
	VD_FK_RX_RING_EMPTY, /* BPF: the guest's RX ring ran dry (or was running dry) */
	VD_FK_MISSING_KICK,  /* BPF: buffers posted or packets queued, no notification arrived */
	VD_FK_VHOST_WAIT,    /* BPF: vhost waited for guest RX buffers, nothing else explains it */
	VD_FK_ADB_WRITE_UNACKED,   /* BPF payload: an adb WRTE whose OKAY never came (or late) */
	VD_FK_ADB_CNXN_UNANSWERED, /* BPF payload: an adb CNXN the other end never answered */
	VD_FK_ADB_STREAMS_CUT,	   /* BPF payload: the connection reset under open adb streams */
	VD_FK_MAX,
};

enum vd_severity { VD_SEV_INFO = 0, VD_SEV_WARNING, VD_SEV_ERROR };

/*
 * Which reading of its kind a finding is: the detector decides from the data,
 * the renderer words it.  One list for all kinds; each kind uses its own.
 */
enum vd_variant {
	VD_VAR_NONE = 0,
	/* undelivered / unverified_delivery */
	VD_VAR_RUN_NO_IRQ,  /* nothing arrived and the receiver took no interrupt */
	VD_VAR_RUN_RX_LOST, /* the receiver lost trace events in the window */
	VD_VAR_UNALIGNED,   /* no common clock: sent, never seen arriving */
	/* delivery_stall */
	VD_VAR_STALL_RECORDER, /* a recorder started or stopped in the window */
	/* credit_starvation: what came back from the receiver while it lasted */
	VD_VAR_STARVE_NOT_READING,	   /* packets kept coming, fwd_cnt flat (aligned) */
	VD_VAR_STARVE_NOT_READING_NOCLOCK, /* the same without pairing: arrival unknown */
	VD_VAR_STARVE_LATE,		   /* nothing, then a packet with fwd_cnt moved */
	VD_VAR_STARVE_SILENT,		   /* nothing at all */
	/* request_unanswered */
	VD_VAR_REQ_DELIVERED, /* the listener got it and did not answer */
	VD_VAR_REQ_LOST,      /* the listener never got it (aligned clock) */
	VD_VAR_REQ_NOCLOCK,   /* unknown without a common clock */
	/* clock_unaligned */
	VD_VAR_CLOCK_REPEATS, /* patterns repeat: too regular to pair */
	/* allocation_failure */
	VD_VAR_ALLOC_OPPORTUNISTIC, /* only failures with a fallback */
	/* credit_starvation, from the receiver's own credit snapshots (BPF) */
	VD_VAR_STARVE_NOT_READING_SNAP, /* its fwd_cnt stayed, its unread bytes filled the buffer */
	VD_VAR_STARVE_ADVERTISED_LATE,	/* it consumed (fwd_cnt moved), the sender learnt late */
	/* rx_ring_empty */
	VD_VAR_RING_DRAINING, /* refills failing, level falling, never seen at 0 */
	/* missing_kick */
	VD_VAR_KICK_NOT_RECEIVED,    /* the guest kicked after posting, the host never got it */
	VD_VAR_KICK_SKIPPED,	     /* the guest posted and decided not to kick */
	VD_VAR_KICK_NONE,	     /* the guest posted, no kick at all (its kick hook was on) */
	VD_VAR_KICK_UNRECORDED,	     /* the guest posted; its kicks were not recorded */
	VD_VAR_KICK_HOST_AVAIL,	     /* vhost waited while its own sampler saw guest buffers */
	VD_VAR_KICK_SKIPPED_GUEST,   /* guest only: posted after running dry, skipped, nothing */
	VD_VAR_KICK_TX_NOT_RECEIVED, /* guest TX kicks the host never received */
	VD_VAR_KICK_TX_SKIPPED,	     /* guest packets queued, the TX kick skipped */
	/* adb_write_unacked: what the reader's own records say (writer's records first) */
	VD_VAR_ADB_ONE_VIEW,	 /* only the writer's recording has payload records */
	VD_VAR_ADB_NOT_RECEIVED, /* the reader's records never show the WRTE arriving */
	VD_VAR_ADB_NOT_ACKED,	 /* the reader received it and sent no OKAY */
	VD_VAR_ADB_OKAY_LOST,	 /* the reader sent the OKAY, the writer never received it */
	VD_VAR_ADB_READER_ONLY,	 /* only the reader's records: received, no OKAY sent */
	/* adb_cnxn_unanswered */
	VD_VAR_ADB_AUTH_PENDING, /* the other end answered with AUTH only, never CNXN */
};

/*
 * Why a dead link (undelivered, unverified_delivery, delivery_stall) died,
 * when BPF evidence tells (detect/explain.c); the same dead link reads
 * differently when the evidence differs.
 */
enum vd_explain {
	VD_EXPLAIN_NONE = 0,
	VD_EXPLAIN_FROZEN,	 /* the receiver recorded nothing, its sampler included */
	VD_EXPLAIN_RING_EMPTY,	 /* the receiver's RX ring was empty */
	VD_EXPLAIN_MISSING_KICK, /* buffers were there, the notification never arrived */
	VD_EXPLAIN_ALLOC,	 /* refills failed to allocate, so the ring ran dry */
};

/* What an evidence item says; its numbers are in v[] as listed. */
enum vd_evidence_kind {
	VD_EVD_NONE = 0,
	VD_EVD_RUN_SPAN,	   /* v0 first send (sender clock), v1 the same (receiver clock) */
	VD_EVD_RUN_SKIPPED,	   /* v0 when later packets of the stream arrived */
	VD_EVD_RUN_RX_CONTINUED,   /* v0 end of the receiver's recording, v1 last send (rx clock) */
	VD_EVD_RX_VHOST,	   /* the receiver is the vhost side: no interrupt line */
	VD_EVD_RX_NO_IRQ_EVENTS,   /* the receiver recorded no interrupts at all */
	VD_EVD_RX_NO_VSOCK_IRQ,	   /* ... none on the vsock line in the window */
	VD_EVD_RX_IRQS,		   /* v0 vsock interrupts in the window */
	VD_EVD_ONE_WAY,		   /* v0 last delivery the other way (rx clock), v1 run start */
	VD_EVD_RX_LOST_EVENTS,	   /* the receiver's ring buffer dropped events in the window */
	VD_EVD_STALL_SPAN,	   /* v0 start, v1 end (receiver clock), v2 worst latency */
	VD_EVD_STALL_CONNS,	   /* the finding's conns[] */
	VD_EVD_STALL_IRQS,	   /* v0 vsock interrupts during the stall */
	VD_EVD_RECORDER,	   /* side: v0 when its recorder started (v1 0) or stopped (v1 1) */
	VD_EVD_STARVE_FULL,	   /* v0 start, v1 bytes unconsumed, v2 buf_alloc, v3 fwd_cnt */
	VD_EVD_CREDIT_REQUEST,	   /* v0 when the sender asked */
	VD_EVD_PEER_KEPT_SENDING,  /* v0 packets from the receiver with fwd_cnt flat */
	VD_EVD_LATE_UPDATE,	   /* v0 when, v1 op, v2 fwd_cnt then, v3 bytes consumed */
	VD_EVD_NOTHING_BACK,	   /* nothing at all came back */
	VD_EVD_CONSEQUENCE,	   /* ref: the stall or loss; v0 1 when in the data's direction */
	VD_EVD_REQ_RECEIVED_RST,   /* side (server) received the REQUEST at v0 and answered RST */
	VD_EVD_RST_RECEIVED,	   /* side (client) received the RST at v0 */
	VD_EVD_REQ_SENT_NO_ANSWER, /* side (client) sent at v0, recording went on v1 ns */
	VD_EVD_REQ_RECEIVED_SILENT, /* side (server) got the REQUEST, sent nothing back */
	VD_EVD_REQ_NEVER_RECEIVED,  /* side (server) never got it */
	VD_EVD_STORM_SPAN,	    /* side (client): v0 first, v1 last attempt */
	VD_EVD_STORM_ADB,	    /* v0 port; side: the server */
	VD_EVD_SHUTDOWN_NO_RST,	    /* side saw the SHUTDOWN at v0, went on v1 ns */
	VD_EVD_ADB_COUNTS,	    /* v0 A->B packets, v1 B->A packets, v2 1 when SHUTDOWN */
	VD_EVD_CLOCK_NOTE,	    /* the result's clock note */
	VD_EVD_SIDE_EVENTS,	    /* side: v0 events, v1 first, v2 last timestamp */
	VD_EVD_RX_TOTALS,	    /* side (receiver): v0 receives, v1 interrupts in total */
	VD_EVD_UNALIGNED_WHEN,	    /* without a clock, unknown whether the receiver recorded */
	VD_EVD_RUN_CORRELATE,	    /* how to give the other partition's recording */
	VD_EVD_OUTSIDE_SPLIT,	    /* v0 before the receiver started, v1 near its end */
	VD_EVD_ALLOC_OPPORTUNISTIC, /* v0 more failures with a fallback */
	VD_EVD_ALLOC_KMALLOC,	    /* v0 of them kmalloc() */
	VD_EVD_ALLOC_SITE,	    /* sym: the call site, v0 failures there */
	VD_EVD_THEN,		    /* ref: a problem that began v0 ns after the first failure */
	/* BPF evidence (doc/bpf-events.md) */
	VD_EVD_RING_SINCE,   /* side: v0 since, v1 first empty (or VD_NO_TIME), v2 max, v3 level */
	VD_EVD_RING_REFILLS, /* side: v0 failed refills, v1 first, v2 last, v3 buffers added */
	VD_EVD_RING_NOTIFY,  /* side: v0 RX vq interrupts, v1 kicks sent, v2 skipped, v3 recv */
	VD_EVD_VHOST_WAIT,   /* side (host): v0 from, v1 until (or NO_TIME), v2 queued, v3 lines */
	VD_EVD_RING_UNDELIVERED, /* ref: the dead link into the guest meanwhile, v0 its packets */
	VD_EVD_KICK_POSTED, /* side (guest): v0 first refill (host clock), v1 buffers, v2 sent, v3
			       skipped */
	VD_EVD_KICK_HOST_NONE,	/* side (host): no kick received on the RX queue, v0 from, v1 to */
	VD_EVD_KICK_HOST_AVAIL, /* side (host): its sampler saw v1 guest buffers at v0 */
	VD_EVD_KICK_TX,	  /* side (guest): v0 TX kicks sent, v1 skipped; v2 received by the host */
	VD_EVD_BPF_LOST,  /* side: v0 BPF events its ring buffer lost */
	VD_EVD_EXPLAINED, /* ref: the finding that explains this one, v0 enum vd_explain */
	VD_EVD_GUEST_SILENT,  /* side: v0 ns of v1 with nothing recorded, its sampler on */
	VD_EVD_GUEST_RUNNING, /* side (guest): v0 events recorded during the host's wait, v1 posts
			       */
	VD_EVD_ALLOC_PATH,    /* side: v0 VD_STACK_* path bit (0: none), v1 failures, v2 first */
	VD_EVD_ALLOC_STACK,   /* side: sym the stack's summary, v0 failures, v1 frames */
	VD_EVD_CREDIT_SNAP,   /* side (receiver): v0 fwd_cnt, v1 rx_bytes, v2 buf_alloc, v3 when */
	VD_EVD_CREDIT_FROZEN, /* side (receiver): fwd_cnt v2 from v0 to v1, v3 snapshots */
	VD_EVD_CREDIT_CONSUMED, /* side (receiver): fwd_cnt v1 -> v2 by v0 */
	VD_EVD_CREDIT_PACKETS,	/* side (receiver): counters move per whole packet before 2025 */
	VD_EVD_CREDIT_PROCESS,	/* side: sym the comm, v0 the pid owning the socket */
	/* adb, from payload heads (analyzers/adb/) */
	VD_EVD_ADB_STREAM,    /* v0 A end's id, v1 B end's id, v2 opener end (-1), v3 1 when the
				 service is cut; sym the service */
	VD_EVD_ADB_READER,    /* side (reader): v0 WRTEs it received, v1 the writer sent, v2 1 when
				 it sent the OKAY */
	VD_EVD_ADB_ONE_VIEW,  /* side: only its recording has payload records of the connection */
	VD_EVD_ADB_FRAMING,   /* side: v0 times framing was lost, v1 resyncs, v2 1 when its
				 recording lost events */
	VD_EVD_ADB_STREAMS,   /* side (its clock): v0 adb streams open then, v1 of them waiting for
				 an OKAY; sym their services */
	VD_EVD_ADB_CNXN,      /* side (end that sent it): v0 version, v1 maxdata, v2 1 when the
				 other recording shows it arriving, 0 when not, -1 unknown; sym banner */
	VD_EVD_STARVE_CLOSED, /* side (sender): the connection closed at v0 while it had no
				 credit; v1 the op (SHUTDOWN or RST), v2 1 when it sent it */
};

#define VD_NO_TIME		INT64_MIN
#define VD_FINDING_MAX_PACKETS	256
#define VD_FINDING_MAX_EVIDENCE 8
#define VD_FINDING_MAX_CONNS	8
#define VD_FINDING_TEXT		320 /* one rendered line (sinks/render.h) */

struct vd_evidence {
	enum vd_evidence_kind kind;
	int side;     /* the partition it is about, or -1 */
	uint32_t ref; /* another finding's id (VD_EVD_CONSEQUENCE, VD_EVD_THEN) */
	int64_t v[4];
	char sym[72]; /* VD_EVD_ALLOC_SITE, VD_EVD_ALLOC_STACK, VD_EVD_CREDIT_PROCESS */
};

struct vd_finding_pkt {
	uint64_t sent_ns; /* sender's clock */
	uint32_t len;
	uint16_t op;
};

struct vd_finding {
	uint32_t id; /* 1-based, in creation order; stable across sorting */
	enum vd_finding_kind kind;
	enum vd_severity severity;
	enum vd_variant variant;
	int dir;	  /* enum vd_dir, or -1 */
	int64_t conn;	  /* connection id, or -1 */
	int side;	  /* the partition it is about (blind spots), or -1 */
	int client;	  /* connection findings: the side that asked, or -1 */
	int64_t start[2]; /* [side] clock; VD_NO_TIME when unknown */
	int64_t end[2];
	int64_t duration_ns;	  /* -1 when not applicable */
	int64_t worst_latency_ns; /* stalls; -1 otherwise */
	uint64_t count;		  /* packets (or events) concerned */
	uint64_t bytes;
	int64_t v[4];			      /* kind-specific numbers (see the producers) */
	bool ended;			      /* a window closed before the recording did */
	bool closed;			      /* ... because the connection closed (starvation) */
	uint32_t port;			      /* the port the words name (service, reader) */
	uint32_t conns[VD_FINDING_MAX_CONNS]; /* stalls: connections affected */
	unsigned int nconns;
	bool conns_more;
	struct vd_finding_pkt *packets; /* up to VD_FINDING_MAX_PACKETS */
	size_t npackets;
	struct vd_evidence evidence[VD_FINDING_MAX_EVIDENCE];
	unsigned int nevidence;
	uint32_t consequence_of; /* settle: the stall/loss finding this follows from, or 0 */
	uint32_t storm;		 /* settle: connection attempts merged into this one, or 0 */
	uint32_t incident;	 /* 1-based incident it belongs to; 0: none (informational) */
	enum vd_explain explain; /* dead links: why, when BPF evidence tells */
	uint32_t explain_ref;	 /* the finding that tells it (rx_ring_empty, ...), or 0 */
};

/* Related findings close in time: one problem, told once (settle/incidents.c). */
struct vd_incident {
	uint32_t id;  /* 1 = the one to read first */
	size_t lead;  /* index of the finding most likely to be the cause */
	int severity; /* enum vd_severity, the worst of its findings */
	size_t nfindings;
	size_t nerrors; /* error findings in it: the larger incident ranks first */
	int64_t start;	/* A's clock (B's when A has no time for it) */
};

struct vd_findings {
	struct vd_finding *v;
	size_t n, cap;
	uint32_t next_id;
};

const char *vd_finding_kind_name(enum vd_finding_kind k);
const char *vd_severity_name(enum vd_severity s);
/* "frozen_guest", "rx_ring_empty", "missing_kick", "allocation_failure"; NULL for none */
const char *vd_explain_name(enum vd_explain e);

/* a zeroed finding appended to the list, times unknown, with the next id */
struct vd_finding *vd_finding_new(struct vd_findings *fs, enum vd_finding_kind kind,
				  enum vd_severity sev);
void vd_finding_add_packet(struct vd_finding *f, uint64_t sent_ns, uint32_t len, uint16_t op);
/* a new evidence item (NULL when the finding holds VD_FINDING_MAX_EVIDENCE already) */
struct vd_evidence *vd_finding_evidence(struct vd_finding *f, enum vd_evidence_kind kind, int side);
const struct vd_finding *vd_findings_by_id(const struct vd_findings *fs, uint32_t id);
/* Most severe first, then by start time: the report leads with what matters. */
void vd_findings_sort(struct vd_findings *fs);
void vd_findings_free(struct vd_findings *fs);

#endif /* VD_FINDINGS_H */
