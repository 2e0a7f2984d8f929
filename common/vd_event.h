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
	VD_EV_BPF,	  /* a "vsockdiag-bpf" marker line (doc/bpf-events.md): struct vd_bpf */
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

/*
 * The BPF evidence vsockdiag record writes into the trace as marker lines
 * (doc/bpf-events.md): "vsockdiag-bpf KIND key=value ...".  The event's
 * ts_ns is the marker's own timestamp (when the recorder wrote it, up to one
 * drain interval late): it orders the event among the others.  bpf.t is when
 * it happened (t=), what analyses reason with and reports show.  For kinds
 * that name a process (allocfail, credit) the event's pid and comm are that
 * process's, not the recorder's.  Unknown kinds never become events.
 */
enum vd_bpf_kind {
	VD_BPF_NONE = 0,
	VD_BPF_TIER,	    /* how a hook attached, or why it is off */
	VD_BPF_RXFILL,	    /* guest: one virtio_vsock_rx_fill */
	VD_BPF_RXLEVEL,	    /* guest: RX buffers posted, after an RX work or sampled */
	VD_BPF_KICK,	    /* a notification sent, skipped or received */
	VD_BPF_VHOSTWAIT,   /* host: vhost waits for guest RX buffers */
	VD_BPF_VHOSTSAMPLE, /* host: the sampler's view of a vhost_vsock device */
	VD_BPF_VQIRQ,	    /* guest: an interrupt for a vsock virtqueue */
	VD_BPF_ALLOCFAIL,   /* an allocation that returned NULL */
	VD_BPF_STACK,	    /* a kernel stack allocfail lines refer to */
	VD_BPF_SKBDROP,	    /* kfree_skb inside vsock code */
	VD_BPF_CREDIT,	    /* one socket's credit state */
	VD_BPF_PAYLOAD,	    /* the head of an RW payload */
	VD_BPF_LOST,	    /* BPF events the ring buffer could not take */
	VD_BPF_KIND_MAX,
};

/* tier=: how a hook attached (the first that worked), or off */
enum vd_bpf_tier {
	VD_TIER_UNKNOWN = 0, /* a tier name this reader does not know */
	VD_TIER_FENTRY,
	VD_TIER_KPROBE,
	VD_TIER_RAW_TP,
	VD_TIER_TP_BTF,
	VD_TIER_ITER,
	VD_TIER_SAMPLER,
	VD_TIER_OFF,
	VD_TIER_MAX,
};

/* vq=, from the guest driver's side (VSOCK_VQ_RX/TX/EVENT) */
enum vd_vq_index { VD_VQ_RX = 0, VD_VQ_TX = 1, VD_VQ_EVENT = 2, VD_VQ_UNKNOWN = 255 };

enum vd_kick_dir { VD_KICK_SENT = 1, VD_KICK_SKIPPED, VD_KICK_RECEIVED };

/* allocfail path=; and what a stack's frames name (bits) */
enum vd_alloc_path { VD_APATH_UNKNOWN = 0, VD_APATH_PKT, VD_APATH_PAGE, VD_APATH_KMALLOC };

#define VD_STACK_RXFILL	 (1u << 0) /* virtio_vsock_rx_fill: the guest's RX refill */
#define VD_STACK_TXALLOC (1u << 1) /* virtio_transport_alloc_skb/_pkt: a packet to send */
#define VD_STACK_VHOSTTX (1u << 2) /* vhost_vsock_handle_tx_kick: the host takes guest packets */
#define VD_STACK_VSOCK	 (1u << 3) /* any other vsock, virtio_transport or vhost_vsock frame */

#define VD_BPF_HOOK_LEN	     24
#define VD_BPF_WHY_LEN	     48
#define VD_BPF_STACK_SUMMARY 72

struct vd_bpf_tier_ev {
	char hook[VD_BPF_HOOK_LEN]; /* "" never: a tier line without hook= is malformed */
	uint8_t tier;		    /* enum vd_bpf_tier */
	char why[VD_BPF_WHY_LEN];   /* "" when on */
};

struct vd_bpf_rxfill {
	uint32_t before, after, max, free;
	bool fail;
};

struct vd_bpf_rxlevel {
	uint32_t level, max, free;
	bool have_free;
	bool sampled; /* src=sample (the sampler), else src=work */
};

struct vd_bpf_kick {
	uint8_t dir; /* enum vd_kick_dir */
	uint8_t vq;  /* enum vd_vq_index */
};

struct vd_bpf_vhost {
	uint32_t queued;
	uint32_t replies; /* valid when have_replies */
	uint32_t avail;	  /* vhostsample only */
	uint32_t cid;	  /* vhostsample only */
	bool have_replies;
};

