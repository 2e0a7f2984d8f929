// SPDX-License-Identifier: GPL-2.0
/*
 * The main screen, top to bottom: four header lines (the partition, its
 * counters, the connections, what this kernel cannot give), the body (the
 * connection table over the findings, or a pane), the message line and the
 * key hints.  Every line is cleared to its end and clipped at the last
 * column: nothing wraps, so a narrow terminal loses columns, never shows
 * garbage.
 */
#include <ncurses.h>
#include <stdio.h>
#include <string.h>

#include "tui/top_ui_internal.h"

#define HEADER_LINES 4

int ui_body_top(void)
{
	return HEADER_LINES;
}

/* the last line of the body: the message and hint lines follow */
int ui_body_bottom(void)
{
	return LINES - 3;
}

static const struct {
	short fg, bg;
	unsigned int attr;    /* with colours */
	unsigned int no_attr; /* without: monochrome terminals, NO_COLOR, --color=never */
} styles[ST_MAX] = {
	[ST_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[ST_TITLE] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_BOLD },
	[ST_COLHEAD] = { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE },
	[ST_SORTCOL] = { COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD | A_UNDERLINE },
	[ST_SEL] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[ST_PROBLEM] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[ST_CLOSED] = { -1, -1, A_DIM, A_DIM },
	[ST_WARN] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ST_ERR] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[ST_KEY] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
};

void ui_colors_init(void)
{
	start_color();
	/* -1: the terminal's own background, as htop keeps it */
	use_default_colors();
	for (int i = 1; i < ST_MAX; i++)
		init_pair((short)i, styles[i].fg, styles[i].bg);
}

unsigned int ui_attr(const struct ui *u, enum ui_style st)
{
	if (!u->color)
		return styles[st].no_attr;
	return styles[st].attr | (st == ST_NORMAL ? 0U : (unsigned int)COLOR_PAIR(st));
}

/* s clipped to width columns and padded with spaces to it */
void ui_put(int y, int x, int width, const char *s, unsigned int attr)
{
	/* the bottom-right cell scrolls some terminals: leave it blank */
	if (y == LINES - 1 && x + width >= COLS)
		width = COLS - 1 - x;
	if (y < 0 || y >= LINES || x >= COLS || width <= 0)
		return;
	if (x + width > COLS)
		width = COLS - x;
	attrset(attr);
	mvprintw(y, x, "%-*.*s", width, width, s);
	attrset(A_NORMAL);
}

static void put_line(int y, const char *s, unsigned int attr)
{
	ui_put(y, 0, COLS, s, attr);
}

static void draw_title(struct ui *u)
{
	const struct vd_top_header *h = &u->snap.h;
	char left[256], right[96], el[32], cid[16] = "?";
	int rw;

	ui_dur(h->elapsed_ns, el, sizeof(el));
	if (h->cid)
		snprintf(cid, sizeof(cid), "%u", h->cid);
	snprintf(left, sizeof(left), " %s  kernel %s  CID %s  %s", h->label,
		 h->kernel[0] ? h->kernel : "?", cid, h->device ? h->device : "?");
	if (u->ended)
		snprintf(right, sizeof(right), "%s ENDED ", el);
	else if (vd_top_run_is_replay(u->run))
		snprintf(right, sizeof(right), "%s%s x%g ", el,
			 vd_top_run_paused(u->run) ? " PAUSED" : "", vd_top_run_speed(u->run));
	else
		snprintf(right, sizeof(right), "%s%s ", el, u->frozen ? " FROZEN" : "");
	rw = (int)strlen(right);
	put_line(0, "", ui_attr(u, ST_TITLE));
	/* the elapsed time wins over the end of a long label: it is what moves */
	ui_put(0, 0, COLS - rw - 1, left, ui_attr(u, ST_TITLE));
	if (rw < COLS)
		ui_put(0, COLS - rw, rw, right, ui_attr(u, ST_TITLE));
}

