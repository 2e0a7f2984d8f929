// SPDX-License-Identifier: GPL-2.0
/* The words of the evidence items BPF lines make (render_internal.h). */
#include <inttypes.h>
#include <stdio.h>

#include "analyzers/sinks/render_internal.h"

static const char *path_words(int64_t bit)
{
	switch (bit) {
	case VD_STACK_RXFILL:
		return "the guest's RX refill (virtio_vsock_rx_fill)";
	case VD_STACK_TXALLOC:
		return "a vsock packet to send (virtio_transport_alloc_skb)";
	case VD_STACK_VHOSTTX:
		return "the host taking guest packets (vhost_vsock_handle_tx_kick)";
	case VD_STACK_VSOCK:
		return "vsock code";
	default:
		return "no vsock path";
	}
}

static char *until(char *buf, size_t len, int64_t t)
{
	char a[32];

	if (t == VD_NO_TIME)
		snprintf(buf, len, "to the end of its recording");
	else
		snprintf(buf, len, "until %s", vd_fmt_sec(a, sizeof(a), t));
	return buf;
}

#pragma GCC diagnostic push
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
bool vd_render_bpf_evidence(const struct ctx *x, const struct vd_evidence *e, char *s, size_t n)
{
	const char *who = name(x, e->side);
	const struct vd_finding *g;
	char a[32], b[32], c[48], gs[VD_FINDING_TEXT];

	switch (e->kind) {
	case VD_EVD_RING_SINCE:
		if (e->v[1] != VD_NO_TIME)
			snprintf(s, n,
				 "%s's RX ring (target %" PRId64 " buffers, %" PRId64
				 " before) was at 0 from %s (%s clock)",
				 who, e->v[2], e->v[3], vd_fmt_sec(a, sizeof(a), e->v[1]), who);
		else
			snprintf(s, n,
				 "%s's RX ring (target %" PRId64 " buffers, %" PRId64
				 " before) kept falling from %s (%s clock)",
				 who, e->v[2], e->v[3], vd_fmt_sec(a, sizeof(a), e->v[0]), who);
		break;
	case VD_EVD_RING_REFILLS:
		snprintf(s, n,
			 "%" PRId64 " refill%s failed from %s to %s, adding only %" PRId64
			 " buffer%s in all",
			 e->v[0], plural((uint64_t)e->v[0]), vd_fmt_sec(a, sizeof(a), e->v[1]),
			 vd_fmt_sec(b, sizeof(b), e->v[2]), e->v[3], plural((uint64_t)e->v[3]));
		break;
	case VD_EVD_RING_NOTIFY:
		snprintf(s, n,
			 "meanwhile %s took %" PRId64 " RX interrupt%s, sent %" PRId64
			 " RX kick%s, skipped %" PRId64 ", and received %" PRId64 " packet%s",
			 who, e->v[0], plural((uint64_t)e->v[0]), e->v[1],
			 plural((uint64_t)e->v[1]), e->v[2], e->v[3], plural((uint64_t)e->v[3]));
		break;
	case VD_EVD_VHOST_WAIT:
		snprintf(s, n,
			 "%s (vhost) waited for guest RX buffers from %s (%s clock) %s, with up to "
			 "%" PRId64 " packet%s queued",
			 who, vd_fmt_sec(a, sizeof(a), e->v[0]), who, until(c, sizeof(c), e->v[1]),
			 e->v[2], plural((uint64_t)e->v[2]));
		break;
	case VD_EVD_RING_UNDELIVERED:
	case VD_EVD_EXPLAINED:
		g = vd_findings_by_id(&x->r->findings, e->ref);
		if (g)
			vd_render_summary(x->o, x->r, g, gs, sizeof(gs));
		else
			snprintf(gs, sizeof(gs), "(finding %u)", e->ref);
		snprintf(s, n, "%s %s: %s",
			 e->kind == VD_EVD_EXPLAINED ? "explained by" : "meanwhile, the dead link:",
			 g ? vd_finding_kind_name(g->kind) : "?", gs);
		break;
	case VD_EVD_KICK_POSTED:
		if (e->v[1] < 0)
			snprintf(s, n,
				 "%s refilled its RX ring at %s after it had run dry, and skipped "
				 "the kick",
				 who, vd_fmt_sec(a, sizeof(a), e->v[0]));
		else
			snprintf(s, n,
				 "%s posted %" PRId64
				 " RX buffer%s from %s (%s clock) and sent %" PRId64
				 " RX kick%s, skipped %" PRId64,
				 who, e->v[1], plural((uint64_t)e->v[1]),
				 vd_fmt_sec(a, sizeof(a), e->v[0]), name(x, !e->side), e->v[2],
				 plural((uint64_t)e->v[2]), e->v[3]);
		break;
	case VD_EVD_KICK_HOST_NONE:
		snprintf(s, n, "%s received no kick on the RX queue from %s %s", who,
			 vd_fmt_sec(a, sizeof(a), e->v[0]), until(c, sizeof(c), e->v[1]));
		break;
	case VD_EVD_KICK_HOST_AVAIL:
		snprintf(s, n, "%s's sampler saw %" PRId64 " guest RX buffer%s available at %s",
			 who, e->v[1], plural((uint64_t)e->v[1]),
			 vd_fmt_sec(a, sizeof(a), e->v[0]));
		break;
	case VD_EVD_KICK_TX:
		snprintf(s, n,
			 "%s sent %" PRId64 " TX kick%s and skipped %" PRId64
			 " while these packets waited; the host received %" PRId64 " TX kick%s",
			 who, e->v[0], plural((uint64_t)e->v[0]), e->v[1], e->v[2],
			 plural((uint64_t)e->v[2]));
		break;
	case VD_EVD_BPF_LOST:
		snprintf(s, n,
			 "%s's BPF ring buffer lost %" PRId64 " event%s: a kick may have gone "
			 "unrecorded",
			 who, e->v[0], plural((uint64_t)e->v[0]));
		break;
	case VD_EVD_GUEST_SILENT:
		snprintf(s, n,
			 "%s recorded nothing for %.3f s of these %.3f s, its BPF sampler included",
			 who, (double)e->v[0] / 1e9, (double)e->v[1] / 1e9);
		break;
	case VD_EVD_GUEST_RUNNING:
		snprintf(s, n,
			 "%s recorded %" PRId64 " event%s meanwhile and posted RX buffers %" PRId64
			 " time%s",
			 who, e->v[0], plural((uint64_t)e->v[0]), e->v[1],
			 plural((uint64_t)e->v[1]));
		break;
	case VD_EVD_ALLOC_PATH:
		snprintf(s, n, "%" PRId64 " failure%s broke %s (first at %s)", e->v[1],
			 plural((uint64_t)e->v[1]), path_words(e->v[0]),
			 vd_fmt_sec(a, sizeof(a), e->v[2]));
		break;
	case VD_EVD_ALLOC_STACK:
		snprintf(s, n, "stack (%" PRId64 " frames, %" PRId64 " failure%s): %s", e->v[1],
			 e->v[0], plural((uint64_t)e->v[0]), e->sym);
		break;
	case VD_EVD_CREDIT_SNAP:
		snprintf(s, n,
			 "%s's socket at %s: %" PRId64 " bytes received and not read, of its "
			 "buf_alloc %" PRId64 "; fwd_cnt %" PRId64,
			 who, vd_fmt_sec(a, sizeof(a), e->v[3]), e->v[1], e->v[2], e->v[0]);
		break;
	case VD_EVD_CREDIT_FROZEN:
		snprintf(s, n,
			 "%s's fwd_cnt stayed at %" PRId64 " from %s to %s (%" PRId64
			 " snapshot%s): it consumed nothing",
			 who, e->v[2], vd_fmt_sec(a, sizeof(a), e->v[0]),
			 vd_fmt_sec(b, sizeof(b), e->v[1]), e->v[3], plural((uint64_t)e->v[3]));
		break;
	case VD_EVD_CREDIT_CONSUMED:
		snprintf(s, n,
			 "%s had consumed data by %s: its fwd_cnt went from %" PRId64
			 " to %" PRId64,
			 who, vd_fmt_sec(a, sizeof(a), e->v[0]), e->v[1], e->v[2]);
		break;
	case VD_EVD_CREDIT_PACKETS:
		snprintf(s, n,
			 "on kernels before Linux's 2025 rx_bytes fix, %s's fwd_cnt and rx_bytes "
			 "move only when a whole packet is consumed: a reader part-way through a "
			 "packet shows no progress",
			 who);
		break;
	case VD_EVD_CREDIT_PROCESS:
		snprintf(s, n, "the receiving socket belongs to %s (pid %" PRId64 ") on %s", e->sym,
			 e->v[0], who);
		break;
	default:
		return false;
	}
	return true;
}

#pragma GCC diagnostic pop
