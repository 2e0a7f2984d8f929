// SPDX-License-Identifier: GPL-2.0
/*
 * vsockdiag export --format FORMAT -o OUT A [B]: correlate's analysis written
 * as a file another tool opens.  The file is written beside OUT under a
 * temporary name and renamed over OUT only once complete: a failed or
 * interrupted export leaves no half file behind, and OUT is never written
 * through a symlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzers/batch/correlate.h"
#include "analyzers/sinks/export.h"
#include "common/json.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/util.h"
#include "cli.h"

static void help(FILE *f)
{
	fputs("Usage: vsockdiag export [-f FORMAT] -o OUT [OPTIONS] A [B]\n"
	      "\n"
	      "Run correlate's analysis of A and B (the same inputs: trace.dat or trace text,\n"
	      "one per partition, or one alone) and write it as a file another tool opens,\n"
	      "with every time on one axis: A's trace clock, B's moved by the aligned clock.\n"
	      "\n"
	      "Formats (-f; without it, from OUT's ending):\n",
	      f);
	for (size_t i = 0; i < vd_nexporters; i++)
		fprintf(f, "  %-10s %-8s %s\n", vd_exporters[i]->name, vd_exporters[i]->ext,
			vd_exporters[i]->what);
	fputs("\n"
	      "Examples:\n"
	      "  # both partitions on one timeline in https://ui.perfetto.dev (open the file)\n"
	      "  vsockdiag export -o link.json host.dat guest.dat\n"
	      "  # every packet for Wireshark/tshark (LINKTYPE_VSOCK)\n"
	      "  vsockdiag export -o link.pcapng host.dat guest.dat\n"
	      "  # one self-contained page to attach to a bug report\n"
	      "  vsockdiag export -f html -o report.html --names linux,android l.txt a.txt\n"
	      "\n"
	      "Options:\n"
	      "  -f, --format FORMAT  what to write (see above)\n"
	      "  -o, --output OUT     the file to write ('-': standard output, not for binary\n"
	      "                       formats on a terminal); replaced only once complete\n",
	      f);
	fputs(vd_cli_analysis_help, f);
	fputs("  -j, --json           a JSON summary of what was written on standard output\n"
	      "  -q, --quiet          no summary line, no warnings about malformed lines\n"
	      "  -h, --help           this help\n"
	      "\n",
	      f);
	fputs(vd_cli_report_env_help, f);
	fputs("\n"
	      "Exit status: 0 the file was written (whatever the analysis found: correlate's\n"
	      "status says that); 2 usage or input error, or the file could not be written.\n",
	      f);
}

/* the temporary file being written, removed if a signal ends the run */
static char *volatile tmp_path;

