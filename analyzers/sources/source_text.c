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
};

static void text_reset(struct vd_source *src, struct text_src *t)
{
	t->head = t->tail = 0;
	t->eof = t->skipping = t->have_ts = false;
	t->lineno = 0;
	t->other_lines = 0;
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
	ret = vd_text_parse_line(&t->st, line, len, ev, &why);
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
