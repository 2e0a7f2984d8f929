// SPDX-License-Identifier: GPL-2.0
/*
 * Every key of the top screen in one table, as htop keeps them: the codes,
 * the name and words the help pane lists, the action.  Actions change the
 * view and the run, never draw, and return what must be redrawn.  Two modes
 * take the keyboard before the table: the filter being typed and the sort
 * column chooser.
 */
#include <ncurses.h>
#include <stdio.h>
#include <string.h>

#include "tui/top_ui_internal.h"

#define KEY_ESC	   27
#define KEY_CTRL_L 12
#define SPEED_MIN  (1.0 / 64)
#define SPEED_MAX  100000.0

static enum ui_redraw act_help(struct ui *u)
{
	u->mode = u->mode == UI_HELP ? UI_MAIN : UI_HELP;
	return UI_TABLE;
}

static enum ui_redraw resort(struct ui *u, enum vd_top_col c)
{
	u->sort = c;
	ui_view_order(u);
	return UI_TABLE;
}

static enum ui_redraw act_sort_left(struct ui *u)
{
	return resort(u, (u->sort + VD_TC_MAX - 1) % VD_TC_MAX);
}

static enum ui_redraw act_sort_right(struct ui *u)
{
	return resort(u, (u->sort + 1) % VD_TC_MAX);
}

static enum ui_redraw act_sort_menu(struct ui *u)
{
	u->mode = UI_SORT;
	u->pick = u->sort;
	return UI_TABLE;
}

static enum ui_redraw act_reverse(struct ui *u)
{
	u->reverse = !u->reverse;
	ui_view_order(u);
	return UI_TABLE;
}

static enum ui_redraw act_filter(struct ui *u)
{
	u->mode = UI_FILTER;
	snprintf(u->edit, sizeof(u->edit), "%s", u->filter);
	return UI_TABLE;
}

static enum ui_redraw act_pause(struct ui *u)
{
	if (u->ended) {
		ui_note(u, VD_LOG_INFO, "the recording has ended: q to quit");
	} else if (vd_top_run_is_replay(u->run)) {
		bool p = !vd_top_run_paused(u->run);

		vd_top_run_pause(u->run, p, u->wall_ns);
		ui_note(u, VD_LOG_INFO, "%s", p ? "replay paused: p to resume" : "replay resumed");
	} else {
		/* live: the collectors must keep draining the kernel's buffers; only the display
		 * holds */
		u->frozen = !u->frozen;
		ui_note(u, VD_LOG_INFO, "%s",
			u->frozen ? "display frozen (still sampling): p to resume"
				  : "display resumed");
	}
	return UI_ALL;
}

static enum ui_redraw change_speed(struct ui *u, double factor)
{
	double s;

	if (!vd_top_run_is_replay(u->run) || u->ended) {
		ui_note(u, VD_LOG_INFO, "the speed only applies to a replay in progress");
		return UI_TABLE;
	}
	s = vd_top_run_speed(u->run) * factor;
	s = s < SPEED_MIN ? SPEED_MIN : s > SPEED_MAX ? SPEED_MAX : s;
	vd_top_run_set_speed(u->run, s, u->wall_ns);
	ui_note(u, VD_LOG_INFO, "replay speed x%g", vd_top_run_speed(u->run));
	return UI_ALL;
}

static enum ui_redraw act_faster(struct ui *u)
{
	return change_speed(u, 2);
}

static enum ui_redraw act_slower(struct ui *u)
{
	return change_speed(u, 0.5);
}

static int page(void)
{
	int n = ui_body_bottom() - ui_body_top() - 1;

	return n > 1 ? n : 1;
}

static enum ui_redraw act_up(struct ui *u)
{
	ui_view_select(u, -1);
	return UI_TABLE;
}

static enum ui_redraw act_down(struct ui *u)
{
	ui_view_select(u, 1);
	return UI_TABLE;
}

static enum ui_redraw act_pgup(struct ui *u)
{
	ui_view_select(u, -page());
	return UI_TABLE;
}

static enum ui_redraw act_pgdn(struct ui *u)
{
	ui_view_select(u, page());
	return UI_TABLE;
}

static enum ui_redraw act_home(struct ui *u)
{
	ui_view_select(u, -(long)u->norder);
	return UI_TABLE;
}

static enum ui_redraw act_end(struct ui *u)
{
	ui_view_select(u, (long)u->norder);
	return UI_TABLE;
}

static enum ui_redraw act_detail(struct ui *u)
{
	u->mode = u->mode == UI_DETAIL ? UI_MAIN : UI_DETAIL;
	if (u->mode == UI_DETAIL)
		ui_view_history(u);
	return UI_TABLE;
}

static enum ui_redraw act_back(struct ui *u)
{
	u->mode = UI_MAIN;
	return UI_TABLE;
}

static enum ui_redraw act_redraw(struct ui *u)
{
	(void)u;
	/* a resize or ^L: the whole screen again, from nothing */
	clearok(curscr, TRUE);
	return UI_ALL;
}

