/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diagnostics go to stderr, never stdout: stdout carries the report (or JSON)
 * and must stay machine-readable.  A program that owns the terminal (a
 * full-screen view) takes them instead with vd_log_set_sink().
 */
#ifndef VD_LOG_H
#define VD_LOG_H

#include <stddef.h>
#include <stdint.h>

enum vd_log_level { VD_LOG_QUIET = 0, VD_LOG_ERROR, VD_LOG_WARN, VD_LOG_INFO, VD_LOG_DEBUG };

/* Messages above this level are dropped before any sink sees them. */
extern int vd_log_level;
/* How many warnings to print per source file before only counting them. */
extern unsigned int vd_log_warn_limit;

void vd_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vd_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vd_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Where messages go, in the spirit of libbpf_set_print(): fn gets the
 * level (VD_LOG_ERROR .. VD_LOG_DEBUG) and the formatted message alone,
 * without the "vsockdiag: " prefix, the level's tag or a newline; msg lives
 * only for the call.  ctx is passed back untouched.
 */
typedef void (*vd_log_sink_fn)(void *ctx, enum vd_log_level level, const char *msg);

struct vd_log_sink {
	vd_log_sink_fn fn;
	void *ctx;
};

/*
 * The default sink: "vsockdiag: " + tag ("error: ", "warning: ", "" for
 * info, "debug: ") + msg + "\n" on stderr.  ctx is ignored.
 */
void vd_log_stderr(void *ctx, enum vd_log_level level, const char *msg);

/*
 * Send every message that passes vd_log_level to fn(ctx, ...) from now on
 * (fn NULL: back to vd_log_stderr).  Returns the sink in place before, so
 * that the caller can put it back: prev = vd_log_set_sink(mine, me); ...;
 * vd_log_set_sink(prev.fn, prev.ctx).  Safe while other threads log: when
 * it returns, no thread is still running the previous sink.  A message
 * logged from inside the sink itself goes to vd_log_stderr, not back into
 * the sink.
 */
struct vd_log_sink vd_log_set_sink(vd_log_sink_fn fn, void *ctx);

/*
 * Messages held back: two recordings read at once by two threads must warn
 * in the order one thread reading A, then B, would have.  Between
 * vd_log_hold_begin(h) and vd_log_hold_end() on a thread, the messages that
 * pass vd_log_level are kept in h instead of reaching the sink;
 * vd_log_release(h) sends them, in order, and empties h.
 */
struct vd_log_held {
	struct vd_log_held_msg {
		enum vd_log_level level;
		char *msg;
	} * v;
	size_t n, cap;
};

void vd_log_hold_begin(struct vd_log_held *h);
void vd_log_hold_end(void);
void vd_log_release(struct vd_log_held *h);
/* forget them */
void vd_log_discard(struct vd_log_held *h);

#endif /* VD_LOG_H */
