// SPDX-License-Identifier: GPL-2.0
/*
 * One recording session. Everything it changes in the kernel lives in its own
 * tracefs instance, so "restore every setting" means "remove the instance":
 * one cleanup path at the end of vd_record(), plus an atexit() hook for exits
 * that bypass it. Signal handlers only set flags; the loop acts on them.
 * The status line is rec_status.c's, the command (record -- COMMAND)
 * rec_command.c's; the steps shared with top's -w are rec_steps.c's.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
#include "rec_internal.h"
#include "rec_steps.h"
#include "record.h"

/* the main loop looks at the flags at least this often (buffer size, wake-up: rec_steps.h) */
#define POLL_MS 500
/* the status line is redrawn this often; without it, -v notes the counters every NOTE_S */
#define TICK_NS NSEC_PER_SEC
#define NOTE_S	10

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

/* SIGCHLD only interrupts ppoll(): the loop asks waitpid() itself */
static void on_child(int sig)
{
	(void)sig;
}

/* exit() from anywhere (an x-allocator, a library) still removes the instance */
static void atexit_cleanup(void)
{
	if (live_instance) {
		vd_instance_destroy(live_instance);
		live_instance = NULL;
	}
}

#define NHANDLED 5

struct saved_signals {
	struct sigaction old[NHANDLED];
};

static const int handled[NHANDLED] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGCHLD };

static void signals_install(struct saved_signals *s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: poll() must return so the loop sees the flag at once */
	for (int i = 0; i < NHANDLED; i++) {
		sa.sa_handler = handled[i] == SIGUSR1	? on_usr1
				: handled[i] == SIGCHLD ? on_child
							: on_stop;
		/* ppoll() is interrupted all the same: SA_RESTART only spares the other calls */
		sa.sa_flags = handled[i] == SIGCHLD ? SA_NOCLDSTOP | SA_RESTART : 0;
		sigaction(handled[i], &sa, &s->old[i]);
	}
}

/* the signals record handles, as a set: blocked outside ppoll(), default in the command */
static void handled_set(sigset_t *set)
{
	sigemptyset(set);
	for (int i = 0; i < NHANDLED; i++)
		sigaddset(set, handled[i]);
}

static void signals_restore(const struct saved_signals *s)
{
	for (int i = 0; i < NHANDLED; i++)
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
	case VD_STOP_COMMAND:
		return "command";
	}
	return "?";
}

/* ---- the loop ------------------------------------------------------------------------- */

struct run {
	const struct vd_record_opts *o;
	struct tracefs_instance *inst;
	int ncpus;
	struct vd_capture *cap;
	struct vd_record_result *res;
	const char *cmd_name;
	uint64_t start;
	uint64_t next_tick;
	unsigned int ticks;
};

static void progress_read(struct run *r, uint64_t now, struct vd_rec_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->elapsed_ns = now - r->start;
	p->left_ns = -1;
	if (r->o->duration_ns)
		p->left_ns =
		    (int64_t)VD_MAX((int64_t)r->o->duration_ns - (int64_t)p->elapsed_ns, 0);
	vd_rec_read_counts(r->inst, r->ncpus, &p->recorded, &p->lost);
	p->written = vd_capture_bytes(r->cap);
	p->flight = r->o->flight_mb > 0;
	p->output = r->o->output;
	p->cmd_name = r->cmd_name;
	p->cmd_pid = r->res->cmd.pid;
}

/* once a second: the status line, or every NOTE_S s a -v note */
static void tick(struct run *r, uint64_t now)
{
	struct vd_rec_progress p;
	bool note;

	if (now < r->next_tick)
		return;
	r->ticks++;
	r->next_tick = r->start + (uint64_t)r->ticks * TICK_NS;
	note = !r->o->status_line && vd_log_level >= VD_LOG_INFO && r->ticks > 1 &&
	       (r->ticks - 1) % NOTE_S == 0;
	if (!r->o->status_line && !note)
		return;
	progress_read(r, now, &p);
	if (r->o->status_line)
		vd_rec_status_show(&p);
	else
		vd_rec_progress_note(&p);
}

/*
 * The main thread while recording: the readers (capture.c) move the pages;
 * this waits for a signal, the duration, a reader's write error, the size
 * cap or the command's end, and returns when it is time to stop (reason in
 * @res). The handled signals are blocked except inside ppoll(), so none is
 * missed between the flag checks and the wait.
 */
