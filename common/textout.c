// SPDX-License-Identifier: GPL-2.0
/*
 * Wrapping and colouring the text reports (common/textout.h).
 *
 * A line is laid out greedily, one output line at a time: walk the units (one byte, or a
 * whole escape sequence) until the next one would pass the width, then break at the last
 * space seen (a column gap, in a table row), or cut the word there when no space can help.
 * Widths are display columns: UTF-8 continuation bytes and escapes take none, so a cut never
 * falls inside a character. Colour is a per-byte class decided on the whole line first, so
 * the layout never sees it and the same breaks come out with and without colour.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "common/textout.h"

#define LABEL_MAX_COL  24 /* a "label: " ending further right is prose, not a label */
#define MIN_ROOM       20 /* a hanging indent leaving less falls back to lead + 2 ... */
#define MIN_ROOM_SHORT 10 /* ... and one leaving less than this to no indent at all */
#define MIN_PIECE      10 /* free columns worth starting an over-long word on (paths, hex) */

enum { C_NONE, C_BRED, C_BGREEN, C_BYELLOW, C_RED, C_YELLOW, C_CYAN, C_BOLD };
static const char *const sgr[] = {
	[C_BRED] = "\033[1;31m", [C_BGREEN] = "\033[1;32m", [C_BYELLOW] = "\033[1;33m",
	[C_RED] = "\033[31m",	 [C_YELLOW] = "\033[33m",   [C_CYAN] = "\033[36m",
	[C_BOLD] = "\033[1m",
};
#define SGR_RESET "\033[0m"

void vd_textbuf_free(struct vd_textbuf *b)
{
	free(b->s);
	*b = (struct vd_textbuf){ 0 };
}

static int buf_put(struct vd_textbuf *b, const char *p, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 256;
		char *s;

		while (cap - b->len < n)
			cap *= 2;
		s = realloc(b->s, cap);
		if (!s)
			return -ENOMEM;
		b->s = s;
		b->cap = cap;
	}
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	return 0;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* bytes of the unit at s[i]: a CSI escape sequence (ESC [ params final) or one byte */
static size_t unit_len(const char *s, size_t i, size_t n)
{
	size_t j = i + 1;

	if (s[i] != '\033')
		return 1;
	if (j < n && s[j] == '[') {
		for (j++; j < n && s[j] >= 0x20 && s[j] <= 0x3f; j++)
			;
		if (j < n && s[j] >= 0x40 && s[j] <= 0x7e)
			j++;
	}
	return j - i;
}

/* columns the unit at s[i] takes when it starts at column col */
static int unit_cols(const char *s, size_t i, int col)
{
	unsigned char c = (unsigned char)s[i];

	if (c == '\t')
		return 8 - col % 8;
	if (c == '\033' || (c & 0xc0) == 0x80)
		return 0;
	return 1;
}

/* the column after s[from, to) laid out from column col */
static int cols_to(const char *s, size_t from, size_t to, int col)
{
	while (from < to) {
		col += unit_cols(s, from, col);
		from += unit_len(s, from, to);
	}
	return col;
}

static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && is_ws(s[i]))
		i++;
	return i;
}

struct shape {
	size_t lead_len; /* bytes of leading whitespace */
	int lead, hang;	 /* their columns; continuation lines' indent */
	bool table;	 /* 3+ fields apart by runs of 2+ spaces: break at those gaps first */
};

/* how the line's continuations hang, so a wrapped item reads as a paragraph under its label */
static void line_shape(const char *s, size_t n, int width, struct shape *sh)
{
	size_t lb = skip_ws(s, 0, n), i, label = 0;
	int fields = 1;

	sh->lead_len = lb;
	sh->lead = cols_to(s, 0, lb, 0);
	sh->hang = -1;
	/* "  1. [error] ...": under the text after "N. " */
	for (i = lb; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i > lb && i + 1 < n && s[i] == '.' && s[i + 1] == ' ')
		sh->hang = cols_to(s, 0, skip_ws(s, i + 1, n), 0);
	/*
	 * "   evidence: ...", "  window     38.268 ..": under the text after a short label (up
	 * to the first ": " or column gap); table rows have no label, their gaps part columns.
	 */
	for (i = lb + 1; i + 1 < n; i++) {
		bool gap = is_ws(s[i]) && is_ws(s[i + 1]) && !is_ws(s[i - 1]);

		fields += gap;
		if (!label && (gap || (s[i] == ':' && s[i + 1] == ' ')))
			label = gap ? i : i + 1;
	}
	sh->table = fields >= 3;
	if (sh->hang < 0 && !sh->table && label && cols_to(s, 0, label, 0) <= LABEL_MAX_COL)
		sh->hang = cols_to(s, 0, skip_ws(s, label, n), 0);
	/*
	 * prose continues 2 columns in (the reports' own sub-items sit at lead + 4, e.g. a
	 * connection's directions in report); a table row 4, clear of its next row
	 */
	if (sh->hang < 0)
		sh->hang = sh->lead + (sh->table ? 4 : 2);
	if (width - sh->hang < MIN_ROOM)
		sh->hang = sh->lead + 2;
	if (width - sh->hang < MIN_ROOM_SHORT)
		sh->hang = 0;
}

