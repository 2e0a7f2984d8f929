/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the ftrace text parser share, and nothing else includes:
 *   text_parse.c   the line: header and comment lines, lost-event markers,
 *                  trace-cmd's own lines, event names and dispatch;
 *   text_prefix.c  the "TASK-PID (TGID) [CPU] FLAGS TIMESTAMP:" prefix;
 *   text_fields.c  payload tokens, numbers, gfp_flags and symbolic values;
 *   text_events.c  the payloads of the events we use;
 *   bpf_line.c     the "vsockdiag-bpf" marker lines (its own header, shared with
 *                  the trace.dat source), bpf_stack.c their stack frames.
 * Spans are [s, s+n): lines are not NUL-terminated, and every scan stops at
 * the line's end.
 */
#ifndef VD_TEXT_INTERNAL_H
#define VD_TEXT_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/util.h"
#include "common/vd_event.h"

#define LIT(s) (s), (sizeof(s) - 1)

/*
 * Blanks: ' ', '\t', and U+00A0 in UTF-8 (C2 A0), because web pages and chat
 * tools turn runs of spaces into no-break spaces and users paste dumps from
 * there (the seed's dumps are full of them).  C2 is a lead byte, so the pair
 * can never be the tail of another character.
 */
static inline size_t space_fwd(const char *p, const char *end)
{
	unsigned char c;

	if (p >= end)
		return 0;
	c = (unsigned char)*p;
	if (c == ' ' || c == '\t')
		return 1;
	/* one test more for every other byte, not three */
	if (c == 0xc2 && end - p >= 2 && (unsigned char)p[1] == 0xa0)
		return 2;
	return 0;
}

static inline size_t space_bwd(const char *start, const char *p)
{
	unsigned char c;

	if (p <= start)
		return 0;
	c = (unsigned char)p[-1];
	if (c == ' ' || c == '\t')
		return 1;
	if (c == 0xa0 && p - start >= 2 && (unsigned char)p[-2] == 0xc2)
		return 2;
	return 0;
}

static inline const char *skip_space(const char *p, const char *end)
{
	size_t n;

	/* the column padding is plain spaces: eight at a time, a tight loop, then the rest */
	while (end - p >= 8 && !memcmp(p, "        ", 8))
		p += 8;
	while (p < end && *p == ' ')
		p++;
	while ((n = space_fwd(p, end)))
		p += n;
	return p;
}

static inline bool is_digit(char c)
{
	return (unsigned int)(unsigned char)c - '0' <= 9;
}

/*
 * The run of decimal digits at p: its end, and in *v its value when the run
 * has at most 19 digits (longer runs wrap: the caller checks the length).
 * Eight bytes at a time where the line has them (SWAR: digits found with
 * three masks, combined with three multiplies), so the numbers that make
 * most of a line cost a few instructions each rather than a few per digit.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline unsigned int swar_ndigits(uint64_t x)
{
	/* '0'-'9' are 0x30-0x39: high nibble 3, and still 3 after adding 6 */
	uint64_t t = (x & 0xf0f0f0f0f0f0f0f0ull) |
		     (((x + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) >> 4);
	uint64_t non = t ^ 0x3333333333333333ull;

	/* a carry out of a non-digit byte only disturbs the bytes after it */
	return non ? (unsigned int)__builtin_ctzll(non) / 8 : 8;
}

/* the value of the first n (1..8) digit bytes of x, the first byte the most significant */
static inline uint64_t swar_value(uint64_t x, unsigned int n)
{
	x = (x & 0x0f0f0f0f0f0f0f0full) << (8 * (8 - n));
	x = (x * 2561) >> 8;
	x = ((x & 0x00ff00ff00ff00ffull) * 6553601) >> 16;
	return ((x & 0x0000ffff0000ffffull) * 42949672960001ull) >> 32;
}
#endif

static inline const char *dec_run(const char *p, const char *end, uint64_t *v)
{
	uint64_t acc = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	static const uint64_t pow10[9] = { 1,	   10,	    100,      1000,	10000,
					   100000, 1000000, 10000000, 100000000 };

	while (end - p >= 8) {
		uint64_t x;
		unsigned int n;

		memcpy(&x, p, 8);
		n = swar_ndigits(x);
		if (n)
			acc = acc * pow10[n] + swar_value(x, n);
		p += n;
		if (n < 8) {
			*v = acc;
			return p;
		}
	}
#endif
	while (p < end && is_digit(*p))
		acc = acc * 10 + (unsigned int)(*p++ - '0');
	*v = acc;
	return p;
}

