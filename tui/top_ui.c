// SPDX-License-Identifier: GPL-2.0
/*
 * vd_top_ui(): the terminal, the log and the loop of `vsockdiag top`.
 *
 * The loop advances the run on a short tick (a replay maps wall time to
 * recording time, live drains the kernel's buffers before they overflow),
 * samples the model every -d, and reads keys in between; it never blocks
 * longer than a tick, so a signal's stop flag is seen within 100 ms.  While
 * the screen is up the log's messages go to the message line: a warning
 * printed on stderr would land in the middle of the table.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <ncurses.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tui/top_ui_internal.h"

#define TICK_NS	      (50 * 1000000LL) /* advance the run this often */
#define WAIT_MAX_MS   100	       /* longest wait for a key: the stop flag's latency */
#define DEFAULT_DELAY (1000000000LL)   /* -d missing or 0: one sample a second, as top */

static void msg_set(struct ui_msg *m, enum vd_log_level level, const char *text)
{
	pthread_mutex_lock(&m->lock);
	snprintf(m->text, sizeof(m->text), "%s", text);
	m->level = level;
	m->seq++;
	pthread_mutex_unlock(&m->lock);
}

void ui_note(struct ui *u, enum vd_log_level level, const char *fmt, ...)
{
	char text[UI_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	msg_set(&u->msg, level, text);
}

/* the log's sink while the screen is up; may run on a collector's thread */
static void log_sink(void *ctx, enum vd_log_level level, const char *msg)
{
	struct ui *u = ctx;
	char text[UI_MSG_LEN];

	snprintf(text, sizeof(text), "%s%s",
		 level == VD_LOG_ERROR	? "error: "
		 : level == VD_LOG_WARN ? "warning: "
					: "",
		 msg);
	msg_set(&u->msg, level, text);
	if (level > VD_LOG_WARN)
		return;
	pthread_mutex_lock(&u->msg.lock);
	u->msg.warnings++;
	snprintf(u->msg.last_warning, sizeof(u->msg.last_warning), "%s", msg);
	u->msg.last_level = level;
	pthread_mutex_unlock(&u->msg.lock);
}

/* what the message line showed goes to stderr once the screen is gone, or it is lost */
static void log_replay(struct ui *u, struct vd_log_sink prev)
{
	char text[UI_MSG_LEN + 64];

	if (!u->msg.warnings || !prev.fn)
		return;
	if (u->msg.warnings == 1)
		snprintf(text, sizeof(text), "%s", u->msg.last_warning);
	else
		snprintf(text, sizeof(text), "%u warnings while the screen was up; the last: %s",
			 u->msg.warnings, u->msg.last_warning);
	prev.fn(prev.ctx, u->msg.last_level, text);
}

static bool want_color(enum vd_color_mode mode)
{
	const char *no = getenv("NO_COLOR");

	if (!has_colors() || mode == VD_COLOR_NEVER)
		return false;
	/* https://no-color.org: any non-empty value; --color=always overrides it */
	return mode == VD_COLOR_ALWAYS || !no || !no[0];
}

static int term_open(struct ui *u, SCREEN **scr, char *err, size_t errlen)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen,
			 "top needs a terminal on stdin and stdout: use -b for batch output");
		return -ENOTTY;
	}
	/* newterm, not initscr: initscr exits the program when the terminal is unknown */
	*scr = newterm(NULL, stdout, stdin);
	if (!*scr) {
		snprintf(err, errlen, "cannot drive this terminal (TERM=%s): set TERM or use -b",
			 getenv("TERM") ? getenv("TERM") : "");
		return -ENOTTY;
	}
	set_term(*scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	/* Esc closes panes and the filter: do not wait a second for an escape sequence */
	set_escdelay(25);
	curs_set(0);
	u->color = want_color(u->uo->color);
	if (u->color)
		ui_colors_init();
	return 0;
}

static void term_close(SCREEN *scr)
{
	endwin();
	delscreen(scr);
}

static bool msg_moved(struct ui *u)
{
	bool moved;

	pthread_mutex_lock(&u->msg.lock);
	moved = u->msg.seq != u->msg_drawn;
	pthread_mutex_unlock(&u->msg.lock);
	return moved;
}

static bool stopped(const struct ui *u)
{
	return u->uo->stop && *u->uo->stop;
}

static int run_error(struct ui *u, int ret, char *err, size_t errlen)
{
	const char *why = vd_top_run_error(u->run);

	snprintf(err, errlen, "%s", why && why[0] ? why : strerror(-ret));
	return ret;
}

static bool enough_samples(const struct ui *u)
{
	return u->uo->iterations > 0 && u->samples >= u->uo->iterations;
}

static int take(struct ui *u, const struct vd_top_snap *s, char *err, size_t errlen)
{
	if (!s)
		return run_error(u, -EIO, err, errlen);
	u->samples++;
	u->problems |= s->problems;
	/* frozen: the model moves on (its rates and history stay right), the screen holds */
	if (u->frozen)
		return 0;
	if (ui_view_take(u, s)) {
		snprintf(err, errlen, "out of memory copying the sample");
		return -ENOMEM;
	}
	return 0;
}

