// SPDX-License-Identifier: GPL-2.0
/*
 * The panes drawn over the body (table and findings): the selected
 * connection in full with its history as text sparklines, the key table,
 * and the sort column chooser.  They draw only; the keys that open, move
 * and close them are in top_ui_keys.c.
 */
#include <math.h>
#include <ncurses.h>
#include <stdio.h>
#include <string.h>

#include "tui/top_ui_internal.h"

static void blank(int y0, int y1)
{
	for (int y = y0; y <= y1; y++)
		ui_put(y, 0, COLS, "", A_NORMAL);
}

/* two "name value" fields on a line where the terminal is wide enough, else one */
struct field_cursor {
	int y, y1, col;
};

static void field(struct field_cursor *fc, const char *name, const char *value)
{
	char text[160];
	int half = COLS >= 80 ? COLS / 2 : COLS;

	if (fc->y > fc->y1)
		return;
	snprintf(text, sizeof(text), " %-10s %s", name, value);
	ui_put(fc->y, fc->col * half, half, text, A_NORMAL);
	if (half == COLS || fc->col == 1) {
		fc->col = 0;
		fc->y++;
	} else {
		fc->col = 1;
	}
}

static void detail_fields(const struct vd_top_row *row, struct field_cursor *fc)
{
	char a[32], b[32], v[128];

	ui_cell(row, VD_TC_LOCAL, v, sizeof(v));
	field(fc, "local", v);
	ui_cell(row, VD_TC_PEER, v, sizeof(v));
	field(fc, "peer", v);
	ui_cell(row, VD_TC_OPENER, v, sizeof(v));
	field(fc, "opened by", v);
	snprintf(v, sizeof(v), "%s%s", row->state ? row->state : "?",
		 row->closed ? " (closed)" : "");
	field(fc, "state", v);
	if (row->pid >= 0)
		snprintf(v, sizeof(v), "%s pid %d", row->proc[0] ? row->proc : "?", row->pid);
	else
		snprintf(v, sizeof(v), "%s", row->proc[0] ? row->proc : "-");
	field(fc, "process", v);
	field(fc, "problem", row->problem ? "yes: a finding names it" : "no");
	ui_human((double)row->tx_bytes, true, a, sizeof(a));
	snprintf(v, sizeof(v), "%sB in %llu pkts", a, (unsigned long long)row->tx_pkts);
	field(fc, "TX total", v);
	ui_human((double)row->rx_bytes, true, a, sizeof(a));
	snprintf(v, sizeof(v), "%sB in %llu pkts", a, (unsigned long long)row->rx_pkts);
	field(fc, "RX total", v);
	ui_human(row->tx_bps, true, a, sizeof(a));
	ui_human(row->tx_pps, false, b, sizeof(b));
	snprintf(v, sizeof(v), "%sB/s  %s pkt/s", a, b);
	field(fc, "TX rate", v);
	ui_human(row->rx_bps, true, a, sizeof(a));
	ui_human(row->rx_pps, false, b, sizeof(b));
	snprintf(v, sizeof(v), "%sB/s  %s pkt/s", a, b);
	field(fc, "RX rate", v);
	ui_count(row->credit, a, sizeof(a));
	snprintf(v, sizeof(v), "%s%s", a,
		 row->credit < 0   ? ""
		 : row->credit_bpf ? " (socket sampler)"
				   : " (from packets)");
	field(fc, "credit", v);
	ui_count(row->unread, v, sizeof(v));
	field(fc, "unread", v);
	ui_count(row->fwd_cnt, v, sizeof(v));
	field(fc, "fwd_cnt", v);
	ui_dur(row->idle_ns, v, sizeof(v));
	field(fc, "idle", v);
	if (fc->col)
		fc->y++;
	fc->col = 0;
}

/* ten levels: '_' a zero (a starved credit stays visible), ' ' unknown */
static char spark_char(double v, double max)
{
	static const char levels[] = "_.:-=+*#%@";

	if (v < 0 || isnan(v))
		return ' ';
	if (max <= 0 || v <= 0)
		return levels[0];
	return levels[1 + (int)lround(v / max * 8)];
}

static double hist_value(const struct vd_top_hist *h, int which)
{
	switch (which) {
	case 0:
		return (double)h->credit;
	case 1:
		return (double)h->unread;
	case 2:
		return h->tx_bps;
	default:
		return h->rx_bps;
	}
}

