// SPDX-License-Identifier: GPL-2.0
/* The kernel's GFP bits from a tracefs print format (see gfp_bits.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfp_bits.h"

/*
 * One __print_flags entry's value: "( gfp_t)0x2000u" or "( gfp_t)((((1UL))) << (13))".
 * A value made of several flags ("|") is a composite like GFP_KERNEL: not a bit.
 */
static bool entry_value(const char *s, size_t n, uint64_t *out)
{
	const char *shl = NULL, *hex = NULL;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '|' || s[i] == '&' || s[i] == '~')
			return false;
		if (i + 1 < n && s[i] == '<' && s[i + 1] == '<' && !shl)
			shl = s + i + 2;
		if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') && !hex)
			hex = s + i;
	}
	if (shl) {
		unsigned long v;

		while (shl < s + n && (*shl == ' ' || *shl == '('))
			shl++;
		if (shl >= s + n)
			return false;
		v = strtoul(shl, NULL, 0);
		if (v >= 64)
			return false;
		*out = 1ull << v;
		return true;
	}
	if (hex) {
		*out = strtoull(hex, NULL, 16);
		return *out != 0 && !(*out & (*out - 1));
	}
	return false;
}

size_t vd_gfp_bits_parse(const char *format, struct vd_gfp_bits *b)
{
	const char *p = format;

	memset(b, 0, sizeof(*b));
	while (p && (p = strstr(p, "\"__GFP_")) != NULL) {
		const char *name = p + 1, *q = strchr(name, '"'), *open;
		uint64_t v;

		if (!q)
			break;
		/* the entry opens at the last '{' before the name */
		for (open = p; open > format && *open != '{'; open--)
			;
		if (*open == '{' && q - name < (ptrdiff_t)sizeof(b->bit[0].name) &&
		    b->n < VD_GFP_BITS_MAX && entry_value(open + 1, (size_t)(p - open - 1), &v)) {
			memcpy(b->bit[b->n].name, name, (size_t)(q - name));
			b->bit[b->n].name[q - name] = '\0';
			b->bit[b->n].mask = v;
			b->n++;
		}
		p = q + 1;
	}
	return b->n;
}

static uint64_t mask_of(const struct vd_gfp_bits *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->bit[i].name, name))
			return b->bit[i].mask;
	return 0;
}

char *vd_gfp_bits_format(const struct vd_gfp_bits *b, uint64_t gfp, char *buf, size_t len)
{
	size_t off = 0;
	uint64_t rest = gfp;

	if (!b->n || !gfp) {
		snprintf(buf, len, "0x%" PRIx64, gfp);
		return buf;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < b->n; i++) {
		int w;

		/* aliases (__GFP_DMA and GFP_DMA share a bit): each bit once */
		if (!(rest & b->bit[i].mask))
			continue;
		rest &= ~b->bit[i].mask;
		w = snprintf(buf + off, len - off, "%s%s", off ? "|" : "", b->bit[i].name);
		if (w < 0 || (size_t)w >= len - off)
			break;
		off += (size_t)w;
	}
	if (rest && off < len)
		snprintf(buf + off, len - off, "%s0x%" PRIx64, off ? "|" : "", rest);
	return buf;
}

bool vd_gfp_bits_opportunistic(const struct vd_gfp_bits *b, uint64_t gfp)
{
	uint64_t nowarn = mask_of(b, "__GFP_NOWARN"), noretry = mask_of(b, "__GFP_NORETRY");

	return nowarn && noretry && (gfp & nowarn) && (gfp & noretry);
}
