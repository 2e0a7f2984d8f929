// SPDX-License-Identifier: GPL-2.0
/*
 * The live collector (collectors/live.h) on the real kernel (root; skips
 * otherwise, fails under CI). This machine's own vsock belongs to the
 * environment: VSOCKDIAG_FORBID_VSOCK is set, and only irq and kmem events
 * and trace_marker lines are traced. The marker lines are "vsockdiag-bpf
 * rxlevel" lines numbered by level=: written from alternating CPUs, they
 * must come back through the callback as VD_EV_BPF events, each once, in
 * their order, among the kernel's events, all in time order.
 *
 *  - watch only: events, order, the start mark, info, the instance gone after close;
 *  - -w FILE.dat: the file trace-cmd reads, with record's options and clock,
 *    holding the same numbered lines and BPF tier lines as the view got;
 *  - errors: an existing -w file, a symlink, an unknown event, vsock:* while
 *    forbidden: a message, and nothing left in tracefs;
 *  - exit() without close: the atexit hook removes the instance; SIGKILL: the
 *    next open removes the stale one.
 *
 * Usage: live-test [-v]
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyzers/sources/source.h"
#include "collectors/events.h"
#include "collectors/live.h"
#include "common/log.h"
#include "common/vd_event.h"
#include "tests/collectors/check.h"
#include "tests/collectors/root_env.h"

#define TRACING	 "/sys/kernel/tracing"
#define TEST_MAX 987654321u /* max= of the test's marker lines */
#define LINES	 4000


/* ---- what came back ------------------------------------------------------------------ */

struct seen {
	uint64_t events, last_ts;
	uint64_t out_of_order;
	uint64_t irq, kmalloc, lost_events, lost_count, lost_unknown, marks_start, tiers;
	uint32_t lines, next_level;
	uint64_t line_gaps; /* a numbered line missing or out of its order */
};

static void take(struct seen *s, const struct vd_event *ev)
{
	if (s->events && ev->ts_ns < s->last_ts)
		s->out_of_order++;
	s->last_ts = ev->ts_ns;
	s->events++;
	switch (ev->kind) {
	case VD_EV_IRQ_ENTRY:
		s->irq++;
		break;
	case VD_EV_KMALLOC:
		s->kmalloc++;
		break;
	case VD_EV_LOST:
		s->lost_events++;
		s->lost_count += ev->lost.count;
		/* the kernel flags a page's missed events without their count when it had no room */
		s->lost_unknown += !ev->lost.count;
		break;
	case VD_EV_MARK:
		s->marks_start += ev->mark.what == VD_MARK_RECORDER_START;
		break;
	case VD_EV_BPF:
		if (ev->bpf.kind == VD_BPF_TIER)
			s->tiers++;
		if (ev->bpf.kind == VD_BPF_RXLEVEL && ev->bpf.rxlevel.max == TEST_MAX) {
			if (ev->bpf.rxlevel.level != s->next_level)
				s->line_gaps++;
			s->next_level = ev->bpf.rxlevel.level + 1;
			s->lines++;
		}
		break;
	default:
		break;
	}
}

static void on_event(void *ctx, const struct vd_event *ev)
{
	take(ctx, ev);
}

/* ---- tracefs ------------------------------------------------------------------------- */

static bool instance_exists(int pid, const char *suffix)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), TRACING "/instances/vsockdiag-%d%s%s", pid, suffix ? "-" : "",
		 suffix ? suffix : "");
	return !stat(path, &st);
}

/* any instance of this process (either name) */
static bool mine_left(int pid)
{
	return instance_exists(pid, NULL) || instance_exists(pid, "live");
}

/* ---- the numbered lines ---------------------------------------------------------------- */

