// SPDX-License-Identifier: GPL-2.0
/*
 * BPF records to "vsockdiag-bpf" marker lines (doc/bpf-events.md), the
 * sampler runs, and the count of records the ring buffer dropped. Stacks are
 * symbolized here, once per stack id, so the recording names functions even
 * when read on another machine.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "common/util.h"
#include "bpf_internal.h"
#include "ksyms.h"
#include "vsockdiag.skel.h"

/* kernels before 5.x cut trace_marker writes at 1 KiB (doc/bpf-events.md) */
#define LINE_MAX_BYTES 1000
#define STACK_DEPTH    32

static const char *const vq_names[] = { "rx", "tx", "event" };

static const char *vq_name(uint32_t vq)
{
	return vq < 3 ? vq_names[vq] : "other";
}

int vd_bpf_write_line(struct vd_bpf *b, const char *line, size_t len)
{
	int ret = 0;

	if (b->marker_fd < 0 && !b->line_fn)
		return -EBADF;
	if (len > LINE_MAX_BYTES)
		len = LINE_MAX_BYTES;
	if (b->line_fn)
		b->line_fn(b->line_ctx, line, len);
	/* the live collector's -w: the recording's instance gets the same line (a line counts once)
	 */
	if (b->tee_fd >= 0 && write(b->tee_fd, line, len) != (ssize_t)len)
		ret = -errno ?: -EIO;
	if (b->marker_fd >= 0 && write(b->marker_fd, line, len) != (ssize_t)len)
		ret = -errno ?: -EIO;
	if (ret) {
		b->st.write_errors++;
		return ret;
	}
	b->st.lines++;
	return 0;
}

/* "vsockdiag-bpf KIND t=NS" and the rest by the caller */
static int head(const struct vd_bpf *b, char *buf, size_t len, const char *kind,
		const struct vd_brec *r)
{
	if (b->with_time)
		return snprintf(buf, len, "vsockdiag-bpf %s t=%" PRIu64, kind, (uint64_t)r->t);
	return snprintf(buf, len, "vsockdiag-bpf %s", kind);
}

/* comm without spaces: the line is key=value words */
static void comm_word(const char *comm, char *out)
{
	size_t i;

	for (i = 0; i < 15 && comm[i]; i++)
		out[i] = (comm[i] == ' ' || comm[i] == '=' || (unsigned char)comm[i] < 0x21)
			     ? '_'
			     : comm[i];
	out[i] = '\0';
	if (!i)
		snprintf(out, 16, "?");
}

/*
 * The first frame worth showing: the stack starts in the BPF program and the
 * tracing machinery that ran it (bpf_prog_*, BPF trampolines, bpf_trace_run*,
 * __traceiter_*), which the kallsyms snapshot taken before the programs
 * loaded may not even name. Skip through the last such frame near the top.
 */
static int first_frame(const struct vd_bpf *b, const uint64_t *ips)
{
	static const char *const infra[] = { "bpf_prog_",    "bpf_trampoline_", "bpf_trace_run",
					     "__traceiter_", "__bpf_trace_",	"trace_call_bpf",
					     "kprobe_",	     "ftrace_",		"perf_trace_" };
	char sym[160];
	int first = 0;

	for (int i = 0; i < 8 && i < STACK_DEPTH && ips[i]; i++) {
		bool skip = !vd_ksyms_known(b->caps.ksyms, ips[i]);

		vd_ksyms_format(b->caps.ksyms, ips[i], sym, sizeof(sym));
		for (size_t j = 0; j < ARRAY_SIZE(infra) && !skip; j++)
			skip = !strncmp(sym, infra[j], strlen(infra[j]));
		if (skip)
			first = i + 1;
	}
	return first;
}

