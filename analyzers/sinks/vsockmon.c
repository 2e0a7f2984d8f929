// SPDX-License-Identifier: GPL-2.0
/*
 * The vsockmon framing of a recorded packet: every field little-endian, as
 * the kernel's tap writes it (virtio_transport_build_skb).
 */
#include <string.h>

#include "analyzers/sinks/vsockmon.h"

/* enum af_vsockmon_op, enum af_vsockmon_transport */
enum { MON_OP_UNKNOWN = 0, MON_OP_CONNECT, MON_OP_DISCONNECT, MON_OP_CONTROL, MON_OP_PAYLOAD };
#define MON_TRANSPORT_VIRTIO 2

/* the virtio op as the kernel's tap sorts it */
static uint16_t mon_op(uint16_t op)
{
	switch (op) {
	case VD_OP_REQUEST:
	case VD_OP_RESPONSE:
		return MON_OP_CONNECT;
	case VD_OP_RST:
	case VD_OP_SHUTDOWN:
		return MON_OP_DISCONNECT;
	case VD_OP_RW:
		return MON_OP_PAYLOAD;
	case VD_OP_CREDIT_UPDATE:
	case VD_OP_CREDIT_REQUEST:
		return MON_OP_CONTROL;
	default:
		return MON_OP_UNKNOWN;
	}
}

static uint8_t *le(uint8_t *b, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return b + bytes;
}

size_t vd_vsockmon_frame(const struct vd_pkt *h, const uint8_t *payload, size_t payload_len,
			 uint8_t *buf)
{
	uint8_t *b = buf;

	/* struct af_vsockmon_hdr */
	b = le(b, h->src_cid, 8);
	b = le(b, h->dst_cid, 8);
	b = le(b, h->src_port, 4);
	b = le(b, h->dst_port, 4);
	b = le(b, mon_op(h->op), 2);
	b = le(b, MON_TRANSPORT_VIRTIO, 2);
	b = le(b, VD_VIRTIO_HDR_LEN, 2);
	b = le(b, 0, 2); /* reserved */
	/* struct virtio_vsock_hdr */
	b = le(b, h->src_cid, 8);
	b = le(b, h->dst_cid, 8);
	b = le(b, h->src_port, 4);
	b = le(b, h->dst_port, 4);
	b = le(b, h->len, 4);
	b = le(b, h->type, 2);
	b = le(b, h->op, 2);
	b = le(b, h->flags, 4);
	b = le(b, h->has_credit ? h->buf_alloc : 0, 4);
	b = le(b, h->has_credit ? h->fwd_cnt : 0, 4);
	if (payload_len)
		memcpy(b, payload, payload_len);
	return (size_t)(b - buf) + payload_len;
}
