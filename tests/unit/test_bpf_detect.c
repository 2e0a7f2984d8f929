// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF detectors on trace text built here, through the whole pipeline
 * from memory (vd_source_open_mem, vd_correlate_sources): one dead link
 * (the host streams to the guest, nothing arrives after 2 s) explained four
 * ways by what the BPF lines say, each detector's positive and negative
 * cases, and hostile marker lines that must never become findings.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/batch/correlate.h"
#include "analyzers/sinks/render.h"
#include "common/log.h"
#include "vtest.h"

#define OFF 1000.0 /* the guest's clock: the host's + 1000 s */

struct text {
	char *p;
	size_t n, cap;
};

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int need;

	for (;;) {
		va_start(ap, fmt);
		need = vsnprintf(t->p ? t->p + t->n : NULL, t->p ? t->cap - t->n : 0, fmt, ap);
		va_end(ap);
		if (t->p && (size_t)need < t->cap - t->n)
			break;
		t->cap = (t->cap + (size_t)need + 1) * 2;
		t->p = realloc(t->p, t->cap);
	}
	t->n += (size_t)need;
}

/* a line at ts (seconds) of a text in `cat trace` form */
#define LINE(t, comm, ts, ...)                                                                     \
	do {                                                                                       \
		add(t, "%20s [000] .... %.6f: ", comm, ts);                                        \
		add(t, __VA_ARGS__);                                                               \
		add(t, "\n");                                                                      \
	} while (0)
/* a BPF line whose event happened at `at`, written by the recorder 20 ms later */
#define BPF(t, at, fmt, ...)                                                                       \
	LINE(t, "vsockdiag-77", (at) + 0.02, "tracing_mark_write: vsockdiag-bpf " fmt, __VA_ARGS__)
#define NS(x) ((long long)((x)*1e9 + 0.5))

enum story { FROZEN, RINGEMPTY, ALLOCFAIL, NOKICK, NOBPF, SKIPPED };

/*
 * The host (A, CID 2) streams 4 KiB every 100 ms from 100.1 s; from 102 s
 * nothing more reaches the guest (B, CID 3), except when frozen: then it all
 * arrives at 105 s.  Lines are written here in any order; run() puts each
 * recording in time order, as the recorder's would be.
 */
