// SPDX-License-Identifier: GPL-2.0
/*
 * Where the prefix of an ftrace text line ends, found by reading its columns
 * right to left, and what its timestamp, CPU and PID columns say.
 */
#include <stdint.h>
#include <string.h>

#include "analyzers/sources/text_internal.h"

/*
 * The "TASK-PID (TGID) [CPU] FLAGS TIMESTAMP: " prefix is under 60 bytes in
 * every format we know; looking no further keeps hostile lines linear.
 */
#define PREFIX_MAX 256
/* "(%7d)" or "(-------)": the TGID column never needs more */
#define TGID_MAX       16
#define PID_DIGITS_MAX 10

/* ---- the "TASK-PID (TGID) [CPU] FLAGS TIMESTAMP:" prefix -------------- */

static const char *space_back(const char *line, const char *p)
{
	size_t n;

	/* the column padding is plain spaces: a tight loop for them, then the rest */
	while (p > line && p[-1] == ' ')
		p--;
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

/* digits ending at p: where they start, and their value (exact up to 19 digits) */
static const char *digits_back(const char *line, const char *p, uint64_t *v)
{
	uint64_t val = 0, mult = 1;

	while (p > line && is_digit(p[-1])) {
		p--;
		val += (uint64_t)(*p - '0') * mult;
		mult *= 10;
	}
	*v = val;
	return p;
}

/*
 * The irq-info column, one character per column, as trace_print_lat_fmt()
 * (kernel/trace/trace_output.c) prints it:
 *   4  "d.h1"     irqs-off, need-resched, hardirq/softirq, preempt-depth (%x)
 *   5  "d.h1."    + migrate-disable (5.13+; preempt_count & 0xf0, %x or '.')
 *   7  "dNLh2.."  the PREEMPT_RT lazy-preempt patch (5.x-rt to 6.6-rc6-rt9,
 *                 RHEL 9 kernel-rt): irqs-off, need-resched, need-resched-lazy
 *                 ('L'), hardirq/softirq, preempt-depth, preempt-lazy-depth,
 *                 migrate-disable
 * irqs-off is . d D b X, need-resched . n N p and, since the lazy rework,
 * l L b B; hardirq/softirq . h H s z Z; the depths hex digits or '.'.
 * Patch sets print more (Dovetail/EVL '*', '~'), and trace-cmd's latency
 * marks are + ! # * @ $, so any 4 to 8 of these are taken; the first column
 * (irqs-off) is never a digit, and that is what keeps a timestamp out.
 */
#define FLAGS_MIN 4
#define FLAGS_MAX 8

/* digits, a-f and ".DXnNpPhHsSzZLlB*~+!#$@'": a table, not a strchr per byte */
static const bool flag_chars[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['.'] = 1, ['D'] = 1, ['X'] = 1, ['n'] = 1, ['N'] = 1, ['p'] = 1, ['P'] = 1, ['h'] = 1,
	['H'] = 1, ['s'] = 1, ['S'] = 1, ['z'] = 1, ['Z'] = 1, ['L'] = 1, ['l'] = 1, ['B'] = 1,
	['*'] = 1, ['~'] = 1, ['+'] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1, ['@'] = 1, ['\''] = 1,
};

static bool is_flag_char(char c)
{
	return flag_chars[(unsigned char)c];
}

static bool is_flags(const char *s, const char *e)
{
	size_t n = (size_t)(e - s);

	if (n < FLAGS_MIN || n > FLAGS_MAX || is_digit(*s))
		return false;
	for (; s < e; s++)
		if (!is_flag_char(*s))
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
	const char *q = digits_back(line, p - 1, &pf->cpu_val);

	if (q == p - 1 || q == line || q[-1] != '[' || p - 1 - q > PID_DIGITS_MAX)
		return NULL;
	pf->cpu = q;
	pf->cpu_len = (size_t)(p - 1 - q);
	return q - 1;
}

static bool comm_pid_back(const char *line, const char *p, struct prefix *pf)
{
	const char *q = digits_back(line, p, &pf->pid_val);
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

/* the timestamp's characters, digits and '.', one load each on the walk back */
static const bool ts_chars[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['.'] = 1,
};

/*
 * Is the ':' at colon the one after the timestamp?  Walk the columns right
 * to left, because the comm on the left may contain anything.
 */
static bool prefix_back(const char *line, const char *colon, struct prefix *pf)
{
	const char *p = colon, *q;

	while (p > line && ts_chars[(unsigned char)p[-1]])
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

bool vd_txt_find_prefix(const char *line, const char *end, struct prefix *pf)
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

/* ---- its numbers ------------------------------------------------------ */

/*
 * The CPU and PID were read as the prefix was found (1 to 10 digits each,
 * which is all cpu_back and comm_pid_back accept), so they are not parsed
 * twice; past INT32_MAX they are as bad as vd_txt_parse_u32 would call them.
 */
const char *vd_txt_prefix_numbers(const struct prefix *pf, struct prefix_nums *nums)
{
	nums->cpu = -1;
	nums->pid = -1;
	if (vd_txt_parse_ts(pf->ts, pf->ts_len, &nums->ts))
		return "bad timestamp";
	if (pf->cpu_len) {
		if (pf->cpu_val > INT32_MAX)
			return "bad cpu";
		nums->cpu = (int32_t)pf->cpu_val;
	}
	if (pf->pid_len) {
		if (pf->pid_val > INT32_MAX)
			return "bad pid";
		nums->pid = (int32_t)pf->pid_val;
	}
	return NULL;
}
