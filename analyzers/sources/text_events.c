// SPDX-License-Identifier: GPL-2.0
/*
 * The payloads of the events we use, after their "name: ": a missing or
 * malformed field makes the line malformed (*why says which), a field we do
 * not know is skipped.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/sources/text_internal.h"
#include "analyzers/sources/text_parse.h"

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
	if (vd_txt_parse_u32(s, (size_t)(colon - s), cid))
		return -EINVAL;
	return vd_txt_parse_u32(colon + 1, n - (size_t)(colon - s) - 1, port);
}

/* RW is nearly every packet; vd_op_from_name() measures each name per call */
static int op_from_name(const char *s, size_t n)
{
	if (n == 2 && s[0] == 'R' && s[1] == 'W')
		return VD_OP_RW;
	return vd_op_from_name(s, n);
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
		return vd_txt_parse_u32(v, n, &pkt->len) ? bad(why, PKT_WHY(recv, "bad len")) : 0;
	case PF_TYPE:
		return vd_txt_parse_sym16(v, n, vd_type_from_name, &pkt->type)
			   ? bad(why, PKT_WHY(recv, "bad type"))
			   : 0;
	case PF_OP:
		return vd_txt_parse_sym16(v, n, op_from_name, &pkt->op)
			   ? bad(why, PKT_WHY(recv, "bad op"))
			   : 0;
	case PF_FLAGS:
		if (vd_txt_parse_hex(v, n, &num) || num > UINT32_MAX)
			return bad(why, PKT_WHY(recv, "bad flags"));
		pkt->flags = (uint32_t)num;
		return 0;
	case PF_BUF_ALLOC:
		return vd_txt_parse_u32(v, n, &pkt->buf_alloc)
			   ? bad(why, PKT_WHY(recv, "bad buf_alloc"))
			   : 0;
	case PF_FWD_CNT:
		return vd_txt_parse_u32(v, n, &pkt->fwd_cnt)
			   ? bad(why, PKT_WHY(recv, "bad fwd_cnt"))
			   : 0;
	case PF_ZCOPY:
		return vd_txt_parse_bool(v, n, &pkt->zcopy) ? bad(why, PKT_WHY(recv, "bad zcopy"))
							    : 0;
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

/* ---- the packet fast path ---------------------------------------------- */

/*
 * Every packet line of every kernel prints its fields in one order, and
 * packets are nearly every line: read them in that order in one pass over
 * the bytes, with no token spans, no memchr per token and no key lookup.
 * Each step accepts only what the general parser (vd_txt_parse_pkt's loop)
 * would read the same way; anything else (a field out of order, an unknown
 * field, a malformed value, an over-long number, a blank wider than one
 * ' ') makes pkt_fast() return false, and the line goes to the general
 * parser from the payload's start, which decides and words the error; the
 * fast path writes nothing until it has the whole packet.  So it can only be
 * faster, never different (test_text.c holds it to that on mutated lines).
 */

/* the literal at *pp (separators and keys, one ' ' wide as the kernel prints them) */
static inline bool fast_lit(const char **pp, const char *end, const char *lit, size_t n)
{
	if ((size_t)(end - *pp) < n || memcmp(*pp, lit, n))
		return false;
	*pp += n;
	return true;
}

/*
 * Up to 10 decimal digits, <= UINT32_MAX, not followed by another digit:
 * false for anything else (a longer run with leading zeros included, which
 * the general parser reads).
 */
static inline bool fast_u32(const char **pp, const char *end, uint32_t *out)
{
	const char *p = *pp, *lim = end - p > 10 ? p + 10 : end;
	uint64_t v = 0;
	unsigned int d;

	/* one digit (the CIDs, small lengths): no need for more */
	if (end - p >= 2 && is_digit(p[0]) && !is_digit(p[1])) {
		*out = (uint32_t)(p[0] - '0');
		*pp = p + 1;
		return true;
	}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* the first eight digits at once when the line has eight bytes left */
	if (end - p >= 8) {
		uint64_t x;

		memcpy(&x, p, 8);
		d = swar_ndigits(x);
		if (!d)
			return false;
		v = swar_value(x, d);
		p += d;
		if (d < 8)
			goto done;
	}
#endif
	while (p < lim && (d = (unsigned int)(unsigned char)*p - '0') <= 9) {
		v = v * 10 + d;
		p++;
	}
done:
	if (p == *pp || v > UINT32_MAX || (p < end && is_digit(*p)))
		return false;
	*out = (uint32_t)v;
	*pp = p;
	return true;
}

/* where next_tok would end the token starting at p (a value: no blanks skipped first) */
static const char *fast_tok_end(const char *p, const char *end)
{
	while (p < end) {
		unsigned char ch = (unsigned char)*p;

		if (ch > ' ' && ch != 0xc2) {
			p++;
			continue;
		}
		if (space_fwd(p, end))
			break;
		p++;
	}
	return p;
}

/* a symbolic value other than the usual one: the general parser's own function */
static bool fast_sym(const char **pp, const char *end, int (*from_name)(const char *, size_t),
		     uint16_t *out)
{
	const char *e = fast_tok_end(*pp, end);

	if (vd_txt_parse_sym16(*pp, (size_t)(e - *pp), from_name, out))
		return false;
	*pp = e;
	return true;
}

/* "%#x": what vd_txt_parse_hex reads, up to 8 hex digits (never > UINT32_MAX) */
static bool fast_flags(const char **pp, const char *end, uint32_t *out)
{
	const char *p = *pp, *s;
	uint32_t v = 0;

	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (s = p; p < end && p - s < 9; p++) {
		unsigned int d = (unsigned int)(unsigned char)*p - '0';
		unsigned int x = ((unsigned int)(unsigned char)*p | 0x20) - 'a';

		if (d <= 9)
			v = v * 16 + d;
		else if (x <= 5)
			v = v * 16 + x + 10;
		else
			break;
	}
	if (p == s || p - s > 8)
		return false;
	*out = v;
	*pp = p;
	return true;
}

/* "zcopy=%s" (alloc_pkt, ~6.7+): the general parser's own boolean words */
static bool fast_zcopy(const char **pp, const char *end, int8_t *out)
{
	const char *e = fast_tok_end(*pp, end);

	if (vd_txt_parse_bool(*pp, (size_t)(e - *pp), out))
		return false;
	*pp = e;
	return true;
}

/* "%u:%u -> %u:%u len=%u": the addresses and the length */
static bool fast_head(const char **pp, const char *end, struct vd_pkt *pkt)
{
	return fast_u32(pp, end, &pkt->src_cid) && fast_lit(pp, end, LIT(":")) &&
	       fast_u32(pp, end, &pkt->src_port) && fast_lit(pp, end, LIT(" -> ")) &&
	       fast_u32(pp, end, &pkt->dst_cid) && fast_lit(pp, end, LIT(":")) &&
	       fast_u32(pp, end, &pkt->dst_port) && fast_lit(pp, end, LIT(" len=")) &&
	       fast_u32(pp, end, &pkt->len);
}

static const struct vd_pkt zero_pkt;

/* true: *out holds the packet exactly as the general parser would fill it */
static bool pkt_fast(const struct cur *c, struct vd_pkt *out, bool recv)
{
	const char *p = skip_space(c->p, c->end), *end = c->end;
	struct vd_pkt pkt;

	/*
	 * padding included: the event's bytes are the general parser's, whoever
	 * hashes them (a copy of a zero struct: gcc makes this memset a `rep stos`)
	 */
	pkt = zero_pkt;
	pkt.zcopy = -1;
	if (!fast_head(&p, end, &pkt) || !fast_lit(&p, end, LIT(" type=")))
		return false;
	/* "STREAM" then the next field's ' ': the token is exactly "type=STREAM" */
	if (end - p > 6 && !memcmp(p, "STREAM ", 7)) {
		pkt.type = VD_TYPE_STREAM;
		p += 6;
	} else if (!fast_sym(&p, end, vd_type_from_name, &pkt.type)) {
		return false;
	}
	if (!fast_lit(&p, end, LIT(" op=")))
		return false;
	if (end - p > 2 && !memcmp(p, "RW ", 3)) {
		pkt.op = VD_OP_RW;
		p += 2;
	} else if (!fast_sym(&p, end, op_from_name, &pkt.op)) {
		return false;
	}
	if (!fast_lit(&p, end, LIT(" flags=")) || !fast_flags(&p, end, &pkt.flags))
		return false;
	if (fast_lit(&p, end, LIT(" buf_alloc="))) {
		if (!fast_u32(&p, end, &pkt.buf_alloc) || !fast_lit(&p, end, LIT(" fwd_cnt=")) ||
		    !fast_u32(&p, end, &pkt.fwd_cnt))
			return false;
		pkt.has_credit = true;
	}
	if (fast_lit(&p, end, LIT(" zcopy=")) && !fast_zcopy(&p, end, &pkt.zcopy))
		return false;
	/* the end of the line, and recv_pkt's credit, or the general parser decides */
	if (p != end || (recv && !pkt.has_credit))
		return false;
	memcpy(out, &pkt, sizeof(pkt));
	return true;
}

/* ---- packets, the general parser --------------------------------------- */

/* "%u:%u -> %u:%u len=%u type=%s op=%s flags=%#x" + " buf_alloc=%u fwd_cnt=%u" | " zcopy=%s" */
int vd_txt_parse_pkt(struct cur *c, struct vd_pkt *pkt, bool recv, const char **why)
{
	const char *s, *v;
	size_t n, kn, vn;
	int seen = 0;

	if (vd_text_fast && pkt_fast(c, pkt, recv))
		return 0;
	pkt->zcopy = -1;
	if (!vd_txt_next_tok(c, &s, &n) || parse_addr(s, n, &pkt->src_cid, &pkt->src_port))
		return bad(why, PKT_WHY(recv, "bad source address"));
	if (!vd_txt_next_tok(c, &s, &n) || !span_eq(s, n, LIT("->")))
		return bad(why, PKT_WHY(recv, "missing '->'"));
	if (!vd_txt_next_tok(c, &s, &n) || parse_addr(s, n, &pkt->dst_cid, &pkt->dst_port))
		return bad(why, PKT_WHY(recv, "bad destination address"));
	while (vd_txt_next_tok(c, &s, &n)) {
		int field, ret;

		if (!vd_txt_split_kv(s, n, &kn, &v, &vn))
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

	if (!vd_txt_next_tok(c, &s, &n) || !span_starts(s, n, LIT("irq=")))
		return -EINVAL;
	return vd_txt_parse_i32(s + 4, n - 4, irq);
}

/* "irq=%d name=%s": the name runs to the end of the line, spaces included */
int vd_txt_parse_irq_entry(struct cur *c, struct vd_irq *irq, const char **why)
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
int vd_txt_parse_irq_exit(struct cur *c, struct vd_irq *irq, const char **why)
{
	const char *s;
	size_t n;

	if (parse_irq_num(c, &irq->irq))
		return bad(why, "irq_handler_exit: bad irq");
	if (!vd_txt_next_tok(c, &s, &n) || !span_starts(s, n, LIT("ret=")))
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
	if (vd_txt_parse_hex_or_dec(v, n, &pg->pfn))
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
		/* any pointer form (hashed, raw ffffea..., (____ptrval____)): only NULL matters */
		if (n == 0)
			return bad(why, "mm_page_alloc: bad page");
		if (vd_txt_is_null_ptr(v, n))
			pg->failed = true;
		return 0;
	case PG_PFN:
		return parse_pfn(v, n, pg) ? bad(why, "mm_page_alloc: bad pfn") : 0;
	case PG_ORDER:
		if (vd_txt_parse_i32(v, n, &order) || order < 0)
			return bad(why, "mm_page_alloc: bad order");
		pg->order = (uint32_t)order;
		return 0;
	case PG_MIGRATETYPE:
		return vd_txt_parse_i32(v, n, &pg->migratetype)
			   ? bad(why, "mm_page_alloc: bad migratetype")
			   : 0;
	case PG_GFP:
		return vd_txt_gfp_parse(v, n, &pg->gfp, &pg->gfp_raw)
			   ? bad(why, "mm_page_alloc: bad gfp_flags")
			   : 0;
	}
	return 0;
}

int vd_txt_parse_page_alloc(struct cur *c, struct vd_page_alloc *pg, const char **why)
{
	const char *s, *v;
	size_t n, kn, vn;
	int seen = 0;

	while (vd_txt_next_tok(c, &s, &n)) {
		int field, ret;

		if (!vd_txt_split_kv(s, n, &kn, &v, &vn))
			return bad(why, "mm_page_alloc: field without '='");
		field = page_field_of(s, kn);
		if (field == PG_PAGE)
			vd_txt_ptr_value(c, &v, &vn);
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

	return vd_txt_parse_hex(s, n, &v) == 0;
}

/* %pS ("__alloc_skb+0x7b/0x1c0") since 5.x, a bare hex address before */
static int parse_call_site(struct vd_kmalloc *km, const char *v, size_t n)
{
	if (n == 0)
		return -EINVAL;
	if (is_hex_addr(v, n))
		return vd_txt_parse_hex(v, n, &km->call_site);
	km->call_site = 0;
	copy_str(km->call_sym, sizeof(km->call_sym), v, n);
	return 0;
}

/* %p: hashed, raw or NULL; "(____ptrval____)"/"(ptrval)" (early boot, hashing not keyed) is
 * non-NULL */
static int parse_kptr(struct vd_kmalloc *km, const char *v, size_t n)
{
	if (vd_txt_is_null_ptr(v, n)) {
		km->failed = true;
		km->ptr = 0;
		return 0;
	}
	if (vd_txt_is_ptrval(v, n)) {
		km->ptr = 0;
		return 0;
	}
	return vd_txt_parse_hex(v, n, &km->ptr);
}

static int km_field(struct vd_kmalloc *km, int field, const char *v, size_t n, const char **why)
{
	switch (field) {
	case KM_CALL_SITE:
		return parse_call_site(km, v, n) ? bad(why, "kmalloc: bad call_site") : 0;
	case KM_PTR:
		return parse_kptr(km, v, n) ? bad(why, "kmalloc: bad ptr") : 0;
	case KM_BYTES_REQ:
		return vd_txt_parse_dec(v, n, &km->bytes_req) ? bad(why, "kmalloc: bad bytes_req")
							      : 0;
	case KM_BYTES_ALLOC:
		return vd_txt_parse_dec(v, n, &km->bytes_alloc)
			   ? bad(why, "kmalloc: bad bytes_alloc")
			   : 0;
	case KM_GFP:
		return vd_txt_gfp_parse(v, n, &km->gfp, &km->gfp_raw)
			   ? bad(why, "kmalloc: bad gfp_flags")
			   : 0;
	case KM_NODE:
		return vd_txt_parse_i32(v, n, &km->node) ? bad(why, "kmalloc: bad node") : 0;
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
int vd_txt_parse_kmalloc(struct cur *c, struct vd_kmalloc *km, const char **why)
{
	const char *s, *v;
	size_t n, kn, vn;
	int seen = 0, prev = 0;

	km->node = -1;
	while (vd_txt_next_tok(c, &s, &n)) {
		int field, ret;

		if (!vd_txt_split_kv(s, n, &kn, &v, &vn)) {
			if (km_annotation(km, s, n, prev))
				return bad(why, "kmalloc: field without '='");
			prev = -1; /* an annotation never follows another */
			continue;
		}
		field = km_field_of(s, kn);
		if (field == KM_PTR)
			vd_txt_ptr_value(c, &v, &vn);
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
int vd_txt_parse_mark(struct cur *c, bool print, struct vd_mark *mark)
{
	const char *s;
	size_t n;

	/* the "%ps" of the print event's ip: only a write into trace_marker is a marker */
	if (print && (!vd_txt_next_tok(c, &s, &n) || !span_eq(s, n, LIT("tracing_mark_write:"))))
		return -1;
	if (!vd_txt_next_tok(c, &s, &n) || !span_eq(s, n, LIT("vsockdiag-clock")))
		return -1;
	if (!vd_txt_next_tok(c, &s, &n))
		return -1;
	if (span_eq(s, n, LIT("start")))
		mark->what = VD_MARK_RECORDER_START;
	else if (span_eq(s, n, LIT("stop")))
		mark->what = VD_MARK_RECORDER_STOP;
	else
		return -1;
	if (!vd_txt_next_tok(c, &s, &n) || !span_eq(s, n, LIT("seq=0")))
		return -1;
	return vd_txt_next_tok(c, &s, &n) ? -1 : 0;
}
