// SPDX-License-Identifier: GPL-2.0
/* vsockdiag: the subcommand table (bpftool style: unique prefixes abbreviate). */
#include <bpf/libbpf.h>
#include <curses.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "cli.h"

#ifndef VD_BUILT_WITH
#define VD_BUILT_WITH "unknown library versions"
#endif

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct vd_global *g);
	const char *what;
};

static const struct subcmd subcmds[] = {
	{ "correlate", cmd_correlate,
	  "align two partitions' recordings and name what happened to every packet" },
	{ "export", cmd_export,
	  "write the analysis as a Perfetto timeline, a pcapng capture or an HTML page" },
	{ "record", cmd_record, "record this partition's vsock trace into a trace-cmd .dat" },
	{ "report", cmd_report, "summarize one partition's recording (text or trace.dat)" },
	{ "top", cmd_top,
	  "watch every vsock connection's credit and throughput, live or replayed" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vsockdiag [-j|--json] [-p|--pretty] [-v|-q] COMMAND [ARGS]\n"
		   "       vsockdiag help COMMAND | COMMAND --help\n"
		   "       vsockdiag -V | --version | version\n\n"
		   "Trace and diagnose vsock (virtio-vsock / vhost-vsock) links between VMs.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		fprintf(f, "  %-10s %s\n", subcmds[i].name, subcmds[i].what);
	fprintf(
	    f, "\nExample: the seed case, two 'cat trace' dumps from a Linux host and an Android "
	       "guest:\n"
	       "  vsockdiag correlate --names linux,android linux.txt android.txt\n\n"
	       "Exit status: 0 healthy, 1 problems found (or cannot prove healthy), 2 usage or "
	       "input error.\n"
	       "Global options: -j, --json (machine-readable output, schema in\n"
	       "  doc/json-schema.md), -p, --pretty (indented JSON), -v, --verbose (more\n"
	       "  detail), -q, --quiet (no warnings), -V, --version (and the libraries it\n"
	       "  was built with).\n"
	       "Commands abbreviate to any unique prefix (cor, e, rec, rep, t).\n\n"
	       "Environment:\n"
	       "  VSOCKDIAG_FORBID_VSOCK  set: record and top refuse vsock:* events and every BPF\n"
	       "                          hook on vsock, virtio and vhost code\n"
	       "  VSOCKDIAG_DEBUG         set: debug messages on standard error (as -v -v)\n"
	       "  NO_COLOR                set and not empty: no colour unless --color always\n"
	       "  TERM                    dumb: no colour; top needs it for the full screen\n"
	       "  TMPDIR                  where standard input, pipes and compressed inputs\n"
	       "                          are copied before they are read, and the event\n"
	       "                          cache once it outgrows its memory (default /tmp)\n"
	       "  VSOCKDIAG_CACHE_MEM     bytes of memory per recording's event cache\n"
	       "                          (default 16 MiB); VSOCKDIAG_CACHE=0: parse every\n"
	       "                          pass again; VSOCKDIAG_THREADS=1: one thread\n");
}

int vd_cli_error(const struct vd_global *g, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vsockdiag: error: %s\n", msg);
	if (g->json) {
		struct vd_json j;

		vd_json_init(&j, stdout, g->pretty);
		vd_json_obj_begin(&j, NULL);
		vd_json_str(&j, "error", msg);
		vd_json_obj_end(&j);
		vd_json_end(&j);
	}
	return VD_EXIT_USAGE;
}

bool vd_cli_common_opt(int c, struct vd_global *g)
{
	switch (c) {
	case VD_OPT_JSON:
	case 'j':
		g->json = true;
		return true;
	case VD_OPT_PRETTY:
		g->json = g->pretty = true;
		return true;
	case 'v':
		if (++g->verbose > 1)
			vd_log_level = VD_LOG_DEBUG;
		return true;
	case 'q':
		vd_log_level = VD_LOG_ERROR;
		return true;
	default:
		return false;
	}
}

static const struct subcmd *find_subcmd(const char *name, const struct vd_global *g)
{
	const size_t n = sizeof(subcmds) / sizeof(subcmds[0]);
	const struct subcmd *hit = NULL;
	size_t len = strlen(name), nhits = 0;
	char cands[256] = "";

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(subcmds[i].name, name))
			return &subcmds[i];
		if (len && !strncmp(subcmds[i].name, name, len)) {
			hit = &subcmds[i];
			nhits++;
			snprintf(cands + strlen(cands), sizeof(cands) - strlen(cands), "%s%s",
				 cands[0] ? ", " : "", subcmds[i].name);
		}
	}
	if (nhits > 1) {
		vd_cli_error(g, "'%s' is ambiguous: it could be %s", name, cands);
		return NULL;
	}
	if (!hit)
		vd_cli_error(g, "unknown command '%s': run 'vsockdiag --help' for the list", name);
	return hit;
}

static int version(void)
{
	printf("vsockdiag %s\n", VD_VERSION);
	/* the tracing libraries have no run-time version call: the build's, from pkg-config */
	printf("built with %s; running libbpf %s, %s\n", VD_BUILT_WITH, libbpf_version_string(),
	       curses_version());
	return fflush(stdout) || ferror(stdout) ? VD_EXIT_USAGE : VD_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct vd_global g = { 0 };
	const struct subcmd *sc;
	int c;

	if (getenv("VSOCKDIAG_DEBUG"))
		vd_log_level = VD_LOG_DEBUG;
	/* '+': stop at the subcommand; its options are its own */
	while ((c = getopt_long(argc, argv, "+jpvqhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			g.json = true;
			break;
		case 'p':
			g.json = g.pretty = true;
			break;
		case 'v':
			g.verbose++;
			break;
		case 'q':
			vd_log_level = VD_LOG_ERROR;
			break;
		case 'h':
			usage(stdout);
			return VD_EXIT_OK;
		case 'V':
			return version();
		default:
			usage(stderr);
			return VD_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return VD_EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "version"))
		return version();
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 >= argc) {
			usage(stdout);
			return VD_EXIT_OK;
		}
		sc = find_subcmd(argv[optind + 1], &g);
		if (!sc)
			return VD_EXIT_USAGE;
		char *hargv[] = { (char *)sc->name, "--help", NULL };

		optind = 0;
		return sc->fn(2, hargv, &g);
	}
	sc = find_subcmd(argv[optind], &g);
	if (!sc)
		return VD_EXIT_USAGE;
	argc -= optind;
	argv += optind;
	optind = 0; /* restart getopt for the subcommand */
	return sc->fn(argc, argv, &g);
}

char *vd_cli_label(const char *path)
{
	static const char *const packed[] = { ".gz", ".xz", ".zst" };
	char *base, *dot;
	size_t n;

	if (!strcmp(path, "-"))
		return vd_xstrdup("stdin");
	base = vd_xstrdup(vd_basename(path));
	/* "guest.txt.gz" is the guest's recording too: the packing is not its name */
	n = strlen(base);
	for (size_t i = 0; i < sizeof(packed) / sizeof(packed[0]); i++) {
		size_t l = strlen(packed[i]);

		if (n > l && !strcmp(base + n - l, packed[i])) {
			base[n - l] = '\0';
			break;
		}
	}
	dot = strrchr(base, '.');
	if (dot && dot != base)
		*dot = '\0';
	return base;
}
