// SPDX-License-Identifier: GPL-2.0
/*
 * The words and numbers of the top screen: every cell fits its column, an
 * unknown value (-1 from the model) is "-" and never 0 (a zero credit is a
 * finding; an unknown one is a kernel that cannot tell), rates read like
 * top's (12.3K).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui/top_ui_internal.h"

/* width on screen, alignment, and how long a column survives a narrow terminal (larger: longer) */
static const struct {
	int width;
	bool right;
	int keep;
} cols[VD_TC_MAX] = {
	/* cid:port with a random 10-digit ephemeral port (vsock_auto_bind) needs 12 */
	[VD_TC_CONN] = { 4, true, 9 },	  [VD_TC_LOCAL] = { 12, false, 7 },
	[VD_TC_PEER] = { 12, false, 9 },  [VD_TC_OPENER] = { 5, false, 2 },
	[VD_TC_STATE] = { 11, false, 8 }, [VD_TC_PROC] = { 12, false, 5 },
	[VD_TC_TX_BPS] = { 6, true, 7 },  [VD_TC_RX_BPS] = { 6, true, 7 },
	[VD_TC_TX_PPS] = { 6, true, 1 },  [VD_TC_RX_PPS] = { 6, true, 1 },
	[VD_TC_CREDIT] = { 7, true, 9 },  [VD_TC_UNREAD] = { 7, true, 8 },
	[VD_TC_FWD] = { 8, true, 3 },	  [VD_TC_IDLE] = { 6, true, 6 },
};

int ui_col_width(enum vd_top_col c)
{
	/* room for the title and the sort marker after it, whatever the model calls it */
	int t = (int)strlen(vd_top_col_title(c)) + 1;

	return cols[c].width > t ? cols[c].width : t;
}

bool ui_col_right(enum vd_top_col c)
{
	return cols[c].right;
}

static int layout_width(const bool *on)
{
	int w = 0, n = 0;

	for (int c = 0; c < VD_TC_MAX; c++) {
		if (on[c]) {
			w += ui_col_width(c);
			n++;
		}
	}
	return n ? w + n - 1 : 0; /* one space between columns */
}

/* the column to drop next: the least kept, the rightmost among equals */
static int layout_victim(const bool *on)
{
	int victim = -1;

	for (int c = 0; c < VD_TC_MAX; c++) {
		if (on[c] && (victim < 0 || cols[c].keep <= cols[victim].keep))
			victim = c;
	}
	return victim;
}

size_t ui_layout(int width, enum vd_top_col *out)
{
	bool on[VD_TC_MAX];
	size_t n = 0;

	for (int c = 0; c < VD_TC_MAX; c++)
		on[c] = true;
	/* always keep one column: a 10-column terminal still shows which connections exist */
	while (layout_width(on) > width && layout_width(on) > ui_col_width(VD_TC_CONN)) {
		int v = layout_victim(on);

		if (v < 0)
			break;
		on[v] = false;
	}
	for (int c = 0; c < VD_TC_MAX; c++) {
		if (on[c])
			out[n++] = c;
	}
	return n;
}

void ui_human(double v, bool bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTP";
	double base = bytes ? 1024.0 : 1000.0;
	int u = -1;

	if (v < 0 || isnan(v)) {
		snprintf(buf, len, "-");
		return;
	}
	while (v >= 999.5 && u < (int)sizeof(units) - 2) {
		v /= base;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, v > 0 && v < 9.95 && v != floor(v) ? "%.1f" : "%.0f", v);
	else
		snprintf(buf, len, v < 99.95 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

void ui_count(int64_t v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		ui_human((double)v, true, buf, len);
}

void ui_dur(int64_t ns, char *buf, size_t len)
{
	double s = (double)ns / 1e9;

	if (ns < 0)
		snprintf(buf, len, "-");
	else if (s < 1)
		snprintf(buf, len, "%.0fms", (double)ns / 1e6);
	else if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

/* the model says which end holds the adb port (adbd listens there) */
bool ui_peer_is_adb(const struct vd_top_row *row)
{
	return row->adb_end == 2;
}

void ui_endpoint(uint32_t cid, uint32_t port, bool adb, char *buf, size_t len)
{
	/* the number stays: a filter or a reader may know the port, not the name (batch writes the
	 * same) */
	if (adb)
		snprintf(buf, len, "%u:%u adb", cid, port);
	else
		snprintf(buf, len, "%u:%u", cid, port);
}

static const char *opener_word(int opener)
{
	return opener == 0 ? "local" : opener == 1 ? "peer" : "?";
}

void ui_cell(const struct vd_top_row *row, enum vd_top_col c, char *buf, size_t len)
{
	switch (c) {
	case VD_TC_CONN:
		snprintf(buf, len, "%u", row->conn);
		break;
	case VD_TC_LOCAL:
		ui_endpoint(row->local_cid, row->local_port, row->adb_end == 1, buf, len);
		break;
	case VD_TC_PEER:
		ui_endpoint(row->peer_cid, row->peer_port, ui_peer_is_adb(row), buf, len);
		/* the latest adb stream's service, when payload heads named one */
		if (ui_peer_is_adb(row) && row->adb_service[0] && strlen(buf) + 1 < len)
			snprintf(buf + strlen(buf), len - strlen(buf), " %s", row->adb_service);
		break;
	case VD_TC_OPENER:
		snprintf(buf, len, "%s", opener_word(row->opener));
		break;
	case VD_TC_STATE:
		snprintf(buf, len, "%s", row->state ? row->state : "?");
		break;
	case VD_TC_PROC:
		snprintf(buf, len, "%s", row->proc[0] ? row->proc : "-");
		break;
	case VD_TC_TX_BPS:
		ui_human(row->tx_bps, true, buf, len);
		break;
	case VD_TC_RX_BPS:
		ui_human(row->rx_bps, true, buf, len);
		break;
	case VD_TC_TX_PPS:
		ui_human(row->tx_pps, false, buf, len);
		break;
	case VD_TC_RX_PPS:
		ui_human(row->rx_pps, false, buf, len);
		break;
	case VD_TC_CREDIT:
		ui_count(row->credit, buf, len);
		break;
	case VD_TC_UNREAD:
		ui_count(row->unread, buf, len);
		break;
	case VD_TC_FWD:
		ui_count(row->fwd_cnt, buf, len);
		break;
	case VD_TC_IDLE:
		ui_dur(row->idle_ns, buf, len);
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}
