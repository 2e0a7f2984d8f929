// SPDX-License-Identifier: GPL-2.0
/* vsockdiag record: one partition's trace, as a trace-cmd trace.dat. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../collectors/output.h"
#include "../collectors/record.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "cli.h"

static void help(FILE *f)
{
	fputs("Usage: vsockdiag record [OPTIONS]\n"
	      "       vsockdiag record [OPTIONS] -- COMMAND [ARGS]\n"
	      "\n"
	      "Record this partition's vsock traffic (and the interrupts, allocation failures\n"
	      "and drops around it) into a trace-cmd trace.dat that 'trace-cmd report',\n"
	      "KernelShark and 'vsockdiag correlate' read. Run it as root on each partition\n"
	      "while the problem is reproduced; it uses a private tracefs instance, so other\n"
	      "tracing on the machine is untouched. Ctrl-C, SIGTERM or SIGHUP end it with a\n"
	      "complete file. With '-- COMMAND', the command runs once tracing is on and the\n"
	      "recording stops when it exits (stopped earlier, by -d, a signal or --max-size,\n"
	      "the command gets SIGTERM, and SIGKILL 2 s later); the summary says how it\n"
	      "ended, the exit status stays record's own.\n"
	      "\n"
	      "On a terminal, a status line on stderr shows the time, the events recorded,\n"
	      "the bytes written and the events lost so far, once a second (not with -q,\n"
	      "nor with --json into a pipe, nor on TERM=dumb).\n"
	      "\n"
	      "Examples:\n"
	      "  # on the host (vhost side) and in the guest, for the whole soak test\n"
	      "  vsockdiag record -o host.dat            # guest: -o guest.dat\n"
	      "  # a 60 s recording\n"
	      "  vsockdiag record -d 60 -o guest.dat\n"
	      "  # as long as a test runs\n"
	      "  vsockdiag record -o guest.dat -- ./soak-test.sh --hours 2\n"
	      "  # hours long, but keep only the last 64 MiB; 'kill -USR1' writes it out\n"
	      "  vsockdiag record --flight-recorder 64 -o guest.dat\n"
	      "  # at most 2 GiB on disk\n"
	      "  vsockdiag record --max-size 2048 -o host.dat\n"
	      "  # other events (a machine whose vsock must not be traced, or a wider view)\n"
	      "  vsockdiag record -e sched:sched_switch -e 'irq:*' --irq 'virtio*' -d 5\n"
	      "  # finish the file of a recorder that was killed with SIGKILL\n"
	      "  vsockdiag record --recover -o guest.dat\n"
	      "\n"
	      "Options:\n"
	      "  -o, --output FILE      the recording (default vsockdiag.dat); never written\n"
	      "                         through a symlink\n"
	      "  -d, --duration TIME    stop after TIME (e.g. 30, 90s, 500ms; default: until\n"
	      "                         Ctrl-C, SIGTERM or SIGHUP, or the command's end)\n"
	      "  -e, --events LIST      comma list of system:event (globs allowed) replacing\n"
	      "                         the default set; repeat it to add more:\n"
	      "                           vsock:*, irq:irq_handler_entry/exit (vsock device's\n"
	      "                           lines only), kmem:mm_page_alloc (order >= 3),\n"
	      "                           kmem:kmalloc (failures only), skb:kfree_skb\n"
	      "                         the default fails where vsock:* does not exist (no\n"
	      "                         vsock module loaded): pass -e there\n"
	      "  --irq PATTERN          record the interrupt lines whose /proc/interrupts name\n"
	      "                         matches PATTERN (e.g. 'virtio0-*'), or a list of irq\n"
	      "                         numbers (e.g. 41,42) (default: the virtio vsock\n"
	      "                         device's lines, found from /sys/bus/virtio)\n"
	      "  --no-filter            record irq/kmem events unfiltered\n"
	      "  --bpf MODE             BPF evidence (doc/bpf-events.md): auto (default: every\n"
	      "                         hook this kernel allows, each through the best tier it\n"
	      "                         has: fentry, kprobe, tp_btf/raw_tp, iterator), off\n"
	      "                         (tracepoints only), require (fail when no hook\n"
	      "                         attaches); the summary lists each hook's tier and why\n"
	      "                         the others are off\n"
	      "  --bpf-hooks LIST       only these hooks (comma list), e.g. credit,rx_fill,kick;\n"
	      "                         a misspelt name lists them all\n"
	      "  --sample-hz N          socket credit, RX ring and vhost queue samples per\n"
	      "                         second (default 4; 0: only at start and stop)\n"
	      "  --payload-ports LIST   ports whose RW payload heads (first 32 bytes) are kept:\n"
	      "                         comma list, or none (default 5555, adb)\n"
	      "  --buffer-kb N          ring buffer per CPU (default 2048)\n"
	      "  --max-size MB          stop when MB MiB of trace data are written\n"
	      "  --flight-recorder MB   keep only the last MB MiB (in the kernel's ring buffer,\n"
	      "                         nothing written until the end): written out when the\n"
	      "                         recording stops or on SIGUSR1 (which also stops it)\n"
	      "  --force                replace an existing FILE\n"
	      "  --recover              finish FILE from FILE.parts/, left by a recorder that\n"
	      "                         was killed (SIGKILL, crash); no new recording\n"
	      "  -j, --json             the summary as JSON on stdout (a command's own output\n"
	      "                         goes there too: redirect it)\n"
	      "  -v, --verbose          progress notes on stderr: instance, events and filters,\n"
	      "                         BPF hooks, start, every 10 s the counters (when there\n"
	      "                         is no status line), the stop and why, the file\n"
	      "  -q, --quiet            no warnings, no status line\n"
	      "  -h, --help             this help\n"
	      "  -- COMMAND [ARGS]      run COMMAND (searched in PATH) while recording, with\n"
	      "                         record's stdin, stdout and stderr; the recording stops\n"
	      "                         when it exits. A bare argument without '--' is an error\n"
	      "\n"
	      "Signals: SIGINT, SIGTERM, SIGHUP stop and write the file; SIGUSR1 flushes the\n"
	      "partial pages to FILE.parts/ (or, in flight-recorder mode, stops and writes).\n"
	      "After SIGKILL, FILE.parts/ keeps what was flushed (every 2 s): use --recover.\n"
	      "Ctrl-C in a terminal also reaches the command (same process group); record\n"
	      "waits for it and writes a complete file.\n"
	      "\n"
	      "Environment:\n"
	      "  VSOCKDIAG_FORBID_VSOCK=1  refuse vsock:* events and every BPF hook on vsock,\n"
	      "                         virtio and vhost code (machines whose own vsock must\n"
	      "                         not be traced)\n"
	      "  VSOCKDIAG_DEBUG=1      debug messages (as -v -v)\n"
	      "  TERM=dumb              no status line; PATH: where COMMAND is searched\n"
	      "  (record prints no colour: NO_COLOR changes nothing)\n"
	      "\n"
	      "Exit status: 0 complete recording (whatever the command's status); 1 the file\n"
	      "is valid but incomplete (disk full, write error); 2 usage or setup error (not\n"
	      "root, no tracefs, no such event, a command that cannot be run).\n",
	      f);
}

/* "name:tier name:tier" -> each pair; returns the next position or NULL */
static const char *next_pair(const char *p, char *name, size_t nl, char *val, size_t vl)
{
	size_t n;
	const char *colon;

	p += strspn(p, " ");
	if (!*p)
		return NULL;
	n = strcspn(p, " ");
	colon = memchr(p, ':', n);
	if (!colon)
		return p + n;
	snprintf(name, nl, "%.*s", (int)(colon - p), p);
	snprintf(val, vl, "%.*s", (int)(p + n - colon - 1), colon + 1);
	return p + n;
}

