/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocation failures with their kernel stacks (hooks pkt_alloc_fail,
 * page_alloc_fail, kmalloc_fail) and skb drops inside vsock/virtio/vhost code
 * (hook skb_drop). The vsock tracepoint virtio_transport_alloc_pkt fires only
 * after a successful allocation: the failure is seen on the allocator's return.
 * Included by vsockdiag.bpf.c only.
 */

static __always_inline void emit_allocfail(void *ctx, __u32 path, __u32 order, __u64 bytes,
					   __u64 gfp)
{
	struct vd_brec *r = rec_new(VD_BR_ALLOCFAIL);

	if (!r)
		return;
	r->allocfail.path = path;
	r->allocfail.order = order;
	r->allocfail.bytes = bytes;
	r->allocfail.gfp = gfp;
	r->allocfail.stack = bpf_get_stackid(ctx, &stacks, 0);
	rec_submit(r);
}

/* the packet allocators' return value; their arity changes between versions */
SEC("fexit/virtio_transport_alloc_skb")
int fexit_alloc_skb(unsigned long long *ctx)
{
	__u64 ret = 1;

	bpf_get_func_ret(ctx, &ret);
	if (!ret)
		emit_allocfail(ctx, VD_AF_PKT, 0, 0, 0);
	return 0;
}

SEC("fexit/virtio_transport_alloc_pkt")
int fexit_alloc_pkt(unsigned long long *ctx)
{
	__u64 ret = 1;

	bpf_get_func_ret(ctx, &ret);
	if (!ret)
		emit_allocfail(ctx, VD_AF_PKT, 0, 0, 0);
	return 0;
}

SEC("kretprobe/virtio_transport_alloc_skb")
int BPF_KRETPROBE(kretprobe_alloc_skb, void *ret)
{
	if (!ret)
		emit_allocfail(ctx, VD_AF_PKT, 0, 0, 0);
	return 0;
}

SEC("kretprobe/virtio_transport_alloc_pkt")
int BPF_KRETPROBE(kretprobe_alloc_pkt, void *ret)
{
	if (!ret)
		emit_allocfail(ctx, VD_AF_PKT, 0, 0, 0);
	return 0;
}

/* mm_page_alloc(page, order, gfp_flags, migratetype): page NULL is a failure */
SEC("tp_btf/mm_page_alloc")
int BPF_PROG(tp_btf_page_alloc, struct page *page, unsigned int order, gfp_t gfp)
{
	if (!page)
		emit_allocfail(ctx, VD_AF_PAGE, order, 0, gfp);
	return 0;
}

SEC("raw_tp/mm_page_alloc")
int raw_tp_page_alloc(struct bpf_raw_tracepoint_args *ctx)
{
	if (!ctx->args[0])
		emit_allocfail(ctx, VD_AF_PAGE, (__u32)ctx->args[1], 0, ctx->args[2]);
	return 0;
}

/* kmalloc(call_site, ptr, bytes_req, bytes_alloc, gfp_flags[, node]); kmalloc_node before 6.0 */
SEC("raw_tp/kmalloc")
int raw_tp_kmalloc(struct bpf_raw_tracepoint_args *ctx)
{
	if (!ctx->args[1])
		emit_allocfail(ctx, VD_AF_KMALLOC, 0, ctx->args[2], ctx->args[4]);
	return 0;
}

SEC("raw_tp/kmalloc_node")
int raw_tp_kmalloc_node(struct bpf_raw_tracepoint_args *ctx)
{
	if (!ctx->args[1])
		emit_allocfail(ctx, VD_AF_KMALLOC, 0, ctx->args[2], ctx->args[4]);
	return 0;
}

static __always_inline bool in_vsock_code(__u64 ip)
{
	for (__u32 i = 0; i < VD_MAX_CODE_RANGES; i++) {
		if (i >= ncode_ranges)
			break;
		if (ip >= code_lo[i] && ip < code_hi[i])
			return true;
	}
	return false;
}

static __always_inline void skb_drop(void *loc, __u32 reason)
{
	struct vd_brec *r;

	if (!in_vsock_code((__u64)loc))
		return;
	r = rec_new(VD_BR_SKBDROP);
	if (!r)
		return;
	r->skbdrop.loc = (__u64)loc;
	r->skbdrop.reason = reason;
	rec_submit(r);
}

/* kfree_skb(skb, location, reason) since 5.17 */
SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_btf_skb_drop, struct sk_buff *skb, void *location, int reason)
{
	skb_drop(location, (__u32)reason);
	return 0;
}

SEC("raw_tp/kfree_skb")
int raw_tp_skb_drop(struct bpf_raw_tracepoint_args *ctx)
{
	skb_drop((void *)ctx->args[1], 0);
	return 0;
}
