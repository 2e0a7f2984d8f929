// SPDX-License-Identifier: GPL-2.0
/*
 * Feeding a session from recordings: with a clock, both merged on B's
 * timeline, receives held back by the tolerance (their key is their aligned
 * time plus tol), so by the time a receive is fed every send that could
 * explain it has been; without one, each recording alone, A then B.
 */
#include "analyzers/session/session.h"
#include "analyzers/sources/evprefetch.h"
#include "analyzers/sources/source.h"

/*
 * Position in B's timeline; receives held back by the tolerance.  *t_other:
 * ev's time in the other clock, or VD_NO_TIME for the session to convert.
 */
static int64_t merge_key(const struct vd_session *s, enum vd_side side, const struct vd_event *ev,
			 int64_t *t_other)
{
	int64_t t;

	/*
	 * B's keys are in B's clock already.  Its events' time in A's clock is
	 * read by the session for every event of the final pass, whose thread
	 * is the busier then; in a clock round this thread is, and the session
	 * converts the few it reads (sends) itself.
	 */
	if (side == VD_SIDE_A || s->cfg.final)
		*t_other = vd_session_to_other(s, side, (int64_t)ev->ts_ns);
	else
		*t_other = VD_NO_TIME;
	t = side == VD_SIDE_A ? *t_other : (int64_t)ev->ts_ns;
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

/*
 * The two-way merge, one event at a time: the heads of both recordings, each
 * with its key computed once when read.  Greedy over keys that are not
 * monotonic (receives are held back by the tolerance): the order it gives is
 * the order the session is fed in, and it decides which twin a receive
 * pairs with, so every way of feeding runs this same step.
 */
struct merger {
	const struct vd_session *s;
	struct vd_source *src[2];
	struct vd_event ev[2];
	int64_t key[2], t_other[2];
	bool have[2];
	bool started;
	int err; /* a read failed after the event just handed out: the next call says so */
};

static int merger_read(struct merger *m, int i)
{
	int ret = read_one(m->src[i], &m->ev[i], &m->have[i]);

	if (!ret && m->have[i])
		m->key[i] = merge_key(m->s, (enum vd_side)i, &m->ev[i], &m->t_other[i]);
	return ret;
}

/* the next event to feed (*side: its recording, *t_other: as merge_key): 1, 0 at the end, -errno */
static int merger_next(void *ctx, struct vd_event *ev, uint8_t *side, int64_t *t_other)
{
	struct merger *m = ctx;
	int i, ret;

	if (m->err)
		return m->err;
	if (!m->started) {
		m->started = true;
		for (i = 0; i < 2; i++) {
			ret = merger_read(m, i);
			if (ret)
				return m->err = ret;
		}
	}
	if (!m->have[1] && !m->have[0])
		return 0;
	if (!m->have[1])
		i = 0;
	else if (!m->have[0])
		i = 1;
	else
		i = m->key[0] <= m->key[1] ? 0 : 1;
	*ev = m->ev[i];
	*side = (uint8_t)i;
	*t_other = m->t_other[i];
	m->err = merger_read(m, i);
	return 1;
}

/*
 * With a core to spare the merge runs on a thread of its own, reading both
 * recordings (no decoding thread per recording then: two threads for two
 * cores), while this one feeds the session: the same events in the same
 * order, the same error after the same events.
 */
static int merge(struct vd_session *s, struct vd_source *src[2])
{
	struct merger m = { .s = s, .src = { src[0], src[1] } };
	struct vd_evprefetch *p = NULL;
	const struct vd_event *at;
	struct vd_event ev;
	int64_t t_other;
	uint8_t side;
	int ret;

	if (vd_threads_allowed()) {
		for (int i = 0; i < 2; i++)
			if (src[i])
				vd_source_set_prefetch(src[i], false);
		p = vd_evprefetch_start_fn(merger_next, &m);
	}
	if (p) {
		while ((ret = vd_evprefetch_next(p, &at, &side, &t_other)) == 1)
			vd_session_feed_at(s, (enum vd_side)side, at, t_other);
		vd_evprefetch_stop(p);
	} else {
		while ((ret = merger_next(&m, &ev, &side, &t_other)) == 1)
			vd_session_feed_at(s, (enum vd_side)side, &ev, t_other);
	}
	for (int i = 0; i < 2; i++)
		if (src[i])
			vd_source_set_prefetch(src[i], true);
	return ret < 0 ? ret : 0;
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
