// SPDX-License-Identifier: GPL-2.0
/*
 * Framing one direction of adb from payload heads (adb.h).  Each record is
 * one packet: its length and its first bytes.  A message's header must lie
 * inside the captured bytes of the packet it starts in (or, split over
 * packets, of each); its data needs only be counted.  Anything else loses
 * the framing, which comes back only on a packet that begins with a valid
 * header (DECISIONS.md: adb framing).
 */
#include <string.h>

#include "analyzers/adb/adb.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const char *vd_adb_cmd_name(uint32_t cmd)
{
	switch (cmd) {
	case VD_ADB_CNXN:
		return "CNXN";
	case VD_ADB_AUTH:
		return "AUTH";
	case VD_ADB_OPEN:
		return "OPEN";
	case VD_ADB_OKAY:
		return "OKAY";
	case VD_ADB_WRTE:
		return "WRTE";
	case VD_ADB_CLSE:
		return "CLSE";
	case VD_ADB_STLS:
		return "STLS";
	case VD_ADB_SYNC:
		return "SYNC";
	default:
		return "????";
	}
}

bool vd_adb_hdr_parse(const uint8_t *p, size_t n, struct vd_adb_hdr *h)
{
	uint32_t cmd;

	if (!p || n < VD_ADB_HDR_LEN)
		return false;
	cmd = le32(p);
	if (!strcmp(vd_adb_cmd_name(cmd), "????") || le32(p + 20) != (cmd ^ 0xffffffffu))
		return false;
	if (le32(p + 12) > VD_ADB_MAX_DATA)
		return false;
	h->cmd = cmd;
	h->arg0 = le32(p + 4);
	h->arg1 = le32(p + 8);
	h->len = le32(p + 12);
	h->crc = le32(p + 16);
	return true;
}

void vd_adb_framer_init(struct vd_adb_framer *fr)
{
	memset(fr, 0, sizeof(*fr));
	fr->state = VD_ADB_FR_SEARCH;
}

/* framing lost: the rest of this packet cannot be read */
static void lose(struct vd_adb_framer *fr, struct vd_adb_count *cnt, uint32_t rest)
{
	cnt->lost++;
	cnt->skipped_bytes += rest;
	fr->state = VD_ADB_FR_LOST;
	fr->hn = 0;
	fr->data_left = 0;
}

static void emit(struct vd_adb_framer *fr, struct vd_adb_count *cnt, vd_adb_msg_fn fn, void *ctx)
{
	fr->state = VD_ADB_FR_HDR;
	if (fr->emitted)
		return; /* a WRTE, out when its header came */
	cnt->msgs++;
	if (fn)
		fn(ctx, &fr->msg);
}

/* the data bytes [pos, pos + take) of this packet, of which [0, nhead) were captured */
static void take_data(struct vd_adb_framer *fr, const uint8_t *head, size_t nhead, uint32_t pos,
		      uint32_t take)
{
	size_t avail, room;

	if (fr->data_gap)
		return;
	avail = head && pos < nhead ? nhead - pos : 0;
	if (avail > take)
		avail = take;
	room = VD_ADB_DATA_HEAD - fr->msg.ndata;
	if (avail && room) { /* (head may be NULL when nothing was captured) */
		memcpy(fr->msg.data + fr->msg.ndata, head + pos, avail < room ? avail : room);
		fr->msg.ndata += (uint32_t)(avail < room ? avail : room);
	}
	if (avail < take)
		fr->data_gap = true; /* later bytes would not follow on from these */
}

void vd_adb_frame(struct vd_adb_framer *fr, struct vd_adb_count *cnt, int64_t t, uint32_t len,
		  const uint8_t *head, size_t nhead, vd_adb_msg_fn fn, void *ctx)
{
	struct vd_adb_hdr h;
	uint32_t pos = 0;

	cnt->records++;
	if (nhead > len)
		nhead = len;
	if (nhead > 0 && !head)
		nhead = 0;
	if (fr->state == VD_ADB_FR_SEARCH || fr->state == VD_ADB_FR_LOST) {
		if (!vd_adb_hdr_parse(head, nhead, &h)) {
			cnt->skipped_bytes += len;
			return;
		}
		if (fr->state == VD_ADB_FR_LOST)
			cnt->resyncs++;
		fr->state = VD_ADB_FR_HDR;
		fr->hn = 0;
	}
	while (pos < len) {
		uint32_t need, n;

		if (fr->state == VD_ADB_FR_DATA) {
			uint32_t take = fr->data_left < len - pos ? fr->data_left : len - pos;

			take_data(fr, head, nhead, pos, take);
			fr->data_left -= take;
			pos += take;
			if (!fr->data_left)
				emit(fr, cnt, fn, ctx);
			continue;
		}
		/* a header (or the rest of one) begins at pos */
		need = VD_ADB_HDR_LEN - fr->hn;
		n = need < len - pos ? need : len - pos;
		if (pos + n > nhead) {
			/* its bytes were not captured: where the next message begins is unknown */
			lose(fr, cnt, len - pos);
			return;
		}
		if (!fr->hn)
			fr->t_hdr = t;
		memcpy(fr->hbuf + fr->hn, head + pos, n);
		fr->hn = (uint8_t)(fr->hn + n);
		pos += n;
		if (fr->hn < VD_ADB_HDR_LEN)
			return; /* the rest comes in the next packet */
		fr->hn = 0;
		if (!vd_adb_hdr_parse(fr->hbuf, VD_ADB_HDR_LEN, &h)) {
			lose(fr, cnt, len - pos + VD_ADB_HDR_LEN);
			return;
		}
		memset(&fr->msg, 0, sizeof(fr->msg));
		fr->msg.h = h;
		fr->msg.t = fr->t_hdr;
		fr->data_gap = false;
		fr->emitted = false;
		fr->data_left = h.len;
		if (!h.len) {
			emit(fr, cnt, fn, ctx);
		} else if (h.cmd == VD_ADB_WRTE) {
			/*
			 * A WRTE counts from its header: its data may never all be
			 * sent (the stall this decoder is for: credit ran out
			 * mid-message), and what it carries is not read anyway.
			 */
			emit(fr, cnt, fn, ctx);
			fr->emitted = true;
			fr->state = VD_ADB_FR_DATA;
		} else {
			fr->state = VD_ADB_FR_DATA;
		}
	}
}

void vd_adb_frame_gap(struct vd_adb_framer *fr, struct vd_adb_count *cnt)
{
	/*
	 * Between messages the next packet must begin with a header, which
	 * framing checks anyway; inside one, a missing packet would shift every
	 * later byte: say so rather than count on it.
	 */
	if (fr->state == VD_ADB_FR_DATA || (fr->state == VD_ADB_FR_HDR && fr->hn))
		lose(fr, cnt, 0);
}

void vd_adb_frame_end(const struct vd_adb_framer *fr, struct vd_adb_count *cnt)
{
	cnt->partial = fr->state == VD_ADB_FR_DATA || (fr->state == VD_ADB_FR_HDR && fr->hn);
}
