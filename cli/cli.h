/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VD_CLI_H
#define VD_CLI_H

#include <stdbool.h>
#include <stddef.h>

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
int cmd_record(int argc, char **argv, const struct vd_global *g);
/* print an error (as {"error": ...} in JSON mode too) and return VD_EXIT_USAGE */
int vd_cli_error(const struct vd_global *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* cli/cli_bpf.c: the BPF options of record and top (messages name the option) */
void vd_cli_bpf_defaults(struct vd_bpf_opts *b);
int vd_cli_parse_bpf_mode(const char *s, enum vd_bpf_mode *mode, char *err, size_t errlen);
int vd_cli_parse_sample_hz(const char *s, unsigned int *hz, char *err, size_t errlen);

/* "linux.txt" -> "linux": a label that reads well in a report (free it) */
char *vd_cli_label(const char *path);

#endif /* VD_CLI_H */
