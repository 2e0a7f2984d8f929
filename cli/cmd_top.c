// SPDX-License-Identifier: GPL-2.0
/*
 * vsockdiag top: every vsock connection's credit, queues and throughput,
 * live or replayed from a recording; full screen on a terminal, batch
 * output (-b) for scripts, CI and soak farms.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>

#include "common/log.h"
#include "common/util.h"
#include "collectors/events.h"
#include "collectors/live.h"
#include "tui/top_batch.h"
#include "tui/top_run.h"
#include "cli.h"

static void help(FILE *f)
{
	fputs("Usage: vsockdiag top [OPTIONS]                 watch this partition (root)\n"
	      "       vsockdiag top -r FILE [OPTIONS]         replay a recording in its time\n"
	      "\n"
	      "One row per vsock connection: both cid:port ends (adb named), who opened it,\n"
	      "its state and local process, bytes/s and packets/s each way, the credit this\n"
	      "side may still send (peer buf_alloc - (tx_cnt - peer fwd_cnt)), the unread\n"
	      "bytes and fwd_cnt of its receive side, and the time since payload last moved.\n"
	      "The header shows the partition (kernel, CID, vsock device), interrupts/s,\n"
	      "kicks/s and the guest's RX ring level where the kernel allows, and allocation\n"
	      "failures; the findings below come from the same detectors as 'vsockdiag\n"
	      "correlate' (starvation, refused, stalls, ring empty, missing kick), with their\n"
	      "age. What this kernel cannot give is shown as '-' and named in the header,\n"
	      "never as 0. Unread bytes and fwd_cnt need the BPF socket sampler.\n"
	      "\n"
	      "Live, top uses the collectors of 'vsockdiag record' (a private tracefs\n"
	      "instance and BPF hooks, removed on every exit); -w also records them.\n"
	      "\n"
	      "Examples:\n"
	      "  vsockdiag top                                  live, full screen\n"
	      "  vsockdiag top -w soak.dat                      live, and record soak.dat\n"
	      "  vsockdiag top -r examples/lab/notread/guest.dat --speed 4\n"
	      "  vsockdiag top -b -n 3 -d 1 --json -r guest.dat one JSON object per sample\n"
	      "  vsockdiag top -b -d 10 --openmetrics -o /var/lib/node_exporter/vsock.prom\n"
	      "\n"
	      "Source:\n"
	      "  -r, --replay FILE  replay a recording (.dat or text, as correlate reads it)\n"
	      "  --speed X          replay speed (default 1: the recording's own time; in\n"
	      "                     batch mode a replay runs as fast as it can, -d seconds of\n"
	      "                     the recording per sample)\n"
	      "  -w, --write FILE   live: also record into FILE (a trace.dat, as 'record -o')\n"
	      "  --force            -w: overwrite FILE\n"
	      "  -e, --events LIST  live: events to enable (default: record's set); repeat\n"
	      "                     it to add more (-e sched:sched_switch -e 'irq:*')\n"
	      "  --irq NAME         the vsock interrupt line's name (default: found)\n"
	      "  --bpf MODE         live: auto (default), off or require (as record)\n"
	      "  --sample-hz N      live: BPF socket/ring samples per second (default 4)\n"
	      "Display:\n"
	      "  -d, --delay SECS   between samples (default 1; decimals allowed)\n"
	      "  -n, --iterations N stop after N samples (default: until q, a signal or the\n"
	      "                     end of the replay)\n"
	      "  -s, --sort COLUMN  sort by: conn local peer opener state process tx_bps\n"
	      "                     rx_bps tx_pps rx_pps credit unread fwd_cnt idle (default\n"
	      "                     conn)\n"
	      "  --reverse          sort in descending order\n"
	      "  -f, --filter TEXT  only connections whose port, CID or process contains TEXT\n"
	      "  --color WHEN       auto (default), always or never (NO_COLOR is honoured)\n"
	      "  --adb-port PORT    name connections on this port adb (default 5555)\n"
	      "  --starve MS        zero credit longer than this is starvation (default 1000)\n"
	      "Batch:\n"
	      "  -b, --batch        no screen: print each sample (also without a terminal)\n"
	      "  -o, --output FILE  write the samples to FILE (implies -b; never through a\n"
	      "                     symlink); with --openmetrics each sample replaces FILE\n"
	      "                     whole (written aside, then renamed), as a scraper wants\n"
	      "  -j, --json         each sample as one JSON object on one line\n"
	      "  --openmetrics      each sample in the Prometheus text format (node_exporter's\n"
	      "                     textfile collector)\n"
	      "  -q, --quiet        no warnings\n"
	      "  -h, --help         this help; in the full screen, h shows the keys\n"
	      "\n"
	      "Environment: VSOCKDIAG_FORBID_VSOCK=1 refuses to enable vsock events (tests on\n"
	      "machines whose own vsock device must not be traced); NO_COLOR disables colour;\n"
	      "TERM names the terminal for the full screen; VSOCKDIAG_DEBUG: debug messages.\n"
	      "\n"
	      "Exit status: 0 nothing wrong seen, 1 problems seen (a warning or error finding,\n"
	      "as correlate's verdict), 2 usage or input error.\n",
	      f);
}

enum {
	OPT_SPEED = 256,
	OPT_FORCE,
	OPT_IRQ,
	OPT_BPF,
	OPT_SAMPLE_HZ,
	OPT_COLOR,
	OPT_ADB_PORT,
	OPT_STARVE,
	OPT_OPENMETRICS,
	OPT_REVERSE,
};

static volatile int stop_flag;

static void on_signal(int sig)
{
	stop_flag = sig;
}

static int parse_col(const char *s, enum vd_top_col *out)
{
	for (int c = 0; c < VD_TC_MAX; c++)
		if (!strcasecmp(s, vd_top_col_key((enum vd_top_col)c)) ||
		    !strcasecmp(s, vd_top_col_title((enum vd_top_col)c))) {
			*out = (enum vd_top_col)c;
			return 0;
		}
	return -EINVAL;
}

static int parse_secs(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

enum batch_fmt { FMT_TEXT, FMT_JSON, FMT_OPENMETRICS };

struct batch_out {
	enum batch_fmt fmt;
	const char *path; /* -o FILE; NULL: stdout */
	FILE *f;	  /* stdout or the -o file (--openmetrics -o: NULL, one file per sample) */
};