static void story(enum story st, struct text *h, struct text *g)
{
	const double dead = 102.0;
	int delivered = 0;

	LINE(g, "socat-200", 100.0 + OFF,
	     "virtio_transport_alloc_pkt: 3:1025 -> 2:5555 len=0 type=STREAM op=REQUEST flags=0x0");
	LINE(h, "vhost-900", 100.0001,
	     "virtio_transport_recv_pkt: 3:1025 -> 2:5555 len=0 type=STREAM op=REQUEST flags=0x0 "
	     "buf_alloc=262144 fwd_cnt=0");
	LINE(
	    h, "socat-100", 100.0002,
	    "virtio_transport_alloc_pkt: 2:5555 -> 3:1025 len=0 type=STREAM op=RESPONSE flags=0x0");
	LINE(g, "kworker/0:1-50", 100.0003 + OFF,
	     "virtio_transport_recv_pkt: 2:5555 -> 3:1025 len=0 type=STREAM op=RESPONSE flags=0x0 "
	     "buf_alloc=262144 fwd_cnt=0");
	if (st != NOBPF) {
		BPF(h, 99.9, "tier hook=%s tier=kprobe", "vhostwait");
		BPF(h, 99.9, "tier hook=%s tier=kprobe", "kick");
		BPF(g, 99.9 + OFF, "tier hook=%s tier=kprobe", "rx_fill");
		BPF(g, 99.9 + OFF, "tier hook=%s tier=sampler", "rxlevel");
		BPF(g, 99.9 + OFF, "tier hook=%s tier=kprobe", "kick");
	}
	for (int i = 0; i < 49; i++) {
		double t = 100.1 + 0.1 * i, arrive = t + 0.0002;

		LINE(h, "socat-100", t,
		     "virtio_transport_alloc_pkt: 2:5555 -> 3:1025 len=4096 type=STREAM op=RW "
		     "flags=0x0");
		if (t >= dead && st != FROZEN)
			continue;
		if (t >= dead)
			arrive = 105.0 + 0.0002 * i;
		LINE(g, "kworker/0:1-50", arrive + OFF,
		     "virtio_transport_recv_pkt: 2:5555 -> 3:1025 len=4096 type=STREAM op=RW "
		     "flags=0x0 buf_alloc=262144 fwd_cnt=0");
		if (++delivered % 5)
			continue;
		LINE(g, "socat-200", arrive + 0.0001 + OFF,
		     "virtio_transport_alloc_pkt: 3:1025 -> 2:5555 len=0 type=STREAM "
		     "op=CREDIT_UPDATE flags=0x0");
		LINE(h, "vhost-900", arrive + 0.0003,
		     "virtio_transport_recv_pkt: 3:1025 -> 2:5555 len=0 type=STREAM "
		     "op=CREDIT_UPDATE flags=0x0 buf_alloc=262144 fwd_cnt=%d",
		     delivered * 4096);
	}
	/* the guest's sampler, every 250 ms (silent while frozen) */
	for (double s = 100.05; st != NOBPF && s < 106.0; s += 0.25) {
		int level =
		    (st == RINGEMPTY || st == ALLOCFAIL || st == SKIPPED) && s > dead ? 0 : 128;

		if (st == SKIPPED && s > dead + 0.5)
			level = 128; /* refilled, and then nothing */
		if (st == FROZEN && s >= dead && s < dead + 3.0)
			continue;
		BPF(g, s + OFF, "rxlevel t=%lld level=%d max=128 src=sample", NS(s + OFF), level);
	}
	switch (st) {
	case FROZEN:
		BPF(h, dead + 0.05, "vhostwait t=%lld queued=%d", NS(dead + 0.05), 1);
		BPF(h, dead + 3.0, "kick t=%lld dir=received vq=%s", NS(dead + 3.0), "rx");
		break;
	case ALLOCFAIL:
		BPF(g, dead - 0.001 + OFF,
		    "stack id=7 frames=__alloc_pages+0x1a,__alloc_skb+0x8e,%s",
		    "virtio_vsock_rx_fill+0x5a,virtio_transport_rx_work+0x2bd");
		BPF(g, dead - 0.0002 + OFF,
		    "allocfail t=%lld path=page order=3 opportunistic=0 pid=50 comm=kworker "
		    "stack=7",
		    NS(dead - 0.0002 + OFF));
		LINE(g, "kworker/0:1-50", dead - 0.0002 + OFF,
		     "mm_page_alloc: page=0000000000000000 pfn=-1 order=3 migratetype=0 "
		     "gfp_flags=GFP_KERNEL|__GFP_COMP");
		__attribute__((fallthrough)); /* the refill it broke */
	case RINGEMPTY:
		BPF(g, dead - 0.0001 + OFF,
		    "rxfill t=%lld before=3 after=0 max=128 free=128 fail=1",
		    NS(dead - 0.0001 + OFF));
		BPF(h, dead + 0.05, "vhostwait t=%lld queued=%d", NS(dead + 0.05), 1);
		break;
	case NOKICK:
		BPF(g, dead - 0.03 + OFF,
		    "rxfill t=%lld before=60 after=128 max=128 free=0 fail=%d",
		    NS(dead - 0.03 + OFF), 0);
		BPF(g, dead - 0.0299 + OFF, "kick t=%lld dir=sent vq=%s", NS(dead - 0.0299 + OFF),
		    "rx");
		BPF(h, dead - 0.0301, "vhostwait t=%lld queued=%d", NS(dead - 0.0301), 1);
		break;
	case SKIPPED:
		/* the ring ran dry, a refill came, its kick skipped, then nothing */
		BPF(g, dead + 0.5 + OFF, "rxfill t=%lld before=0 after=128 max=128 free=0 fail=%d",
		    NS(dead + 0.5 + OFF), 0);
		BPF(g, dead + 0.5001 + OFF, "kick t=%lld dir=skipped vq=%s",
		    NS(dead + 0.5001 + OFF), "rx");
		break;
	default:
		break;
	}
	LINE(h, "socat-100", 106.0, "irq_handler_entry: irq=24 name=%s", "virtio1-config");
	LINE(g, "kworker/0:1-50", 106.0 + OFF, "irq_handler_entry: irq=24 name=%s",
	     "virtio0-config");
}

/* a recording's lines in time order, as a recorder writes them (stable for equal times) */
static double line_ts(const char *l)
{
	const char *p = strstr(l, "....");

	return p ? strtod(p + 4, NULL) : 0;
}

struct lref {
	const char *s;
	size_t n, i;
	double ts;
};