static void sparkline(const struct ui *u, int y, int which)
{
	static const char *names[] = { "credit", "unread", "TX B/s", "RX B/s" };
	size_t n = u->nhist, from;
	int width = COLS - 32;
	double max = -1, last = -1; /* -1: nothing known, drawn "-" */
	char line[512], smax[16], snow[16];
	int off;

	if (width < 8)
		width = 8;
	if (width > 400)
		width = 400;
	from = n > (size_t)width ? n - (size_t)width : 0;
	for (size_t i = from; i < n; i++)
		max = fmax(max, hist_value(&u->hist[i], which));
	off = snprintf(line, sizeof(line), " %-7s|", names[which]);
	for (size_t i = from; i < n; i++)
		line[off++] = spark_char(hist_value(&u->hist[i], which), max);
	if (n)
		last = hist_value(&u->hist[n - 1], which);
	ui_human(last, true, snow, sizeof(snow));
	ui_human(max, true, smax, sizeof(smax));
	snprintf(line + off, sizeof(line) - (size_t)off, "| now %s max %s", snow, smax);
	ui_put(y, 0, COLS, line, A_NORMAL);
}

void ui_pane_detail(struct ui *u, int y0, int y1)
{
	const struct vd_top_row *row = ui_view_selected(u);
	struct field_cursor fc = { y0 + 1, y1, 0 };
	char title[128];

	blank(y0, y1);
	if (!row) {
		ui_put(y0, 0, COLS, " CONNECTION DETAIL  (Esc or d: back)", ui_attr(u, ST_COLHEAD));
		ui_put(y0 + 1, 0, COLS, " no connection selected", A_NORMAL);
		return;
	}
	snprintf(title, sizeof(title), " CONNECTION %u DETAIL  (Esc or d: back, arrows: another)",
		 row->conn);
	ui_put(y0, 0, COLS, title, ui_attr(u, row->problem ? ST_ERR : ST_COLHEAD));
	detail_fields(row, &fc);
	if (fc.y + 1 > y1)
		return;
	snprintf(title, sizeof(title), " HISTORY: %zu samples, oldest left%s", u->nhist,
		 u->nhist ? "" : " (none kept for this connection)");
	ui_put(fc.y + 1, 0, COLS, title, ui_attr(u, ST_COLHEAD));
	for (int i = 0; i < 4 && fc.y + 2 + i <= y1; i++)
		sparkline(u, fc.y + 2 + i, i);
}

/* two columns where the terminal is wide enough: the whole table fits 24 lines */
void ui_pane_help(struct ui *u, int y0, int y1)
{
	int cols = COLS >= 80 ? 2 : 1, width = COLS / cols;
	int per = (int)(ui_nkeys + (size_t)cols - 1) / cols;
	char line[160];

	blank(y0, y1);
	ui_put(y0, 0, COLS, " KEYS  (h, ? or Esc: back)", ui_attr(u, ST_COLHEAD));
	for (size_t i = 0; i < ui_nkeys; i++) {
		int y = y0 + 1 + (int)i % per, x = (int)i / per * width;

		if (y > y1)
			continue;
		snprintf(line, sizeof(line), " %-8s %s", ui_keys[i].name, ui_keys[i].help);
		ui_put(y, x, width, line, A_NORMAL);
	}
	if (y0 + per + 2 <= y1)
		ui_put(y0 + per + 2, 0, COLS,
		       " '-': a value this kernel or recording cannot give.  v/^: the sort column",
		       A_NORMAL);
}

void ui_pane_sort(struct ui *u, int y0, int y1)
{
	char line[64];

	blank(y0, y1);
	ui_put(y0, 0, COLS, " SORT BY  (arrows choose, Enter sorts, Esc cancels)",
	       ui_attr(u, ST_COLHEAD));
	for (int c = 0; c < VD_TC_MAX && y0 + 1 + c <= y1; c++) {
		snprintf(line, sizeof(line), " %c %s", c == (int)u->sort ? '*' : ' ',
			 vd_top_col_title(c));
		ui_put(y0 + 1 + c, 0, 24, line, c == u->pick ? ui_attr(u, ST_SEL) : A_NORMAL);
	}
}
