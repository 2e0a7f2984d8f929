// SPDX-License-Identifier: GPL-2.0
/*
 * The live collector (collectors/live.h): record's events, filters and BPF
 * hooks in a private tracefs instance, read as they arrive (live_read.c),
 * and with -w the same recorded into a trace.dat as `record` writes it.
 *
 * Why two instances with -w: the kernel hands each ring-buffer page to one
 * reader. The recording keeps record's own path untouched (rec_steps.c,
 * capture.c: splice of whole pages by one thread per CPU, the same
 * metadata, stamps and options, --recover after a crash) in "vsockdiag-PID",
 * exactly as `record` would make it; the view reads its own instance,
 * "vsockdiag-PID-live", with the same events, filters and trace clock. The
 * BPF relay writes each marker line into both instances' trace_marker, so
 * both carry the same BPF evidence. The tracepoints then write each event
 * twice; that costs only with -w, and only the events we enable.
 *
 * Cleanup: everything changed lives in the instances and in BPF links (file
 * descriptors of this process: the kernel detaches them however it dies).
 * vd_live_close() removes the instances, and so does an atexit() hook for
 * exits that bypass it. The caller owns the signals (top turns SIGINT,
 * SIGTERM and SIGHUP into a clean vd_live_close()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <tracefs.h>

#include "common/log.h"
#include "common/util.h"
#include "bpf.h"
#include "capture.h"
#include "events.h"
#include "instance.h"
#include "live.h"
#include "live_internal.h"
#include "meta.h"
#include "output.h"
#include "rec_steps.h"
#include "record.h"

struct vd_live {
	struct vd_live_info info;
	int ncpus;
	struct vd_meta meta;
	struct vd_bpf *bpf;
	/* the view's instance */
	struct tracefs_instance *inst;
	struct vd_events ev;
	struct vd_live_reader *rd;
	int marker_fd;
	/* -w: the recording's instance, as record makes it */
	char *path;
	struct tracefs_instance *rinst;
	struct vd_events rev;
	struct vd_capture cap;
	struct vd_dat dat;
	bool dat_open;
	int rmarker_fd;
	struct vd_record_result res;
	bool write_failed;
};

/* open collectors, for the atexit() hook (a process normally has one) */
#define MAX_OPEN 4
static struct vd_live *open_lives[MAX_OPEN];

static void forget(struct vd_live *l)
{
	for (int i = 0; i < MAX_OPEN; i++)
		if (open_lives[i] == l)
			open_lives[i] = NULL;
}

/*
 * Teardown of what is open, in an order the kernel accepts: an instance
 * whose trace_pipe_raw is open cannot be removed (EBUSY), so the readers go
 * first. No file is finished here (vd_live_close does that); an unfinished
 * -w recording is removed, unless @keep_dat (exit(): FILE.parts/ stays for
 * --recover).
 */
static int teardown(struct vd_live *l, bool keep_dat)
{
	int ret = 0;

	vd_bpf_stop(l->bpf, NULL);
	l->bpf = NULL;
	if (l->inst)
		tracefs_trace_off(l->inst);
	if (l->rinst)
		tracefs_trace_off(l->rinst);
	vd_live_reader_close(l->rd);
	l->rd = NULL;
	if (l->marker_fd >= 0)
		close(l->marker_fd);
	if (l->rmarker_fd >= 0)
		close(l->rmarker_fd);
	l->marker_fd = l->rmarker_fd = -1;
	vd_capture_close(&l->cap);
	if (l->dat_open && !keep_dat)
		vd_dat_abort(&l->dat);
	l->dat_open = false;
	vd_events_free(&l->ev);
	vd_events_free(&l->rev);
	for (int i = 0; i < 2; i++) {
		struct tracefs_instance **inst = i ? &l->rinst : &l->inst;
		int dret = vd_instance_destroy(*inst);

		*inst = NULL;
		if (dret) {
			vd_warn("could not remove the tracefs instance: %s (the next run "
				"removes it)",
				strerror(-dret));
			ret = ret ?: dret;
		}
	}
	forget(l);
	return ret;
}

