// SPDX-License-Identifier: GPL-2.0
/* The words of every finding, from its data (see render.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/sinks/render_internal.h"

#include "analyzers/model/alloc.h"

/* ---- summaries ---------------------------------------------------------------------- */

static void summary(const struct ctx *x, char *s, size_t n)
{
	const struct vd_finding *f = x->f;
	const char *o0 = x->o->name[0];
	char b1[32], b2[32];

	switch (f->kind) {
	case VD_FK_UNDELIVERED:
	case VD_FK_UNVERIFIED_DELIVERY:
		if (f->variant == VD_VAR_UNALIGNED)
			snprintf(s, n,
				 "%s sent %" PRIu64 " packet%s (%s) on connection %" PRId64
				 " that %s's recording never shows arriving",
				 x->tx, f->count, plural(f->count),
				 vd_fmt_bytes(b1, sizeof(b1), f->bytes), f->conn, x->rx);
		else
			snprintf(s, n,
				 "%" PRIu64 " packet%s (%s) sent by %s on connection %" PRId64
				 " never reached %s",
				 f->count, plural(f->count), vd_fmt_bytes(b1, sizeof(b1), f->bytes),
				 x->tx, f->conn, x->rx);
		break;
	case VD_FK_DELIVERY_STALL:
		snprintf(s, n,
			 "%s -> %s deliveries stalled for %.3f s (worst latency %.3f s, %" PRIu64
			 " packets late)",
			 x->tx, x->rx, (double)f->duration_ns / 1e9,
			 (double)f->worst_latency_ns / 1e9, f->count);
		break;
	case VD_FK_CREDIT_STARVATION:
		snprintf(s, n,
			 "%s had no credit to send to %s on connection %" PRId64 " for %.3f s%s",
			 x->tx, x->rx, f->conn, (double)f->duration_ns / 1e9,
			 f->closed  ? " (still none when the connection closed)"
			 : f->ended ? ""
				    : " (still none when the recording ended)");
		break;
	case VD_FK_CONNECTION_REFUSED:
	case VD_FK_REQUEST_UNANSWERED:
		if (f->storm)
			snprintf(s, n,
				 "reconnect storm: %u connection requests from %s to port %u%s "
				 "%s within %.1f s",
				 f->storm, name(x, f->client), f->port,
				 f->port == x->o->adb_port ? " (adb)" : "",
				 f->kind == VD_FK_CONNECTION_REFUSED ? "refused" : "never answered",
				 (double)f->duration_ns / 1e9);
		else if (f->kind == VD_FK_CONNECTION_REFUSED)
			snprintf(s, n,
				 "%s's connection request to port %u was refused (answered "
				 "by RST)",
				 name(x, f->client), f->port);
		else
			snprintf(s, n, "%s's connection request to port %u was never answered",
				 name(x, f->client), f->port);
		break;
	case VD_FK_HALF_CLOSED:
		snprintf(s, n,
			 "connection %" PRId64 " was shut down but never closed: no RST "
			 "followed the SHUTDOWN",
			 f->conn);
		break;
	case VD_FK_ADB_HANDSHAKE:
		snprintf(s, n,
			 "adb connection %" PRId64
			 " closed %.3f s after it opened, after only %" PRIu64
			 " data packet%s: the adb handshake never completed",
			 f->conn, (double)f->v[0] / 1e9, f->count, plural(f->count));
		break;
	case VD_FK_CLOCK_UNALIGNED:
		snprintf(s, n,
			 "the two recordings cannot be aligned in time: losses and stalls "
			 "cannot be proven");
		break;
	case VD_FK_SINGLE_PARTITION:
		snprintf(s, n,
			 "one partition's recording (%s): checked connections, credit and "
			 "allocation failures; packet delivery, stalls and the clock need the "
			 "other partition's",
			 o0);
		break;
	case VD_FK_LOST_EVENTS:
		snprintf(s, n, "%s's recording lost %s%" PRIu64 " events in %" PRIu64 " place%s",
			 name(x, f->side), f->v[1] ? "at least " : "", f->count, (uint64_t)f->v[0],
			 plural((uint64_t)f->v[0]));
		break;
	case VD_FK_BUFFER_OVERWRITTEN:
		snprintf(s, n,
			 "%s's ring buffer overwrote its oldest events: its recording is "
			 "complete only from %.6f",
			 name(x, f->side), (double)f->start[f->side] / 1e9);
		break;
	case VD_FK_OUTSIDE_WINDOW:
		snprintf(s, n,
			 "%" PRIu64 " packet%s %s sent outside %s's recording window: their "
			 "fate is unknown, not counted as lost",
			 f->count, plural(f->count), x->tx, x->rx);
		break;
	case VD_FK_ORPHAN_RECEIVES:
		snprintf(s, n, "%" PRIu64 " packet%s received by %s have no send in %s's recording",
			 f->count, plural(f->count), x->rx, x->tx);
		break;
	case VD_FK_PARTIAL_DELIVERY:
		snprintf(s, n, "%" PRIu64 " packet%s from %s arrived only in part at %s", f->count,
			 plural(f->count), x->tx, x->rx);
		break;
	case VD_FK_ALLOC_FAILURE:
		if (f->variant == VD_VAR_ALLOC_OPPORTUNISTIC)
			snprintf(s, n,
				 "%s: only opportunistic high-order allocations failed (%" PRIu64
				 ", with __GFP_NORETRY|__GFP_NOWARN: the kernel fell back to "
				 "smaller pages)",
				 name(x, f->side), (uint64_t)f->v[1]);
		else
			snprintf(s, n,
				 "%s failed %" PRIu64 " high-order allocation%s (order >= %d; "
				 "largest page order %u) from %s to %s",
				 name(x, f->side), f->count, plural(f->count), VD_HIGH_ORDER,
				 (unsigned int)f->v[0],
				 vd_fmt_sec(b1, sizeof(b1), f->start[f->side]),
				 vd_fmt_sec(b2, sizeof(b2), f->end[f->side]));
		break;
	case VD_FK_RX_RING_EMPTY:
	case VD_FK_MISSING_KICK:
	case VD_FK_VHOST_WAIT:
		vd_render_bpf_summary(x, s, n);
		break;
	case VD_FK_ADB_WRITE_UNACKED:
	case VD_FK_ADB_CNXN_UNANSWERED:
	case VD_FK_ADB_STREAMS_CUT:
		vd_render_adb_summary(x, s, n);
		break;
	default:
		snprintf(s, n, "%s", vd_finding_kind_name(f->kind));
	}
}