static int cmp_lref(const void *pa, const void *pb)
{
	const struct lref *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static void sort_lines(struct text *t)
{
	struct lref *v = NULL;
	size_t n = 0, cap = 0, off = 0;
	char *out;

	for (const char *p = t->p; p && p < t->p + t->n;) {
		const char *nl = memchr(p, '\n', (size_t)(t->p + t->n - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(t->p + t->n - p);

		if (n == cap)
			v = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof(*v));
		v[n] = (struct lref){ p, len, n, line_ts(p) };
		n++;
		p += len;
	}
	qsort(v, n, sizeof(*v), cmp_lref);
	out = malloc(t->n + 1);
	for (size_t i = 0; i < n; i++) {
		memcpy(out + off, v[i].s, v[i].n);
		off += v[i].n;
	}
	free(v);
	free(t->p);
	t->p = out;
	t->cap = t->n + 1;
}

struct run {
	struct vd_opts o;
	struct vd_result r;
	int ret;
};

/* correlate host (and guest, unless NULL) from memory, each in time order */
static void run(struct run *x, struct text *h, struct text *g)
{
	sort_lines(h);
	if (g)
		sort_lines(g);
	if (getenv("VD_BPF_DUMP")) {
		FILE *fh = fopen("/tmp/vd_h.txt", "w"), *fg = fopen("/tmp/vd_g.txt", "w");

		fwrite(h->p, 1, h->n, fh);
		if (g)
			fwrite(g->p, 1, g->n, fg);
		fclose(fh);
		fclose(fg);
	}
	struct vd_source *src[2] = { NULL, NULL };
	char err[256] = "";

	vd_opts_init(&x->o);
	x->o.name[0] = "host";
	x->o.name[1] = "guest";
	x->o.path[0] = "host.txt";
	x->o.path[1] = g ? "guest.txt" : NULL;
	src[0] = vd_source_open_mem("host.txt", h->p, h->n, err, sizeof(err));
	if (g)
		src[1] = vd_source_open_mem("guest.txt", g->p, g->n, err, sizeof(err));
	x->ret = src[0] && (!g || src[1])
		     ? vd_correlate_sources(&x->o, src, &x->r, err, sizeof(err))
		     : -1;
	if (x->ret)
		fprintf(stderr, "correlate: %s\n", err);
	vd_source_close(src[0]);
	vd_source_close(src[1]);
}

static const struct vd_finding *find(const struct run *x, enum vd_finding_kind k)
{
	for (size_t i = 0; i < x->r.findings.n; i++)
		if (x->r.findings.v[i].kind == k)
			return &x->r.findings.v[i];
	return NULL;
}

static size_t count(const struct run *x, enum vd_finding_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < x->r.findings.n; i++)
		n += x->r.findings.v[i].kind == k;
	return n;
}

static bool has_evidence(const struct vd_finding *f, enum vd_evidence_kind k)
{
	for (unsigned int i = 0; f && i < f->nevidence; i++)
		if (f->evidence[i].kind == k)
			return true;
	return false;
}

static void done(struct run *x, struct text *h, struct text *g)
{
	vd_result_free(&x->r);
	free(h->p);
	free(g->p);
}

/* the dead link of each story: its finding and the explanation it gets */
static void dead_link(enum story st, struct run *x, struct text *h, struct text *g)
{
	memset(h, 0, sizeof(*h));
	memset(g, 0, sizeof(*g));
	int saved = vd_log_level;

	memset(x, 0, sizeof(*x));
	/* quiet while the stories run, and as loud again after: later tests read warnings */
	vd_log_level = VD_LOG_ERROR;
	story(st, h, g);
	run(x, h, g);
	vd_log_level = saved;
}

VT_TEST(bpf_dead_link_four_explanations)
{
	static const struct {
		enum story st;
		enum vd_finding_kind dead; /* the dead link's finding */
		enum vd_explain why;
		enum vd_finding_kind cause; /* the finding the explanation refers to */
	} want[] = {
		{ FROZEN, VD_FK_DELIVERY_STALL, VD_EXPLAIN_FROZEN, VD_FK_MAX },
		{ RINGEMPTY, VD_FK_UNDELIVERED, VD_EXPLAIN_RING_EMPTY, VD_FK_RX_RING_EMPTY },
		{ NOKICK, VD_FK_UNDELIVERED, VD_EXPLAIN_MISSING_KICK, VD_FK_MISSING_KICK },
		{ ALLOCFAIL, VD_FK_UNDELIVERED, VD_EXPLAIN_ALLOC, VD_FK_ALLOC_FAILURE },
		{ NOBPF, VD_FK_UNDELIVERED, VD_EXPLAIN_NONE, VD_FK_MAX },
	};
	char cause[4][VD_FINDING_TEXT] = { "" };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct text h, g;
		struct run x;
		const struct vd_finding *f, *c;
		struct vd_finding_text t;

		dead_link(want[i].st, &x, &h, &g);
		VT_EQ_INT(x.ret, 0);
		f = find(&x, want[i].dead);
		VT_ASSERT(f);
		VT_EQ_INT(f->explain, want[i].why);
		if (want[i].cause != VD_FK_MAX) {
			c = vd_findings_by_id(&x.r.findings, f->explain_ref);
			VT_ASSERT(c);
			VT_EQ_INT(c->kind, want[i].cause);
			VT_ASSERT(has_evidence(f, VD_EVD_EXPLAINED));
		}
		/* the same dead link reads differently: four different causes */
		vd_render_finding(&x.o, &x.r, f, &t);
		if (i < 4) {
			snprintf(cause[i], sizeof(cause[i]), "%s", t.cause);
			for (size_t k = 0; k < i; k++)
				VT_ASSERT(strcmp(cause[k], cause[i]));
		}
		/* only the story's own BPF kinds */
		VT_EQ_INT(count(&x, VD_FK_RX_RING_EMPTY),
			  want[i].st == RINGEMPTY || want[i].st == ALLOCFAIL);
		VT_EQ_INT(count(&x, VD_FK_MISSING_KICK), want[i].st == NOKICK);
		VT_EQ_INT(count(&x, VD_FK_VHOST_WAIT), 0);
		done(&x, &h, &g);
	}
}

