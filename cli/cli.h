/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VD_CLI_H
#define VD_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzers/model/model.h"
#include "collectors/record.h"

#define VD_VERSION "0.1.0"

/* exit status (doc/DECISIONS.md): soak-test CI gates on it */
enum { VD_EXIT_OK = 0, VD_EXIT_PROBLEMS = 1, VD_EXIT_USAGE = 2 };

struct vd_global {
	bool json;
	bool pretty;
	int verbose;
};

/* long options every subcommand accepts; their getopt values are shared */
enum { VD_OPT_JSON = 1000, VD_OPT_PRETTY };
#define VD_CLI_COMMON_LONGOPTS                                                                     \
	{ "json", no_argument, NULL, VD_OPT_JSON },                                                \
	    { "pretty", no_argument, NULL, VD_OPT_PRETTY }, { "verbose", no_argument, NULL, 'v' }, \
	{                                                                                          \
		"quiet", no_argument, NULL, 'q'                                                    \
	}
/*
 * handle an option common to all subcommands (-j, --json, --pretty, -v, -q); false when
 * c is not one of them. Each subcommand's optstring lists "jvq".
 */
bool vd_cli_common_opt(int c, struct vd_global *g);

int cmd_correlate(int argc, char **argv, const struct vd_global *g);
int cmd_export(int argc, char **argv, const struct vd_global *g);
int cmd_record(int argc, char **argv, const struct vd_global *g);
int cmd_report(int argc, char **argv, const struct vd_global *g);
int cmd_top(int argc, char **argv, const struct vd_global *g);
/* print an error (as {"error": ...} in JSON mode too) and return VD_EXIT_USAGE */
int vd_cli_error(const struct vd_global *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* cli/cli_bpf.c: the BPF options of record and top (messages name the option) */
void vd_cli_bpf_defaults(struct vd_bpf_opts *b);
int vd_cli_parse_bpf_mode(const char *s, enum vd_bpf_mode *mode, char *err, size_t errlen);
int vd_cli_parse_sample_hz(const char *s, unsigned int *hz, char *err, size_t errlen);

/*
 * cli/cli_out.c: where a report goes (-o FILE or stdout) and how its text
 * looks (--width, --color); the progress line on stderr.
 */
enum vd_cli_color { VD_CLI_COLOR_AUTO = 0, VD_CLI_COLOR_ALWAYS, VD_CLI_COLOR_NEVER };
struct vd_cli_out {
	const char *path; /* -o FILE; NULL: stdout */
	int width;	  /* --width N (0: never wrap); -1: the terminal's, 80 otherwise */
	enum vd_cli_color color;
	FILE *file; /* the destination: stdout or the -o file */
	FILE *text; /* the text report's stream: wrapped and coloured onto file */
};
/* the report options' long names and getopt values (correlate, report) */
enum { VD_OPT_OUT_WIDTH = 1100, VD_OPT_OUT_COLOR };
#define VD_CLI_OUT_LONGOPTS                                                                        \
	{ "output", required_argument, NULL, 'o' },                                                \
	    { "width", required_argument, NULL, VD_OPT_OUT_WIDTH },                                \
	{                                                                                          \
		"color", required_argument, NULL, VD_OPT_OUT_COLOR                                 \
	}
/* the --help lines of those options; the progress and environment paragraphs */
extern const char vd_cli_out_help[];
extern const char vd_cli_report_env_help[];
void vd_cli_out_init(struct vd_cli_out *o);
/* handle -o, --width, --color: 1 handled, 0 not one of them, -EINVAL (message printed) */
int vd_cli_out_opt(struct vd_cli_out *o, int c, const char *arg, const struct vd_global *g);
/*
 * Open the destination once the analysis succeeded (a failed run leaves no
 * half report behind).  0 or VD_EXIT_USAGE after printing why.
 */
int vd_cli_out_open(struct vd_cli_out *o, const struct vd_global *g);
/* flush and close; 0, or VD_EXIT_USAGE after printing the write error */
int vd_cli_out_close(struct vd_cli_out *o, const struct vd_global *g);
/*
 * The progress line for long work on these inputs: only when stderr is a
 * terminal, without -q, and not while JSON goes to a pipe or file.
 */
void vd_cli_progress(const struct vd_global *g, const struct vd_cli_out *o, const char *what);

/*
 * -e/--events LIST may be repeated (record, top): the lists accumulate,
 * comma-joined into buf. 0, or -1 when item is empty or buf is full.
 */
int vd_cli_events_add(char *buf, size_t len, const char *item);

/*
 * cli/cli_analysis.c: the analysis options correlate and export share
 * (--names, --offset, --map, --stall, --grace, --starve, --irq-a/-b,
 * --adb-port) and the partitions' labels.
 */
enum {
	VD_OPT_AN_NAMES = 1200,
	VD_OPT_AN_OFFSET,
	VD_OPT_AN_MAP,
	VD_OPT_AN_STALL,
	VD_OPT_AN_GRACE,
	VD_OPT_AN_STARVE,
	VD_OPT_AN_IRQ_A,
	VD_OPT_AN_IRQ_B,
	VD_OPT_AN_ADB_PORT
};
#define VD_CLI_ANALYSIS_LONGOPTS                                                                   \
	{ "names", required_argument, NULL, VD_OPT_AN_NAMES },                                     \
	    { "offset", required_argument, NULL, VD_OPT_AN_OFFSET },                               \
	    { "map", required_argument, NULL, VD_OPT_AN_MAP },                                     \
	    { "stall", required_argument, NULL, VD_OPT_AN_STALL },                                 \
	    { "grace", required_argument, NULL, VD_OPT_AN_GRACE },                                 \
	    { "starve", required_argument, NULL, VD_OPT_AN_STARVE },                               \
	    { "irq-a", required_argument, NULL, VD_OPT_AN_IRQ_A },                                 \
	    { "irq-b", required_argument, NULL, VD_OPT_AN_IRQ_B },                                 \
	{                                                                                          \
		"adb-port", required_argument, NULL, VD_OPT_AN_ADB_PORT                            \
	}
struct vd_cli_analysis {
	struct vd_opts o;
	char *names[2];	     /* --names */
	char *auto_names[2]; /* from the file names */
};
extern const char vd_cli_analysis_help[];
void vd_cli_analysis_init(struct vd_cli_analysis *a);
/* 1 handled, 0 not one of them, -EINVAL (message printed) */
int vd_cli_analysis_opt(struct vd_cli_analysis *a, int c, const char *arg,
			const struct vd_global *g);
/* the inputs (B may be NULL) and, without --names, labels from their file names */
void vd_cli_analysis_inputs(struct vd_cli_analysis *a, const char *path_a, const char *path_b);
void vd_cli_analysis_free(struct vd_cli_analysis *a);

/* "linux.txt" -> "linux": a label that reads well in a report (free it) */
char *vd_cli_label(const char *path);

#endif /* VD_CLI_H */
