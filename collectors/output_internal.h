/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the trace.dat writer share, and nothing else includes:
 *   output.c         FILE: claimed, headers written at start; abort;
 *   output_parts.c   FILE.parts/: name, claim, reserve, saved options, removal;
 *   output_finish.c  stop and --recover: options, flyrecord, pages moved in.
 */
#ifndef VD_OUTPUT_INTERNAL_H
#define VD_OUTPUT_INTERNAL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>

#include "output.h"

/* Freed first at stop, so that a disk filled by the capture has room to finish FILE. */
#define RESERVE_BYTES (1024 * 1024)
/* Copy unit from part file to FILE: below the reserve, so the first one always fits. */
#define COPY_CHUNK (256 * 1024)

/* ---- FILE.parts/: output_parts.c -------------------------------------- */

/* "FILE.parts", allocated */
char *vd_dat_parts_name(const char *path);
/* Create FILE.parts/ (emptied first with force) and open it: its fd, or -errno with err set. */
int vd_dat_parts_claim(const char *parts, bool force, char *err, size_t errlen);
/* The space reserve, RESERVE_BYTES of written zeros. */
int vd_dat_parts_reserve(int dirfd);
/* Save @o as opt-ID, for FILE at stop or --recover. */
int vd_dat_parts_save_option(int dirfd, const struct vd_dat_option *o);
DIR *vd_dat_parts_dir(int dirfd);
void vd_dat_parts_remove(int dirfd, const char *parts);
char *vd_dat_parts_read(int dirfd, const char *name);
/* The number of part files, cpu0 .. cpuN-1. */
int vd_dat_parts_count(int dirfd);

#endif /* VD_OUTPUT_INTERNAL_H */
