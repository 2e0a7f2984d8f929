// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace text line parser.  Every scan is bounded by the line's end (lines
 * are not NUL-terminated and may hold any bytes), and nothing allocates:
 * correlate pushes tens of millions of lines through here.
 *
 * This file: the line, its comments and non-event lines, and the event
 * name that picks the payload parser (text_internal.h lists the others).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/sources/text_internal.h"
#include "analyzers/sources/text_parse.h"

bool vd_text_fast = true;

void vd_text_state_init(struct vd_text_state *st)
{
	memset(st, 0, sizeof(*st));
	st->max_cpu = -1;
}

uint64_t vd_text_window_start(const struct vd_text_state *st)
{
	uint64_t start = 0;

	for (int cpu = 0; cpu <= st->max_cpu && cpu < VD_TEXT_MAX_CPUS; cpu++)
		if (st->cpu_seen[cpu / 8] & (1u << (cpu % 8)))
			start = VD_MAX(start, st->cpu_first_ts[cpu]);
	return start;
}

static void note_cpu(struct vd_text_state *st, int cpu)
{
	if (cpu > st->max_cpu)
		st->max_cpu = cpu;
}

static void note_cpu_ts(struct vd_text_state *st, int cpu, uint64_t ts)
{
	st->last_ts = ts;
	if (cpu < 0)
		return;
	note_cpu(st, cpu);
	if (cpu >= VD_TEXT_MAX_CPUS)
		return;
	if (!(st->cpu_seen[cpu / 8] & (1u << (cpu % 8)))) {
		st->cpu_seen[cpu / 8] |= (uint8_t)(1u << (cpu % 8));
		st->cpu_first_ts[cpu] = ts;
	} else if (ts < st->cpu_first_ts[cpu]) {
		st->cpu_first_ts[cpu] = ts;
	}
}

/* ---- event names ------------------------------------------------------ */

enum text_event {
	TE_UNKNOWN = 0,
	TE_ALLOC_PKT,
	TE_RECV_PKT,
	TE_IRQ_ENTRY,
	TE_IRQ_EXIT,
	TE_PAGE_ALLOC,
	TE_KMALLOC,
	TE_KMALLOC_NODE,
	TE_PRINT,      /* trace-cmd report: "print: tracing_mark_write: TEXT" */
	TE_MARK_WRITE, /* cat trace: the print event shows only "tracing_mark_write: TEXT" */
};

/* clang-format off: kernel-style tables */
static const struct {
	const char *system;
	const char *name;
	size_t len;
} text_events[] = {
	[TE_ALLOC_PKT] = { "vsock", LIT("virtio_transport_alloc_pkt") },
	[TE_RECV_PKT] = { "vsock", LIT("virtio_transport_recv_pkt") },
	[TE_IRQ_ENTRY] = { "irq", LIT("irq_handler_entry") },
	[TE_IRQ_EXIT] = { "irq", LIT("irq_handler_exit") },
	[TE_PAGE_ALLOC] = { "kmem", LIT("mm_page_alloc") },
	[TE_KMALLOC] = { "kmem", LIT("kmalloc") },
	[TE_KMALLOC_NODE] = { "kmem", LIT("kmalloc_node") },
	[TE_PRINT] = { "ftrace", LIT("print") },
	/* not an event name but the print event's "%ps" of its ip, where cat trace puts the name */
	[TE_MARK_WRITE] = { "ftrace", LIT("tracing_mark_write") },
};
/* clang-format on */

static enum text_event event_lookup(const char *sys, size_t syslen, const char *name, size_t len)
{
	for (size_t i = 1; i < ARRAY_SIZE(text_events); i++) {
		if (!span_eq(name, len, text_events[i].name, text_events[i].len))
			continue;
		/* a kprobe someone named "kmalloc" is not kmem:kmalloc */
		if (sys &&
		    !span_eq(sys, syslen, text_events[i].system, strlen(text_events[i].system)))
			return TE_UNKNOWN;
		return (enum text_event)i;
	}
	return TE_UNKNOWN;
}

