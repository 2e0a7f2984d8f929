// SPDX-License-Identifier: GPL-2.0
/*
 * The pieces of an event's payload: tokens, numbers, gfp_flags and
 * symbolic values, each parsed from a span of the line, never past it.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/util.h"
#include "analyzers/sources/text_internal.h"
#include "analyzers/sources/text_parse.h"

/* ---- numbers ---------------------------------------------------------- */

/*
 * Strict decimal, exactly as vd_parse_u64(s, n, 10, out) accepts, but
 * without its division per digit: numbers are most of every line, and this
 * one function was half of correlate's parse time.
 */
int vd_txt_parse_dec(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	/* 19 digits stay below 10^19 < UINT64_MAX: no overflow test per digit */
	if (n <= 19) {
		if (dec_run(s, s + n, &v) != s + n)
			return -EINVAL;
		*out = v;
		return 0;
	}
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

int vd_txt_parse_u32(const char *s, size_t n, uint32_t *out)
{
	uint64_t v;

	if (vd_txt_parse_dec(s, n, &v) || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int vd_txt_parse_i32(const char *s, size_t n, int32_t *out)
{
	bool neg = n > 0 && s[0] == '-';
	uint64_t v;

	if (vd_txt_parse_dec(s + neg, n - neg, &v) || v > (uint64_t)INT32_MAX + neg)
		return -EINVAL;
	*out = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
	return 0;
}

/*
 * Hex with an optional 0x, exactly as vd_parse_u64(s, n, 16, out) accepts,
 * without its division per digit: sixteen digits cannot overflow, more
 * (leading zeros) go to vd_parse_u64 itself.  Pointers, pfns and call sites
 * are hex on most allocation lines.
 */
int vd_txt_parse_hex(const char *s, size_t n, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	if (i >= n)
		return -EINVAL;
	if (n - i > 16)
		return vd_parse_u64(s, n, 16, out);
	for (; i < n; i++) {
		unsigned int d = (unsigned int)(unsigned char)s[i] - '0';
		/* | 0x20 folds 'A'-'F' onto 'a'-'f' and nothing else into that range */
		unsigned int x = ((unsigned int)(unsigned char)s[i] | 0x20) - 'a';

		if (d <= 9)
			v = v * 16 + d;
		else if (x <= 5)
			v = v * 16 + x + 10;
		else
			return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "%#x" prints 0x-prefixed hex, except that user-space printf (trace-cmd) prints zero as "0" */
int vd_txt_parse_hex_or_dec(const char *s, size_t n, uint64_t *out)
{
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return vd_txt_parse_hex(s, n, out);
	return vd_txt_parse_dec(s, n, out);
}

/* the timestamp's rules, the same as vd_parse_sec_ns()'s */
static int parse_ts_slow(const char *s, size_t n, uint64_t *out)
{
	const char *dot = memchr(s, '.', n);
	size_t ilen = dot ? (size_t)(dot - s) : n, flen = dot ? n - ilen - 1 : 0;
	uint64_t sec, frac = 0;

	if (vd_txt_parse_dec(s, ilen, &sec))
		return -EINVAL;
	if (!dot) {
		*out = sec;
		return 0;
	}
	if (flen == 0 || flen > 9 || vd_txt_parse_dec(dot + 1, flen, &frac))
		return -EINVAL;
	for (size_t i = flen; i < 9; i++)
		frac *= 10;
	if (sec > (UINT64_MAX - frac) / NSEC_PER_SEC)
		return -ERANGE;
	*out = sec * NSEC_PER_SEC + frac;
	return 0;
}

/*
 * "%5lu.%06lu", nine decimals with ns clocks, or a bare counter (x86-tsc,
 * counter clocks) taken as-is: the seconds and the fraction each read in
 * one run, no memchr for the dot.  Whatever is not plainly that (no digits,
 * too many, another character) goes to parse_ts_slow(), which decides.
 */
int vd_txt_parse_ts(const char *s, size_t n, uint64_t *out)
{
	static const uint64_t scale[10] = { 1000000000, 100000000, 10000000, 1000000, 100000,
					    10000,	1000,	   100,	     10,      1 };
	const char *end = s + n, *e, *f;
	uint64_t sec, frac;

	e = dec_run(s, end, &sec);
	if (e == s || e - s > 19)
		return parse_ts_slow(s, n, out);
	if (e == end) {
		*out = sec;
		return 0;
	}
	if (*e != '.')
		return parse_ts_slow(s, n, out);
	f = dec_run(e + 1, end, &frac);
	if (f != end || f - (e + 1) > 9 || f == e + 1)
		return parse_ts_slow(s, n, out);
	frac *= scale[f - (e + 1)];
	if (sec > (UINT64_MAX - frac) / NSEC_PER_SEC)
		return -ERANGE;
	*out = sec * NSEC_PER_SEC + frac;
	return 0;
}

/*
 * %p of NULL: "(null)" until 5.2 (lib/vsprintf.c pointer(), padded to the
 * pointer's width), a hash from 5.2 until "vsprintf: don't obfuscate NULL
 * and error pointers" (5.8), zeros since; "0x0" or "(nil)" from user-space
 * printf (trace-cmd).
 */
bool vd_txt_is_null_ptr(const char *s, size_t n)
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

/* %p before its hashing is keyed (early boot, 4.15+): some pointer, we cannot know which */
bool vd_txt_is_ptrval(const char *s, size_t n)
{
	return span_eq(s, n, LIT("(____ptrval____)")) || span_eq(s, n, LIT("(ptrval)"));
}

/*
 * Before 5.2, %p printed NULL as "(null)" right-aligned in the pointer's
 * width, so "page=%p" reads "page=          (null)" (64-bit) and "ptr=%p"
 * "ptr=  (null)" (32-bit): the key's value is empty and the word is the
 * next token.  Take it as the value when it is one of %p's words.
 */
void vd_txt_ptr_value(struct cur *c, const char **v, size_t *vn)
{
	struct cur peek = *c;
	const char *s;
	size_t n;

	if (*vn || !vd_txt_next_tok(&peek, &s, &n))
		return;
	if (!span_eq(s, n, LIT("(null)")) && !span_eq(s, n, LIT("(nil)")) &&
	    !vd_txt_is_ptrval(s, n))
		return;
	*c = peek;
	*v = s;
	*vn = n;
}

/* ---- payload tokens --------------------------------------------------- */

bool vd_txt_next_tok(struct cur *c, const char **s, size_t *n)
{
	c->p = skip_space(c->p, c->end);
	if (c->p == c->end)
		return false;
	*s = c->p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/*
	 * Eight bytes at a time: the first one below '!' or a C2 (a blank's
	 * first byte) is found with two masks (exact for the lowest flagged
	 * byte, which is all that is used); a blank there ends the token,
	 * anything else (a control byte, a C2 of another character) is part of it.
	 */
	while (c->end - c->p >= 8) {
		uint64_t x, low, c2;

		memcpy(&x, c->p, 8);
		low = (x - 0x2121212121212121ull) & ~x & 0x8080808080808080ull;
		c2 = x ^ 0xc2c2c2c2c2c2c2c2ull;
		c2 = (c2 - 0x0101010101010101ull) & ~c2 & 0x8080808080808080ull;
		if (!(low | c2)) {
			c->p += 8;
			continue;
		}
		c->p += (unsigned int)__builtin_ctzll(low | c2) / 8;
		if (space_fwd(c->p, c->end)) {
			*n = (size_t)(c->p - *s);
			return true;
		}
		c->p++;
	}
#endif
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
bool vd_txt_split_kv(const char *s, size_t n, size_t *keylen, const char **val, size_t *vallen)
{
	const char *eq = memchr(s, '=', n);

	if (!eq)
		return false;
	*keylen = (size_t)(eq - s);
	*val = eq + 1;
	*vallen = n - *keylen - 1;
	return true;
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

/* one name, already known to be a run of identifier characters */
static int gfp_name_bits(const char *s, size_t n, uint32_t *bits)
{
	if (n == 0)
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
		const char *e = s;

		/* one pass: a name is identifier characters up to '|' or the end */
		while (e < end && is_ident(*e))
			e++;
		if (e < end && *e != '|')
			return -EINVAL;
		if (gfp_name_bits(s, (size_t)(e - s), bits))
			return -EINVAL;
		if (e == end)
			return 0;
		s = e + 1;
	}
}

/* symbolic, "0x400dc0(GFP_KERNEL_ACCOUNT|__GFP_ZERO)", a bare number, or "none" */
int vd_txt_gfp_parse(const char *s, size_t n, uint32_t *gfp, uint64_t *raw)
{
	const char *paren;

	*gfp = 0;
	*raw = 0;
	if (span_eq(s, n, LIT("none")))
		return 0;
	if (n == 0 || !is_digit(*s))
		return gfp_names_parse(s, n, gfp);
	paren = memchr(s, '(', n);
	if (vd_txt_parse_hex_or_dec(s, paren ? (size_t)(paren - s) : n, raw))
		return -EINVAL;
	if (!paren) {
		*gfp = VD_GFP_RAW;
		return 0;
	}
	if (s[n - 1] != ')')
		return -EINVAL;
	return gfp_names_parse(paren + 1, (size_t)(s + n - 1 - paren - 1), gfp);
}

/* ---- symbolic values, booleans ---------------------------------------- */

/* __print_symbolic() names, or a number: downstream "%u" fmts, and "0x%lx" for unnamed values */
int vd_txt_parse_sym16(const char *s, size_t n, int (*from_name)(const char *, size_t),
		       uint16_t *out)
{
	int v = from_name(s, n);
	uint64_t num;

	if (v >= 0) {
		*out = (uint16_t)v;
		return 0;
	}
	if (vd_txt_parse_hex_or_dec(s, n, &num) || num > UINT16_MAX)
		return -EINVAL;
	*out = (uint16_t)num;
	return 0;
}

int vd_txt_parse_bool(const char *s, size_t n, int8_t *out)
{
	if (span_eq(s, n, LIT("true")) || span_eq(s, n, LIT("1")))
		*out = 1;
	else if (span_eq(s, n, LIT("false")) || span_eq(s, n, LIT("0")))
		*out = 0;
	else
		return -EINVAL;
	return 0;
}
