/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupts of the vsock virtqueues (hook vq_irq): a per-queue MSI-X line runs
 * vring_interrupt with dev_id = the virtqueue; a shared vector runs
 * vp_vring_interrupt/vp_interrupt/vm_interrupt with dev_id = the device (its
 * struct virtio_device comes first). tp_btf: typed irqaction, no kprobe needed.
 * Included by vsockdiag.bpf.c only.
 */

static __always_inline void vq_irq(int irq, struct irqaction *action)
{
	void *handler = BPF_CORE_READ(action, handler);
	void *dev_id = BPF_CORE_READ(action, dev_id);
	struct virtio_device___vd *vdev;
	struct vd_brec *r;
	__u32 vq = 0, shared = 0;

	if (!handler || !dev_id)
		return;
	if (handler == &vring_interrupt) {
		struct virtqueue___vd *q = dev_id;

		vdev = BPF_CORE_READ(q, vdev);
		vq = BPF_CORE_READ(q, index);
	} else if (handler == &vp_vring_interrupt || handler == &vp_interrupt ||
		   handler == &vm_interrupt) {
		vdev = dev_id;
		shared = 1;
	} else {
		return;
	}
	if (!vdev || BPF_CORE_READ(vdev, id.device) != vq_device_id)
		return;
	r = rec_new(VD_BR_VQIRQ);
	if (!r)
		return;
	r->vqirq.irq = irq;
	r->vqirq.vq = vq;
	r->vqirq.shared = shared;
	rec_submit(r);
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(tp_btf_vq_irq, int irq, struct irqaction *action)
{
	vq_irq(irq, action);
	return 0;
}

SEC("raw_tp/irq_handler_entry")
int raw_tp_vq_irq(struct bpf_raw_tracepoint_args *ctx)
{
	vq_irq((int)ctx->args[0], (struct irqaction *)ctx->args[1]);
	return 0;
}
