// SPDX-License-Identifier: GPL-2.0
/*
 * One partition's summary (vsockdiag report).  Pass 1 is correlate's scan
 * (statistics, interrupt lines and which serves vsock), so both commands
 * classify alike; pass 2 follows connections and keeps allocation failures.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"
#include "analyzers/batch/corr_internal.h"
#include "analyzers/sinks/report_one.h"

/* the connections seen so far, found by their two ends */
struct conn_table {
	struct vd_one_report *r;
	size_t cap;
	/* open addressing: key -> the latest connection on those endpoints (index + 1) */
	uint32_t *slot;
	size_t nslot;
	uint64_t last_ts;
	uint32_t adb_port;
};

static uint64_t key_hash(const uint32_t cid[2], const uint32_t port[2])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t v[4] = { cid[0], port[0], cid[1], port[1] };

	for (int i = 0; i < 4; i++) {
		h ^= v[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static bool same_ends(const struct vd_one_conn *c, const uint32_t cid[2], const uint32_t port[2])
{
	return c->cid[0] == cid[0] && c->port[0] == port[0] && c->cid[1] == cid[1] &&
	       c->port[1] == port[1];
}

static uint32_t *slot_for(struct conn_table *t, const uint32_t cid[2], const uint32_t port[2])
{
	size_t mask = t->nslot - 1, i = (size_t)key_hash(cid, port) & mask;

	while (t->slot[i] && !same_ends(&t->r->conns[t->slot[i] - 1], cid, port))
		i = (i + 1) & mask;
	return &t->slot[i];
}

static void table_grow(struct conn_table *t)
{
	uint32_t *old = t->slot;
	size_t nold = t->nslot;

	t->nslot = nold ? nold * 2 : 256;
	t->slot = vd_xcalloc(t->nslot, sizeof(*t->slot));
	for (size_t i = 0; i < nold; i++) {
		const struct vd_one_conn *c;

		if (!old[i])
			continue;
		c = &t->r->conns[old[i] - 1];
		*slot_for(t, c->cid, c->port) = old[i];
	}
	free(old);
}

static struct vd_one_conn *conn_new(struct conn_table *t, const uint32_t cid[2],
				    const uint32_t port[2], bool loopback)
{
	struct vd_one_report *r = t->r;
	struct vd_one_conn *c;

	if (r->nconns == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		r->conns = vd_xrealloc(r->conns, t->cap, sizeof(*r->conns));
	}
	/* a load factor under one half keeps probes short */
	if ((r->nconns + 1) * 2 > t->nslot)
		table_grow(t);
	c = &r->conns[r->nconns++];
	memset(c, 0, sizeof(*c));
	memcpy(c->cid, cid, sizeof(c->cid));
	memcpy(c->port, port, sizeof(c->port));
	c->loopback = loopback;
	c->adb = port[0] == t->adb_port || port[1] == t->adb_port;
	c->opener = c->closer = -1;
	c->t_open = c->t_close = c->t_first = VD_NO_TIME;
	*slot_for(t, cid, port) = (uint32_t)r->nconns;
	return c;
}

static void conn_apply(struct vd_one_conn *c, int sender, const struct vd_event *ev)
{
	int64_t t = (int64_t)ev->ts_ns;

	if (c->t_first == VD_NO_TIME)
		c->t_first = t;
	c->t_last = t;
	if (ev->pkt.op == VD_OP_RW) {
		c->pkts[sender]++;
		c->bytes[sender] += ev->pkt.len;
	} else {
		c->control[sender]++;
	}
	switch (ev->pkt.op) {
	case VD_OP_REQUEST:
		if (c->opener < 0) {
			c->opener = sender;
			c->t_open = t;
		}
		break;
	case VD_OP_RESPONSE:
		c->responded = true;
		break;
	case VD_OP_RST:
		/* the other end answering a REQUEST with RST: nothing listened */
		if (c->opener >= 0 && sender != c->opener && !c->responded &&
		    c->end != VD_END_SHUTDOWN)
			c->end = VD_END_REFUSED;
		else if (c->end != VD_END_SHUTDOWN && c->end != VD_END_REFUSED)
			c->end = VD_END_RESET;
		goto closed;
	case VD_OP_SHUTDOWN:
		if (c->end == VD_END_OPEN)
			c->end = VD_END_SHUTDOWN;
	closed:
		if (c->closer < 0) {
			c->closer = sender;
			c->t_close = t;
		}
		break;
	default:
		break;
	}
}

static void conn_packet(struct conn_table *t, const struct vd_event *ev)
{
	const struct vd_pkt *p = &ev->pkt;
	bool loopback = p->src_cid == p->dst_cid;
	uint32_t cid[2], port[2];
	struct vd_one_conn *c;
	uint32_t *slot;
	int sender;

	/* a loopback packet shows up twice (alloc and recv): count it once, as sent */
	if (loopback && ev->kind == VD_EV_PKT_RECV)
		return;
	if (loopback) {
		bool src_first = p->src_port <= p->dst_port;

		cid[0] = cid[1] = p->src_cid;
		port[0] = src_first ? p->src_port : p->dst_port;
		port[1] = src_first ? p->dst_port : p->src_port;
		sender = src_first ? 0 : 1;
	} else if (ev->kind == VD_EV_PKT_ALLOC) {
		cid[0] = p->src_cid, port[0] = p->src_port, cid[1] = p->dst_cid, port[1] = p->dst_port;
		sender = 0;
	} else {
		cid[0] = p->dst_cid, port[0] = p->dst_port, cid[1] = p->src_cid, port[1] = p->src_port;
		sender = 1;
	}
	if (!t->nslot)
		table_grow(t);
	slot = slot_for(t, cid, port);
	c = *slot ? &t->r->conns[*slot - 1] : NULL;
	/* a REQUEST on endpoints that already carried a connection starts a new one */
	if (!c || (p->op == VD_OP_REQUEST && (c->opener >= 0 || c->t_first != VD_NO_TIME)))
		c = conn_new(t, cid, port, loopback);
	conn_apply(c, sender, ev);
}

static void keep_failure(struct vd_one_report *r, const struct vd_event *ev)
{
	struct vd_one_alloc_fail *f;

	if (r->nfail >= VD_ONE_FAIL_EXAMPLES)
		return;
	f = &r->fail[r->nfail++];
	memset(f, 0, sizeof(*f));
	f->ts = ev->ts_ns;
	f->cpu = ev->cpu;
	memcpy(f->comm, ev->comm, sizeof(f->comm));
	if (ev->kind == VD_EV_KMALLOC) {
		f->kmalloc = true;
		f->bytes_req = ev->kmalloc.bytes_req;
		f->gfp = ev->kmalloc.gfp;
		f->gfp_raw = ev->kmalloc.gfp_raw;
		memcpy(f->call_sym, ev->kmalloc.call_sym, sizeof(f->call_sym));
	} else {
		f->order = ev->page.order;
		f->gfp = ev->page.gfp;
		f->gfp_raw = ev->page.gfp_raw;
	}
}

static void note_irq_number(struct vd_one_report *r, const struct vd_event *ev)
{
	for (unsigned int i = 0; i < r->side.nirq; i++) {
		if (!strcmp(r->side.irq[i].name, ev->irq.name)) {
			if (r->irq_num[i] < 0)
				r->irq_num[i] = ev->irq.irq;
			return;
		}
	}
}

static int pass2(struct vd_source *src, struct vd_one_report *r, uint32_t adb_port)
{
	struct conn_table t = { .r = r, .adb_port = adb_port };
	struct vd_event ev;
	int ret;

	while ((ret = vd_source_next(src, &ev)) > 0) {
		switch (ev.kind) {
		case VD_EV_PKT_ALLOC:
		case VD_EV_PKT_RECV:
			if (ev.pkt.op >= VD_OP_MAX)
				r->pkts_unmatched_ops++;
			conn_packet(&t, &ev);
			break;
		case VD_EV_IRQ_ENTRY:
			note_irq_number(r, &ev);
			break;
		case VD_EV_PAGE_ALLOC:
			if (!ev.page.failed)
				break;
			r->page_fail++;
			if (ev.page.order < 3)
				break;
			r->page_fail_high++;
			if ((ev.page.gfp & (VD_GFP_NORETRY | VD_GFP_NOWARN)) ==
			    (VD_GFP_NORETRY | VD_GFP_NOWARN))
				r->page_fail_high_opportunistic++;
			keep_failure(r, &ev);
			break;
		case VD_EV_KMALLOC:
			if (!ev.kmalloc.failed)
				break;
			r->kmalloc_fail++;
			keep_failure(r, &ev);
			break;
		default:
			break;
		}
	}
	free(t.slot);
	/* a REQUEST with no answer: unanswered, unless the recording ended too soon to tell */
	for (size_t i = 0; i < r->nconns; i++) {
		struct vd_one_conn *c = &r->conns[i];
		int64_t end = (int64_t)r->side.stats.last_ts;

		if (c->opener >= 0 && !c->responded && c->end == VD_END_OPEN)
			c->end = end - c->t_open > VD_DEFAULT_GRACE_NS ? VD_END_UNANSWERED
								     : VD_END_CONNECTING;
	}
	return ret;
}

int vd_one_report(const char *path, const char *irq_override, uint32_t adb_port,
		  struct vd_one_report *r, char *err, size_t errlen)
{
	struct vd_samples smp = { 0 };
	struct vd_epset eps = { 0 };
	struct vd_source *src;
	int ret;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < VD_MAX_IRQ_NAMES; i++)
		r->irq_num[i] = -1;
	r->path = path;
	src = vd_source_open(path, err, errlen);
	if (!src)
		return -errno;
	r->src = src;
	r->fmt = vd_source_format(src);
	r->have_dat = vd_source_dat_info(src, &r->dat) == 0;
	ret = vd_scan_side(src, irq_override, &r->side, &smp, &eps);
	vd_samples_free(&smp);
	vd_epset_free(&eps);
	if (!ret)
		ret = vd_source_rewind(src);
	if (!ret)
		ret = pass2(src, r, adb_port);
	if (ret < 0) {
		snprintf(err, errlen, "reading %s failed: %s", path, strerror(-ret));
		return ret;
	}
	if (r->side.stats.events <= r->side.stats.lost_markers && !r->side.stats.unknown_events) {
		snprintf(err, errlen,
			 "%s holds no trace events (%" PRIu64 " lines, %" PRIu64 " malformed): give "
			 "a trace.dat or the output of 'cat /sys/kernel/tracing/trace'",
			 path, r->side.stats.lines, r->side.stats.malformed);
		return -ENODATA;
	}
	return 0;
}

void vd_one_report_free(struct vd_one_report *r)
{
	free(r->conns);
	vd_source_close(r->src);
	memset(r, 0, sizeof(*r));
}

/* ---- shared by both outputs ------------------------------------------------------------- */

static const char *format_name(enum vd_source_format f)
{
	return f == VD_FMT_TRACE_DAT ? "trace.dat" : f == VD_FMT_FTRACE_TEXT ? "ftrace_text" : "unknown";
}


static char *ep_str(char *buf, size_t len, const struct vd_one_conn *c, int end)
{
	snprintf(buf, len, "%" PRIu32 ":%" PRIu32, c->cid[end], c->port[end]);
	return buf;
}

/* the flags of an allocation that matter for diagnosis, as text */
static void gfp_words(char *buf, size_t len, uint32_t gfp, uint64_t raw)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} words[] = {
		{ VD_GFP_KERNEL, "GFP_KERNEL" },	{ VD_GFP_ATOMIC, "GFP_ATOMIC" },
		{ VD_GFP_NOWARN, "__GFP_NOWARN" },	{ VD_GFP_NORETRY, "__GFP_NORETRY" },
		{ VD_GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" }, { VD_GFP_NOFAIL, "__GFP_NOFAIL" },
		{ VD_GFP_COMP, "__GFP_COMP" },
	};
	size_t n = 0;

	buf[0] = '\0';
	if (gfp & VD_GFP_RAW) {
		snprintf(buf, len, "%#" PRIx64, raw);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(words) && n < len; i++)
		if (gfp & words[i].bit)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "|" : "", words[i].name);
	if (!buf[0])
		snprintf(buf, len, "%s", raw ? "other" : "none");
}