static void emit_stack(struct vd_bpf *b, int32_t id)
{
	uint64_t ips[STACK_DEPTH] = { 0 };
	char line[LINE_MAX_BYTES + 64], sym[160];
	size_t n;

	if (id < 0 || id >= VD_STACK_IDS || (b->stack_seen[id / 8] & (1u << (id % 8))))
		return;
	if (bpf_map__lookup_elem(b->skel->maps.stacks, &id, sizeof(id), ips, sizeof(ips), 0))
		return;
	b->stack_seen[id / 8] |= (uint8_t)(1u << (id % 8));
	n = (size_t)snprintf(line, sizeof(line), "vsockdiag-bpf stack id=%d frames=", id);
	for (int i = first_frame(b, ips), k = 0; i < STACK_DEPTH && ips[i]; i++, k++) {
		int w;

		vd_ksyms_format(b->caps.ksyms, ips[i], sym, sizeof(sym));
		/* whole frames only: a cut frame would name the wrong function */
		if (n + strlen(sym) + 1 >= LINE_MAX_BYTES)
			break;
		w = snprintf(line + n, sizeof(line) - n, "%s%s", k ? "," : "", sym);
		n += (size_t)w;
	}
	vd_bpf_write_line(b, line, n);
}

static const char *af_path(uint32_t p)
{
	switch (p) {
	case VD_AF_PKT:
		return "pkt";
	case VD_AF_PAGE:
		return "page";
	case VD_AF_KMALLOC:
		return "kmalloc";
	}
	return "other";
}

static const char *why_name(uint32_t w)
{
	switch (w) {
	case VD_WHY_START:
		return "start";
	case VD_WHY_STOP:
		return "stop";
	}
	return "sample";
}

static int fmt_credit(const struct vd_bpf *b, const struct vd_brec *r, char *l, size_t len)
{
	char comm[16];
	int n = head(b, l, len, "credit", r);

	comm_word(r->comm, comm);
	n += snprintf(l + n, len - (size_t)n,
		      " why=%s pid=%u comm=%s local=%u:%u remote=%u:%u state=%u tx_cnt=%u "
		      "peer_fwd_cnt=%u peer_buf_alloc=%u fwd_cnt=%u rx_bytes=%u buf_alloc=%u",
		      why_name(r->credit.why), r->pid, comm, r->credit.lcid, r->credit.lport,
		      r->credit.rcid, r->credit.rport, r->credit.state, r->credit.tx_cnt,
		      r->credit.peer_fwd_cnt, r->credit.peer_buf_alloc, r->credit.fwd_cnt,
		      r->credit.rx_bytes, r->credit.buf_alloc);
	if (r->credit.have & VD_CR_LAST_FWD)
		n += snprintf(l + n, len - (size_t)n, " last_fwd_cnt=%u", r->credit.last_fwd_cnt);
	if (r->credit.have & VD_CR_MSG_COUNT)
		n += snprintf(l + n, len - (size_t)n, " msg_count=%u", r->credit.msg_count);
	if (r->credit.have & VD_CR_BYTES_UNSENT)
		n += snprintf(l + n, len - (size_t)n, " bytes_unsent=%u", r->credit.bytes_unsent);
	if (r->credit.have & VD_CR_BUF_USED)
		n += snprintf(l + n, len - (size_t)n, " buf_used=%u", r->credit.buf_used);
	return n;
}

static int fmt_payload(const struct vd_bpf *b, const struct vd_brec *r, char *l, size_t len)
{
	int n = head(b, l, len, "payload", r);
	uint32_t k = r->payload.n < VD_PAYLOAD_HEAD ? r->payload.n : VD_PAYLOAD_HEAD;

	n += snprintf(l + n, len - (size_t)n, " dir=%s src=%u:%u dst=%u:%u len=%u head=",
		      r->payload.dir == VD_BK_SENT ? "tx" : "rx", r->payload.src_cid,
		      r->payload.src_port, r->payload.dst_cid, r->payload.dst_port, r->payload.len);
	for (uint32_t i = 0; i < k; i++)
		n += snprintf(l + n, len - (size_t)n, "%02x", r->payload.head[i]);
	if (!k)
		n += snprintf(l + n, len - (size_t)n, "-");
	return n;
}