struct vd_bpf_vqirq {
	int32_t irq;
	uint8_t vq; /* enum vd_vq_index */
	bool shared;
};

struct vd_bpf_allocfail {
	uint8_t path; /* enum vd_alloc_path */
	bool opportunistic;
	bool have_stack;
	uint32_t order; /* page; 0 otherwise */
	uint64_t bytes; /* pkt, kmalloc; 0 when not given */
	uint32_t gfp;	/* VD_GFP_* */
	uint64_t gfp_raw;
	uint32_t stack; /* a stack line's id, when have_stack */
};

/* a stack line, summarized: the frames themselves do not fit an event */
struct vd_bpf_stack {
	uint32_t id;
	uint16_t nframes;
	uint16_t names; /* VD_STACK_* */
	/* "__alloc_skb < virtio_vsock_rx_fill < virtio_transport_rx_work" */
	char summary[VD_BPF_STACK_SUMMARY];
};

struct vd_bpf_skbdrop {
	uint32_t reason;
	char loc[48];
};

/* credit key present (fields the kernel lacks are absent, not zero) */
#define VD_CRED_LAST_FWD_CNT (1u << 0)
#define VD_CRED_MSG_COUNT    (1u << 1)
#define VD_CRED_BYTES_UNSENT (1u << 2)
#define VD_CRED_BUF_USED     (1u << 3)

enum vd_credit_why { VD_CREDIT_START = 1, VD_CREDIT_SAMPLE, VD_CREDIT_STOP };

struct vd_bpf_credit {
	uint32_t local_cid, local_port, remote_cid, remote_port;
	uint32_t tx_cnt, peer_fwd_cnt, peer_buf_alloc;
	uint32_t fwd_cnt, last_fwd_cnt, rx_bytes, buf_alloc;
	uint32_t msg_count, buf_used;
	uint64_t bytes_unsent;
	uint16_t have; /* VD_CRED_* */
	uint8_t why;   /* enum vd_credit_why */
	uint8_t state; /* the socket's state as printed when a number; 255 otherwise */
};

/* payload: the most head bytes a line carries (the recorder's VD_PAYLOAD_HEAD) */
#define VD_BPF_PAYLOAD_HEAD 32

struct vd_bpf_payload {
	uint32_t len;			   /* hdr.len: the packet's payload bytes */
	uint32_t src_cid, src_port;	   /* src=, valid when have_src */
	uint32_t dst_cid, dst_port;	   /* dst=, valid when have_dst */
	uint8_t nhead;			   /* bytes in head[] (0: head=- or absent) */
	bool rx;			   /* dir=rx */
	bool have_src, have_dst;	   /* older lines may lack the tuple */
	uint8_t head[VD_BPF_PAYLOAD_HEAD]; /* the payload's first nhead bytes */
};

struct vd_bpf {
	uint64_t t;   /* t=: when it happened, the recording's trace clock */
	bool has_t;   /* tier and stack lines have no t= */
	uint8_t kind; /* enum vd_bpf_kind */
	union {
		struct vd_bpf_tier_ev tier;
		struct vd_bpf_rxfill rxfill;
		struct vd_bpf_rxlevel rxlevel;
		struct vd_bpf_kick kick;
		struct vd_bpf_vhost vhost; /* vhostwait, vhostsample */
		struct vd_bpf_vqirq vqirq;
		struct vd_bpf_allocfail alloc;
		struct vd_bpf_stack stack;
		struct vd_bpf_skbdrop skbdrop;
		struct vd_bpf_credit credit;
		struct vd_bpf_payload payload;
		uint64_t lost; /* lost: count= */
	};
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
		struct vd_bpf bpf;
	};
};

/*
 * Zero an event.  A copy of a zero event, not memset: gcc makes a 152-byte
 * memset a `rep stos`, whose start-up cost was a fifth of parsing a text
 * line (it runs for every line and record).
 */
extern const struct vd_event vd_event_zero;
static inline void vd_event_clear(struct vd_event *ev)
{
	*ev = vd_event_zero;
}

const char *vd_op_name(unsigned int op);
const char *vd_type_name(unsigned int type);
const char *vd_ev_kind_name(unsigned int kind);
/* the marker line's KIND ("rxfill"), "unknown" outside the enum */
const char *vd_bpf_kind_name(unsigned int kind);
/* tier=, as printed ("kprobe"); "unknown" outside the enum */
const char *vd_bpf_tier_name(unsigned int tier);
/* -1 when the name is not an op / type name */
int vd_op_from_name(const char *s, size_t len);
int vd_type_from_name(const char *s, size_t len);

#endif /* VD_EVENT_H */