static void capture_loop(struct run *r)
{
	const struct vd_record_opts *o = r->o;
	struct vd_record_result *res = r->res;
	struct pollfd pfd = { .fd = vd_capture_notify_fd(r->cap), .events = POLLIN };
	bool flight = o->flight_mb > 0;
	sigset_t block, orig;

	handled_set(&block);
	sigprocmask(SIG_BLOCK, &block, &orig);
	r->start = r->next_tick = now_ns();
	r->ticks = 0;
	if (o->status_line)
		vd_rec_status_begin();
	for (;;) {
		uint64_t now = now_ns(), timeout = POLL_MS * NSEC_PER_MSEC;
		struct timespec ts;
		int err;

		if (stop_signal) {
			res->reason = VD_STOP_SIGNAL;
			res->signal = stop_signal;
			break;
		}
		if (vd_rec_command_poll(&res->cmd)) {
			res->reason = VD_STOP_COMMAND;
			break;
		}
		if (usr1_seen && flight) {
			res->reason = VD_STOP_TRIGGER;
			break;
		}
		if (o->duration_ns && now - r->start >= (uint64_t)o->duration_ns) {
			res->reason = VD_STOP_DURATION;
			break;
		}
		/* SIGUSR1 while streaming: the readers push their partial pages out now */
		if (usr1_seen) {
			usr1_seen = 0;
			vd_info("SIGUSR1: flushing the partial pages to %s.parts/", o->output);
			vd_capture_flush(r->cap);
		}
		err = vd_capture_error(r->cap);
		if (err) {
			vd_rec_note_write_error(res, err);
			break;
		}
		if (o->max_size && vd_capture_bytes(r->cap) >= o->max_size) {
			res->reason = VD_STOP_MAX_SIZE;
			break;
		}
		tick(r, now);
		if (r->next_tick > now)
			timeout = VD_MIN(timeout, r->next_tick - now);
		if (o->duration_ns)
			timeout = VD_MIN(timeout, (uint64_t)o->duration_ns - (now - r->start));
		ts.tv_sec = (time_t)(timeout / NSEC_PER_SEC);
		ts.tv_nsec = (long)(timeout % NSEC_PER_SEC);
		if (ppoll(&pfd, 1, &ts, &orig) > 0 && (pfd.revents & POLLIN))
			vd_capture_notified(r->cap);
	}
	vd_rec_status_end();
	sigprocmask(SIG_SETMASK, &orig, NULL);
	res->seconds = (double)(now_ns() - r->start) / NSEC_PER_SEC;
}

static void note_stop(const struct vd_record_opts *o, const struct vd_record_result *res)
{
	switch (res->reason) {
	case VD_STOP_DURATION:
		vd_info("stopping: -d %g s reached", (double)o->duration_ns / NSEC_PER_SEC);
		break;
	case VD_STOP_SIGNAL:
		vd_info("stopping: %s", strsignal(res->signal));
		break;
	case VD_STOP_TRIGGER:
		vd_info("stopping: SIGUSR1 (flight recorder): writing the ring buffer out");
		break;
	case VD_STOP_MAX_SIZE:
		vd_info("stopping: --max-size reached");
		break;
	case VD_STOP_DISK_FULL:
	case VD_STOP_WRITE_ERROR:
		vd_info("stopping: writing the trace data failed (%s)", res->write_error);
		break;
	case VD_STOP_COMMAND:
		if (WIFEXITED(res->cmd.status))
			vd_info("stopping: the command (pid %d) exited with status %d",
				res->cmd.pid, WEXITSTATUS(res->cmd.status));
		else if (WIFSIGNALED(res->cmd.status))
			vd_info("stopping: the command (pid %d) was killed by %s", res->cmd.pid,
				strsignal(WTERMSIG(res->cmd.status)));
		break;
	}
}

