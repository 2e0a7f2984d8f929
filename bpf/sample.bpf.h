/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sampler (hooks ring_sample, vhost_sample, credit): state that produces no
 * event - a drained RX ring, a vhost device with packets queued, a socket whose
 * credit stopped moving - read by an iterator over every task's files that the
 * recorder runs a few times a second (and at start and stop). No vsock
 * iterator exists: sockets are reached through their files, vhost devices
 * through QEMU's /dev/vhost-vsock fd. Included by vsockdiag.bpf.c only.
 */

static __always_inline void sample_guest_ring(void)
{
	struct virtio_vsock___vd *vsock = NULL;

	if (!&the_virtio_vsock)
		return;
	bpf_probe_read_kernel(&vsock, sizeof(vsock), &the_virtio_vsock);
	if (vsock)
		emit_level(vsock, VD_LEVEL_SAMPLE);
}

static __always_inline void sample_vhost_dev(struct file *file, struct task_struct *task)
{
	struct vhost_vsock___vd *vsock = BPF_CORE_READ(file, private_data);
	struct vhost_virtqueue___vd *vq;
	struct vd_brec *r;

	if (!vsock)
		return;
	r = rec_new(VD_BR_VHOSTSAMPLE);
	if (!r)
		return;
	vq = &vsock->vqs[0];
	r->pid = BPF_CORE_READ(task, tgid);
	BPF_CORE_READ_STR_INTO(&r->comm, task, comm);
	r->vhost.queued = bpf_core_field_exists(vsock->send_pkt_queue) ?
				  BPF_CORE_READ(vsock, send_pkt_queue.qlen) :
				  -1;
	r->vhost.replies = BPF_CORE_READ(vsock, queued_replies.counter);
	r->vhost.cid = BPF_CORE_READ(vsock, guest_cid);
	/* buffers the guest made available that vhost has not taken yet */
	r->vhost.avail = (__u16)(BPF_CORE_READ(vq, avail_idx) - BPF_CORE_READ(vq, last_avail_idx));
	rec_submit(r);
}

#define VMADDR_CID_ANY	  0xffffffffu
#define VMADDR_CID_LOCAL  1
#define VMADDR_CID_HOST	  2

/*
 * A socket that connected without binding keeps VMADDR_CID_ANY as its local
 * CID; the transport it uses says what it really is: the guest's own CID for
 * the virtio driver, the host's for vhost, 1 for loopback.
 */
static __always_inline __u32 local_cid_of(const void *t)
{
	struct virtio_vsock___vd *vsock = NULL;

	if (!t)
		return VMADDR_CID_ANY;
	if (&vhost_transport && t == &vhost_transport)
		return VMADDR_CID_HOST;
	if (&loopback_transport && t == &loopback_transport)
		return VMADDR_CID_LOCAL;
	if (&virtio_transport && t == &virtio_transport && &the_virtio_vsock) {
		bpf_probe_read_kernel(&vsock, sizeof(vsock), &the_virtio_vsock);
		if (vsock)
			return BPF_CORE_READ(vsock, guest_cid);
	}
	return VMADDR_CID_ANY;
}

static __always_inline void sample_sock(struct file *file, struct task_struct *task)
{
	struct socket *sock = bpf_sock_from_file(file);
	struct vsock_sock___vd *vsk;
	struct virtio_vsock_sock___vd *vvs;
	struct vd_brec *r;
	struct sock *sk;

	if (!sock)
		return;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_VSOCK)
		return;
	vsk = (void *)sk;
	vvs = BPF_CORE_READ(vsk, trans);
	/* only the virtio transports (virtio, vhost, loopback) keep this layout */
	if (!vvs || (void *)BPF_CORE_READ(vvs, vsk) != (void *)vsk)
		return;
	r = rec_new(VD_BR_CREDIT);
	if (!r)
		return;
	r->pid = BPF_CORE_READ(task, tgid);
	BPF_CORE_READ_STR_INTO(&r->comm, task, comm);
	r->credit.why = sample_why;
	r->credit.lcid = BPF_CORE_READ(vsk, local_addr.svm_cid);
	if (r->credit.lcid == VMADDR_CID_ANY)
		r->credit.lcid = local_cid_of(BPF_CORE_READ(vsk, transport));
	r->credit.lport = BPF_CORE_READ(vsk, local_addr.svm_port);
	r->credit.rcid = BPF_CORE_READ(vsk, remote_addr.svm_cid);
	r->credit.rport = BPF_CORE_READ(vsk, remote_addr.svm_port);
	r->credit.state = BPF_CORE_READ(sk, __sk_common.skc_state);
	r->credit.tx_cnt = BPF_CORE_READ(vvs, tx_cnt);
	r->credit.peer_fwd_cnt = BPF_CORE_READ(vvs, peer_fwd_cnt);
	r->credit.peer_buf_alloc = BPF_CORE_READ(vvs, peer_buf_alloc);
	r->credit.fwd_cnt = BPF_CORE_READ(vvs, fwd_cnt);
	r->credit.rx_bytes = BPF_CORE_READ(vvs, rx_bytes);
	r->credit.buf_alloc = BPF_CORE_READ(vvs, buf_alloc);
	if (bpf_core_field_exists(vvs->last_fwd_cnt)) {
		r->credit.last_fwd_cnt = BPF_CORE_READ(vvs, last_fwd_cnt);
		r->credit.have |= VD_CR_LAST_FWD;
	}
	if (bpf_core_field_exists(vvs->msg_count)) {
		r->credit.msg_count = BPF_CORE_READ(vvs, msg_count);
		r->credit.have |= VD_CR_MSG_COUNT;
	}
	if (bpf_core_field_exists(vvs->bytes_unsent)) {
		r->credit.bytes_unsent = BPF_CORE_READ(vvs, bytes_unsent);
		r->credit.have |= VD_CR_BYTES_UNSENT;
	}
	if (bpf_core_field_exists(vvs->buf_used)) {
		r->credit.buf_used = BPF_CORE_READ(vvs, buf_used);
		r->credit.have |= VD_CR_BUF_USED;
	}
	rec_submit(r);
}

SEC("iter/task_file")
int iter_sample(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;

	/* once per run: seq_num does not move while the program prints nothing */
	if (sample_ring && !ring_sampled) {
		ring_sampled = 1;
		sample_guest_ring();
	}
	if (!task || !file)
		return 0;
	if (only_tgid && task->tgid != only_tgid)
		return 0;
	if (sample_vhost && &vhost_vsock_fops && (void *)file->f_op == &vhost_vsock_fops)
		sample_vhost_dev(file, task);
	else if (sample_credit)
		sample_sock(file, task);
	return 0;
}
