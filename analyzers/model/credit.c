// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "common/vd_event.h"
#include "analyzers/model/credit.h"

void vd_credit_start(struct vd_credit *c)
{
	memset(c, 0, sizeof(*c));
	c->tx_known = true;
}

void vd_credit_sent(struct vd_credit *c, uint32_t len)
{
	c->tx_cnt += len; /* u32 wrap, as the kernel's tx_cnt */
}

bool vd_credit_peer(struct vd_credit *c, uint16_t op, uint32_t buf_alloc, uint32_t fwd_cnt)
{
	/* virtio_transport_reset_no_sock() answers with 0/0: not the peer's state */
	if (op == VD_OP_RST && buf_alloc == 0 && fwd_cnt == 0)
		return false;
	c->peer_buf_alloc = buf_alloc;
	c->peer_fwd_cnt = fwd_cnt;
	c->peer_known = true;
	c->peer_updates++;
	return true;
}

int64_t vd_credit_outstanding(const struct vd_credit *c)
{
	if (!c->tx_known || !c->peer_known)
		return -1;
	return (int64_t)(uint32_t)(c->tx_cnt - c->peer_fwd_cnt);
}

int64_t vd_credit_avail(const struct vd_credit *c)
{
	int64_t out = vd_credit_outstanding(c);

	if (out < 0)
		return -1;
	/* the peer may have shrunk its buffer below what is in flight */
	return out >= (int64_t)c->peer_buf_alloc ? 0 : (int64_t)c->peer_buf_alloc - out;
}