static bool has_at(const char *s, size_t n, size_t i, const char *p)
{
	size_t l = strlen(p);

	return n - i >= l && !memcmp(s + i, p, l);
}

static void paint(unsigned char *cls, size_t from, size_t to, unsigned char c)
{
	memset(cls + from, c, to - from);
}

/* the colour class of every byte: the verdict, the severity tokens, two labels */
static void paint_line(const char *s, size_t n, unsigned char *cls)
{
	static const struct {
		const char *tok;
		unsigned char c;
	} toks[] = { { "[error]", C_RED },
		     { "[warning]", C_YELLOW },
		     { "[info]", C_CYAN },
		     { "[note]", C_CYAN } };
	size_t lb = skip_ws(s, 0, n), i, e, k;

	if (has_at(s, n, lb, "verdict: ")) {
		/* "PROBLEMS FOUND: ..." (correlate), "problems (what one ..." (report) */
		i = lb + strlen("verdict: ");
		for (e = i; e < n && s[e] != ':' && s[e] != '('; e++)
			;
		while (e > i && is_ws(s[e - 1]))
			e--;
		if (n - i >= 8 && !strncasecmp(s + i, "PROBLEMS", 8))
			paint(cls, i, e, C_BRED);
		else if (n - i >= 7 && !strncasecmp(s + i, "HEALTHY", 7))
			paint(cls, i, e, C_BGREEN);
		else
			paint(cls, i, e, C_BYELLOW);
	}
	if (has_at(s, n, lb, "cause:"))
		paint(cls, lb, lb + strlen("cause:"), C_BOLD);
	if (has_at(s, n, lb, "next step:"))
		paint(cls, lb, lb + strlen("next step:"), C_BOLD);
	for (i = 0; i < n; i++) {
		if (s[i] != '[' || (i && !is_ws(s[i - 1])))
			continue;
		for (k = 0; k < sizeof(toks) / sizeof(toks[0]); k++) {
			e = i + strlen(toks[k].tok);
			if (has_at(s, n, i, toks[k].tok) && (e == n || is_ws(s[e])))
				paint(cls, i, e, toks[k].c);
		}
	}
}

struct writer {
	struct vd_textbuf *out;
	const char *s;
	const unsigned char *cls; /* NULL: no colour */
	int err;
};

static void put(struct writer *w, const char *p, size_t n)
{
	if (!w->err)
		w->err = buf_put(w->out, p, n);
}

/* s[from, to) with its colour, every span closed before the line ends and reopened after */
static void emit(struct writer *w, size_t from, size_t to)
{
	while (from < to) {
		unsigned char c = w->cls ? w->cls[from] : C_NONE;
		size_t e = from + 1;

		while (e < to && (w->cls ? w->cls[e] : C_NONE) == c)
			e++;
		if (c)
			put(w, sgr[c], strlen(sgr[c]));
		put(w, w->s + from, e - from);
		if (c)
			put(w, SGR_RESET, strlen(SGR_RESET));
		from = e;
	}
}

/*
 * Whether a break at the space run between words [w0, w1) and [w2, ...) reads badly: before
 * a word of one or two columns ("s" in "2.000 s", "1]", ">="), or after an operator of one
 * or two columns ("..", "->", "|", ">"). The break is then taken elsewhere if it can be.
 */
static bool glued(const char *s, size_t n, size_t w0, size_t w1, size_t w2)
{
	size_t i;
	int c = 0;

	for (i = w2; i < n && !is_ws(s[i]) && c <= 2; i += unit_len(s, i, n))
		c += unit_cols(s, i, c);
	if (c <= 2)
		return true;
	if (cols_to(s, w0, w1, 0) > 2)
		return false;
	for (i = w0; i < w1; i++)
		if (isalnum((unsigned char)s[i]))
			return false;
	return true;
}

