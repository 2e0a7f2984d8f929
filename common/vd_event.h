/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The normalized event: what every source (ftrace text, trace.dat, live
 * tracefs, BPF) turns the kernel's records into.  Timestamps stay in the
 * recording partition's own clock; aligning partitions is the clock model's
 * job, never the source's.
 */
#ifndef VD_EVENT_H
#define VD_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vd_ev_kind {
	VD_EV_NONE = 0,
	VD_EV_PKT_ALLOC,  /* vsock:virtio_transport_alloc_pkt: this partition sends */
	VD_EV_PKT_RECV,	  /* vsock:virtio_transport_recv_pkt: this partition receives */
	VD_EV_IRQ_ENTRY,  /* irq:irq_handler_entry */
	VD_EV_IRQ_EXIT,	  /* irq:irq_handler_exit */
	VD_EV_PAGE_ALLOC, /* kmem:mm_page_alloc */
	VD_EV_KMALLOC,	  /* kmem:kmalloc, kmem:kmalloc_node */
	VD_EV_LOST,	  /* the source lost events here (ring-buffer overrun) */
	VD_EV_MARK,	  /* vsockdiag's own marker (ftrace:print): the recorder started/stopped */
	VD_EV_KIND_MAX,
};

/* virtio_vsock_hdr.op, as include/uapi/linux/virtio_vsock.h numbers it */
enum vd_op {
	VD_OP_INVALID = 0,
	VD_OP_REQUEST = 1,
	VD_OP_RESPONSE = 2,
	VD_OP_RST = 3,
	VD_OP_SHUTDOWN = 4,
	VD_OP_RW = 5,
	VD_OP_CREDIT_UPDATE = 6,
	VD_OP_CREDIT_REQUEST = 7,
	VD_OP_MAX,
};

enum vd_type {
	VD_TYPE_STREAM = 1,
	VD_TYPE_SEQPACKET = 2,
};

/* VIRTIO_VSOCK_SHUTDOWN_* in hdr.flags of a SHUTDOWN packet */
#define VD_SHUTDOWN_RCV	 1u
#define VD_SHUTDOWN_SEND 2u

/* One virtio_vsock_hdr as the vsock tracepoints show it. */
struct vd_pkt {
	uint32_t src_cid;
	uint32_t src_port;
	uint32_t dst_cid;
	uint32_t dst_port;
	uint32_t len;
	uint16_t type;
	uint16_t op;
	uint32_t flags;
	uint32_t buf_alloc; /* recv_pkt only: valid when has_credit */
	uint32_t fwd_cnt;
	bool has_credit;
	int8_t zcopy; /* alloc_pkt on ~6.7+: 0/1; -1 when the kernel does not print it */
};

struct vd_irq {
	int32_t irq;
	int32_t ret;   /* exit: 1 handled, 0 unhandled; -1 for entry */
	char name[32]; /* entry only; "" on exit */
};

/*
 * GFP flags we reason about, normalized from either the symbolic form
 * ("GFP_KERNEL|__GFP_NOWARN") or a raw number (layout differs per kernel, so
 * raw numbers set only VD_GFP_RAW).
 */
#define VD_GFP_NOWARN	     (1u << 0)
#define VD_GFP_NORETRY	     (1u << 1)
#define VD_GFP_ATOMIC	     (1u << 2)
#define VD_GFP_KERNEL	     (1u << 3)
#define VD_GFP_COMP	     (1u << 4)
#define VD_GFP_RETRY_MAYFAIL (1u << 5)
#define VD_GFP_NOFAIL	     (1u << 6)
#define VD_GFP_RAW	     (1u << 31) /* only a number was printed: bits unknown */

struct vd_page_alloc {
	uint64_t pfn; /* valid when !failed */
	uint32_t order;
	int32_t migratetype;
	uint32_t gfp; /* VD_GFP_* */
	uint64_t gfp_raw;
	bool failed; /* page=(nil)/pfn -1: the allocation failed */
};

struct vd_kmalloc {
	uint64_t call_site;
	uint64_t ptr;
	uint64_t bytes_req;
	uint64_t bytes_alloc;
	uint32_t gfp; /* VD_GFP_* */
	uint64_t gfp_raw;
	int32_t node;	   /* -1 when absent */
	bool failed;	   /* ptr NULL */
	char call_sym[48]; /* "skb_alloc+0x12/0x40" when the kernel printed a symbol */
};

struct vd_lost {
	uint64_t count; /* 0: unknown how many */
};

/*
 * vsockdiag record writes "vsockdiag-clock start seq=N" into trace_marker as
 * it starts and "vsockdiag-clock stop seq=N" as it stops (collectors/meta.c):
 * seq=0 of each is the event; the rest are clock stamps.  While it starts
 * and stops, the recorder itself takes the partition's CPU.
 */
enum vd_mark_what { VD_MARK_RECORDER_START = 1, VD_MARK_RECORDER_STOP = 2 };

struct vd_mark {
	uint32_t what; /* enum vd_mark_what */
};

struct vd_event {
	uint64_t ts_ns; /* partition-local trace clock */
	int32_t cpu;	/* -1 unknown */
	int32_t pid;	/* -1 unknown */
	uint32_t kind;	/* enum vd_ev_kind */
	uint32_t reserved;
	uint64_t lineno; /* where it came from: text line, or record index */
	char comm[16];
	union {
		struct vd_pkt pkt;
		struct vd_irq irq;
		struct vd_page_alloc page;
		struct vd_kmalloc kmalloc;
		struct vd_lost lost;
		struct vd_mark mark;
	};
};

const char *vd_op_name(unsigned int op);
const char *vd_type_name(unsigned int type);
const char *vd_ev_kind_name(unsigned int kind);
/* -1 when the name is not an op / type name */
int vd_op_from_name(const char *s, size_t len);
int vd_type_from_name(const char *s, size_t len);

#endif /* VD_EVENT_H */
