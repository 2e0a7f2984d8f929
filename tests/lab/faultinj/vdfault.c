// SPDX-License-Identifier: GPL-2.0
/*
 * vdfault: fault injection for the vsockdiag QEMU lab (tests/lab/, doc/lab.md). LAB ONLY.
 *
 * Loaded with insmod inside a lab VM, never on a machine that matters: it taints the kernel
 * (out-of-tree, unsigned) and makes kernel functions fail on purpose. Debian's 6.1 kernel has no
 * fault-injection framework and no bpf_override_return, so the faults are kprobe pre-handlers
 * that make a function return exactly what its real failure returns:
 *
 *   rxfill_fail=N      the guest's RX refill (virtio_vsock_rx_fill) gets NULL from its next N
 *                      skb allocations (-1: every one until set to 0). rx_fill breaks out of its
 *                      loop on the first NULL, kicks, and nothing retries: the ring drains.
 *   rxfill_order=K     every refill allocation first really allocates a 2^K-page block, as a
 *                      kernel whose RX buffers are that large would (the seed's 64 KiB buffers:
 *                      K=5), and fails when the buddy allocator has none: the refill fails
 *                      exactly while memory is too fragmented for such a buffer. The attempt is
 *                      real (it shows as mm_page_alloc page=NULL in a recording) but GFP_NOWAIT:
 *                      a kprobe handler cannot sleep, so no direct reclaim or compaction.
 *   drop_rx_kick=N     the next N doorbell writes of the vsock device's RX virtqueue never reach
 *                      the device (-1: all until set to 0): vp_notify calls iowrite16() and
 *                      returns true as usual, the write is skipped.
 *
 * Counters (read-only parameters): rxfill_allocs, rxfill_failed, rx_kicks, rx_kicks_dropped.
 * Every injected failure and every parameter change is logged with pr_info ("vdfault: ...").
 *
 * How a probed function is made to return (x86_64): the pre-handler sets regs->ax to the
 * return value and regs->ip to vdfault_ret, a bare `ret`, and returns 1. The caller's return
 * address is still on the stack, so that `ret` goes back to the caller with the value in rax,
 * as the kernel's own override_function_with_return() does with just_return_func. Setting
 * regs->ip to the return address and regs->sp += 8 instead works for int3-based probes (iret
 * restores rsp) but not for the ftrace-based ones every probe here is (a kprobe on a function's
 * `call __fentry__`, CONFIG_KPROBES_ON_FTRACE): kprobe_ftrace_handler() keeps a changed ip when
 * the pre-handler returns nonzero, and ftrace_regs_caller copies regs->ip back into its return
 * slot, but it never restores rsp from pt_regs (arch/x86/kernel/ftrace_64.S, 6.1). Tried: the
 * guest panics at once, "stack-protector: Kernel stack is corrupted in: virtio_vsock_rx_fill".
 */
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/ptrace.h>
#include <linux/virtio.h>
#include <linux/virtio_ids.h>
#include <asm/linkage.h>

/* vsock virtqueue indices (net/vmw_vsock/virtio_transport.c: VSOCK_VQ_RX, TX, EVENT) */
#define VD_VQ_RX 0

/* a function body that only returns: where a faulted probe sends the CPU (see above) */
void vdfault_ret(void);
asm(".pushsection .text, \"ax\"\n"
    ".type vdfault_ret, @function\n"
    "vdfault_ret:\n" ASM_RET ".size vdfault_ret, .-vdfault_ret\n"
    ".popsection\n");

static int rxfill_fail;
static int rxfill_order;
static int drop_rx_kick;
static atomic_long_t rxfill_allocs, rxfill_failed, rx_kicks, rx_kicks_dropped;

static int vd_param_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_int(val, kp);

	if (!ret)
		pr_info("vdfault: %s=%d\n", kp->name, *(int *)kp->arg);
	return ret;
}
static const struct kernel_param_ops vd_param_ops = { .set = vd_param_set, .get = param_get_int };
module_param_cb(rxfill_fail, &vd_param_ops, &rxfill_fail, 0644);
MODULE_PARM_DESC(rxfill_fail, "fail the next N RX refill skb allocations (-1: all until 0)");
module_param_cb(rxfill_order, &vd_param_ops, &rxfill_order, 0644);
MODULE_PARM_DESC(rxfill_order, "fail RX refill allocations while no order-K block can be allocated (0: off)");
module_param_cb(drop_rx_kick, &vd_param_ops, &drop_rx_kick, 0644);
MODULE_PARM_DESC(drop_rx_kick, "drop the next N doorbells of the vsock RX virtqueue (-1: all until 0)");

