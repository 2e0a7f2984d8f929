/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A top model fed by its source: a recording replayed in its own time
 * (tui/top_replay.c) or the live collector (collectors/live.h).  The views
 * (tui/top_ui.c for the terminal, cli/cmd_top.c for batch) only advance the
 * run and sample it; they never see where events come from.
 */
#ifndef VD_TOP_RUN_H
#define VD_TOP_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/top_model.h"

struct vd_live_opts;
struct vd_top_run;

/* replay a recording (.dat or text, as correlate reads it); speed 1 = its own time */
struct vd_top_run *vd_top_run_replay(const char *path, const struct vd_opts *o, double speed,
				     char *err, size_t errlen);
/* watch this partition (root): the collectors of record, optionally writing a .dat (-w) */
struct vd_top_run *vd_top_run_live(const struct vd_live_opts *lo, const struct vd_opts *o,
				   char *err, size_t errlen);

#define VD_TOP_RUN_END 1 /* the input is over (replay reached the end) */

/*
 * Feed every event due at wall time wall_ns (CLOCK_MONOTONIC ns): a replay
 * maps wall time to recording time by its speed, live reads what the kernel
 * has.  0, VD_TOP_RUN_END, or -errno (vd_top_run_error() says what).
 */
int vd_top_run_advance(struct vd_top_run *r, int64_t wall_ns);
/* batch replay: feed exactly the next span_ns of recording time, however long it takes */
int vd_top_run_advance_trace(struct vd_top_run *r, int64_t span_ns);
/* poll(2) it for input (live); -1: nothing to poll, advance on a timer */
int vd_top_run_fd(const struct vd_top_run *r);

const struct vd_top_snap *vd_top_run_sample(struct vd_top_run *r);
/* after VD_TOP_RUN_END: settle what is pending and sample once more */
const struct vd_top_snap *vd_top_run_finish(struct vd_top_run *r);
struct vd_top *vd_top_run_model(struct vd_top_run *r);

bool vd_top_run_is_replay(const struct vd_top_run *r);
/* replay: pause (recording time stops) and speed; no effect live */
void vd_top_run_pause(struct vd_top_run *r, bool paused, int64_t wall_ns);
bool vd_top_run_paused(const struct vd_top_run *r);
void vd_top_run_set_speed(struct vd_top_run *r, double speed, int64_t wall_ns);
double vd_top_run_speed(const struct vd_top_run *r);

const char *vd_top_run_error(const struct vd_top_run *r);
/* stop, clean up (live: tracefs instance and BPF links; -w: the .dat finished); 0 or -errno */
int vd_top_run_close(struct vd_top_run *r, char *err, size_t errlen);

/* ---- the terminal view (tui/top_ui.c) ---------------------------------------------- */

enum vd_color_mode { VD_COLOR_AUTO = 0, VD_COLOR_ALWAYS, VD_COLOR_NEVER };

struct vd_top_ui_opts {
	int64_t delay_ns;     /* between samples (-d) */
	long iterations;      /* -n: stop after N samples; 0: until quit or the end */
	enum vd_top_col sort; /* initial sort column (-s) */
	bool sort_reverse;
	const char *filter; /* initial filter (-f): port, cid or process name substring */
	enum vd_color_mode color;
	volatile int *stop; /* set by a signal handler: leave cleanly */
};

/*
 * Run the full-screen view until q, a signal, -n or (replay) the end of the
 * recording and a key.  Returns 0 (nothing wrong seen), 1 (problems seen) or
 * -errno with err set.
 */
int vd_top_ui(struct vd_top_run *r, const struct vd_top_ui_opts *uo, char *err, size_t errlen);

#endif /* VD_TOP_RUN_H */
