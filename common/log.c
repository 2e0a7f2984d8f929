// SPDX-License-Identifier: GPL-2.0
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

int vd_log_level = VD_LOG_WARN;
unsigned int vd_log_warn_limit = 20;

static struct vd_log_sink sink = { vd_log_stderr, NULL };
/*
 * Readers hold it while they run the sink, the setter takes it for writing:
 * once vd_log_set_sink() returns, no thread is still inside the old sink, so
 * a full-screen view may free what its sink wrote into.
 */
static pthread_rwlock_t sink_lock = PTHREAD_RWLOCK_INITIALIZER;
/* set while this thread runs the sink: what the sink logs itself goes to stderr */
static __thread bool in_sink;
/* this thread's messages are held here (vd_log_hold_begin) */
static __thread struct vd_log_held *held;

static const char *level_tag(enum vd_log_level level)
{
	switch (level) {
	case VD_LOG_ERROR:
		return "error: ";
	case VD_LOG_WARN:
		return "warning: ";
	case VD_LOG_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

void vd_log_stderr(void *ctx, enum vd_log_level level, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "vsockdiag: %s%s\n", level_tag(level), msg);
}

struct vd_log_sink vd_log_set_sink(vd_log_sink_fn fn, void *ctx)
{
	struct vd_log_sink prev;

	pthread_rwlock_wrlock(&sink_lock);
	prev = sink;
	sink = fn ? (struct vd_log_sink){ fn, ctx } : (struct vd_log_sink){ vd_log_stderr, NULL };
	pthread_rwlock_unlock(&sink_lock);
	return prev;
}

static void hold(enum vd_log_level level, const char *msg)
{
	char *copy = strdup(msg);

	if (!copy)
		return; /* without memory the message is lost, as a write error would lose it */
	if (held->n == held->cap) {
		size_t cap = held->cap ? held->cap * 2 : 16;
		struct vd_log_held_msg *v = realloc(held->v, cap * sizeof(*v));

		if (!v) {
			free(copy);
			return;
		}
		held->v = v;
		held->cap = cap;
	}
	held->v[held->n++] = (struct vd_log_held_msg){ level, copy };
}

void vd_log_hold_begin(struct vd_log_held *h)
{
	held = h;
}

void vd_log_hold_end(void)
{
	held = NULL;
}

static void emit(enum vd_log_level level, const char *msg)
{
	pthread_rwlock_rdlock(&sink_lock);
	sink.fn(sink.ctx, level, msg);
	pthread_rwlock_unlock(&sink_lock);
}

void vd_log_release(struct vd_log_held *h)
{
	for (size_t i = 0; i < h->n; i++) {
		if (in_sink) {
			vd_log_stderr(NULL, h->v[i].level, h->v[i].msg);
		} else {
			in_sink = true;
			emit(h->v[i].level, h->v[i].msg);
			in_sink = false;
		}
		free(h->v[i].msg);
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
}

void vd_log_discard(struct vd_log_held *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].msg);
	free(h->v);
	memset(h, 0, sizeof(*h));
}

static void vlog(enum vd_log_level level, const char *fmt, va_list ap)
{
	char small[512], *msg = small;
	va_list again;
	int n;

	if ((int)level > vd_log_level)
		return;
	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		small[0] = '\0';
	} else if ((size_t)n >= sizeof(small)) {
		/* a long message whole; without memory, what fits */
		char *big = malloc((size_t)n + 1);

		if (big) {
			vsnprintf(big, (size_t)n + 1, fmt, again);
			msg = big;
		}
	}
	va_end(again);
	if (held) {
		hold(level, msg);
	} else if (in_sink) {
		vd_log_stderr(NULL, level, msg);
	} else {
		in_sink = true;
		emit(level, msg);
		in_sink = false;
	}
	if (msg != small)
		free(msg);
}

#define DEFINE_LOG(fn, level)                                                                      \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vlog(level, fmt, ap);                                                              \
		va_end(ap);                                                                        \
	}

DEFINE_LOG(vd_err, VD_LOG_ERROR)
DEFINE_LOG(vd_warn, VD_LOG_WARN)
DEFINE_LOG(vd_info, VD_LOG_INFO)
DEFINE_LOG(vd_dbg, VD_LOG_DEBUG)
