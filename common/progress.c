// SPDX-License-Identifier: GPL-2.0
/* The progress line of long batch work (see progress.h). */
#include <pthread.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"
#include "util.h"

#define SLOTS 8
/* nothing is drawn for work shorter than this: a quick run stays quiet */
#define FIRST_DRAW_NS 500000000ULL
#define REDRAW_NS     200000000ULL
/*
 * the ETA appears once a pass has run this long (VSOCKDIAG_PROGRESS_ETA_MS: the
 * tests, whose passes are short now that later passes replay the event cache)
 */
#define ETA_AFTER_NS 1000000000ULL

struct slot {
	uint64_t total, done;
	bool active; /* read during this pass */
};

static struct {
	bool on, drawn;
	char what[32], pass[96];
	struct slot slot[SLOTS];
	int nslots;
	uint64_t start_ns, pass_ns, drawn_ns, eta_after_ns;
	struct vd_log_sink prev;
} P;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void clear_line(void)
{
	if (P.drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		P.drawn = false;
	}
}

/* a warning while the line is up: clear it, print, and let the next update redraw */
static void sink(void *ctx, enum vd_log_level level, const char *msg)
{
	(void)ctx;
	pthread_mutex_lock(&lock);
	clear_line();
	vd_log_stderr(NULL, level, msg);
	pthread_mutex_unlock(&lock);
}

void vd_progress_fmt_eta(char *buf, unsigned long len, double s)
{
	unsigned long t = s < 0 ? 0 : (unsigned long)(s + 0.5);

	if (t < 60)
		snprintf(buf, len, "%lu s", t);
	else if (t < 3600)
		snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
	else
		snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
}

static int term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void draw(uint64_t now)
{
	char line[512], done_s[32], total_s[32], eta[32];
	uint64_t done = 0, total = 0;
	int n, width = term_width();

	for (int i = 0; i < P.nslots; i++) {
		if (!P.slot[i].active)
			continue;
		/* an input read further than its size (it grew) counts as complete */
		done += VD_MIN(P.slot[i].done, P.slot[i].total);
		total += P.slot[i].total;
	}
	n = snprintf(line, sizeof(line), "%s: %s", P.what, P.pass);
	if (total) {
		double f = (double)done / (double)total;

		vd_fmt_bytes(done_s, sizeof(done_s), done);
		vd_fmt_bytes(total_s, sizeof(total_s), total);
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  %s/%s %.0f%%", done_s, total_s,
			      f * 100);
		if (now - P.pass_ns >= P.eta_after_ns && f > 0.01 && f < 1) {
			vd_progress_fmt_eta(eta, sizeof(eta),
					    (double)(now - P.pass_ns) / 1e9 * (1 - f) / f);
			n += snprintf(line + n, sizeof(line) - (size_t)n, "  ETA %s", eta);
		}
	} else if (done) {
		vd_fmt_bytes(done_s, sizeof(done_s), done);
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  %s", done_s);
	}
	(void)n;
	/* one column short of the width: a full line would wrap on some terminals */
	fprintf(stderr, "\r%.*s\033[K", VD_MAX(width - 1, 1), line);
	fflush(stderr);
	P.drawn = true;
	P.drawn_ns = now;
}

static void maybe_draw(void)
{
	uint64_t now = now_ns();

	if (now - P.start_ns < FIRST_DRAW_NS || (P.drawn && now - P.drawn_ns < REDRAW_NS))
		return;
	draw(now);
}

void vd_progress_start(const char *what)
{
	pthread_mutex_lock(&lock);
	if (!P.on) {
		memset(&P, 0, sizeof(P));
		P.on = true;
		snprintf(P.what, sizeof(P.what), "%s", what);
		P.start_ns = P.pass_ns = now_ns();
		P.eta_after_ns = ETA_AFTER_NS;
		if (getenv("VSOCKDIAG_PROGRESS_ETA_MS"))
			P.eta_after_ns =
			    strtoull(getenv("VSOCKDIAG_PROGRESS_ETA_MS"), NULL, 10) * 1000000ULL;
		pthread_mutex_unlock(&lock);
		P.prev = vd_log_set_sink(sink, NULL);
		return;
	}
	pthread_mutex_unlock(&lock);
}

void vd_progress_stop(void)
{
	bool was;

	pthread_mutex_lock(&lock);
	was = P.on;
	clear_line();
	P.on = false;
	pthread_mutex_unlock(&lock);
	if (was)
		vd_log_set_sink(P.prev.fn, P.prev.ctx);
}

bool vd_progress_enabled(void)
{
	return P.on;
}

int vd_progress_add(uint64_t total)
{
	int slot = -1;

	pthread_mutex_lock(&lock);
	if (P.on && P.nslots < SLOTS) {
		slot = P.nslots++;
		P.slot[slot].total = total;
	}
	pthread_mutex_unlock(&lock);
	return slot;
}

void vd_progress_set(int slot, uint64_t done)
{
	if (slot < 0 || slot >= SLOTS || !__atomic_load_n(&P.on, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&lock);
	if (P.on) {
		P.slot[slot].done = done;
		P.slot[slot].active = true;
		maybe_draw();
	}
	pthread_mutex_unlock(&lock);
}

/* the pass being timed for VSOCKDIAG_DEBUG: the main thread's alone, no lock */
static char dbg_pass[sizeof(P.pass)];
static uint64_t dbg_pass_ns;

void vd_progress_pass_end(void)
{
	uint64_t now;

	if (vd_log_level < VD_LOG_DEBUG || !dbg_pass[0])
		return;
	now = now_ns();
	vd_dbg("%s: %.3f s", dbg_pass, (double)(now - dbg_pass_ns) / 1e9);
	dbg_pass[0] = '\0';
}

void vd_progress_phase(const char *name)
{
	if (vd_log_level < VD_LOG_DEBUG)
		return;
	vd_progress_pass_end();
	snprintf(dbg_pass, sizeof(dbg_pass), "%s", name);
	dbg_pass_ns = now_ns();
}

void vd_progress_pass(const char *fmt, ...)
{
	va_list ap;

	if (vd_log_level >= VD_LOG_DEBUG) {
		vd_progress_pass_end();
		va_start(ap, fmt);
		vsnprintf(dbg_pass, sizeof(dbg_pass), fmt, ap);
		va_end(ap);
		dbg_pass_ns = now_ns();
	}
	if (!P.on)
		return;
	pthread_mutex_lock(&lock);
	va_start(ap, fmt);
	vsnprintf(P.pass, sizeof(P.pass), fmt, ap);
	va_end(ap);
	for (int i = 0; i < P.nslots; i++) {
		P.slot[i].active = false;
		P.slot[i].done = 0;
	}
	P.pass_ns = now_ns();
	if (P.drawn)
		draw(P.pass_ns);
	pthread_mutex_unlock(&lock);
}
