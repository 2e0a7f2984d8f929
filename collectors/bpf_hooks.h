/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF hooks and their tiers: each hook (rx_fill, kick, ...) names the
 * programs of bpf/vsockdiag.bpf.c that implement it at each tier, best
 * first, and what each program attaches to. Probing decides, per hook, the
 * first tier whose exact attach points exist on the running kernel
 * (BPF-NOTES.md: program-type probes lie, so the attach point is probed).
 */
#ifndef VD_BPF_HOOKS_H
#define VD_BPF_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

struct btf;
struct vd_ksyms;

enum vd_hook_tier {
	VD_HT_OFF = 0,
	VD_HT_FENTRY,
	VD_HT_KPROBE,
	VD_HT_TP_BTF,
	VD_HT_RAW_TP,
	VD_HT_ITER,
};

#define VD_HOOK_PROGS	 4
#define VD_HOOK_VARIANTS 3

struct vd_hook_prog {
	const char *prog;   /* program name in the skeleton */
	const char *target; /* function, "category/tracepoint", or "task_file" */
};

struct vd_hook_variant {
	enum vd_hook_tier tier;
	struct vd_hook_prog progs[VD_HOOK_PROGS];
};

/* what a hook needs besides its attach points */
enum vd_hook_need {
	VD_NEED_NONE = 0,
	VD_NEED_PORTS,	    /* payload ports selected */
	VD_NEED_CODE,	    /* vsock code ranges known (kallsyms) */
	VD_NEED_RX_WORK,    /* the symbol virtio_transport_rx_work */
	VD_NEED_VHOST_FOPS, /* the symbol vhost_vsock_fops */
	VD_NEED_VSOCK_PTR,  /* the symbol the_virtio_vsock */
};

struct vd_hook_def {
	const char *name;
	bool vsock_code; /* attaches to or reads vsock/virtio/vhost state */
	enum vd_hook_need need;
	struct vd_hook_variant v[VD_HOOK_VARIANTS];
};

/* the table, terminated by a NULL name */
extern const struct vd_hook_def vd_hooks[];
size_t vd_hooks_count(void);

const char *vd_hook_tier_name(enum vd_hook_tier t);

/* What the running kernel offers; filled by vd_hook_probe_kernel(). */
struct vd_kernel_caps {
	bool btf;	  /* /sys/kernel/btf/vmlinux */
	bool trampolines; /* a minimal fentry program loads */
	int trampoline_err;
	bool kprobes; /* the kprobe PMU */
	struct btf *vmlinux;
	struct btf **mods; /* split BTF of every module */
	size_t nmods;
	struct vd_ksyms *ksyms;
};

int vd_hook_probe_kernel(struct vd_kernel_caps *caps);
void vd_hook_caps_free(struct vd_kernel_caps *caps);
/*
 * Can this program of a variant attach here? false with a short reason
 * (words joined by '_', as the markers carry it) in why, and *absent set when
 * the attach point itself is not in this kernel (the code it watches is not
 * here: a guest has no vhost) rather than the means to reach it.
 */
bool vd_hook_prog_available(const struct vd_kernel_caps *caps, enum vd_hook_tier tier,
			    const struct vd_hook_prog *p, char *why, size_t len, bool *absent);

#endif /* VD_BPF_HOOKS_H */