struct writer {
	int fds[2];
	int nfds;
	unsigned int lines;
	pthread_t thread;
};

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* each line from the other CPU than the last, with pauses, so reads interleave */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	for (unsigned int i = 0; i < w->lines; i++) {
		char line[160];
		int n;

		if (ncpus > 1) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(i % 2, &set);
			pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
		}
		n = snprintf(line, sizeof(line),
			     "vsockdiag-bpf rxlevel t=%" PRIu64 " level=%u max=%u src=sample",
			     mono_ns(), i, TEST_MAX);
		for (int k = 0; k < w->nfds; k++)
			if (write(w->fds[k], line, (size_t)n) != n)
				fprintf(stderr, "live-test: marker write: %s\n", strerror(errno));
		if (i % 200 == 199)
			usleep(20000);
	}
	return NULL;
}

static int open_marker(int pid, const char *suffix)
{
	char path[256];

	snprintf(path, sizeof(path), TRACING "/instances/vsockdiag-%d%s%s/trace_marker", pid,
		 suffix ? "-" : "", suffix ? suffix : "");
	return open(path, O_WRONLY | O_CLOEXEC);
}

/* poll and read for @ms, as top does */
static int pump(struct vd_live *l, struct seen *s, int ms, char *err, size_t errlen)
{
	uint64_t end = mono_ns() + (uint64_t)ms * 1000000ull;
	int reads = 0;

	while (mono_ns() < end) {
		struct pollfd p = { .fd = vd_live_fd(l), .events = POLLIN };
		int ret;

		if (p.fd >= 0)
			poll(&p, 1, 100);
		else
			usleep(100000);
		ret = vd_live_read(l, on_event, s, err, errlen);
		if (ret)
			return ret;
		reads++;
	}
	return reads > 0 ? 0 : -EIO;
}

/* ---- the cases ----------------------------------------------------------------------- */

static void watch_only(void)
{
	struct vd_live_opts o = { .events = "irq:irq_handler_entry,kmem:kmalloc",
				  .irq = "*",
				  .no_filter = true, /* every kmalloc: a busy stream to merge */
				  .bpf_mode = VD_BPF_OFF };
	struct writer w = { .nfds = 1, .lines = LINES };
	const struct vd_live_info *info;
	struct seen s = { 0 };
	char err[1024] = "";
	struct vd_live *l;
	int ret;

	l = vd_live_open(&o, err, sizeof(err));
	CHECK(l, "watch: vd_live_open (%s)", l ? "ok" : err);
	if (!l)
		return;
	CHECK(instance_exists(getpid(), "live") && !instance_exists(getpid(), NULL),
	      "watch: one instance, vsockdiag-PID-live");
	w.fds[0] = open_marker(getpid(), "live");
	CHECK(w.fds[0] >= 0, "watch: the instance's trace_marker opens");
	pthread_create(&w.thread, NULL, writer_main, &w);
	ret = pump(l, &s, 2500, err, sizeof(err));
	pthread_join(w.thread, NULL);
	if (!ret)
		ret = pump(l, &s, 400, err, sizeof(err));
	CHECK(!ret, "watch: vd_live_read (%s)", ret ? err : "ok");
	info = vd_live_info(l);
	CHECK(s.events > 0 && !s.out_of_order,
	      "watch: %" PRIu64 " events, in time order (%" PRIu64 " out of order)", s.events,
	      s.out_of_order);
	CHECK(s.lines == LINES && !s.line_gaps,
	      "watch: the %d numbered marker lines, each once, in order (%u seen, %" PRIu64
	      " gaps%s)",
	      LINES, s.lines, s.line_gaps, s.lost_events ? "; the ring dropped events" : "");
	CHECK(s.kmalloc > 0, "watch: kmem:kmalloc events (%" PRIu64 ")", s.kmalloc);
	printf("     irq_handler_entry events: %" PRIu64 "\n", s.irq);
	CHECK(s.marks_start == 1, "watch: the recorder's start mark, once");
	CHECK(info->kernel[0] != '\0', "watch: info says the kernel (%s)", info->kernel);
	CHECK(!strcmp(info->bpf_hooks, "off"), "watch: --bpf off says bpf_hooks=off (%s)",
	      info->bpf_hooks);
	CHECK(info->lost >= s.lost_count,
	      "watch: info.lost %" PRIu64 " covers the lost marks (%" PRIu64 " events in %" PRIu64
	      " marks)",
	      info->lost, s.lost_count, s.lost_events);
	close(w.fds[0]);
	ret = vd_live_close(l, err, sizeof(err));
	CHECK(!ret, "watch: vd_live_close (%s)", ret ? err : "ok");
	CHECK(!mine_left(getpid()), "watch: no instance left after close");
}