/* where the output line starting at p (at column col) ends: the index of the first byte left */
static size_t line_end(const char *s, size_t n, size_t p, int col, int width,
		       const struct shape *sh)
{
	/* the last space after text, the last not before a short word, the last column gap */
	size_t i, brk = p, good = p, gap = p, word = p, we;
	int word_col = col;
	bool text = false;

	for (i = p; i < n; i += unit_len(s, i, n)) {
		int uc = unit_cols(s, i, col);

		if (is_ws(s[i]) && text && !is_ws(s[i - 1])) {
			brk = i;
			if (!glued(s, n, skip_ws(s, word, i), i, skip_ws(s, i, n)))
				good = i;
			if (i + 1 < n && is_ws(s[i + 1]))
				gap = i;
		}
		if (col + uc > width)
			break;
		col += uc;
		if (is_ws(s[i])) {
			word = i + 1;
			word_col = col;
		} else {
			text = true;
		}
	}
	if (i >= n)
		return n;
	if (sh->table && gap > p)
		brk = gap;
	else if (good > p)
		brk = good;
	/*
	 * Inside a word: a word longer than a whole continuation line (a path, hex) is cut
	 * anyway, so it fills this line when a useful piece fits, rather than leave a lonely
	 * label behind; any other word moves to the next line whole.
	 */
	for (we = i; we < n && !is_ws(s[we]);)
		we++;
	if (brk > p && (is_ws(s[i]) || width - word_col < MIN_PIECE ||
			cols_to(s, word, we, 0) <= width - sh->hang))
		return brk;
	return i > p ? i : p + unit_len(s, p, n); /* the cut; always progresses */
}

int vd_textout_line(struct vd_textbuf *out, const char *s, size_t n,
		    const struct vd_textout_opts *o)
{
	struct writer w = { .out = out, .s = s };
	unsigned char *cls = NULL;
	struct shape sh;
	size_t p = 0;
	bool first = true;

	if (!n)
		return 0;
	if (o->color) {
		cls = calloc(n, 1);
		if (!cls)
			return -ENOMEM;
		paint_line(s, n, cls);
		w.cls = cls;
	}
	if (o->width <= 0) {
		emit(&w, 0, n);
		goto out;
	}
	while (n && is_ws(s[n - 1]))
		n--;
	line_shape(s, n, o->width, &sh);
	/* an indent as wide as the line leaves no room for the text: drop it */
	if (sh.lead >= o->width)
		p = sh.lead_len;
	while (p < n) {
		int col = first ? 0 : sh.hang;
		size_t e;

		if (!first) {
			put(&w, "\n", 1);
			for (int k = 0; k < col; k++)
				put(&w, " ", 1);
		}
		e = line_end(s, n, p, col, o->width, &sh);
		emit(&w, p, e);
		p = skip_ws(s, e, n);
		first = false;
	}
out:
	free(cls);
	return w.err;
}

/* ---- the FILE: whole lines from the caller's stdio calls into vd_textout_line() ---------- */

struct textout {
	FILE *dst;
	struct vd_textout_opts o;
	struct vd_textbuf line, out; /* the line being built; its wrapped form */
	bool failed;		     /* a write to dst (or memory) failed: fclose() says EOF */
};

/* the line collected so far to dst, nl: it ended with '\n' */
static int flush_line(struct textout *t, bool nl)
{
	int err;

	t->out.len = 0;
	err = vd_textout_line(&t->out, t->line.s, t->line.len, &t->o);
	if (!err && nl)
		err = buf_put(&t->out, "\n", 1);
	t->line.len = 0;
	if (err) {
		errno = -err;
		t->failed = true;
		return -1;
	}
	if (t->out.len && fwrite(t->out.s, 1, t->out.len, t->dst) != t->out.len) {
		t->failed = true;
		return -1;
	}
	return 0;
}

static ssize_t to_write(void *cookie, const char *buf, size_t size)
{
	struct textout *t = cookie;
	size_t done = 0;

	while (done < size) {
		const char *nl = memchr(buf + done, '\n', size - done);
		size_t k = nl ? (size_t)(nl - (buf + done)) : size - done;

		if (buf_put(&t->line, buf + done, k)) {
			errno = ENOMEM;
			t->failed = true;
			return -1;
		}
		done += k;
		if (nl) {
			done++;
			if (flush_line(t, true))
				return -1;
		}
	}
	return (ssize_t)size;
}

static int to_close(void *cookie)
{
	struct textout *t = cookie;
	int ret = 0;

	if (t->line.len && flush_line(t, false))
		ret = -1;
	/* dst buffers too: its error may only show now */
	if (fflush(t->dst) || ferror(t->dst) || t->failed)
		ret = -1;
	vd_textbuf_free(&t->line);
	vd_textbuf_free(&t->out);
	free(t);
	return ret;
}

FILE *vd_textout_open(FILE *dst, const struct vd_textout_opts *o)
{
	static const cookie_io_functions_t io = { .write = to_write, .close = to_close };
	struct textout *t = calloc(1, sizeof(*t));
	FILE *f;

	if (!t)
		return NULL;
	t->dst = dst;
	t->o = *o;
	f = fopencookie(t, "w", io);
	if (!f)
		free(t);
	return f;
}
