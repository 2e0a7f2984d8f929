// SPDX-License-Identifier: GPL-2.0
/*
 * One recording session. Everything it changes in the kernel lives in its own
 * tracefs instance, so "restore every setting" means "remove the instance":
 * one cleanup path at the end of vd_record(), plus an atexit() hook for exits
 * that bypass it. Signal handlers only set flags; the loop acts on them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

#include "common/log.h"
#include "common/util.h"
#include "bpf.h"
#include "capture.h"
#include "events.h"
#include "instance.h"
#include "meta.h"
#include "output.h"
#include "record.h"
#include "tcmd_api.h"

/* per-CPU ring buffer when streaming: a reader wakes at BUFFER_PERCENT of it, or every 500 ms */
#define DEFAULT_BUFFER_KB 2048
/*
 * A reader wakes when its CPU's buffer is this full (percent). trace-cmd keeps
 * the kernel's 50; 25 leaves three quarters of the buffer as headroom for a
 * reader that is scheduled late on a busy machine (record_bench.sh's load
 * plus three CPU hogs: 50 lost events, 25 did not), for the same CPU: the
 * copy costs per byte, not per wake-up, and the splices stay 64 KiB.
 * (Partial pages: capture.c, every 2 s.)
 */
#define BUFFER_PERCENT	 "25"
#define POLL_MS		 500
#define CLOCK_PAIR_TRIES 8

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t usr1_seen;
static struct tracefs_instance *live_instance;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen = 1;
}

/* exit() from anywhere (an x-allocator, a library) still removes the instance */
static void atexit_cleanup(void)
{
	if (live_instance) {
		vd_instance_destroy(live_instance);
		live_instance = NULL;
	}
}

struct saved_signals {
	struct sigaction old[4];
};

static const int handled[4] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };

static void signals_install(struct saved_signals *s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: poll() must return so the loop sees the flag at once */
	for (int i = 0; i < 4; i++) {
		sa.sa_handler = handled[i] == SIGUSR1 ? on_usr1 : on_stop;
		sigaction(handled[i], &sa, &s->old[i]);
	}
}

static void signals_restore(const struct saved_signals *s)
{
	for (int i = 0; i < 4; i++)
		sigaction(handled[i], &s->old[i], NULL);
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * NSEC_PER_SEC + (uint64_t)t.tv_nsec;
}

const char *vd_stop_reason_name(enum vd_stop_reason r)
{
	switch (r) {
	case VD_STOP_DURATION:
		return "duration";
	case VD_STOP_SIGNAL:
		return "signal";
	case VD_STOP_TRIGGER:
		return "trigger";
	case VD_STOP_MAX_SIZE:
		return "max-size";
	case VD_STOP_DISK_FULL:
		return "disk-full";
	case VD_STOP_WRITE_ERROR:
		return "write-error";
	}
	return "?";
}

/* Record the failure of a write to the part files as the reason to stop. */
static void note_write_error(struct vd_record_result *res, int64_t err)
{
	res->reason = err == -ENOSPC ? VD_STOP_DISK_FULL : VD_STOP_WRITE_ERROR;
	snprintf(res->write_error, sizeof(res->write_error), "%s", strerror((int)-err));
}

/*
 * The main thread while recording: the readers (capture.c) move the pages;
 * this waits for a signal, the duration, a reader's write error or the size
 * cap, and returns when it is time to stop (reason in @res). The handled
 * signals are blocked except inside ppoll(), so none is missed between the
 * flag checks and the wait.
 */
static void capture_loop(const struct vd_record_opts *o, struct vd_capture *cap,
			 struct vd_record_result *res)
{
	struct pollfd pfd = { .fd = vd_capture_notify_fd(cap), .events = POLLIN };
	uint64_t start = now_ns();
	bool flight = o->flight_mb > 0;
	sigset_t block, orig;

