// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace text line parser.  Every scan is bounded by the line's end (lines
 * are not NUL-terminated and may hold any bytes), and nothing allocates:
 * correlate pushes tens of millions of lines through here.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/sources/text_parse.h"

/*
 * The "TASK-PID (TGID) [CPU] FLAGS TIMESTAMP: " prefix is under 60 bytes in
 * every format we know; looking no further keeps hostile lines linear.
 */
#define PREFIX_MAX 256
/* "(%7d)" or "(-------)": the TGID column never needs more */
#define TGID_MAX       16
#define PID_DIGITS_MAX 10

#define LIT(s) (s), (sizeof(s) - 1)

/*
 * Blanks: ' ', '\t', and U+00A0 in UTF-8 (C2 A0), because web pages and chat
 * tools turn runs of spaces into no-break spaces and users paste dumps from
 * there (the seed's dumps are full of them).  C2 is a lead byte, so the pair
 * can never be the tail of another character.
 */
static inline size_t space_fwd(const char *p, const char *end)
{
	if (p < end && (*p == ' ' || *p == '\t'))
		return 1;
	if (end - p >= 2 && (unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0)
		return 2;
	return 0;
}

static inline size_t space_bwd(const char *start, const char *p)
{
	if (p > start && (p[-1] == ' ' || p[-1] == '\t'))
		return 1;
	if (p - start >= 2 && (unsigned char)p[-1] == 0xa0 && (unsigned char)p[-2] == 0xc2)
		return 2;
	return 0;
}

static const char *skip_space(const char *p, const char *end)
{
	size_t n;

	while ((n = space_fwd(p, end)))
		p += n;
	return p;
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_ident(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool span_eq(const char *s, size_t n, const char *lit, size_t litlen)
{
	return n == litlen && !memcmp(s, lit, litlen);
}

static bool span_starts(const char *s, size_t n, const char *lit, size_t litlen)
{
	return n >= litlen && !memcmp(s, lit, litlen);
}

static int bad(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -EINVAL;
}

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

/* ---- numbers ---------------------------------------------------------- */

/*
 * Strict decimal, exactly as vd_parse_u64(s, n, 10, out) accepts, but
 * without its division per digit: numbers are most of every line, and this
 * one function was half of correlate's parse time.
 */
static int parse_dec(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(unsigned char)s[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_u32(const char *s, size_t n, uint32_t *out)
{
	uint64_t v;

	if (parse_dec(s, n, &v) || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_i32(const char *s, size_t n, int32_t *out)
{
	bool neg = n > 0 && s[0] == '-';
	uint64_t v;

	if (parse_dec(s + neg, n - neg, &v) || v > (uint64_t)INT32_MAX + neg)
		return -EINVAL;
	*out = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
	return 0;
}

/* "%#x" prints 0x-prefixed hex, except that user-space printf (trace-cmd) prints zero as "0" */
static int parse_hex_or_dec(const char *s, size_t n, uint64_t *out)
{
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return vd_parse_u64(s, n, 16, out);
	return parse_dec(s, n, out);
}

/*
 * "%5lu.%06lu", nine decimals with ns clocks, or a bare counter (x86-tsc,
 * counter clocks) taken as-is.  Same rules as vd_parse_sec_ns(), faster.
 */
static int parse_ts(const char *s, size_t n, uint64_t *out)
{
	const char *dot = memchr(s, '.', n);
	size_t ilen = dot ? (size_t)(dot - s) : n, flen = dot ? n - ilen - 1 : 0;
	uint64_t sec, frac = 0;

	if (parse_dec(s, ilen, &sec))
		return -EINVAL;
	if (!dot) {
		*out = sec;
		return 0;
	}
	if (flen == 0 || flen > 9 || parse_dec(dot + 1, flen, &frac))
		return -EINVAL;
	for (size_t i = flen; i < 9; i++)
		frac *= 10;
	if (sec > (UINT64_MAX - frac) / NSEC_PER_SEC)
		return -ERANGE;
	*out = sec * NSEC_PER_SEC + frac;
	return 0;
}

/* %p of NULL: "(null)" before 4.15-ish, zeros after pointer hashing, "0x0" from libtraceevent */
static bool is_null_ptr(const char *s, size_t n)
{
	size_t i = 0;

	if (span_eq(s, n, LIT("(null)")) || span_eq(s, n, LIT("(nil)")))
		return true;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	if (i == n)
		return false;
	for (; i < n; i++)
		if (s[i] != '0')
			return false;
	return true;
}

/* ---- the "TASK-PID (TGID) [CPU] FLAGS TIMESTAMP:" prefix -------------- */

struct prefix {
	const char *comm;
	size_t comm_len;
	const char *pid; /* digits; pid_len 0: no TASK-PID column */
	size_t pid_len;
	const char *cpu; /* digits inside [ ]; cpu_len 0: no CPU column */
	size_t cpu_len;
	const char *ts;
	size_t ts_len;
	const char *rest; /* just past the timestamp's ':' */
};

static const char *space_back(const char *line, const char *p)
{
	size_t n;

	while ((n = space_bwd(line, p)))
		p -= n;
	return p;
}

static const char *nonspace_back(const char *line, const char *p)
{
	while (p > line && !space_bwd(line, p))
		p--;
	return p;
}

static const char *digits_back(const char *line, const char *p)
{
	while (p > line && is_digit(p[-1]))
		p--;
	return p;
}

/* irq-info: "d.h1" (4 columns) or "d.h1." (5, since migrate-disable); never starts with a digit */
static bool is_flags(const char *s, const char *e)
{
	size_t n = (size_t)(e - s);

	if ((n != 4 && n != 5) || is_digit(*s))
		return false;
	for (; s < e; s++)
		if (!is_ident(*s) && *s != '.')
			return false;
	return true;
}

/* "(   1234)" or "(-------)" ending at p; returns the '(' or NULL */
static const char *tgid_back(const char *line, const char *p)
{
	const char *close = p - 1, *open = close;
	bool digits = false, dashes = false;

	while (open > line && close - open < TGID_MAX && open[-1] != '(')
		open--;
	if (open == line || open[-1] != '(')
		return NULL;
	for (const char *c = open; c < close;) {
		size_t sp = space_fwd(c, close);

		if (sp && (digits || dashes))
			return NULL;
		if (sp) {
			c += sp;
			continue;
		}
		if (is_digit(*c))
			digits = true;
		else if (*c == '-')
			dashes = true;
		else
			return NULL;
		c++;
	}
	return digits != dashes ? open - 1 : NULL;
}

/* "[003]" ending at p: fills pf->cpu, returns the '[' or NULL */
static const char *cpu_back(const char *line, const char *p, struct prefix *pf)
{
	const char *q = digits_back(line, p - 1);

	if (q == p - 1 || q == line || q[-1] != '[' || p - 1 - q > PID_DIGITS_MAX)
		return NULL;
	pf->cpu = q;
	pf->cpu_len = (size_t)(p - 1 - q);
	return q - 1;
}

static bool comm_pid_back(const char *line, const char *p, struct prefix *pf)
{
	const char *q = digits_back(line, p);
	const char *c;

	if (q == p || p - q > PID_DIGITS_MAX || q == line || q[-1] != '-')
		return false;
	pf->pid = q;
	pf->pid_len = (size_t)(p - q);
	/* the comm may hold spaces, '-' and ':', so it is all that is left, minus the padding */
	c = skip_space(line, q - 1);
	pf->comm = c;
	pf->comm_len = (size_t)(q - 1 - c);
	return true;
}

/*
 * Is the ':' at colon the one after the timestamp?  Walk the columns right
 * to left, because the comm on the left may contain anything.
 */
static bool prefix_back(const char *line, const char *colon, struct prefix *pf)
{
	const char *p = colon, *q;

	while (p > line && (is_digit(p[-1]) || p[-1] == '.'))
		p--;
	if (p == colon || !is_digit(*p))
		return false;
	pf->ts = p;
	pf->ts_len = (size_t)(colon - p);
	q = space_back(line, p);
	if (q == p)
		return false;
	p = q;
	q = nonspace_back(line, p);
	if (is_flags(q, p)) {
		p = space_back(line, q);
		if (p == q)
			return false;
	}
	pf->cpu_len = 0;
	if (p > line && p[-1] == ']') {
		q = cpu_back(line, p, pf);
		if (!q)
			return false;
		p = space_back(line, q);
		/* "[000]\t123.456: " with no task at all: pKVM hypervisor traces */
		if (p == line) {
			pf->pid_len = 0;
			pf->comm = line;
			pf->comm_len = 0;
			return true;
		}
		if (p == q)
			return false;
	}
	if (p > line && p[-1] == ')') {
		q = tgid_back(line, p);
		if (!q)
			return false;
		p = space_back(line, q);
		if (p == q)
			return false;
	}
	return comm_pid_back(line, p, pf);
}

static bool find_prefix(const char *line, const char *end, struct prefix *pf)
{
	const char *lim = end - line > PREFIX_MAX ? line + PREFIX_MAX : end;
	const char *c = line;

	while (c < lim && (c = memchr(c, ':', (size_t)(lim - c)))) {
		if (space_fwd(c + 1, end) && prefix_back(line, c, pf)) {
			pf->rest = c + 1;
			return true;
		}
		c++;
	}
	return false;
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
    [TE_ALLOC_PKT] = {"vsock", LIT("virtio_transport_alloc_pkt")},
    [TE_RECV_PKT] = {"vsock", LIT("virtio_transport_recv_pkt")},
    [TE_IRQ_ENTRY] = {"irq", LIT("irq_handler_entry")},
    [TE_IRQ_EXIT] = {"irq", LIT("irq_handler_exit")},
    [TE_PAGE_ALLOC] = {"kmem", LIT("mm_page_alloc")},
    [TE_KMALLOC] = {"kmem", LIT("kmalloc")},
    [TE_KMALLOC_NODE] = {"kmem", LIT("kmalloc_node")},
    [TE_PRINT] = {"ftrace", LIT("print")},
    /* not an event name but the print event's "%ps" of its ip, where cat trace puts the name */
    [TE_MARK_WRITE] = {"ftrace", LIT("tracing_mark_write")},
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
 * "EVENT: " or "SYSTEM:EVENT: " after the timestamp; trace-cmd pads the
 * name with spaces.  *payload is set past the padding.  Lines whose text is
 * not "name:" (function tracer: "do_sys_open <-ksys_open") are UNKNOWN.
 */
static enum text_event event_name(const char *p, const char *end, const char **payload)
{
	const char *sys = NULL, *name;
	size_t syslen = 0;

	p = skip_space(p, end);
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

/* ---- payload tokens --------------------------------------------------- */

struct cur {
	const char *p;
	const char *end;
};

static bool next_tok(struct cur *c, const char **s, size_t *n)
{
	c->p = skip_space(c->p, c->end);
	if (c->p == c->end)
		return false;
	*s = c->p;
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p;

		/* most bytes are printable ASCII: only ' ', '\t' and C2 need a closer look */
		if (ch > ' ' && ch != 0xc2) {
			c->p++;
			continue;
		}
		if (space_fwd(c->p, c->end))
			break;
		c->p++;
	}
	*n = (size_t)(c->p - *s);
	return true;
}

/* "key=value" -> key and value spans; false for a token without '=' */
static bool split_kv(const char *s, size_t n, size_t *keylen, const char **val, size_t *vallen)
{
	const char *eq = memchr(s, '=', n);

	if (!eq)
		return false;
	*keylen = (size_t)(eq - s);
	*val = eq + 1;
	*vallen = n - *keylen - 1;
	return true;
}

/* copy into a fixed char array, truncating, always NUL-terminated */
static void copy_str(char *dst, size_t size, const char *s, size_t n)
{
	n = VD_MIN(n, size - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* ---- gfp_flags -------------------------------------------------------- */

/* clang-format off */
static const struct {
	const char *name;
	size_t len;
	uint32_t bits;
} gfp_names[] = {
	{ LIT("GFP_KERNEL"), VD_GFP_KERNEL },
	/* show_gfp_flags() prints composites first: their bits do not appear again */
	{ LIT("GFP_KERNEL_ACCOUNT"), VD_GFP_KERNEL },
	{ LIT("GFP_ATOMIC"), VD_GFP_ATOMIC },
	{ LIT("GFP_TRANSHUGE"), VD_GFP_COMP | VD_GFP_NOWARN },
	{ LIT("GFP_TRANSHUGE_LIGHT"), VD_GFP_COMP | VD_GFP_NOWARN },
	{ LIT("__GFP_NOWARN"), VD_GFP_NOWARN },
	{ LIT("__GFP_NORETRY"), VD_GFP_NORETRY },
	{ LIT("__GFP_COMP"), VD_GFP_COMP },
	{ LIT("__GFP_RETRY_MAYFAIL"), VD_GFP_RETRY_MAYFAIL },
	/* 4.13 renamed __GFP_REPEAT to __GFP_RETRY_MAYFAIL */
	{ LIT("__GFP_REPEAT"), VD_GFP_RETRY_MAYFAIL },
	/* before 6.4, GFP_ATOMIC carried __GFP_ATOMIC */
	{ LIT("__GFP_ATOMIC"), VD_GFP_ATOMIC },
	{ LIT("__GFP_NOFAIL"), VD_GFP_NOFAIL },
};
/* clang-format on */

const char *vd_gfp_name(uint32_t bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(gfp_names); i++)
		if (gfp_names[i].bits == bit)
			return gfp_names[i].name;
	return NULL;
}

static int gfp_name_bits(const char *s, size_t n, uint32_t *bits)
{
	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!is_ident(s[i]))
			return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(gfp_names); i++) {
		if (span_eq(s, n, gfp_names[i].name, gfp_names[i].len)) {
			*bits |= gfp_names[i].bits;
			break;
		}
	}
	return 0;
}

/* "A|B|C": unknown names and leftover "0x..." bits are ignored */
static int gfp_names_parse(const char *s, size_t n, uint32_t *bits)
{
	const char *end = s + n;

	if (n == 0)
		return -EINVAL;
	for (;;) {
		const char *bar = memchr(s, '|', (size_t)(end - s));
		const char *e = bar ? bar : end;

		if (gfp_name_bits(s, (size_t)(e - s), bits))
			return -EINVAL;
		if (!bar)
			return 0;
		s = bar + 1;
	}
}

/* symbolic, "0x400dc0(GFP_KERNEL_ACCOUNT|__GFP_ZERO)", a bare number, or "none" */
static int gfp_parse(const char *s, size_t n, uint32_t *gfp, uint64_t *raw)
{
	const char *paren;

	*gfp = 0;
	*raw = 0;
	if (span_eq(s, n, LIT("none")))
		return 0;
	if (n == 0 || !is_digit(*s))
		return gfp_names_parse(s, n, gfp);
	paren = memchr(s, '(', n);
	if (parse_hex_or_dec(s, paren ? (size_t)(paren - s) : n, raw))
		return -EINVAL;
	if (!paren) {
		*gfp = VD_GFP_RAW;
		return 0;
	}
	if (s[n - 1] != ')')
		return -EINVAL;
	return gfp_names_parse(paren + 1, (size_t)(s + n - 1 - paren - 1), gfp);
}

/* ---- vsock packets ---------------------------------------------------- */

/* reasons name the event, so the two packet events get their own strings */
#define PKT_WHY(recv, what) ((recv) ? "recv_pkt: " what : "alloc_pkt: " what)

enum pkt_field {
	PF_LEN = 1 << 0,
	PF_TYPE = 1 << 1,
	PF_OP = 1 << 2,
	PF_FLAGS = 1 << 3,
	PF_BUF_ALLOC = 1 << 4,
	PF_FWD_CNT = 1 << 5,
	PF_ZCOPY = 1 << 6,
};

static int parse_addr(const char *s, size_t n, uint32_t *cid, uint32_t *port)
{
	const char *colon = memchr(s, ':', n);

	if (!colon)
		return -EINVAL;
	if (parse_u32(s, (size_t)(colon - s), cid))
		return -EINVAL;
	return parse_u32(colon + 1, n - (size_t)(colon - s) - 1, port);
}

/* __print_symbolic() names, or a number: downstream "%u" fmts, and "0x%lx" for unnamed values */
static int parse_sym16(const char *s, size_t n, int (*from_name)(const char *, size_t),
		       uint16_t *out)
{
	int v = from_name(s, n);
	uint64_t num;

	if (v >= 0) {
		*out = (uint16_t)v;
		return 0;
	}
	if (parse_hex_or_dec(s, n, &num) || num > UINT16_MAX)
		return -EINVAL;
	*out = (uint16_t)num;
	return 0;
}

/* RW is nearly every packet; vd_op_from_name() measures each name per call */
static int op_from_name(const char *s, size_t n)
{
	if (n == 2 && s[0] == 'R' && s[1] == 'W')
		return VD_OP_RW;
	return vd_op_from_name(s, n);
}

static int parse_bool(const char *s, size_t n, int8_t *out)
{
	if (span_eq(s, n, LIT("true")) || span_eq(s, n, LIT("1")))
		*out = 1;
	else if (span_eq(s, n, LIT("false")) || span_eq(s, n, LIT("0")))
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

static int pkt_field_of(const char *k, size_t n)
{
	if (span_eq(k, n, LIT("len")))
		return PF_LEN;
	if (span_eq(k, n, LIT("type")))
		return PF_TYPE;
	if (span_eq(k, n, LIT("op")))
		return PF_OP;
	if (span_eq(k, n, LIT("flags")))
		return PF_FLAGS;
	if (span_eq(k, n, LIT("buf_alloc")))
		return PF_BUF_ALLOC;
	if (span_eq(k, n, LIT("fwd_cnt")))
		return PF_FWD_CNT;
	if (span_eq(k, n, LIT("zcopy")))
		return PF_ZCOPY;
	return 0;
}

static int pkt_field(struct vd_pkt *pkt, int field, const char *v, size_t n, bool recv,
		     const char **why)
{
	uint64_t num;

	switch (field) {
	case PF_LEN:
		return parse_u32(v, n, &pkt->len) ? bad(why, PKT_WHY(recv, "bad len")) : 0;
	case PF_TYPE:
		return parse_sym16(v, n, vd_type_from_name, &pkt->type)
			   ? bad(why, PKT_WHY(recv, "bad type"))
			   : 0;
	case PF_OP:
		return parse_sym16(v, n, op_from_name, &pkt->op) ? bad(why, PKT_WHY(recv, "bad op"))
								 : 0;
	case PF_FLAGS:
		if (vd_parse_u64(v, n, 16, &num) || num > UINT32_MAX)
			return bad(why, PKT_WHY(recv, "bad flags"));
		pkt->flags = (uint32_t)num;
		return 0;
	case PF_BUF_ALLOC:
		return parse_u32(v, n, &pkt->buf_alloc) ? bad(why, PKT_WHY(recv, "bad buf_alloc"))
							: 0;
	case PF_FWD_CNT:
		return parse_u32(v, n, &pkt->fwd_cnt) ? bad(why, PKT_WHY(recv, "bad fwd_cnt")) : 0;
	case PF_ZCOPY:
		return parse_bool(v, n, &pkt->zcopy) ? bad(why, PKT_WHY(recv, "bad zcopy")) : 0;
	}
	return 0; /* a field a newer kernel added: not ours to reject */
}

static int pkt_missing(int seen, bool recv, const char **why)
{
	if (!(seen & PF_LEN))
		return bad(why, PKT_WHY(recv, "missing len"));
	if (!(seen & PF_TYPE))
		return bad(why, PKT_WHY(recv, "missing type"));
	if (!(seen & PF_OP))
		return bad(why, PKT_WHY(recv, "missing op"));
	if (!(seen & PF_FLAGS))
		return bad(why, PKT_WHY(recv, "missing flags"));
	/* recv_pkt has printed the peer's credit in every kernel: its absence means damage */
	if (recv && !(seen & PF_BUF_ALLOC))
		return bad(why, "recv_pkt: missing buf_alloc");
	if (recv && !(seen & PF_FWD_CNT))
		return bad(why, "recv_pkt: missing fwd_cnt");
	return 0;
}

/* "%u:%u -> %u:%u len=%u type=%s op=%s flags=%#x" + " buf_alloc=%u fwd_cnt=%u" | " zcopy=%s" */
static int parse_pkt(struct cur *c, struct vd_pkt *pkt, bool recv, const char **why)
{
	const char *s, *v;
	size_t n, kn, vn;
	int seen = 0;

	pkt->zcopy = -1;
	if (!next_tok(c, &s, &n) || parse_addr(s, n, &pkt->src_cid, &pkt->src_port))
		return bad(why, PKT_WHY(recv, "bad source address"));
	if (!next_tok(c, &s, &n) || !span_eq(s, n, LIT("->")))
		return bad(why, PKT_WHY(recv, "missing '->'"));
	if (!next_tok(c, &s, &n) || parse_addr(s, n, &pkt->dst_cid, &pkt->dst_port))
		return bad(why, PKT_WHY(recv, "bad destination address"));
	while (next_tok(c, &s, &n)) {
		int field, ret;

		if (!split_kv(s, n, &kn, &v, &vn))
			return bad(why, PKT_WHY(recv, "field without '='"));
		field = pkt_field_of(s, kn);
		if (field & seen)
			return bad(why, PKT_WHY(recv, "duplicate field"));
		seen |= field;
		ret = pkt_field(pkt, field, v, vn, recv, why);
		if (ret)
			return ret;
	}
	pkt->has_credit = (seen & (PF_BUF_ALLOC | PF_FWD_CNT)) == (PF_BUF_ALLOC | PF_FWD_CNT);
	return pkt_missing(seen, recv, why);
}

/* ---- irq -------------------------------------------------------------- */

static int parse_irq_num(struct cur *c, int32_t *irq)
{
	const char *s;
	size_t n;

	if (!next_tok(c, &s, &n) || !span_starts(s, n, LIT("irq=")))
		return -EINVAL;
	return parse_i32(s + 4, n - 4, irq);
}

/* "irq=%d name=%s": the name runs to the end of the line, spaces included */
static int parse_irq_entry(struct cur *c, struct vd_irq *irq, const char **why)
{
	if (parse_irq_num(c, &irq->irq))
		return bad(why, "irq_handler_entry: bad irq");
	c->p = skip_space(c->p, c->end);
	if (!span_starts(c->p, (size_t)(c->end - c->p), LIT("name=")))
		return bad(why, "irq_handler_entry: missing name");
	copy_str(irq->name, sizeof(irq->name), c->p + 5, (size_t)(c->end - c->p - 5));
	irq->ret = -1;
	return 0;
}

/* "irq=%d ret=%s", ret handled|unhandled (IRQ_HANDLED / IRQ_NONE) */
static int parse_irq_exit(struct cur *c, struct vd_irq *irq, const char **why)
{
	const char *s;
	size_t n;

	if (parse_irq_num(c, &irq->irq))
		return bad(why, "irq_handler_exit: bad irq");
	if (!next_tok(c, &s, &n) || !span_starts(s, n, LIT("ret=")))
		return bad(why, "irq_handler_exit: missing ret");
	s += 4;
	n -= 4;
	if (span_eq(s, n, LIT("handled")) || span_eq(s, n, LIT("1")))
		irq->ret = 1;
	else if (span_eq(s, n, LIT("unhandled")) || span_eq(s, n, LIT("0")))
		irq->ret = 0;
	else
		return bad(why, "irq_handler_exit: bad ret");
	irq->name[0] = '\0';
	return 0;
}

/* ---- kmem:mm_page_alloc ----------------------------------------------- */

enum page_field {
	PG_PAGE = 1 << 0,
	PG_PFN = 1 << 1,
	PG_ORDER = 1 << 2,
	PG_MIGRATETYPE = 1 << 3,
	PG_GFP = 1 << 4,
};

static int page_field_of(const char *k, size_t n)
{
	if (span_eq(k, n, LIT("page")))
		return PG_PAGE;
	if (span_eq(k, n, LIT("pfn")))
		return PG_PFN;
	if (span_eq(k, n, LIT("order")))
		return PG_ORDER;
	if (span_eq(k, n, LIT("migratetype")))
		return PG_MIGRATETYPE;
	if (span_eq(k, n, LIT("gfp_flags")))
		return PG_GFP;
	return 0;
}

/* pfn=%lu before 5.14, pfn=0x%lx after; -1UL marks a failed allocation */
static int parse_pfn(const char *v, size_t n, struct vd_page_alloc *pg)
{
	if (span_eq(v, n, LIT("-1"))) {
		pg->failed = true;
		return 0;
	}
	if (parse_hex_or_dec(v, n, &pg->pfn))
		return -EINVAL;
	if (pg->pfn == UINT64_MAX) {
		pg->failed = true;
		pg->pfn = 0;
	}
	return 0;
}

static int page_field(struct vd_page_alloc *pg, int field, const char *v, size_t n,
		      const char **why)
{
	int32_t order;

	switch (field) {
	case PG_PAGE:
		/* any pointer form (hashed, raw ffffea..., symbol): only NULL matters */
		if (n == 0)
			return bad(why, "mm_page_alloc: bad page");
		if (is_null_ptr(v, n))
			pg->failed = true;
		return 0;
	case PG_PFN:
		return parse_pfn(v, n, pg) ? bad(why, "mm_page_alloc: bad pfn") : 0;
	case PG_ORDER:
		if (parse_i32(v, n, &order) || order < 0)
			return bad(why, "mm_page_alloc: bad order");
		pg->order = (uint32_t)order;
		return 0;
	case PG_MIGRATETYPE:
		return parse_i32(v, n, &pg->migratetype)
			   ? bad(why, "mm_page_alloc: bad migratetype")
			   : 0;
	case PG_GFP:
		return gfp_parse(v, n, &pg->gfp, &pg->gfp_raw)
			   ? bad(why, "mm_page_alloc: bad gfp_flags")
			   : 0;
	}
	return 0;
}

static int parse_page_alloc(struct cur *c, struct vd_page_alloc *pg, const char **why)
{
	const char *s, *v;
	size_t n, kn, vn;
	int seen = 0;

	while (next_tok(c, &s, &n)) {
		int field, ret;

		if (!split_kv(s, n, &kn, &v, &vn))
			return bad(why, "mm_page_alloc: field without '='");
		field = page_field_of(s, kn);
		if (field & seen)
			return bad(why, "mm_page_alloc: duplicate field");
		seen |= field;
		ret = page_field(pg, field, v, vn, why);
		if (ret)
			return ret;
	}
	if (!(seen & (PG_PAGE | PG_PFN)))
		return bad(why, "mm_page_alloc: missing pfn");
	if (!(seen & PG_ORDER))
		return bad(why, "mm_page_alloc: missing order");
	if (!(seen & PG_MIGRATETYPE))
		return bad(why, "mm_page_alloc: missing migratetype");
	if (!(seen & PG_GFP))
		return bad(why, "mm_page_alloc: missing gfp_flags");
	if (pg->failed)
		pg->pfn = 0;
	return 0;
}

/* ---- kmem:kmalloc, kmem:kmalloc_node ---------------------------------- */

enum km_field {
	KM_CALL_SITE = 1 << 0,
	KM_PTR = 1 << 1,
	KM_BYTES_REQ = 1 << 2,
	KM_BYTES_ALLOC = 1 << 3,
	KM_GFP = 1 << 4,
	KM_NODE = 1 << 5,
	KM_ACCOUNTED = 1 << 6,
};

static int km_field_of(const char *k, size_t n)
{
	if (span_eq(k, n, LIT("call_site")))
		return KM_CALL_SITE;
	if (span_eq(k, n, LIT("ptr")))
		return KM_PTR;
	if (span_eq(k, n, LIT("bytes_req")))
		return KM_BYTES_REQ;
	if (span_eq(k, n, LIT("bytes_alloc")))
		return KM_BYTES_ALLOC;
	if (span_eq(k, n, LIT("gfp_flags")))
		return KM_GFP;
	if (span_eq(k, n, LIT("node")))
		return KM_NODE;
	if (span_eq(k, n, LIT("accounted")))
		return KM_ACCOUNTED;
	return 0;
}

static bool is_hex_addr(const char *s, size_t n)
{
	uint64_t v;

	return vd_parse_u64(s, n, 16, &v) == 0;
}

/* %pS ("__alloc_skb+0x7b/0x1c0") since 5.x, a bare hex address before */
static int parse_call_site(struct vd_kmalloc *km, const char *v, size_t n)
{
	if (n == 0)
		return -EINVAL;
	if (is_hex_addr(v, n))
		return vd_parse_u64(v, n, 16, &km->call_site);
	km->call_site = 0;
	copy_str(km->call_sym, sizeof(km->call_sym), v, n);
	return 0;
}

/* %p: hashed, raw or NULL; "(____ptrval____)" (early boot, before hashing is keyed) is non-NULL */
static int parse_kptr(struct vd_kmalloc *km, const char *v, size_t n)
{
	if (is_null_ptr(v, n)) {
		km->failed = true;
		km->ptr = 0;
		return 0;
	}
	if (span_eq(v, n, LIT("(____ptrval____)"))) {
		km->ptr = 0;
		return 0;
	}
	return vd_parse_u64(v, n, 16, &km->ptr);
}

static int km_field(struct vd_kmalloc *km, int field, const char *v, size_t n, const char **why)
{
	switch (field) {
	case KM_CALL_SITE:
		return parse_call_site(km, v, n) ? bad(why, "kmalloc: bad call_site") : 0;
	case KM_PTR:
		return parse_kptr(km, v, n) ? bad(why, "kmalloc: bad ptr") : 0;
	case KM_BYTES_REQ:
		return parse_dec(v, n, &km->bytes_req) ? bad(why, "kmalloc: bad bytes_req") : 0;
	case KM_BYTES_ALLOC:
		return parse_dec(v, n, &km->bytes_alloc) ? bad(why, "kmalloc: bad bytes_alloc") : 0;
	case KM_GFP:
		return gfp_parse(v, n, &km->gfp, &km->gfp_raw) ? bad(why, "kmalloc: bad gfp_flags")
							       : 0;
	case KM_NODE:
		return parse_i32(v, n, &km->node) ? bad(why, "kmalloc: bad node") : 0;
	}
	return 0;
}

/*
 * A token without '=': "[module]" closing a %pS call_site
 * ("virtio_transport_alloc_skb+0x1c/0x90 [vmw_vsock_virtio_transport_common]"),
 * or "(func+0x1a)" that trace-cmd's kmem plugin prints before the fields.
 */
static int km_annotation(struct vd_kmalloc *km, const char *s, size_t n, int prev_field)
{
	size_t have = strlen(km->call_sym);

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']' && prev_field == KM_CALL_SITE && have) {
		if (have + 1 < sizeof(km->call_sym)) {
			km->call_sym[have] = ' ';
			copy_str(km->call_sym + have + 1, sizeof(km->call_sym) - have - 1, s, n);
		}
		return 0;
	}
	if (n >= 2 && s[0] == '(' && s[n - 1] == ')' && !prev_field) {
		copy_str(km->call_sym, sizeof(km->call_sym), s + 1, n - 2);
		return 0;
	}
	return -EINVAL;
}

static int km_missing(int seen, const char **why)
{
	if (!(seen & KM_CALL_SITE))
		return bad(why, "kmalloc: missing call_site");
	if (!(seen & KM_PTR))
		return bad(why, "kmalloc: missing ptr");
	if (!(seen & KM_BYTES_REQ))
		return bad(why, "kmalloc: missing bytes_req");
	if (!(seen & KM_BYTES_ALLOC))
		return bad(why, "kmalloc: missing bytes_alloc");
	if (!(seen & KM_GFP))
		return bad(why, "kmalloc: missing gfp_flags");
	return 0;
}

/* "call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s[ node=%d[ accounted=%s]]" */
static int parse_kmalloc(struct cur *c, struct vd_kmalloc *km, const char **why)
{
	const char *s, *v;
	size_t n, kn, vn;
	int seen = 0, prev = 0;

	km->node = -1;
	while (next_tok(c, &s, &n)) {
		int field, ret;

		if (!split_kv(s, n, &kn, &v, &vn)) {
			if (km_annotation(km, s, n, prev))
				return bad(why, "kmalloc: field without '='");
			prev = -1; /* an annotation never follows another */
			continue;
		}
		field = km_field_of(s, kn);
		if (field & seen)
			return bad(why, "kmalloc: duplicate field");
		seen |= field;
		prev = field ? field : -1;
		ret = km_field(km, field, v, vn, why);
		if (ret)
			return ret;
	}
	return km_missing(seen, why);
}

/* ---- ftrace:print: vsockdiag's own markers ---------------------------- */

/*
 * "vsockdiag-clock start seq=0" or "vsockdiag-clock stop seq=0", the first
 * stamps vsockdiag record writes into trace_marker as it starts and stops
 * (collectors/meta.c).  The later seq= stamps, anyone else's markers and
 * trace_printk() text are no event of ours.  print: the payload still holds
 * the "tracing_mark_write:" of trace-cmd report's "print:" line.  Tokens,
 * not bytes, because pasted dumps turn spaces into no-break spaces.
 * 0: *mark filled; -1: any other text.
 */
static int parse_mark(struct cur *c, bool print, struct vd_mark *mark)
{
	const char *s;
	size_t n;

	/* the "%ps" of the print event's ip: only a write into trace_marker is a marker */
	if (print && (!next_tok(c, &s, &n) || !span_eq(s, n, LIT("tracing_mark_write:"))))
		return -1;
	if (!next_tok(c, &s, &n) || !span_eq(s, n, LIT("vsockdiag-clock")))
		return -1;
	if (!next_tok(c, &s, &n))
		return -1;
	if (span_eq(s, n, LIT("start")))
		mark->what = VD_MARK_RECORDER_START;
	else if (span_eq(s, n, LIT("stop")))
		mark->what = VD_MARK_RECORDER_STOP;
	else
		return -1;
	if (!next_tok(c, &s, &n) || !span_eq(s, n, LIT("seq=0")))
		return -1;
	return next_tok(c, &s, &n) ? -1 : 0;
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
	if (!parse_u32(p, (size_t)(d - p), &v) && v <= INT_MAX)
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
	if (parse_dec(p, (size_t)(slash - p), &entries) || parse_dec(w, (size_t)(e - w), &written))
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
	return parse_dec(s, (size_t)(*p - s), out);
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
	memset(ev, 0, sizeof(*ev));
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

struct prefix_nums {
	uint64_t ts;
	int32_t cpu;
	int32_t pid;
};

static const char *prefix_numbers(const struct prefix *pf, struct prefix_nums *nums)
{
	uint32_t v;

	nums->cpu = -1;
	nums->pid = -1;
	if (parse_ts(pf->ts, pf->ts_len, &nums->ts))
		return "bad timestamp";
	if (pf->cpu_len) {
		if (parse_u32(pf->cpu, pf->cpu_len, &v) || v > INT32_MAX)
			return "bad cpu";
		nums->cpu = (int32_t)v;
	}
	if (pf->pid_len) {
		if (parse_u32(pf->pid, pf->pid_len, &v) || v > INT32_MAX)
			return "bad pid";
		nums->pid = (int32_t)v;
	}
	return NULL;
}

static int parse_payload(enum text_event te, struct cur *c, struct vd_event *ev, const char **why)
{
	switch (te) {
	case TE_ALLOC_PKT:
		ev->kind = VD_EV_PKT_ALLOC;
		return parse_pkt(c, &ev->pkt, false, why);
	case TE_RECV_PKT:
		ev->kind = VD_EV_PKT_RECV;
		return parse_pkt(c, &ev->pkt, true, why);
	case TE_IRQ_ENTRY:
		ev->kind = VD_EV_IRQ_ENTRY;
		return parse_irq_entry(c, &ev->irq, why);
	case TE_IRQ_EXIT:
		ev->kind = VD_EV_IRQ_EXIT;
		return parse_irq_exit(c, &ev->irq, why);
	case TE_PAGE_ALLOC:
		ev->kind = VD_EV_PAGE_ALLOC;
		return parse_page_alloc(c, &ev->page, why);
	case TE_KMALLOC:
	case TE_KMALLOC_NODE:
		ev->kind = VD_EV_KMALLOC;
		return parse_kmalloc(c, &ev->kmalloc, why);
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
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = nums->ts;
	ev->cpu = nums->cpu;
	ev->pid = nums->pid;
	copy_str(ev->comm, sizeof(ev->comm), pf->comm, pf->comm_len);
}

/*
 * A print line is VD_EV_MARK when it is one of our markers, and otherwise
 * what it has always been: another event, never a malformed line (a damaged
 * prefix on a marker included), so the statistics of every recording stay
 * as they were before markers were events.
 */
static int parse_print(const struct prefix *pf, const struct prefix_nums *nums, bool nums_ok,
		       struct cur *c, bool print, struct vd_event *ev)
{
	struct vd_mark mark;

	if (!nums_ok || parse_mark(c, print, &mark))
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

	err = prefix_numbers(pf, &nums);
	if (!err)
		note_cpu_ts(st, nums.cpu, nums.ts);
	te = event_name(pf->rest, end, &payload);
	if (te == TE_UNKNOWN)
		return VD_LINE_UNKNOWN;
	c.p = payload;
	c.end = end;
	if (te == TE_PRINT || te == TE_MARK_WRITE)
		return parse_print(pf, &nums, !err, &c, te == TE_PRINT, ev);
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
	s = skip_space(line, end);
	if (s == end)
		return VD_LINE_SKIP;
	/* a prefix first: a comm may start with '#' */
	if (find_prefix(line, end, &pf))
		return parse_trace_line(st, &pf, end, ev, why);
	if (*s == '#')
		return parse_comment(st, s, end);
	return parse_not_trace(st, s, end, ev, why);
}
