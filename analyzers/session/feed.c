// SPDX-License-Identifier: GPL-2.0
/*
 * Feeding a session from recordings: with a clock, both merged on B's
 * timeline, receives held back by the tolerance (their key is their aligned
 * time plus tol), so by the time a receive is fed every send that could
 * explain it has been; without one, each recording alone, A then B.
 */
#include "analyzers/session/session.h"
#include "analyzers/sources/source.h"

/* position in B's timeline; receives held back by the tolerance */
static int64_t merge_key(const struct vd_session *s, enum vd_side side, const struct vd_event *ev)
{
	int64_t t = side == VD_SIDE_A ? vd_session_to_other(s, VD_SIDE_A, (int64_t)ev->ts_ns)
				      : (int64_t)ev->ts_ns;

	if (ev->kind == VD_EV_PKT_RECV)
		t += s->cfg.tol_ns;
	return t;
}

static int read_one(struct vd_source *src, struct vd_event *ev, bool *have)
{
	int ret = src ? vd_source_next(src, ev) : 0;

	*have = ret > 0;
	return ret < 0 ? ret : 0;
}

static int merge(struct vd_session *s, struct vd_source *src[2])
{
	struct vd_event ev[2];
	int64_t key[2] = { 0, 0 }; /* each event's, computed once when read */
	bool have[2];
	int ret;

	for (int i = 0; i < 2; i++) {
		ret = read_one(src[i], &ev[i], &have[i]);
		if (ret)
			return ret;
		if (have[i])
			key[i] = merge_key(s, (enum vd_side)i, &ev[i]);
	}
	while (have[0] || have[1]) {
		int i;

		if (!have[1])
			i = 0;
		else if (!have[0])
			i = 1;
		else
			i = key[0] <= key[1] ? 0 : 1;
		vd_session_feed(s, (enum vd_side)i, &ev[i]);
		ret = read_one(src[i], &ev[i], &have[i]);
		if (ret)
			return ret;
		if (have[i])
			key[i] = merge_key(s, (enum vd_side)i, &ev[i]);
	}
	return 0;
}

static int one_after_the_other(struct vd_session *s, struct vd_source *src[2])
{
	struct vd_event ev;
	int ret;

	for (int i = 0; i < 2; i++) {
		if (!src[i])
			continue; /* single-partition mode: no B */
		while ((ret = vd_source_next(src[i], &ev)) > 0)
			vd_session_feed(s, (enum vd_side)i, &ev);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int vd_session_feed_sources(struct vd_session *s, struct vd_source *src[2])
{
	return vd_session_matching(s) ? merge(s, src) : one_after_the_other(s, src);
}
