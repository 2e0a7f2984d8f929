// SPDX-License-Identifier: GPL-2.0
/* vsockdiag correlate A B: options, then the analysis, then a report. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/batch/correlate.h"
#include "analyzers/sinks/sinks.h"
#include "common/json.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/util.h"
#include "cli.h"

static void help(FILE *f)
{
	fputs("Usage: vsockdiag correlate [OPTIONS] A [B]\n"
	      "\n"
	      "Align the clocks of two partitions' recordings from the packets themselves, pair\n"
	      "every packet sent on one side with its arrival on the other, and name what broke:\n"
	      "packets never delivered, delivery stalls, refused or unanswered connections.\n"
	      "A and B are each partition's recording: a trace.dat from 'vsockdiag record' or\n"
	      "'trace-cmd record', or the text that 'cat /sys/kernel/tracing/trace',\n"
	      "'cat trace_pipe' or 'trace-cmd report' printed, with vsock:* (and ideally\n"
	      "irq:irq_handler_entry, kmem:mm_page_alloc) enabled; the two may differ.\n"
	      "Conventionally A is the vhost (host) side.\n"
	      "\n"
	      "Examples:\n"
	      "  # the usual case: one dump per partition, taken over the same period\n"
	      "  vsockdiag correlate host.txt guest.txt\n"
	      "  # recordings made with vsockdiag record on each partition\n"
	      "  vsockdiag correlate host.dat guest.dat\n"
	      "  # name the partitions in the report, machine-readable output for CI\n"
	      "  vsockdiag correlate --names linux,android --json linux.txt android.txt\n"
	      "  # one partition alone: connections, credit, allocation failures\n"
	      "  vsockdiag correlate guest.dat\n"
	      "  # the clocks are known to differ by 47607.18 s (B - A): skip estimation\n"
	      "  vsockdiag correlate --offset 47607.18s host.txt guest.txt\n"
	      "  # B calls the host CID 2 but A knows itself as CID 1000\n"
	      "  vsockdiag correlate --map 1000=2 a.txt b.txt\n"
	      "\n"
	      "Options:\n",
	      f);
	fputs(vd_cli_analysis_help, f);
	fputs(vd_cli_out_help, f);
	fputs("  -j, --json, --pretty JSON report (schema: doc/json-schema.md)\n"
	      "  -v, --verbose        also show informational notes (blind spots)\n"
	      "  -q, --quiet          no warnings about malformed lines\n"
	      "  -h, --help           this help\n"
	      "\n",
	      f);
	fputs(vd_cli_report_env_help, f);
	fputs("\n"
	      "Exit status: 0 the recordings prove the link healthy; 1 problems found or the\n"
	      "recordings cannot prove it healthy (clocks unaligned, lost events); 2 usage or\n"
	      "input error (unreadable, empty, binary or non-trace files).\n",
	      f);
}

int cmd_correlate(int argc, char **argv, const struct vd_global *gin)
{
	static const struct option opts[] = {
		VD_CLI_ANALYSIS_LONGOPTS,	    VD_CLI_COMMON_LONGOPTS, VD_CLI_OUT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct vd_global g = *gin;
	struct vd_cli_out out;
	struct vd_cli_analysis an;
	struct vd_result res;
	char err[1024] = "";
	int c, r, ret;

	vd_cli_analysis_init(&an);
	vd_cli_out_init(&out);
	while ((c = getopt_long(argc, argv, "o:jvqh", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help(stdout);
			ret = VD_EXIT_OK;
			goto out;
		default:
			if (vd_cli_common_opt(c, &g))
				break;
			if ((r = vd_cli_analysis_opt(&an, c, optarg, &g)) ||
			    (r = vd_cli_out_opt(&out, c, optarg, &g))) {
				if (r < 0) {
					ret = VD_EXIT_USAGE;
					goto out;
				}
				break;
			}
			ret = vd_cli_error(&g, "unknown or incomplete option: try 'vsockdiag "
					       "correlate --help'");
			goto out;
		}
	}
	if (argc - optind != 2 && argc - optind != 1) {
		ret =
		    vd_cli_error(&g, "correlate takes one recording per partition: "
				     "vsockdiag correlate host.txt guest.txt, or one alone for the "
				     "checks one side supports (see --help)");
		goto out;
	}
	vd_cli_analysis_inputs(&an, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL);

	vd_cli_progress(&g, &out, "correlate");
	ret = vd_correlate(&an.o, &res, err, sizeof(err));
	vd_progress_stop();
	if (ret) {
		ret = vd_cli_error(&g, "%s", err);
		goto out_res;
	}
	ret = vd_cli_out_open(&out, &g);
	if (ret)
		goto out_res;
	if (g.json) {
		struct vd_json j;

		vd_json_init(&j, out.file, g.pretty);
		vd_report_json(&j, &an.o, &res);
	} else {
		vd_report_text(out.text, &an.o, &res, g.verbose > 0);
	}
	ret = vd_cli_out_close(&out, &g);
	if (ret)
		goto out_res;
	ret = res.verdict == VD_VERDICT_HEALTHY ? VD_EXIT_OK : VD_EXIT_PROBLEMS;
out_res:
	vd_result_free(&res);
out:
	vd_cli_analysis_free(&an);
	return ret;
}
