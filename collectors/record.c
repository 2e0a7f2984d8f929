// SPDX-License-Identifier: GPL-2.0
/*
 * One recording session. Everything it changes in the kernel lives in its own
 * tracefs instance, so "restore every setting" means "remove the instance":
 * one cleanup path at the end of vd_record(), plus an atexit() hook for exits
 * that bypass it. Signal handlers only set flags; the loop acts on them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
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
/* the status line is redrawn this often; without it, -v notes the counters every NOTE_S */
#define TICK_NS NSEC_PER_SEC
#define NOTE_S	10
/* stopped by a signal, the command (same process group: Ctrl-C) may be leaving by itself */
#define CMD_OWN_EXIT_MS 200

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

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
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

/* ---- the command ---------------------------------------------------------------------- */

static int check_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode) || access(path, X_OK))
		return -EACCES;
	return 0;
}

int vd_record_check_command(const char *file, char *err, size_t errlen)
{
	const char *path, *p;
	int ret, seen = -ENOENT;

	if (!file || !*file) {
		snprintf(err, errlen, "no command after '--': write 'record [OPTIONS] -- COMMAND'");
		return -EINVAL;
	}
	if (strchr(file, '/')) {
		ret = check_exec(file);
		if (ret)
			snprintf(err, errlen, "cannot run the command '%s': %s%s", file,
				 strerror(-ret), ret == -ENOENT ? "" : " (not an executable file)");
		return ret;
	}
	/* execvp()'s search: each PATH entry ("" is the current directory) */
	path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path;; p++) {
		size_t n = strcspn(p, ":");
		char full[4096];

		if ((size_t)snprintf(full, sizeof(full), "%.*s%s%s", (int)n, p, n ? "/" : "",
				     file) < sizeof(full)) {
			ret = check_exec(full);
			if (!ret)
				return 0;
			if (ret != -ENOENT && ret != -ENOTDIR)
				seen = ret;
		}
		p += n;
		if (!*p)
			break;
	}
	if (seen == -ENOENT)
		snprintf(err, errlen, "cannot run the command '%s': not found in PATH", file);
	else
		snprintf(err, errlen, "cannot run the command '%s': %s", file, strerror(-seen));
	return seen;
}

static void put(char *buf, size_t len, size_t *at, const char *s)
{
	for (; *s && *at + 1 < len; s++)
		buf[(*at)++] = *s;
	buf[*at] = '\0';
}

void vd_record_argv_text(char *const *argv, char *buf, size_t len)
{
	size_t at = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (int i = 0; argv && argv[i]; i++) {
		const char *a = argv[i];
		bool quote = !*a || strpbrk(a, " \t\n'\"\\$`*?[]{}()<>|&;#~!") != NULL;

		put(buf, len, &at, i ? " " : "");
		put(buf, len, &at, quote ? "'" : "");
		for (; *a; a++) {
			char c[2] = { *a, '\0' };

			put(buf, len, &at, *a == '\'' ? "'\\''" : c);
		}
		put(buf, len, &at, quote ? "'" : "");
	}
}

/* the open descriptors (/proc/self/fd); *n = 0 without /proc */
static int *open_fds(int *n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int *fds = NULL, cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || fd == dirfd(d))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			fds = vd_xrealloc(fds, (size_t)cap, sizeof(*fds));
		}
		fds[(*n)++] = (int)fd;
	}
	closedir(d);
	return fds;
}

/*
 * The descriptors open when record started are the caller's and the command
 * inherits them; the ones record opened since (the trace.dat, libraries') must
 * not leak into it: close-on-exec for each of those.
 */
static void cloexec_since(const int *had, int nhad)
{
	int n, *now = open_fds(&n);

	for (int i = 0; i < n; i++) {
		bool old = false;

		for (int k = 0; k < nhad && !old; k++)
			old = had[k] == now[i];
		if (!old && now[i] > 2) {
			int fl = fcntl(now[i], F_GETFD);

			if (fl >= 0 && !(fl & FD_CLOEXEC))
				fcntl(now[i], F_SETFD, fl | FD_CLOEXEC);
		}
	}
	free(now);
}

/*
 * Started once tracing is on, in record's process group (Ctrl-C in a terminal
 * reaches it too) with stdin/stdout/stderr, the caller's signal mask and the
 * signals record handles back at their default.
 */
