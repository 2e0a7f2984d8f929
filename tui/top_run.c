// SPDX-License-Identifier: GPL-2.0
/*
 * A top model and the source feeding it.
 *
 * Replay: the recording is scanned first, as correlate does (its window, the
 * vsock interrupt line, its CIDs), so top and correlate see the same facts;
 * then events are fed as the replay clock reaches them: recording time =
 * first event + (wall time - start) * speed, frozen while paused.
 *
 * Live: the collector (collectors/live.h) hands over what the kernel has;
 * "now" is the latest event's time plus the wall time since it was read, so
 * idle connections age while nothing happens.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "analyzers/batch/corr_internal.h"
#include "collectors/live.h"
#include "tui/top_run.h"

struct vd_top_run {
	struct vd_top *top;
	struct vd_opts o;
	char label[64];
	char err[512];
	/* replay */
	struct vd_source *src;
	struct vd_event next; /* read ahead: fed once the replay clock reaches it */
	bool have_next, eof;
	int64_t rec_start; /* the first event's time */
	int64_t rec_now;   /* how far the replay clock is */
	int64_t wall_base; /* wall time at which rec_now == rec_base */
	int64_t rec_base;
	double speed;
	bool paused;
	/* live */
	struct vd_live *live;
	int64_t live_last_ts, live_last_wall;
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

static int read_next(struct vd_top_run *r)
{
	int ret = vd_source_next(r->src, &r->next);

	if (ret < 0) {
		snprintf(r->err, sizeof(r->err), "reading %s failed: %s", vd_source_path(r->src),
			 strerror(-ret));
		return ret;
	}
	r->have_next = ret == 1;
	r->eof = ret == 0;
	return 0;
}

struct vd_top_run *vd_top_run_replay(const char *path, const struct vd_opts *o, double speed,
				     char *err, size_t errlen)
{
	struct vd_top_run *r = vd_xcalloc(1, sizeof(*r));
	struct vd_side_info side = { 0 };
	struct vd_samples smp = { 0 };
	struct vd_epset eps = { 0 };
	struct vd_top_cfg cfg;
	int ret;

	r->o = *o;
	r->speed = speed > 0 ? speed : 1;
	snprintf(r->label, sizeof(r->label), "%s", base_name(path));
	r->src = vd_source_open(path, err, errlen);
	if (!r->src) {
		ret = -errno;
		goto fail;
	}
	vd_source_set_marks(r->src, true);
	ret = vd_scan_side(r->src, o->irq_name[0], &side, &smp, &eps);
	vd_samples_free(&smp);
	vd_epset_free(&eps);
	if (ret) {
		snprintf(err, errlen, "reading %s failed: %s", path, strerror(-ret));
		goto fail;
	}
	if (side.stats.events <= side.stats.lost_markers) {
		snprintf(err, errlen,
			 "%s holds no trace events vsockdiag understands: give a recording of "
			 "'vsockdiag record' or the output of 'cat /sys/kernel/tracing/trace' with "
			 "vsock:* enabled",
			 path);
		ret = -ENODATA;
		goto fail;
	}
	ret = vd_source_rewind(r->src);
	if (ret) {
		snprintf(err, errlen, "cannot re-read %s: %s", path, strerror(-ret));
		goto fail;
	}
	cfg = (struct vd_top_cfg){ .o = &r->o, .side = &side, .label = r->label };
	r->top = vd_top_new(&cfg);
	ret = read_next(r);
	if (ret) {
		snprintf(err, errlen, "%s", r->err);
		goto fail;
	}
	r->rec_start = (int64_t)side.stats.first_ts;
	r->rec_now = r->rec_base = r->rec_start;
	r->wall_base = vd_clock_ns(CLOCK_MONOTONIC);
	return r;
fail:
	vd_top_run_close(r, NULL, 0);
	errno = -ret;
	return NULL;
}

struct vd_top_run *vd_top_run_live(const struct vd_live_opts *lo, const struct vd_opts *o,
				   char *err, size_t errlen)
{
	struct vd_top_run *r = vd_xcalloc(1, sizeof(*r));
	const struct vd_live_info *li;
	struct vd_top_cfg cfg;
	int e;

	r->o = *o;
	r->speed = 1;
	r->live = vd_live_open(lo, err, errlen);
	if (!r->live) {
		e = errno;
		free(r);
		errno = e;
		return NULL;
	}
	li = vd_live_info(r->live);
	snprintf(r->label, sizeof(r->label), "live%s%s", lo->write_path ? ", recording " : "",
		 lo->write_path ? base_name(lo->write_path) : "");
	cfg = (struct vd_top_cfg){
		.o = &r->o, .label = r->label, .kernel = li->kernel, .cid = li->cid
	};
	r->top = vd_top_new(&cfg);
	r->live_last_ts = VD_NO_TIME;
	r->live_last_wall = vd_clock_ns(CLOCK_MONOTONIC);
	return r;
}

