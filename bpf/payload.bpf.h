/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Payload heads (hook payload): the first bytes of RW packets on the ports the
 * user selected (adb: 5555), nothing elsewhere. Since the sk_buff conversion
 * (6.3, 6.1.63) the virtio_vsock_hdr sits at skb->head and the payload at
 * skb->data; before it, struct virtio_vsock_pkt starts with the header and
 * points at the payload. The header is little-endian wire format, read by offset.
 * Included by vsockdiag.bpf.c only.
 */

#define HDR_SRC_CID  0
#define HDR_DST_CID  8
#define HDR_SRC_PORT 16
#define HDR_DST_PORT 20
#define HDR_LEN	     24
#define HDR_OP	     30

static __always_inline bool payload_port(__u32 port)
{
	for (__u32 i = 0; i < VD_MAX_PAYLOAD_PORTS; i++) {
		if (i >= npayload_ports)
			break;
		if (payload_ports[i] == port)
			return true;
	}
	return false;
}

/*
 * @p is a struct sk_buff on kernels with sk_buff packets, a struct virtio_vsock_pkt
 * (virtio_vsock_hdr first, payload at ->buf) before: CO-RE knows which this kernel has.
 */
static __always_inline void payload_head(void *p, __u32 dir)
{
	unsigned char *head, *data;
	__u8 hdr[32];
	__u32 sport, dport, len, n;
	struct vd_brec *r;
	bool pkt = bpf_core_type_exists(struct virtio_vsock_pkt___vd);
	struct sk_buff *skb = p;

	if (!npayload_ports || !p)
		return;
	head = pkt ? p : BPF_CORE_READ(skb, head);
	if (bpf_probe_read_kernel(hdr, sizeof(hdr), head))
		return;
	if (*(__u16 *)&hdr[HDR_OP] != VSOCK_OP_RW)
		return;
	sport = *(__u32 *)&hdr[HDR_SRC_PORT];
	dport = *(__u32 *)&hdr[HDR_DST_PORT];
	if (!payload_port(sport) && !payload_port(dport))
		return;
	len = *(__u32 *)&hdr[HDR_LEN];
	/* only the linear part: the head of a nonlinear skb (6.17+) may be in a frag */
	if (pkt)
		n = BPF_CORE_READ((struct virtio_vsock_pkt___vd *)p, len);
	else
		n = BPF_CORE_READ(skb, len) - BPF_CORE_READ(skb, data_len);
	if (n > len)
		n = len;
	r = rec_new(VD_BR_PAYLOAD);
	if (!r)
		return;
	r->payload.dir = dir;
	r->payload.src_cid = (__u32) * (__u64 *)&hdr[HDR_SRC_CID];
	r->payload.dst_cid = (__u32) * (__u64 *)&hdr[HDR_DST_CID];
	r->payload.src_port = sport;
	r->payload.dst_port = dport;
	r->payload.len = len;
	data = pkt ? BPF_CORE_READ((struct virtio_vsock_pkt___vd *)p, buf) : BPF_CORE_READ(skb, data);
	/*
	 * The length kept is min(n, VD_PAYLOAD_HEAD). Masking alone first turned every
	 * length that is a multiple of 64 into 0 (the heads of 4 KiB data packets went
	 * missing in the adb lab scenario); the mask and the second cap are only the
	 * bound the verifier needs to see, and the barrier keeps the compiler from
	 * folding them into the first cap (the 6.1 verifier then refused the load).
	 */
	if (n > VD_PAYLOAD_HEAD)
		n = VD_PAYLOAD_HEAD;
	barrier_var(n);
	n &= 0x3f;
	if (n > VD_PAYLOAD_HEAD)
		n = VD_PAYLOAD_HEAD;
	if (n && bpf_probe_read_kernel(r->payload.head, n, data))
		n = 0;
	r->payload.n = n;
	rec_submit(r);
}

/*
 * Sends: the transport's send_pkt gets the finished packet (the payload is
 * copied in after virtio_transport_alloc_skb returns on 6.1.192), one per
 * transport: the guest driver, vhost on the host, loopback.
 */
SEC("fentry/virtio_transport_send_pkt")
int BPF_PROG(fentry_payload_tx_virtio, void *skb)
{
	payload_head(skb, VD_BK_SENT);
	return 0;
}

SEC("fentry/vhost_transport_send_pkt")
int BPF_PROG(fentry_payload_tx_vhost, void *skb)
{
	payload_head(skb, VD_BK_SENT);
	return 0;
}

SEC("fentry/vsock_loopback_send_pkt")
int BPF_PROG(fentry_payload_tx_loopback, void *skb)
{
	payload_head(skb, VD_BK_SENT);
	return 0;
}

SEC("kprobe/virtio_transport_send_pkt")
int BPF_KPROBE(kprobe_payload_tx_virtio, void *skb)
{
	payload_head(skb, VD_BK_SENT);
	return 0;
}

SEC("kprobe/vhost_transport_send_pkt")
int BPF_KPROBE(kprobe_payload_tx_vhost, void *skb)
{
	payload_head(skb, VD_BK_SENT);
	return 0;
}

SEC("kprobe/vsock_loopback_send_pkt")
int BPF_KPROBE(kprobe_payload_tx_loopback, void *skb)
{
	payload_head(skb, VD_BK_SENT);
	return 0;
}

SEC("fentry/virtio_transport_recv_pkt")
int BPF_PROG(fentry_payload_rx, void *t, void *skb)
{
	payload_head(skb, VD_BK_RECEIVED);
	return 0;
}

SEC("kprobe/virtio_transport_recv_pkt")
int BPF_KPROBE(kprobe_payload_rx, void *t, void *skb)
{
	payload_head(skb, VD_BK_RECEIVED);
	return 0;
}