int vd_bpf_relay_record(struct vd_bpf *b, const void *data, size_t size)
{
	if (size < sizeof(struct vd_brec))
		return 0;
	b->st.records++;
	if (!b->batch)
		b->batch = vd_xcalloc(VD_BATCH_MAX, sizeof(*b->batch));
	if (b->nbatch == VD_BATCH_MAX)
		vd_bpf_relay_flush(b);
	memcpy(&b->batch[b->nbatch++], data, sizeof(struct vd_brec));
	return 0;
}

static int cmp_time(const void *x, const void *y)
{
	const struct vd_brec *a = x, *c = y;

	return a->t < c->t ? -1 : a->t > c->t;
}

static void write_record(struct vd_bpf *b, const struct vd_brec *r);

void vd_bpf_relay_flush(struct vd_bpf *b)
{
	/*
	 * Records reach the ring in reservation order, stamped just after: across
	 * CPUs that may invert by microseconds. Sorting each drain by time keeps
	 * the lines in occurrence order, which the RX ring model relies on.
	 */
	if (!b->nbatch)
		return;
	qsort(b->batch, b->nbatch, sizeof(*b->batch), cmp_time);
	for (size_t i = 0; i < b->nbatch; i++)
		write_record(b, &b->batch[i]);
	b->nbatch = 0;
}

static void write_record(struct vd_bpf *b, const struct vd_brec *r)
{
	char l[LINE_MAX_BYTES + 64], comm[16], gfp[512], sym[160];
	size_t len = sizeof(l);
	int n = 0;

	switch (r->type) {
	case VD_BR_RXFILL:
		n = head(b, l, len, "rxfill", r);
		n += snprintf(l + n, len - (size_t)n, " before=%d after=%d max=%d free=%d fail=%u",
			      r->rxfill.before, r->rxfill.after, r->rxfill.max, r->rxfill.free,
			      r->rxfill.fail);
		break;
	case VD_BR_RXLEVEL:
		n = head(b, l, len, "rxlevel", r);
		n += snprintf(l + n, len - (size_t)n, " level=%d max=%d free=%d src=%s",
			      r->rxlevel.level, r->rxlevel.max, r->rxlevel.free,
			      r->rxlevel.src == VD_LEVEL_SAMPLE ? "sample" : "work");
		break;
	case VD_BR_KICK:
		n = head(b, l, len, "kick", r);
		n += snprintf(l + n, len - (size_t)n, " dir=%s vq=%s",
			      r->kick.dir == VD_BK_SENT	     ? "sent"
			      : r->kick.dir == VD_BK_SKIPPED ? "skipped"
							     : "received",
			      vq_name(r->kick.vq));
		break;
	case VD_BR_VHOSTWAIT:
		n = head(b, l, len, "vhostwait", r);
		n += snprintf(l + n, len - (size_t)n, " cid=%u queued=%d replies=%d", r->vhost.cid,
			      r->vhost.queued, r->vhost.replies);
		break;
	case VD_BR_VHOSTSAMPLE:
		comm_word(r->comm, comm);
		n = head(b, l, len, "vhostsample", r);
		n += snprintf(l + n, len - (size_t)n,
			      " cid=%u queued=%d replies=%d avail=%d pid=%u comm=%s", r->vhost.cid,
			      r->vhost.queued, r->vhost.replies, r->vhost.avail, r->pid, comm);
		break;
	case VD_BR_VQIRQ:
		n = head(b, l, len, "vqirq", r);
		n += snprintf(l + n, len - (size_t)n, " irq=%d vq=%s%s", r->vqirq.irq,
			      r->vqirq.shared ? "any" : vq_name(r->vqirq.vq),
			      r->vqirq.shared ? " shared=1" : "");
		break;
	case VD_BR_ALLOCFAIL:
		emit_stack(b, r->allocfail.stack);
		comm_word(r->comm, comm);
		n = head(b, l, len, "allocfail", r);
		n += snprintf(l + n, len - (size_t)n, " path=%s", af_path(r->allocfail.path));
		if (r->allocfail.path == VD_AF_PAGE)
			n += snprintf(l + n, len - (size_t)n, " order=%u", r->allocfail.order);
		if (r->allocfail.path == VD_AF_KMALLOC)
			n += snprintf(l + n, len - (size_t)n, " bytes=%" PRIu64,
				      (uint64_t)r->allocfail.bytes);
		if (r->allocfail.path != VD_AF_PKT)
			n += snprintf(
			    l + n, len - (size_t)n, " gfp=%s opportunistic=%d",
			    vd_gfp_bits_format(&b->gfp, r->allocfail.gfp, gfp, sizeof(gfp)),
			    vd_gfp_bits_opportunistic(&b->gfp, r->allocfail.gfp));
		n += snprintf(l + n, len - (size_t)n, " pid=%u comm=%s", r->pid, comm);
		if (r->allocfail.stack >= 0)
			n += snprintf(l + n, len - (size_t)n, " stack=%d", r->allocfail.stack);
		break;
	case VD_BR_SKBDROP:
		vd_ksyms_format(b->caps.ksyms, r->skbdrop.loc, sym, sizeof(sym));
		n = head(b, l, len, "skbdrop", r);
		n += snprintf(l + n, len - (size_t)n, " reason=%u loc=%s", r->skbdrop.reason, sym);
		break;
	case VD_BR_CREDIT:
		n = fmt_credit(b, r, l, len);
		break;
	case VD_BR_PAYLOAD:
		n = fmt_payload(b, r, l, len);
		break;
	default:
		return;
	}
	if (n > 0)
		vd_bpf_write_line(b, l, (size_t)n < len ? (size_t)n : len - 1);
}

