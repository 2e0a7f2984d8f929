/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The private tracefs instance a recording runs in ("vsockdiag-<pid>"), so
 * global tracing and other users' instances stay untouched.
 */
#ifndef VD_INSTANCE_H
#define VD_INSTANCE_H

#include <stddef.h>

struct tracefs_instance;

#define VD_INSTANCE_PREFIX "vsockdiag-"

/*
 * Check that tracefs is usable: root, and tracefs mounted. When it is not
 * mounted, mount it as trace-cmd does (tracefs on /sys/kernel/tracing, else
 * debugfs on /sys/kernel/debug), leave it mounted and say so on stderr.
 * 0 or a negative errno with a message for the user in @err.
 */
int vd_tracefs_check(char *err, size_t errlen);
/* Remove instances left by vsockdiag runs that died (their pid is gone or is
 * no longer vsockdiag). Returns how many were removed. */
int vd_instance_clean_stale(void);
int vd_instance_create(struct tracefs_instance **out);
/* "vsockdiag-<pid>-<suffix>": a second instance of the same run (the live collector's) */
int vd_instance_create_named(const char *suffix, struct tracefs_instance **out);
/*
 * The ring buffer's sub-buffer (page) size of @inst in bytes, or -errno
 * (tracefs_cpu_open parses header_page for it; readers keep their own fds).
 */
int vd_instance_page_size(struct tracefs_instance *inst);
/*
 * CPU @cpu's trace_pipe_raw in @inst, non-blocking: a descriptor, -ENOENT
 * when the CPU has no buffer (not there), or another -errno.
 */
int vd_instance_raw_open(struct tracefs_instance *inst, int cpu);
/* Stop tracing in it, remove it from tracefs and free the handle. */
int vd_instance_destroy(struct tracefs_instance *inst);

#endif /* VD_INSTANCE_H */