static int end_of_replay(struct ui *u, char *err, size_t errlen)
{
	int ret;

	u->frozen = false;
	ret = take(u, vd_top_run_finish(u->run), err, errlen);
	if (ret)
		return ret;
	u->ended = true;
	ui_note(u, VD_LOG_INFO, "end of recording %s q to quit", u->utf8 ? "\u2014" : "-");
	ui_draw(u, UI_ALL);
	return 0;
}

/* wait for a key, the run's fd or the next deadline; true when the run has input */
static bool wait_input(const struct ui *u, int64_t deadline, int64_t now)
{
	struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN } };
	int64_t ms = (deadline - now + 999999) / 1000000;
	int n = 1;

	if (!u->ended && vd_top_run_fd(u->run) >= 0) {
		p[1].fd = vd_top_run_fd(u->run);
		p[1].events = POLLIN;
		n = 2;
	}
	if (ms < 0)
		ms = 0;
	if (ms > WAIT_MAX_MS)
		ms = WAIT_MAX_MS;
	/* EINTR (a signal, a resize) is a wake-up like any other */
	if (poll(p, (nfds_t)n, (int)ms) <= 0)
		return false;
	return n == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR));
}

static void read_keys(struct ui *u)
{
	int ch;

	while (!u->quit && (ch = getch()) != ERR)
		ui_draw(u, ui_key_dispatch(u, ch));
}

/* one turn's work on the run: advance when due, sample when due; <0 error, 1 stop */
static int run_turn(struct ui *u, int64_t *next_tick, int64_t *next_sample, bool input, char *err,
		    size_t errlen)
{
	int64_t now = u->wall_ns;
	int64_t delay = u->uo->delay_ns > 0 ? u->uo->delay_ns : DEFAULT_DELAY;
	int ret;

	if (u->ended)
		return 0;
	if (input || now >= *next_tick) {
		*next_tick = now + TICK_NS;
		ret = vd_top_run_advance(u->run, now);
		if (ret < 0)
			return run_error(u, ret, err, errlen);
		if (ret == VD_TOP_RUN_END) {
			ret = end_of_replay(u, err, errlen);
			return ret ? ret : enough_samples(u);
		}
	}
	/* a paused replay's recording time stands still: a sample would cover no interval */
	if (now < *next_sample || vd_top_run_paused(u->run))
		return 0;
	*next_sample = *next_sample + delay > now ? *next_sample + delay : now + delay;
	ret = take(u, vd_top_run_sample(u->run), err, errlen);
	if (ret)
		return ret;
	if (!u->frozen)
		ui_draw(u, UI_ALL);
	return enough_samples(u);
}

static int loop(struct ui *u, char *err, size_t errlen)
{
	int64_t next_tick = vd_clock_ns(CLOCK_MONOTONIC), next_sample = next_tick;
	bool input = false;
	int ret;

	while (!u->quit && !stopped(u)) {
		u->wall_ns = vd_clock_ns(CLOCK_MONOTONIC);
		ret = run_turn(u, &next_tick, &next_sample, input, err, errlen);
		if (ret)
			return ret < 0 ? ret : 0;
		if (msg_moved(u)) {
			ui_draw_msg(u);
			refresh();
		}
		input = wait_input(u, next_tick < next_sample ? next_tick : next_sample,
				   vd_clock_ns(CLOCK_MONOTONIC));
		read_keys(u);
	}
	return 0;
}

static void ui_init(struct ui *u, struct vd_top_run *r, const struct vd_top_ui_opts *uo)
{
	memset(u, 0, sizeof(*u));
	u->run = r;
	u->uo = uo;
	u->sort = (unsigned int)uo->sort < VD_TC_MAX ? uo->sort : VD_TC_CONN;
	u->reverse = uo->sort_reverse;
	snprintf(u->filter, sizeof(u->filter), "%s", uo->filter ? uo->filter : "");
	u->pick = u->sort;
	pthread_mutex_init(&u->msg.lock, NULL);
}

/*
 * ncursesw draws multibyte text only under the user's character set; the
 * rest of the program keeps its locale (the parsers' ctype, the reports'
 * numbers), so only LC_CTYPE changes, and only while the screen is up.
 */
static char *locale_enter(struct ui *u)
{
	const char *cur = setlocale(LC_CTYPE, NULL);
	char *saved = cur ? strdup(cur) : NULL;

	setlocale(LC_CTYPE, "");
	u->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	return saved;
}

static void locale_leave(char *saved)
{
	if (saved)
		setlocale(LC_CTYPE, saved);
	free(saved);
}

int vd_top_ui(struct vd_top_run *r, const struct vd_top_ui_opts *uo, char *err, size_t errlen)
{
	struct vd_log_sink prev;
	struct ui u;
	SCREEN *scr = NULL;
	char *locale;
	int ret;

	ui_init(&u, r, uo);
	locale = locale_enter(&u);
	ret = term_open(&u, &scr, err, errlen);
	if (!ret) {
		prev = vd_log_set_sink(log_sink, &u);
		ret = loop(&u, err, errlen);
		vd_log_set_sink(prev.fn, prev.ctx);
		term_close(scr);
		log_replay(&u, prev);
	}
	locale_leave(locale);
	ui_view_free(&u);
	pthread_mutex_destroy(&u.msg.lock);
	if (ret < 0)
		return ret;
	return u.problems ? 1 : 0;
}
