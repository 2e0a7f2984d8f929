/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model every analysis shares (correlate, report, top, exports): options,
 * connections with their per-direction counters and credit, each partition's
 * facts, and the result a session produces: findings, incidents, verdict.
 * Nothing here reads a file or prints: sources feed a session, sinks render.
 */
#ifndef VD_MODEL_H
#define VD_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzers/model/adbsum.h"
#include "analyzers/model/bpfcov.h"
#include "analyzers/model/clock.h"
#include "analyzers/model/credit.h"
#include "analyzers/model/findings.h"
#include "analyzers/model/flow.h"
#include "analyzers/sources/source.h"

#define VD_DEFAULT_STALL_NS  (500 * 1000000LL)
#define VD_DEFAULT_GRACE_NS  (2000 * 1000000LL)
#define VD_DEFAULT_STARVE_NS (1000 * 1000000LL)
#define VD_DEFAULT_ADB_PORT  5555
#define VD_MAX_IRQ_NAMES     64

struct vd_opts {
	const char *path[2];
	const char *name[2]; /* labels for the report ("host", "guest") */
	bool have_offset;    /* --offset: t_b - t_a */
	int64_t offset_ns;
	struct vd_cidmap map;	 /* --map entries (user) */
	int64_t stall_ns;	 /* latency above which a delivery is late */
	int64_t grace_ns;	 /* a send this close to the end may still arrive */
	int64_t starve_ns;	 /* zero credit longer than this is a finding */
	const char *irq_name[2]; /* --irq: the vsock interrupt line's name per side */
	uint32_t adb_port;
	bool any_events; /* a recording without vsock events is fine (report) */
};

void vd_opts_init(struct vd_opts *o);

enum vd_conn_end {
	VD_END_OPEN = 0,   /* still open when the recordings end */
	VD_END_SHUTDOWN,   /* SHUTDOWN seen (then RST: the normal close) */
	VD_END_RESET,	   /* RST without SHUTDOWN */
	VD_END_REFUSED,	   /* REQUEST answered by RST */
	VD_END_UNANSWERED, /* REQUEST, no answer */
	VD_END_CONNECTING, /* REQUEST, answer could still come */
};

struct vd_conn_dir {
	uint64_t sent_pkts, sent_bytes; /* RW as recorded by the sender */
	uint64_t recv_pkts, recv_bytes; /* RW receives (pieces) by the receiver */
	uint64_t delivered, lost, missing, unproven, not_yet, partial, orphans;
	int64_t max_latency_ns;	     /* -1: none measured */
	int64_t last_delivered_sent; /* sender clock of the latest packet that arrived */
	uint64_t control_sent;	     /* non-RW packets */
	uint64_t control_recv;	     /* non-RW packets received */
	uint64_t recv_matched;	     /* RW receives paired with a send (pieces count each) */
};

struct vd_conn {
	uint32_t id;
	struct vd_tuple tuple;
	bool seen[2];
	struct vd_endpoints ep[2]; /* each partition's own view */
	int initiator;		   /* enum vd_side, or -1 when it began before the recordings */
	int64_t t_open[2];	   /* REQUEST (sent or received), per side clock */
	int64_t t_answer[2];	   /* RESPONSE or refusing RST */
	int64_t t_close[2];	   /* first SHUTDOWN or RST */
	int64_t t_dir_end[2][2];   /* [enum vd_dir][side clock]: that direction ended, by an
				      RST or a SHUTDOWN that ends it (vd_conn_op_ends_dir) */
	int64_t t_first[2];	   /* first packet */
	int64_t t_last[2];	   /* last packet */
	int closer;		   /* enum vd_side that sent the first SHUTDOWN or RST, or -1 */
	bool request_delivered;
	bool responded;
	bool refused;
	bool shutdown;
	bool shutdown_full; /* a SHUTDOWN with both RCV and SEND: an RST must follow */
	bool rst_seen;	    /* any RST, before or after SHUTDOWN */
	bool reset;
	bool adb;
	bool loopback; /* both ends on partition A (vsock_loopback): never crosses */
	enum vd_conn_end end;
	struct vd_conn_dir d[2]; /* [enum vd_dir] */
	/* the sender's credit per direction, from the sender's own recording */
	struct vd_credit credit[2];
	uint64_t credit_unknown[2]; /* packets whose credit the recording cannot tell */
};

struct vd_irq_line {
	char name[32];
	int32_t num; /* the line's number; -1 unknown */
	uint64_t count;
	uint64_t before_recv; /* times it came just before a burst of recv_pkt */
	bool vsock;
};