/*
 * "NAME:" then a blank or the line's end, the packet events being nearly
 * every line: one comparison of the whole name instead of a scan of its
 * characters and a table walk.  Exactly what the general scan decides for
 * such text (no system prefix, a blank after the ':'); TE_UNKNOWN: ask it.
 */
static inline bool name_is(const char *p, const char *end, const char *name, size_t len,
			   const char **payload)
{
	const char *colon = p + len;

	if ((size_t)(end - p) <= len || memcmp(p, name, len) || *colon != ':')
		return false;
	if (colon + 1 < end && !space_fwd(colon + 1, end))
		return false;
	*payload = colon + 1;
	return true;
}

static enum text_event event_name_fast(const char *p, const char *end, const char **payload)
{
	if (name_is(p, end, LIT("virtio_transport_recv_pkt"), payload))
		return TE_RECV_PKT;
	if (name_is(p, end, LIT("virtio_transport_alloc_pkt"), payload))
		return TE_ALLOC_PKT;
	return TE_UNKNOWN;
}

/*
 * "EVENT: " or "SYSTEM:EVENT: " after the timestamp; trace-cmd pads the
 * name with spaces.  *payload is set past the padding.  Lines whose text is
 * not "name:" (function tracer: "do_sys_open <-ksys_open") are UNKNOWN.
 */
static enum text_event event_name(const char *p, const char *end, const char **payload)
{
	const char *sys = NULL, *name;
	size_t syslen = 0;
	enum text_event te;

	p = skip_space(p, end);
	te = vd_text_fast ? event_name_fast(p, end, payload) : TE_UNKNOWN;
	if (te != TE_UNKNOWN)
		return te;
	name = p;
	while (p < end && is_ident(*p))
		p++;
	if (p == name || p == end || *p != ':')
		return TE_UNKNOWN;
	if (p + 1 < end && is_ident(p[1])) {
		sys = name;
		syslen = (size_t)(p - name);
		name = ++p;
		while (p < end && is_ident(*p))
			p++;
		if (p == end || *p != ':')
			return TE_UNKNOWN;
	}
	if (p + 1 < end && !space_fwd(p + 1, end))
		return TE_UNKNOWN;
	*payload = p + 1;
	return event_lookup(sys, syslen, name, (size_t)(p - name));
}

/* ---- lines that are not events ---------------------------------------- */

/* "#P:3" anywhere in a header comment */
static void header_ncpus(struct vd_text_state *st, const char *s, const char *end)
{
	const char *p = memmem(s, (size_t)(end - s), "#P:", 3);
	const char *d;
	uint32_t v;

	if (!p)
		return;
	d = p += 3;
	while (d < end && is_digit(*d))
		d++;
	if (!vd_txt_parse_u32(p, (size_t)(d - p), &v) && v <= INT_MAX)
		st->header_ncpus = (int)v;
}

/* "# entries-in-buffer/entries-written: 4/4   #P:2" */
static void header_entries(struct vd_text_state *st, const char *s, const char *end)
{
	static const char key[] = "entries-in-buffer/entries-written:";
	const char *p = memmem(s, (size_t)(end - s), key, sizeof(key) - 1);
	const char *e, *slash, *w;
	uint64_t entries, written;

	if (!p)
		return;
	p += sizeof(key) - 1;
	p = skip_space(p, end);
	for (e = p; e < end && (is_digit(*e) || *e == '/');)
		e++;
	slash = memchr(p, '/', (size_t)(e - p));
	if (!slash)
		return;
	w = slash + 1;
	if (vd_txt_parse_dec(p, (size_t)(slash - p), &entries) ||
	    vd_txt_parse_dec(w, (size_t)(e - w), &written))
		return;
	st->header_entries = entries;
	st->header_written = written;
	st->have_entries = true;
	/* the ring buffer overwrote old events: each CPU's record starts at its own time */
	if (entries < written)
		st->overwritten = true;
}

static int parse_comment(struct vd_text_state *st, const char *s, const char *end)
{
	/* "##### CPU 2 buffer started ####": cat trace's annotation after an overrun */
	if (span_starts(s, (size_t)(end - s), LIT("##### CPU ")) &&
	    memmem(s, (size_t)(end - s), LIT("buffer started")))
		st->overwritten = true;
	header_entries(st, s, end);
	header_ncpus(st, s, end);
	return VD_LINE_SKIP;
}