VT_TEST(bpf_frozen_guest_gets_the_hosts_wait_as_evidence)
{
	struct text h, g;
	struct run x;
	const struct vd_finding *f;

	dead_link(FROZEN, &x, &h, &g);
	f = find(&x, VD_FK_DELIVERY_STALL);
	VT_ASSERT(f);
	VT_ASSERT(has_evidence(f, VD_EVD_VHOST_WAIT));
	VT_ASSERT(has_evidence(f, VD_EVD_GUEST_SILENT));
	done(&x, &h, &g);
}

VT_TEST(bpf_rx_ring_empty_since_refills_and_host_queue)
{
	struct text h, g;
	struct run x;
	const struct vd_finding *f;

	dead_link(RINGEMPTY, &x, &h, &g);
	f = find(&x, VD_FK_RX_RING_EMPTY);
	VT_ASSERT(f);
	VT_EQ_INT(f->side, VD_SIDE_B);
	VT_EQ_INT(f->severity, VD_SEV_ERROR);
	/* since the failed refill, in the guest's clock, still dry at the end */
	VT_EQ_INT(f->start[VD_SIDE_B], NS(102.0 - 0.0001 + OFF));
	VT_ASSERT(!f->ended);
	VT_EQ_U64(f->count, 1);
	VT_ASSERT(has_evidence(f, VD_EVD_RING_REFILLS));
	VT_ASSERT(has_evidence(f, VD_EVD_VHOST_WAIT));
	VT_ASSERT(has_evidence(f, VD_EVD_RING_UNDELIVERED));
	done(&x, &h, &g);
}

/* the guest alone: the ring is still found dry; the host alone cannot tell why it waits */
VT_TEST(bpf_one_side_alone)
{
	struct text h, g;
	struct run x;
	const struct vd_finding *f;

	dead_link(RINGEMPTY, &x, &h, &g);
	vd_result_free(&x.r);
	run(&x, &g, NULL);
	VT_EQ_INT(x.ret, 0);
	VT_EQ_INT(count(&x, VD_FK_RX_RING_EMPTY), 1);
	vd_result_free(&x.r);
	run(&x, &h, NULL);
	f = find(&x, VD_FK_VHOST_WAIT);
	VT_ASSERT(f);
	VT_EQ_INT(f->severity, VD_SEV_WARNING);
	VT_EQ_INT(count(&x, VD_FK_MISSING_KICK), 0);
	VT_EQ_INT(count(&x, VD_FK_RX_RING_EMPTY), 0);
	done(&x, &h, &g);
}

VT_TEST(bpf_missing_kick_sent_never_received)
{
	struct text h, g;
	struct run x;
	const struct vd_finding *f;

	dead_link(NOKICK, &x, &h, &g);
	f = find(&x, VD_FK_MISSING_KICK);
	VT_ASSERT(f);
	VT_EQ_INT(f->variant, VD_VAR_KICK_NOT_RECEIVED);
	VT_EQ_INT(f->side, VD_SIDE_A);
	VT_ASSERT(has_evidence(f, VD_EVD_KICK_POSTED));
	VT_ASSERT(has_evidence(f, VD_EVD_KICK_HOST_NONE));
	done(&x, &h, &g);
}