static void bpf_json(struct vd_json *j, const struct vd_record_result *r)
{
	char name[64], val[512];
	const char *p;

	vd_json_obj_begin(j, "bpf");
	vd_json_bool(j, "used", r->bpf_used);
	if (r->bpf_used) {
		vd_json_obj_begin(j, "hooks");
		for (p = r->bpf_hooks; (p = next_pair(p, name, sizeof(name), val, sizeof(val)));)
			if (name[0])
				vd_json_str(j, name, val);
		vd_json_obj_end(j);
		vd_json_obj_begin(j, "off_why");
		for (p = r->bpf_why; (p = next_pair(p, name, sizeof(name), val, sizeof(val)));)
			if (name[0])
				vd_json_str(j, name, val);
		vd_json_obj_end(j);
		vd_json_uint(j, "records", r->bpf.records);
		vd_json_uint(j, "lines", r->bpf.lines);
		vd_json_uint(j, "lost", r->bpf.lost);
		vd_json_uint(j, "write_errors", r->bpf.write_errors);
		vd_json_uint(j, "samples", r->bpf.samples);
	}
	vd_json_obj_end(j);
}

static void bpf_text(const struct vd_record_result *r)
{
	char name[64], val[512];
	const char *p;

	if (!r->bpf_used) {
		printf("bpf: off (--bpf off)\n");
		return;
	}
	printf("bpf: %u of %u hooks on:", r->bpf.hooks_on, r->bpf.hooks_total);
	for (p = r->bpf_hooks; (p = next_pair(p, name, sizeof(name), val, sizeof(val)));)
		if (name[0] && strcmp(val, "off"))
			printf(" %s(%s)", name, val);
	printf("\n");
	for (p = r->bpf_why; (p = next_pair(p, name, sizeof(name), val, sizeof(val)));)
		if (name[0])
			printf("bpf: off: %-15s %s\n", name, val);
	printf("bpf: %llu records, %llu marker lines, %llu samples",
	       (unsigned long long)r->bpf.records, (unsigned long long)r->bpf.lines,
	       (unsigned long long)r->bpf.samples);
	if (r->bpf.lost || r->bpf.write_errors)
		printf(", LOST %llu records (ring buffer full) and %llu lines (trace refused)",
		       (unsigned long long)r->bpf.lost, (unsigned long long)r->bpf.write_errors);
	printf("\n");
}

