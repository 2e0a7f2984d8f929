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
	      "Options:\n"
	      "  --names A,B          labels for the two partitions (default: file names)\n"
	      "  --offset DURATION    B's clock minus A's (e.g. 12.5s, -300ms): skip estimation\n"
	      "  --map ACID=BCID,...  the endpoint A calls ACID is the one B calls BCID\n"
	      "                       (default: inferred from connections' ports)\n"
	      "  --stall DURATION     a delivery later than this is a stall (default 500ms)\n"
	      "  --starve DURATION    zero credit for longer than this is credit starvation\n"
	      "                       (default 1s)\n"
	      "  --grace DURATION     a packet sent this close to the end of the receiver's\n"
	      "                       recording is not counted as lost (default 2s)\n"
	      "  --irq-a NAME, --irq-b NAME\n"
	      "                       the vsock interrupt line's name on each side (default:\n"
	      "                       the line that precedes receive bursts, e.g. "
	      "virtio0-virtqueues)\n"
	      "  --adb-port PORT      label connections on this port as adb (default 5555)\n",
	      f);
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

static int parse_names(struct vd_opts *o, char *spec, char *names[2])
{
	char *comma = strchr(spec, ',');

	if (!comma || comma == spec || !comma[1] || strchr(comma + 1, ','))
		return -EINVAL;
	*comma = '\0';
	names[0] = vd_xstrdup(spec);
	names[1] = vd_xstrdup(comma + 1);
	o->name[0] = names[0];
	o->name[1] = names[1];
	return 0;
}

enum {
	OPT_NAMES = 256,
	OPT_OFFSET,
	OPT_MAP,
	OPT_STALL,
	OPT_GRACE,
	OPT_STARVE,
	OPT_IRQ_A,
	OPT_IRQ_B,
	OPT_ADB_PORT
};

int cmd_correlate(int argc, char **argv, const struct vd_global *gin)
{
	static const struct option opts[] = {
		{ "names", required_argument, NULL, OPT_NAMES },
		{ "offset", required_argument, NULL, OPT_OFFSET },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "stall", required_argument, NULL, OPT_STALL },
		{ "grace", required_argument, NULL, OPT_GRACE },
		{ "starve", required_argument, NULL, OPT_STARVE },
		{ "irq-a", required_argument, NULL, OPT_IRQ_A },
		{ "irq-b", required_argument, NULL, OPT_IRQ_B },
		{ "adb-port", required_argument, NULL, OPT_ADB_PORT },
		VD_CLI_COMMON_LONGOPTS,
		VD_CLI_OUT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vd_global g = *gin;
	struct vd_cli_out out;
	struct vd_opts o;
	struct vd_result res;
	char *names[2] = { NULL, NULL }, *auto_names[2] = { NULL, NULL };
	char err[1024] = "";
	uint64_t port;
	int c, r, ret;

	vd_opts_init(&o);
	vd_cli_out_init(&out);
	while ((c = getopt_long(argc, argv, "o:jvqh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_NAMES:
			if (parse_names(&o, optarg, names)) {
				ret = vd_cli_error(&g,
						   "--names wants two labels: --names host,guest");
				goto out;
			}
			break;
		case OPT_OFFSET:
			if (vd_parse_duration(optarg, &o.offset_ns)) {
				ret = vd_cli_error(&g,
						   "--offset '%s': give a duration such as 12.5s, "
						   "-300ms or 47607180us",
						   optarg);
				goto out;
			}
			o.have_offset = true;
			break;
		case OPT_MAP:
			if (vd_cidmap_parse(&o.map, optarg)) {
				ret = vd_cli_error(&g,
						   "--map '%s': give ACID=BCID pairs, e.g. --map "
						   "1000=2,3=3",
						   optarg);
				goto out;
			}
			break;
		case OPT_STALL:
		case OPT_GRACE:
		case OPT_STARVE: {
			int64_t v, *dst = c == OPT_STALL   ? &o.stall_ns
					  : c == OPT_GRACE ? &o.grace_ns
							   : &o.starve_ns;

			if (vd_parse_duration(optarg, &v) || v <= 0) {
				ret = vd_cli_error(&g,
						   "--%s '%s': give a positive duration such as "
						   "500ms or 2s",
						   c == OPT_STALL   ? "stall"
						   : c == OPT_GRACE ? "grace"
								    : "starve",
						   optarg);
				goto out;
			}
			*dst = v;
			break;
		}
		case OPT_IRQ_A:
			o.irq_name[0] = optarg;
			break;
		case OPT_IRQ_B:
			o.irq_name[1] = optarg;
			break;
		case OPT_ADB_PORT:
			if (vd_parse_u64(optarg, strlen(optarg), 10, &port) || port > UINT32_MAX) {
				ret =
				    vd_cli_error(&g, "--adb-port '%s': give a port number", optarg);
				goto out;
			}
			o.adb_port = (uint32_t)port;
			break;
		case 'h':
			help(stdout);
			ret = VD_EXIT_OK;
			goto out;
		default:
			if (vd_cli_common_opt(c, &g))
				break;
			if ((r = vd_cli_out_opt(&out, c, optarg, &g))) {
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
	o.path[0] = argv[optind];
	o.path[1] = argc - optind == 2 ? argv[optind + 1] : NULL;
	if (!names[0]) {
		auto_names[0] = vd_cli_label(o.path[0]);
		auto_names[1] = o.path[1] ? vd_cli_label(o.path[1]) : vd_xstrdup("peer");
		if (!strcmp(auto_names[0], auto_names[1])) {
			free(auto_names[0]);
			free(auto_names[1]);
			auto_names[0] = vd_xstrdup("A");
			auto_names[1] = vd_xstrdup("B");
		}
		o.name[0] = auto_names[0];
		o.name[1] = auto_names[1];
	}

	vd_cli_progress(&g, &out, "correlate");
	ret = vd_correlate(&o, &res, err, sizeof(err));
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
		vd_report_json(&j, &o, &res);
	} else {
		vd_report_text(out.text, &o, &res, g.verbose > 0);
	}
	ret = vd_cli_out_close(&out, &g);
	if (ret)
		goto out_res;
	ret = res.verdict == VD_VERDICT_HEALTHY ? VD_EXIT_OK : VD_EXIT_PROBLEMS;
out_res:
	vd_result_free(&res);
out:
	for (int i = 0; i < 2; i++) {
		free(names[i]);
		free(auto_names[i]);
	}
	return ret;
}
