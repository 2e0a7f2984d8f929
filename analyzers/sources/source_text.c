// SPDX-License-Identifier: GPL-2.0
/*
 * The ftrace text source: `cat trace`, `cat trace_pipe` or `trace-cmd report`
 * output, read in large blocks and cut into lines in place, so a
 * ten-million-line dump streams without a copy or an allocation per line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "analyzers/sources/bpf_line.h"
#include "analyzers/sources/source_impl.h"
#include "analyzers/sources/text_parse.h"

size_t vd_text_read_bufsize = 1u << 20;

/* below this the refill logic would still work, but nothing real is that short */
#define TEXT_BUF_MIN 16

enum read_result {
	READ_EOF = 0,
	READ_LINE = 1,
	READ_TOO_LONG = 2, /* a line that did not fit the buffer: dropped up to its '\n' */
};

struct text_src {
	FILE *fp;
	char *buf;
	size_t cap;
	size_t head; /* unread bytes are buf[head, tail) */
	size_t tail;
	bool eof;      /* fread reached the end of the file */
	bool skipping; /* inside an over-long line: drop bytes up to the next '\n' */
	bool have_ts;  /* first_ts/last_ts hold a timestamp */
	uint64_t lineno;
	uint64_t other_lines; /* lines that are not trace lines at all (pasted prompts) */
	/*
	 * correlate reads each recording more than once: warnings are for lines
	 * never read before, so a rewind does not repeat them.
	 */
	uint64_t seen_upto;
	unsigned int warned;
	uint64_t unwarned;
	bool other_warned;
	bool summary_done;
	struct vd_text_state st;
	/*
	 * Dumps appended to one file (cat trace >> f, twice): cat trace does
	 * not consume the buffer, so a later dump repeats the earlier one's
	 * events and adds newer ones.  max_ts: the latest trace line so far;
	 * from a later dump's "# tracer:" header on, its lines up to
	 * dup_limit are the earlier dump's again and are skipped (ndup).
	 */
	uint64_t max_ts;
	uint64_t prev_ts; /* the previous trace line's timestamp, for time going backwards */
	bool have_line_ts;
	bool in_dup;	    /* after a later dump's header, before its first new line */
	bool dump_fresh;    /* that header is on a line never read before: warn */
	uint64_t dup_limit; /* max_ts when the later dump's header came */
	uint64_t dump_line; /* the line of that header */
	uint64_t ndup;	    /* events of the later dump skipped so far */
	unsigned int ndumps;
	unsigned int back_warned;
};

/* time going back more than this within one dump is not clock jitter across CPUs */
#define TEXT_BACKWARDS_NS 1000000000ull

static void text_reset(struct vd_source *src, struct text_src *t)
{
	t->head = t->tail = 0;
	t->eof = t->skipping = t->have_ts = false;
	t->lineno = 0;
	t->other_lines = 0;
	t->max_ts = t->prev_ts = 0;
	t->have_line_ts = t->in_dup = t->dump_fresh = false;
	t->dup_limit = t->dump_line = t->ndup = 0;
	t->ndumps = 1;
	vd_text_state_init(&t->st);
	memset(&src->stats, 0, sizeof(src->stats));
}

/* Move the partial line to the front and read more behind it. */
static int text_fill(struct text_src *t)
{
	size_t n, want;

	if (t->head) {
		memmove(t->buf, t->buf + t->head, t->tail - t->head);
		t->tail -= t->head;
		t->head = 0;
	}
	want = t->cap - t->tail;
	n = fread(t->buf + t->tail, 1, want, t->fp);
	t->tail += n;
	if (n < want) {
		if (ferror(t->fp))
			return -EIO;
		t->eof = true;
	}
	return 0;
}

static int text_read_line(struct vd_source *src, struct text_src *t, const char **line, size_t *len)
{
	for (;;) {
		char *start = t->buf + t->head;
		char *nl = memchr(start, '\n', t->tail - t->head);
		int ret;

		if (nl) {
			t->head = (size_t)(nl - t->buf) + 1;
			if (t->skipping) {
				t->skipping = false; /* the end of an over-long line */
				continue;
			}
			*line = start;
			*len = (size_t)(nl - start);
			return READ_LINE;
		}
		if (t->skipping)
			t->head = t->tail = 0;
		if (t->eof) {
			if (t->skipping)
				src->stats.truncated_line = true;
			if (t->head == t->tail)
				return READ_EOF;
			/* the file ends without a newline: a paste, or a copy cut short */
			src->stats.truncated_line = true;
			*line = start;
			*len = t->tail - t->head;
			t->head = t->tail;
			return READ_LINE;
		}
		if (!t->skipping && t->head == 0 && t->tail == t->cap) {
			t->skipping = true;
			t->head = t->tail = 0;
			return READ_TOO_LONG;
		}
		ret = text_fill(t);
		if (ret)
			return ret;
	}
}

