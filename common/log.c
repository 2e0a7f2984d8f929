// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"

int vd_log_level = VD_LOG_WARN;
unsigned int vd_log_warn_limit = 20;

static struct vd_log_sink sink = { vd_log_stderr, NULL };
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
	struct vd_log_sink prev = sink;

	sink = fn ? (struct vd_log_sink){ fn, ctx } : (struct vd_log_sink){ vd_log_stderr, NULL };
	return prev;
}

static void vlog(enum vd_log_level level, const char *fmt, va_list ap)
{
	char small[512], *msg = small;
	struct vd_log_sink s = sink;
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
		s.fn(s.ctx, level, msg);
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
