// SPDX-License-Identifier: GPL-2.0
/*
 * The keys of each "vsockdiag-bpf" kind (doc/bpf-events.md), read from a
 * line the recorder wrote but that reaches us as text anyone could have
 * edited: every value is range-checked, a key given twice or a required key
 * missing makes the line malformed, an unknown key or kind is skipped.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "analyzers/sources/bpf_line.h"
#include "analyzers/sources/bpf_stack.h"
#include "analyzers/sources/text_internal.h"
#include "analyzers/sources/text_parse.h"

/* how a key's value is read */
enum ftype {
	FT_T,	     /* t=: the occurrence time, ns */
	FT_U32,	     /* a u32 at off in struct vd_bpf */
	FT_U64,	     /* a u64 at off */
	FT_I32,	     /* an int32 at off */
	FT_BOOL,     /* 0/1 at off */
	FT_STR,	     /* a word copied into a char[size] at off */
	FT_TIER,     /* tier= */
	FT_KICK_DIR, /* dir= of a kick */
	FT_VQ,	     /* vq= */
	FT_SRC,	     /* src= of rxlevel */
	FT_PATH,     /* path= of allocfail */
	FT_GFP,	     /* gfp= */
	FT_PID,	     /* pid=: the event's pid */
	FT_COMM,     /* comm=: the event's comm */
	FT_ADDR,     /* cid:port into two u32 at off */
	FT_CWHY,     /* why= of credit */
	FT_STATE,    /* state= of credit */
	FT_FRAMES,   /* frames= of a stack */
	FT_PDIR,     /* dir= of a payload */
	FT_HEAD,     /* head= of a payload: hex bytes into payload.head */
};

struct key {
	const char *name;
	enum ftype type;
	size_t off;  /* in struct vd_bpf */
	size_t size; /* FT_STR */
	bool required;
	uint16_t have;	 /* a presence bit to set (credit's optional fields) */
	size_t have_off; /* where that bit (or bool, when have == 0xffff) lives */
};

#define OFF(m)	  offsetof(struct vd_bpf, m)
#define BOOL_FLAG 0xffff
#define REQ(n, t, m)                                                                               \
	{                                                                                          \
		n, t, OFF(m), 0, true, 0, 0                                                        \
	}
#define OPT(n, t, m)                                                                               \
	{                                                                                          \
		n, t, OFF(m), 0, false, 0, 0                                                       \
	}
/* an optional key whose presence sets the bool at OFF(flag) */
#define OPTF(n, t, m, flag)                                                                        \
	{                                                                                          \
		n, t, OFF(m), 0, false, BOOL_FLAG, OFF(flag)                                       \
	}
#define CRED(n, bit)                                                                               \
	{                                                                                          \
#n, FT_U32, OFF(credit.n), 0, false, bit, OFF(credit.have)                         \
	}
#define END                                                                                        \
	{                                                                                          \
		NULL, FT_U32, 0, 0, false, 0, 0                                                    \
	}

