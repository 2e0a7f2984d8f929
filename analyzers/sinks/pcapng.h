/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pcapng writer, just what the pcap export needs: a section header, an
 * interface per partition, enhanced packet blocks and interface statistics
 * (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-01.html).  Every
 * field is written little-endian whatever the host, with the byte-order magic
 * saying so.  Write errors stick in the FILE (ferror): the caller checks once.
 */
#ifndef VD_PCAPNG_H
#define VD_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VD_LINKTYPE_VSOCK 271

/* epb_flags bits 0-1: the direction */
#define VD_PCAPNG_INBOUND  1u
#define VD_PCAPNG_OUTBOUND 2u

/* a block being built: options appended, then written whole */
struct vd_pcapng_blk {
	uint8_t *b;
	size_t n, cap;
};

void vd_pcapng_blk_free(struct vd_pcapng_blk *k);

/* Section Header Block: comment (may be NULL), the writing application */
void vd_pcapng_shb(FILE *f, struct vd_pcapng_blk *k, const char *comment, const char *appl);
/*
 * Interface Description Block, nanosecond resolution (if_tsresol 9).
 * tsoffset_s (if_tsoffset, seconds added to every timestamp) is written
 * when not 0.
 */
void vd_pcapng_idb(FILE *f, struct vd_pcapng_blk *k, uint16_t linktype, const char *name,
		   const char *descr, int64_t tsoffset_s);
/* Enhanced Packet Block: data[caplen] of a packet origlen long; comment may be NULL */
void vd_pcapng_epb(FILE *f, struct vd_pcapng_blk *k, uint32_t ifid, uint64_t ts, const void *data,
		   uint32_t caplen, uint32_t origlen, uint32_t flags, const char *comment);
/* Interface Statistics Block at ts: the interface's first and last record, records written */
void vd_pcapng_isb(FILE *f, struct vd_pcapng_blk *k, uint32_t ifid, uint64_t ts, uint64_t start,
		   uint64_t end, uint64_t ifrecv, const char *comment);

#endif /* VD_PCAPNG_H */
