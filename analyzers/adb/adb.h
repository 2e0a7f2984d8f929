/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The adb wire protocol over one vsock connection, from payload heads
 * (doc/bpf-events.md: each record is one RW packet, its length and at most
 * its first 32 bytes).
 *
 * Every adb message is a 24-byte little-endian header (command, arg0, arg1,
 * data_length, data_crc32, magic = command ^ 0xffffffff) and data_length
 * bytes of data.  adb_frame.c frames one direction of one recording into
 * messages: a header begins where the previous message's data ended, the
 * header may share a packet with its data or not, data may span packets.
 * When framing is lost (a header outside the captured bytes, a bad header,
 * records missing) it says so, counts it, and resynchronises on the next
 * packet whose head is a valid header: it never guesses.
 *
 * adb.c follows the streams those messages make (model/adbsum.h): OPEN,
 * OKAY, WRTE, CLSE by their ids, the service each OPEN named, bytes and
 * unacknowledged WRTEs per direction and per recording, and what each end
 * announced (CNXN, AUTH, STLS).  Pure: no allocation, no I/O.
 */
#ifndef VD_ADB_H
#define VD_ADB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/model/adbsum.h"
#include "analyzers/model/flow.h"

#define VD_ADB_HDR_LEN	 24
#define VD_ADB_MAX_DATA	 (1024u * 1024u) /* adb's largest payload (MAX_PAYLOAD, 1 MiB) */
#define VD_ADB_DATA_HEAD 40		 /* data bytes kept of a message */

enum vd_adb_cmd {
	VD_ADB_CNXN = 0x4e584e43,
	VD_ADB_AUTH = 0x48545541,
	VD_ADB_OPEN = 0x4e45504f,
	VD_ADB_OKAY = 0x59414b4f,
	VD_ADB_WRTE = 0x45545257,
	VD_ADB_CLSE = 0x45534c43,
	VD_ADB_STLS = 0x534c5453,
	VD_ADB_SYNC = 0x434e5953, /* obsolete, never on the wire today: accepted, ignored */
};

struct vd_adb_hdr {
	uint32_t cmd, arg0, arg1, len, crc;
};

/* one framed message */
struct vd_adb_msg {
	struct vd_adb_hdr h;
	int64_t t;			/* its header's packet, the recording's clock */
	uint32_t ndata;			/* its data's first bytes captured, contiguous */
	uint8_t data[VD_ADB_DATA_HEAD]; /* those bytes */
};

enum vd_adb_fr_state {
	VD_ADB_FR_SEARCH = 0, /* no header found yet (this may not be adb at all) */
	VD_ADB_FR_HDR,	      /* a header begins at the next byte */
	VD_ADB_FR_DATA,	      /* inside a message's data */
	VD_ADB_FR_LOST,	      /* framing lost: waiting for a packet that begins with a header */
};

/* one direction of one recording */
struct vd_adb_framer {
	uint8_t state; /* enum vd_adb_fr_state */
	uint8_t hn;    /* header bytes held (a header split over packets) */
	bool data_gap; /* a byte of the current data was not captured */
	bool emitted;  /* msg went out at its header (WRTE): its data only to be skipped */
	uint8_t hbuf[VD_ADB_HDR_LEN];
	int64_t t_hdr;	       /* the held header's first packet */
	uint32_t data_left;    /* data bytes of msg still to come */
	struct vd_adb_msg msg; /* the message whose data is coming */
};

typedef void (*vd_adb_msg_fn)(void *ctx, const struct vd_adb_msg *m);

/* a valid header at p (n bytes available): known command, magic, sane length */
bool vd_adb_hdr_parse(const uint8_t *p, size_t n, struct vd_adb_hdr *h);
/* "CNXN"...; "????" for anything else */
const char *vd_adb_cmd_name(uint32_t cmd);

void vd_adb_framer_init(struct vd_adb_framer *fr);
/*
 * One packet of len payload bytes whose first nhead bytes are head[], at t:
 * fn(ctx, msg) for each message it completes.  cnt counts.
 */
void vd_adb_frame(struct vd_adb_framer *fr, struct vd_adb_count *cnt, int64_t t, uint32_t len,
		  const uint8_t *head, size_t nhead, vd_adb_msg_fn fn, void *ctx);
/* records of this direction may be missing from here: mid-message, framing is lost */
void vd_adb_frame_gap(struct vd_adb_framer *fr, struct vd_adb_count *cnt);
/* the input is over: an incomplete message is counted (cnt->partial) */
void vd_adb_frame_end(const struct vd_adb_framer *fr, struct vd_adb_count *cnt);

/* ---- streams (adb.c) -------------------------------------------------------------------- */

void vd_adb_conn_init(struct vd_adb_conn *a, uint32_t conn);
/* message m travelling in dir, from side's recording (sent when side is dir's sender) */
void vd_adb_apply(struct vd_adb_conn *a, enum vd_side side, enum vd_dir dir,
		  const struct vd_adb_msg *m);
/* the stream with the latest message (an open one first); NULL without streams */
const struct vd_adb_stream *vd_adb_latest(const struct vd_adb_conn *a);
/* open at t (side's clock): OPENed before (or opened before the recordings), not yet closed */
bool vd_adb_open_at(const struct vd_adb_stream *st, enum vd_side side, int64_t t);
/* "opening", "open", "closing", "closed", "refused" */
const char *vd_adb_state_name(unsigned int state);
/* did any recording frame a message of this connection? */
bool vd_adb_has_msgs(const struct vd_adb_conn *a);

#endif /* VD_ADB_H */
