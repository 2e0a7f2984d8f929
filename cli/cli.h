/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VD_CLI_H
#define VD_CLI_H

#include <stdbool.h>

#define VD_VERSION "0.1.0"

/* exit status (DESIGN decision 8): soak-test CI gates on it */
enum { VD_EXIT_OK = 0, VD_EXIT_PROBLEMS = 1, VD_EXIT_USAGE = 2 };

struct vd_global {
	bool json;
	bool pretty;
	int verbose;
};

int cmd_correlate(int argc, char **argv, const struct vd_global *g);
int cmd_record(int argc, char **argv, const struct vd_global *g);
/* print an error (as {"error": ...} in JSON mode too) and return VD_EXIT_USAGE */
int vd_cli_error(const struct vd_global *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* VD_CLI_H */