/* clang-format off */
static const struct key k_tier[] = {
	{ "hook", FT_STR, OFF(tier.hook), VD_BPF_HOOK_LEN, true, 0, 0 },
	REQ("tier", FT_TIER, tier.tier),
	{ "why", FT_STR, OFF(tier.why), VD_BPF_WHY_LEN, false, 0, 0 },
	END,
};
static const struct key k_rxfill[] = {
	REQ("t", FT_T, t), REQ("before", FT_U32, rxfill.before), REQ("after", FT_U32, rxfill.after),
	REQ("max", FT_U32, rxfill.max), OPT("free", FT_U32, rxfill.free),
	OPT("fail", FT_BOOL, rxfill.fail), END,
};
static const struct key k_rxlevel[] = {
	REQ("t", FT_T, t), REQ("level", FT_U32, rxlevel.level), REQ("max", FT_U32, rxlevel.max),
	OPTF("free", FT_U32, rxlevel.free, rxlevel.have_free), OPT("src", FT_SRC, rxlevel.sampled),
	END,
};
static const struct key k_kick[] = {
	REQ("t", FT_T, t), REQ("dir", FT_KICK_DIR, kick.dir), REQ("vq", FT_VQ, kick.vq), END,
};
static const struct key k_vhostwait[] = {
	REQ("t", FT_T, t), REQ("queued", FT_U32, vhost.queued),
	OPTF("replies", FT_U32, vhost.replies, vhost.have_replies), END,
};
static const struct key k_vhostsample[] = {
	REQ("t", FT_T, t), OPT("cid", FT_U32, vhost.cid), REQ("queued", FT_U32, vhost.queued),
	OPTF("replies", FT_U32, vhost.replies, vhost.have_replies),
	REQ("avail", FT_U32, vhost.avail), END,
};
static const struct key k_vqirq[] = {
	REQ("t", FT_T, t), REQ("irq", FT_I32, vqirq.irq), REQ("vq", FT_VQ, vqirq.vq),
	OPT("shared", FT_BOOL, vqirq.shared), END,
};
static const struct key k_allocfail[] = {
	REQ("t", FT_T, t), REQ("path", FT_PATH, alloc.path), OPT("order", FT_U32, alloc.order),
	OPT("bytes", FT_U64, alloc.bytes), OPT("gfp", FT_GFP, alloc.gfp),
	OPT("opportunistic", FT_BOOL, alloc.opportunistic), OPT("pid", FT_PID, t),
	OPT("comm", FT_COMM, t), OPTF("stack", FT_U32, alloc.stack, alloc.have_stack), END,
};
static const struct key k_stack[] = {
	REQ("id", FT_U32, stack.id), REQ("frames", FT_FRAMES, stack), END,
};
static const struct key k_skbdrop[] = {
	REQ("t", FT_T, t), REQ("reason", FT_U32, skbdrop.reason),
	{ "loc", FT_STR, OFF(skbdrop.loc), sizeof(((struct vd_bpf_skbdrop *)0)->loc), false, 0, 0 },
	END,
};
static const struct key k_credit[] = {
	REQ("t", FT_T, t), OPT("why", FT_CWHY, credit.why), OPT("pid", FT_PID, t),
	OPT("comm", FT_COMM, t), REQ("local", FT_ADDR, credit.local_cid),
	REQ("remote", FT_ADDR, credit.remote_cid), OPT("state", FT_STATE, credit.state),
	REQ("tx_cnt", FT_U32, credit.tx_cnt), REQ("peer_fwd_cnt", FT_U32, credit.peer_fwd_cnt),
	REQ("peer_buf_alloc", FT_U32, credit.peer_buf_alloc),
	REQ("fwd_cnt", FT_U32, credit.fwd_cnt), CRED(last_fwd_cnt, VD_CRED_LAST_FWD_CNT),
	REQ("rx_bytes", FT_U32, credit.rx_bytes), REQ("buf_alloc", FT_U32, credit.buf_alloc),
	CRED(msg_count, VD_CRED_MSG_COUNT), CRED(buf_used, VD_CRED_BUF_USED),
	{ "bytes_unsent", FT_U64, OFF(credit.bytes_unsent), 0, false, VD_CRED_BYTES_UNSENT,
	  OFF(credit.have) },
	END,
};
static const struct key k_payload[] = {
	REQ("t", FT_T, t), REQ("dir", FT_PDIR, payload.rx), REQ("len", FT_U32, payload.len),
	OPTF("src", FT_ADDR, payload.src_cid, payload.have_src),
	OPTF("dst", FT_ADDR, payload.dst_cid, payload.have_dst), OPT("head", FT_HEAD, payload),
	END,
};
static const struct key k_lost[] = {
	REQ("t", FT_T, t), REQ("count", FT_U64, lost), END,
};

