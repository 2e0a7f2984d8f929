// SPDX-License-Identifier: GPL-2.0
/*
 * The words of the findings BPF evidence makes (rx_ring_empty, missing_kick,
 * vhost_waiting, credit_starvation read from credit snapshots) and of a dead
 * link whose cause that evidence tells (render.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "analyzers/sinks/render_internal.h"

static const char *still(const struct vd_finding *f)
{
	if (f->closed)
		return ", still so when the connection closed";
	return f->ended ? "" : ", still so when the recording ended";
}

static void kick_summary(const struct ctx *x, char *s, size_t n)
{
	const struct vd_finding *f = x->f;
	const char *host = name(x, f->side), *guest = name(x, !f->side);
	double d = (double)f->duration_ns / 1e9;

	switch (f->variant) {
	case VD_VAR_KICK_NOT_RECEIVED:
		snprintf(s, n,
			 "%s posted RX buffers and kicked, but %s never received the kick: vhost "
			 "waited %.3f s with %" PRIu64 " packet%s queued%s",
			 guest, host, d, f->count, plural(f->count), still(f));
		break;
	case VD_VAR_KICK_SKIPPED:
		snprintf(s, n,
			 "%s posted RX buffers but skipped the kick while %s waited %.3f s for "
			 "them with %" PRIu64 " packet%s queued%s",
			 guest, host, d, f->count, plural(f->count), still(f));
		break;
	case VD_VAR_KICK_NONE:
		snprintf(s, n,
			 "%s posted RX buffers and sent no kick while %s waited %.3f s for them "
			 "with %" PRIu64 " packet%s queued%s",
			 guest, host, d, f->count, plural(f->count), still(f));
		break;
	case VD_VAR_KICK_UNRECORDED:
		snprintf(s, n,
			 "%s waited %.3f s for RX buffers %s had posted, with %" PRIu64
			 " packet%s queued: a notification went missing%s",
			 host, d, guest, f->count, plural(f->count), still(f));
		break;
	case VD_VAR_KICK_HOST_AVAIL:
		snprintf(s, n,
			 "%s waited %.3f s for guest RX buffers its own sampler saw available, "
			 "with %" PRIu64 " packet%s queued: the kick was missed%s",
			 host, d, f->count, plural(f->count), still(f));
		break;
	case VD_VAR_KICK_SKIPPED_GUEST:
		snprintf(s, n,
			 "%s refilled its empty RX ring and skipped the kick; nothing arrived for "
			 "%.3f s after",
			 host, d);
		break;
	case VD_VAR_KICK_TX_NOT_RECEIVED:
	case VD_VAR_KICK_TX_SKIPPED:
		snprintf(s, n,
			 "%s %s its TX queue for %" PRIu64 " packet%s on connection %" PRId64
			 " and %s never received %s",
			 x->tx,
			 f->variant == VD_VAR_KICK_TX_SKIPPED ? "skipped the kick of" : "kicked",
			 f->count, plural(f->count), f->conn, x->rx,
			 f->variant == VD_VAR_KICK_TX_SKIPPED ? "them" : "the kick");
		break;
	default:
		snprintf(s, n, "missing_kick");
	}
}

void vd_render_bpf_summary(const struct ctx *x, char *s, size_t n)
{
	const struct vd_finding *f = x->f;
	char a[32];

	switch (f->kind) {
	case VD_FK_RX_RING_EMPTY:
		if (f->variant == VD_VAR_RING_DRAINING)
			snprintf(s, n,
				 "%s's RX ring was running dry from %s: %" PRIu64
				 " refill%s failed "
				 "and the level kept falling (never seen empty)%s",
				 name(x, f->side), fmt_t(a, sizeof(a), f->start[f->side]), f->count,
				 plural(f->count), still(f));
		else
			snprintf(s, n,
				 "%s's RX ring ran dry from %s for %.3f s (%" PRIu64
				 " failed refill%s)%s",
				 name(x, f->side), fmt_t(a, sizeof(a), f->start[f->side]),
				 (double)f->duration_ns / 1e9, f->count, plural(f->count),
				 still(f));
		break;
	case VD_FK_MISSING_KICK:
		kick_summary(x, s, n);
		break;
	case VD_FK_VHOST_WAIT:
		snprintf(s, n,
			 "%s (vhost) waited %.3f s for %s's RX buffers with %" PRIu64
			 " packet%s queued%s",
			 name(x, f->side), (double)f->duration_ns / 1e9, name(x, !f->side),
			 f->count, plural(f->count), still(f));
		break;
	default:
		snprintf(s, n, "%s", vd_finding_kind_name(f->kind));
	}
}

static void kick_words(const struct ctx *x, struct vd_finding_text *t)
{
	const struct vd_finding *f = x->f;
	const char *why;

	switch (f->variant) {
	case VD_VAR_KICK_NOT_RECEIVED:
	case VD_VAR_KICK_TX_NOT_RECEIVED:
		why = "the guest rang the doorbell and vhost's kick handler never ran: the "
		      "notification was lost between them (the hypervisor's ioeventfd, or a "
		      "dropped notify)";
		break;
	case VD_VAR_KICK_SKIPPED:
	case VD_VAR_KICK_TX_SKIPPED:
	case VD_VAR_KICK_SKIPPED_GUEST:
		why = "virtqueue_kick_prepare() decided the device needed no kick (its event "
		      "index or VRING_USED_F_NO_NOTIFY said so) while vhost was waiting: a "
		      "notification-suppression race";
		break;
	case VD_VAR_KICK_NONE:
		why = "the refill posted buffers and no notify followed it";
		break;
	case VD_VAR_KICK_HOST_AVAIL:
		why = "vhost re-enabled notifications and slept while buffers were already "
		      "there: it missed them (the check after vhost_enable_notify)";
		break;
	default:
		why = "buffers were posted and vhost was not woken; the guest's kicks were not "
		      "recorded (its kick hook was off), so where the notification was lost is "
		      "unknown";
	}
	snprintf(t->cause, sizeof(t->cause), "%s; nothing else wakes vhost, so the link stays dead",
		 why);
	snprintf(t->next_step, sizeof(t->next_step),
		 "check the vsock device's notification path (QEMU vhost-vsock ioeventfd, the "
		 "guest's virtio_ring event index); any new kick, e.g. more guest traffic, "
		 "unsticks it");
}

void vd_render_bpf_words(const struct ctx *x, struct vd_finding_text *t)
{
	const struct vd_finding *f = x->f;

	switch (f->kind) {
	case VD_FK_RX_RING_EMPTY:
		if (f->count)
			snprintf(
			    t->cause, sizeof(t->cause),
			    "RX buffer refills failed to allocate: virtio_vsock_rx_fill stops at "
			    "the first failure and nothing retries it, so with the ring empty "
			    "the host has nowhere to put packets, sends no interrupt, and no RX "
			    "work runs to refill it");
		else
			snprintf(t->cause, sizeof(t->cause),
				 "%s took buffers off its RX ring and posted none back (no refill "
				 "ran, or refills were not recorded)",
				 name(x, f->side));
		snprintf(t->next_step, sizeof(t->next_step),
			 "see %s's allocation failures (/proc/buddyinfo, the allocation_failure "
			 "finding); kernels with single-page RX buffers (6.17+) need no order-1+ "
			 "pages to refill",
			 name(x, f->side));
		break;
	case VD_FK_MISSING_KICK:
		kick_words(x, t);
		break;
	case VD_FK_VHOST_WAIT:
		snprintf(t->cause, sizeof(t->cause),
			 "%s posted no RX buffers in that time: its ring was empty, a kick was "
			 "lost, or it was not running; its own recording tells which",
			 name(x, !f->side));
		snprintf(t->next_step, sizeof(t->next_step),
			 "record %s too (vsockdiag record on both partitions) and run correlate",
			 name(x, !f->side));
		break;
	case VD_FK_CREDIT_STARVATION:
		if (f->variant == VD_VAR_STARVE_ADVERTISED_LATE) {
			snprintf(
			    t->cause, sizeof(t->cause),
			    "%s read the data (its fwd_cnt moved) but %s learnt of it late: the "
			    "credit update was sent late or lost (the bug class fixed in Linux by "
			    "93b808876682, Dec 2023)",
			    x->rx, x->tx);
			snprintf(
			    t->next_step, sizeof(t->next_step),
			    "check %s's kernel for 93b808876682 and b89d882dc9fc's 64 KiB rule",
			    x->rx);
		} else {
			snprintf(t->cause, sizeof(t->cause),
				 "the application on %s is not reading: its socket's unread bytes "
				 "filled its buffer and its fwd_cnt did not move",
				 x->rx);
			snprintf(t->next_step, sizeof(t->next_step),
				 "find why the reader on %s (port %u) stopped calling recv(): "
				 "blocked, deadlocked or busy elsewhere",
				 x->rx, f->port);
		}
		break;
	default:
		break;
	}
}

void vd_render_explained(const struct ctx *x, struct vd_finding_text *t)
{
	const struct vd_finding *f = x->f;

	switch (f->explain) {
	case VD_EXPLAIN_FROZEN:
		snprintf(t->cause, sizeof(t->cause),
			 "%s was not running: it recorded nothing at all for most of this window, "
			 "its BPF sampler included (a paused VM, SIGSTOP, or a hypervisor that did "
			 "not schedule it)",
			 x->rx);
		snprintf(t->next_step, sizeof(t->next_step),
			 "find why %s stopped (hypervisor scheduling, suspend, a debugger)", x->rx);
		break;
	case VD_EXPLAIN_RING_EMPTY:
		snprintf(t->cause, sizeof(t->cause),
			 "%s's RX ring was empty (rx_ring_empty): the host had nowhere to put the "
			 "packets, so none arrived and no interrupt came",
			 x->rx);
		snprintf(t->next_step, sizeof(t->next_step), "follow the rx_ring_empty finding");
		break;
	case VD_EXPLAIN_MISSING_KICK:
		snprintf(t->cause, sizeof(t->cause),
			 "a notification never arrived (missing_kick): buffers or packets were "
			 "there and nobody woke the other side");
		snprintf(t->next_step, sizeof(t->next_step), "follow the missing_kick finding");
		break;
	case VD_EXPLAIN_ALLOC:
		snprintf(t->cause, sizeof(t->cause),
			 "%s's RX refills failed to allocate (allocation_failure), so its RX ring "
			 "ran dry and the host could deliver nothing",
			 x->rx);
		snprintf(t->next_step, sizeof(t->next_step),
			 "follow the allocation_failure finding (/proc/buddyinfo on %s)", x->rx);
		break;
	default:
		break;
	}
}
