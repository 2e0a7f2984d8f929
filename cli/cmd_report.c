// SPDX-License-Identifier: GPL-2.0
/* vsockdiag report FILE: one partition's recording summarized on its own. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/batch/report.h"
#include "analyzers/sinks/sinks.h"
#include "common/json.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/util.h"
#include "cli.h"

static void help(FILE *f)
{
	fputs("Usage: vsockdiag report [OPTIONS] FILE\n"
	      "\n"
	      "Summarize one partition's recording: its window (and whether the ring buffer\n"
	      "overwrote the start), metadata (format, CPUs; for a trace.dat the trace clock\n"
	      "and kernel), vsock connections with both ends, who opened them, how they ended,\n"
	      "packets and bytes per direction, interrupts per line (and which one serves\n"
	      "vsock), allocation failures and lost events; then the findings one recording\n"
	      "supports (the same as 'vsockdiag correlate FILE'): credit starvation seen from\n"
	      "the sender's side, refused or unanswered connections, allocation failures.\n"
	      "FILE is a trace.dat (trace-cmd record, v6 or v7) or what\n"
	      "'cat /sys/kernel/tracing/trace' or 'trace-cmd report' printed. To pair packets\n"
	      "across two partitions (delivery, stalls, the clock), use 'vsockdiag correlate'.\n"
	      "\n"
	      "Examples:\n"
	      "  vsockdiag report host.dat\n"
	      "  vsockdiag report --json android.txt | jq .allocation_failures\n"
	      "  vsockdiag report --json guest.dat | jq '.findings[] | .summary'\n"
	      "\n"
	      "Options:\n"
	      "  --irq NAME       the vsock interrupt line's name (default: the line that\n"
	      "                   precedes receive bursts, e.g. virtio0-virtqueues)\n"
	      "  --adb-port PORT  label connections on this port as adb (default 5555)\n",
	      f);
	fputs(vd_cli_out_help, f);
	fputs("  -j, --json, --pretty JSON report (schema: doc/json-schema.md)\n"
	      "  -v, --verbose    also list directions that carried nothing, and informational\n"
	      "                   findings\n"
	      "  -q, --quiet      no warnings about malformed lines or records\n"
	      "  -h, --help       this help\n"
	      "\n",
	      f);
	fputs(vd_cli_report_env_help, f);
	fputs("\n"
	      "Exit status: 0 the file was read (whatever it shows: use correlate to gate on\n"
	      "findings); 2 usage or input error (unreadable, empty,\n"
	      "damaged or non-trace file).\n",
	      f);
}

enum { OPT_IRQ = 256, OPT_ADB_PORT };

int cmd_report(int argc, char **argv, const struct vd_global *gin)
{
	static const struct option opts[] = {
		{ "irq", required_argument, NULL, OPT_IRQ },
		{ "adb-port", required_argument, NULL, OPT_ADB_PORT },
		VD_CLI_COMMON_LONGOPTS,
		VD_CLI_OUT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vd_global g = *gin;
	struct vd_cli_out out;
	uint32_t adb_port = VD_DEFAULT_ADB_PORT;
	const char *irq = NULL;
	struct vd_one_report rep;
	char *label = NULL;
	char err[1024] = "";
	uint64_t port;
	int c, r, ret;

	vd_cli_out_init(&out);
	while ((c = getopt_long(argc, argv, "o:jvqh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_IRQ:
			irq = optarg;
			break;
		case OPT_ADB_PORT:
			if (vd_parse_u64(optarg, strlen(optarg), 10, &port) || port > UINT32_MAX)
				return vd_cli_error(&g, "--adb-port '%s': give a port number",
						    optarg);
			adb_port = (uint32_t)port;
			break;
		case 'h':
			help(stdout);
			return VD_EXIT_OK;
		default:
			if (vd_cli_common_opt(c, &g))
				break;
			if ((r = vd_cli_out_opt(&out, c, optarg, &g))) {
				if (r < 0)
					return VD_EXIT_USAGE;
				break;
			}
			return vd_cli_error(&g,
					    "unknown or incomplete option: try 'vsockdiag report "
					    "--help'");
		}
	}
	if (argc - optind != 1)
		return vd_cli_error(&g, "report reads one recording: vsockdiag report host.dat "
					"(see --help; two partitions: vsockdiag correlate)");
	label = vd_cli_label(argv[optind]);
	vd_cli_progress(&g, &out, "report");
	ret = vd_one_report(argv[optind], label, irq, adb_port, &rep, err, sizeof(err));
	vd_progress_stop();
	if (ret) {
		ret = vd_cli_error(&g, "%s", err);
		goto out;
	}
	ret = vd_cli_out_open(&out, &g);
	if (ret)
		goto out;
	if (g.json) {
		struct vd_json j;

		vd_json_init(&j, out.file, g.pretty);
		vd_one_report_json(&j, &rep);
	} else {
		vd_one_report_text(out.text, &rep, g.verbose > 0);
	}
	ret = vd_cli_out_close(&out, &g);
out:
	vd_one_report_free(&rep);
	free(label);
	return ret;
}
