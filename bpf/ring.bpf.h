/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest RX ring (hooks rx_fill, rx_level): virtio_vsock_rx_fill() posts 4 KiB
 * buffers while the virtqueue has free descriptors and stops silently when an
 * allocation fails; nothing retries until the next RX work (BPF-NOTES.md).
 * Included by vsockdiag.bpf.c only.
 */

static __always_inline bool is_vsock_vdev(struct virtio_device___vd *vdev)
{
	return vdev && BPF_CORE_READ(vdev, id.device) == VIRTIO_ID_VSOCK;
}

static __always_inline __s64 rx_level(struct virtio_vsock___vd *vsock)
{
	return BPF_CORE_READ(vsock, rx_buf_nr);
}

static __always_inline void rxfill_enter(struct virtio_vsock___vd *vsock)
{
	__u64 id = bpf_get_current_pid_tgid(), p = (__u64)vsock;
	__s64 before = rx_level(vsock);

	bpf_map_update_elem(&entry_arg, &id, &p, BPF_ANY);
	bpf_map_update_elem(&entry_level, &id, &before, BPF_ANY);
}

static __always_inline void rxfill_exit(void)
{
	__u64 id = bpf_get_current_pid_tgid(), *p;
	__s64 *before;
	struct virtio_vsock___vd *vsock;
	struct virtqueue___vd *vq;
	struct vd_brec *r;

	p = bpf_map_lookup_elem(&entry_arg, &id);
	before = bpf_map_lookup_elem(&entry_level, &id);
	if (!p || !before)
		goto out;
	vsock = (struct virtio_vsock___vd *)*p;
	r = rec_new(VD_BR_RXFILL);
	if (!r)
		goto out;
	vq = BPF_CORE_READ(vsock, vqs[VSOCK_VQ_RX]);
	r->rxfill.before = (__s32)*before;
	r->rxfill.after = BPF_CORE_READ(vsock, rx_buf_nr);
	r->rxfill.max = BPF_CORE_READ(vsock, rx_buf_max_nr);
	r->rxfill.free = vq ? BPF_CORE_READ(vq, num_free) : -1;
	/* the loop only ends with free descriptors when an allocation (or add) failed */
	r->rxfill.fail = r->rxfill.free > 0;
	rec_submit(r);
out:
	bpf_map_delete_elem(&entry_arg, &id);
	bpf_map_delete_elem(&entry_level, &id);
}

SEC("fentry/virtio_vsock_rx_fill")
int BPF_PROG(fentry_rx_fill, struct virtio_vsock___vd *vsock)
{
	rxfill_enter(vsock);
	return 0;
}

SEC("fexit/virtio_vsock_rx_fill")
int BPF_PROG(fexit_rx_fill, struct virtio_vsock___vd *vsock)
{
	rxfill_exit();
	return 0;
}

SEC("kprobe/virtio_vsock_rx_fill")
int BPF_KPROBE(kprobe_rx_fill, struct virtio_vsock___vd *vsock)
{
	rxfill_enter(vsock);
	return 0;
}

SEC("kretprobe/virtio_vsock_rx_fill")
int BPF_KRETPROBE(kretprobe_rx_fill)
{
	rxfill_exit();
	return 0;
}

static __always_inline void emit_level(struct virtio_vsock___vd *vsock, __u32 src)
{
	struct virtqueue___vd *vq = BPF_CORE_READ(vsock, vqs[VSOCK_VQ_RX]);
	struct vd_brec *r = rec_new(VD_BR_RXLEVEL);

	if (!r)
		return;
	r->rxlevel.level = BPF_CORE_READ(vsock, rx_buf_nr);
	r->rxlevel.max = BPF_CORE_READ(vsock, rx_buf_max_nr);
	r->rxlevel.free = vq ? BPF_CORE_READ(vq, num_free) : -1;
	r->rxlevel.src = src;
	rec_submit(r);
}

/*
 * workqueue_execute_end(work, function) (function since 5.6): after each RX work,
 * the level. raw_tp, not tp_btf: tp_btf cannot read the function pointer.
 */
SEC("raw_tp/workqueue_execute_end")
int raw_tp_rx_work(struct bpf_raw_tracepoint_args *ctx)
{
	void *work = (void *)ctx->args[0];
	void *fn = (void *)ctx->args[1];

	if (!&virtio_transport_rx_work || fn != &virtio_transport_rx_work)
		return 0;
	emit_level((void *)work - bpf_core_field_offset(struct virtio_vsock___vd, rx_work),
		   VD_LEVEL_WORK);
	return 0;
}