/* digits at *p, advancing it; -EINVAL when none */
static int take_u64(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;

	while (*p < end && is_digit(**p))
		(*p)++;
	return vd_txt_parse_dec(s, (size_t)(*p - s), out);
}

/*
 * "CPU:%d [LOST %lu EVENTS]" / "[LOST EVENTS]" (kernel, count unknown) and
 * "CPU:%d [%lld EVENTS DROPPED]" / "[EVENTS DROPPED]" (trace-cmd report).
 */
static int parse_lost(struct vd_text_state *st, const char *s, const char *end, struct vd_event *ev,
		      const char **why)
{
	const char *p = s + 4;
	uint64_t cpu, count = 0;
	size_t rest;

	/* "CPU:" followed by anything else is someone's prose, not a marker */
	if (take_u64(&p, end, &cpu) || !space_fwd(p, end))
		return VD_LINE_OTHER;
	p = skip_space(p, end);
	rest = (size_t)(end - p);
	if (!span_starts(p, rest, LIT("[")))
		return VD_LINE_OTHER;
	if (cpu > INT32_MAX)
		return bad(why, "lost events: bad cpu");
	if (span_eq(p, rest, LIT("[LOST EVENTS]")) || span_eq(p, rest, LIT("[EVENTS DROPPED]"))) {
		count = 0;
	} else if (span_starts(p, rest, LIT("[LOST "))) {
		p += 6;
		if (take_u64(&p, end, &count) || !span_eq(p, (size_t)(end - p), LIT(" EVENTS]")))
			return bad(why, "lost events: bad count");
	} else {
		p++;
		if (take_u64(&p, end, &count) ||
		    !span_eq(p, (size_t)(end - p), LIT(" EVENTS DROPPED]")))
			return bad(why, "lost events: bad count");
	}
	vd_event_clear(ev);
	ev->kind = VD_EV_LOST;
	ev->cpu = (int32_t)cpu;
	ev->pid = -1;
	/* the drop happened before the next event on that CPU; the latest timestamp keeps order */
	ev->ts_ns = st->last_ts;
	ev->lost.count = count;
	note_cpu(st, (int)cpu);
	return VD_LINE_LOST;
}

/* trace-cmd report's own lines: "version = 6", "cpus=2", "CPU 0 is empty" */
static int parse_not_trace(struct vd_text_state *st, const char *s, const char *end,
			   struct vd_event *ev, const char **why)
{
	size_t n = (size_t)(end - s);
	const char *p;
	uint64_t v;

	if (span_starts(s, n, LIT("CPU:")))
		return parse_lost(st, s, end, ev, why);
	if (span_starts(s, n, LIT("cpus="))) {
		p = s + 5;
		if (!take_u64(&p, end, &v) && p == end && v <= INT_MAX) {
			st->header_ncpus = (int)v;
			return VD_LINE_SKIP;
		}
	}
	if (span_starts(s, n, LIT("version = ")))
		return VD_LINE_SKIP;
	if (span_starts(s, n, LIT("CPU ")) && n > 13 && !memcmp(end - 9, " is empty", 9))
		return VD_LINE_SKIP;
	return VD_LINE_OTHER;
}

/* ---- the line --------------------------------------------------------- */

