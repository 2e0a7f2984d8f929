// SPDX-License-Identifier: GPL-2.0
/*
 * record's status line (collectors/rec_status.c): what it says, and that a
 * narrow terminal loses the parts that matter least first (the file, the long
 * forms, the bytes written, the command, the hint) and never gets a line as
 * wide as itself (the last column would make some terminals wrap).
 */
#include <stdio.h>

#include "common/util.h"
#include "collectors/rec_internal.h"
#include "vtest.h"

/* display columns: one per UTF-8 character */
static int cols(const char *t)
{
	int n = 0;

	for (; *t; t++)
		n += ((unsigned char)*t & 0xc0) != 0x80;
	return n;
}

/* streaming to vsockdiag.dat for 12 s, no -d */
static const struct vd_rec_progress streaming = {
	.elapsed_ns = 12 * NSEC_PER_SEC + 400 * NSEC_PER_MSEC,
	.left_ns = -1,
	.recorded = 48213907,
	.lost = 0,
	.written = 3 << 20,
	.output = "vsockdiag.dat",
};

static char *line(const struct vd_rec_progress *p, int width)
{
	static char out[512];

	vd_rec_status_format(out, sizeof(out), p, width);
	return out;
}

VT_TEST(rec_status_wide_terminal_shows_every_part)
{
	VT_EQ_STR(line(&streaming, 200),
		  "recording 0:12  events 48 213 907  written 3.0 MiB  lost 0  "
		  "-> vsockdiag.dat  (Ctrl-C to stop)");
}

VT_TEST(rec_status_80_columns_drops_the_file_first)
{
	const char *l = line(&streaming, 80);

	VT_EQ_STR(l,
		  "recording 0:12  events 48 213 907  written 3.0 MiB  lost 0  (Ctrl-C to stop)");
	VT_ASSERT(cols(l) <= 79);
}

VT_TEST(rec_status_40_columns_drops_in_priority_order)
{
	const char *l = line(&streaming, 40);

	/* the file, then the long hint and time, the bytes written, at last the hint itself */
	VT_EQ_STR(l, "0:12  events 48 213 907  lost 0");
	VT_ASSERT(cols(l) <= 39);
}

VT_TEST(rec_status_duration_left_rounds_up)
{
	struct vd_rec_progress p = streaming;

	/* -d 60: 47.6 s left shows as 0:48, as a countdown does */
	p.left_ns = 47600 * (int64_t)NSEC_PER_MSEC;
	VT_EQ_STR(line(&p, 80),
		  "0:12, 0:48 left  events 48 213 907  written 3.0 MiB  lost 0  Ctrl-C stops");
	/* nothing left to drop at 40 columns: the line is cut at 39 */
	VT_EQ_STR(line(&p, 40), "0:12, 0:48 left  events 48 213 907  los");
}

VT_TEST(rec_status_flight_recorder)
{
	struct vd_rec_progress p = {
		.elapsed_ns = 65 * NSEC_PER_SEC,
		.left_ns = -1,
		.recorded = 1234,
		.written = 999, /* not shown: nothing is written until the end */
		.lost = 7,	/* nor lost: the ring buffer overwrites by design */
		.flight = true,
		.output = "vsockdiag.dat",
	};

	VT_EQ_STR(line(&p, 80),
		  "recording 1:05  events 1 234 in the ring buffer  (SIGUSR1 or Ctrl-C writes it)");
	VT_EQ_STR(line(&p, 40), "1:05  events 1 234  Ctrl-C writes it");
}

VT_TEST(rec_status_with_a_command)
{
	struct vd_rec_progress p = {
		.elapsed_ns = 3 * NSEC_PER_SEC,
		.left_ns = -1,
		.recorded = 987,
		.lost = 5,
		.written = 40960,
		.output = "vsockdiag.dat",
		.cmd_name = "sleep",
		.cmd_pid = 4242,
	};

	VT_EQ_STR(line(&p, 200),
		  "recording 0:03  events 987  written 40.0 KiB  lost 5  -> vsockdiag.dat  "
		  "command sleep [4242]  (stops when it exits, or Ctrl-C)");
	VT_EQ_STR(line(&p, 80), "0:03  events 987  written 40.0 KiB  lost 5  command sleep [4242]  "
				"Ctrl-C stops");
	/* the command goes before the hint: Ctrl-C is how to stop it */
	VT_EQ_STR(line(&p, 40), "0:03  events 987  lost 5  Ctrl-C stops");
}

VT_TEST(rec_status_never_as_wide_as_the_terminal)
{
	struct vd_rec_progress p[3] = { streaming, streaming, streaming };

	p[1].flight = true;
	p[2].cmd_name = "a-command-with-a-rather-long-name";
	p[2].cmd_pid = 123456;
	p[2].left_ns = 3599 * (int64_t)NSEC_PER_SEC;
	p[2].elapsed_ns = 7322 * NSEC_PER_SEC; /* 2:02:02 */
	p[2].output = "/var/tmp/r\xc3\xa9"
		      "cords/a-long-file-name.dat";
	for (int i = 0; i < 3; i++)
		for (int w = 9; w <= 160; w++) {
			const char *l = line(&p[i], w);

			if (cols(l) > w - 1 || !l[0]) {
				vt_fail(__FILE__, __LINE__,
					"progress %d at %d columns: \"%s\" (%d)", i, w, l, cols(l));
				return;
			}
		}
	/* below 9 columns the line keeps 8 rather than saying nothing */
	VT_EQ_INT(cols(line(&streaming, 3)), 8);
}
