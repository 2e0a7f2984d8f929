// SPDX-License-Identifier: GPL-2.0
/* The words of each evidence item of a finding (render.h), from its numbers. */
#include <inttypes.h>
#include <stdio.h>

#include "analyzers/sinks/render_internal.h"

static void conns_list(const struct vd_finding *f, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < f->nconns && off + 12 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? "," : "", f->conns[i]);
}

/* a line is at most VD_FINDING_TEXT: one quoting another's summary is cut there on purpose */
#pragma GCC diagnostic push
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
void vd_render_evidence(const struct ctx *x, const struct vd_evidence *e, char *s, size_t n)
{
	const struct vd_opts *o = x->o;
	const char *who = name(x, e->side);
	const struct vd_finding *g;
	char a[32], b[32], c[96], gs[VD_FINDING_TEXT];

	switch (e->kind) {
	case VD_EVD_RUN_SPAN:
		snprintf(s, n,
			 "%s recorded vsock:virtio_transport_alloc_pkt from %s (%s clock), "
			 "%s %s (%s clock); %s recorded no matching virtio_transport_recv_pkt",
			 x->tx, fmt_t(a, sizeof(a), e->v[0]), x->tx, x->rx,
			 fmt_t(b, sizeof(b), e->v[1]), x->rx, x->rx);
		break;
	case VD_EVD_RUN_SKIPPED:
		snprintf(s, n,
			 "%s received later packets of the same stream at %s: these were "
			 "skipped, not delayed (virtqueues deliver in order)",
			 who, fmt_t(a, sizeof(a), e->v[0]));
		break;
	case VD_EVD_RUN_RX_CONTINUED:
		snprintf(s, n,
			 "%s's recording continued until %s without them (%.3f s after the "
			 "last was sent)",
			 who, fmt_t(a, sizeof(a), e->v[0]), (double)(e->v[0] - e->v[1]) / 1e9);
		break;
	case VD_EVD_RX_VHOST:
		snprintf(s, n,
			 "%s is the vhost side (its receives run in a vhost worker): it has no "
			 "vsock interrupt line, the guest kicks it through an eventfd",
			 who);
		break;
	case VD_EVD_RX_NO_IRQ_EVENTS:
		snprintf(s, n,
			 "%s's recording has no irq_handler_entry events at all: interrupt "
			 "evidence unavailable (enable irq:irq_handler_entry)",
			 who);
		break;
	case VD_EVD_RX_NO_VSOCK_IRQ:
		snprintf(s, n, "%s took no vsock interrupt in that window", who);
		break;
	case VD_EVD_RX_IRQS:
		snprintf(s, n, "%s took %" PRIu64 " vsock interrupt%s in that window", who,
			 (uint64_t)e->v[0], plural((uint64_t)e->v[0]));
		break;
	case VD_EVD_ONE_WAY:
		snprintf(s, n,
			 "meanwhile packets %s sent on this connection kept reaching %s until "
			 "%s (%.3f s after the first lost one): a one-way link",
			 x->rx, x->tx, vd_fmt_sec(a, sizeof(a), e->v[0]),
			 (double)(e->v[0] - e->v[1]) / 1e9);
		break;
	case VD_EVD_RX_LOST_EVENTS:
		snprintf(s, n,
			 "%s's ring buffer dropped events in this window: the receives may "
			 "have happened unrecorded",
			 who);
		break;
	case VD_EVD_STALL_SPAN:
		snprintf(s, n,
			 "packets %s sent from %s (%s clock) arrived up to %s s late; the "
			 "stall ended at %s (%s clock)",
			 x->tx, fmt_t(a, sizeof(a), e->v[0]), x->rx,
			 vd_fmt_sec(c, sizeof(c), e->v[2]), fmt_t(b, sizeof(b), e->v[1]), x->rx);
		break;
	case VD_EVD_STALL_CONNS:
		conns_list(x->f, c, sizeof(c));
		snprintf(s, n, "connections affected: %s%s", c,
			 x->f->conns_more ? " and more" : "");
		break;
	case VD_EVD_STALL_IRQS:
		snprintf(s, n,
			 "%s took %" PRIu64 " vsock interrupt%s from the stall's start to its "
			 "end",
			 who, (uint64_t)e->v[0], plural((uint64_t)e->v[0]));
		break;
	case VD_EVD_RECORDER:
		snprintf(s, n,
			 "vsockdiag record %s on %s at %s (%s clock), within the stall "
			 "threshold of this window",
			 e->v[1] ? "was stopping" : "was starting", who,
			 vd_fmt_sec(a, sizeof(a), e->v[0]), who);
		break;
	case VD_EVD_STARVE_FULL:
		snprintf(s, n,
			 "from %s (%s clock) %s had %" PRId64 " bytes unconsumed by %s, all of "
			 "its buf_alloc (%" PRIu32 "); %s's fwd_cnt stayed at %" PRIu32,
			 vd_fmt_sec(a, sizeof(a), e->v[0]), x->tx, x->tx, e->v[1], x->rx,
			 (uint32_t)e->v[2], x->rx, (uint32_t)e->v[3]);
		break;
	case VD_EVD_CREDIT_REQUEST:
		snprintf(s, n,
			 "%s sent CREDIT_REQUEST at %s and got no CREDIT_UPDATE back before "
			 "credit returned",
			 who, vd_fmt_sec(a, sizeof(a), e->v[0]));
		break;
	case VD_EVD_PEER_KEPT_SENDING:
		snprintf(s, n, "%s kept sending (%" PRIu64 " packets) with fwd_cnt flat", who,
			 (uint64_t)e->v[0]);
		break;
	case VD_EVD_LATE_UPDATE:
		snprintf(s, n,
			 "nothing came back from %s until %s at %s, whose fwd_cnt %" PRIu32
			 " showed %" PRIu32 " bytes consumed meanwhile",
			 who, e->v[1] == VD_OP_CREDIT_UPDATE ? "a CREDIT_UPDATE" : "a packet",
			 vd_fmt_sec(a, sizeof(a), e->v[0]), (uint32_t)e->v[2], (uint32_t)e->v[3]);
		break;
	case VD_EVD_STARVE_CLOSED:
		snprintf(
		    s, n,
		    "the connection closed at %s (%s clock): %s sent %s, the window ends there",
		    vd_fmt_sec(a, sizeof(a), e->v[0]), who, e->v[2] ? x->tx : x->rx,
		    e->v[1] == VD_OP_RST ? "an RST" : "a SHUTDOWN");
		break;
	case VD_EVD_NOTHING_BACK:
		snprintf(s, n, "nothing at all came back from %s while it lasted", who);
		break;
	case VD_EVD_CONSEQUENCE:
	case VD_EVD_THEN:
		g = vd_findings_by_id(&x->r->findings, e->ref);
		if (g)
			vd_render_summary(o, x->r, g, gs, sizeof(gs));
		else
			snprintf(gs, sizeof(gs), "(finding %u)", e->ref);
		if (e->kind == VD_EVD_THEN)
			snprintf(s, n, "then, %.3f s after the first failure: %s",
				 (double)e->v[0] / 1e9, gs);
		else
			snprintf(s, n, "%s %s in the same window: %s",
				 e->v[0] ? "the data's own direction had a"
					 : "the credit updates' direction had a",
				 g ? vd_finding_kind_name(g->kind) : "?", gs);
		break;
	case VD_EVD_REQ_RECEIVED_RST:
		snprintf(s, n, "%s received the REQUEST at %s and answered RST", who,
			 vd_fmt_sec(a, sizeof(a), e->v[0]));
		break;
	case VD_EVD_RST_RECEIVED:
		snprintf(s, n, "%s received the RST at %s", who, vd_fmt_sec(a, sizeof(a), e->v[0]));
		break;
	case VD_EVD_REQ_SENT_NO_ANSWER:
		snprintf(s, n,
			 "%s sent REQUEST at %s and saw no RESPONSE or RST in the %.3f s its "
			 "recording continued",
			 who, vd_fmt_sec(a, sizeof(a), e->v[0]), (double)e->v[1] / 1e9);
		break;
	case VD_EVD_REQ_RECEIVED_SILENT:
		snprintf(s, n, "%s received the REQUEST and sent no answer", who);
		break;
	case VD_EVD_REQ_NEVER_RECEIVED:
		snprintf(s, n, "%s never received the REQUEST", who);
		break;
	case VD_EVD_STORM_SPAN:
		snprintf(s, n, "first at %s, last at %s (%s clock)",
			 vd_fmt_sec(a, sizeof(a), e->v[0]), vd_fmt_sec(b, sizeof(b), e->v[1]), who);
		break;
	case VD_EVD_STORM_ADB:
		snprintf(s, n,
			 "port %u is adb: the adb host side keeps reconnecting while adbd on %s "
			 "is not accepting (the CNXN handshake never starts)",
			 (unsigned int)e->v[0], who);
		break;
	case VD_EVD_SHUTDOWN_NO_RST:
		snprintf(s, n,
			 "%s saw the SHUTDOWN at %s; its recording went on %.3f s without an "
			 "RST on this connection",
			 who, vd_fmt_sec(a, sizeof(a), e->v[0]), (double)e->v[1] / 1e9);
		break;
	case VD_EVD_ADB_COUNTS:
		snprintf(s, n,
			 "%s -> %s: %" PRIu64 " packets, %s -> %s: %" PRIu64 " packets; then %s",
			 o->name[0], o->name[1], (uint64_t)e->v[0], o->name[1], o->name[0],
			 (uint64_t)e->v[1], e->v[2] ? "SHUTDOWN" : "RST");
		break;
	case VD_EVD_CLOCK_NOTE:
		snprintf(s, n, "%s", x->r->clock_note);
		break;
	case VD_EVD_SIDE_EVENTS:
		snprintf(s, n, "%s: %" PRIu64 " events from %.6f to %.6f (%.6f s)", who,
			 (uint64_t)e->v[0], (double)e->v[1] / 1e9, (double)e->v[2] / 1e9,
			 (double)(e->v[2] - e->v[1]) / 1e9);
		break;
	case VD_EVD_RX_TOTALS:
		snprintf(s, n,
			 "%s recorded %" PRIu64 " virtio_transport_recv_pkt event%s in total "
			 "and %" PRIu64 " interrupt%s",
			 who, (uint64_t)e->v[0], plural((uint64_t)e->v[0]), (uint64_t)e->v[1],
			 plural((uint64_t)e->v[1]));
		break;
	case VD_EVD_UNALIGNED_WHEN:
		snprintf(s, n,
			 "without a common clock it is unknown whether %s was recording when "
			 "%s sent them",
			 x->rx, x->tx);
		break;
	case VD_EVD_RUN_CORRELATE:
		snprintf(s, n, "run: vsockdiag correlate %s OTHER-PARTITION-RECORDING",
			 o->path[0] ? o->path[0] : "THIS-RECORDING");
		break;
	case VD_EVD_OUTSIDE_SPLIT:
		snprintf(s, n,
			 "%" PRIu64 " sent before %s started recording, %" PRIu64 " within %.1f "
			 "s of its end",
			 (uint64_t)e->v[0], who, (uint64_t)e->v[1], (double)o->grace_ns / 1e9);
		break;
	case VD_EVD_ALLOC_OPPORTUNISTIC:
		snprintf(s, n,
			 "%" PRIu64 " more failed opportunistically (__GFP_NORETRY|__GFP_NOWARN, "
			 "with a fallback): not counted",
			 (uint64_t)e->v[0]);
		break;
	case VD_EVD_ALLOC_KMALLOC:
		snprintf(s, n, "%" PRIu64 " of them were kmalloc() returning NULL",
			 (uint64_t)e->v[0]);
		break;
	case VD_EVD_ALLOC_SITE:
		snprintf(s, n, "call site %s: %" PRIu64 " failure%s", e->sym, (uint64_t)e->v[0],
			 plural((uint64_t)e->v[0]));
		break;
	default:
		if (!vd_render_bpf_evidence(x, e, s, n) && !vd_render_adb_evidence(x, e, s, n))
			snprintf(s, n, "?");
	}
}

#pragma GCC diagnostic pop
