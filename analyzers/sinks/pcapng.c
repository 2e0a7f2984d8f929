// SPDX-License-Identifier: GPL-2.0
/*
 * The pcapng blocks the pcap export writes.  A block is built in memory
 * (its options vary in length) and written with one fwrite; the buffer is
 * reused from block to block, so writing a packet allocates nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzers/sinks/pcapng.h"
#include "common/util.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_ISB 0x00000005u
#define BT_EPB 0x00000006u

#define OPT_END	    0
#define OPT_COMMENT 1
/* an option's value is at most 65535 bytes; comments are cut a little below */
#define OPT_MAX 65000

void vd_pcapng_blk_free(struct vd_pcapng_blk *k)
{
	free(k->b);
	memset(k, 0, sizeof(*k));
}

static void room(struct vd_pcapng_blk *k, size_t more)
{
	if (k->n + more <= k->cap)
		return;
	k->cap = VD_MAX(k->cap * 2, k->n + more + 256);
	k->b = vd_xrealloc(k->b, k->cap, 1);
}

static void put(struct vd_pcapng_blk *k, const void *p, size_t len)
{
	room(k, len);
	memcpy(k->b + k->n, p, len);
	k->n += len;
}

static void put16(struct vd_pcapng_blk *k, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(k, b, 2);
}

static void put32(struct vd_pcapng_blk *k, uint32_t v)
{
	put16(k, (uint16_t)v);
	put16(k, (uint16_t)(v >> 16));
}

static void put64(struct vd_pcapng_blk *k, uint64_t v)
{
	put32(k, (uint32_t)v);
	put32(k, (uint32_t)(v >> 32));
}

static void pad4(struct vd_pcapng_blk *k)
{
	static const uint8_t zero[4];

	put(k, zero, (4 - k->n % 4) % 4);
}

/* type, length (filled by end), then the body */
static void begin(struct vd_pcapng_blk *k, uint32_t type)
{
	k->n = 0;
	put32(k, type);
	put32(k, 0);
}

static void opt(struct vd_pcapng_blk *k, uint16_t code, const void *v, size_t len)
{
	put16(k, code);
	put16(k, (uint16_t)len);
	put(k, v, len);
	pad4(k);
}

static void opt_str(struct vd_pcapng_blk *k, uint16_t code, const char *s)
{
	size_t len;

	if (!s || !*s)
		return;
	len = strlen(s);
	/* cut on a UTF-8 character boundary: the comments are UTF-8 */
	if (len > OPT_MAX) {
		len = OPT_MAX;
		while (len && ((uint8_t)s[len] & 0xc0) == 0x80)
			len--;
	}
	opt(k, code, s, len);
}

static void opt64(struct vd_pcapng_blk *k, uint16_t code, uint64_t v)
{
	put16(k, code);
	put16(k, 8);
	put64(k, v);
}

/* the timestamp as pcapng stores it: high word first, each little-endian */
static void opt_ts(struct vd_pcapng_blk *k, uint16_t code, uint64_t ts)
{
	put16(k, code);
	put16(k, 8);
	put32(k, (uint32_t)(ts >> 32));
	put32(k, (uint32_t)ts);
}

static void end(FILE *f, struct vd_pcapng_blk *k, bool options)
{
	uint32_t total;

	if (options) {
		put16(k, OPT_END);
		put16(k, 0);
	}
	total = (uint32_t)k->n + 4;
	put32(k, total);
	for (int i = 0; i < 4; i++)
		k->b[4 + i] = (uint8_t)(total >> (8 * i));
	fwrite(k->b, 1, k->n, f);
}

void vd_pcapng_shb(FILE *f, struct vd_pcapng_blk *k, const char *comment, const char *appl)
{
	begin(k, BT_SHB);
	put32(k, 0x1A2B3C4Du); /* byte-order magic: written little-endian */
	put16(k, 1);	       /* version 1.0 */
	put16(k, 0);
	put64(k, UINT64_MAX); /* section length: not given (streamed) */
	opt_str(k, OPT_COMMENT, comment);
	opt_str(k, 4, appl); /* shb_userappl */
	end(f, k, true);
}

void vd_pcapng_idb(FILE *f, struct vd_pcapng_blk *k, uint16_t linktype, const char *name,
		   const char *descr, int64_t tsoffset_s)
{
	uint8_t tsresol = 9; /* 10^-9: nanoseconds, as the trace clocks count */

	begin(k, BT_IDB);
	put16(k, linktype);
	put16(k, 0);
	put32(k, 0);	      /* snaplen: no limit */
	opt_str(k, 2, name);  /* if_name */
	opt_str(k, 3, descr); /* if_description */
	opt(k, 9, &tsresol, 1);
	if (tsoffset_s)
		opt64(k, 14, (uint64_t)tsoffset_s); /* if_tsoffset */
	end(f, k, true);
}

void vd_pcapng_epb(FILE *f, struct vd_pcapng_blk *k, uint32_t ifid, uint64_t ts, const void *data,
		   uint32_t caplen, uint32_t origlen, uint32_t flags, const char *comment)
{
	begin(k, BT_EPB);
	put32(k, ifid);
	put32(k, (uint32_t)(ts >> 32));
	put32(k, (uint32_t)ts);
	put32(k, caplen);
	put32(k, origlen);
	put(k, data, caplen);
	pad4(k);
	opt_str(k, OPT_COMMENT, comment);
	put16(k, 2); /* epb_flags */
	put16(k, 4);
	put32(k, flags);
	end(f, k, true);
}

void vd_pcapng_isb(FILE *f, struct vd_pcapng_blk *k, uint32_t ifid, uint64_t ts, uint64_t start,
		   uint64_t end_ts, uint64_t ifrecv, const char *comment)
{
	begin(k, BT_ISB);
	put32(k, ifid);
	put32(k, (uint32_t)(ts >> 32));
	put32(k, (uint32_t)ts);
	opt_str(k, OPT_COMMENT, comment);
	opt_ts(k, 2, start);  /* isb_starttime */
	opt_ts(k, 3, end_ts); /* isb_endtime */
	opt64(k, 4, ifrecv);  /* isb_ifrecv */
	end(f, k, true);
}