/* failed high-order allocations on one partition (allocfail.c) */
struct vd_allocfail {
	uint64_t real;		/* failures without __GFP_NORETRY|__GFP_NOWARN */
	uint64_t opportunistic; /* failed attempts that had a fallback */
	uint64_t kmalloc_fail;
	int64_t first, last; /* real failures, this partition's clock */
	uint32_t max_order;
	struct {
		char sym[48];
		uint64_t count;
	} site[4];
	unsigned int nsites;
	/* BPF allocfail lines (detect/allocfail.c): the same page/kmalloc failures, with stacks */
	uint64_t bpf_real, bpf_opportunistic, bpf_pkt;
	int64_t bpf_first, bpf_last;
	uint32_t bpf_max_order;
	/* failures per vsock path they broke: [0] none, then VD_STACK_* bit order */
	struct {
		uint64_t count;
		int64_t first;
	} path[5];
	struct {
		uint32_t id;
		uint64_t count;
		uint16_t nframes;
		char summary[VD_BPF_STACK_SUMMARY];
	} stack[2];
	unsigned int nstacks;
	/* the latest failures no stack tied to a path: a failed refill right after claims them */
	struct {
		int64_t t;
	} unclaimed[16];
	unsigned int nunclaimed;
};

/* a failed allocation kept as evidence */
struct vd_alloc_example {
	uint64_t ts;
	int cpu;
	char comm[16];
	bool kmalloc;
	uint32_t order;	    /* page allocations */
	uint64_t bytes_req; /* kmalloc */
	uint32_t gfp;	    /* VD_GFP_* */
	uint64_t gfp_raw;
	char call_sym[48];
};

#define VD_ALLOC_EXAMPLES 8

/* what a recording says about itself (trace.dat metadata; text dumps have little) */
struct vd_recording_info {
	enum vd_source_format fmt;
	bool have_dat;
	unsigned long file_version;
	char compression[32];	 /* "" none */
	char trace_clock[32];	 /* "" unknown */
	char uname[160];	 /* "" unknown */
	char tracer_version[32]; /* "" unknown */
	int buffers;
};

struct vd_side_info {
	struct vd_recording_info rec;
	struct vd_source_stats stats;
	uint64_t pkts_sent, pkts_recv;
	uint32_t max_rw_sent, max_rw_recv; /* a receiver whose largest is smaller splits */
	uint64_t irq_total;
	uint64_t vhost_recv; /* receives run by a vhost worker: this is the vhost (host) side */
	uint64_t recv_bursts;
	struct vd_irq_line irq[VD_MAX_IRQ_NAMES];
	unsigned int nirq;
	uint32_t local_cids[4];
	unsigned int nlocal_cids;
	uint64_t page_fail, kmalloc_fail; /* allocation failures seen, any order */
	uint64_t high_order_allocs;
	uint64_t page_fail_high;	       /* failed page allocations of order >= 3 */
	uint64_t page_fail_high_opportunistic; /* ... of which __GFP_NORETRY|__GFP_NOWARN */
	struct vd_alloc_example fail[VD_ALLOC_EXAMPLES]; /* the first failures that count */
	unsigned int nfail;
	struct vd_allocfail alloc; /* filled by the final pass */
	struct vd_bpf_cov bpf;	   /* BPF evidence: hooks, tiers, lines (scan) */
	uint64_t fingerprint; /* scan: hash of every event's time and header fields (distinct.h) */
};

struct vd_result {
	bool two_sides; /* B was given */
	struct vd_side_info side[2];
	struct vd_clock clock;
	char clock_note[VD_FINDING_TEXT]; /* why the clock is what it is */
	struct vd_cidmap map;
	bool map_inferred;
	struct vd_conn *conns;
	size_t nconns;
	struct vd_findings findings;
	struct vd_incident *incidents; /* ranked: incidents[0] is the one to read first */
	size_t nincidents;
	uint64_t peak_pending; /* sends in flight at once (memory bound evidence) */
	uint64_t orphans_expected[2], orphans_unexpected[2]; /* [enum vd_dir] */
	uint64_t fates[2][VD_FATE_SHORT + 1];		     /* [enum vd_dir][enum vd_fate] */
	int64_t tol_ns;
	int verdict;		  /* VD_VERDICT_* */
	struct vd_adb_result adb; /* adb connections (detect/adb.c), freed with the result */
};

enum { VD_VERDICT_HEALTHY = 0, VD_VERDICT_PROBLEMS, VD_VERDICT_INCONCLUSIVE };
const char *vd_verdict_name(int v);
/* the stable names of enum vd_conn_end (JSON "end") */
const char *vd_conn_end_name(enum vd_conn_end e);

#endif /* VD_MODEL_H */
