/* SPDX-License-Identifier: GPL-2.0 */
/*
 * adb over a vsock connection, as data: what each end announced (CNXN, AUTH,
 * STLS), its streams (OPEN .. CLSE) with their ids, service and bytes, and
 * how well the payload heads each recording captured could be framed.  The
 * decoder (analyzers/adb/) fills it in, the adb detector keeps one per adb
 * connection in the result (struct vd_result's adb), and sinks and exports
 * read it.  Bounded: VD_ADB_MAX_STREAMS streams per connection (the oldest
 * closed ones make room), the rest counted.
 *
 * Ends and sides: a connection's end A is the process on partition A (the
 * side that recorded it as local), end B the one on partition B; a message
 * in direction A->B was written by end A.  Each recording is a view: its tx
 * payload heads are what its end sent, its rx heads what its end received.
 */
#ifndef VD_ADBSUM_H
#define VD_ADBSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VD_ADB_MAX_STREAMS 32
#define VD_ADB_SERVICE	   40 /* service name kept, NUL included */
#define VD_ADB_BANNER	   40 /* CNXN banner kept ("host::", "device::ro.product...") */

enum vd_adb_state {
	VD_ADB_ST_OPENING = 0, /* OPEN sent, no OKAY yet */
	VD_ADB_ST_OPEN,	       /* OKAYed (or seen only by its traffic: opened before) */
	VD_ADB_ST_CLOSING,     /* one end sent CLSE */
	VD_ADB_ST_CLOSED,      /* both ends sent CLSE */
	VD_ADB_ST_REFUSED,     /* OPEN answered by CLSE(0, id): no such service */
};

/* one direction of a stream as one recording saw it */
struct vd_adb_flow {
	uint64_t wrtes, bytes;	/* WRTE messages and their data bytes */
	uint32_t unacked;	/* WRTEs not acknowledged yet (adb allows one) */
	uint64_t unacked_bytes; /* their data */
	int64_t unacked_since;	/* the oldest, this recording's clock; VD_NO_TIME */
	int64_t max_wait_ns;	/* the longest a WRTE waited for its OKAY; -1 none */
	int64_t max_wait_at;	/* when that wait began */
};

enum { VD_ADB_WRITER = 0, VD_ADB_READER = 1 }; /* whose recording: [role] */

struct vd_adb_stream {
	uint32_t id[2];		       /* [end]: the local id each end gave it; 0 unknown */
	int opener;		       /* the end that sent OPEN; -1: opened before */
	int closer;		       /* the end that sent CLSE first; -1 */
	uint8_t state;		       /* enum vd_adb_state */
	bool service_cut;	       /* only the name's first bytes were captured */
	char service[VD_ADB_SERVICE];  /* "" unknown */
	int64_t t_open[2], t_close[2]; /* [side] clock: its OPEN, first CLSE; VD_NO_TIME */
	int64_t t_last[2];	       /* [side]: its latest message in that recording */
	uint64_t touch;		       /* order of the latest message (any recording) */
	struct vd_adb_flow f[2][2];    /* [enum vd_dir][role] */
};

/* what one end announced */
struct vd_adb_end {
	bool cnxn;		    /* it sent CNXN */
	bool banner_cut;	    /* the banner's first bytes only */
	bool stls;		    /* it sent STLS */
	uint32_t version, maxdata;  /* its CNXN's arg0, arg1 */
	uint32_t auth[2];	    /* [side]: its AUTH messages in that recording */
	char banner[VD_ADB_BANNER]; /* printable bytes of its CNXN's data */
	int64_t t_cnxn[2];	    /* [side] clock its CNXN was sent/received; VD_NO_TIME */
	int64_t t_auth[2];	    /* its first AUTH, likewise */
};

/* how one recording's payload heads of one direction framed */
struct vd_adb_count {
	uint64_t records;	/* payload records */
	uint64_t packets;	/* RW packets the same recording traced (at the end) */
	uint64_t msgs;		/* adb messages framed */
	uint64_t lost;		/* times framing was lost */
	uint64_t resyncs;	/* ... and found again on a header */
	uint64_t skipped_bytes; /* payload bytes not framed (lost, or before the first header) */
	bool partial;		/* a message was still incomplete at the end */
};

struct vd_adb_conn {
	uint32_t conn; /* connection id */
	struct vd_adb_end end[2];
	struct vd_adb_count cnt[2][2]; /* [side][enum vd_dir] */
	bool bpf_lost[2];	       /* [side]: that recording lost BPF records or events */
	struct vd_adb_stream streams[VD_ADB_MAX_STREAMS];
	unsigned int nstreams;
	uint64_t streams_total;	  /* streams seen */
	uint64_t streams_evicted; /* closed streams dropped to make room */
	uint64_t streams_dropped; /* OPENs not kept (full of open streams), per recording */
	uint64_t touch;		  /* messages applied */
};

/* one per connection whose payload heads held adb messages */
struct vd_adb_result {
	struct vd_adb_conn *v;
	size_t n, cap;
};

#endif /* VD_ADBSUM_H */