/* exit() from anywhere (an x-allocator, a library) still removes the instances */
static void atexit_cleanup(void)
{
	for (int i = 0; i < MAX_OPEN; i++) {
		struct vd_live *l = open_lives[i];

		if (!l)
			continue;
		teardown(l, true);
		free(l->path);
		free(l);
	}
}

static void register_open(struct vd_live *l)
{
	static bool atexit_done;

	if (!atexit_done) {
		atexit(atexit_cleanup);
		atexit_done = true;
	}
	for (int i = 0; i < MAX_OPEN; i++)
		if (!open_lives[i]) {
			open_lives[i] = l;
			return;
		}
}

/* one instance as record prepares it: buffer, wake-up mark, trace clock, events and filters */
static int prepare_instance(const struct vd_live_opts *o, struct vd_live *l, const char *suffix,
			    struct tracefs_instance **inst, struct vd_events *ev, char *err,
			    size_t errlen)
{
	unsigned long kb = o->buffer_kb ? o->buffer_kb : VD_REC_DEFAULT_BUFFER_KB;
	struct vd_meta m;
	int ret;

	ret = vd_instance_create_named(suffix, inst);
	if (ret) {
		snprintf(err, errlen, "cannot create a tracefs instance: %s", strerror(-ret));
		return ret;
	}
	ret = vd_rec_size_buffer(*inst, kb, err, errlen);
	if (ret)
		return ret;
	m = l->meta;
	ret = vd_meta_set_clock(*inst, &m);
	if (ret) {
		snprintf(err, errlen, "cannot read the trace clock: %s", strerror(-ret));
		return ret;
	}
	if (l->meta.trace_clock[0] && strcmp(l->meta.trace_clock, m.trace_clock)) {
		snprintf(err, errlen,
			 "the two tracefs instances got different trace clocks (%s, %s)",
			 l->meta.trace_clock, m.trace_clock);
		return -EIO;
	}
	snprintf(l->meta.trace_clock, sizeof(l->meta.trace_clock), "%s", m.trace_clock);
	return vd_events_enable(*inst, o->events, o->irq, !o->no_filter, ev, err, errlen);
}

static void fill_info(struct vd_live *l)
{
	struct utsname u;

	if (!uname(&u))
		snprintf(l->info.kernel, sizeof(l->info.kernel), "%s", u.release);
	/* the guest CID needs /dev/vsock, which vsockdiag never opens (meta.c): 0 unless known */
	l->info.vhost = !strcmp(l->meta.role, "vhost") || !strcmp(l->meta.role, "both");
	l->info.cid = !strcmp(l->meta.role, "virtio") && l->meta.local_cid > 2
			  ? (uint32_t)l->meta.local_cid
			  : 0;
	if (l->res.bpf_used) {
		snprintf(l->info.bpf_hooks, sizeof(l->info.bpf_hooks), "%s", l->res.bpf_hooks);
		snprintf(l->info.bpf_why, sizeof(l->info.bpf_why), "%s", l->res.bpf_why);
	} else {
		snprintf(l->info.bpf_hooks, sizeof(l->info.bpf_hooks), "off");
		snprintf(l->info.bpf_why, sizeof(l->info.bpf_why), "--bpf_off");
	}
}

/* -w: the file, its part files and the reader threads, as record starts them */
static int start_recording(const struct vd_live_opts *o, struct vd_live *l, const char *bpf_meta,
			   char *err, size_t errlen)
{
	char *meta_text = vd_meta_format(&l->meta, l->rev.enabled, "stream", bpf_meta);
	struct vd_dat_option start_opts[] = { { VD_OPT_META, meta_text } };
	int ret;

	snprintf(l->res.clock, sizeof(l->res.clock), "%s", l->meta.trace_clock);
	snprintf(l->res.events, sizeof(l->res.events), "%s", l->rev.enabled);
	ret = vd_dat_create(&l->dat, o->write_path, o->force, &l->rev, l->meta.trace_clock,
			    start_opts, 1, err, errlen);
	free(meta_text);
	if (ret)
		return ret;
	l->dat_open = true;
	ret = vd_capture_open(&l->cap, l->rinst, l->ncpus, l->dat.parts_fd);
	if (ret) {
		snprintf(err, errlen, "cannot open the ring buffers: %s", strerror(-ret));
		return ret;
	}
	ret = vd_capture_start(&l->cap, 0);
	if (ret)
		snprintf(err, errlen, "cannot start the reader threads: %s", strerror(-ret));
	return ret;
}