	sigemptyset(&block);
	for (int i = 0; i < 4; i++)
		sigaddset(&block, handled[i]);
	sigprocmask(SIG_BLOCK, &block, &orig);
	for (;;) {
		uint64_t now = now_ns(), timeout = POLL_MS * NSEC_PER_MSEC;
		struct timespec ts;
		int err;

		if (stop_signal) {
			res->reason = VD_STOP_SIGNAL;
			res->signal = stop_signal;
			break;
		}
		if (usr1_seen && flight) {
			res->reason = VD_STOP_TRIGGER;
			break;
		}
		if (o->duration_ns && now - start >= (uint64_t)o->duration_ns) {
			res->reason = VD_STOP_DURATION;
			break;
		}
		/* SIGUSR1 while streaming: the readers push their partial pages out now */
		if (usr1_seen) {
			usr1_seen = 0;
			vd_capture_flush(cap);
		}
		err = vd_capture_error(cap);
		if (err) {
			note_write_error(res, err);
			break;
		}
		if (o->max_size && vd_capture_bytes(cap) >= o->max_size) {
			res->reason = VD_STOP_MAX_SIZE;
			break;
		}
		if (o->duration_ns)
			timeout = VD_MIN(timeout, (uint64_t)o->duration_ns - (now - start));
		ts.tv_sec = (time_t)(timeout / NSEC_PER_SEC);
		ts.tv_nsec = (long)(timeout % NSEC_PER_SEC);
		if (ppoll(&pfd, 1, &ts, &orig) > 0 && (pfd.revents & POLLIN))
			vd_capture_notified(cap);
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	res->seconds = (double)(now_ns() - start) / NSEC_PER_SEC;
}

static char *uname_text(void)
{
	struct utsname u;
	char *s = NULL;

	if (uname(&u) ||
	    asprintf(&s, "%s %s %s %s", u.sysname, u.nodename, u.release, u.machine) < 0)
		return vd_xstrdup("unknown");
	return s;
}

/* trace-cmd's CPUSTAT option is the text of per_cpu/cpuN/stats, one option per CPU */
static char *cpustat_text(struct tracefs_instance *inst, int cpu)
{
	char path[64], *text;

	snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", cpu);
	text = tracefs_instance_file_read(inst, path, NULL);
	if (!text) {
		text = vd_xcalloc(1, 32);
		snprintf(text, 32, "CPU: %d\n", cpu);
		return text;
	}
	{
		char *full = NULL;

		if (asprintf(&full, "CPU: %d\n%s", cpu, text) < 0)
			full = vd_xstrdup(text);
		free(text);
		return full;
	}
}

/*
 * The BPF layer, before the file is created so that its metadata names every
 * hook's tier. --bpf require fails when no hook attaches; auto records with
 * whatever the kernel allows and says what it lost.
 */
static int bpf_start(const struct vd_record_opts *o, const struct vd_meta *meta,
		     struct vd_record_result *res, struct vd_bpf **bpf, char **meta_lines,
		     char *err, size_t errlen)
{
	struct vd_bpf_opts bo = o->bpf;
	int ret;

	if (o->bpf_mode == VD_BPF_OFF) {
		*meta_lines = vd_xstrdup("bpf_hooks=off\nbpf_why=--bpf_off\n");
		return 0;
	}
	bo.forbid_vsock = getenv(VD_FORBID_VSOCK_ENV) != NULL;
	bo.trace_clock = meta->trace_clock;
	ret = vd_bpf_start(&bo, bpf, err, errlen);
	if (ret)
		return ret;
	res->bpf_used = true;
	snprintf(res->bpf_hooks, sizeof(res->bpf_hooks), "%s", vd_bpf_hooks_text(*bpf));
	snprintf(res->bpf_why, sizeof(res->bpf_why), "%s", vd_bpf_why_text(*bpf));
	if (vd_log_level >= VD_LOG_INFO)
		vd_bpf_print_summary(*bpf, stderr);
	if (o->bpf_mode == VD_BPF_REQUIRE && !vd_bpf_hooks_on(*bpf)) {
		snprintf(err, errlen,
			 "--bpf require: no BPF hook attaches on this kernel (%s); "
			 "record with --bpf auto or off",
			 res->bpf_why);
		vd_bpf_stop(*bpf, NULL);
		*bpf = NULL;
		return -EOPNOTSUPP;
	}
	if (asprintf(meta_lines, "bpf_hooks=%s\nbpf_why=%s\n", res->bpf_hooks, res->bpf_why) < 0)
		*meta_lines = NULL;
	return 0;
}

int vd_record(const struct vd_record_opts *o, struct vd_record_result *res, char *err,
	      size_t errlen)
{
	static bool atexit_done;
	struct saved_signals sigs;
	struct tracefs_instance *inst = NULL;
	struct vd_events ev = { 0 };
	struct vd_capture cap = { 0 };
	struct vd_dat dat = { .fd = -1, .parts_fd = -1 };
	struct vd_meta meta;
	struct vd_cpu_stats *stats = NULL;
	struct vd_dat_option *opts = NULL;
	char **texts = NULL;
	char *meta_text = NULL, *clock_text = NULL, *bpf_meta = NULL;
	struct vd_bpf *bpf = NULL;
	unsigned long kb;
	int ncpus, nopts = 0, ret, marker_fd = -1;
	bool dat_open = false;

	memset(res, 0, sizeof(*res));
	ret = vd_tracefs_check(err, errlen);
	if (ret)
		return ret;
	if (!atexit_done) {
		atexit(atexit_cleanup);
		atexit_done = true;
	}
	stop_signal = 0;
	usr1_seen = 0;
	signals_install(&sigs);
	vd_instance_clean_stale();

	ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	res->ncpus = ncpus;
	ret = vd_instance_create(&inst);
	if (ret) {
		snprintf(err, errlen, "cannot create a tracefs instance: %s", strerror(-ret));
		goto out;
	}
	live_instance = inst;

	/* overwrite mode (the kernel default) keeps "lost events" marks in the pages */
	if (o->flight_mb)
		kb = (unsigned long)(o->flight_mb * 1024 / (uint64_t)ncpus);
	else
		kb = o->buffer_kb ? o->buffer_kb : DEFAULT_BUFFER_KB;
	if (!kb)
		kb = 1;
	if (tracefs_instance_set_buffer_size(inst, kb, -1)) {
		ret = -errno ?: -ENOMEM;
		snprintf(err, errlen,
			 "cannot size the ring buffer to %lu KiB per CPU: %s "
			 "(try a smaller --buffer-kb)",
			 kb, strerror(-ret));
		goto out;
	}
	/* the instance is ours: nothing to restore (kernels before 4.20 lack the file) */
	if (tracefs_file_exists(inst, "buffer_percent") &&
	    tracefs_instance_file_write(inst, "buffer_percent", BUFFER_PERCENT) < 0)
		vd_warn("could not set buffer_percent: the readers wake more often");
	vd_meta_collect(&meta, ncpus);
	ret = vd_meta_set_clock(inst, &meta);
	if (ret) {
		snprintf(err, errlen, "cannot read the trace clock: %s", strerror(-ret));
		goto out;
	}
	snprintf(res->clock, sizeof(res->clock), "%s", meta.trace_clock);
	ret = vd_events_enable(inst, o->events, o->irq, !o->no_filter, &ev, err, errlen);
	if (ret)
		goto out;
	snprintf(res->events, sizeof(res->events), "%s", ev.enabled);

	ret = bpf_start(o, &meta, res, &bpf, &bpf_meta, err, errlen);
	if (ret)
		goto out;
	meta_text = vd_meta_format(&meta, ev.enabled, o->flight_mb ? "flight-recorder" : "stream",
				   bpf_meta);
	{
		struct vd_dat_option start_opts[] = { { VD_OPT_META, meta_text } };

		ret = vd_dat_create(&dat, o->output, o->force, &ev, meta.trace_clock, start_opts, 1,
				    err, errlen);
	}
	if (ret)
		goto out;
	dat_open = true;
	ret = vd_capture_open(&cap, inst, ncpus, dat.parts_fd);
	if (ret) {
		snprintf(err, errlen, "cannot open the ring buffers: %s", strerror(-ret));
		goto out;
	}
	/* streaming: one reader thread per CPU; flight recorder: none until the end */
	if (!o->flight_mb) {
		ret = vd_capture_start(&cap, o->max_size);
		if (ret) {
			snprintf(err, errlen, "cannot start the reader threads: %s",
				 strerror(-ret));
			goto out;
		}
	}

	if (tracefs_trace_on(inst)) {
		ret = -errno ?: -EIO;
		snprintf(err, errlen, "cannot start tracing: %s", strerror(-ret));
		goto out;
	}
	/* the start stamps must land in the trace: after tracing is on */
	if (vd_meta_pair_clocks(inst, "start", CLOCK_PAIR_TRIES, &meta.start))
		vd_warn("could not pair the clocks at start (trace_marker not writable)");
	clock_text = vd_meta_format_clocks(&meta);
	if (vd_dat_save_option(&dat, &(struct vd_dat_option){ VD_OPT_CLOCKS, clock_text }))
		vd_warn("could not save the start clocks in %s", dat.parts);
	free(clock_text);
	clock_text = NULL;
	if (bpf) {
		marker_fd = tracefs_instance_file_open(inst, "trace_marker", O_WRONLY | O_CLOEXEC);
		if (marker_fd < 0 || vd_bpf_run(bpf, marker_fd))
			vd_warn("the BPF evidence cannot be written into the trace (trace_marker): "
				"it is not in %s",
				o->output);
	}

	/*
	 * Said once everything is on (events, BPF, the start stamps): scripts wait
	 * for this line before they start the workload (the lab does).
	 */
	if (vd_log_level >= VD_LOG_WARN)
		fprintf(stderr,
			"vsockdiag: recording into %s (%u BPF hooks on): stop it with Ctrl-C, "
			"SIGTERM or SIGHUP\n",
			o->output, res->bpf_used ? vd_bpf_hooks_on(bpf) : 0);

	capture_loop(o, &cap, res);

	/* the last sample (why=stop) and the drained ring buffer land before tracing stops */
	vd_bpf_stop(bpf, &res->bpf);
	bpf = NULL;
	vd_meta_pair_clocks(inst, "stop", CLOCK_PAIR_TRIES, &meta.stop);
	tracefs_trace_off(inst);
	{
		int dret = vd_capture_drain(&cap);

		if (dret && res->reason != VD_STOP_DISK_FULL && res->reason != VD_STOP_WRITE_ERROR)
			note_write_error(res, dret);
	}
	res->bytes = vd_capture_bytes(&cap);

	/* the counters, read once tracing is off: nothing moves any more */
	stats = vd_xcalloc(ncpus, sizeof(*stats));
	texts = vd_xcalloc(ncpus, sizeof(*texts));
	for (int i = 0; i < ncpus; i++) {
		vd_meta_cpu_stats(inst, i, &stats[i]);
		res->lost += stats[i].overrun + stats[i].dropped;
		texts[i] = cpustat_text(inst, i);
	}
	opts = vd_xcalloc((size_t)ncpus + 6, sizeof(*opts));
	clock_text = vd_meta_format_clocks(&meta);
	{
		char *tc = tracefs_instance_file_read(inst, "trace_clock", NULL);
		static char version[] = "vsockdiag "
					"0.1.0";
		char *un = uname_text(), *cs = vd_meta_format_cpustats(stats, ncpus);

		opts[nopts++] = (struct vd_dat_option){ VD_TCMD_OPTION_TRACECLOCK, tc ? tc : "" };
		opts[nopts++] = (struct vd_dat_option){ VD_TCMD_OPTION_UNAME, un };
		opts[nopts++] = (struct vd_dat_option){ VD_TCMD_OPTION_VERSION, version };
		opts[nopts++] = (struct vd_dat_option){ VD_OPT_CLOCKS, clock_text };
		opts[nopts++] = (struct vd_dat_option){ VD_OPT_CPUSTATS, cs };
		for (int i = 0; i < ncpus; i++)
			opts[nopts++] = (struct vd_dat_option){ VD_TCMD_OPTION_CPUSTAT, texts[i] };
		ret = vd_dat_finish(&dat, ncpus, opts, nopts, err, errlen);
		free(tc);
		free(un);
		free(cs);
	}
	if (ret) {
		/* the pages are still in FILE.parts/: say how to get them back */
		size_t l = strlen(err);

		snprintf(err + l, errlen - l,
			 "; the captured pages are kept in %s.parts: free "
			 "some space, then 'vsockdiag record --recover -o %s'",
			 o->output, o->output);
		dat_open = false; /* keep FILE and FILE.parts/ for --recover */
		if (dat.out)
			tracecmd_output_close(dat.out);
		if (dat.parts_fd >= 0)
			close(dat.parts_fd);
		free(dat.path);
		free(dat.parts);
		goto out;
	}
	dat_open = false;
out:
	vd_bpf_stop(bpf, NULL);
	if (marker_fd >= 0)
		close(marker_fd);
	free(bpf_meta);
	vd_capture_close(&cap);
	if (dat_open)
		vd_dat_abort(&dat);
	vd_events_free(&ev);
	if (inst) {
		int dret = vd_instance_destroy(inst);

		live_instance = NULL;
		if (dret)
			vd_warn("could not remove the tracefs instance: %s (the next run "
				"removes it)",
				strerror(-dret));
	}
	signals_restore(&sigs);
	if (texts)
		for (int i = 0; i < ncpus; i++)
			free(texts[i]);
	free(texts);
	free(stats);
	free(opts);
	free(meta_text);
	free(clock_text);
	return ret;
}