static const struct {
	const char *name;
	size_t len;
	const struct key *keys;
	const char *why; /* "vsockdiag-bpf KIND: malformed" */
} kinds[VD_BPF_KIND_MAX] = {
	[VD_BPF_TIER] = { LIT("tier"), k_tier, "vsockdiag-bpf tier: malformed" },
	[VD_BPF_RXFILL] = { LIT("rxfill"), k_rxfill, "vsockdiag-bpf rxfill: malformed" },
	[VD_BPF_RXLEVEL] = { LIT("rxlevel"), k_rxlevel, "vsockdiag-bpf rxlevel: malformed" },
	[VD_BPF_KICK] = { LIT("kick"), k_kick, "vsockdiag-bpf kick: malformed" },
	[VD_BPF_VHOSTWAIT] = { LIT("vhostwait"), k_vhostwait, "vsockdiag-bpf vhostwait: malformed" },
	[VD_BPF_VHOSTSAMPLE] = { LIT("vhostsample"), k_vhostsample,
				 "vsockdiag-bpf vhostsample: malformed" },
	[VD_BPF_VQIRQ] = { LIT("vqirq"), k_vqirq, "vsockdiag-bpf vqirq: malformed" },
	[VD_BPF_ALLOCFAIL] = { LIT("allocfail"), k_allocfail, "vsockdiag-bpf allocfail: malformed" },
	[VD_BPF_STACK] = { LIT("stack"), k_stack, "vsockdiag-bpf stack: malformed" },
	[VD_BPF_SKBDROP] = { LIT("skbdrop"), k_skbdrop, "vsockdiag-bpf skbdrop: malformed" },
	[VD_BPF_CREDIT] = { LIT("credit"), k_credit, "vsockdiag-bpf credit: malformed" },
	[VD_BPF_PAYLOAD] = { LIT("payload"), k_payload, "vsockdiag-bpf payload: malformed" },
	[VD_BPF_LOST] = { LIT("lost"), k_lost, "vsockdiag-bpf lost: malformed" },
};
/* clang-format on */

/* one word out of a short list; -1 when it is none of them */
static int word_index(const char *v, size_t n, const char *const *words, size_t nwords)
{
	for (size_t i = 0; i < nwords; i++)
		if (words[i] && span_eq(v, n, words[i], strlen(words[i])))
			return (int)i;
	return -1;
}

static int parse_num(const char *v, size_t n, uint64_t *out)
{
	return vd_txt_parse_hex_or_dec(v, n, out);
}