/* a small ring read late: the overwritten events come back as VD_EV_LOST, counted in info */
static void lost(void)
{
	struct vd_live_opts o = { .events = "irq:irq_handler_entry",
				  .irq = "*",
				  .buffer_kb = 8,
				  .bpf_mode = VD_BPF_OFF };
	struct seen s = { 0 };
	char err[1024] = "";
	struct vd_live *l;
	int ret;

	l = vd_live_open(&o, err, sizeof(err));
	CHECK(l, "lost: vd_live_open with 8 KiB per CPU (%s)", l ? "ok" : err);
	if (!l)
		return;
	/* 4000 marker lines (about 100 bytes each) into 8 KiB: the ring wraps many times */
	{
		struct writer w = { .nfds = 1, .lines = LINES };

		w.fds[0] = open_marker(getpid(), "live");
		writer_main(&w);
		close(w.fds[0]);
	}
	ret = vd_live_read(l, on_event, &s, err, sizeof(err));
	CHECK(!ret, "lost: vd_live_read (%s)", ret ? err : "ok");
	/*
	 * every line is either read or counted lost (a few interrupts may be lost
	 * too): by the marks' counts, or, when a mark could not say how many
	 * (count 0), by info.lost, the ring's own overrun count
	 */
	CHECK(s.lost_events > 0 &&
		  (s.lines + s.lost_count >= LINES ||
		   (s.lost_unknown && s.lines + vd_live_info(l)->lost >= LINES)) &&
		  vd_live_info(l)->lost >= s.lost_count && !s.out_of_order,
	      "lost: %" PRIu64 " VD_EV_LOST marks (%" PRIu64 " events, %" PRIu64
	      " marks of an unknown count), info.lost %" PRIu64
	      ", %" PRIu64 " events in time order, %u of the lines",
	      s.lost_events, s.lost_count, s.lost_unknown, vd_live_info(l)->lost,
	      s.events, s.lines);
	ret = vd_live_close(l, err, sizeof(err));
	CHECK(!ret && !mine_left(getpid()), "lost: closed, no instance left");
}

