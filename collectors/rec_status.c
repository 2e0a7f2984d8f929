// SPDX-License-Identifier: GPL-2.0
/*
 * record's live status line: one line on stderr (a terminal), redrawn in
 * place: "\r" + text + "\033[K". Every message of the log is printed on a
 * cleared line and the status drawn again under it (a log sink for the
 * duration), and the line is cleared when the recording stops, so nothing of
 * it stays on the screen. Without the line, -v notes the same counters.
 * The formatting is pure (vd_rec_status_format): the unit test calls it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "meta.h"
#include "rec_internal.h"

/* ---- the text (pure) ---------------------------------------------------------------- */

/* display columns of UTF-8 text (one per character: no wide characters in ours) */
static int cols(const char *t)
{
	int n = 0;

	for (; *t; t++)
		n += ((unsigned char)*t & 0xc0) != 0x80;
	return n;
}

char *vd_rec_fmt_count(char *buf, size_t len, uint64_t v)
{
	char digits[32];
	int nd = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	size_t at = 0;

	for (int i = 0; i < nd && at + 2 < len; i++) {
		if (i && (nd - i) % 3 == 0)
			buf[at++] = ' ';
		buf[at++] = digits[i];
	}
	buf[at] = '\0';
	return buf;
}

/* "0:12", "12:03", "1:02:03" */
static char *fmt_elapsed(char *buf, size_t len, uint64_t ns)
{
	uint64_t s = ns / NSEC_PER_SEC;

	if (s >= 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llu:%02llu", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	return buf;
}

enum { P_TIME, P_EVENTS, P_WRITTEN, P_LOST, P_FILE, P_CMD, P_HINT, P_N };

struct part {
	char full[320], brief[160];
	bool shown, use_brief;
};

static const char *part_text(const struct part *p)
{
	return p->use_brief && p->brief[0] ? p->brief : p->full;
}

static int line_cols(const struct part *parts)
{
	int n = 0, k = 0;

	for (int i = 0; i < P_N; i++)
		if (parts[i].shown) {
			n += cols(part_text(&parts[i])) + (k ? 2 : 0);
			k++;
		}
	return n;
}

void vd_rec_status_format(char *out, size_t len, const struct vd_rec_progress *p, int width)
{
	/* shorten (brief) or drop, in this order, until it fits */
	static const struct {
		int part;
		bool drop;
	} steps[] = {
		{ P_FILE, true },    { P_HINT, false }, { P_TIME, false }, { P_WRITTEN, true },
		{ P_EVENTS, false }, { P_CMD, false },	{ P_CMD, true },   { P_HINT, true },
	};
	struct part parts[P_N];
	char t[32], l[32], n[48], b[32];
	size_t at = 0;
	int max = VD_MAX(width - 1, 8);

	memset(parts, 0, sizeof(parts));
	fmt_elapsed(t, sizeof(t), p->elapsed_ns);
	if (p->left_ns >= 0) {
		fmt_elapsed(l, sizeof(l), (uint64_t)p->left_ns + NSEC_PER_SEC - 1);
		snprintf(parts[P_TIME].full, sizeof(parts[P_TIME].full), "recording %s, %s left", t,
			 l);
		snprintf(parts[P_TIME].brief, sizeof(parts[P_TIME].brief), "%s, %s left", t, l);
	} else {
		snprintf(parts[P_TIME].full, sizeof(parts[P_TIME].full), "recording %s", t);
		snprintf(parts[P_TIME].brief, sizeof(parts[P_TIME].brief), "%s", t);
	}
	vd_rec_fmt_count(n, sizeof(n), p->recorded);
	snprintf(parts[P_EVENTS].full, sizeof(parts[P_EVENTS].full), "events %s%s", n,
		 p->flight ? " in the ring buffer" : "");
	snprintf(parts[P_EVENTS].brief, sizeof(parts[P_EVENTS].brief), "events %s", n);
	if (!p->flight) {
		snprintf(parts[P_WRITTEN].full, sizeof(parts[P_WRITTEN].full), "written %s",
			 vd_fmt_bytes(b, sizeof(b), p->written));
		snprintf(parts[P_LOST].full, sizeof(parts[P_LOST].full), "lost %s",
			 vd_rec_fmt_count(n, sizeof(n), p->lost));
	}
	snprintf(parts[P_FILE].full, sizeof(parts[P_FILE].full), "-> %s", p->output);
	if (p->cmd_name) {
		snprintf(parts[P_CMD].full, sizeof(parts[P_CMD].full), "command %.200s [%d]",
			 p->cmd_name, p->cmd_pid);
		snprintf(parts[P_CMD].brief, sizeof(parts[P_CMD].brief), "[%d]", p->cmd_pid);
	}
	if (p->flight) {
		snprintf(parts[P_HINT].full, sizeof(parts[P_HINT].full),
			 "(SIGUSR1 or Ctrl-C writes it)");
		snprintf(parts[P_HINT].brief, sizeof(parts[P_HINT].brief), "Ctrl-C writes it");
	} else if (p->cmd_name) {
		snprintf(parts[P_HINT].full, sizeof(parts[P_HINT].full),
			 "(stops when it exits, or Ctrl-C)");
		snprintf(parts[P_HINT].brief, sizeof(parts[P_HINT].brief), "Ctrl-C stops");
	} else {
		snprintf(parts[P_HINT].full, sizeof(parts[P_HINT].full), "(Ctrl-C to stop)");
		snprintf(parts[P_HINT].brief, sizeof(parts[P_HINT].brief), "Ctrl-C stops");
	}
	for (int i = 0; i < P_N; i++)
		parts[i].shown = parts[i].full[0] != '\0';
	for (size_t i = 0; i < ARRAY_SIZE(steps) && line_cols(parts) > max; i++) {
		if (steps[i].drop)
			parts[steps[i].part].shown = false;
		else
			parts[steps[i].part].use_brief = true;
	}
	out[0] = '\0';
	for (int i = 0, k = 0; i < P_N; i++)
		if (parts[i].shown) {
			int w = snprintf(out + at, len - at, "%s%s", k++ ? "  " : "",
					 part_text(&parts[i]));

			at = VD_MIN(at + (size_t)VD_MAX(w, 0), len - 1);
		}
	/* still too wide (a very narrow terminal): cut at a character boundary */
	{
		int c = 0;

		for (at = 0; out[at]; at++) {
			if (((unsigned char)out[at] & 0xc0) != 0x80 && ++c > max)
				break;
		}
		out[at] = '\0';
	}
}

/* ---- the line on stderr --------------------------------------------------------------- */

struct status {
	pthread_mutex_t lock;
	bool up;	/* drawn and not cleared */
	char text[512]; /* what is drawn */
	struct vd_log_sink prev;
	bool sink; /* ours is installed */
};

/* one: the log sink it replaces is the process's */
static struct status status = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void write_all(const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(STDERR_FILENO, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

/* with the lock held */
static void status_put(struct status *s)
{
	char buf[600];
	int n = snprintf(buf, sizeof(buf), "\r%s\033[K", s->text);

	write_all(buf, (size_t)VD_MIN(n, (int)sizeof(buf) - 1));
	s->up = true;
}

static void status_clear_locked(struct status *s)
{
	if (s->up)
		write_all("\r\033[K", 4);
	s->up = false;
}

static void status_sink(void *ctx, enum vd_log_level level, const char *msg)
{
	struct status *s = ctx;

	pthread_mutex_lock(&s->lock);
	status_clear_locked(s);
	s->prev.fn(s->prev.ctx, level, msg);
	if (s->text[0])
		status_put(s);
	pthread_mutex_unlock(&s->lock);
}

void vd_rec_status_begin(void)
{
	struct status *s = &status;

	s->text[0] = '\0';
	s->up = false;
	s->prev = vd_log_set_sink(status_sink, s);
	s->sink = true;
}

static void status_draw(struct status *s, const char *text)
{
	pthread_mutex_lock(&s->lock);
	snprintf(s->text, sizeof(s->text), "%s", text);
	status_put(s);
	pthread_mutex_unlock(&s->lock);
}

void vd_rec_status_end(void)
{
	struct status *s = &status;

	if (!s->sink)
		return;
	vd_log_set_sink(s->prev.fn, s->prev.ctx);
	s->sink = false;
	pthread_mutex_lock(&s->lock);
	status_clear_locked(s);
	s->text[0] = '\0';
	pthread_mutex_unlock(&s->lock);
}

/* terminal columns of stderr; 80 when unknown */
static int term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col)
		return 80;
	return ws.ws_col;
}

void vd_rec_status_show(const struct vd_rec_progress *p)
{
	char line[512];

	vd_rec_status_format(line, sizeof(line), p, term_width());
	status_draw(&status, line);
}

/* ---- the -v notes and the counters --------------------------------------------------- */

void vd_rec_progress_note(const struct vd_rec_progress *p)
{
	char t[32], n[48], b[32];

	fmt_elapsed(t, sizeof(t), p->elapsed_ns);
	vd_rec_fmt_count(n, sizeof(n), p->recorded);
	if (p->flight)
		vd_info("recording %s: %s events in the ring buffer", t, n);
	else
		vd_info("recording %s: %s events, %s written, %llu lost", t, n,
			vd_fmt_bytes(b, sizeof(b), p->written), (unsigned long long)p->lost);
}

void vd_rec_read_counts(struct tracefs_instance *inst, int ncpus, uint64_t *recorded,
			uint64_t *lost)
{
	*recorded = *lost = 0;
	for (int i = 0; i < ncpus; i++) {
		struct vd_cpu_stats st;

		if (vd_meta_cpu_stats(inst, i, &st))
			continue;
		/* entries: in the buffer, unread; read events: consumed (splice too) */
		*recorded += st.entries + st.read;
		*lost += st.overrun + st.dropped;
	}
}