/* ---- text ------------------------------------------------------------------------------- */

static void text_header(FILE *out, const struct vd_one_report *r)
{
	const struct vd_source_stats *st = &r->side.stats;
	char a[32], b[32], c[32];

	fprintf(out, "recording: %s\n", r->path);
	if (r->have_dat) {
		fprintf(out, "  format     trace.dat v%lu%s%s%s, %d CPU%s", r->dat.file_version,
			r->dat.compression ? " (" : "", r->dat.compression ? r->dat.compression : "",
			r->dat.compression ? ")" : "", st->ncpus, st->ncpus == 1 ? "" : "s");
		if (r->dat.buffers)
			fprintf(out, ", %d buffer instance%s", r->dat.buffers,
				r->dat.buffers == 1 ? "" : "s");
		fprintf(out, "\n  clock      %s\n", r->dat.trace_clock ? r->dat.trace_clock : "unknown");
		if (r->dat.uname)
			fprintf(out, "  kernel     %s\n", r->dat.uname);
		if (r->dat.tracer_version)
			fprintf(out, "  written by trace-cmd %s\n", r->dat.tracer_version);
	} else {
		fprintf(out, "  format     %s, %d CPU%s (trace clock not recorded in text dumps)\n",
			format_name(r->fmt), st->ncpus, st->ncpus == 1 ? "" : "s");
	}
	fprintf(out, "  window     %s .. %s s (%s s)\n", vd_fmt_sec(a, sizeof(a), (int64_t)st->first_ts),
		vd_fmt_sec(b, sizeof(b), (int64_t)st->last_ts),
		vd_fmt_sec(c, sizeof(c), (int64_t)(st->last_ts - st->first_ts)));
	if (st->window_truncated)
		fprintf(out, "             TRUNCATED: the ring buffer overwrote its oldest events; "
			     "complete only from %s s\n",
			vd_fmt_sec(a, sizeof(a), (int64_t)st->window_start));
	else
		fprintf(out, "             complete from the start (no overwritten buffer)\n");
	fprintf(out, "  events     %" PRIu64 " used, %" PRIu64 " of other events, %" PRIu64
		     " malformed\n",
		st->events - st->lost_markers, st->unknown_events, st->malformed);
	if (!st->lost_markers)
		fprintf(out, "  lost       none reported\n");
	else
		fprintf(out, "  lost       %" PRIu64 " event%s in %" PRIu64 " place%s%s: the recording "
			     "has gaps (enlarge the buffer: trace-cmd record -b, buffer_size_kb)\n",
			st->lost_events, st->lost_events == 1 ? "" : "s", st->lost_markers,
			st->lost_markers == 1 ? "" : "s",
			st->lost_unknown ? " (some without a count)" : "");
}