/* ---- cause and next step ------------------------------------------------------------- */

static void starvation_words(const struct ctx *x, struct vd_finding_text *t)
{
	const struct vd_finding *f = x->f;
	const struct vd_finding *g =
	    f->consequence_of ? vd_findings_by_id(&x->r->findings, f->consequence_of) : NULL;

	if (g) {
		snprintf(t->cause, sizeof(t->cause),
			 "a consequence of delivery, not of reading: %s",
			 g->dir == f->dir ? "the data had not arrived, so it could not be consumed"
					  : "the receiver's credit updates did not arrive");
		snprintf(t->next_step, sizeof(t->next_step),
			 "follow the %s finding for this window", vd_finding_kind_name(g->kind));
		return;
	}
	switch (f->variant) {
	case VD_VAR_STARVE_NOT_READING_NOCLOCK:
	case VD_VAR_STARVE_NOT_READING:
		if (f->variant == VD_VAR_STARVE_NOT_READING_NOCLOCK)
			snprintf(t->cause, sizeof(t->cause),
				 "%s did not consume the data: its application stopped reading, or "
				 "the data had not reached it (a delivery stall); %s's recording "
				 "would tell which",
				 x->rx, x->rx);
		else
			snprintf(t->cause, sizeof(t->cause),
				 "the application on %s stopped reading: it was not reading while "
				 "its peer waited, and its receive buffer stayed full",
				 x->rx);
		snprintf(t->next_step, sizeof(t->next_step),
			 "find why the reader on %s (port %u) stopped calling recv(): blocked, "
			 "deadlocked or busy elsewhere",
			 x->rx, f->port);
		break;
	case VD_VAR_STARVE_LATE:
		snprintf(
		    t->cause, sizeof(t->cause),
		    "either the application on %s was not reading until then, or it read and "
		    "the credit was advertised late (the bug class fixed in Linux by "
		    "93b808876682, Dec 2023): no tracepoint sees reads, so the recordings cannot "
		    "tell which",
		    x->rx);
		snprintf(t->next_step, sizeof(t->next_step),
			 "check %s's kernel for 93b808876682 (virtio/vsock: send credit update "
			 "during setting SO_RCVLOWAT) and b89d882dc9fc's 64 KiB rule",
			 x->rx);
		break;
	default:
		snprintf(
		    t->cause, sizeof(t->cause),
		    "either the application on %s stopped reading, or it read but %s never "
		    "advertised the credit: no tracepoint sees reads, so the recordings cannot "
		    "tell which",
		    x->rx, x->rx);
		snprintf(t->next_step, sizeof(t->next_step),
			 "check the reader on %s (ss --vsock -e, or its own logs) and whether its "
			 "kernel has 93b808876682",
			 x->rx);
	}
}