static void on_signal(int sig)
{
	char *p = tmp_path;

	if (p)
		unlink(p);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa = { .sa_handler = on ? on_signal : SIG_DFL };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* OUT.XXXXXX beside OUT (mkstemp: O_EXCL, never through a symlink); NULL with errno */
static FILE *open_tmp(const char *path, char **tmp)
{
	mode_t mask = umask(0);
	FILE *f;
	int fd;

	umask(mask);
	*tmp = vd_xcalloc(strlen(path) + 8, 1);
	sprintf(*tmp, "%s.XXXXXX", path);
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	tmp_path = *tmp;
	/* as a shell redirection would have created it */
	if (fchmod(fd, 0666 & ~mask) || !(f = fdopen(fd, "w"))) {
		int e = errno;

		tmp_path = NULL;
		unlink(*tmp);
		close(fd);
		errno = e;
		goto fail;
	}
	return f;
fail:
	free(*tmp);
	*tmp = NULL;
	return NULL;
}

static void summary(const struct vd_global *g, const char *out, const struct vd_exporter *x,
		    const struct vd_result *res)
{
	if (g->json) {
		struct vd_json j;

		vd_json_init(&j, stdout, g->pretty);
		vd_json_obj_begin(&j, NULL);
		vd_json_str(&j, "output", out);
		vd_json_str(&j, "format", x->name);
		vd_json_str(&j, "verdict", vd_verdict_name(res->verdict));
		vd_json_uint(&j, "findings", res->findings.n);
		vd_json_uint(&j, "connections", res->nconns);
		vd_json_bool(&j, "clock_aligned", vd_export_aligned(res));
		vd_json_obj_end(&j);
		vd_json_end(&j);
		return;
	}
	if (vd_log_level < VD_LOG_WARN)
		return;
	fprintf(stderr, "vsockdiag: wrote %s (%s): %zu connection%s, %zu finding%s, verdict %s%s\n",
		out, x->name, res->nconns, res->nconns == 1 ? "" : "s", res->findings.n,
		res->findings.n == 1 ? "" : "s", vd_verdict_name(res->verdict),
		vd_export_aligned(res) ? ""
				       : "; the clocks are not aligned: B's times are its own");
}

int cmd_export(int argc, char **argv, const struct vd_global *gin)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		VD_CLI_ANALYSIS_LONGOPTS,
		VD_CLI_COMMON_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vd_global g = *gin;
	const struct vd_exporter *x = NULL;
	const char *format = NULL, *out = NULL;
	struct vd_cli_analysis an;
	struct vd_result res;
	bool have_res = false, to_stdout = false;
	char err[1024] = "", *tmp = NULL;
	FILE *f = NULL;
	int c, r, ret;

	vd_cli_analysis_init(&an);
	while ((c = getopt_long(argc, argv, "f:o:jvqh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			help(stdout);
			ret = VD_EXIT_OK;
			goto out;
		default:
			if (vd_cli_common_opt(c, &g))
				break;
			if ((r = vd_cli_analysis_opt(&an, c, optarg, &g))) {
				if (r < 0) {
					ret = VD_EXIT_USAGE;
					goto out;
				}
				break;
			}
			ret = vd_cli_error(&g, "unknown or incomplete option: try 'vsockdiag "
					       "export --help'");
			goto out;
		}
	}
	if (!out) {
		ret = vd_cli_error(&g, "export needs the file to write: -o OUT (e.g. -o link.json; "
				       "'-o -' for standard output)");
		goto out;
	}
	if (argc - optind != 2 && argc - optind != 1) {
		ret = vd_cli_error(&g, "export takes one recording per partition, as correlate: "
				       "vsockdiag export -o link.json host.dat guest.dat");
		goto out;
	}
	to_stdout = !strcmp(out, "-");
	x = format ? vd_exporter_find(format) : to_stdout ? NULL : vd_exporter_for_path(out);
	if (!x) {
		char names[256] = "";
		size_t n = 0;

		for (size_t i = 0; i < vd_nexporters && n < sizeof(names); i++)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s (%s)",
					      i ? ", " : "", vd_exporters[i]->name,
					      vd_exporters[i]->ext);
		if (format)
			ret =
			    vd_cli_error(&g, "unknown format '%s': give one of %s", format, names);
		else
			ret = vd_cli_error(&g,
					   "which format? give -f FORMAT or an output name ending "
					   "like one of %s",
					   names);
		goto out;
	}
	if (to_stdout && x->binary && isatty(STDOUT_FILENO)) {
		ret = vd_cli_error(&g,
				   "%s is a binary format: not written to a terminal; give "
				   "-o FILE or redirect standard output",
				   x->name);
		goto out;
	}
	if (to_stdout && g.json) {
		ret = vd_cli_error(&g, "--json prints a summary on standard output: give -o FILE "
				       "for the export");
		goto out;
	}
	vd_cli_analysis_inputs(&an, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL);

	if (to_stdout) {
		f = stdout;
	} else {
		catch_signals(true);
		f = open_tmp(out, &tmp);
		if (!f) {
			ret = vd_cli_error(&g, "cannot write %s: %s", out, strerror(errno));
			goto out;
		}
	}
	if (isatty(STDERR_FILENO) && vd_log_level >= VD_LOG_WARN)
		vd_progress_start("export");
	r = vd_export_run(x, &an.o, f, &res, err, sizeof(err));
	vd_progress_stop();
	have_res = true;
	if (!r && (fflush(f) || ferror(f))) {
		r = -(errno ? errno : EIO);
		snprintf(err, sizeof(err), "writing %s failed: %s", out, strerror(-r));
	}
	if (f != stdout && fclose(f) && !r) {
		r = -errno;
		snprintf(err, sizeof(err), "writing %s failed: %s", out, strerror(-r));
	}
	f = NULL;
	if (!r && tmp && rename(tmp, out)) {
		r = -errno;
		snprintf(err, sizeof(err), "cannot put the export in place as %s: %s", out,
			 strerror(-r));
	}
	if (r) {
		ret = vd_cli_error(&g, "%s", err);
		goto out;
	}
	tmp_path = NULL;
	free(tmp);
	tmp = NULL;
	summary(&g, to_stdout ? "standard output" : out, x, &res);
	ret = VD_EXIT_OK;
out:
	if (tmp) {
		unlink(tmp);
		tmp_path = NULL;
		free(tmp);
	}
	if (tmp || !to_stdout)
		catch_signals(false);
	if (have_res)
		vd_result_free(&res);
	vd_cli_analysis_free(&an);
	return ret;
}