static void text_conns(FILE *out, const struct vd_one_report *r, bool verbose)
{
	fprintf(out, "\nconnections: %zu (packets sent %" PRIu64 ", received %" PRIu64 ")\n",
		r->nconns, r->side.pkts_sent, r->side.pkts_recv);
	for (size_t i = 0; i < r->nconns; i++) {
		const struct vd_one_conn *c = &r->conns[i];
		char e0[24], e1[24], t[32], b[32];

		fprintf(out, "  %s %s %s%s%s: ", ep_str(e0, sizeof(e0), c, 0),
			c->loopback ? "<->" : "(here) <->", ep_str(e1, sizeof(e1), c, 1),
			c->loopback ? " (loopback)" : "", c->adb ? " [adb]" : "");
		if (c->opener >= 0)
			fprintf(out, "opened by %s at %s s",
				ep_str(e0, sizeof(e0), c, c->opener),
				vd_fmt_sec(t, sizeof(t), c->t_open));
		else
			fprintf(out, "open before the recording began");
		fprintf(out, "; %s", vd_conn_end_name(c->end));
		if (c->closer >= 0)
			fprintf(out, " by %s at %s s", ep_str(e0, sizeof(e0), c, c->closer),
				vd_fmt_sec(t, sizeof(t), c->t_close));
		fputc('\n', out);
		for (int d = 0; d < 2; d++) {
			if (!verbose && !c->pkts[d] && !c->control[d])
				continue;
			fprintf(out, "      %s -> %s: %" PRIu64 " data packet%s, %s, %" PRIu64
				     " control\n",
				ep_str(e0, sizeof(e0), c, d), ep_str(e1, sizeof(e1), c, !d), c->pkts[d],
				c->pkts[d] == 1 ? "" : "s", vd_fmt_bytes(b, sizeof(b), c->bytes[d]),
				c->control[d]);
		}
	}
}