/* feed events up to the replay clock */
static int replay_feed(struct vd_top_run *r)
{
	int ret;

	while (r->have_next && (int64_t)r->next.ts_ns <= r->rec_now) {
		vd_top_feed(r->top, &r->next);
		ret = read_next(r);
		if (ret)
			return ret;
	}
	return r->eof ? VD_TOP_RUN_END : 0;
}

static void live_cb(void *ctx, const struct vd_event *ev)
{
	struct vd_top_run *r = ctx;

	vd_top_feed(r->top, ev);
	if (ev->kind != VD_EV_MARK && ev->kind != VD_EV_LOST &&
	    (r->live_last_ts == VD_NO_TIME || (int64_t)ev->ts_ns > r->live_last_ts)) {
		r->live_last_ts = (int64_t)ev->ts_ns;
		r->live_last_wall = vd_clock_ns(CLOCK_MONOTONIC);
	}
}

int vd_top_run_advance(struct vd_top_run *r, int64_t wall_ns)
{
	if (r->live) {
		int ret = vd_live_read(r->live, live_cb, r, r->err, sizeof(r->err));

		return ret < 0 ? ret : 0;
	}
	if (!r->paused)
		r->rec_now =
		    VD_MAX(r->rec_now,
			   r->rec_base + (int64_t)((double)(wall_ns - r->wall_base) * r->speed));
	return replay_feed(r);
}

int vd_top_run_advance_trace(struct vd_top_run *r, int64_t span_ns)
{
	if (r->live)
		return vd_top_run_advance(r, vd_clock_ns(CLOCK_MONOTONIC));
	r->rec_now += span_ns;
	return replay_feed(r);
}

int vd_top_run_fd(const struct vd_top_run *r)
{
	return r->live ? vd_live_fd(r->live) : -1;
}

static int64_t run_now(const struct vd_top_run *r)
{
	if (!r->live)
		return r->rec_now;
	if (r->live_last_ts == VD_NO_TIME)
		return VD_NO_TIME;
	return r->live_last_ts + (vd_clock_ns(CLOCK_MONOTONIC) - r->live_last_wall);
}

const struct vd_top_snap *vd_top_run_sample(struct vd_top_run *r)
{
	const struct vd_top_snap *s = vd_top_sample(r->top, run_now(r));

	if (r->live) /* the collector knows losses the events may not carry */
		((struct vd_top_snap *)s)->h.lost = VD_MAX(s->h.lost, vd_live_info(r->live)->lost);
	return s;
}

const struct vd_top_snap *vd_top_run_finish(struct vd_top_run *r)
{
	return vd_top_end(r->top);
}

struct vd_top *vd_top_run_model(struct vd_top_run *r)
{
	return r->top;
}

bool vd_top_run_is_replay(const struct vd_top_run *r)
{
	return r->live == NULL;
}

void vd_top_run_pause(struct vd_top_run *r, bool paused, int64_t wall_ns)
{
	if (r->live || paused == r->paused)
		return;
	r->paused = paused;
	/* resume from where the replay clock stopped */
	r->rec_base = r->rec_now;
	r->wall_base = wall_ns;
}

bool vd_top_run_paused(const struct vd_top_run *r)
{
	return r->paused;
}

void vd_top_run_set_speed(struct vd_top_run *r, double speed, int64_t wall_ns)
{
	if (r->live || speed <= 0)
		return;
	if (!r->paused)
		r->rec_now =
		    VD_MAX(r->rec_now,
			   r->rec_base + (int64_t)((double)(wall_ns - r->wall_base) * r->speed));
	r->rec_base = r->rec_now;
	r->wall_base = wall_ns;
	r->speed = speed;
}

double vd_top_run_speed(const struct vd_top_run *r)
{
	return r->speed;
}

const char *vd_top_run_error(const struct vd_top_run *r)
{
	return r->err;
}

int vd_top_run_close(struct vd_top_run *r, char *err, size_t errlen)
{
	char buf[512] = "";
	int ret = 0;

	if (!r)
		return 0;
	if (r->live)
		ret = vd_live_close(r->live, buf, sizeof(buf));
	if (ret && err)
		snprintf(err, errlen, "%s", buf);
	if (r->src)
		vd_source_close(r->src);
	vd_top_free(r->top);
	free(r);
	return ret;
}
