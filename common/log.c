// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "common/log.h"

int vd_log_level = VD_LOG_WARN;
unsigned int vd_log_warn_limit = 20;

static void vlog(int level, const char *tag, const char *fmt, va_list ap)
{
	if (level > vd_log_level)
		return;
	fprintf(stderr, "vsockdiag: %s", tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define DEFINE_LOG(fn, level, tag)                                                                 \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vlog(level, tag, fmt, ap);                                                         \
		va_end(ap);                                                                        \
	}

DEFINE_LOG(vd_err, VD_LOG_ERROR, "error: ")
DEFINE_LOG(vd_warn, VD_LOG_WARN, "warning: ")
DEFINE_LOG(vd_info, VD_LOG_INFO, "")
DEFINE_LOG(vd_dbg, VD_LOG_DEBUG, "debug: ")
