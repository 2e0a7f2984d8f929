// SPDX-License-Identifier: GPL-2.0
/*
 * The report wrapper (common/textout.h): the breaks a reader sees on the real report's lines,
 * the promises that hold for any input (no line past the width, no text lost or changed,
 * colour never moving a break), and the FILE's errors reaching fclose().
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/textout.h"
#include "vtest.h"

#define ESC "\033["

/* the wrapped form of line, NUL-terminated (caller frees); NULL on failure */
static char *wrap(const char *line, int width, bool color)
{
	struct vd_textbuf b = { 0 };
	struct vd_textout_opts o = { .width = width, .color = color };
	char *r = NULL;

	if (!vd_textout_line(&b, line, strlen(line), &o))
		r = strndup(b.s ? b.s : "", b.len);
	vd_textbuf_free(&b);
	return r;
}

static bool wrap_is(const char *line, int width, bool color, const char *want)
{
	char *got = wrap(line, width, color);
	bool ok = got && !strcmp(got, want);

	if (!ok)
		fprintf(stderr, "  width %d:\n---- got\n%s\n---- want\n%s\n----\n", width,
			got ? got : "(null)", want);
	free(got);
	return ok;
}

/* s without its SGR escapes, in place */
static char *strip_sgr(char *s)
{
	char *d = s, *p = s;

	while (*p) {
		if (p[0] == '\033' && p[1] == '[') {
			p += 2;
			while (*p && *p != 'm')
				p++;
			if (*p)
				p++;
			continue;
		}
		*d++ = *p++;
	}
	*d = 0;
	return s;
}

