/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host waiting for guest RX buffers (hook vhost_wait): vhost_transport_do_send_pkt()
 * finds the guest RX ring empty, puts the packet back on its send queue and calls
 * vhost_enable_notify(); false means no buffer sneaked in, so vhost now waits for
 * the guest's kick. The same call with an empty send queue is no wait.
 * Included by vsockdiag.bpf.c only.
 */

static __always_inline void vhost_wait_check(struct vhost_virtqueue___vd *vq, bool more)
{
	struct vhost_vsock___vd *vsock;
	struct vd_brec *r;
	__s32 queued = -1;

	/* the vsock device's RX queue only (vhost_enable_notify serves every vhost device) */
	if (more || !&vhost_vsock_handle_rx_kick ||
	    BPF_CORE_READ(vq, handle_kick) != &vhost_vsock_handle_rx_kick)
		return;
	vsock = (void *)vq - bpf_core_field_offset(struct vhost_vsock___vd, vqs);
	if (bpf_core_field_exists(vsock->send_pkt_queue)) {
		queued = BPF_CORE_READ(vsock, send_pkt_queue.qlen);
		if (queued == 0)
			return;
	}
	r = rec_new(VD_BR_VHOSTWAIT);
	if (!r)
		return;
	r->vhost.queued = queued;
	r->vhost.replies = BPF_CORE_READ(vsock, queued_replies.counter);
	r->vhost.cid = BPF_CORE_READ(vsock, guest_cid);
	rec_submit(r);
}

SEC("fexit/vhost_enable_notify")
int BPF_PROG(fexit_vhost_enable_notify, void *dev, struct vhost_virtqueue___vd *vq, bool ret)
{
	vhost_wait_check(vq, ret);
	return 0;
}

SEC("kprobe/vhost_enable_notify")
int BPF_KPROBE(kprobe_vhost_enable_notify, void *dev, struct vhost_virtqueue___vd *vq)
{
	__u64 id = bpf_get_current_pid_tgid(), p = (__u64)vq;

	bpf_map_update_elem(&entry_arg, &id, &p, BPF_ANY);
	return 0;
}

SEC("kretprobe/vhost_enable_notify")
int BPF_KRETPROBE(kretprobe_vhost_enable_notify, bool ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *p = bpf_map_lookup_elem(&entry_arg, &id);

	if (p)
		vhost_wait_check((struct vhost_virtqueue___vd *)*p, ret);
	bpf_map_delete_elem(&entry_arg, &id);
	return 0;
}