static int command_start(char *const *argv, const sigset_t *mask, struct vd_record_command *cmd,
			 char *err, size_t errlen)
{
	posix_spawnattr_t attr;
	sigset_t def;
	pid_t pid;
	int ret;

	sigemptyset(&def);
	for (int i = 0; i < NHANDLED; i++)
		sigaddset(&def, handled[i]);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setsigmask(&attr, mask);
	ret = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (ret) {
		snprintf(err, errlen, "cannot run the command '%s': %s", argv[0], strerror(ret));
		return -ret;
	}
	memset(cmd, 0, sizeof(*cmd));
	cmd->pid = pid;
	return 0;
}

/* true when the command has ended (and was reaped) */
static bool command_poll(struct vd_record_command *cmd)
{
	int status;

	if (!cmd->pid || cmd->reaped)
		return cmd->reaped;
	if (waitpid(cmd->pid, &status, WNOHANG) == cmd->pid) {
		cmd->status = status;
		cmd->reaped = true;
	}
	return cmd->reaped;
}

static bool command_wait(struct vd_record_command *cmd, unsigned int ms)
{
	for (unsigned int t = 0;; t += 10) {
		if (command_poll(cmd))
			return true;
		if (t >= ms)
			return false;
		sleep_ms(10);
	}
}

/*
 * The recording stops before the command ended: SIGTERM, VD_RECORD_CMD_GRACE_MS,
 * SIGKILL. Tracing is still on meanwhile, so its end is in the file.
 */
static void command_stop(struct vd_record_command *cmd, bool by_signal)
{
	if (!cmd->pid || cmd->reaped)
		return;
	if (by_signal && command_wait(cmd, CMD_OWN_EXIT_MS))
		return;
	vd_info("stopping the command (pid %d): SIGTERM", cmd->pid);
	kill(cmd->pid, SIGTERM);
	cmd->terminated = true;
	if (command_wait(cmd, VD_RECORD_CMD_GRACE_MS))
		return;
	vd_warn("the command (pid %d) outlived SIGTERM by %d ms: SIGKILL", cmd->pid,
		VD_RECORD_CMD_GRACE_MS);
	kill(cmd->pid, SIGKILL);
	cmd->killed = true;
	while (waitpid(cmd->pid, &cmd->status, 0) < 0 && errno == EINTR)
		;
	cmd->reaped = true;
}

/* ---- the status line ------------------------------------------------------------------ */

/*
 * One line on stderr (a terminal), redrawn in place: "\r" + text + "\033[K".
 * Every message of the log is printed on a cleared line and the status drawn
 * again under it (a log sink for the duration), and the line is cleared when
 * the recording stops, so nothing of it stays on the screen.
 */
struct status {
	pthread_mutex_t lock;
	bool up;	/* drawn and not cleared */
	char text[512]; /* what is drawn */
	struct vd_log_sink prev;
	bool sink; /* ours is installed */
};

static struct status status = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void write_all(const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(STDERR_FILENO, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

/* with the lock held */
static void status_put(struct status *s)
{
	char buf[600];
	int n = snprintf(buf, sizeof(buf), "\r%s\033[K", s->text);

	write_all(buf, (size_t)VD_MIN(n, (int)sizeof(buf) - 1));
	s->up = true;
}

static void status_clear_locked(struct status *s)
{
	if (s->up)
		write_all("\r\033[K", 4);
	s->up = false;
}

static void status_sink(void *ctx, enum vd_log_level level, const char *msg)
{
	struct status *s = ctx;

	pthread_mutex_lock(&s->lock);
	status_clear_locked(s);
	s->prev.fn(s->prev.ctx, level, msg);
	if (s->text[0])
		status_put(s);
	pthread_mutex_unlock(&s->lock);
}

static void status_begin(struct status *s)
{
	s->text[0] = '\0';
	s->up = false;
	s->prev = vd_log_set_sink(status_sink, s);
	s->sink = true;
}

static void status_draw(struct status *s, const char *text)
{
	pthread_mutex_lock(&s->lock);
	snprintf(s->text, sizeof(s->text), "%s", text);
	status_put(s);
	pthread_mutex_unlock(&s->lock);
}

static void status_end(struct status *s)
{
	if (!s->sink)
		return;
	vd_log_set_sink(s->prev.fn, s->prev.ctx);
	s->sink = false;
	pthread_mutex_lock(&s->lock);
	status_clear_locked(s);
	s->text[0] = '\0';
	pthread_mutex_unlock(&s->lock);
}

/* terminal columns of stderr; 80 when unknown */
static int term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col)
		return 80;
	return ws.ws_col;
}

/* display columns of UTF-8 text (one per character: no wide characters in ours) */
static int cols(const char *t)
{
	int n = 0;

	for (; *t; t++)
		n += ((unsigned char)*t & 0xc0) != 0x80;
	return n;
}