static void command_json(struct vd_json *j, char *const *argv, const struct vd_record_command *c)
{
	char text[1024];

	vd_record_argv_text(argv, text, sizeof(text));
	vd_json_obj_begin(j, "command");
	vd_json_str(j, "argv", text);
	vd_json_int(j, "pid", c->pid);
	if (c->reaped && WIFEXITED(c->status))
		vd_json_int(j, "exit_status", WEXITSTATUS(c->status));
	else if (c->reaped && WIFSIGNALED(c->status))
		vd_json_str(j, "signal", strsignal(WTERMSIG(c->status)));
	vd_json_bool(j, "stopped_by_record", c->terminated);
	vd_json_obj_end(j);
}

static void command_text(char *const *argv, const struct vd_record_command *c)
{
	char text[1024];

	vd_record_argv_text(argv, text, sizeof(text));
	printf("command: %s (pid %d) ", text, c->pid);
	if (c->reaped && WIFEXITED(c->status))
		printf("exited with status %d", WEXITSTATUS(c->status));
	else if (c->reaped && WIFSIGNALED(c->status))
		printf("was killed by signal %d (%s)", WTERMSIG(c->status),
		       strsignal(WTERMSIG(c->status)));
	else
		printf("ended");
	if (c->killed)
		printf(": record sent SIGTERM when the recording stopped, then SIGKILL");
	else if (c->terminated)
		printf(": record sent SIGTERM when the recording stopped");
	printf("\n");
}

static void summary(const struct vd_global *g, const struct vd_record_opts *o,
		    const struct vd_record_result *r)
{
	const char *path = o->output;
	char sz[32];

	if (g->json) {
		struct vd_json j;

		vd_json_init(&j, stdout, g->pretty);
		vd_json_obj_begin(&j, NULL);
		vd_json_str(&j, "file", path);
		vd_json_str(&j, "stopped_by", vd_stop_reason_name(r->reason));
		if (r->reason == VD_STOP_SIGNAL)
			vd_json_str(&j, "signal", strsignal(r->signal));
		vd_json_double(&j, "seconds", r->seconds);
		vd_json_uint(&j, "bytes", r->bytes);
		vd_json_uint(&j, "lost_events", r->lost);
		vd_json_int(&j, "cpus", r->ncpus);
		vd_json_str(&j, "trace_clock", r->clock);
		vd_json_str(&j, "events", r->events);
		if (r->write_error[0])
			vd_json_str(&j, "write_error", r->write_error);
		if (o->command && r->cmd.pid)
			command_json(&j, o->command, &r->cmd);
		bpf_json(&j, r);
		vd_json_obj_end(&j);
		vd_json_end(&j);
		return;
	}
	vd_fmt_bytes(sz, sizeof(sz), r->bytes);
	printf("recorded %.1f s into %s: %s of trace data, %d CPUs, clock %s, stopped by %s%s%s\n",
	       r->seconds, path, sz, r->ncpus, r->clock, vd_stop_reason_name(r->reason),
	       r->reason == VD_STOP_SIGNAL ? " " : "",
	       r->reason == VD_STOP_SIGNAL ? strsignal(r->signal) : "");
	printf("events: %s\n", r->events);
	if (r->lost)
		printf("lost events: %llu (ring buffer overruns): a larger --buffer-kb or fewer "
		       "events keeps them\n",
		       (unsigned long long)r->lost);
	else
		printf("lost events: 0\n");
	if (o->command && r->cmd.pid)
		command_text(o->command, &r->cmd);
	bpf_text(r);
}