static void draw_counters(struct ui *u)
{
	const struct vd_top_header *h = &u->snap.h;
	char ev[16], lost[16], irq[16], kick[16], lvl[16], max[16], af[16], line[256];

	ui_human((double)h->events, false, ev, sizeof(ev));
	ui_human((double)h->lost, false, lost, sizeof(lost));
	ui_human(h->irq_ps, false, irq, sizeof(irq));
	ui_human(h->kick_ps, false, kick, sizeof(kick));
	ui_count(h->ring_level, lvl, sizeof(lvl));
	ui_count(h->ring_level < 0 ? -1 : h->ring_max, max, sizeof(max));
	ui_human((double)h->alloc_fail, false, af, sizeof(af));
	snprintf(line, sizeof(line),
		 " events %s  lost %s  irq/s %s  kicks/s %s  RX ring %s/%s  alloc fail %s", ev,
		 lost, irq, kick, lvl, max, af);
	put_line(1, line, h->lost || h->alloc_fail ? ui_attr(u, ST_WARN) : A_NORMAL);
}

static void draw_conns(struct ui *u)
{
	const struct vd_top_header *h = &u->snap.h;
	char line[256], filt[UI_FILTER_LEN + 48] = "";

	if (u->filter[0])
		snprintf(filt, sizeof(filt), "  filter \"%s\": %zu shown", u->filter, u->norder);
	snprintf(line, sizeof(line), " conns %llu open / %llu total  now %.6f  sort %s%s%s",
		 (unsigned long long)h->conns_open, (unsigned long long)h->conns_total,
		 (double)h->now_ns / 1e9, vd_top_col_title(u->sort),
		 u->reverse ? " (reversed)" : "", filt);
	put_line(2, line, A_NORMAL);
}

static void draw_cannot(struct ui *u)
{
	const struct vd_top_header *h = &u->snap.h;
	char line[400];

	snprintf(line, sizeof(line), " %s%s%s%s", h->cannot[0] ? "cannot: " : "", h->cannot,
		 h->cannot[0] && h->fwd_per_packet ? "; " : "",
		 h->fwd_per_packet ? "fwd_cnt and unread move per whole packet on this kernel"
				   : "");
	put_line(3, line, ui_attr(u, ST_WARN));
}

static void finding_line(const struct vd_top_finding *f, char *line, size_t len)
{
	char age[32], conn[32] = "";

	ui_dur(f->age_ns, age, sizeof(age));
	if (f->conn >= 0)
		snprintf(conn, sizeof(conn), " conn %lld", (long long)f->conn);
	if (f->open)
		snprintf(line, len, " %s%s  open %s: %s", f->name, conn, age, f->text);
	else
		snprintf(line, len, " %s%s  began %s ago: %s", f->name, conn, age, f->text);
}

/* the length of the next line of s in width columns, broken after a word where one fits */
static int wrap_len(const char *s, int width)
{
	int n = (int)strlen(s), cut;

	if (n <= width)
		return n;
	for (cut = width; cut > width / 2; cut--) {
		if (s[cut] == ' ')
			return cut;
	}
	return width;
}

/* the lines a finding takes: its words wrapped, continuation lines indented */
#define WRAP_INDENT 4
static int finding_lines(const char *line, int width)
{
	int n = 0;

	for (bool first = true; *line; first = false, n++) {
		int w = first ? width : width - WRAP_INDENT;

		line += wrap_len(line, w);
		while (*line == ' ')
			line++;
	}
	return n ? n : 1;
}

/*
 * The findings get the body's rows the table does not need, at least a
 * third of it (the rows are what one watches, but a starving link's words
 * matter more than empty lines), and always leave the table two rows.
 */
static int findings_lines(const struct ui *u, int body)
{
	int want = 1, room = body - 1 - (int)u->norder, max = body - 3;
	char line[320];

	for (size_t i = 0; i < u->snap.nfindings && want < body; i++) {
		finding_line(&u->snap.findings[i], line, sizeof(line));
		want += finding_lines(line, COLS - 1);
	}
	if (room < body / 3)
		room = body / 3;
	if (room > max)
		room = max;
	return want < room ? want : room;
}