/* the same, but the kick reached vhost: no missing kick, and the wait ends */
VT_TEST(bpf_missing_kick_negative_kick_received)
{
	struct text h = { 0 }, g = { 0 };
	struct run x = { 0 };

	story(NOKICK, &h, &g);
	BPF(&h, 101.98, "kick t=%lld dir=received vq=%s", NS(101.98), "rx");
	run(&x, &h, &g);
	VT_EQ_INT(x.ret, 0);
	VT_EQ_INT(count(&x, VD_FK_MISSING_KICK), 0);
	VT_EQ_INT(count(&x, VD_FK_VHOST_WAIT), 0);
	done(&x, &h, &g);
}

/*
 * vhost's sampler sees its queue empty soon after the wait began: what it waited to
 * deliver went out, the wait is over, and a guest that then posts nothing kicks nothing
 * (the lab's paced load: one credit update read as a 30 s missing kick)
 */
VT_TEST(bpf_missing_kick_negative_queue_drained)
{
	struct text h = { 0 }, g = { 0 };
	struct run x = { 0 };

	story(NOKICK, &h, &g);
	BPF(&h, 101.99, "vhostsample t=%lld cid=3 queued=0 replies=0 avail=%d", NS(101.99), 82);
	run(&x, &h, &g);
	VT_EQ_INT(x.ret, 0);
	VT_EQ_INT(count(&x, VD_FK_MISSING_KICK), 0);
	done(&x, &h, &g);
}

/* guest alone: it refilled its dry ring, skipped the kick, nothing came: a warning */
VT_TEST(bpf_missing_kick_guest_skipped_alone)
{
	struct text h = { 0 }, g = { 0 };
	struct run x = { 0 };
	const struct vd_finding *f;

	story(SKIPPED, &h, &g);
	run(&x, &g, NULL);
	VT_EQ_INT(x.ret, 0);
	f = find(&x, VD_FK_MISSING_KICK);
	VT_ASSERT(f);
	VT_EQ_INT(f->variant, VD_VAR_KICK_SKIPPED_GUEST);
	VT_EQ_INT(f->severity, VD_SEV_WARNING);
	done(&x, &h, &g);
	/* the same refill with its kick sent: nothing to say from the guest alone */
	memset(&x, 0, sizeof(x));
	memset(&h, 0, sizeof(h));
	memset(&g, 0, sizeof(g));
	story(SKIPPED, &h, &g);
	{
		char *p = strstr(g.p, "dir=skipped");

		VT_ASSERT(p);
		memcpy(p, "dir=sent   ", 11); /* still one token: "dir=sent" then blanks */
	}
	run(&x, &g, NULL);
	VT_EQ_INT(count(&x, VD_FK_MISSING_KICK), 0);
	done(&x, &h, &g);
}

VT_TEST(bpf_allocation_failure_gains_path_and_stack)
{
	struct text h, g;
	struct run x;
	const struct vd_finding *f;

	dead_link(ALLOCFAIL, &x, &h, &g);
	f = find(&x, VD_FK_ALLOC_FAILURE);
	VT_ASSERT(f);
	VT_EQ_INT(f->side, VD_SIDE_B);
	/* the tracepoint and the BPF line are one failure, counted once */
	VT_EQ_U64(f->count, 1);
	VT_ASSERT(has_evidence(f, VD_EVD_ALLOC_PATH));
	for (unsigned int i = 0; i < f->nevidence; i++) {
		if (f->evidence[i].kind == VD_EVD_ALLOC_PATH)
			VT_EQ_INT(f->evidence[i].v[0], VD_STACK_RXFILL);
		if (f->evidence[i].kind == VD_EVD_ALLOC_STACK)
			VT_EQ_STR(f->evidence[i].sym,
				  "__alloc_skb < virtio_vsock_rx_fill < virtio_transport_rx_work");
	}
	VT_ASSERT(has_evidence(f, VD_EVD_ALLOC_STACK));
	done(&x, &h, &g);
}

