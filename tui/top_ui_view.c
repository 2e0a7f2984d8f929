// SPDX-License-Identifier: GPL-2.0
/*
 * What the table shows.  The model's snapshot lives only until its next
 * sample, and a live view keeps sampling while its display is frozen, so
 * the view draws from its own copy.  The table is an index over that copy:
 * filtered (a substring of either end, the adb name or the process), then
 * sorted by one column; the selection follows a connection id, so that a
 * re-sort or a new connection does not move it to another line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/top_ui_internal.h"

/* a three-way comparison that cannot overflow (no a - b on unsigned or large values) */
#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/* the strings in a snapshot (state, kind names, device) are the model's constants: a shallow copy
 * holds */
int ui_view_take(struct ui *u, const struct vd_top_snap *s)
{
	if (grow((void **)&u->snap.rows, &u->rows_cap, s->nrows, sizeof(*s->rows)) ||
	    grow((void **)&u->snap.findings, &u->findings_cap, s->nfindings, sizeof(*s->findings)))
		return -ENOMEM;
	u->snap.h = s->h;
	if (s->nrows)
		memcpy(u->snap.rows, s->rows, s->nrows * sizeof(*s->rows));
	if (s->nfindings)
		memcpy(u->snap.findings, s->findings, s->nfindings * sizeof(*s->findings));
	u->snap.nrows = s->nrows;
	u->snap.nfindings = s->nfindings;
	u->snap.problems = s->problems;
	u->problems |= s->problems;
	u->have_snap = true;
	if (ui_view_order(u))
		return -ENOMEM;
	ui_view_history(u);
	return 0;
}

void ui_view_free(struct ui *u)
{
	free(u->snap.rows);
	free(u->snap.findings);
	free(u->order);
	free(u->hist);
}

/* numbers are most interesting largest first (top's %CPU); names and ids read in order */
bool ui_col_descending(enum vd_top_col c)
{
	switch (c) {
	case VD_TC_CONN:
	case VD_TC_LOCAL:
	case VD_TC_PEER:
	case VD_TC_OPENER:
	case VD_TC_STATE:
	case VD_TC_PROC:
		return false;
	default:
		return true;
	}
}

static int cmp_endpoint(uint32_t ca, uint32_t pa, uint32_t cb, uint32_t pb)
{
	return ca != cb ? CMP(ca, cb) : CMP(pa, pb);
}

static int cmp_col(const struct vd_top_row *a, const struct vd_top_row *b, enum vd_top_col c)
{
	switch (c) {
	case VD_TC_LOCAL:
		return cmp_endpoint(a->local_cid, a->local_port, b->local_cid, b->local_port);
	case VD_TC_PEER:
		return cmp_endpoint(a->peer_cid, a->peer_port, b->peer_cid, b->peer_port);
	case VD_TC_OPENER:
		return CMP(a->opener, b->opener);
	case VD_TC_STATE:
		return strcmp(a->state ? a->state : "", b->state ? b->state : "");
	case VD_TC_PROC:
		return strcmp(a->proc, b->proc);
	case VD_TC_TX_BPS:
		return CMP(a->tx_bps, b->tx_bps);
	case VD_TC_RX_BPS:
		return CMP(a->rx_bps, b->rx_bps);
	case VD_TC_TX_PPS:
		return CMP(a->tx_pps, b->tx_pps);
	case VD_TC_RX_PPS:
		return CMP(a->rx_pps, b->rx_pps);
	/* unknown (-1) sorts below every known value, so that a zero credit leads descending */
	case VD_TC_CREDIT:
		return CMP(a->credit, b->credit);
	case VD_TC_UNREAD:
		return CMP(a->unread, b->unread);
	case VD_TC_FWD:
		return CMP(a->fwd_cnt, b->fwd_cnt);
	case VD_TC_IDLE:
		return CMP(a->idle_ns, b->idle_ns);
	default:
		return CMP(a->conn, b->conn);
	}
}

static int cmp_rows(const void *pa, const void *pb, void *ctx)
{
	const struct ui *u = ctx;
	const struct vd_top_row *a = &u->snap.rows[*(const size_t *)pa];
	const struct vd_top_row *b = &u->snap.rows[*(const size_t *)pb];
	int r = cmp_col(a, b, u->sort);

	if (ui_col_descending(u->sort) != u->reverse)
		r = -r;
	/* equal rows keep connection order whatever the direction: lines do not swap each sample */
	return r ? r : CMP(a->conn, b->conn);
}

static bool row_matches(const struct vd_top_row *row, const char *filter)
{
	char text[128];

	if (!filter[0])
		return true;
	snprintf(text, sizeof(text), "%u:%u %u:%u %s %s", row->local_cid, row->local_port,
		 row->peer_cid, row->peer_port, row->proc, row->adb ? "adb" : "");
	return strcasestr(text, filter) != NULL;
}

static void find_selection(struct ui *u)
{
	if (u->have_sel) {
		for (size_t i = 0; i < u->norder; i++) {
			if (u->snap.rows[u->order[i]].conn == u->sel_conn) {
				u->sel = i;
				return;
			}
		}
	}
	/* the selected connection left the table (filtered, expired): keep the line */
	if (u->sel >= u->norder)
		u->sel = u->norder ? u->norder - 1 : 0;
	u->have_sel = u->norder > 0;
	if (u->have_sel)
		u->sel_conn = u->snap.rows[u->order[u->sel]].conn;
}

int ui_view_order(struct ui *u)
{
	if (grow((void **)&u->order, &u->order_cap, u->snap.nrows, sizeof(*u->order)))
		return -ENOMEM;
	u->norder = 0;
	for (size_t i = 0; i < u->snap.nrows; i++) {
		if (row_matches(&u->snap.rows[i], u->filter))
			u->order[u->norder++] = i;
	}
	if (u->norder > 1)
		qsort_r(u->order, u->norder, sizeof(*u->order), cmp_rows, u);
	find_selection(u);
	return 0;
}

const struct vd_top_row *ui_view_selected(const struct ui *u)
{
	if (!u->have_sel || u->sel >= u->norder)
		return NULL;
	return &u->snap.rows[u->order[u->sel]];
}

void ui_view_select(struct ui *u, long delta)
{
	long s = (long)u->sel + delta;

	if (!u->norder)
		return;
	if (s < 0)
		s = 0;
	if (s >= (long)u->norder)
		s = (long)u->norder - 1;
	u->sel = (size_t)s;
	u->sel_conn = u->snap.rows[u->order[u->sel]].conn;
	u->have_sel = true;
	ui_view_history(u);
}

/* a frozen display shows the history as it was, like the rows: copy it with them */
void ui_view_history(struct ui *u)
{
	const struct vd_top_row *row = ui_view_selected(u);
	const struct vd_top_hist *h = NULL;
	size_t n = 0;

	u->nhist = 0;
	if (row)
		n = vd_top_history(vd_top_run_model(u->run), row->conn, &h);
	if (!n || grow((void **)&u->hist, &u->hist_cap, n, sizeof(*h)))
		return;
	memcpy(u->hist, h, n * sizeof(*h));
	u->nhist = n;
}
