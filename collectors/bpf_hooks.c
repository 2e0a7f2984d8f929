// SPDX-License-Identifier: GPL-2.0
/* The hook table and the probes that pick each hook's tier (see bpf_hooks.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "common/log.h"
#include "common/util.h"
#include "bpf_hooks.h"
#include "ksyms.h"

#define P(prog, target)                                                                            \
	{                                                                                          \
		prog, target                                                                       \
	}

/* clang-format off */
const struct vd_hook_def vd_hooks[] = {
	{ "rx_fill", true, VD_NEED_NONE, {
		{ VD_HT_FENTRY, { P("fentry_rx_fill", "virtio_vsock_rx_fill"),
				    P("fexit_rx_fill", "virtio_vsock_rx_fill") } },
		{ VD_HT_KPROBE, { P("kprobe_rx_fill", "virtio_vsock_rx_fill"),
				    P("kretprobe_rx_fill", "virtio_vsock_rx_fill") } } } },
	{ "rx_level", true, VD_NEED_RX_WORK, {
		{ VD_HT_RAW_TP, { P("raw_tp_rx_work", "workqueue/workqueue_execute_end") } } } },
	{ "kick", true, VD_NEED_NONE, {
		{ VD_HT_FENTRY, { P("fentry_vp_notify", "vp_notify"),
				    P("fentry_vm_notify", "vm_notify") } },
		{ VD_HT_KPROBE, { P("kprobe_vp_notify", "vp_notify"),
				    P("kprobe_vm_notify", "vm_notify") } } } },
	{ "kick_skip", true, VD_NEED_NONE, {
		{ VD_HT_FENTRY, { P("fexit_kick_prepare", "virtqueue_kick_prepare") } },
		{ VD_HT_KPROBE, { P("kprobe_kick_prepare", "virtqueue_kick_prepare"),
				    P("kretprobe_kick_prepare", "virtqueue_kick_prepare") } } } },
	{ "vhost_kick", true, VD_NEED_NONE, {
		{ VD_HT_FENTRY, { P("fentry_vhost_rx_kick", "vhost_vsock_handle_rx_kick"),
				    P("fentry_vhost_tx_kick", "vhost_vsock_handle_tx_kick") } },
		{ VD_HT_KPROBE, { P("kprobe_vhost_rx_kick", "vhost_vsock_handle_rx_kick"),
				    P("kprobe_vhost_tx_kick", "vhost_vsock_handle_tx_kick") } } } },
	{ "vhost_wait", true, VD_NEED_NONE, {
		{ VD_HT_FENTRY, { P("fexit_vhost_enable_notify", "vhost_enable_notify") } },
		{ VD_HT_KPROBE, { P("kprobe_vhost_enable_notify", "vhost_enable_notify"),
				    P("kretprobe_vhost_enable_notify", "vhost_enable_notify") } } } },
	{ "vq_irq", true, VD_NEED_NONE, {
		{ VD_HT_TP_BTF, { P("tp_btf_vq_irq", "irq/irq_handler_entry") } },
		{ VD_HT_RAW_TP, { P("raw_tp_vq_irq", "irq/irq_handler_entry") } } } },
	{ "pkt_alloc_fail", true, VD_NEED_NONE, {
		{ VD_HT_FENTRY, { P("fexit_alloc_skb", "virtio_transport_alloc_skb"),
				    P("fexit_alloc_pkt", "virtio_transport_alloc_pkt") } },
		{ VD_HT_KPROBE, { P("kretprobe_alloc_skb", "virtio_transport_alloc_skb"),
				    P("kretprobe_alloc_pkt", "virtio_transport_alloc_pkt") } } } },
	{ "page_alloc_fail", false, VD_NEED_NONE, {
		{ VD_HT_TP_BTF, { P("tp_btf_page_alloc", "kmem/mm_page_alloc") } },
		{ VD_HT_RAW_TP, { P("raw_tp_page_alloc", "kmem/mm_page_alloc") } } } },
	{ "kmalloc_fail", false, VD_NEED_NONE, {
		{ VD_HT_RAW_TP, { P("raw_tp_kmalloc", "kmem/kmalloc"),
				    P("raw_tp_kmalloc_node", "kmem/kmalloc_node") } } } },
	{ "skb_drop", true, VD_NEED_CODE, {
		{ VD_HT_TP_BTF, { P("tp_btf_skb_drop", "skb/kfree_skb") } },
		{ VD_HT_RAW_TP, { P("raw_tp_skb_drop", "skb/kfree_skb") } } } },
	{ "payload", true, VD_NEED_PORTS, {
		{ VD_HT_FENTRY, { P("fentry_payload_tx_virtio", "virtio_transport_send_pkt"),
				  P("fentry_payload_tx_vhost", "vhost_transport_send_pkt"),
				  P("fentry_payload_tx_loopback", "vsock_loopback_send_pkt"),
				  P("fentry_payload_rx", "virtio_transport_recv_pkt") } },
		{ VD_HT_KPROBE, { P("kprobe_payload_tx_virtio", "virtio_transport_send_pkt"),
				  P("kprobe_payload_tx_vhost", "vhost_transport_send_pkt"),
				  P("kprobe_payload_tx_loopback", "vsock_loopback_send_pkt"),
				  P("kprobe_payload_rx", "virtio_transport_recv_pkt") } } } },
	/* one iterator program serves the three samplers (rodata switches) */
	{ "ring_sample", true, VD_NEED_VSOCK_PTR, {
		{ VD_HT_ITER, { P("iter_sample", "task_file") } } } },
	{ "vhost_sample", true, VD_NEED_VHOST_FOPS, {
		{ VD_HT_ITER, { P("iter_sample", "task_file") } } } },
	{ "credit", true, VD_NEED_NONE, {
		{ VD_HT_ITER, { P("iter_sample", "task_file") } } } },
	{ .name = NULL },
};
/* clang-format on */