/* a receiver alone, not reading: its own snapshots say so (never "cannot tell") */
static void notread(struct text *h, bool reads)
{
	LINE(h, "vhost-900", 100.0,
	     "virtio_transport_recv_pkt: 3:1025 -> 2:5555 len=0 type=STREAM op=REQUEST flags=0x0 "
	     "buf_alloc=262144 fwd_cnt=0");
	for (int i = 0; i < 64; i++)
		LINE(h, "vhost-900", 100.1 + 0.01 * i,
		     "virtio_transport_recv_pkt: 3:1025 -> 2:5555 len=4096 type=STREAM op=RW "
		     "flags=0x0 buf_alloc=262144 fwd_cnt=0");
	for (int i = 0; i < 12; i++) {
		double s = 101.0 + 0.5 * i;
		unsigned int fwd = reads ? 4096u * (unsigned int)i : 0;

		BPF(h, s,
		    "credit t=%lld why=sample pid=100 comm=socat local=2:5555 remote=3:1025 "
		    "tx_cnt=0 peer_fwd_cnt=0 peer_buf_alloc=262144 fwd_cnt=%u rx_bytes=%u "
		    "buf_alloc=262144",
		    NS(s), fwd, 262144u - (reads ? fwd : 0));
	}
}

VT_TEST(bpf_credit_receiver_only_not_reading)
{
	struct text h = { 0 }, g = { 0 };
	struct run x = { 0 };
	const struct vd_finding *f;

	notread(&h, false);
	run(&x, &h, NULL);
	VT_EQ_INT(x.ret, 0);
	f = find(&x, VD_FK_CREDIT_STARVATION);
	VT_ASSERT(f);
	VT_EQ_INT(f->variant, VD_VAR_STARVE_NOT_READING_SNAP);
	VT_EQ_INT(f->dir, VD_DIR_B_TO_A);
	VT_EQ_INT(f->severity, VD_SEV_ERROR);
	VT_ASSERT(has_evidence(f, VD_EVD_CREDIT_SNAP));
	VT_ASSERT(has_evidence(f, VD_EVD_CREDIT_FROZEN));
	VT_ASSERT(has_evidence(f, VD_EVD_CREDIT_PACKETS));
	VT_ASSERT(has_evidence(f, VD_EVD_CREDIT_PROCESS));
	done(&x, &h, &g);
	/* a reader that consumes: its fwd_cnt moves, nothing to report */
	memset(&x, 0, sizeof(x));
	memset(&h, 0, sizeof(h));
	notread(&h, true);
	run(&x, &h, NULL);
	VT_EQ_INT(count(&x, VD_FK_CREDIT_STARVATION), 0);
	done(&x, &h, &g);
}

/* hostile BPF lines among a working link: skipped or malformed, never a finding or a crash */
VT_TEST(bpf_hostile_lines_are_counted_never_findings)
{
	static const char *const hostile[] = {
		"rxfill t=1 before=4294967295 after=0 max=0 free=0 fail=1 fail=1",
		"rxlevel t=18446744073709551615 level=0 max=0 src=sample", /* beyond any clock */
		"vhostwait t=99999999999999999999 queued=1",
		"kick t=-1 dir=received vq=rx",
		"stack id=1 frames=" /* empty */,
		"credit t=5 local=3:5555 remote=2:1 tx_cnt=1",
		"tier hook=\x7f tier=kprobe",
		"allocfail t=1 path=pkt stack=99", /* a stack never written */
		"lost t=1 count=18446744073709551615",
	};
	struct text h = { 0 }, g = { 0 };
	struct run x = { 0 };

	story(NOBPF, &h, &g);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		LINE(&g, "vsockdiag-77", 101.0 + OFF, "tracing_mark_write: vsockdiag-bpf %s",
		     hostile[i]);
	run(&x, &h, &g);
	VT_EQ_INT(x.ret, 0);
	/* the well-formed ones are events, the rest malformed and counted as ours */
	VT_EQ_U64(x.r.side[1].stats.bpf_malformed, 7);
	VT_EQ_U64(x.r.side[1].bpf.lines, 2);
	VT_EQ_INT(count(&x, VD_FK_RX_RING_EMPTY), 0);
	VT_EQ_INT(count(&x, VD_FK_MISSING_KICK), 0);
	VT_EQ_INT(count(&x, VD_FK_VHOST_WAIT), 0);
	/* the dead link is still found, unexplained */
	VT_ASSERT(find(&x, VD_FK_UNDELIVERED));
	VT_EQ_INT(find(&x, VD_FK_UNDELIVERED)->explain, VD_EXPLAIN_NONE);
	done(&x, &h, &g);
}