/* display columns of one output line (escapes none, UTF-8 continuation bytes none, tabs to 8) */
static int line_cols(const char *s, size_t n)
{
	int col = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\033') {
			while (i < n && s[i] != 'm')
				i++;
		} else if (s[i] == '\t') {
			col = (col / 8 + 1) * 8;
		} else if (((unsigned char)s[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	return col;
}

VT_TEST(textout_evidence_line_hangs_under_its_label)
{
	VT_ASSERT(wrap_is("   evidence: packets linux sent from 460833.590881 (android clock) "
			  "arrived up to 2.000042 s late; the stall ended at 460835.591101 "
			  "(android clock)",
			  80, false,
			  "   evidence: packets linux sent from 460833.590881 (android clock) "
			  "arrived up to\n"
			  "             2.000042 s late; the stall ended at 460835.591101 "
			  "(android clock)"));
	/* a label ending past column 24 is prose: lead + 2 */
	VT_ASSERT(wrap_is("  A = linux (examples/simulated/dead-link/linux.txt): 2642 events, "
			  "18165.549889 .. 18185.311620 (19.762 s)",
			  80, false,
			  "  A = linux (examples/simulated/dead-link/linux.txt): 2642 events,\n"
			  "    18165.549889 .. 18185.311620 (19.762 s)"));
	/* "key   value" (report's header block): under the value */
	VT_ASSERT(wrap_is("  bpf        none: RX rings, kicks, vhost waits, allocation stacks and "
			  "socket credit unknown (vsockdiag record adds them)",
			  80, false,
			  "  bpf        none: RX rings, kicks, vhost waits, allocation stacks and "
			  "socket\n"
			  "             credit unknown (vsockdiag record adds them)"));
}

VT_TEST(textout_list_item_hangs_after_its_number)
{
	VT_ASSERT(wrap_is("  1. [error] delivery_stall: linux -> android deliveries stalled for "
			  "2.000 s (worst latency 2.000 s, 70 packets late) [incident 2]",
			  80, false,
			  "  1. [error] delivery_stall: linux -> android deliveries stalled for "
			  "2.000 s\n"
			  "     (worst latency 2.000 s, 70 packets late) [incident 2]"));
	/* no line starts with a lone unit or operator: "..", "s" stay with their neighbours */
	VT_ASSERT(wrap_is("       when: linux 18170.312120 .. 18172.312340 | android 460833.590881 "
			  ".. 460835.591101",
			  80, false,
			  "       when: linux 18170.312120 .. 18172.312340 | android\n"
			  "             460833.590881 .. 460835.591101"));
}

VT_TEST(textout_table_row_breaks_at_a_column_gap)
{
	VT_ASSERT(
	    wrap_is("    id  A end (cid:port)         B end (cid:port)         opened by state"
		    "          A->B sent/lost     B->A sent/lost",
		    60, false,
		    "    id  A end (cid:port)         B end (cid:port)\n"
		    "        opened by state          A->B sent/lost\n"
		    "        B->A sent/lost"));
	VT_ASSERT(
	    wrap_is("     1  2:5555 adb               3:1772408031             android   open"
		    "                    822/0            866/287",
		    80, false,
		    "     1  2:5555 adb               3:1772408031             android   open\n"
		    "         822/0            866/287"));
}

VT_TEST(textout_long_path_is_cut_at_the_width)
{
	char line[512], want[512], path[201];
	size_t i;

	for (i = 0; i < 200; i++)
		path[i] = i % 10 == 0 ? '/' : (char)('a' + i % 26);
	path[200] = 0;
	/* too long for any line: it fills the label's line, then whole continuation lines */
	snprintf(line, sizeof(line), "   evidence: %s", path);
	snprintf(want, sizeof(want), "   evidence: %.67s\n%13s%.67s\n%13s%s", path, "", path + 67,
		 "", path + 134);
	VT_ASSERT(wrap_is(line, 80, false, want));
	/* with less than 10 columns left on the line, it starts on the next one */
	snprintf(line, sizeof(line), "   evidence: the file at the end of this line is %s", path);
	snprintf(want, sizeof(want),
		 "   evidence: the file at the end of this line is %.31s\n%13s%.67s\n%13s%.67s\n"
		 "%13s%s",
		 path, "", path + 31, "", path + 98, "", path + 165);
	VT_ASSERT(wrap_is(line, 80, false, want));
	snprintf(line, sizeof(line), "   evidence: the file at the end of this line is %s: %s",
		 "right here, namely it", path);
	snprintf(want, sizeof(want),
		 "   evidence: the file at the end of this line is right here, namely it:\n"
		 "%13s%.67s\n%13s%.67s\n%13s%s",
		 "", path, "", path + 67, "", path + 134);
	VT_ASSERT(wrap_is(line, 80, false, want));
}

VT_TEST(textout_utf8_counts_columns_not_bytes)
{
	/* 30 columns, 36 bytes: fits 30 */
	const char *l = "wait 2.000\xc2\xb5s \xe2\x86\x92 then 3\xc2\xb5s \xe2\x86\x92 done";

	VT_EQ_INT(strlen(l), 36);
	VT_ASSERT(wrap_is(l, 30, false, l));
	VT_ASSERT(wrap_is(l, 29, false,
			  "wait 2.000\xc2\xb5s \xe2\x86\x92 then\n"
			  "  3\xc2\xb5s \xe2\x86\x92 done"));
	/* a cut never splits a character: 12 columns of "→" at width 10 */
	VT_ASSERT(wrap_is("\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92\xe2\x86"
			  "\x92\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92\xe2"
			  "\x86\x92",
			  10, false,
			  "\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92\xe2\x86"
			  "\x92\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92\n"
			  "\xe2\x86\x92\xe2\x86\x92"));
}

VT_TEST(textout_width_zero_passes_through)
{
	char line[300];

	memset(line, 'x', 240);
	memcpy(line + 100, "   ", 3);
	strcpy(line + 240, "  ");
	VT_ASSERT(wrap_is(line, 0, false, line));
	VT_ASSERT(wrap_is(line, -1, false, line));
	VT_ASSERT(wrap_is("  1. [error] x  ", 0, true, "  1. " ESC "31m[error]" ESC "0m x  "));
	VT_ASSERT(wrap_is("", 0, false, ""));
	VT_ASSERT(wrap_is("", 80, true, ""));
}

VT_TEST(textout_no_trailing_space_and_break_spaces_dropped)
{
	VT_ASSERT(wrap_is("short line   ", 80, false, "short line"));
	VT_ASSERT(wrap_is("      ", 80, false, ""));
	/* the hanging indent leaves less than 20 columns: lead + 2 */
	VT_ASSERT(wrap_is("aaaa bbbb     cccc dddd", 12, false, "aaaa bbbb\n  cccc dddd"));
	VT_ASSERT(wrap_is("aaaa bbbb cccc dddd", 8, false, "aaaa\nbbbb\ncccc\ndddd"));
	/* leading spaces wider than the line: dropped, not a blank line */
	VT_ASSERT(wrap_is("                         word", 20, false, "word"));
	/* a tab advances to the next multiple of 8 */
	VT_ASSERT(wrap_is("ab\tcdefghijklmnop qrst", 24, false, "ab\tcdefghijklmnop\n  qrst"));
	VT_ASSERT(wrap_is("ab\tcd", 9, false, "ab\ncd"));
}

VT_TEST(textout_colour_spans_and_same_breaks)
{
	static const char *const lines[] = {
		"verdict: PROBLEMS FOUND: 4 errors, 4 warnings",
		"verdict: HEALTHY: every packet sent in the common window arrived, none late",
		"verdict: inconclusive (what one recording can show; correlate with the other "
		"partition's for delivery, stalls and the clock)",
		"  1. [error] delivery_stall: linux -> android deliveries stalled for 2.000 s",
		"  5. [warning] credit_starvation: android had no credit",
		"  3. [info] single_partition: one partition's recording [note] x[error] [error]",
		"      cause: android did not take packets off its RX queue for 2.000 s: the "
		"partition was paused or starved of CPU",
		"  next step: check whether android was running in that window",
	};

	VT_ASSERT(wrap_is(lines[0], 20, true,
			  "verdict: " ESC "1;31mPROBLEMS" ESC "0m\n  " ESC "1;31mFOUND" ESC
			  "0m: 4 errors, 4\n  warnings"));
	VT_ASSERT(wrap_is(lines[1], 200, true,
			  "verdict: " ESC "1;32mHEALTHY" ESC "0m: every packet sent in the common "
			  "window arrived, none late"));
	VT_ASSERT(wrap_is("verdict: INCONCLUSIVE: 2 warnings", 80, true,
			  "verdict: " ESC "1;33mINCONCLUSIVE" ESC "0m: 2 warnings"));
	VT_ASSERT(wrap_is(lines[5], 200, true,
			  "  3. " ESC "36m[info]" ESC "0m single_partition: one partition's "
			  "recording " ESC "36m[note]" ESC "0m x[error] " ESC "31m[error]" ESC
			  "0m"));
	VT_ASSERT(wrap_is(lines[7], 200, true,
			  "  " ESC "1mnext step:" ESC "0m check whether android was running in "
			  "that window"));
	for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
		for (int w = 12; w <= 90; w++) {
			char *plain = wrap(lines[k], w, false), *col = wrap(lines[k], w, true);

			VT_ASSERT(plain && col);
			VT_EQ_STR(strip_sgr(col), plain);
			free(plain);
			free(col);
		}
	}
}

/* ---- the FILE -------------------------------------------------------------------------- */

VT_TEST(textout_file_builds_lines_and_flushes_the_last)
{
	struct vd_textout_opts o = { .width = 40 };
	char *buf = NULL;
	size_t len = 0;
	FILE *dst = open_memstream(&buf, &len), *f;

	VT_ASSERT(dst);
	f = vd_textout_open(dst, &o);
	VT_ASSERT(f);
	fprintf(f, "   evidence: %d packets", 287);
	fprintf(f, " (%s) sent by %s", "256.0 KiB", "android");
	fputs(" on connection 1\n\nlast line without newline", f);
	VT_EQ_INT(fclose(f), 0);
	VT_EQ_INT(fclose(dst), 0);
	VT_EQ_STR(buf, "   evidence: 287 packets (256.0 KiB)\n"
		       "             sent by android on\n"
		       "             connection 1\n"
		       "\n"
		       "last line without newline");
	free(buf);
}

VT_TEST(textout_file_reports_write_errors)
{
	struct vd_textout_opts o = { .width = 80, .color = true };
	FILE *dst = fopen("/dev/full", "w"), *f;

	if (!dst) {
		VT_SKIP("textout_file_reports_write_errors: no /dev/full");
		return;
	}
	/* buffered dst: the error shows when fclose() flushes it */
	f = vd_textout_open(dst, &o);
	VT_ASSERT(f);
	fprintf(f, "verdict: HEALTHY\n");
	VT_EQ_INT(fclose(f), EOF);
	fclose(dst);

	/* unbuffered dst: the cookie's write fails, so does the caller's fflush() */
	dst = fopen("/dev/full", "w");
	VT_ASSERT(dst);
	setvbuf(dst, NULL, _IONBF, 0);
	f = vd_textout_open(dst, &o);
	VT_ASSERT(f);
	fprintf(f, "a line\n");
	VT_EQ_INT(fflush(f), EOF);
	VT_ASSERT(ferror(f));
	VT_EQ_INT(fclose(f), EOF);
	fclose(dst);
}

/* ---- any input ------------------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

/* a line of words, spaces, UTF-8, report tokens and long unbroken tokens */
static size_t random_line(char *s, size_t cap)
{
	static const char *const bits[] = { "\xc2\xb5s", "\xe2\x86\x92", "[error]", "..",
					    "evidence:", "1.",		 ">=",	    "s" };
	size_t n = 0;
	unsigned int words = rnd(30);

	for (unsigned int k = rnd(4) ? rnd(12) : 0; k && n < cap; k--)
		s[n++] = ' ';
	if (!rnd(6) && n + 10 < cap)
		n += (size_t)sprintf(s + n, "%s", rnd(2) ? "verdict: " : "  2. ");
	while (words-- && n + 300 < cap) {
		unsigned int len, kind = rnd(20);

		if (kind < 4) {
			const char *b = bits[rnd(sizeof(bits) / sizeof(bits[0]))];

			memcpy(s + n, b, strlen(b));
			n += strlen(b);
		} else {
			len = kind == 4 ? 20 + rnd(230) : 1 + rnd(12);
			while (len--)
				s[n++] = (char)("abcdefghijklmnopqrstuvwxyz/0123456789"[rnd(37)]);
		}
		for (unsigned int sp = 1 + (rnd(4) ? 0 : rnd(4)); sp; sp--)
			s[n++] = rnd(25) ? ' ' : '\t';
	}
	return n;
}

static size_t nonspace(const char *s, size_t n, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
			out[k++] = s[i];
	return k;
}

VT_TEST(textout_random_lines_keep_width_and_text)
{
	static char line[4096], a[4096], b[8192];
	struct vd_textbuf plain = { 0 }, col = { 0 };
	int lines = 0;

	for (int iter = 0; iter < 4000; iter++) {
		size_t n = random_line(line, sizeof(line) - 1), na, nb;
		struct vd_textout_opts o = { .width = iter % 10 ? 20 + (int)rnd(181)
								: 1 + (int)rnd(19) };
		size_t start = 0;

		plain.len = col.len = 0;
		VT_EQ_INT(vd_textout_line(&plain, line, n, &o), 0);
		o.color = true;
		VT_EQ_INT(vd_textout_line(&col, line, n, &o), 0);
		/* every line within the width, no trailing blank, never opening mid-character */
		for (size_t i = 0; i <= plain.len; i++) {
			if (i < plain.len && plain.s[i] != '\n')
				continue;
			if (line_cols(plain.s + start, i - start) > o.width ||
			    (i > start && (plain.s[i - 1] == ' ' || plain.s[i - 1] == '\t')) ||
			    (i > start && ((unsigned char)plain.s[start] & 0xc0) == 0x80)) {
				vt_fail(__FILE__, __LINE__, "width %d, line %.*s", o.width,
					(int)(i - start), plain.s + start);
				goto out;
			}
			start = i + 1;
			lines++;
		}
		/* the same text: only whitespace moved (cut tokens join again) */
		na = nonspace(line, n, a);
		nb = nonspace(plain.s, plain.len, b);
		VT_EQ_INT(nb, na);
		VT_ASSERT(!na || !memcmp(a, b, na));
		/* a line that fits comes out as it went in, but for trailing blanks */
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (line_cols(line, n) <= o.width)
			VT_ASSERT(plain.len == n && (!n || !memcmp(plain.s, line, n)));
		/* colour never moves a break */
		VT_ASSERT(col.len + 1 < sizeof(b));
		if (col.len)
			memcpy(b, col.s, col.len);
		b[col.len] = 0;
		strip_sgr(b);
		VT_EQ_INT(strlen(b), plain.len);
		VT_ASSERT(!plain.len || !memcmp(b, plain.s, plain.len));
	}
	VT_ASSERT(lines > 8000);
out:
	vd_textbuf_free(&plain);
	vd_textbuf_free(&col);
}