static int parse_payload(enum text_event te, struct cur *c, struct vd_event *ev, const char **why)
{
	switch (te) {
	case TE_ALLOC_PKT:
		ev->kind = VD_EV_PKT_ALLOC;
		return vd_txt_parse_pkt(c, &ev->pkt, false, why);
	case TE_RECV_PKT:
		ev->kind = VD_EV_PKT_RECV;
		return vd_txt_parse_pkt(c, &ev->pkt, true, why);
	case TE_IRQ_ENTRY:
		ev->kind = VD_EV_IRQ_ENTRY;
		return vd_txt_parse_irq_entry(c, &ev->irq, why);
	case TE_IRQ_EXIT:
		ev->kind = VD_EV_IRQ_EXIT;
		return vd_txt_parse_irq_exit(c, &ev->irq, why);
	case TE_PAGE_ALLOC:
		ev->kind = VD_EV_PAGE_ALLOC;
		return vd_txt_parse_page_alloc(c, &ev->page, why);
	case TE_KMALLOC:
	case TE_KMALLOC_NODE:
		ev->kind = VD_EV_KMALLOC;
		return vd_txt_parse_kmalloc(c, &ev->kmalloc, why);
	case TE_PRINT:
	case TE_MARK_WRITE:
	case TE_UNKNOWN:
		break;
	}
	return VD_LINE_UNKNOWN;
}

static void fill_prefix(struct vd_event *ev, const struct prefix *pf,
			const struct prefix_nums *nums)
{
	vd_event_clear(ev);
	ev->ts_ns = nums->ts;
	ev->cpu = nums->cpu;
	ev->pid = nums->pid;
	copy_str(ev->comm, sizeof(ev->comm), pf->comm, pf->comm_len);
}

/*
 * A print line is VD_EV_MARK when it is one of our markers, VD_EV_BPF when
 * it is a BPF evidence line (doc/bpf-events.md), and otherwise what it has
 * always been: another event, never a malformed line (a damaged prefix on a
 * clock marker included), so the statistics of every recording stay as they
 * were before markers were events.  A BPF line is ours: damaged, it is
 * malformed.
 */
static int parse_print(const struct prefix *pf, const struct prefix_nums *nums, const char *err,
		       struct cur *c, bool print, struct vd_event *ev, const char **why)
{
	struct cur at = *c;
	struct vd_mark mark;
	int ret;

	fill_prefix(ev, pf, nums);
	ret = vd_txt_parse_bpf(&at, print, ev, why);
	if (ret != -ENOENT) {
		if (err && ret != VD_LINE_UNKNOWN)
			return bad(why, "vsockdiag-bpf: bad prefix");
		return ret;
	}
	if (err || vd_txt_parse_mark(c, print, &mark))
		return VD_LINE_UNKNOWN;
	fill_prefix(ev, pf, nums);
	ev->kind = VD_EV_MARK;
	ev->mark = mark;
	return VD_LINE_EVENT;
}

static int parse_trace_line(struct vd_text_state *st, const struct prefix *pf, const char *end,
			    struct vd_event *ev, const char **why)
{
	struct prefix_nums nums = { 0 };
	const char *payload = end, *err;
	enum text_event te;
	struct cur c;
	int ret;

	err = vd_txt_prefix_numbers(pf, &nums);
	if (!err)
		note_cpu_ts(st, nums.cpu, nums.ts);
	te = event_name(pf->rest, end, &payload);
	if (te == TE_UNKNOWN)
		return VD_LINE_UNKNOWN;
	c.p = payload;
	c.end = end;
	if (te == TE_PRINT || te == TE_MARK_WRITE)
		return parse_print(pf, &nums, err, &c, te == TE_PRINT, ev, why);
	if (err)
		return bad(why, err);
	fill_prefix(ev, pf, &nums);
	ret = parse_payload(te, &c, ev, why);
	return ret ? ret : VD_LINE_EVENT;
}

int vd_text_parse_line(struct vd_text_state *st, const char *line, size_t len, struct vd_event *ev,
		       const char **why)
{
	const char *end = line + len, *s = line;
	struct prefix pf = { 0 };

	/* CRLF from Windows copies, trailing blanks from terminal pastes */
	for (;;) {
		size_t n = space_bwd(line, end);

		if (!n && end > line && end[-1] == '\r')
			n = 1;
		if (!n)
			break;
		end -= n;
	}
	/* a prefix first: a comm may start with '#' (a blank line has none) */
	if (vd_txt_find_prefix(line, end, &pf))
		return parse_trace_line(st, &pf, end, ev, why);
	s = skip_space(line, end);
	if (s == end)
		return VD_LINE_SKIP;
	if (*s == '#')
		return parse_comment(st, s, end);
	return parse_not_trace(st, s, end, ev, why);
}