/*
 * --openmetrics -o FILE: a scraper must never read half a sample, so each one is
 * written to FILE.tmp (never through a symlink: one left there is removed first) and
 * renamed over FILE.
 */
static int replace_metrics(const char *path, const struct vd_top_snap *s, char *err, size_t errlen)
{
	char tmp[4096];
	FILE *f;
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "-o %s: the path is too long", path);
		return -ENAMETOOLONG;
	}
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot write %.512s: %s", tmp, strerror(e));
		return -e;
	}
	vd_top_print_openmetrics(f, s);
	if (fflush(f) || ferror(f) || fclose(f)) {
		e = errno ? errno : EIO;
		unlink(tmp);
		snprintf(err, errlen, "writing %.512s failed: %s", tmp, strerror(e));
		return -e;
	}
	if (rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot replace %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

static int print_sample(struct batch_out *out, const struct vd_top_snap *s, long i, char *err,
			size_t errlen)
{
	if (out->fmt == FMT_OPENMETRICS && out->path)
		return replace_metrics(out->path, s, err, errlen);
	if (out->fmt == FMT_JSON)
		vd_top_print_json(out->f, s, i);
	else if (out->fmt == FMT_OPENMETRICS)
		vd_top_print_openmetrics(out->f, s);
	else
		vd_top_print_text(out->f, s, i);
	/* a soak farm tails the file: each sample lands whole */
	if (fflush(out->f) || ferror(out->f)) {
		snprintf(err, errlen, "writing the samples%s%s failed: %s", out->path ? " to " : "",
			 out->path ? out->path : "", strerror(errno));
		return -EIO;
	}
	return 0;
}

/* sleep until deadline (monotonic) or a signal; live: wake early to read input */
static void wait_until(struct vd_top_run *r, int64_t deadline)
{
	int64_t now;

	while (!stop_flag && (now = vd_clock_ns(CLOCK_MONOTONIC)) < deadline) {
		int64_t ms = (deadline - now) / 1000000 + 1;
		struct pollfd p = { .fd = vd_top_run_fd(r), .events = POLLIN };

		if (ms > 200)
			ms = 200;
		if (p.fd >= 0) {
			if (poll(&p, 1, (int)ms) > 0)
				vd_top_run_advance(r, vd_clock_ns(CLOCK_MONOTONIC));
		} else {
			struct timespec ts = { .tv_sec = ms / 1000,
					       .tv_nsec = (ms % 1000) * 1000000 };

			nanosleep(&ts, NULL);
		}
		if (p.fd >= 0 && vd_top_run_advance(r, vd_clock_ns(CLOCK_MONOTONIC)) < 0)
			return;
	}
}

/*
 * Batch: a replay runs as fast as it can, each sample covering the next
 * delay of recording time; live waits delay of wall time between samples.
 */
static int run_batch(struct vd_top_run *r, struct batch_out *out, int64_t delay_ns, long iterations,
		     bool *problems, char *err, size_t errlen)
{
	bool replay = vd_top_run_is_replay(r);
	int64_t next = vd_clock_ns(CLOCK_MONOTONIC) + delay_ns;
	const struct vd_top_snap *s;
	int ret = 0;

	for (long i = 1; !stop_flag; i++) {
		if (replay) {
			ret = vd_top_run_advance_trace(r, delay_ns);
		} else {
			wait_until(r, next);
			next += delay_ns;
			ret = vd_top_run_advance(r, vd_clock_ns(CLOCK_MONOTONIC));
		}
		if (ret < 0) {
			snprintf(err, errlen, "%s", vd_top_run_error(r));
			return ret;
		}
		/* the replay's last sample settles what is pending, as correlate does */
		s = ret == VD_TOP_RUN_END ? vd_top_run_finish(r) : vd_top_run_sample(r);
		if (print_sample(out, s, i, err, errlen) < 0)
			return -EIO;
		*problems |= s->problems;
		if (ret == VD_TOP_RUN_END || (iterations && i >= iterations))
			break;
	}
	return 0;
}

int cmd_top(int argc, char **argv, const struct vd_global *gin)
{
	static const struct option opts[] = {
		{ "replay", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "write", required_argument, NULL, 'w' },
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "sort", required_argument, NULL, 's' },
		{ "reverse", no_argument, NULL, OPT_REVERSE },
		{ "filter", required_argument, NULL, 'f' },
		{ "events", required_argument, NULL, 'e' },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "irq", required_argument, NULL, OPT_IRQ },
		{ "bpf", required_argument, NULL, OPT_BPF },
		{ "sample-hz", required_argument, NULL, OPT_SAMPLE_HZ },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "adb-port", required_argument, NULL, OPT_ADB_PORT },
		{ "starve", required_argument, NULL, OPT_STARVE },
		{ "openmetrics", no_argument, NULL, OPT_OPENMETRICS },
		VD_CLI_COMMON_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vd_global g = *gin;
	struct vd_live_opts lo = { .bpf_mode = VD_BPF_AUTO };
	struct vd_top_ui_opts uo = { .delay_ns = 1000000000LL, .sort = VD_TC_CONN };
	const char *replay = NULL;
	double speed = 1, secs;
	bool batch = false, openmetrics = false, problems = false;
	struct batch_out out = { .f = stdout };
	struct vd_top_run *r;
	struct sigaction sa = { 0 };
	struct vd_opts o;
	char err[1024] = "", cerr[512] = "", events[4096] = "";
	uint64_t v;
	int c, ret, cret;

	vd_opts_init(&o);
	vd_cli_bpf_defaults(&lo.bpf);
	while ((c = getopt_long(argc, argv, "r:w:o:bn:d:s:f:e:jvqh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			replay = optarg;
			break;
		case 'w':
			lo.write_path = optarg;
			break;
		case 'b':
			batch = true;
			break;
		case 'n':
			if (vd_parse_u64(optarg, strlen(optarg), 10, &v) || !v || v > 100000000)
				return vd_cli_error(&g, "-n '%s': give a number of samples (>= 1)",
						    optarg);
			uo.iterations = (long)v;
			break;
		case 'd':
			if (parse_secs(optarg, 0.01, 86400, &secs))
				return vd_cli_error(&g,
						    "-d '%s': give seconds between samples, "
						    "0.01 to 86400 (e.g. 1 or 0.5)",
						    optarg);
			uo.delay_ns = (int64_t)(secs * 1e9);
			break;
		case 's':
			if (parse_col(optarg, &uo.sort))
				return vd_cli_error(
				    &g,
				    "-s '%s': sort by conn, local, peer, opener, "
				    "state, process, tx_bps, rx_bps, tx_pps, rx_pps, "
				    "credit, unread, fwd_cnt or idle",
				    optarg);
			break;
		case OPT_REVERSE:
			uo.sort_reverse = true;
			break;
		case 'f':
			uo.filter = optarg;
			break;
		case 'e':
			if (vd_cli_events_add(events, sizeof(events), optarg))
				return vd_cli_error(&g,
						    "-e '%s': give system:event names, e.g. -e "
						    "sched:sched_switch (repeatable; at most %zu "
						    "characters in all)",
						    optarg, sizeof(events) - 1);
			lo.events = events;
			break;
		case OPT_SPEED:
			if (parse_secs(optarg, 0.01, 10000, &speed))
				return vd_cli_error(&g,
						    "--speed '%s': give a factor, 0.01 to 10000 "
						    "(1: the recording's own time)",
						    optarg);
			break;
		case OPT_FORCE:
			lo.force = true;
			break;
		case OPT_IRQ:
			lo.irq = optarg;
			o.irq_name[0] = optarg;
			break;
		case OPT_BPF:
			if (vd_cli_parse_bpf_mode(optarg, &lo.bpf_mode, err, sizeof(err)))
				return vd_cli_error(&g, "%s", err);
			break;
		case OPT_SAMPLE_HZ:
			if (vd_cli_parse_sample_hz(optarg, &lo.bpf.sample_hz, err, sizeof(err)))
				return vd_cli_error(&g, "%s", err);
			break;
		case OPT_COLOR:
			if (!strcmp(optarg, "auto"))
				uo.color = VD_COLOR_AUTO;
			else if (!strcmp(optarg, "always"))
				uo.color = VD_COLOR_ALWAYS;
			else if (!strcmp(optarg, "never"))
				uo.color = VD_COLOR_NEVER;
			else
				return vd_cli_error(&g, "--color '%s': give auto, always or never",
						    optarg);
			break;
		case OPT_ADB_PORT:
			if (vd_parse_u64(optarg, strlen(optarg), 10, &v) || v > UINT32_MAX)
				return vd_cli_error(&g, "--adb-port '%s': give a port number",
						    optarg);
			o.adb_port = (uint32_t)v;
			break;
		case OPT_STARVE:
			if (vd_parse_u64(optarg, strlen(optarg), 10, &v) || !v || v > 86400000)
				return vd_cli_error(
				    &g, "--starve '%s': give milliseconds (e.g. 1000)", optarg);
			o.starve_ns = (int64_t)v * 1000000;
			break;
		case OPT_OPENMETRICS:
			openmetrics = true;
			break;
		case 'o':
			out.path = optarg;
			batch = true;
			break;
		case 'h':
			help(stdout);
			return VD_EXIT_OK;
		default:
			if (vd_cli_common_opt(c, &g))
				break;
			return vd_cli_error(&g, "unknown or incomplete option: try 'vsockdiag "
						"top --help'");
		}
	}
	if (optind < argc)
		return vd_cli_error(&g,
				    "top takes no file arguments ('%s'): replay a recording with "
				    "-r FILE",
				    argv[optind]);
	if (replay && lo.write_path)
		return vd_cli_error(&g, "-w records a live partition: it cannot be combined with "
					"-r (a replay)");
	if (g.json && openmetrics)
		return vd_cli_error(&g, "--json and --openmetrics: choose one output format");
	/* machine output, or no terminal to draw on: batch */
	if (g.json || openmetrics || !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
		batch = true;
	if (!batch && !getenv("TERM"))
		return vd_cli_error(&g, "TERM is not set: set it (e.g. TERM=xterm) or use -b");
	if (!batch && g.verbose)
		vd_log_level = VD_LOG_INFO;
	lo.bpf.forbid_vsock = getenv(VD_FORBID_VSOCK_ENV) != NULL;
	if (out.path && !openmetrics) {
		int fd =
		    open(out.path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);

		out.f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!out.f) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			return vd_cli_error(&g, "cannot write the samples to %s: %s%s", out.path,
					    strerror(e),
					    e == ELOOP ? " (a symlink: vsockdiag never writes "
							 "through one)"
						       : "");
		}
	}
	if (replay)
		r = vd_top_run_replay(replay, &o, speed, err, sizeof(err));
	else
		r = vd_top_run_live(&lo, &o, err, sizeof(err));
	if (!r)
		return vd_cli_error(&g, "%s", err);
	/* leave through the cleanup below on every signal a user or a test sends */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	uo.stop = &stop_flag;
	if (batch) {
		out.fmt = openmetrics ? FMT_OPENMETRICS : g.json ? FMT_JSON : FMT_TEXT;
		ret = run_batch(r, &out, uo.delay_ns, uo.iterations, &problems, err, sizeof(err));
	} else {
		ret = vd_top_ui(r, &uo, err, sizeof(err));
		if (ret > 0)
			problems = true;
	}
	cret = vd_top_run_close(r, cerr, sizeof(cerr));
	if (out.f && out.f != stdout && fclose(out.f) && ret >= 0) {
		snprintf(err, sizeof(err), "writing the samples to %s failed: %s", out.path,
			 strerror(errno));
		ret = -EIO;
	}
	if (ret < 0)
		return vd_cli_error(&g, "%s", err);
	if (cret < 0)
		return vd_cli_error(&g, "%s", cerr);
	if (stop_flag && !batch && !g.json)
		fprintf(stderr, "vsockdiag top: stopped by signal %d\n", stop_flag);
	return problems ? VD_EXIT_PROBLEMS : VD_EXIT_OK;
}