static void words(const struct ctx *x, struct vd_finding_text *t)
{
	const struct vd_finding *f = x->f;
	const char *server = f->client < 0 ? NULL : x->o->name[!f->client];
	char a[32];

	switch (f->kind) {
	case VD_FK_UNDELIVERED:
	case VD_FK_UNVERIFIED_DELIVERY:
		if (f->explain) {
			vd_render_explained(x, t);
		} else if (f->variant == VD_VAR_UNALIGNED) {
			snprintf(t->cause, sizeof(t->cause),
				 "if %s was recording then: packets allocated by %s never left it "
				 "(e.g. RX buffer allocation failures, a lost kick)",
				 x->rx, x->tx);
			snprintf(t->next_step, sizeof(t->next_step),
				 "record both partitions at the same time so the clocks can be "
				 "aligned, then run correlate again");
		} else if (f->variant == VD_VAR_RUN_RX_LOST) {
			snprintf(t->cause, sizeof(t->cause),
				 "unknown: the receiver lost trace events");
			snprintf(
			    t->next_step, sizeof(t->next_step),
			    "record again with a larger buffer (vsockdiag record --buffer-kb)");
		} else {
			snprintf(
			    t->cause, sizeof(t->cause),
			    "%s: the packets were allocated but never delivered: the transmit "
			    "path failed after allocation (e.g. %s's RX virtqueue had no buffers "
			    "because RX buffer allocation failed, or the kick to the other side "
			    "was lost)",
			    f->variant == VD_VAR_RUN_NO_IRQ ? "no delivery and no interrupt"
							    : "delivery failure",
			    x->rx);
			snprintf(
			    t->next_step, sizeof(t->next_step),
			    "record both sides with kmem:mm_page_alloc (order >= 3) and "
			    "kmem:kmalloc to see allocation failures, and check %s's virtqueue "
			    "state around %s",
			    x->rx,
			    fmt_t(a, sizeof(a), f->start[vd_dir_receiver((enum vd_dir)f->dir)]));
		}
		break;
	case VD_FK_DELIVERY_STALL:
		if (f->explain) {
			vd_render_explained(x, t);
			break;
		}
		if (f->variant == VD_VAR_STALL_RECORDER) {
			snprintf(
			    t->cause, sizeof(t->cause),
			    "possibly the recorder itself: it was starting or stopping in that "
			    "window and takes the partition's CPU while it does; the recordings "
			    "cannot tell a stall of the link from the recorder's own");
			snprintf(
			    t->next_step, sizeof(t->next_step),
			    "start the recording before the workload and stop it after: a stall "
			    "away from the recorder's start and stop is the link's");
			break;
		}
		snprintf(t->cause, sizeof(t->cause),
			 "%s did not take packets off its RX queue for %.3f s: the partition was "
			 "paused or starved of CPU, its RX worker was blocked, or a kick/interrupt "
			 "was delayed",
			 x->rx, (double)f->duration_ns / 1e9);
		snprintf(t->next_step, sizeof(t->next_step),
			 "check whether %s was running in that window (hypervisor scheduling, "
			 "suspend, SIGSTOP, a long softirq); record with vsockdiag record for "
			 "virtqueue evidence",
			 x->rx);
		break;
	case VD_FK_CREDIT_STARVATION:
		if (f->variant == VD_VAR_STARVE_NOT_READING_SNAP ||
		    f->variant == VD_VAR_STARVE_ADVERTISED_LATE)
			vd_render_bpf_words(x, t);
		else
			starvation_words(x, t);
		break;
	case VD_FK_RX_RING_EMPTY:
	case VD_FK_MISSING_KICK:
	case VD_FK_VHOST_WAIT:
		vd_render_bpf_words(x, t);
		break;
	case VD_FK_ADB_WRITE_UNACKED:
	case VD_FK_ADB_CNXN_UNANSWERED:
	case VD_FK_ADB_STREAMS_CUT:
		vd_render_adb_words(x, t);
		break;
	case VD_FK_CONNECTION_REFUSED:
		snprintf(t->cause, sizeof(t->cause),
			 "nothing listens on that port on %s (or its accept backlog is full)",
			 server ? server : "the peer");
		snprintf(t->next_step, sizeof(t->next_step),
			 "start the listener before connecting (adbd on 5555?), or check the port "
			 "and CID the client uses");
		break;
	case VD_FK_REQUEST_UNANSWERED:
		if (f->variant == VD_VAR_REQ_NOCLOCK)
			snprintf(t->cause, sizeof(t->cause),
				 "unknown without a common clock: the listener on %s did not "
				 "answer, or its answer was lost",
				 server);
		else if (f->variant == VD_VAR_REQ_DELIVERED)
			snprintf(t->cause, sizeof(t->cause),
				 "the listener on %s did not accept: a hung server or a transport "
				 "that drops the reply",
				 server);
		else
			snprintf(t->cause, sizeof(t->cause),
				 "the REQUEST was lost on the way to %s", server);
		snprintf(t->next_step, sizeof(t->next_step),
			 "check that the server on %s is alive and accepting", server);
		break;
	case VD_FK_HALF_CLOSED:
		snprintf(t->cause, sizeof(t->cause),
			 "the peer did not release its socket (application holding it, or the RST "
			 "was lost); the port stays busy and a reconnect to it may be refused");
		snprintf(t->next_step, sizeof(t->next_step),
			 "check which process still holds the socket (ss --vsock -a) on both "
			 "partitions");
		break;
	case VD_FK_ADB_HANDSHAKE:
		snprintf(
		    t->cause, sizeof(t->cause),
		    "it closed before any real traffic: if this is adb, CNXN/AUTH did not "
		    "complete (adbd refused the host key, the adb server gave up, or the relay "
		    "closed the stream); otherwise the application on port %u gave up early",
		    f->port);
		snprintf(
		    t->next_step, sizeof(t->next_step),
		    "check adbd's log (logcat -s adbd) for AUTH failures and the relay's log on "
		    "the vhost side");
		break;
	case VD_FK_CLOCK_UNALIGNED:
		snprintf(t->cause, sizeof(t->cause), "%s",
			 f->variant == VD_VAR_CLOCK_REPEATS
			     ? "the packets both recordings hold are too regular to tell which "
			       "correspond"
			     : "no packet was recorded by both partitions");
		snprintf(
		    t->next_step, sizeof(t->next_step),
		    "record both partitions over the same period (vsockdiag record on each), or "
		    "give the clock difference with --offset");
		break;
	case VD_FK_LOST_EVENTS:
		snprintf(t->cause, sizeof(t->cause),
			 "the trace ring buffer overflowed: nothing is proven in those windows");
		snprintf(t->next_step, sizeof(t->next_step),
			 "record with a larger buffer (buffer_size_kb) or fewer events");
		break;
	case VD_FK_BUFFER_OVERWRITTEN:
		snprintf(t->next_step, sizeof(t->next_step),
			 "read the buffer sooner or record to a file (vsockdiag record)");
		break;
	case VD_FK_ORPHAN_RECEIVES:
		snprintf(t->cause, sizeof(t->cause),
			 "%s's recording missed them (lost events, or a tracepoint disabled for a "
			 "while)",
			 x->tx);
		break;
	case VD_FK_PARTIAL_DELIVERY:
		snprintf(t->cause, sizeof(t->cause),
			 "the receiver's byte stream does not line up with the sender's: missing "
			 "receive events or data dropped mid-packet");
		break;
	case VD_FK_ALLOC_FAILURE:
		if (f->variant == VD_VAR_ALLOC_OPPORTUNISTIC)
			break;
		snprintf(
		    t->cause, sizeof(t->cause),
		    "%s's memory is too fragmented for large contiguous buffers: vsock packet "
		    "buffers up to 64 KiB (order 4-5) fail; a failed RX refill leaves the ring "
		    "empty and nothing retries it, a failed TX allocation leaves no trace at all",
		    name(x, f->side));
		snprintf(t->next_step, sizeof(t->next_step),
			 "check /proc/buddyinfo on %s; compact memory (echo 1 > "
			 "/proc/sys/vm/compact_memory) to confirm; a kernel with smaller vsock "
			 "buffers (6.17+, or 6.1.63+ skb RX) avoids order-4/5 allocations",
			 name(x, f->side));
		break;
	default:
		break;
	}
}

