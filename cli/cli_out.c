// SPDX-License-Identifier: GPL-2.0
/* Where a report goes and how its text looks: -o, --width, --color; progress. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/progress.h"
#include "common/textout.h"
#include "common/util.h"
#include "cli.h"

/* a report wider than this is not for people: --width caps here */
#define MAX_WIDTH 4096

const char vd_cli_out_help[] =
    "  -o, --output FILE    write the report to FILE instead of standard output\n"
    "                       (never through a symlink)\n"
    "  --width N            wrap the text report to N columns (0: never wrap;\n"
    "                       default: the terminal's width, 80 when not a terminal)\n"
    "  --color WHEN         colour the verdict and severities: auto (default: on a\n"
    "                       terminal, unless NO_COLOR is set or TERM=dumb), always,\n"
    "                       never\n";

const char vd_cli_report_env_help[] =
    "Progress: on a terminal, a line on standard error says which pass runs and how\n"
    "far it is (with an ETA on long inputs); never with -q or with JSON to a pipe.\n"
    "\n"
    "Environment: NO_COLOR (set: no colour with --color auto), TERM (dumb: no\n"
    "colour), VSOCKDIAG_DEBUG (set: debug messages, as -v -v), TMPDIR (where\n"
    "standard input, pipes and compressed inputs are copied, and the event cache\n"
    "once over its memory; default /tmp), VSOCKDIAG_CACHE_MEM (bytes of memory for\n"
    "each recording's event cache before it moves to TMPDIR; default 16 MiB),\n"
    "VSOCKDIAG_CACHE=0 (parse every pass again), VSOCKDIAG_THREADS=1 (one thread: the\n"
    "two recordings one after the other, no replay decoded ahead). Each recording\n"
    "is parsed once; its events are kept compact for the later passes (clock\n"
    "rounds, pairing).\n";

void vd_cli_out_init(struct vd_cli_out *o)
{
	*o = (struct vd_cli_out){ .width = -1, .color = VD_CLI_COLOR_AUTO };
}

int vd_cli_out_opt(struct vd_cli_out *o, int c, const char *arg, const struct vd_global *g)
{
	uint64_t v;

	switch (c) {
	case 'o':
		o->path = arg;
		return 1;
	case VD_OPT_OUT_WIDTH:
		if (vd_parse_u64(arg, strlen(arg), 10, &v) || v > MAX_WIDTH || (v > 0 && v < 20)) {
			vd_cli_error(g,
				     "--width '%s': give columns from 20 to %d, or 0 to never wrap",
				     arg, MAX_WIDTH);
			return -EINVAL;
		}
		o->width = (int)v;
		return 1;
	case VD_OPT_OUT_COLOR:
		if (!strcmp(arg, "auto"))
			o->color = VD_CLI_COLOR_AUTO;
		else if (!strcmp(arg, "always"))
			o->color = VD_CLI_COLOR_ALWAYS;
		else if (!strcmp(arg, "never"))
			o->color = VD_CLI_COLOR_NEVER;
		else {
			vd_cli_error(g, "--color '%s': give auto, always or never", arg);
			return -EINVAL;
		}
		return 1;
	default:
		return 0;
	}
}

static bool color_auto(int fd)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	/* no-color.org: set and not empty disables colour */
	if (no && *no)
		return false;
	if (!term || !strcmp(term, "dumb"))
		return false;
	return isatty(fd);
}

static int width_auto(int fd)
{
	struct winsize ws;

	if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

int vd_cli_out_open(struct vd_cli_out *o, const struct vd_global *g)
{
	struct vd_textout_opts to;
	int fd;

	o->file = stdout;
	if (o->path && strcmp(o->path, "-")) {
		/* a report is replaced like a shell redirection would, but never via a symlink */
		fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			int e = errno;

			return vd_cli_error(
			    g, "cannot write the report to %s: %s%s", o->path, strerror(e),
			    e == ELOOP ? " (it is a symlink: vsockdiag never writes "
					 "through one; give the real path)"
				       : "");
		}
		o->file = fdopen(fd, "w");
		if (!o->file) {
			close(fd);
			return vd_cli_error(g, "cannot write the report to %s: %s", o->path,
					    strerror(errno));
		}
	}
	to.width = o->width >= 0 ? o->width : width_auto(fileno(o->file));
	to.color = o->color == VD_CLI_COLOR_ALWAYS ||
		   (o->color == VD_CLI_COLOR_AUTO && color_auto(fileno(o->file)));
	o->text = vd_textout_open(o->file, &to);
	if (!o->text) {
		if (o->file != stdout)
			fclose(o->file);
		o->file = NULL;
		return vd_cli_error(g, "cannot set up the report's output: %s", strerror(errno));
	}
	return 0;
}

int vd_cli_out_close(struct vd_cli_out *o, const struct vd_global *g)
{
	int bad = 0, e = 0;

	if (o->text && fclose(o->text)) {
		bad = 1;
		e = errno;
	}
	o->text = NULL;
	if (o->file && (fflush(o->file) || ferror(o->file)) && !bad) {
		bad = 1;
		e = errno;
	}
	if (o->file && o->file != stdout && fclose(o->file) && !bad) {
		bad = 1;
		e = errno;
	}
	o->file = NULL;
	if (bad)
		return vd_cli_error(g, "writing the report%s%s failed: %s", o->path ? " to " : "",
				    o->path ? o->path : "", strerror(e ? e : EIO));
	return 0;
}

void vd_cli_progress(const struct vd_global *g, const struct vd_cli_out *o, const char *what)
{
	if (!isatty(STDERR_FILENO) || vd_log_level < VD_LOG_WARN)
		return;
	if (g->json && (o->path || !isatty(STDOUT_FILENO)))
		return;
	vd_progress_start(what);
}