static int parse_u32(const char *v, size_t n, uint32_t *out)
{
	uint64_t x;

	if (parse_num(v, n, &x) || x > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

/* a word without control bytes: it is shown to people and written into JSON */
static bool printable(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return n > 0;
}

static int parse_addr(const char *v, size_t n, uint32_t *cid, uint32_t *port)
{
	const char *colon = memchr(v, ':', n);

	if (!colon || parse_u32(v, (size_t)(colon - v), cid))
		return -EINVAL;
	return parse_u32(colon + 1, n - (size_t)(colon - v) - 1, port);
}

static int hex_nibble(char c)
{
	if (is_digit(c))
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* head=: pairs of hex digits, at most VD_BPF_PAYLOAD_HEAD bytes, or "-" (none copied) */
static int parse_head(const char *v, size_t n, struct vd_bpf_payload *p)
{
	if (n == 1 && v[0] == '-') {
		p->nhead = 0; /* the packet had no bytes in its linear part to copy */
		return 0;
	}
	if (!n || n % 2 || n > 2 * VD_BPF_PAYLOAD_HEAD)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_nibble(v[i]), lo = hex_nibble(v[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		p->head[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	p->nhead = (uint8_t)(n / 2);
	return 0;
}

static int parse_enum(enum ftype type, const char *v, size_t n, uint8_t *out)
{
	static const char *const kick_dirs[] = { NULL, "sent", "skipped", "received" };
	static const char *const vqs[] = { "rx", "tx", "event" };
	static const char *const paths[] = { NULL, "pkt", "page", "kmalloc" };
	static const char *const cwhys[] = { NULL, "start", "sample", "stop" };
	uint64_t num;
	int i = -1;

	switch (type) {
	case FT_KICK_DIR:
		i = word_index(v, n, kick_dirs, ARRAY_SIZE(kick_dirs));
		break;
	case FT_VQ:
		i = word_index(v, n, vqs, ARRAY_SIZE(vqs));
		/* "any": a vector the device's queues share (vp_interrupt, vm_interrupt) */
		if (i < 0 && span_eq(v, n, LIT("any")))
			i = VD_VQ_UNKNOWN;
		/* a bare index: 0 rx, 1 tx, 2 event */
		if (i < 0 && !vd_txt_parse_dec(v, n, &num) && num <= VD_VQ_EVENT)
			i = (int)num;
		break;
	case FT_PATH:
		i = word_index(v, n, paths, ARRAY_SIZE(paths));
		break;
	case FT_CWHY:
		i = word_index(v, n, cwhys, ARRAY_SIZE(cwhys));
		break;
	case FT_SRC:
		if (span_eq(v, n, LIT("work")))
			i = 0;
		else if (span_eq(v, n, LIT("sample")))
			i = 1;
		break;
	case FT_PDIR:
		if (span_eq(v, n, LIT("tx")))
			i = 0;
		else if (span_eq(v, n, LIT("rx")))
			i = 1;
		break;
	case FT_TIER:
		/* a tier a newer recorder added: attached somehow, we do not know how */
		for (i = VD_TIER_MAX - 1; i > VD_TIER_UNKNOWN; i--)
			if (span_eq(v, n, vd_bpf_tier_name((unsigned int)i),
				    strlen(vd_bpf_tier_name((unsigned int)i))))
				break;
		if (!printable(v, n))
			i = -1;
		break;
	case FT_STATE:
		/* the kernel's number when printed as one; a name is kept as "not a number" */
		if (!vd_txt_parse_dec(v, n, &num) && num < 255)
			i = (int)num;
		else if (printable(v, n))
			i = 255;
		break;
	default:
		break;
	}
	if (i < 0)
		return -EINVAL;
	*out = (uint8_t)i;
	return 0;
}

static int parse_value(const struct key *k, const char *v, size_t n, struct vd_event *ev)
{
	char *base = (char *)&ev->bpf;
	uint64_t x;
	uint32_t u;
	int32_t i;
	int8_t b;

	switch (k->type) {
	case FT_T:
		/* analyses take times as int64_t ns: beyond that is no clock's */
		if (parse_num(v, n, &ev->bpf.t) || ev->bpf.t > INT64_MAX)
			return -EINVAL;
		ev->bpf.has_t = true;
		return 0;
	case FT_U32:
		if (parse_u32(v, n, &u))
			return -EINVAL;
		memcpy(base + k->off, &u, sizeof(u));
		return 0;
	case FT_U64:
		if (parse_num(v, n, &x))
			return -EINVAL;
		memcpy(base + k->off, &x, sizeof(x));
		return 0;
	case FT_I32:
		if (vd_txt_parse_i32(v, n, &i))
			return -EINVAL;
		memcpy(base + k->off, &i, sizeof(i));
		return 0;
	case FT_BOOL:
		if (vd_txt_parse_bool(v, n, &b))
			return -EINVAL;
		base[k->off] = b != 0;
		return 0;
	case FT_STR:
		if (!printable(v, n))
			return -EINVAL;
		copy_str(base + k->off, k->size, v, n);
		return 0;
	case FT_GFP:
		return vd_txt_gfp_parse(v, n, &ev->bpf.alloc.gfp, &ev->bpf.alloc.gfp_raw);
	case FT_PID:
		if (vd_txt_parse_i32(v, n, &ev->pid) || ev->pid < -1)
			return -EINVAL;
		return 0;
	case FT_COMM:
		if (!printable(v, n))
			return -EINVAL;
		copy_str(ev->comm, sizeof(ev->comm), v, n);
		return 0;
	case FT_ADDR:
		return parse_addr(v, n, (uint32_t *)(void *)(base + k->off),
				  (uint32_t *)(void *)(base + k->off + sizeof(uint32_t)));
	case FT_FRAMES:
		return vd_bpf_stack_summarize(v, n, &ev->bpf.stack);
	case FT_HEAD:
		return parse_head(v, n, &ev->bpf.payload);
	default:
		return parse_enum(k->type, v, n, (uint8_t *)(base + k->off));
	}
}

static void mark_present(const struct key *k, struct vd_event *ev)
{
	char *base = (char *)&ev->bpf;
	uint16_t have;

	if (!k->have)
		return;
	if (k->have == BOOL_FLAG) {
		base[k->have_off] = 1;
		return;
	}
	memcpy(&have, base + k->have_off, sizeof(have));
	have |= k->have;
	memcpy(base + k->have_off, &have, sizeof(have));
}

/* the credit pair local=/remote= sit as cid then port: keep the layout honest */
_Static_assert(offsetof(struct vd_bpf_credit, local_port) ==
		   offsetof(struct vd_bpf_credit, local_cid) + sizeof(uint32_t),
	       "local cid:port");
_Static_assert(offsetof(struct vd_bpf_credit, remote_port) ==
		   offsetof(struct vd_bpf_credit, remote_cid) + sizeof(uint32_t),
	       "remote cid:port");
_Static_assert(offsetof(struct vd_bpf_payload, src_port) ==
		   offsetof(struct vd_bpf_payload, src_cid) + sizeof(uint32_t),
	       "payload src cid:port");
_Static_assert(offsetof(struct vd_bpf_payload, dst_port) ==
		   offsetof(struct vd_bpf_payload, dst_cid) + sizeof(uint32_t),
	       "payload dst cid:port");
_Static_assert(VD_BPF_PAYLOAD_HEAD <= UINT8_MAX, "nhead is a byte");

#define MAX_KEYS 32

int vd_bpf_parse(const char *s, size_t n, struct vd_event *ev, const char **why)
{
	struct cur c = { s, s + n };
	const struct key *keys;
	const char *tok, *v;
	size_t tn, kn, vn, nkeys;
	uint32_t seen = 0;
	int kind;

	if (!vd_txt_next_tok(&c, &tok, &tn))
		return bad(why, "vsockdiag-bpf: no kind");
	for (kind = VD_BPF_KIND_MAX - 1; kind > VD_BPF_NONE; kind--)
		if (span_eq(tok, tn, kinds[kind].name, kinds[kind].len))
			break;
	if (kind == VD_BPF_NONE)
		return VD_BPF_LINE_IGNORED;
	keys = kinds[kind].keys;
	for (nkeys = 0; keys[nkeys].name; nkeys++)
		;
	memset(&ev->bpf, 0, sizeof(ev->bpf));
	ev->kind = VD_EV_BPF;
	ev->bpf.kind = (uint8_t)kind;
	if (kind == VD_BPF_CREDIT)
		ev->bpf.credit.state = 255;
	if (kind == VD_BPF_ALLOCFAIL || kind == VD_BPF_CREDIT) {
		/* the process the event is about, not the recorder that wrote the line */
		ev->pid = -1;
		ev->comm[0] = '\0';
	}
	while (vd_txt_next_tok(&c, &tok, &tn)) {
		size_t i;

		if (!vd_txt_split_kv(tok, tn, &kn, &v, &vn))
			return bad(why, kinds[kind].why);
		for (i = 0; i < nkeys; i++)
			if (span_eq(tok, kn, keys[i].name, strlen(keys[i].name)))
				break;
		if (i == nkeys)
			continue; /* a key a newer recorder added */
		if (seen & (1u << i) || parse_value(&keys[i], v, vn, ev))
			return bad(why, kinds[kind].why);
		seen |= 1u << i;
		mark_present(&keys[i], ev);
	}
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i].required && !(seen & (1u << i)))
			return bad(why, kinds[kind].why);
	/* a head longer than the payload it was copied from is no recorder's */
	if (kind == VD_BPF_PAYLOAD && ev->bpf.payload.nhead > ev->bpf.payload.len)
		return bad(why, kinds[kind].why);
	/* only lines of the occurrence kinds carry t= (tier and stack lines do not) */
	return VD_BPF_LINE_EVENT;
}

_Static_assert(ARRAY_SIZE(k_credit) <= MAX_KEYS, "seen is a 32-bit mask");

bool vd_bpf_why_is_bpf(const char *why)
{
	return why && !strncmp(why, VD_BPF_MARKER, sizeof(VD_BPF_MARKER) - 1);
}

/*
 * "vsockdiag-bpf KIND key=value ..." (doc/bpf-events.md): the BPF evidence
 * vsockdiag record writes into trace_marker.  ev's prefix fields are set.
 * VD_LINE_EVENT, VD_LINE_UNKNOWN (a kind this reader does not know),
 * -EINVAL with *why (ours, but damaged), or -ENOENT: not a BPF marker.
 */
int vd_txt_parse_bpf(struct cur *c, bool print, struct vd_event *ev, const char **why)
{
	const char *s;
	size_t n;
	int ret;

	if (print && (!vd_txt_next_tok(c, &s, &n) || !span_eq(s, n, LIT("tracing_mark_write:"))))
		return -ENOENT;
	if (!vd_txt_next_tok(c, &s, &n) || !span_eq(s, n, LIT(VD_BPF_MARKER)))
		return -ENOENT;
	ret = vd_bpf_parse(c->p, (size_t)(c->end - c->p), ev, why);
	if (ret < 0)
		return ret;
	return ret == VD_BPF_LINE_EVENT ? VD_LINE_EVENT : VD_LINE_UNKNOWN;
}