static enum ui_redraw act_quit(struct ui *u)
{
	u->quit = true;
	return UI_NOTHING;
}

const struct ui_key ui_keys[] = {
	{ { 'h', '?', KEY_F(1) }, "h ? F1", "this help", act_help, "Help" },
	{ { '<', ',' }, "<", "sort by the column on the left", act_sort_left, "" },
	{ { '>', '.' }, ">", "sort by the column on the right", act_sort_right, "" },
	{ { 's', KEY_F(6) }, "s F6", "choose the sort column", act_sort_menu, "Sort" },
	{ { 'r' }, "r", "reverse the sort order", act_reverse, "Rev" },
	{ { '/', 'f', KEY_F(4) }, "/ f F4", "filter: port, CID or process", act_filter, "Filter" },
	{ { 'p', ' ' }, "p space", "pause (live: freeze the display)", act_pause, "Pause" },
	{ { '+', '=' }, "+", "replay twice as fast", act_faster, "" },
	{ { '-', '_' }, "-", "replay half as fast", act_slower, "" },
	{ { KEY_UP, 'k' }, "Up k", "select the row above", act_up, "" },
	{ { KEY_DOWN, 'j' }, "Down j", "select the row below", act_down, "" },
	{ { KEY_PPAGE }, "PgUp", "a page up", act_pgup, "" },
	{ { KEY_NPAGE }, "PgDn", "a page down", act_pgdn, "" },
	{ { KEY_HOME, 'g' }, "Home g", "the first row", act_home, "" },
	{ { KEY_END, 'G' }, "End G", "the last row", act_end, "" },
	{ { '\n', '\r', KEY_ENTER, 'd' },
	  "Enter d",
	  "detail: fields and history",
	  act_detail,
	  "Detail" },
	{ { KEY_ESC }, "Esc", "back to the table", act_back, "" },
	{ { KEY_CTRL_L, KEY_RESIZE }, "^L", "redraw the screen", act_redraw, "" },
	{ { 'q', 'Q', KEY_F(10) }, "q F10", "quit", act_quit, "Quit" },
};

const size_t ui_nkeys = sizeof(ui_keys) / sizeof(ui_keys[0]);

static const struct ui_key *find_key(int key)
{
	for (size_t i = 0; i < ui_nkeys; i++) {
		for (size_t k = 0; k < sizeof(ui_keys[i].keys) / sizeof(int) && ui_keys[i].keys[k];
		     k++) {
			if (ui_keys[i].keys[k] == key)
				return &ui_keys[i];
		}
	}
	return NULL;
}

static enum ui_redraw filter_done(struct ui *u, bool apply)
{
	u->mode = UI_MAIN;
	snprintf(u->filter, sizeof(u->filter), "%s", apply ? u->edit : "");
	ui_view_order(u);
	if (u->filter[0])
		ui_note(u, VD_LOG_INFO, "filter \"%s\": %zu of %zu connections", u->filter,
			u->norder, u->snap.nrows);
	else
		ui_note(u, VD_LOG_INFO, "filter cleared: %zu connections", u->norder);
	return UI_ALL;
}

/* the filter line: printable characters, backspace, Enter applies, Esc clears */
static enum ui_redraw filter_key(struct ui *u, int key)
{
	size_t n = strlen(u->edit);

	if (key == '\n' || key == '\r' || key == KEY_ENTER)
		return filter_done(u, true);
	if (key == KEY_ESC)
		return filter_done(u, false);
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (n)
			u->edit[n - 1] = '\0';
	} else if (key >= 32 && key < 127 && n + 1 < sizeof(u->edit)) {
		u->edit[n] = (char)key;
		u->edit[n + 1] = '\0';
	} else if (key == KEY_RESIZE) {
		return UI_ALL;
	}
	return UI_TABLE;
}

static enum ui_redraw sort_key(struct ui *u, int key)
{
	switch (key) {
	case KEY_UP:
	case 'k':
		u->pick = (u->pick + VD_TC_MAX - 1) % VD_TC_MAX;
		return UI_TABLE;
	case KEY_DOWN:
	case 'j':
		u->pick = (u->pick + 1) % VD_TC_MAX;
		return UI_TABLE;
	case '\n':
	case '\r':
	case KEY_ENTER:
		u->mode = UI_MAIN;
		return resort(u, u->pick);
	case KEY_RESIZE:
		return UI_ALL;
	case 'q':
	case 's':
	case KEY_F(6):
	case KEY_ESC:
		u->mode = UI_MAIN;
		return UI_TABLE;
	default:
		return UI_NOTHING;
	}
}

enum ui_redraw ui_key_dispatch(struct ui *u, int key)
{
	const struct ui_key *k;

	if (u->mode == UI_FILTER)
		return filter_key(u, key);
	if (u->mode == UI_SORT)
		return sort_key(u, key);
	k = find_key(key);
	return k ? k->act(u) : UI_NOTHING;
}