struct vd_live *vd_live_open(const struct vd_live_opts *o, char *err, size_t errlen)
{
	struct vd_live *l;
	struct vd_clock_pair pair;
	char *bpf_meta = NULL;
	int ret;

	ret = vd_tracefs_check(err, errlen);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	l = vd_xcalloc(1, sizeof(*l));
	l->marker_fd = l->rmarker_fd = -1;
	l->dat = (struct vd_dat){ .fd = -1, .parts_fd = -1 };
	register_open(l);
	vd_instance_clean_stale();
	l->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	l->res.ncpus = l->ncpus;
	vd_meta_collect(&l->meta, l->ncpus);

	/*
	 * The recording's instance first, so that its warnings (a missing event,
	 * a refused filter) are said once; the view's instance must then enable
	 * the same events.
	 */
	if (o->write_path) {
		ret = prepare_instance(o, l, NULL, &l->rinst, &l->rev, err, errlen);
		if (ret)
			goto fail;
	}
	{
		int saved = vd_log_level;

		if (o->write_path && vd_log_level > VD_LOG_ERROR)
			vd_log_level = VD_LOG_ERROR;
		ret = prepare_instance(o, l, "live", &l->inst, &l->ev, err, errlen);
		vd_log_level = saved;
		if (ret)
			goto fail;
	}
	if (o->write_path && strcmp(l->ev.enabled, l->rev.enabled)) {
		snprintf(err, errlen,
			 "the live view and the -w recording enabled different events (%s; %s)",
			 l->ev.enabled, l->rev.enabled);
		ret = -EIO;
		goto fail;
	}
	ret = vd_rec_bpf_start(o->bpf_mode, &o->bpf, &l->meta, &l->res, &l->bpf, &bpf_meta, err,
			       errlen);
	if (ret)
		goto fail;
	if (o->write_path) {
		l->path = vd_xstrdup(o->write_path);
		ret = start_recording(o, l, bpf_meta, err, errlen);
		if (ret)
			goto fail;
	}
	ret = vd_live_reader_open(&l->rd, l->inst, l->ncpus, &l->ev, l->meta.trace_clock,
				  o->buffer_kb ? o->buffer_kb : VD_REC_DEFAULT_BUFFER_KB, err,
				  errlen);
	if (ret)
		goto fail;