/*
 * -e/--events LIST may be repeated: the lists accumulate, comma-joined into
 * @buf (also top's -e). 0, or -1 when @item is empty or @buf is full.
 */
int vd_cli_events_add(char *buf, size_t len, const char *item)
{
	size_t at = strlen(buf), n = strlen(item);

	if (!item[strspn(item, " ,")] || at + (at ? 1 : 0) + n + 1 > len)
		return -1;
	snprintf(buf + at, len - at, "%s%s", at ? "," : "", item);
	return 0;
}

/* record takes no arguments of its own: a command comes after "--" */
static int bare_argument(const struct vd_global *g, char **argv, int at)
{
	return vd_cli_error(g,
			    "record takes no file arguments ('%s'): name the output with -o "
			    "FILE; to record while a command runs, write 'vsockdiag record "
			    "[OPTIONS] -- %s'",
			    argv[at], argv[at]);
}

enum {
	OPT_BUFFER_KB = 256,
	OPT_IRQ,
	OPT_NO_FILTER,
	OPT_MAX_SIZE,
	OPT_FLIGHT,
	OPT_FORCE,
	OPT_RECOVER,
	OPT_BPF,
	OPT_SAMPLE_HZ,
	OPT_PAYLOAD_PORTS,
	OPT_BPF_HOOKS,
};

static int parse_count(const char *s, uint64_t max, uint64_t *out)
{
	if (vd_parse_u64(s, strlen(s), 10, out) || !*out || *out > max)
		return -EINVAL;
	return 0;
}

