// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "common/vd_event.h"
#include "common/util.h"

const struct vd_event vd_event_zero;

static const char *const op_names[VD_OP_MAX] = {
	[VD_OP_INVALID] = "INVALID",
	[VD_OP_REQUEST] = "REQUEST",
	[VD_OP_RESPONSE] = "RESPONSE",
	[VD_OP_RST] = "RST",
	[VD_OP_SHUTDOWN] = "SHUTDOWN",
	[VD_OP_RW] = "RW",
	[VD_OP_CREDIT_UPDATE] = "CREDIT_UPDATE",
	[VD_OP_CREDIT_REQUEST] = "CREDIT_REQUEST",
};

static const char *const kind_names[VD_EV_KIND_MAX] = {
	[VD_EV_NONE] = "none",
	[VD_EV_PKT_ALLOC] = "alloc_pkt",
	[VD_EV_PKT_RECV] = "recv_pkt",
	[VD_EV_IRQ_ENTRY] = "irq_handler_entry",
	[VD_EV_IRQ_EXIT] = "irq_handler_exit",
	[VD_EV_PAGE_ALLOC] = "mm_page_alloc",
	[VD_EV_KMALLOC] = "kmalloc",
	[VD_EV_LOST] = "lost_events",
	[VD_EV_MARK] = "mark",
	[VD_EV_BPF] = "bpf",
};

static const char *const bpf_kind_names[VD_BPF_KIND_MAX] = {
	[VD_BPF_NONE] = "none",
	[VD_BPF_TIER] = "tier",
	[VD_BPF_RXFILL] = "rxfill",
	[VD_BPF_RXLEVEL] = "rxlevel",
	[VD_BPF_KICK] = "kick",
	[VD_BPF_VHOSTWAIT] = "vhostwait",
	[VD_BPF_VHOSTSAMPLE] = "vhostsample",
	[VD_BPF_VQIRQ] = "vqirq",
	[VD_BPF_ALLOCFAIL] = "allocfail",
	[VD_BPF_STACK] = "stack",
	[VD_BPF_SKBDROP] = "skbdrop",
	[VD_BPF_CREDIT] = "credit",
	[VD_BPF_PAYLOAD] = "payload",
	[VD_BPF_LOST] = "lost",
};

static const char *const tier_names[VD_TIER_MAX] = {
	[VD_TIER_UNKNOWN] = "unknown", [VD_TIER_FENTRY] = "fentry", [VD_TIER_KPROBE] = "kprobe",
	[VD_TIER_RAW_TP] = "raw_tp",   [VD_TIER_TP_BTF] = "tp_btf", [VD_TIER_ITER] = "iter",
	[VD_TIER_SAMPLER] = "sampler", [VD_TIER_OFF] = "off",
};

const char *vd_bpf_kind_name(unsigned int kind)
{
	return kind < VD_BPF_KIND_MAX ? bpf_kind_names[kind] : "unknown";
}

const char *vd_bpf_tier_name(unsigned int tier)
{
	return tier < VD_TIER_MAX ? tier_names[tier] : "unknown";
}

const char *vd_op_name(unsigned int op)
{
	return op < VD_OP_MAX ? op_names[op] : "UNKNOWN";
}

const char *vd_type_name(unsigned int type)
{
	switch (type) {
	case VD_TYPE_STREAM:
		return "STREAM";
	case VD_TYPE_SEQPACKET:
		return "SEQPACKET";
	default:
		return "UNKNOWN";
	}
}

const char *vd_ev_kind_name(unsigned int kind)
{
	return kind < VD_EV_KIND_MAX ? kind_names[kind] : "unknown";
}

int vd_op_from_name(const char *s, size_t len)
{
	for (unsigned int i = 0; i < VD_OP_MAX; i++)
		if (strlen(op_names[i]) == len && !memcmp(op_names[i], s, len))
			return (int)i;
	return -1;
}

int vd_type_from_name(const char *s, size_t len)
{
	if (len == 6 && !memcmp(s, "STREAM", 6))
		return VD_TYPE_STREAM;
	if (len == 9 && !memcmp(s, "SEQPACKET", 9))
		return VD_TYPE_SEQPACKET;
	return -1;
}

/*
 * Sources hand out events by value, tens of millions per recording: the BPF
 * kinds fit in the union the kmalloc payload already sized (152 bytes on
 * x86_64 before and after them).
 */
_Static_assert(sizeof(struct vd_event) <= 152, "struct vd_event grew: check every union member");