static int vd_counter_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read((atomic_long_t *)kp->arg));
}
static const struct kernel_param_ops vd_counter_ops = { .get = vd_counter_get };
module_param_cb(rxfill_allocs, &vd_counter_ops, &rxfill_allocs, 0444);
MODULE_PARM_DESC(rxfill_allocs, "skb allocations made by virtio_vsock_rx_fill since load");
module_param_cb(rxfill_failed, &vd_counter_ops, &rxfill_failed, 0444);
MODULE_PARM_DESC(rxfill_failed, "RX refill allocations made to fail");
module_param_cb(rx_kicks, &vd_counter_ops, &rx_kicks, 0444);
MODULE_PARM_DESC(rx_kicks, "doorbells of the vsock RX virtqueue since load (dropped ones included)");
module_param_cb(rx_kicks_dropped, &vd_counter_ops, &rx_kicks_dropped, 0444);
MODULE_PARM_DESC(rx_kicks_dropped, "doorbells of the vsock RX virtqueue dropped");

/* take one shot of a "next N, or -1 for all" parameter */
static bool vd_take(int *param)
{
	int v = READ_ONCE(*param);

	while (v > 0)
		if (try_cmpxchg(param, &v, v - 1))
			return true;
	return v < 0;
}

struct vd_range {
	const char *sym;
	unsigned long start, end;
};
static struct vd_range rx_fill = { .sym = "virtio_vsock_rx_fill" };
static struct vd_range notify = { .sym = "vp_notify" };

/* Address and size of a (module) function: kallsyms_lookup_name() is not exported, but
 * register_kprobe() resolves a symbol name and sprint_symbol() prints "sym+0xOFF/0xSIZE [mod]"
 * (kp.addr may sit past the symbol's first byte when kprobes skip an endbr64). */
static int vd_resolve(struct vd_range *r)
{
	struct kprobe kp = { .symbol_name = r->sym };
	char buf[KSYM_SYMBOL_LEN], *plus;
	unsigned long off, size;
	int ret = register_kprobe(&kp);

	if (ret) {
		pr_err("vdfault: cannot find %s (%d): is its module loaded?\n", r->sym, ret);
		return ret;
	}
	sprint_symbol(buf, (unsigned long)kp.addr);
	unregister_kprobe(&kp);
	plus = strrchr(buf, '+');
	if (!plus || sscanf(plus, "+%lx/%lx", &off, &size) != 2 || !size) {
		pr_err("vdfault: cannot read the size of %s from \"%s\"\n", r->sym, buf);
		return -ENOENT;
	}
	r->start = (unsigned long)kp.addr - off;
	r->end = r->start + size;
	pr_info("vdfault: %s at %px, %lu bytes\n", r->sym, (void *)r->start, size);
	return 0;
}

static bool vd_in(const struct vd_range *r, unsigned long addr)
{
	return addr >= r->start && addr < r->end;
}

/* at a function's entry, *sp is its return address, in the ftrace and int3 cases alike */
static unsigned long vd_caller(struct pt_regs *regs)
{
	return *(unsigned long *)regs->sp;
}

static void vd_return(struct pt_regs *regs, unsigned long value)
{
	regs->ax = value;
	regs->ip = (unsigned long)vdfault_ret;
}

/* Armed with FTRACE_OPS_FL_IPMODIFY only when a post_handler is set (kernel/kprobes.c): the
 * pre-handlers below do modify ip, and a post_handler also keeps an int3 kprobe from being
 * optimized into a jump (optprobes ignore a changed ip). */
static void vd_post(struct kprobe *p, struct pt_regs *regs, unsigned long flags)
{
}

