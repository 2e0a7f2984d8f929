/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model behind `vsockdiag top`: one partition's events fed into an
 * analysis session (analyzers/session/, the same connections, credit and
 * detectors as correlate), sampled at intervals into a snapshot that every
 * view draws from: the ncurses screen (tui/top_ui.c), the batch text, JSON
 * and OpenMetrics outputs (tui/top_batch.c).
 *
 * The model samples, the views draw: a snapshot is plain data, owned by the
 * model and valid until the next vd_top_sample().  Its string pointers
 * (row state, finding name, header device) point to static strings: a view
 * may keep them past the next sample.  Times are the recording's
 * trace clock (ns); rates are per second of that clock, over the interval
 * since the previous sample.
 */
#ifndef VD_TOP_MODEL_H
#define VD_TOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/model/model.h"

#define VD_TOP_HIST 240 /* samples of history kept per connection (detail pane) */

/* the columns of a connection row, in the order they are drawn; sortable by any */
enum vd_top_col {
	VD_TC_CONN = 0, /* connection id */
	VD_TC_LOCAL,	/* local cid:port */
	VD_TC_PEER,	/* peer cid:port ("adb" named) */
	VD_TC_OPENER,	/* who connected: "local", "peer", "?" */
	VD_TC_STATE,
	VD_TC_PROC, /* the local process last seen on it */
	VD_TC_TX_BPS,
	VD_TC_RX_BPS,
	VD_TC_TX_PPS,
	VD_TC_RX_PPS,
	VD_TC_CREDIT, /* bytes this side may still send */
	VD_TC_UNREAD, /* bytes received and not yet read (fwd_cnt behind) */
	VD_TC_FWD,    /* this side's fwd_cnt */
	VD_TC_IDLE,   /* time since the last progress */
	VD_TC_MAX,
};

/* header and JSON names of the columns ("CREDIT", "credit") */
const char *vd_top_col_title(enum vd_top_col c);
const char *vd_top_col_key(enum vd_top_col c);

struct vd_top_row {
	uint32_t conn; /* vd_conn.id */
	uint32_t local_cid, local_port, peer_cid, peer_port;
	bool adb;	      /* an adb connection (its port) */
	int adb_end;	      /* which end is the adb port: 0 none, 1 local, 2 peer */
	char adb_service[24]; /* the service of its latest adb stream (payload heads); "" */
	int opener;	      /* 0: this partition connected, 1: the peer did, -1 unknown */
	const char *state; /* "connecting", "open", "shutdown", "reset", "refused", "unanswered" */
	char proc[16];	   /* "" unknown */
	int32_t pid;	   /* -1 unknown */
	double tx_bps, rx_bps, tx_pps, rx_pps; /* over the last interval */
	uint64_t tx_bytes, rx_bytes;	       /* RW payload, totals */
	uint64_t tx_pkts, rx_pkts;
	int64_t credit;	 /* -1: this kernel/recording cannot tell */
	int64_t unread;	 /* -1: cannot tell */
	int64_t fwd_cnt; /* -1: cannot tell */
	int64_t idle_ns; /* since the last RW byte moved either way; -1: none moved yet */
	bool credit_bpf; /* credit/unread from the BPF socket sampler (else from packets) */
	bool problem;	 /* a finding (open or closed) names this connection */
	bool closed;	 /* shut down, reset or refused: kept a while, drawn dimmed */
};

struct vd_top_hist {
	int64_t t;		/* sample time */
	int64_t credit, unread; /* -1 unknown */
	double tx_bps, rx_bps;
};

struct vd_top_finding {
	enum vd_finding_kind kind;
	const char *name; /* the JSON kind name ("credit_starvation") */
	int severity;	  /* enum vd_severity */
	bool open;	  /* still going on (a detector's open window) */
	int64_t conn;	  /* -1: several or none */
	int64_t start_ns; /* trace clock; VD_NO_TIME unknown */
	int64_t age_ns;	  /* now - start; -1 unknown */
	char text[200];	  /* one line, the same words as correlate's summary */
};

struct vd_top_header {
	char label[64];	    /* "live", or the recording's file name */
	char kernel[96];    /* uname -r of the partition, "" unknown */
	uint32_t cid;	    /* the partition's own CID; 0 unknown */
	const char *device; /* "vhost-vsock (host)", "virtio-vsock (guest)", "loopback", "?" */
	int64_t now_ns;	    /* trace clock of this sample */
	int64_t elapsed_ns; /* since the first event */
	double interval_s;  /* length of the interval the rates cover */
	uint64_t events, lost;
	double irq_ps;	    /* vsock interrupts per second; < 0: not recorded */
	double kick_ps;	    /* virtqueue kicks per second; < 0: this kernel/recording cannot tell */
	int64_t ring_level; /* guest RX ring buffers posted; -1 cannot tell */
	int64_t ring_max;
	uint64_t alloc_fail; /* failed high-order allocations (order >= 3) so far */
	uint64_t conns_open, conns_total;
	bool fwd_per_packet; /* fwd_cnt moves per whole packet (kernels before 6.x skb rework) */
	char cannot[256];    /* "kicks, ring level: no BPF hook on this kernel" ("" all known) */
};

struct vd_top_snap {
	struct vd_top_header h;
	struct vd_top_row *rows; /* every connection seen, in connection order */
	size_t nrows;
	struct vd_top_finding *findings; /* open ones first, then closed, newest first */
	size_t nfindings;
	bool problems; /* any warning or error finding so far (the exit status) */
};

struct vd_top_cfg {
	const struct vd_opts *o;	 /* thresholds, adb port */
	const struct vd_side_info *side; /* a recording's scan (replay); NULL: live */
	const char *label;		 /* header label */
	const char *kernel;		 /* live: uname -r; NULL: from side->rec */
	uint32_t cid;			 /* live: the local CID if known; 0 */
	int64_t keep_closed_ns;		 /* closed connections stay this long; 0: 10 s */
};

struct vd_top;

struct vd_top *vd_top_new(const struct vd_top_cfg *cfg);
void vd_top_feed(struct vd_top *t, const struct vd_event *ev);
/* sample the state at now_ns (trace clock; VD_NO_TIME: the latest event's time) */
const struct vd_top_snap *vd_top_sample(struct vd_top *t, int64_t now_ns);
/* the connection's history, oldest first; 0 when unknown */
size_t vd_top_history(const struct vd_top *t, uint32_t conn, const struct vd_top_hist **h);
/* the input ended: settle what is pending (findings at the end), then a last sample */
const struct vd_top_snap *vd_top_end(struct vd_top *t);
void vd_top_free(struct vd_top *t);

#endif /* VD_TOP_MODEL_H */