static void draw_colhead(struct ui *u, int y, const enum vd_top_col *cols, size_t ncols)
{
	int x = 0;

	put_line(y, "", ui_attr(u, ST_COLHEAD));
	for (size_t i = 0; i < ncols; i++) {
		enum vd_top_col c = cols[i];
		int w = ui_col_width(c);
		char t[32];
		bool sorted = c == u->sort;
		bool down = ui_col_descending(c) != u->reverse;

		/* the marker after the sort column's title: v largest first, ^ smallest first */
		snprintf(t, sizeof(t), "%s%s", vd_top_col_title(c),
			 sorted ? (down ? "v" : "^") : "");
		if (ui_col_right(c)) {
			char r[40];

			snprintf(r, sizeof(r), "%*s", w, t);
			ui_put(y, x, w, r, ui_attr(u, sorted ? ST_SORTCOL : ST_COLHEAD));
		} else {
			ui_put(y, x, w, t, ui_attr(u, sorted ? ST_SORTCOL : ST_COLHEAD));
		}
		x += w + 1;
	}
}

static void format_row(const struct vd_top_row *row, const enum vd_top_col *cols, size_t ncols,
		       char *line, size_t len)
{
	size_t off = 0;

	line[0] = '\0';
	for (size_t i = 0; i < ncols && off < len; i++) {
		int w = ui_col_width(cols[i]);
		char cell[64];
		int n;

		ui_cell(row, cols[i], cell, sizeof(cell));
		n = snprintf(line + off, len - off, ui_col_right(cols[i]) ? "%*.*s " : "%-*.*s ", w,
			     w, cell);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

static unsigned int row_attr(const struct ui *u, const struct vd_top_row *row, bool selected)
{
	unsigned int a = selected ? ui_attr(u, ST_SEL) : A_NORMAL;

	if (row->problem)
		a |= selected ? A_BOLD : ui_attr(u, ST_PROBLEM);
	if (row->closed)
		a |= A_DIM;
	return a;
}

static void draw_table(struct ui *u, int y0, int y1)
{
	enum vd_top_col cols[VD_TC_MAX];
	size_t ncols = ui_layout(COLS, cols);
	int rows = y1 - y0; /* below the column titles */
	char line[512];

	draw_colhead(u, y0, cols, ncols);
	if (rows <= 0)
		return;
	if (u->sel < u->top)
		u->top = u->sel;
	if (u->sel >= u->top + (size_t)rows)
		u->top = u->sel - (size_t)rows + 1;
	if (u->top + (size_t)rows > u->norder)
		u->top = u->norder > (size_t)rows ? u->norder - (size_t)rows : 0;
	for (int i = 0; i < rows; i++) {
		size_t k = u->top + (size_t)i;
		const struct vd_top_row *row;

		if (k >= u->norder) {
			put_line(y0 + 1 + i,
				 k == 0 && i == 0
				     ? (u->filter[0] ? " (no connection matches the filter)"
						     : " (no connection yet)")
				     : "",
				 A_NORMAL);
			continue;
		}
		row = &u->snap.rows[u->order[k]];
		format_row(row, cols, ncols, line, sizeof(line));
		put_line(y0 + 1 + i, line, row_attr(u, row, k == u->sel));
	}
}

static unsigned int finding_attr(const struct ui *u, const struct vd_top_finding *f)
{
	unsigned int a = f->severity >= VD_SEV_ERROR	 ? ui_attr(u, ST_ERR)
			 : f->severity == VD_SEV_WARNING ? ui_attr(u, ST_WARN)
							 : A_NORMAL;

	return f->open ? a : a | A_DIM;
}

static void draw_findings(struct ui *u, int y0, int n)
{
	size_t open = 0, i;
	char line[320];
	int y = y0 + 1;

	for (i = 0; i < u->snap.nfindings; i++)
		open += u->snap.findings[i].open;
	if (u->snap.nfindings)
		snprintf(line, sizeof(line), " FINDINGS: %zu open, %zu closed", open,
			 u->snap.nfindings - open);
	else
		snprintf(line, sizeof(line), " FINDINGS: none so far");
	put_line(y0, line, ui_attr(u, ST_COLHEAD));
	for (i = 0; i < u->snap.nfindings && y < y0 + n; i++) {
		const struct vd_top_finding *f = &u->snap.findings[i];
		const char *p = line;

		finding_line(f, line, sizeof(line));
		for (bool first = true; *p && y < y0 + n; first = false, y++) {
			int indent = first ? 0 : WRAP_INDENT, w = wrap_len(p, COLS - 1 - indent);

			put_line(y, "", A_NORMAL);
			attrset(finding_attr(u, f));
			mvprintw(y, indent, "%.*s", w, p);
			attrset(A_NORMAL);
			p += w;
			while (*p == ' ')
				p++;
		}
	}
	/* what did not fit is counted, not hidden */
	if (i < u->snap.nfindings) {
		snprintf(line, sizeof(line),
			 " FINDINGS: %zu open, %zu closed (%zu more below the screen)", open,
			 u->snap.nfindings - open, u->snap.nfindings - i);
		put_line(y0, line, ui_attr(u, ST_COLHEAD));
	}
}

static void draw_body(struct ui *u)
{
	int y0 = ui_body_top(), y1 = ui_body_bottom();
	int nf;

	if (y1 < y0)
		return;
	switch (u->mode) {
	case UI_DETAIL:
		ui_pane_detail(u, y0, y1);
		return;
	case UI_HELP:
		ui_pane_help(u, y0, y1);
		return;
	case UI_SORT:
		ui_pane_sort(u, y0, y1);
		return;
	default:
		break;
	}
	nf = findings_lines(u, y1 - y0 + 1);
	/* too short for both: the table alone */
	if (y1 - y0 + 1 - nf < 2)
		nf = 0;
	draw_table(u, y0, y1 - nf);
	if (nf)
		draw_findings(u, y1 - nf + 1, nf);
}

void ui_draw_msg(struct ui *u)
{
	char text[UI_MSG_LEN + 64];
	enum vd_log_level level;
	int y = LINES - 2;

	if (y < 0)
		return;
	if (u->mode == UI_FILTER) {
		snprintf(text, sizeof(text), " filter: %s_   (Enter applies, Esc clears)", u->edit);
		put_line(y, text, ui_attr(u, ST_KEY));
		return;
	}
	pthread_mutex_lock(&u->msg.lock);
	snprintf(text, sizeof(text), " %s", u->msg.text);
	level = u->msg.level;
	u->msg_drawn = u->msg.seq;
	pthread_mutex_unlock(&u->msg.lock);
	put_line(y, text,
		 level <= VD_LOG_ERROR	? ui_attr(u, ST_ERR)
		 : level == VD_LOG_WARN ? ui_attr(u, ST_WARN)
					: A_NORMAL);
}

/* htop's bottom line: each key in the key style, then what it does */
static void draw_hints(struct ui *u)
{
	int y = LINES - 1, x = 0;

	if (y < 1)
		return;
	move(y, 0);
	clrtoeol();
	for (size_t i = 0; i < ui_nkeys && x < COLS - 1; i++) {
		const struct ui_key *k = &ui_keys[i];
		int kw = (int)strcspn(k->name, " "), hw = (int)strlen(k->hint);
		char key[16];

		if (!k->hint[0])
			continue;
		snprintf(key, sizeof(key), "%.*s", kw, k->name);
		ui_put(y, x, kw, key, ui_attr(u, ST_KEY));
		x += kw;
		ui_put(y, x, hw + 2, k->hint, A_NORMAL);
		x += hw + 2;
	}
}

void ui_draw(struct ui *u, enum ui_redraw what)
{
	if (what == UI_NOTHING)
		return;
	if (what == UI_ALL) {
		erase();
		draw_title(u);
		draw_counters(u);
		draw_cannot(u);
		draw_hints(u);
	}
	/* the sort and filter live on the connections line, the filter typed on the message line */
	draw_conns(u);
	draw_body(u);
	ui_draw_msg(u);
	refresh();
}
