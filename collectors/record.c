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
#include "rec_steps.h"
#include "record.h"

/* the main loop looks at the flags at least this often (buffer size, wake-up: rec_steps.h) */
#define POLL_MS 500

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
			vd_rec_note_write_error(res, err);
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
	char *meta_text = NULL, *bpf_meta = NULL;
	struct vd_bpf *bpf = NULL;
	unsigned long kb;
	int ncpus, ret, marker_fd = -1;
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
		kb = o->buffer_kb ? o->buffer_kb : VD_REC_DEFAULT_BUFFER_KB;
	if (!kb)
		kb = 1;
	ret = vd_rec_size_buffer(inst, kb, err, errlen);
	if (ret)
		goto out;
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

	ret = vd_rec_bpf_start(o->bpf_mode, &o->bpf, &meta, res, &bpf, &bpf_meta, err, errlen);
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

	ret = vd_rec_trace_on(inst, &meta, &dat, err, errlen);
	if (ret)
		goto out;
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
	ret = vd_rec_finish(inst, &cap, &dat, &meta, ncpus, o->output, res, err, errlen);
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
	free(meta_text);
	return ret;
}