size_t vd_hooks_count(void)
{
	size_t n = 0;

	while (vd_hooks[n].name)
		n++;
	return n;
}

const char *vd_hook_tier_name(enum vd_hook_tier t)
{
	switch (t) {
	case VD_HT_FENTRY:
		return "fentry";
	case VD_HT_KPROBE:
		return "kprobe";
	case VD_HT_TP_BTF:
		return "tp_btf";
	case VD_HT_RAW_TP:
		return "raw_tp";
	case VD_HT_ITER:
		return "iter";
	case VD_HT_OFF:
		break;
	}
	return "off";
}

/*
 * Trampolines: load "return 0" as fentry of a function every kernel has. The
 * program-type probe says "no" where tp_btf works and "yes" where fentry is
 * refused (BPF-NOTES.md), so only a real load answers.
 */
static int probe_trampolines(struct btf *vmlinux)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	int id = btf__find_by_name_kind(vmlinux, "vfs_read", BTF_KIND_FUNC), fd;

	if (id <= 0)
		return -ENOENT;
	opts.attach_btf_id = (__u32)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "vd_probe", "GPL", insns, 2, &opts);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void load_module_btf(struct vd_kernel_caps *caps)
{
	DIR *d = opendir("/sys/kernel/btf");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[300];
		struct btf *b;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", e->d_name);
		b = btf__parse_split(path, caps->vmlinux);
		if (!b)
			continue;
		caps->mods = vd_xrealloc(caps->mods, caps->nmods + 1, sizeof(*caps->mods));
		caps->mods[caps->nmods++] = b;
	}
	closedir(d);
}

int vd_hook_probe_kernel(struct vd_kernel_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	caps->vmlinux = btf__load_vmlinux_btf();
	caps->btf = caps->vmlinux != NULL;
	if (caps->btf) {
		load_module_btf(caps);
		caps->trampoline_err = probe_trampolines(caps->vmlinux);
		caps->trampolines = caps->trampoline_err == 0;
	}
	caps->kprobes = access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0;
	caps->ksyms = vd_ksyms_load(NULL);
	return 0;
}

void vd_hook_caps_free(struct vd_kernel_caps *caps)
{
	for (size_t i = 0; i < caps->nmods; i++)
		btf__free(caps->mods[i]);
	free(caps->mods);
	btf__free(caps->vmlinux);
	vd_ksyms_free(caps->ksyms);
	memset(caps, 0, sizeof(*caps));
}

static bool btf_has(const struct vd_kernel_caps *caps, const char *name, int kind)
{
	if (caps->vmlinux && btf__find_by_name_kind(caps->vmlinux, name, kind) > 0)
		return true;
	for (size_t i = 0; i < caps->nmods; i++)
		if (btf__find_by_name_kind(caps->mods[i], name, kind) > 0)
			return true;
	return false;
}

static bool tracepoint_exists(const char *cat_name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/id", cat_name);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s/id", cat_name);
	return access(path, F_OK) == 0;
}

bool vd_hook_prog_available(const struct vd_kernel_caps *caps, enum vd_hook_tier tier,
			    const struct vd_hook_prog *p, char *why, size_t len, bool *absent)
{
	const char *tp = strchr(p->target, '/');
	char name[128];

	switch (tier) {
	case VD_HT_FENTRY:
		if (!caps->btf) {
			snprintf(why, len, "no_kernel_BTF");
			return false;
		}
		/* the function first: its absence says more than the missing means */
		if (!btf_has(caps, p->target, BTF_KIND_FUNC)) {
			snprintf(why, len, "%s_not_in_this_kernel", p->target);
			*absent = true;
			return false;
		}
		if (!caps->trampolines) {
			snprintf(why, len, "fentry_refused_(%s)", strerror(-caps->trampoline_err));
			for (char *c = why; *c; c++)
				if (*c == ' ')
					*c = '_';
			return false;
		}
		return true;
	case VD_HT_KPROBE:
		if (!caps->ksyms) {
			snprintf(why, len, "kallsyms_unreadable");
			return false;
		}
		if (!vd_ksyms_addr(caps->ksyms, p->target, true)) {
			snprintf(why, len, "%s_not_in_this_kernel", p->target);
			*absent = true;
			return false;
		}
		if (!caps->kprobes) {
			snprintf(why, len, "no_kprobes");
			return false;
		}
		return true;
	case VD_HT_TP_BTF:
		snprintf(name, sizeof(name), "btf_trace_%s", tp ? tp + 1 : p->target);
		if (!caps->btf || !btf_has(caps, name, BTF_KIND_TYPEDEF)) {
			snprintf(why, len, "no_BTF_for_%s", tp ? tp + 1 : p->target);
			return false;
		}
		return true;
	case VD_HT_RAW_TP:
		if (!tracepoint_exists(p->target)) {
			snprintf(why, len, "no_tracepoint_%s", tp ? tp + 1 : p->target);
			return false;
		}
		return true;
	case VD_HT_ITER:
		if (!caps->btf || !btf_has(caps, "bpf_iter_task_file", BTF_KIND_FUNC)) {
			snprintf(why, len, "no_task_file_iterator");
			return false;
		}
		return true;
	case VD_HT_OFF:
		break;
	}
	snprintf(why, len, "off");
	return false;
}
