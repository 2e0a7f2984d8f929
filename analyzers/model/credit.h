/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The credit model of one direction of one connection, S -> R, as S sees it
 * (net/vmw_vsock/virtio_transport_common.c, virtio_transport_get_credit()):
 *
 *   credit_S = B - (u32)(tx_cnt_S - F)
 *
 * tx_cnt_S is the sum of RW lengths S sent (mod 2^32, from S's alloc_pkt
 * events); B and F are R's buf_alloc and fwd_cnt from the latest packet of any
 * op R sent to S (S's recv_pkt events).  So one recording, S's, is enough:
 * the live view and single-partition analysis use the same model.
 *
 * What it cannot know it says: tx_cnt is absolute only when S's recording
 * holds the connection's REQUEST; before R's first packet B and F are
 * unknown.  An RST from reset_no_sock carries 0/0 and is not a credit update.
 * Since 8ee784fdf006 (Jan 2026, stable incl. 6.1) Linux also caps B at S's
 * own buf_alloc; S's own buf_alloc is only visible in R's recording, so the
 * model here uses B as sent (the cap only lowers credit: a stall we report is
 * real either way).
 */
#ifndef VD_CREDIT_H
#define VD_CREDIT_H

#include <stdbool.h>
#include <stdint.h>

struct vd_credit {
	bool tx_known;	 /* tx_cnt counts from the connection's start */
	bool peer_known; /* B and F seen */
	uint32_t tx_cnt;
	uint32_t peer_buf_alloc; /* B */
	uint32_t peer_fwd_cnt;	 /* F */
	uint64_t peer_updates;	 /* packets from R seen */
};

/* A REQUEST or RESPONSE seen in S's recording: byte counts start here. */
void vd_credit_start(struct vd_credit *c);
/* S sent an RW packet of len bytes. */
void vd_credit_sent(struct vd_credit *c, uint32_t len);
/* S received a packet from R carrying R's buf_alloc/fwd_cnt; false if it is no update. */
bool vd_credit_peer(struct vd_credit *c, uint16_t op, uint32_t buf_alloc, uint32_t fwd_cnt);
/* bytes S may still send, or -1 when the recording cannot tell */
int64_t vd_credit_avail(const struct vd_credit *c);
/* bytes sent and not yet consumed by R's application, or -1 */
int64_t vd_credit_outstanding(const struct vd_credit *c);

#endif /* VD_CREDIT_H */