static void ctx_init(struct ctx *x, const struct vd_opts *o, const struct vd_result *r,
		     const struct vd_finding *f)
{
	x->o = o;
	x->r = r;
	x->f = f;
	x->tx = x->rx = "?";
	if (f->dir == VD_DIR_A_TO_B || f->dir == VD_DIR_B_TO_A) {
		x->tx = o->name[vd_dir_sender((enum vd_dir)f->dir)];
		x->rx = o->name[vd_dir_receiver((enum vd_dir)f->dir)];
	}
}

void vd_render_summary(const struct vd_opts *o, const struct vd_result *r,
		       const struct vd_finding *f, char *buf, size_t len)
{
	struct ctx x;

	ctx_init(&x, o, r, f);
	summary(&x, buf, len);
}

void vd_render_finding(const struct vd_opts *o, const struct vd_result *r,
		       const struct vd_finding *f, struct vd_finding_text *t)
{
	struct ctx x;

	memset(t, 0, sizeof(*t));
	ctx_init(&x, o, r, f);
	summary(&x, t->summary, sizeof(t->summary));
	for (unsigned int i = 0; i < f->nevidence && i < VD_FINDING_MAX_EVIDENCE; i++)
		vd_render_evidence(&x, &f->evidence[i], t->evidence[t->nevidence++],
				   VD_FINDING_TEXT);
	words(&x, t);
}
