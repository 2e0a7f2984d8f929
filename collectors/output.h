/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recording file: a trace-cmd trace.dat, version 6, written with
 * libtracecmd's output API.
 *
 * Life of a recording named FILE:
 *  - start: FILE is created (never through a symlink, never over an existing
 *    file without --force) and gets the headers, event formats, kallsyms and
 *    printk formats; FILE.parts/ gets one raw page file per CPU, the start
 *    metadata and a small space reserve;
 *  - stop: command lines, options (metadata, clock pairings, per-CPU stats),
 *    the CPU count and the flyrecord section go into FILE; each CPU's pages are
 *    moved from FILE.parts/ into FILE (copied, then punched out of the part file
 *    so a full disk still has room), and FILE.parts/ is removed.
 *  - after SIGKILL: FILE.parts/ holds every page flushed so far;
 *    "vsockdiag record --recover -o FILE" finishes FILE from it.
 */
#ifndef VD_OUTPUT_H
#define VD_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tracecmd_output;
struct vd_events;

struct vd_dat_option {
	unsigned short id;
	const char *text; /* NUL-terminated; stored with its NUL, as trace-cmd does */
};

struct vd_dat {
	struct tracecmd_output *out;
	int fd;	      /* FILE, owned by out */
	int parts_fd; /* FILE.parts/ */
	char *path, *parts;
	char clock[32];
	bool finished;
};

/* Create FILE and FILE.parts/; write the headers. */
int vd_dat_create(struct vd_dat *d, const char *path, bool force, const struct vd_events *ev,
		  const char *clock, const struct vd_dat_option *opts, int nopts, char *err,
		  size_t errlen);
/* Keep @o in FILE.parts/ so that --recover can put it in the file. */
int vd_dat_save_option(const struct vd_dat *d, const struct vd_dat_option *o);
/* Complete FILE from FILE.parts/ (ncpus part files) and remove FILE.parts/. */
int vd_dat_finish(struct vd_dat *d, int ncpus, const struct vd_dat_option *opts, int nopts,
		  char *err, size_t errlen);
/* Remove FILE and FILE.parts/ (a recording that never started). */
void vd_dat_abort(struct vd_dat *d);
/* --recover: finish FILE left behind by a killed recorder. */
int vd_dat_recover(const char *path, char *err, size_t errlen);

#endif /* VD_OUTPUT_H */