/* [0-9A-Za-z_]: event names, gfp names; one load per byte on their scans */
static const bool ident_chars[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, ['_'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,
	['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,
	['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,
	['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,
	['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,
	['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static inline bool is_ident(char c)
{
	return ident_chars[(unsigned char)c];
}

static inline bool span_eq(const char *s, size_t n, const char *lit, size_t litlen)
{
	return n == litlen && !memcmp(s, lit, litlen);
}

static inline bool span_starts(const char *s, size_t n, const char *lit, size_t litlen)
{
	return n >= litlen && !memcmp(s, lit, litlen);
}

static inline int bad(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -EINVAL;
}

/* copy into a fixed char array, truncating, always NUL-terminated */
static inline void copy_str(char *dst, size_t size, const char *s, size_t n)
{
	n = VD_MIN(n, size - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* ---- numbers: text_fields.c ------------------------------------------- */

int vd_txt_parse_dec(const char *s, size_t n, uint64_t *out);
int vd_txt_parse_u32(const char *s, size_t n, uint32_t *out);
int vd_txt_parse_i32(const char *s, size_t n, int32_t *out);
int vd_txt_parse_hex(const char *s, size_t n, uint64_t *out);
int vd_txt_parse_hex_or_dec(const char *s, size_t n, uint64_t *out);
int vd_txt_parse_ts(const char *s, size_t n, uint64_t *out);
bool vd_txt_is_null_ptr(const char *s, size_t n);
bool vd_txt_is_ptrval(const char *s, size_t n);

/* ---- the prefix: text_prefix.c ---------------------------------------- */

struct prefix {
	const char *comm;
	size_t comm_len;
	const char *pid; /* digits; pid_len 0: no TASK-PID column */
	size_t pid_len;
	const char *cpu; /* digits inside [ ]; cpu_len 0: no CPU column */
	size_t cpu_len;
	/* their values, read while walking back over them (1 to 10 digits: exact) */
	uint64_t pid_val;
	uint64_t cpu_val;
	const char *ts;
	size_t ts_len;
	const char *rest; /* just past the timestamp's ':' */
};

struct prefix_nums {
	uint64_t ts;
	int32_t cpu;
	int32_t pid;
};

/* the prefix of [line, end), if it has one: pf->rest is where the event name starts */
bool vd_txt_find_prefix(const char *line, const char *end, struct prefix *pf);
/* its timestamp, CPU and PID as numbers: NULL, or what is wrong (a static string) */
const char *vd_txt_prefix_numbers(const struct prefix *pf, struct prefix_nums *nums);

/* ---- payload tokens and values: text_fields.c ------------------------- */

/* the payload after the event name, consumed token by token */
struct cur {
	const char *p;
	const char *end;
};

bool vd_txt_next_tok(struct cur *c, const char **s, size_t *n);
bool vd_txt_split_kv(const char *s, size_t n, size_t *keylen, const char **val, size_t *vallen);
/* "key=" whose %p value was padded into the next token: *v, *vn become that token */
void vd_txt_ptr_value(struct cur *c, const char **v, size_t *vn);
int vd_txt_gfp_parse(const char *s, size_t n, uint32_t *gfp, uint64_t *raw);
int vd_txt_parse_sym16(const char *s, size_t n, int (*from_name)(const char *, size_t),
		       uint16_t *out);
int vd_txt_parse_bool(const char *s, size_t n, int8_t *out);

/* ---- event payloads: text_events.c ------------------------------------ */

/* 0, or -EINVAL with *why set; vd_txt_parse_mark: 0 for our marker, -1 for any other text */
int vd_txt_parse_pkt(struct cur *c, struct vd_pkt *pkt, bool recv, const char **why);
int vd_txt_parse_irq_entry(struct cur *c, struct vd_irq *irq, const char **why);
int vd_txt_parse_irq_exit(struct cur *c, struct vd_irq *irq, const char **why);
int vd_txt_parse_page_alloc(struct cur *c, struct vd_page_alloc *pg, const char **why);
int vd_txt_parse_kmalloc(struct cur *c, struct vd_kmalloc *km, const char **why);
int vd_txt_parse_mark(struct cur *c, bool print, struct vd_mark *mark);
/* VD_LINE_EVENT / VD_LINE_UNKNOWN, -EINVAL (*why), or -ENOENT: not a "vsockdiag-bpf" line */
int vd_txt_parse_bpf(struct cur *c, bool print, struct vd_event *ev, const char **why);

#endif /* VD_TEXT_INTERNAL_H */
