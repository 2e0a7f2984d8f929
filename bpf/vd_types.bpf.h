/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local CO-RE flavours of the structures vsockdiag reads. The vsock, virtio
 * and vhost types are module-private on Debian (vmlinux BTF lacks them) and
 * move between versions (BPF-NOTES.md): each flavour lists only the fields
 * read, libbpf matches them by name in vmlinux or module BTF at load time.
 * Optional fields are read only after bpf_core_field_exists().
 */
#ifndef VD_TYPES_BPF_H
#define VD_TYPES_BPF_H

#define VD_CORE __attribute__((preserve_access_index))

struct virtio_device_id___vd {
	__u32 device;
} VD_CORE;

struct virtio_device___vd {
	struct virtio_device_id___vd id;
	void *priv;
} VD_CORE;

struct virtqueue___vd {
	struct virtio_device___vd *vdev;
	unsigned int index;
	unsigned int num_free;
} VD_CORE;

/* drivers/vsock/virtio_transport.c (guest driver) */
struct virtio_vsock___vd {
	struct virtio_device___vd *vdev;
	struct virtqueue___vd *vqs[3];
	struct work_struct rx_work;
	int rx_buf_nr;
	int rx_buf_max_nr;
	__u32 guest_cid;
} VD_CORE;

/* drivers/vhost/vhost.h */
struct vhost_virtqueue___vd {
	unsigned int num;
	void *handle_kick;
	__u16 last_avail_idx;
	__u16 avail_idx;
} VD_CORE;

/* drivers/vhost/vsock.c: send_pkt_queue since the sk_buff conversion (6.3, 6.1.63) */
struct vhost_vsock___vd {
	struct vhost_virtqueue___vd vqs[2];
	struct sk_buff_head send_pkt_queue;
	atomic_t queued_replies;
	__u32 guest_cid;
} VD_CORE;

struct sockaddr_vm___vd {
	unsigned int svm_port;
	unsigned int svm_cid;
} VD_CORE;

/* include/net/af_vsock.h: sk is the first member */
struct vsock_sock___vd {
	struct sock sk;
	const void *transport;
	struct sockaddr_vm___vd local_addr;
	struct sockaddr_vm___vd remote_addr;
	void *trans;
} VD_CORE;

/* include/linux/virtio_vsock.h; last_fwd_cnt 5.4+, msg_count 5.14+, later fields newer */
struct virtio_vsock_sock___vd {
	struct vsock_sock___vd *vsk;
	__u32 tx_cnt;
	__u32 peer_fwd_cnt;
	__u32 peer_buf_alloc;
	__u32 fwd_cnt;
	__u32 last_fwd_cnt;
	__u32 rx_bytes;
	__u32 buf_alloc;
	__u32 msg_count;
	__u32 bytes_unsent;
	__u32 buf_used;
} VD_CORE;

/* before the sk_buff conversion (5.15 and older, 6.1 before .63): the header inline */
struct virtio_vsock_pkt___vd {
	void *buf;
	__u32 len;
} VD_CORE;

#endif /* VD_TYPES_BPF_H */