/* "trace-cmd CMD FILE" output, or NULL */
static char *run_cmd(const char *cmd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	FILE *p = popen(cmd, "r");
	char chunk[4096];
	size_t n;

	if (!p || !out) {
		if (p)
			pclose(p);
		if (out)
			fclose(out);
		free(buf);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		fwrite(chunk, 1, n, out);
	fclose(out);
	if (pclose(p)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static size_t count_sub(const char *s, const char *sub)
{
	size_t n = 0;

	for (const char *p = s; p && (p = strstr(p, sub)); p += strlen(sub))
		n++;
	return n;
}

static void with_file(const char *dir)
{
	struct vd_live_opts o = { .events = "irq:irq_handler_entry,kmem:mm_page_alloc",
				  .irq = "*",
				  .bpf_mode = VD_BPF_AUTO,
				  .bpf = { .sample_hz = 4 } };
	struct writer w = { .nfds = 2, .lines = LINES };
	struct seen s = { 0 }, f = { 0 };
	char err[1024] = "", path[512], cmd[1200];
	struct vd_source *src;
	struct vd_event ev;
	struct vd_live *l;
	char *text;
	int ret;

	snprintf(path, sizeof(path), "%s/live.dat", dir);
	o.write_path = path;
	l = vd_live_open(&o, err, sizeof(err));
	CHECK(l, "-w: vd_live_open (%s)", l ? "ok" : err);
	if (!l)
		return;
	CHECK(instance_exists(getpid(), "live") && instance_exists(getpid(), NULL),
	      "-w: two instances, vsockdiag-PID (recorded) and vsockdiag-PID-live (read)");
	/* the lines go into both, as the BPF relay writes its own */
	w.fds[0] = open_marker(getpid(), "live");
	w.fds[1] = open_marker(getpid(), NULL);
	pthread_create(&w.thread, NULL, writer_main, &w);
	ret = pump(l, &s, 2000, err, sizeof(err));
	pthread_join(w.thread, NULL);
	if (!ret)
		ret = pump(l, &s, 400, err, sizeof(err));
	CHECK(!ret, "-w: vd_live_read (%s)", ret ? err : "ok");
	close(w.fds[0]);
	close(w.fds[1]);
	printf("     BPF: %s\n", vd_live_info(l)->bpf_hooks);
	ret = vd_live_close(l, err, sizeof(err));
	CHECK(!ret, "-w: vd_live_close finishes the file (%s)", ret ? err : "ok");
	CHECK(!mine_left(getpid()), "-w: no instance left after close");
	CHECK(s.lines == LINES && !s.line_gaps && !s.out_of_order,
	      "-w: the view got the %d lines in order (%u, %" PRIu64 " gaps, %" PRIu64
	      " out of order)",
	      LINES, s.lines, s.line_gaps, s.out_of_order);

	/* the file, through vsockdiag's own trace.dat source */
	src = vd_source_open(path, err, sizeof(err));
	CHECK(src, "-w: the file opens as a trace.dat (%s)", src ? "ok" : err);
	if (src) {
		vd_source_set_marks(src, true);
		while (vd_source_next(src, &ev) == 1)
			take(&f, &ev);
		vd_source_close(src);
	}
	CHECK(f.lines == LINES && !f.line_gaps,
	      "-w: the file holds the same %d lines in order (%u, %" PRIu64 " gaps)", LINES,
	      f.lines, f.line_gaps);
	CHECK(f.tiers == s.tiers && f.marks_start == 1 && s.marks_start == 1,
	      "-w: the BPF tier lines (%" PRIu64 " file, %" PRIu64
	      " view) and the start mark in both",
	      f.tiers, s.tiers);

	/* trace-cmd, the oracle */
	snprintf(cmd, sizeof(cmd), "trace-cmd report '%s' 2>&1", path);
	text = run_cmd(cmd);
	CHECK(text && count_sub(text, "vsockdiag-bpf rxlevel") == LINES && !strstr(text, "rror") &&
		  !strstr(text, "FAILED"),
	      "-w: trace-cmd report reads it, %zu numbered lines",
	      text ? count_sub(text, "vsockdiag-bpf rxlevel") : 0);
	CHECK(text && strstr(text, "vsockdiag-clock start seq=0") &&
		  strstr(text, "vsockdiag-clock stop seq=0"),
	      "-w: record's start and stop clock stamps");
	free(text);
	snprintf(cmd, sizeof(cmd), "trace-cmd dump --options '%s' 2>&1", path);
	text = run_cmd(cmd);
	CHECK(text && strstr(text, "22084") && strstr(text, "22085") && strstr(text, "22086") &&
		  strstr(text, "[mono]"),
	      "-w: record's private options (meta, clocks, cpustats) and the mono clock");
	free(text);
	snprintf(cmd, sizeof(cmd), "%s.parts", path);
	CHECK(access(cmd, F_OK) != 0, "-w: no part directory left");
}

static void errors(const char *dir)
{
	struct vd_live_opts o = { .events = "irq:irq_handler_entry", .bpf_mode = VD_BPF_OFF };
	char err[1024], path[512], target[512];
	struct vd_live *l;
	int fd;

	snprintf(path, sizeof(path), "%s/exists.dat", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	o.write_path = path;
	err[0] = '\0';
	l = vd_live_open(&o, err, sizeof(err));
	CHECK(!l && strstr(err, "exists"), "error: -w onto an existing file refused (%s)", err);
	CHECK(!mine_left(getpid()), "error: no instance left (existing file)");

	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(path, sizeof(path), "%s/link.dat", dir);
	fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	if (symlink(target, path))
		perror("symlink");
	o.write_path = path;
	o.force = true;
	err[0] = '\0';
	l = vd_live_open(&o, err, sizeof(err));
	{
		struct stat st;

		CHECK(!l && !stat(target, &st) && st.st_size == 0,
		      "error: -w through a symlink refused, its target untouched (%s)", err);
	}
	CHECK(!mine_left(getpid()), "error: no instance left (symlink)");

	o.write_path = NULL;
	o.force = false;
	o.events = "nosuchsystem:nosuchevent";
	err[0] = '\0';
	l = vd_live_open(&o, err, sizeof(err));
	CHECK(!l && err[0], "error: an unknown event refused (%s)", err);
	CHECK(!mine_left(getpid()), "error: no instance left (unknown event)");

	o.events = "vsock:*";
	err[0] = '\0';
	l = vd_live_open(&o, err, sizeof(err));
	CHECK(!l && errno == EPERM && strstr(err, VD_FORBID_VSOCK_ENV),
	      "error: vsock:* refused while %s is set (%s)", VD_FORBID_VSOCK_ENV, err);
	CHECK(!mine_left(getpid()), "error: no instance left (vsock forbidden)");

	o.events = NULL; /* the default set starts with vsock:* */
	err[0] = '\0';
	l = vd_live_open(&o, err, sizeof(err));
	CHECK(!l && errno == EPERM, "error: the default set refused while forbidden (%s)", err);
	CHECK(!mine_left(getpid()), "error: no instance left (default set)");
}

static void exits(void)
{
	struct vd_live_opts o = { .events = "irq:irq_handler_entry", .bpf_mode = VD_BPF_OFF };
	char err[1024] = "";
	struct vd_live *l;
	int pfd[2], status;
	pid_t pid;
	char c;

	/* exit() without vd_live_close(): the atexit hook */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		l = vd_live_open(&o, err, sizeof(err));
		exit(l ? 0 : 3);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && !mine_left(pid),
	      "exit without close: the instance is removed");

	/* SIGKILL: nothing runs; the next open removes the dead run's instance */
	if (pipe(pfd))
		return;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		l = vd_live_open(&o, err, sizeof(err));
		if (write(pfd[1], l ? "y" : "n", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1)
		c = '?';
	close(pfd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK(c == 'y' && mine_left(pid), "SIGKILL: the killed run's instance is left");
	l = vd_live_open(&o, err, sizeof(err));
	CHECK(l && !mine_left(pid), "SIGKILL: the next open removes it (%s)", l ? "ok" : err);
	if (l)
		vd_live_close(l, err, sizeof(err));
	CHECK(!mine_left(getpid()), "no instance of this process left");
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/live-test.XXXXXX";
	char cmd[600];
	int status;

	if (argc > 1 && !strcmp(argv[1], "-v"))
		vd_log_level = VD_LOG_INFO;
	if (!vt_root_env("live-test", &status))
		return status;
	/* this machine's vsock is not ours: nothing may enable vsock events */
	setenv(VD_FORBID_VSOCK_ENV, "1", 1);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	watch_only();
	lost();
	with_file(dir);
	errors(dir);
	exits();
	if (!getenv("KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			fprintf(stderr, "live-test: could not remove %s\n", dir);
	} else {
		printf("kept %s\n", dir);
	}
	printf("live-test: %d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