/* now in the BPF clock (bpf_ktime_get_ns / _boot_ns: CLOCK_MONOTONIC / CLOCK_BOOTTIME) */
uint64_t vd_bpf_now(const struct vd_bpf *b)
{
	struct timespec t;

	clock_gettime(b->o.trace_clock && !strcmp(b->o.trace_clock, "boot") ? CLOCK_BOOTTIME
									    : CLOCK_MONOTONIC,
		      &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

void vd_bpf_relay_lost(struct vd_bpf *b)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[512] = { 0 }, sum = 0;
	uint32_t zero = 0;
	char l[128];
	int n;

	if (!b->skel || ncpu <= 0 || ncpu > 512)
		return;
	if (bpf_map__lookup_elem(b->skel->maps.lost, &zero, sizeof(zero), vals,
				 sizeof(uint64_t) * (size_t)ncpu, 0))
		return;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	if (sum <= b->lost_seen)
		return;
	n = snprintf(l, sizeof(l), "vsockdiag-bpf lost t=%" PRIu64 " count=%" PRIu64, vd_bpf_now(b),
		     sum - b->lost_seen);
	b->st.lost += sum - b->lost_seen;
	b->lost_seen = sum;
	vd_bpf_write_line(b, l, (size_t)n);
}

int vd_bpf_sample(struct vd_bpf *b, uint32_t why)
{
	char buf[256];
	int fd;

	if (!b->iter_link)
		return 0;
	b->skel->bss->sample_why = why;
	b->skel->bss->ring_sampled = 0;
	fd = bpf_iter_create(bpf_link__fd(b->iter_link));
	if (fd < 0)
		return -errno;
	/* the program writes to the ring buffer, not to the file: read to the end */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	b->st.samples++;
	ring_buffer__consume(b->rb);
	vd_bpf_relay_flush(b);
	return 0;
}