static void text_irqs(FILE *out, const struct vd_one_report *r)
{
	const struct vd_side_info *s = &r->side;

	fprintf(out, "\ninterrupts: %" PRIu64 " on %u line%s\n", s->irq_total, s->nirq,
		s->nirq == 1 ? "" : "s");
	for (unsigned int i = 0; i < s->nirq; i++) {
		fprintf(out, "  %-24s", s->irq[i].name);
		if (r->irq_num[i] >= 0)
			fprintf(out, " irq %-4d", r->irq_num[i]);
		fprintf(out, " %8" PRIu64, s->irq[i].count);
		if (s->irq[i].vsock)
			fprintf(out, "  vsock (just before %" PRIu64 " of %" PRIu64
				     " receive bursts)",
				s->irq[i].before_recv, s->recv_bursts);
		fputc('\n', out);
	}
	if (s->pkts_recv && s->nirq && !s->irq_total)
		fprintf(out, "  (no interrupt recorded: enable irq:irq_handler_entry to see which "
			     "line serves vsock)\n");
}

static void text_allocs(FILE *out, const struct vd_one_report *r)
{
	char a[32], g[96];

	fprintf(out, "\nallocation failures:\n");
	fprintf(out, "  page allocations of order >= 3: %" PRIu64 " failed", r->page_fail_high);
	if (r->page_fail_high_opportunistic)
		fprintf(out, " (%" PRIu64 " with __GFP_NORETRY|__GFP_NOWARN: opportunistic, "
			     "usually retried smaller)",
			r->page_fail_high_opportunistic);
	fprintf(out, " of %" PRIu64 " attempted\n", r->side.high_order_allocs);
	fprintf(out, "  page allocations, any order:    %" PRIu64 " failed\n", r->page_fail);
	fprintf(out, "  kmalloc:                        %" PRIu64 " failed\n", r->kmalloc_fail);
	for (unsigned int i = 0; i < r->nfail; i++) {
		const struct vd_one_alloc_fail *f = &r->fail[i];

		gfp_words(g, sizeof(g), f->gfp, f->gfp_raw);
		if (f->kmalloc)
			fprintf(out, "    %s s cpu %d %s: kmalloc %" PRIu64 " bytes failed (%s)%s%s\n",
				vd_fmt_sec(a, sizeof(a), (int64_t)f->ts), f->cpu, f->comm,
				f->bytes_req, g, f->call_sym[0] ? " from " : "", f->call_sym);
		else
			fprintf(out, "    %s s cpu %d %s: order-%u page allocation failed (%s)\n",
				vd_fmt_sec(a, sizeof(a), (int64_t)f->ts), f->cpu, f->comm, f->order,
				g);
	}
}