	if (tracefs_trace_on(l->inst)) {
		ret = -errno ?: -EIO;
		snprintf(err, errlen, "cannot start tracing: %s", strerror(-ret));
		goto fail;
	}
	/* the view sees the recorder's start mark, as a replay of the recording does */
	if (vd_meta_pair_clocks(l->inst, "start", 1, &pair))
		vd_warn("could not mark the start in the trace (trace_marker not writable)");
	if (l->rinst) {
		ret = vd_rec_trace_on(l->rinst, &l->meta, &l->dat, err, errlen);
		if (ret)
			goto fail;
	}
	if (l->bpf && vd_live_reader_takes_lines(l->rd)) {
		/*
		 * The view takes the relay's lines in process: a trace_marker write
		 * and its read back per line were most of top's cost in the lab's
		 * overhead run. A -w recording still gets them through its marker.
		 */
		if (l->rinst)
			l->rmarker_fd = tracefs_instance_file_open(l->rinst, "trace_marker",
								   O_WRONLY | O_CLOEXEC);
		if ((l->rinst && l->rmarker_fd < 0) ||
		    vd_bpf_run_sink(l->bpf, l->rmarker_fd, vd_live_reader_line, l->rd))
			vd_warn("the BPF evidence cannot be written into the recording "
				"(trace_marker): the view goes on");
	} else if (l->bpf) {
		l->marker_fd =
		    tracefs_instance_file_open(l->inst, "trace_marker", O_WRONLY | O_CLOEXEC);
		if (l->rinst)
			l->rmarker_fd = tracefs_instance_file_open(l->rinst, "trace_marker",
								   O_WRONLY | O_CLOEXEC);
		if (l->marker_fd < 0 || (l->rinst && l->rmarker_fd < 0) ||
		    vd_bpf_run_tee(l->bpf, l->marker_fd, l->rmarker_fd))
			vd_warn("the BPF evidence cannot be written into the trace (trace_marker): "
				"the view goes on without it");
	}
	fill_info(l);
	free(bpf_meta);
	if (l->path)
		vd_info("watching live (%u BPF hooks on), recording into %s",
			vd_bpf_hooks_on(l->bpf), l->path);
	else
		vd_info("watching live (%u BPF hooks on)", vd_bpf_hooks_on(l->bpf));
	return l;
fail:
	free(bpf_meta);
	teardown(l, false);
	free(l->path);
	free(l);
	errno = -ret;
	return NULL;
}

int vd_live_fd(const struct vd_live *l)
{
	return l && l->rd ? vd_live_reader_fd(l->rd) : -1;
}

int vd_live_read(struct vd_live *l, void (*cb)(void *ctx, const struct vd_event *ev), void *ctx,
		 char *err, size_t errlen)
{
	int ret;

	if (!l || !l->rd) {
		snprintf(err, errlen, "the live collector is closed");
		return -EBADF;
	}
	ret = vd_live_reader_read(l->rd, cb, ctx, 0);
	l->info.lost = vd_live_reader_lost(l->rd);
	if (ret) {
		snprintf(err, errlen, "cannot read the ring buffers: %s", strerror(-ret));
		return ret;
	}
	/* -w: a failed write ends the recording (said once); the view goes on if the caller wants
	 */
	if (l->dat_open && !l->write_failed) {
		int werr = vd_capture_error(&l->cap);

		if (werr) {
			l->write_failed = true;
			vd_rec_note_write_error(&l->res, werr);
			snprintf(err, errlen,
				 "recording into %s failed: %s: it keeps what was written "
				 "until now (free some space, or watch without -w)",
				 l->path, strerror(-werr));
			return werr;
		}
	}
	return 0;
}

const struct vd_live_info *vd_live_info(const struct vd_live *l)
{
	return &l->info;
}

int vd_live_close(struct vd_live *l, char *err, size_t errlen)
{
	int ret = 0, tret;

	if (!l)
		return 0;
	if (err && errlen)
		err[0] = '\0';
	/* the last sample (why=stop) and the drained BPF ring land before tracing stops */
	vd_bpf_stop(l->bpf, &l->res.bpf);
	l->bpf = NULL;
	if (l->dat_open) {
		char ferr[1024] = "";

		tracefs_trace_off(l->inst);
		ret = vd_rec_finish(l->rinst, &l->cap, &l->dat, &l->meta, l->ncpus, l->path,
				    &l->res, ferr, sizeof(ferr));
		l->dat_open = false;
		if (ret)
			snprintf(err, errlen, "%s", ferr);
		else if (l->res.lost)
			vd_warn("the recording %s lost %llu events (ring buffer overrun): a "
				"larger --buffer-kb keeps them",
				l->path, (unsigned long long)l->res.lost);
	}
	tret = teardown(l, false);
	if (tret && !ret) {
		ret = tret;
		snprintf(err, errlen,
			 "could not remove the tracefs instance: %s (the next run "
			 "removes it)",
			 strerror(-tret));
	}
	free(l->path);
	free(l);
	return ret;
}