int cmd_record(int argc, char **argv, const struct vd_global *gin)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "events", required_argument, NULL, 'e' },
		{ "buffer-kb", required_argument, NULL, OPT_BUFFER_KB },
		{ "irq", required_argument, NULL, OPT_IRQ },
		{ "no-filter", no_argument, NULL, OPT_NO_FILTER },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "flight-recorder", required_argument, NULL, OPT_FLIGHT },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "recover", no_argument, NULL, OPT_RECOVER },
		{ "bpf", required_argument, NULL, OPT_BPF },
		{ "sample-hz", required_argument, NULL, OPT_SAMPLE_HZ },
		{ "payload-ports", required_argument, NULL, OPT_PAYLOAD_PORTS },
		{ "bpf-hooks", required_argument, NULL, OPT_BPF_HOOKS },
		VD_CLI_COMMON_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vd_global g = *gin;
	struct vd_record_opts o = { .output = "vsockdiag.dat" };
	struct vd_record_result res;
	char err[1024] = "", events[4096] = "";
	bool recover = false, dashdash = false;
	uint64_t v;
	int c, ret, before;

	vd_cli_bpf_defaults(&o.bpf);

	if (g.verbose && vd_log_level < VD_LOG_INFO)
		vd_log_level = VD_LOG_INFO;
	/*
	 * '+': the first argument that is not an option ends them, so that the
	 * command after "--" keeps its own options; before tells "--" (getopt
	 * steps over it) from a bare argument (it does not)
	 */
	for (;;) {
		before = optind ? optind : 1;
		c = getopt_long(argc, argv, "+o:d:e:jvqh", opts, NULL);
		if (c == -1) {
			dashdash = optind == before + 1 && !strcmp(argv[before], "--");
			break;
		}
		switch (c) {
		case 'o':
			o.output = optarg;
			break;
		case 'd':
			if (vd_parse_duration(optarg, &o.duration_ns) || o.duration_ns <= 0)
				return vd_cli_error(&g,
						    "-d '%s': give a positive duration such as "
						    "30, 90s or 500ms",
						    optarg);
			break;
		case 'e':
			if (vd_cli_events_add(events, sizeof(events), optarg))
				return vd_cli_error(&g,
						    "-e '%s': give system:event names, e.g. -e "
						    "sched:sched_switch (repeatable; at most %zu "
						    "characters in all)",
						    optarg, sizeof(events) - 1);
			o.events = events;
			break;
		case OPT_BUFFER_KB:
			if (parse_count(optarg, 64ULL * 1024 * 1024, &v))
				return vd_cli_error(&g,
						    "--buffer-kb '%s': give KiB per CPU, e.g. "
						    "--buffer-kb 4096",
						    optarg);
			o.buffer_kb = (unsigned long)v;
			break;
		case OPT_IRQ:
			o.irq = optarg;
			break;
		case OPT_NO_FILTER:
			o.no_filter = true;
			break;
		case OPT_MAX_SIZE:
			if (parse_count(optarg, 1ULL << 40, &v))
				return vd_cli_error(&g,
						    "--max-size '%s': give MiB, e.g. --max-size "
						    "2048",
						    optarg);
			o.max_size = v * 1024 * 1024;
			break;
		case OPT_FLIGHT:
			if (parse_count(optarg, 1ULL << 20, &v))
				return vd_cli_error(&g,
						    "--flight-recorder '%s': give MiB to keep, "
						    "e.g. --flight-recorder 64",
						    optarg);
			o.flight_mb = v;
			break;
		case OPT_FORCE:
			o.force = true;
			break;
		case OPT_RECOVER:
			recover = true;
			break;
		case OPT_BPF:
			if (vd_cli_parse_bpf_mode(optarg, &o.bpf_mode, err, sizeof(err)))
				return vd_cli_error(&g, "%s", err);
			break;
		case OPT_SAMPLE_HZ:
			if (vd_cli_parse_sample_hz(optarg, &o.bpf.sample_hz, err, sizeof(err)))
				return vd_cli_error(&g, "%s", err);
			break;
		case OPT_BPF_HOOKS:
			if (vd_bpf_check_hooks(optarg, err, sizeof(err)))
				return vd_cli_error(&g, "--bpf-hooks: %s", err);
			o.bpf.only = optarg;
			break;
		case OPT_PAYLOAD_PORTS:
			if (vd_bpf_parse_ports(optarg, &o.bpf, err, sizeof(err)))
				return vd_cli_error(&g, "%s", err);
			break;
		case 'h':
			help(stdout);
			return VD_EXIT_OK;
		default:
			if (vd_cli_common_opt(c, &g))
				break;
			return vd_cli_error(&g, "unknown or incomplete option: try 'vsockdiag "
						"record --help'");
		}
	}
	/* -v: what the recorder does step by step (correlate's -v shows more findings) */
	if (g.verbose == 1)
		vd_log_level = VD_LOG_INFO;
	if (dashdash) {
		if (optind >= argc)
			return vd_cli_error(&g, "no command after '--': write 'vsockdiag record "
						"[OPTIONS] -- COMMAND [ARGS]'");
		o.command = argv + optind;
	} else if (optind < argc) {
		return bare_argument(&g, argv, optind);
	}
	if (o.command && recover)
		return vd_cli_error(&g, "--recover records nothing: drop the command");
	/*
	 * The status line: a terminal on stderr that accepts escapes, no -q, and
	 * no JSON summary going to a pipe or file (a script is reading)
	 */
	{
		const char *term = getenv("TERM");

		o.status_line = isatty(STDERR_FILENO) && vd_log_level >= VD_LOG_WARN &&
				!(term && !strcmp(term, "dumb")) &&
				!(g.json && !isatty(STDOUT_FILENO));
	}
	if (o.flight_mb && o.max_size)
		return vd_cli_error(&g, "--flight-recorder already bounds the size: drop "
					"--max-size");
	if (recover) {
		ret = vd_dat_recover(o.output, err, sizeof(err));
		if (ret)
			return vd_cli_error(&g, "%s", err);
		if (!g.json)
			printf("recovered %s: 'trace-cmd report %s' reads it\n", o.output,
			       o.output);
		return VD_EXIT_OK;
	}
	ret = vd_record(&o, &res, err, sizeof(err));
	if (ret)
		return vd_cli_error(&g, "%s", err);
	summary(&g, &o, &res);
	if (res.reason == VD_STOP_DISK_FULL || res.reason == VD_STOP_WRITE_ERROR) {
		fprintf(stderr,
			"vsockdiag: error: writing the trace data failed (%s): %s holds "
			"what was captured until then and is valid; free some space or use "
			"--max-size / --flight-recorder\n",
			res.write_error, o.output);
		return VD_EXIT_PROBLEMS;
	}
	if (res.reason == VD_STOP_MAX_SIZE)
		vd_warn("stopped at --max-size: later events are not in %s", o.output);
	return VD_EXIT_OK;
}
