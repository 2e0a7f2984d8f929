/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of `vsockdiag record` share; only record.c, rec_status.c,
 * rec_command.c (and the status line's unit test) include it:
 *   record.c       the session: signals, the capture loop, stop reasons, cleanup;
 *   rec_status.c   the live status line on stderr and the -v progress notes;
 *   rec_command.c  the command run during the recording (record -- COMMAND).
 * (rec_steps.h is another thing: the steps record and the live collector share.)
 */
#ifndef VD_REC_INTERNAL_H
#define VD_REC_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct tracefs_instance;

/* ---- the status line (rec_status.c) ---- */

/* what the status line and the -v notes show */
struct vd_rec_progress {
	uint64_t elapsed_ns;
	int64_t left_ns; /* -1: no -d */
	uint64_t recorded, lost, written;
	bool flight;
	const char *output;
	const char *cmd_name; /* NULL: no command */
	int cmd_pid;
};

/*
 * The status line for @p in at most @width - 1 columns (the last column would
 * make some terminals wrap): parts are shortened or dropped, what matters
 * least first, then the line is cut. Pure: no terminal, no tracefs.
 */
void vd_rec_status_format(char *out, size_t len, const struct vd_rec_progress *p, int width);

/*
 * The line on stderr: begin installs a log sink that prints every message on
 * a cleared line and draws the status again under it; show formats @p at the
 * terminal's width and draws it; end removes the sink and clears the line.
 */
void vd_rec_status_begin(void);
void vd_rec_status_show(const struct vd_rec_progress *p);
void vd_rec_status_end(void);

/* without a status line, -v: "recording 0:10: 1 234 events, 1.0 MiB written, 0 lost" */
void vd_rec_progress_note(const struct vd_rec_progress *p);

/* "48 213 907" */
char *vd_rec_fmt_count(char *buf, size_t len, uint64_t v);

/* events the ring buffer took so far and lost, all CPUs (per_cpu/cpuN/stats) */
void vd_rec_read_counts(struct tracefs_instance *inst, int ncpus, uint64_t *recorded,
			uint64_t *lost);

/* ---- the command (rec_command.c) ---- */

/* the open descriptors (/proc/self/fd), malloc'ed; *n = 0 without /proc */
int *vd_rec_open_fds(int *n);

/* close-on-exec for every descriptor open now that is not in @had (nor 0-2) */
void vd_rec_cloexec_since(const int *had, int nhad);

/*
 * Start @argv as execvp() would, with the caller's signal @mask and the
 * signals in @handled (record's handlers) and SIGPIPE at their default.
 * 0 (cmd filled) or -errno with a message in @err.
 */
int vd_rec_command_start(char *const *argv, const sigset_t *mask, const sigset_t *handled,
			 struct vd_record_command *cmd, char *err, size_t errlen);

/* true when the command has ended (and was reaped); false when none runs */
bool vd_rec_command_poll(struct vd_record_command *cmd);

/*
 * The recording stops before the command ended: SIGTERM, then SIGKILL after
 * VD_RECORD_CMD_GRACE_MS. @by_signal: first a moment for it to leave by itself.
 */
void vd_rec_command_stop(struct vd_record_command *cmd, bool by_signal);

#endif /* VD_REC_INTERNAL_H */