void vd_one_report_text(FILE *out, const struct vd_one_report *r, bool verbose)
{
	text_header(out, r);
	text_conns(out, r, verbose);
	text_irqs(out, r);
	text_allocs(out, r);
}

/* ---- JSON (doc/json-schema.md, "vsockdiag report") --------------------------------------- */

static void json_time(struct vd_json *j, const char *key, int64_t t)
{
	if (t == VD_NO_TIME)
		vd_json_null(j, key);
	else
		vd_json_int(j, key, t);
}

static void json_meta(struct vd_json *j, const struct vd_one_report *r)
{
	const struct vd_source_stats *st = &r->side.stats;

	/* the same schema version as correlate's report (doc/json-schema.md) */
	vd_json_int(j, "schema_version", 1);
	vd_json_str(j, "file", r->path);
	vd_json_str(j, "format", format_name(r->fmt));
	vd_json_obj_begin(j, "metadata");
	vd_json_int(j, "cpus", st->ncpus);
	if (r->have_dat) {
		vd_json_uint(j, "file_version", r->dat.file_version);
		vd_json_str(j, "compression", r->dat.compression);
		vd_json_str(j, "trace_clock", r->dat.trace_clock);
		vd_json_str(j, "uname", r->dat.uname);
		vd_json_str(j, "tracer_version", r->dat.tracer_version);
		vd_json_int(j, "buffer_instances", r->dat.buffers);
	} else {
		vd_json_null(j, "trace_clock");
	}
	vd_json_obj_end(j);
	vd_json_obj_begin(j, "window");
	vd_json_uint(j, "first_ns", st->first_ts);
	vd_json_uint(j, "last_ns", st->last_ts);
	vd_json_uint(j, "complete_from_ns", st->window_start);
	vd_json_bool(j, "truncated", st->window_truncated);
	vd_json_obj_end(j);
	vd_json_obj_begin(j, "events");
	vd_json_uint(j, "used", st->events - st->lost_markers);
	vd_json_uint(j, "other", st->unknown_events);
	vd_json_uint(j, "malformed", st->malformed);
	vd_json_obj_end(j);
	vd_json_obj_begin(j, "lost");
	vd_json_uint(j, "events", st->lost_events);
	vd_json_uint(j, "places", st->lost_markers);
	vd_json_bool(j, "some_uncounted", st->lost_unknown);
	vd_json_obj_end(j);
}

