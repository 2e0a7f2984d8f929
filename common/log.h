/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diagnostics go to stderr, never stdout: stdout carries the report (or JSON)
 * and must stay machine-readable.
 */
#ifndef VD_LOG_H
#define VD_LOG_H

#include <stdint.h>

enum vd_log_level { VD_LOG_QUIET = 0, VD_LOG_ERROR, VD_LOG_WARN, VD_LOG_INFO, VD_LOG_DEBUG };

extern int vd_log_level;
/* How many warnings to print per source file before only counting them. */
extern unsigned int vd_log_warn_limit;

void vd_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vd_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vd_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* VD_LOG_H */