static void text_malformed(struct vd_source *src, struct text_src *t, bool fresh, const char *why)
{
	src->stats.malformed++;
	if (vd_bpf_why_is_bpf(why))
		src->stats.bpf_malformed++;
	if (!fresh)
		return;
	if (t->warned < vd_log_warn_limit) {
		t->warned++;
		vd_warn("%s:%lu: %s: skipped", src->path, (unsigned long)t->lineno, why);
	} else {
		t->unwarned++;
	}
}

static void text_other(struct vd_source *src, struct text_src *t, bool fresh)
{
	t->other_lines++;
	if (fresh && !t->other_warned) {
		t->other_warned = true;
		vd_warn("%s:%lu: not a trace line, skipped", src->path, (unsigned long)t->lineno);
	}
}

static bool starts(const char *line, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && !memcmp(line, lit, n);
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* The later dump's first line past the earlier one's end: say what happened. */
static void dump_joined(struct vd_source *src, struct text_src *t, uint64_t ts)
{
	t->in_dup = false;
	if (!t->dump_fresh)
		return;
	if (t->ndup)
		vd_warn("%s:%lu: %s 'cat trace' dump starts here; its %lu events already read "
			"from the first dump are skipped",
			src->path, (unsigned long)t->dump_line,
			t->ndumps == 2 ? "a second" : "another", (unsigned long)t->ndup);
	else
		vd_warn("%s:%lu: %s 'cat trace' dump starts here, after the earlier one ended: "
			"nothing was recorded between %.6f and %.6f (the ring buffer was "
			"cleared, or this is another session): findings in that window are "
			"unknown",
			src->path, (unsigned long)t->dump_line,
			t->ndumps == 2 ? "a second" : "another", secs(t->dup_limit), secs(ts));
}

/*
 * Before the parser sees the line: a later dump's header block.  1: the
 * line is that header's and is not parsed (its "entries" and "buffer
 * started" lines describe a buffer the earlier dump already described).
 */
static int text_dump_header(struct text_src *t, const char *line, size_t len, bool fresh)
{
	if (starts(line, len, "# tracer:") && t->have_line_ts) {
		/* a third dump before the second one added anything keeps the same limit */
		if (!t->in_dup) {
			t->dup_limit = t->max_ts;
			t->ndup = 0;
		}
		t->in_dup = true;
		t->dump_fresh = fresh;
		t->dump_line = t->lineno;
		t->ndumps++;
		return 1;
	}
	return t->in_dup && len && line[0] == '#';
}

/*
 * After the parser: the line's timestamp (st.last_ts) against what came
 * before.  1: the line repeats an earlier dump and is skipped.
 */
static int text_check_time(struct vd_source *src, struct text_src *t, bool fresh, int ret)
{
	uint64_t ts = t->st.last_ts;

	if (t->in_dup) {
		if (ts <= t->dup_limit) {
			if (ret == VD_LINE_EVENT || ret == VD_LINE_LOST || ret == VD_LINE_UNKNOWN)
				t->ndup++;
			return 1;
		}
		dump_joined(src, t, ts);
	}
	if (ret != VD_LINE_EVENT && ret != VD_LINE_UNKNOWN)
		return 0;
	if (t->have_line_ts && ts + TEXT_BACKWARDS_NS < t->prev_ts && fresh &&
	    t->back_warned < vd_log_warn_limit) {
		t->back_warned++;
		vd_warn("%s:%lu: time goes back %.3f s here (%.6f after %.6f) without a new "
			"'cat trace' header: two dumps joined without their headers, or a trace "
			"clock jump; findings across this line may be wrong: give each dump in "
			"its own file, or only the last one",
			src->path, (unsigned long)t->lineno, secs(t->prev_ts - ts), secs(ts),
			secs(t->prev_ts));
	}
	t->prev_ts = ts;
	t->max_ts = t->have_line_ts ? VD_MAX(t->max_ts, ts) : ts;
	t->have_line_ts = true;
	return 0;
}

/* 1: *ev holds an event; 0: the line yields none */
static int text_handle_line(struct vd_source *src, struct text_src *t, const char *line, size_t len,
			    struct vd_event *ev)
{
	const char *why = "malformed line";
	bool fresh;
	int ret;

	t->lineno++;
	src->stats.lines++;
	fresh = t->lineno > t->seen_upto;
	if (fresh)
		t->seen_upto = t->lineno;
	if (text_dump_header(t, line, len, fresh))
		return 0;
	ret = vd_text_parse_line(&t->st, line, len, ev, &why);
	if (ret != VD_LINE_SKIP && ret != VD_LINE_OTHER && text_check_time(src, t, fresh, ret))
		return 0;
	switch (ret) {
	case VD_LINE_EVENT:
	case VD_LINE_LOST:
		ev->lineno = t->lineno;
		vd_source_count_event(src, &t->have_ts, ev);
		return 1;
	case VD_LINE_UNKNOWN:
		src->stats.unknown_events++;
		return 0;
	case VD_LINE_OTHER:
		text_other(src, t, fresh);
		return 0;
	case VD_LINE_SKIP:
		return 0;
	default:
		text_malformed(src, t, fresh, why);
		return 0;
	}
}

static void text_too_long(struct vd_source *src, struct text_src *t)
{
	bool fresh;

	t->lineno++;
	src->stats.lines++;
	fresh = t->lineno > t->seen_upto;
	if (fresh)
		t->seen_upto = t->lineno;
	text_malformed(src, t, fresh, "line too long");
}

/* Facts only the whole file can tell: the window, the CPU count. */
static void text_finish(struct vd_source *src, struct text_src *t)
{
	struct vd_source_stats *s = &src->stats;
	int ncpus = t->st.max_cpu + 1;

	s->ncpus = VD_MAX(t->st.header_ncpus, ncpus);
	s->header_entries = t->st.header_entries;
	s->header_written = t->st.header_written;
	s->window_truncated = t->st.overwritten;
	s->window_start = t->st.overwritten ? vd_text_window_start(&t->st) : s->first_ts;
	if (t->in_dup && t->dump_fresh && t->ndup)
		vd_warn("%s:%lu: %s 'cat trace' dump starts here and only repeats the first "
			"dump: its %lu events are skipped",
			src->path, (unsigned long)t->dump_line,
			t->ndumps == 2 ? "a second" : "another", (unsigned long)t->ndup);
	t->in_dup = false;
	if (t->summary_done)
		return;
	t->summary_done = true;
	if (t->unwarned)
		vd_warn("%lu more malformed lines in %s", (unsigned long)t->unwarned, src->path);
	if (t->other_lines > 1)
		vd_dbg("%s: %lu lines are not trace lines", src->path,
		       (unsigned long)t->other_lines);
}

static int text_next(struct vd_source *src, struct vd_event *ev)
{
	struct text_src *t = src->priv;
	const char *line;
	size_t len;
	int ret;

	for (;;) {
		ret = text_read_line(src, t, &line, &len);
		if (ret < 0)
			return ret;
		if (ret == READ_EOF) {
			text_finish(src, t);
			return 0;
		}
		if (ret == READ_TOO_LONG)
			text_too_long(src, t);
		else if (text_handle_line(src, t, line, len, ev))
			return 1;
	}
}

static int text_rewind(struct vd_source *src)
{
	struct text_src *t = src->priv;

	if (fseek(t->fp, 0, SEEK_SET))
		return -errno;
	clearerr(t->fp);
	text_reset(src, t);
	return 0;
}

static void text_close(struct vd_source *src)
{
	struct text_src *t = src->priv;

	if (!t)
		return;
	fclose(t->fp);
	free(t->buf);
	free(t);
	src->priv = NULL;
}

static uint64_t text_pos(const struct vd_source *src)
{
	const struct text_src *t = src->priv;
	off_t at = ftello(t->fp);

	return at < 0 ? 0 : (uint64_t)at - (t->tail - t->head);
}

/* clang-format off */
static const struct vd_source_ops text_ops = {
	.pos = text_pos,
	.next = text_next,
	.rewind = text_rewind,
	.close = text_close,
};
/* clang-format on */

int vd_source_text_init(struct vd_source *src, FILE *fp, char *err, size_t errlen)
{
	struct text_src *t;

	src->priv = NULL;
	if (!fp) {
		snprintf(err, errlen, "%s: no file to read", src->path);
		return -EINVAL;
	}
	t = vd_xcalloc(1, sizeof(*t));
	t->fp = fp;
	t->cap = VD_MAX(vd_text_read_bufsize, (size_t)TEXT_BUF_MIN);
	t->buf = vd_xcalloc(1, t->cap);
	text_reset(src, t);
	src->ops = &text_ops;
	src->priv = t;
	return 0;
}