/* which hooks attached, and the questions a recording without them cannot answer */
VT_TEST(bpf_coverage_hooks_and_questions)
{
	struct text h = { 0 }, g = { 0 };
	struct run x = { 0 };
	struct vd_bq_answer a;

	story(RINGEMPTY, &h, &g);
	LINE(&g, "vsockdiag-77", 99.95 + OFF,
	     "tracing_mark_write: vsockdiag-bpf tier hook=vqirq tier=off why=%s", "no_msix");
	run(&x, &h, &g);
	VT_EQ_INT(x.ret, 0);
	vd_bpf_question(&x.r.side[1].bpf, VD_BQ_RX_RING, &a);
	VT_EQ_INT(a.status, VD_BQ_RECORDED);
	VT_EQ_STR(a.hook->hook, "rx_fill"); /* '_' and case do not matter */
	VT_EQ_INT(a.hook->tier, VD_TIER_KPROBE);
	vd_bpf_question(&x.r.side[1].bpf, VD_BQ_VQ_IRQ, &a);
	VT_EQ_INT(a.status, VD_BQ_OFF);
	VT_EQ_STR(a.hook->why, "no_msix");
	vd_bpf_question(&x.r.side[1].bpf, VD_BQ_CREDIT, &a);
	VT_EQ_INT(a.status, VD_BQ_NO_HOOK);
	/* a guest: the host's question is not its to answer */
	VT_ASSERT(!vd_bpf_question_applies(&x.r.side[1].bpf, VD_BQ_VHOST_WAIT));
	VT_ASSERT(vd_bpf_question_applies(&x.r.side[0].bpf, VD_BQ_VHOST_WAIT));
	VT_ASSERT(!vd_bpf_question_applies(&x.r.side[0].bpf, VD_BQ_RX_RING));
	done(&x, &h, &g);
}

/*
 * The guest (B) sends 256 KiB to the host (A), the host's buffer: the guest
 * is out of credit until the host's CREDIT_UPDATE at 104.2 s.  The host's
 * snapshots tell why: its fwd_cnt stayed 0 with 256 KiB unread (not
 * reading), or it moved at 100.8 s (it read; the update came late).
 * CP_STALE_MOVE: the host read 4 KiB at 100.05 s and said so (CREDIT_UPDATE
 * fwd_cnt=4096) before the guest ran out; its next snapshot, in the window,
 * shows that old move and nothing since: not reading.
 * CP_CLOSED: no update; the guest gives up at 103.0 s (SHUTDOWN), the host
 * answers RST (its credit still zero): the window ends at the SHUTDOWN.
 */
enum credit_story { CP_NOT_READING, CP_LATE, CP_STALE_MOVE, CP_CLOSED };

/* one packet of the story's connection at t (host clock), sent and received 0.2 ms later */
static void exchange(struct text *h, struct text *g, bool from_guest, double t, const char *pkt,
		     unsigned int fwd_cnt)
{
	if (from_guest) {
		LINE(g, "socat-200", t + OFF, "virtio_transport_alloc_pkt: 3:1025 -> 2:5555 %s", pkt);
		LINE(h, "vhost-900", t + 0.0002,
		     "virtio_transport_recv_pkt: 3:1025 -> 2:5555 %s buf_alloc=262144 fwd_cnt=%u", pkt,
		     fwd_cnt);
	} else {
		LINE(h, "socat-100", t, "virtio_transport_alloc_pkt: 2:5555 -> 3:1025 %s", pkt);
		LINE(g, "kworker/0:1-50", t + 0.0002 + OFF,
		     "virtio_transport_recv_pkt: 2:5555 -> 3:1025 %s buf_alloc=262144 fwd_cnt=%u", pkt,
		     fwd_cnt);
	}
}

static void credit_pair(enum credit_story cp, struct text *h, struct text *g)
{
	bool late = cp == CP_LATE;

	exchange(h, g, true, 100.0, "len=0 type=STREAM op=REQUEST flags=0x0", 0);
	exchange(h, g, false, 100.0003, "len=0 type=STREAM op=RESPONSE flags=0x0", 0);
	if (cp == CP_STALE_MOVE) {
		BPF(h, 100.01,
		    "credit t=%lld why=sample pid=100 comm=socat local=2:5555 remote=3:1025 "
		    "tx_cnt=0 peer_fwd_cnt=0 peer_buf_alloc=262144 fwd_cnt=0 rx_bytes=0 "
		    "buf_alloc=262144",
		    NS(100.01));
		exchange(h, g, true, 100.04, "len=4096 type=STREAM op=RW flags=0x0", 0);
		exchange(h, g, false, 100.06, "len=0 type=STREAM op=CREDIT_UPDATE flags=0x0", 4096);
	}
	for (int i = 0; i < 64; i++)
		exchange(h, g, true, 100.1 + 0.001 * i, "len=4096 type=STREAM op=RW flags=0x0", 0);
	if (cp == CP_CLOSED) {
		exchange(h, g, true, 103.0, "len=0 type=STREAM op=SHUTDOWN flags=0x3", 0);
		exchange(h, g, false, 103.1, "len=0 type=STREAM op=RST flags=0x0", 0);
	} else {
		exchange(h, g, false, 104.2, "len=0 type=STREAM op=CREDIT_UPDATE flags=0x0",
			 cp == CP_STALE_MOVE ? 266240u : 262144u);
	}
	for (double s = 100.3; s < 105.5; s += 0.5) {
		bool read = late ? s > 100.5 : s > 104.1;
		unsigned int base = cp == CP_STALE_MOVE ? 4096u : 0u;

		BPF(h, s,
		    "credit t=%lld why=sample pid=100 comm=socat local=2:5555 remote=3:1025 "
		    "tx_cnt=0 peer_fwd_cnt=0 peer_buf_alloc=262144 fwd_cnt=%u rx_bytes=%u "
		    "buf_alloc=262144",
		    NS(s), base + (read ? 262144u : 0u), read ? 0u : 262144u);
	}
	LINE(h, "socat-100", 106.0, "irq_handler_entry: irq=24 name=%s", "virtio1-config");
	LINE(g, "kworker/0:1-50", 106.0 + OFF, "irq_handler_entry: irq=24 name=%s",
	     "virtio0-config");
}