/* __alloc_skb(size, gfp, flags, node) called from virtio_vsock_rx_fill */
static int vd_alloc_skb_pre(struct kprobe *p, struct pt_regs *regs)
{
	unsigned long caller = vd_caller(regs);
	int order;
	bool fail;

	if (!vd_in(&rx_fill, caller))
		return 0;
	atomic_long_inc(&rxfill_allocs);
	fail = vd_take(&rxfill_fail);
	order = READ_ONCE(rxfill_order);
	if (!fail && order > 0 && order <= MAX_ORDER - 1) {
		struct page *page = alloc_pages(GFP_NOWAIT | __GFP_NOWARN | __GFP_COMP, order);

		if (page)
			__free_pages(page, order);
		else
			fail = true;
	}
	if (!fail)
		return 0;
	atomic_long_inc(&rxfill_failed);
	pr_info("vdfault: RX refill allocation failed (__alloc_skb(%lu) from %pS returns NULL%s; %ld so far)\n",
		regs->di, (void *)caller, order > 0 ? ", no order-K block" : "",
		atomic_long_read(&rxfill_failed));
	vd_return(regs, 0);
	return 1;
}

static void __iomem *rx_doorbell;

/* vp_notify(vq): observe only: remember the vsock RX queue's doorbell address */
static int vd_notify_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct virtqueue *vq = (struct virtqueue *)regs->di;

	if (vq->vdev->id.device == VIRTIO_ID_VSOCK && vq->index == VD_VQ_RX)
		WRITE_ONCE(rx_doorbell, (void __iomem *)vq->priv);
	return 0;
}

/* iowrite16(val, addr) from vp_notify: the doorbell itself (val is the queue index) */
static int vd_iowrite16_pre(struct kprobe *p, struct pt_regs *regs)
{
	void __iomem *addr = (void __iomem *)regs->si;
	long n;

	if ((u16)regs->di != VD_VQ_RX || !vd_in(&notify, vd_caller(regs)) || addr != READ_ONCE(rx_doorbell))
		return 0;
	n = atomic_long_inc_return(&rx_kicks);
	if (!vd_take(&drop_rx_kick)) {
		pr_info("vdfault: vsock RX doorbell #%ld written\n", n);
		return 0;
	}
	atomic_long_inc(&rx_kicks_dropped);
	pr_info("vdfault: vsock RX doorbell #%ld dropped (vp_notify returns true, the device is never told)\n", n);
	vd_return(regs, 0);
	return 1;
}

static struct kprobe kp_alloc_skb = { .symbol_name = "__alloc_skb", .pre_handler = vd_alloc_skb_pre, .post_handler = vd_post };
static struct kprobe kp_notify = { .symbol_name = "vp_notify", .pre_handler = vd_notify_pre };
static struct kprobe kp_iowrite16 = { .symbol_name = "iowrite16", .pre_handler = vd_iowrite16_pre, .post_handler = vd_post };
static struct kprobe *vd_probes[] = { &kp_alloc_skb, &kp_notify, &kp_iowrite16 };

static int __init vdfault_init(void)
{
	int ret;

	ret = vd_resolve(&rx_fill);
	if (!ret)
		ret = vd_resolve(&notify);
	if (ret)
		return ret;
	ret = register_kprobes(vd_probes, ARRAY_SIZE(vd_probes));
	if (ret) {
		pr_err("vdfault: register_kprobes: %d\n", ret);
		return ret;
	}
	pr_info("vdfault: loaded (lab-only fault injection; this kernel is now tainted): probes on __alloc_skb%s, vp_notify%s, iowrite16%s\n",
		kprobe_ftrace(&kp_alloc_skb) ? " (ftrace)" : " (int3)", kprobe_ftrace(&kp_notify) ? " (ftrace)" : " (int3)",
		kprobe_ftrace(&kp_iowrite16) ? " (ftrace)" : " (int3)");
	return 0;
}

static void __exit vdfault_exit(void)
{
	unregister_kprobes(vd_probes, ARRAY_SIZE(vd_probes));
	pr_info("vdfault: unloaded: rxfill_allocs=%ld rxfill_failed=%ld rx_kicks=%ld rx_kicks_dropped=%ld\n",
		atomic_long_read(&rxfill_allocs), atomic_long_read(&rxfill_failed), atomic_long_read(&rx_kicks),
		atomic_long_read(&rx_kicks_dropped));
}

module_init(vdfault_init);
module_exit(vdfault_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vsockdiag lab: inject vsock RX refill failures and lost RX doorbells (lab VMs only)");
