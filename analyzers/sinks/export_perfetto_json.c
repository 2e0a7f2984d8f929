// SPDX-License-Identifier: GPL-2.0
/*
 * The Perfetto export's JSON writer: containers, escaped strings, and times
 * as microseconds with three decimals (export_perfetto.h says why not
 * common/json.h).
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "analyzers/sinks/export_perfetto.h"

void pf_init(struct pf_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

/* length of the valid UTF-8 sequence at p (at most n bytes), or 0 */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	if (n < len)
		return 0;
	cp = p[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF are not text */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* comm names, labels and interrupt names come from the recordings: hostile */
static void put_string(FILE *f, const char *s, bool plain)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	fputc('"', f);
	while (n) {
		size_t u;

		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p, f);
		} else if (*p >= 0x20 && *p < 0x7f) {
			fputc(*p, f);
		} else if (*p < 0x20 || *p == 0x7f) {
			if (plain)
				fputc('?', f);
			else
				fprintf(f, "\\u%04x", *p);
		} else if ((u = utf8_len(p, n))) {
			fwrite(p, 1, u, f);
			p += u;
			n -= u;
			continue;
		} else {
			/* a stray byte: U+FFFD, as UTF-8 (no escape: see plain) */
			fputs("\xef\xbf\xbd", f);
		}
		p++;
		n--;
	}
	fputc('"', f);
}

static void member(struct pf_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		put_string(j->f, key, true);
		fputc(':', j->f);
	}
}

static void open_container(struct pf_json *j, const char *key, char c)
{
	member(j, key);
	/* one event a line: a reader (or grep) can follow the file */
	if (j->depth == 1 || j->depth == 2)
		fputc('\n', j->f);
	if (j->depth == 2)
		j->events++;
	fputc(c, j->f);
	if (j->depth + 1 < PF_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_container(struct pf_json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	if (j->depth <= 1)
		fputc('\n', j->f);
	fputc(c, j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

void pf_obj(struct pf_json *j, const char *key)
{
	open_container(j, key, '{');
}

void pf_arr(struct pf_json *j, const char *key)
{
	open_container(j, key, '[');
}

void pf_obj_end(struct pf_json *j)
{
	close_container(j, '}');
}

void pf_arr_end(struct pf_json *j)
{
	close_container(j, ']');
}

void pf_str(struct pf_json *j, const char *key, const char *v)
{
	member(j, key);
	if (v)
		put_string(j->f, v, false);
	else
		fputs("null", j->f);
}

void pf_plain(struct pf_json *j, const char *key, const char *v)
{
	member(j, key);
	put_string(j->f, v, true);
}

void pf_int(struct pf_json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void pf_uint(struct pf_json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void pf_bool(struct pf_json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void pf_double(struct pf_json *j, const char *key, double v)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.9g", v);
	else
		fputs("null", j->f); /* JSON has no NaN or infinity */
}

void pf_us(struct pf_json *j, const char *key, int64_t ns)
{
	/* magnitude as unsigned: INT64_MIN has no positive twin */
	uint64_t m = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	member(j, key);
	fprintf(j->f, "%s%" PRIu64 ".%03u", ns < 0 ? "-" : "", m / 1000, (unsigned int)(m % 1000));
}

void pf_event(struct pf_json *j, char ph, int64_t ts_ns, uint32_t pid, uint64_t tid)
{
	char s[2] = { ph, '\0' };

	pf_obj(j, NULL);
	pf_plain(j, "ph", s);
	if (ts_ns != INT64_MIN)
		pf_us(j, "ts", ts_ns);
	pf_uint(j, "pid", pid);
	if (tid)
		pf_uint(j, "tid", tid);
}