VT_TEST(bpf_credit_not_reading_or_advertised_late)
{
	for (int late = 0; late < 2; late++) {
		struct text h = { 0 }, g = { 0 };
		struct run x = { 0 };
		const struct vd_finding *f;

		credit_pair(late ? CP_LATE : CP_NOT_READING, &h, &g);
		run(&x, &h, &g);
		VT_EQ_INT(x.ret, 0);
		VT_EQ_INT(count(&x, VD_FK_CREDIT_STARVATION), 1);
		f = find(&x, VD_FK_CREDIT_STARVATION);
		VT_EQ_INT(f->dir, VD_DIR_B_TO_A);
		VT_EQ_INT(f->variant,
			  late ? VD_VAR_STARVE_ADVERTISED_LATE : VD_VAR_STARVE_NOT_READING_SNAP);
		VT_ASSERT(has_evidence(f, late ? VD_EVD_CREDIT_CONSUMED : VD_EVD_CREDIT_FROZEN));
		/* the data was there, unread: never "a consequence of delivery" */
		if (!late) {
			VT_EQ_INT(f->severity, VD_SEV_ERROR);
			VT_EQ_INT(f->consequence_of, 0);
		}
		done(&x, &h, &g);
	}
}

/* a fwd_cnt move the sender had learnt before its credit ran out is no late advertisement */
VT_TEST(bpf_credit_move_before_the_window_is_not_late)
{
	struct text h = { 0 }, g = { 0 };
	struct run x = { 0 };
	const struct vd_finding *f;

	credit_pair(CP_STALE_MOVE, &h, &g);
	run(&x, &h, &g);
	VT_EQ_INT(x.ret, 0);
	VT_EQ_INT(count(&x, VD_FK_CREDIT_STARVATION), 1);
	f = find(&x, VD_FK_CREDIT_STARVATION);
	VT_EQ_INT(f->variant, VD_VAR_STARVE_NOT_READING_SNAP);
	VT_ASSERT(!has_evidence(f, VD_EVD_CREDIT_CONSUMED));
	VT_ASSERT(has_evidence(f, VD_EVD_CREDIT_FROZEN));
	done(&x, &h, &g);
}

/* the connection closed while starved: the window ends at the close, none opens after */
VT_TEST(credit_starvation_ends_at_the_close)
{
	struct text h = { 0 }, g = { 0 };
	struct run x = { 0 };
	const struct vd_finding *f;

	credit_pair(CP_CLOSED, &h, &g);
	run(&x, &h, &g);
	VT_EQ_INT(x.ret, 0);
	/* the RST at 103.1 s still carries zero credit: no second window from it */
	VT_EQ_INT(count(&x, VD_FK_CREDIT_STARVATION), 1);
	f = find(&x, VD_FK_CREDIT_STARVATION);
	VT_EQ_INT(f->dir, VD_DIR_B_TO_A);
	VT_ASSERT(f->closed && f->ended);
	VT_EQ_U64((uint64_t)f->end[VD_SIDE_B], (uint64_t)NS(103.0 + OFF));
	VT_ASSERT(has_evidence(f, VD_EVD_STARVE_CLOSED));
	/* the snapshots still tell why: full and frozen until the close */
	VT_EQ_INT(f->variant, VD_VAR_STARVE_NOT_READING_SNAP);
	done(&x, &h, &g);
}
