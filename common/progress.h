/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A one-line progress report on stderr for long batch work (correlate,
 * report): which pass, how far through the inputs' bytes, and an ETA once a
 * pass has run a few seconds.  Off unless the CLI turns it on (stderr a
 * terminal, no -q, no --json to a pipe): tests, fuzzers and the library
 * never draw.  Warnings logged while the line is up clear it first, so the
 * terminal keeps no debris.
 */
#ifndef VD_PROGRESS_H
#define VD_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* Turn it on for this process; what names the work ("correlate"). */
void vd_progress_start(const char *what);
/* Clear the line and turn it off (idempotent). */
void vd_progress_stop(void);
bool vd_progress_enabled(void);

/*
 * An input of total bytes (0: unknown size, e.g. a pipe).  Returns a slot
 * for vd_progress_set(), or -1 when progress is off or the slots are full.
 */
int vd_progress_add(uint64_t total);
/* The slot's input is done bytes through; cheap enough for every 1000 events. */
void vd_progress_set(int slot, uint64_t done);
/*
 * A new pass over the inputs ("clock round 2"); the ETA restarts.  With
 * VSOCKDIAG_DEBUG the time each pass took is logged when the next begins
 * (whether or not the line is drawn): where correlate spends its time.
 */
void vd_progress_pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last pass is over: its time is logged (VSOCKDIAG_DEBUG only). */
void vd_progress_pass_end(void);
/* Work between passes that reads no input (the vote): timed alone, the line untouched. */
void vd_progress_phase(const char *name);

/* "1:05" / "12 s": how the line shows a duration (exported for tests) */
void vd_progress_fmt_eta(char *buf, unsigned long len, double seconds);

#endif /* VD_PROGRESS_H */