static void json_conns(struct vd_json *j, const struct vd_one_report *r)
{
	char e[2][24];

	vd_json_arr_begin(j, "connections");
	for (size_t i = 0; i < r->nconns; i++) {
		const struct vd_one_conn *c = &r->conns[i];

		ep_str(e[0], sizeof(e[0]), c, 0);
		ep_str(e[1], sizeof(e[1]), c, 1);
		vd_json_obj_begin(j, NULL);
		vd_json_str(j, "local", e[0]);
		vd_json_str(j, "peer", e[1]);
		vd_json_bool(j, "loopback", c->loopback);
		vd_json_bool(j, "adb", c->adb);
		vd_json_str(j, "opened_by", c->opener >= 0 ? e[c->opener] : NULL);
		json_time(j, "t_open_ns", c->t_open);
		vd_json_str(j, "end", vd_conn_end_name(c->end));
		vd_json_str(j, "closed_by", c->closer >= 0 ? e[c->closer] : NULL);
		json_time(j, "t_close_ns", c->t_close);
		json_time(j, "t_first_ns", c->t_first);
		json_time(j, "t_last_ns", c->t_last);
		vd_json_arr_begin(j, "directions");
		for (int d = 0; d < 2; d++) {
			vd_json_obj_begin(j, NULL);
			vd_json_str(j, "from", e[d]);
			vd_json_str(j, "to", e[!d]);
			vd_json_uint(j, "data_packets", c->pkts[d]);
			vd_json_uint(j, "bytes", c->bytes[d]);
			vd_json_uint(j, "control_packets", c->control[d]);
			vd_json_obj_end(j);
		}
		vd_json_arr_end(j);
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
}

static void json_irqs(struct vd_json *j, const struct vd_one_report *r)
{
	const struct vd_side_info *s = &r->side;

	vd_json_obj_begin(j, "interrupts");
	vd_json_uint(j, "total", s->irq_total);
	vd_json_uint(j, "receive_bursts", s->recv_bursts);
	vd_json_arr_begin(j, "lines");
	for (unsigned int i = 0; i < s->nirq; i++) {
		vd_json_obj_begin(j, NULL);
		vd_json_str(j, "name", s->irq[i].name);
		if (r->irq_num[i] >= 0)
			vd_json_int(j, "irq", r->irq_num[i]);
		else
			vd_json_null(j, "irq");
		vd_json_uint(j, "count", s->irq[i].count);
		vd_json_uint(j, "before_receive_bursts", s->irq[i].before_recv);
		vd_json_bool(j, "vsock", s->irq[i].vsock);
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
	vd_json_obj_end(j);
}

static void json_allocs(struct vd_json *j, const struct vd_one_report *r)
{
	char g[96];

	vd_json_obj_begin(j, "allocation_failures");
	vd_json_uint(j, "page_high_order", r->page_fail_high);
	vd_json_uint(j, "page_high_order_opportunistic", r->page_fail_high_opportunistic);
	vd_json_uint(j, "page_high_order_attempted", r->side.high_order_allocs);
	vd_json_uint(j, "page_any_order", r->page_fail);
	vd_json_uint(j, "kmalloc", r->kmalloc_fail);
	vd_json_arr_begin(j, "examples");
	for (unsigned int i = 0; i < r->nfail; i++) {
		const struct vd_one_alloc_fail *f = &r->fail[i];

		gfp_words(g, sizeof(g), f->gfp, f->gfp_raw);
		vd_json_obj_begin(j, NULL);
		vd_json_uint(j, "ts_ns", f->ts);
		vd_json_int(j, "cpu", f->cpu);
		vd_json_str(j, "comm", f->comm);
		vd_json_str(j, "kind", f->kmalloc ? "kmalloc" : "page");
		if (f->kmalloc) {
			vd_json_uint(j, "bytes", f->bytes_req);
			vd_json_str(j, "call_site", f->call_sym[0] ? f->call_sym : NULL);
		} else {
			vd_json_uint(j, "order", f->order);
		}
		vd_json_str(j, "gfp", g);
		vd_json_obj_end(j);
	}
	vd_json_arr_end(j);
	vd_json_obj_end(j);
}

void vd_one_report_json(struct vd_json *j, const struct vd_one_report *r)
{
	vd_json_obj_begin(j, NULL);
	json_meta(j, r);
	json_conns(j, r);
	json_irqs(j, r);
	json_allocs(j, r);
	vd_json_obj_end(j);
	vd_json_end(j);
}
