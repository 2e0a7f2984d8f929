/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the BPF programs (vsockdiag.bpf.c) hand to user space (collectors/bpf_*.c):
 * fixed-size records in one ring buffer, turned into "vsockdiag-bpf" marker lines
 * by the relay (doc/bpf-events.md). Fixed size: one reserve per event, no length
 * field to trust.
 */
#ifndef VD_BPF_H
#define VD_BPF_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum vd_brec_type {
	VD_BR_RXFILL = 1,
	VD_BR_RXLEVEL,
	VD_BR_KICK,
	VD_BR_VHOSTWAIT,
	VD_BR_VHOSTSAMPLE,
	VD_BR_VQIRQ,
	VD_BR_ALLOCFAIL,
	VD_BR_SKBDROP,
	VD_BR_CREDIT,
	VD_BR_PAYLOAD,
	VD_BR_TYPE_MAX,
};

/* kick.dir (VD_BK_*: common/vd_event.h has VD_KICK_* for the parsed lines) */
enum { VD_BK_SENT = 1, VD_BK_SKIPPED, VD_BK_RECEIVED };
/* rxlevel.src */
enum { VD_LEVEL_WORK = 1, VD_LEVEL_SAMPLE };
/* allocfail.path */
enum { VD_AF_PKT = 1, VD_AF_PAGE, VD_AF_KMALLOC };
/* credit.why: also the value user space stores in sample_why before running the iterator */
enum { VD_WHY_START = 1, VD_WHY_SAMPLE, VD_WHY_STOP };
/* credit.have: which optional fields this kernel has */
#define VD_CR_LAST_FWD	   (1u << 0)
#define VD_CR_MSG_COUNT	   (1u << 1)
#define VD_CR_BYTES_UNSENT (1u << 2)
#define VD_CR_BUF_USED	   (1u << 3)

#define VD_PAYLOAD_HEAD 32
#define VD_MAX_PAYLOAD_PORTS 16
#define VD_MAX_CODE_RANGES 16

struct vd_brec {
	__u64 t; /* trace clock, ns */
	__u32 type;
	__u32 pid; /* tgid of the current task (or the socket's owner for credit) */
	char comm[16];
	union {
		struct {
			__s32 before, after, max, free;
			__u32 fail;
		} rxfill;
		struct {
			__s32 level, max, free;
			__u32 src;
		} rxlevel;
		struct {
			__u32 dir, vq;
		} kick;
		struct {
			__s32 queued, replies;
			__s32 avail; /* vhostsample: guest RX buffers vhost can still use */
			__u32 cid;
		} vhost;
		struct {
			__s32 irq;
			__u32 vq, shared;
		} vqirq;
		struct {
			__u32 path, order, opportunistic;
			__s32 stack;
			__u64 bytes, gfp;
		} allocfail;
		struct {
			__u64 loc;
			__u32 reason;
		} skbdrop;
		struct {
			__u32 lcid, lport, rcid, rport;
			__u32 state, why, have;
			__u32 tx_cnt, peer_fwd_cnt, peer_buf_alloc, fwd_cnt, last_fwd_cnt, rx_bytes,
				buf_alloc, msg_count, bytes_unsent, buf_used;
		} credit;
		struct {
			__u32 dir; /* VD_BK_SENT: tx, VD_BK_RECEIVED: rx */
			__u32 src_cid, src_port, dst_cid, dst_port, len, n;
			__u8 head[VD_PAYLOAD_HEAD];
		} payload;
	};
};

#endif /* VD_BPF_H */