/* "48 213 907" */
static char *fmt_count(char *buf, size_t len, uint64_t v)
{
	char digits[32];
	int nd = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	size_t at = 0;

	for (int i = 0; i < nd && at + 2 < len; i++) {
		if (i && (nd - i) % 3 == 0)
			buf[at++] = ' ';
		buf[at++] = digits[i];
	}
	buf[at] = '\0';
	return buf;
}

/* "0:12", "12:03", "1:02:03" */
static char *fmt_elapsed(char *buf, size_t len, uint64_t ns)
{
	uint64_t s = ns / NSEC_PER_SEC;

	if (s >= 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llu:%02llu", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	return buf;
}

/* what the status line and the -v notes show */
struct progress {
	uint64_t elapsed_ns;
	int64_t left_ns; /* -1: no -d */
	uint64_t recorded, lost, written;
	bool flight;
	const char *output;
	const char *cmd_name; /* NULL: no command */
	int cmd_pid;
};

enum { P_TIME, P_EVENTS, P_WRITTEN, P_LOST, P_FILE, P_CMD, P_HINT, P_N };

struct part {
	char full[320], brief[160];
	bool shown, use_brief;
};

static const char *part_text(const struct part *p)
{
	return p->use_brief && p->brief[0] ? p->brief : p->full;
}

static int line_cols(const struct part *parts)
{
	int n = 0, k = 0;

	for (int i = 0; i < P_N; i++)
		if (parts[i].shown) {
			n += cols(part_text(&parts[i])) + (k ? 2 : 0);
			k++;
		}
	return n;
}

/*
 * The status line in at most @width - 1 columns (the last column would make
 * some terminals wrap): what matters least goes first, then the cut.
 */
static void status_format(char *out, size_t len, const struct progress *p, int width)
{
	/* shorten (brief) or drop, in this order, until it fits */
	static const struct {
		int part;
		bool drop;
	} steps[] = {
		{ P_FILE, true },    { P_HINT, false }, { P_TIME, false }, { P_WRITTEN, true },
		{ P_EVENTS, false }, { P_CMD, false },	{ P_CMD, true },   { P_HINT, true },
	};
	struct part parts[P_N];
	char t[32], l[32], n[48], b[32];
	size_t at = 0;
	int max = VD_MAX(width - 1, 8);

	memset(parts, 0, sizeof(parts));
	fmt_elapsed(t, sizeof(t), p->elapsed_ns);
	if (p->left_ns >= 0) {
		fmt_elapsed(l, sizeof(l), (uint64_t)p->left_ns + NSEC_PER_SEC - 1);
		snprintf(parts[P_TIME].full, sizeof(parts[P_TIME].full), "recording %s, %s left", t,
			 l);
		snprintf(parts[P_TIME].brief, sizeof(parts[P_TIME].brief), "%s, %s left", t, l);
	} else {
		snprintf(parts[P_TIME].full, sizeof(parts[P_TIME].full), "recording %s", t);
		snprintf(parts[P_TIME].brief, sizeof(parts[P_TIME].brief), "%s", t);
	}
	fmt_count(n, sizeof(n), p->recorded);
	snprintf(parts[P_EVENTS].full, sizeof(parts[P_EVENTS].full), "events %s%s", n,
		 p->flight ? " in the ring buffer" : "");
	snprintf(parts[P_EVENTS].brief, sizeof(parts[P_EVENTS].brief), "events %s", n);
	if (!p->flight) {
		snprintf(parts[P_WRITTEN].full, sizeof(parts[P_WRITTEN].full), "written %s",
			 vd_fmt_bytes(b, sizeof(b), p->written));
		snprintf(parts[P_LOST].full, sizeof(parts[P_LOST].full), "lost %s",
			 fmt_count(n, sizeof(n), p->lost));
	}
	snprintf(parts[P_FILE].full, sizeof(parts[P_FILE].full), "-> %s", p->output);
	if (p->cmd_name) {
		snprintf(parts[P_CMD].full, sizeof(parts[P_CMD].full), "command %.200s [%d]",
			 p->cmd_name, p->cmd_pid);
		snprintf(parts[P_CMD].brief, sizeof(parts[P_CMD].brief), "[%d]", p->cmd_pid);
	}
	if (p->flight) {
		snprintf(parts[P_HINT].full, sizeof(parts[P_HINT].full),
			 "(SIGUSR1 or Ctrl-C writes it)");
		snprintf(parts[P_HINT].brief, sizeof(parts[P_HINT].brief), "Ctrl-C writes it");
	} else if (p->cmd_name) {
		snprintf(parts[P_HINT].full, sizeof(parts[P_HINT].full),
			 "(stops when it exits, or Ctrl-C)");
		snprintf(parts[P_HINT].brief, sizeof(parts[P_HINT].brief), "Ctrl-C stops");
	} else {
		snprintf(parts[P_HINT].full, sizeof(parts[P_HINT].full), "(Ctrl-C to stop)");
		snprintf(parts[P_HINT].brief, sizeof(parts[P_HINT].brief), "Ctrl-C stops");
	}
	for (int i = 0; i < P_N; i++)
		parts[i].shown = parts[i].full[0] != '\0';
	for (size_t i = 0; i < ARRAY_SIZE(steps) && line_cols(parts) > max; i++) {
		if (steps[i].drop)
			parts[steps[i].part].shown = false;
		else
			parts[steps[i].part].use_brief = true;
	}
	out[0] = '\0';
	for (int i = 0, k = 0; i < P_N; i++)
		if (parts[i].shown) {
			int w = snprintf(out + at, len - at, "%s%s", k++ ? "  " : "",
					 part_text(&parts[i]));

			at = VD_MIN(at + (size_t)VD_MAX(w, 0), len - 1);
		}
	/* still too wide (a very narrow terminal): cut at a character boundary */
	{
		int c = 0;

		for (at = 0; out[at]; at++) {
			if (((unsigned char)out[at] & 0xc0) != 0x80 && ++c > max)
				break;
		}
		out[at] = '\0';
	}
}

/* events the ring buffer took so far and lost, all CPUs (per_cpu/cpuN/stats) */
static void read_counts(struct tracefs_instance *inst, int ncpus, uint64_t *recorded,
			uint64_t *lost)
{
	*recorded = *lost = 0;
	for (int i = 0; i < ncpus; i++) {
		struct vd_cpu_stats st;

		if (vd_meta_cpu_stats(inst, i, &st))
			continue;
		/* entries: in the buffer, unread; read events: consumed (splice too) */
		*recorded += st.entries + st.read;
		*lost += st.overrun + st.dropped;
	}
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

static void progress_read(struct run *r, uint64_t now, struct progress *p)
{
	memset(p, 0, sizeof(*p));
	p->elapsed_ns = now - r->start;
	p->left_ns = -1;
	if (r->o->duration_ns)
		p->left_ns =
		    (int64_t)VD_MAX((int64_t)r->o->duration_ns - (int64_t)p->elapsed_ns, 0);
	read_counts(r->inst, r->ncpus, &p->recorded, &p->lost);
	p->written = vd_capture_bytes(r->cap);
	p->flight = r->o->flight_mb > 0;
	p->output = r->o->output;
	p->cmd_name = r->cmd_name;
	p->cmd_pid = r->res->cmd.pid;
}

/* once a second: the status line, or every NOTE_S s a -v note */
static void tick(struct run *r, uint64_t now)
{
	struct progress p;
	char line[512], t[32], n[48], b[32];
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
	if (r->o->status_line) {
		status_format(line, sizeof(line), &p, term_width());
		status_draw(&status, line);
		return;
	}
	fmt_elapsed(t, sizeof(t), p.elapsed_ns);
	fmt_count(n, sizeof(n), p.recorded);
	if (p.flight)
		vd_info("recording %s: %s events in the ring buffer", t, n);
	else
		vd_info("recording %s: %s events, %s written, %llu lost", t, n,
			vd_fmt_bytes(b, sizeof(b), p.written), (unsigned long long)p.lost);
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

	sigemptyset(&block);
	for (int i = 0; i < NHANDLED; i++)
		sigaddset(&block, handled[i]);
	sigprocmask(SIG_BLOCK, &block, &orig);
	r->start = r->next_tick = now_ns();
	r->ticks = 0;
	if (o->status_line)
		status_begin(&status);
	for (;;) {
		uint64_t now = now_ns(), timeout = POLL_MS * NSEC_PER_MSEC;
		struct timespec ts;
		int err;

		if (stop_signal) {
			res->reason = VD_STOP_SIGNAL;
			res->signal = stop_signal;
			break;
		}
		if (command_poll(&res->cmd)) {
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
	status_end(&status);
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
		caller_fds = open_fds(&nfds);
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
		cloexec_since(caller_fds, nfds);
		ret = command_start(o->command, &caller_mask, &res->cmd, err, errlen);
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
	command_stop(&res->cmd, res->reason == VD_STOP_SIGNAL);

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
			fmt_count(n, sizeof(n), res->recorded), (unsigned long long)res->lost);
	}
out:
	/* a setup error after the command started (none today) still leaves no child behind */
	command_stop(&res->cmd, false);
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
