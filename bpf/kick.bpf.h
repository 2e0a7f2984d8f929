/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kicks (hooks kick, kick_skip, vhost_kick). The guest's doorbell is the
 * transport's notify callback (vp_notify for PCI, vm_notify for MMIO);
 * virtqueue_kick_prepare() returning false is a kick the driver skipped
 * (the device asked not to be notified). On the host, vhost's kick handlers.
 * Included by vsockdiag.bpf.c only.
 */

static __always_inline void emit_kick(struct virtqueue___vd *vq, __u32 dir)
{
	struct vd_brec *r;

	if (!vq || !is_vsock_vdev(BPF_CORE_READ(vq, vdev)))
		return;
	r = rec_new(VD_BR_KICK);
	if (!r)
		return;
	r->kick.dir = dir;
	r->kick.vq = BPF_CORE_READ(vq, index);
	rec_submit(r);
}

SEC("fentry/vp_notify")
int BPF_PROG(fentry_vp_notify, struct virtqueue___vd *vq)
{
	emit_kick(vq, VD_BK_SENT);
	return 0;
}

SEC("fentry/vm_notify")
int BPF_PROG(fentry_vm_notify, struct virtqueue___vd *vq)
{
	emit_kick(vq, VD_BK_SENT);
	return 0;
}

SEC("kprobe/vp_notify")
int BPF_KPROBE(kprobe_vp_notify, struct virtqueue___vd *vq)
{
	emit_kick(vq, VD_BK_SENT);
	return 0;
}

SEC("kprobe/vm_notify")
int BPF_KPROBE(kprobe_vm_notify, struct virtqueue___vd *vq)
{
	emit_kick(vq, VD_BK_SENT);
	return 0;
}

SEC("fexit/virtqueue_kick_prepare")
int BPF_PROG(fexit_kick_prepare, struct virtqueue___vd *vq, bool ret)
{
	if (!ret)
		emit_kick(vq, VD_BK_SKIPPED);
	return 0;
}

SEC("kprobe/virtqueue_kick_prepare")
int BPF_KPROBE(kprobe_kick_prepare, struct virtqueue___vd *vq)
{
	__u64 id = bpf_get_current_pid_tgid(), p = (__u64)vq;

	bpf_map_update_elem(&entry_arg, &id, &p, BPF_ANY);
	return 0;
}

SEC("kretprobe/virtqueue_kick_prepare")
int BPF_KRETPROBE(kretprobe_kick_prepare, bool ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *p = bpf_map_lookup_elem(&entry_arg, &id);

	if (p && !ret)
		emit_kick((struct virtqueue___vd *)*p, VD_BK_SKIPPED);
	bpf_map_delete_elem(&entry_arg, &id);
	return 0;
}

static __always_inline void emit_host_kick(__u32 vq)
{
	struct vd_brec *r = rec_new(VD_BR_KICK);

	if (!r)
		return;
	r->kick.dir = VD_BK_RECEIVED;
	r->kick.vq = vq;
	rec_submit(r);
}

/* vhost names its queues as the guest does: the guest's RX queue is vqs[0] */
SEC("fentry/vhost_vsock_handle_rx_kick")
int BPF_PROG(fentry_vhost_rx_kick)
{
	emit_host_kick(0);
	return 0;
}

SEC("fentry/vhost_vsock_handle_tx_kick")
int BPF_PROG(fentry_vhost_tx_kick)
{
	emit_host_kick(1);
	return 0;
}

SEC("kprobe/vhost_vsock_handle_rx_kick")
int BPF_KPROBE(kprobe_vhost_rx_kick)
{
	emit_host_kick(0);
	return 0;
}

SEC("kprobe/vhost_vsock_handle_tx_kick")
int BPF_KPROBE(kprobe_vhost_tx_kick)
{
	emit_host_kick(1);
	return 0;
}
