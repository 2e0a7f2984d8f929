/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text reports' output filter: every line wrapped to a terminal's width with a hanging
 * indent (list items, "label: text" lines, table rows), and the verdict and severities
 * coloured. Only where lines break changes (plus SGR escapes when colour is on): the words,
 * their order and the spaces between them that stay on one line are the report's own.
 */
#ifndef VD_TEXTOUT_H
#define VD_TEXTOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct vd_textout_opts {
	int width; /* columns; <= 0: never wrap */
	bool
	    color; /* ANSI SGR on the verdict, [error]/[warning]/[info]/[note], cause:/next step: */
};

/* A growable byte buffer (not NUL-terminated); zero-initialise, vd_textbuf_free() when done. */
struct vd_textbuf {
	char *s;
	size_t len, cap;
};

void vd_textbuf_free(struct vd_textbuf *b);

/*
 * Append the wrapped (and coloured) form of one line to out: line holds len bytes and no
 * '\n'; the output lines are joined by '\n' with none after the last (the caller ends the
 * line). Return 0 or -ENOMEM.
 */
int vd_textout_line(struct vd_textbuf *out, const char *line, size_t len,
		    const struct vd_textout_opts *o);

/*
 * A FILE that writes to dst, each line wrapped and coloured by vd_textout_line(). A line is
 * written to dst once its '\n' arrives (fflush() does not push a partial one); fclose()
 * writes the last partial line, flushes dst and returns 0, or EOF when writing to dst failed
 * at any point. dst is not closed. NULL with errno set when out of memory.
 */
FILE *vd_textout_open(FILE *dst, const struct vd_textout_opts *o);

#endif /* VD_TEXTOUT_H */