/* -v: the events and the kernel filters on them, as the instance has them */
static void note_events(struct tracefs_instance *inst, const struct vd_events *ev)
{
	if (vd_log_level < VD_LOG_INFO)
		return;
	vd_info("enabled %d events: %s", ev->nr, ev->enabled);
	for (int i = 0; i < ev->nr; i++) {
		char sys[128], *name, *f;

		snprintf(sys, sizeof(sys), "%s", ev->globs[i]);
		name = strchr(sys, ':');
		if (!name)
			continue;
		*name++ = '\0';
		f = tracefs_event_file_read(inst, sys, name, "filter", NULL);
		if (f) {
			f[strcspn(f, "\n")] = '\0';
			if (strcmp(f, "none"))
				vd_info("  filter on %s:%s: %s", sys, name, f);
			free(f);
		}
	}
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
	char *meta_text = NULL, *bpf_meta = NULL, cmd_text[256] = "";
	struct vd_bpf *bpf = NULL;
	struct run run = { .o = o };
	sigset_t caller_mask;
	unsigned long kb;
	int ncpus, ret, marker_fd = -1, nfds = 0, *caller_fds = NULL;
	bool dat_open = false;

	memset(res, 0, sizeof(*res));
	/* a command that cannot run is said before anything is created */
	if (o->command) {
		ret = vd_record_check_command(o->command[0], err, errlen);
		if (ret)
			return ret;
		vd_record_argv_text(o->command, cmd_text, sizeof(cmd_text));
		run.cmd_name =
		    strrchr(o->command[0], '/') ? strrchr(o->command[0], '/') + 1 : o->command[0];
	}
	ret = vd_tracefs_check(err, errlen);
	if (ret)
		return ret;
	if (!atexit_done) {
		atexit(atexit_cleanup);
		atexit_done = true;
	}
	pthread_sigmask(SIG_SETMASK, NULL, &caller_mask);
	if (o->command)
		caller_fds = vd_rec_open_fds(&nfds);
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
	vd_info("created the tracefs instance %s: %lu KiB ring buffer per CPU, %d CPUs, "
		"trace clock %s",
		tracefs_instance_get_name(inst), kb, ncpus, meta.trace_clock);
	ret = vd_events_enable(inst, o->events, o->irq, !o->no_filter, &ev, err, errlen);
	if (ret)
		goto out;
	snprintf(res->events, sizeof(res->events), "%s", ev.enabled);
	note_events(inst, &ev);

	ret = vd_rec_bpf_start(o->bpf_mode, &o->bpf, &meta, res, &bpf, &bpf_meta, err, errlen);
	if (ret)
		goto out;
	if (!bpf)
		vd_info("BPF: off (--bpf off)");
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
		sigset_t all, old;

		marker_fd = tracefs_instance_file_open(inst, "trace_marker", O_WRONLY | O_CLOEXEC);
		/* the relay thread takes no signal: they must interrupt the main thread's wait */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		if (marker_fd < 0 || vd_bpf_run(bpf, marker_fd))
			vd_warn("the BPF evidence cannot be written into the trace (trace_marker): "
				"it is not in %s",
				o->output);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (o->flight_mb)
		vd_info("tracing on: the last %llu MiB stay in the ring buffer, written to %s "
			"at the stop",
			(unsigned long long)o->flight_mb, o->output);
	else
		vd_info("tracing on: %d reader threads copy the ring buffer into %s.parts/", ncpus,
			o->output);

	/*
	 * Said once everything is on (events, BPF, the start stamps): scripts wait
	 * for this line before they start the workload (the lab does).
	 */
	if (vd_log_level >= VD_LOG_WARN) {
		if (o->command)
			fprintf(stderr,
				"vsockdiag: recording into %s (%u BPF hooks on) while %s runs: "
				"stops when it exits, or with Ctrl-C, SIGTERM or SIGHUP\n",
				o->output, res->bpf_used ? vd_bpf_hooks_on(bpf) : 0, cmd_text);
		else
			fprintf(stderr,
				"vsockdiag: recording into %s (%u BPF hooks on): stop it with "
				"Ctrl-C, SIGTERM or SIGHUP\n",
				o->output, res->bpf_used ? vd_bpf_hooks_on(bpf) : 0);
	}
	if (o->command) {
		sigset_t handled_sigs;

		handled_set(&handled_sigs);
		vd_rec_cloexec_since(caller_fds, nfds);
		ret = vd_rec_command_start(o->command, &caller_mask, &handled_sigs, &res->cmd, err,
					   errlen);
		if (ret)
			goto out;
		vd_info("started the command %s (pid %d)", cmd_text, res->cmd.pid);
	}

	run.inst = inst;
	run.ncpus = ncpus;
	run.cap = &cap;
	run.res = res;
	capture_loop(&run);
	note_stop(o, res);
	vd_rec_command_stop(&res->cmd, res->reason == VD_STOP_SIGNAL);

	/* the last sample (why=stop) and the drained ring buffer land before tracing stops */
	vd_bpf_stop(bpf, &res->bpf);
	bpf = NULL;
	vd_info("writing %s", o->output);
	ret = vd_rec_finish(inst, &cap, &dat, &meta, ncpus, o->output, res, err, errlen);
	dat_open = false;
	if (!ret) {
		char b[32], n[48];

		vd_info("wrote %s: %s of trace data, %s events, %llu lost", o->output,
			vd_fmt_bytes(b, sizeof(b), res->bytes),
			vd_rec_fmt_count(n, sizeof(n), res->recorded),
			(unsigned long long)res->lost);
	}
out:
	/* a setup error after the command started (none today) still leaves no child behind */
	vd_rec_command_stop(&res->cmd, false);
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
	free(caller_fds);
	return ret;
}
