/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The terminal view of `vsockdiag top`, one job per file:
 *   top_ui.c       the terminal, the log sink and the loop (vd_top_ui)
 *   top_ui_view.c  what the table shows: a copy of the snapshot, filtered, sorted, a selection
 *   top_ui_fmt.c   the words and numbers of a cell, and which columns fit
 *   top_ui_draw.c  the main screen: header, table, findings, message and key hint lines
 *   top_ui_pane.c  the panes over the table: detail, help, sort chooser
 *   top_ui_keys.c  the key table and its actions
 * Only tui/top_ui*.c include this.
 */
#ifndef VD_TOP_UI_INTERNAL_H
#define VD_TOP_UI_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "tui/top_run.h"

/* what a key action needs redrawn (htop's actions never draw either) */
enum ui_redraw { UI_NOTHING = 0, UI_TABLE, UI_ALL };

/* what the area between the header and the message line shows, or who gets typed keys */
enum ui_mode {
	UI_MAIN = 0, /* the table and the findings */
	UI_DETAIL,   /* the selected connection's fields and history */
	UI_HELP,     /* the key table */
	UI_SORT,     /* the column chooser (keys go to it) */
	UI_FILTER,   /* the filter being typed on the message line (keys go to it) */
};

enum ui_style {
	ST_NORMAL = 0,
	ST_TITLE,   /* the first header line */
	ST_COLHEAD, /* the table's column titles */
	ST_SORTCOL, /* the sort column's title */
	ST_SEL,	    /* the selected row */
	ST_PROBLEM, /* a row a finding names */
	ST_CLOSED,  /* a closed connection */
	ST_WARN,    /* a warning: message line, warning findings */
	ST_ERR,	    /* an error: message line, error findings */
	ST_KEY,	    /* a key's name on the hint line */
	ST_MAX,
};

#define UI_FILTER_LEN 64
#define UI_MSG_LEN    256

/* the message line: the last warning from the log, or the view's own note */
struct ui_msg {
	pthread_mutex_t lock; /* the live collector may log from its threads */
	char text[UI_MSG_LEN];
	enum vd_log_level level;
	unsigned int seq; /* bumped on every message: the loop redraws the line when it moves */
	unsigned int warnings; /* from the log: told again after the screen is gone */
	char last_warning[UI_MSG_LEN];
	enum vd_log_level last_level;
};

struct ui {
	struct vd_top_run *run;
	const struct vd_top_ui_opts *uo;

	/* the snapshot drawn: a copy, so that a frozen display survives the model's next sample */
	struct vd_top_snap snap;
	size_t rows_cap, findings_cap;
	bool have_snap;
	struct vd_top_hist *hist; /* the selected connection's history, as of the copy */
	size_t nhist, hist_cap;

	/* the table: indices into snap.rows, filtered then sorted */
	size_t *order;
	size_t norder, order_cap;
	enum vd_top_col sort;
	bool reverse; /* against the column's natural direction (numbers: largest first) */
	char filter[UI_FILTER_LEN];
	bool have_sel;
	uint32_t sel_conn; /* the selection follows a connection, not a line, across samples */
	size_t sel, top;   /* index into order; first row on screen */

	enum ui_mode mode;
	int pick;		  /* the sort chooser's highlighted column */
	char edit[UI_FILTER_LEN]; /* the filter being typed */
	bool frozen;		  /* live pause: sampling goes on, the display holds */
	bool ended;		  /* the replay reached its end */
	bool problems;		  /* any snapshot had problems set */
	bool quit;
	bool color;
	bool utf8;
	int64_t wall_ns; /* CLOCK_MONOTONIC of the current loop turn */
	long samples;	 /* taken so far (-n) */

	struct ui_msg msg;
	unsigned int msg_drawn; /* msg.seq last drawn */
};

/* top_ui.c */
void ui_note(struct ui *u, enum vd_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* top_ui_view.c */
int ui_view_take(struct ui *u, const struct vd_top_snap *s);
void ui_view_free(struct ui *u);
int ui_view_order(struct ui *u);
const struct vd_top_row *ui_view_selected(const struct ui *u);
void ui_view_select(struct ui *u, long delta);
void ui_view_history(struct ui *u);
bool ui_col_descending(enum vd_top_col c);

/* top_ui_fmt.c */
void ui_human(double v, bool bytes, char *buf, size_t len);
void ui_count(int64_t v, char *buf, size_t len);
void ui_dur(int64_t ns, char *buf, size_t len);
void ui_endpoint(uint32_t cid, uint32_t port, bool adb, char *buf, size_t len);
void ui_cell(const struct vd_top_row *row, enum vd_top_col c, char *buf, size_t len);
int ui_col_width(enum vd_top_col c);
bool ui_col_right(enum vd_top_col c);
size_t ui_layout(int cols, enum vd_top_col *out);
bool ui_peer_is_adb(const struct vd_top_row *row);

/* top_ui_draw.c */
unsigned int ui_attr(const struct ui *u, enum ui_style st);
void ui_colors_init(void);
void ui_draw(struct ui *u, enum ui_redraw what);
void ui_draw_msg(struct ui *u);
int ui_body_top(void);
int ui_body_bottom(void);
void ui_put(int y, int x, int width, const char *s, unsigned int attr);

/* top_ui_pane.c */
void ui_pane_detail(struct ui *u, int y0, int y1);
void ui_pane_help(struct ui *u, int y0, int y1);
void ui_pane_sort(struct ui *u, int y0, int y1);

/* top_ui_keys.c */
struct ui_key {
	int keys[5];	  /* the codes that run it, 0-terminated */
	const char *name; /* as the help and hint lines show it */
	const char *help;
	enum ui_redraw (*act)(struct ui *u);
	const char *hint; /* on the hint line, "" not there */
};
extern const struct ui_key ui_keys[];
extern const size_t ui_nkeys;
enum ui_redraw ui_key_dispatch(struct ui *u, int key);

#endif /* VD_TOP_UI_INTERNAL_H */
