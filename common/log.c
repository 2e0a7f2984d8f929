// SPDX-License-Identifier: GPL-2.0
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

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
	if (in_sink) {
		vd_log_stderr(NULL, level, msg);
	} else {
		in_sink = true;
		pthread_rwlock_rdlock(&sink_lock);
		sink.fn(sink.ctx, level, msg);
		pthread_rwlock_unlock(&sink_lock);
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
