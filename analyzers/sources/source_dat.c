// SPDX-License-Identifier: GPL-2.0
/*
 * The trace.dat source: files written by trace-cmd record (v6 and v7,
 * compressed or not) or vsockdiag record, read with libtracecmd, decoded
 * with the event formats stored in the file (libtraceevent, dat_map.c).
 *
 * Records come out in timestamp order across CPUs and buffer instances (as
 * `trace-cmd report` merges them), one at a time: each CPU keeps one record
 * read ahead, so memory does not grow with the recording.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <trace-cmd/trace-cmd.h>

#include "common/log.h"
#include "common/util.h"
#include "analyzers/sources/dat_release.h"
#include "analyzers/sources/bpf_line.h"
#include "analyzers/sources/dat_map.h"
#include "analyzers/sources/source_impl.h"

/*
 * libtracecmd exports these (trace-cmd report and KernelShark use them) but
 * declares them only in its private header: the file's metadata and the
 * per-handle CPU count have no public accessor.  Their signatures have not
 * changed since libtracecmd 1.0.
 */
const char *tracecmd_get_trace_clock(struct tracecmd_input *handle);
const char *tracecmd_get_cpustats(struct tracecmd_input *handle);
const char *tracecmd_get_uname(struct tracecmd_input *handle);
const char *tracecmd_get_version(struct tracecmd_input *handle);
int tracecmd_cpus(struct tracecmd_input *handle);
unsigned long tracecmd_get_in_file_version(struct tracecmd_input *handle);
int tracecmd_get_file_compress_proto(struct tracecmd_input *handle, const char **name,
				     const char **version);

/* CPUs whose first timestamp we keep for the overwritten-buffer window (as the text source) */
#define DAT_MAX_CPUS 4096
/* a file claiming more CPUs than this is damaged, not a machine */
#define DAT_CPU_LIMIT 65536

struct dat_cursor {
	struct tracecmd_input *h;
	int idx;		/* the handle's CPU index (not the CPU number in v7 files) */
	struct tep_record *rec; /* read ahead; NULL: this CPU is done */
	/* file offsets of this CPU's first record and of the latest read: progress */
	unsigned long long first_off, off;
	struct vd_dat_release rel; /* its pages already read, given back */
};

struct dat_src {
	struct tracecmd_input *top;
	struct tracecmd_input **inst; /* buffer instances */
	int ninst;
	struct dat_cursor *cur;
	size_t ncur;
	struct vd_dat_map map;
	struct vd_dat_info info;
	uint64_t recno;
	uint64_t last_rec_ts; /* latest record, any event: where a lost marker sits */
	bool have_ts;
	struct vd_event pending; /* the record after a lost marker, returned next */
	bool have_pending;
	int max_cpu;
	uint8_t cpu_seen[DAT_MAX_CPUS / 8];
	uint64_t cpu_first_ts[DAT_MAX_CPUS];
	/* warnings are for records never read before, so a rewind does not repeat them */
	uint64_t seen_upto;
	unsigned int warned;
	uint64_t unwarned;
	bool summary_done;
};

/* ---- opening ---------------------------------------------------------------------------- */

/*
 * libtracecmd prints some problems ("File possibly truncated") with printf:
 * stdout carries our report and JSON, so it goes to /dev/null while the file
 * is opened; our own error message says what happened instead.
 */
static int stdout_mute(void)
{
	int saved, null;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if (saved < 0)
		return -1;
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDOUT_FILENO) < 0) {
		if (null >= 0)
			close(null);
		close(saved);
		return -1;
	}
	close(null);
	return saved;
}

static void stdout_restore(int saved)
{
	if (saved < 0)
		return;
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

/*
 * The child's limits on a hostile file: a record takes at least 8 bytes of a
 * page, and compression (v7) shrinks pages less than 64-fold, so more records
 * than this means the library is looping; a minute plus a second per 10 MiB
 * is far beyond what a real recording of that size takes to read.
 */
#define PROBE_RECORDS_PER_BYTE 8
#define PROBE_BASE_SECONDS     60
#define PROBE_BYTES_PER_SECOND (10u << 20)

/* every record of every CPU of h, at most *budget of them: 0, or -1 past the budget */
static int probe_read_all(struct tracecmd_input *h, uint64_t *budget)
{
	for (int cpu = 0; cpu < tracecmd_cpus(h) && cpu < DAT_CPU_LIMIT; cpu++) {
		struct tep_record *r = tracecmd_read_cpu_first(h, cpu);
		struct vd_dat_release rel = { 0 };

		while (r) {
			vd_dat_release_at(&rel, r->data);
			tracecmd_free_record(r);
			if (!(*budget)--)
				return -1;
			r = tracecmd_read_data(h, cpu);
		}
		vd_dat_release_flush(&rel);
	}
	return 0;
}

/*
 * Read the whole file once in a child process first.  libtracecmd and
 * libtraceevent trust the file: they crash in their own error path on some
 * truncated files (tracecmd_close() of a half-initialized handle), read past
 * a page whose header claims more data than it holds (kbuffer), and loop
 * forever on some damaged compressed (v7) files.  A damaged recording must
 * give an error, never take vsockdiag down or hang it, and the library
 * reads a file the same way every time: what the child survives, the real
 * read does too.  It costs one more pass over the file.  0: the real open
 * and reads will succeed; -EINVAL: the open fails cleanly; -EFAULT: the
 * library crashed, looped or overran the time limit on it.
 */
static int probe_open(int fd)
{
	int status, child_fd;
	struct tracecmd_input *h;
	struct stat st;
	uint64_t budget = 0;
	unsigned int secs = PROBE_BASE_SECONDS;
	pid_t pid;

	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		budget = (uint64_t)st.st_size * 64 / PROBE_RECORDS_PER_BYTE + 1024;
		secs += (unsigned int)VD_MIN((uint64_t)st.st_size / PROBE_BYTES_PER_SECOND, 86400);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 0; /* cannot probe: take the chance */
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		/* a library stuck in a loop is killed by the alarm's default action */
		signal(SIGALRM, SIG_DFL);
		alarm(secs);
		child_fd = dup(fd);
		h = child_fd >= 0 ? tracecmd_open_fd(child_fd, TRACECMD_FL_LOAD_NO_PLUGINS) : NULL;
		if (!h)
			_exit(1);
		if (probe_read_all(h, &budget))
			_exit(3);
		for (int i = 0; i < tracecmd_buffer_instances(h) && i < DAT_CPU_LIMIT; i++) {
			struct tracecmd_input *in = tracecmd_buffer_instance_handle(h, i);

			if (in && probe_read_all(in, &budget))
				_exit(3);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	/* the child moved the shared file offset */
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -EINVAL;
	if (WIFSIGNALED(status))
		return -EFAULT;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
		return -EFAULT;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EINVAL;
}

/*
 * "overrun: N" lines summed over the CPU stats trace-cmd saved at the end of
 * the recording ("commit overrun:" counts something else: events the writer
 * could not commit, already reported as missed events).
 */
static void parse_cpustats(struct dat_src *d)
{
	const char *stats = tracecmd_get_cpustats(d->top);

	if (!stats)
		return;
	d->info.have_cpustats = true;
	for (const char *s = stats; *s; s++) {
		unsigned long long v;
		char *end;

		if ((s == stats || s[-1] == '\n') && !strncmp(s, "overrun:", 8)) {
			v = strtoull(s + 8, &end, 10);
			if (end != s + 8)
				d->info.overrun += v;
		}
	}
}

static void read_info(struct dat_src *d)
{
	const char *name = NULL, *version = NULL;

	d->info.file_version = tracecmd_get_in_file_version(d->top);
	if (!tracecmd_get_file_compress_proto(d->top, &name, &version) && name)
		d->info.compression = name;
	d->info.trace_clock = tracecmd_get_trace_clock(d->top);
	d->info.uname = tracecmd_get_uname(d->top);
	d->info.tracer_version = tracecmd_get_version(d->top);
	d->info.cpus = tep_get_cpus(tracecmd_get_tep(d->top));
	d->info.buffers = d->ninst;
	parse_cpustats(d);
}

static int add_cursors(struct dat_src *d, struct tracecmd_input *h)
{
	int n = tracecmd_cpus(h);

	if (n < 0 || n > DAT_CPU_LIMIT)
		return -EINVAL;
	d->cur = vd_xrealloc(d->cur, d->ncur + (size_t)n, sizeof(*d->cur));
	for (int i = 0; i < n; i++)
		d->cur[d->ncur++] = (struct dat_cursor){ .h = h, .idx = i };
	return 0;
}

static void dat_free(struct dat_src *d)
{
	for (size_t i = 0; i < d->ncur; i++)
		if (d->cur[i].rec)
			tracecmd_free_record(d->cur[i].rec);
	free(d->cur);
	for (int i = 0; i < d->ninst; i++)
		tracecmd_close(d->inst[i]);
	free(d->inst);
	if (d->top)
		tracecmd_close(d->top);
	free(d);
}

/* ---- reading ---------------------------------------------------------------------------- */

static void dat_reset(struct vd_source *src, struct dat_src *d)
{
	for (size_t i = 0; i < d->ncur; i++) {
		if (d->cur[i].rec)
			tracecmd_free_record(d->cur[i].rec);
		vd_dat_release_flush(&d->cur[i].rel);
		d->cur[i].rel.cur = 0;
		d->cur[i].rec = tracecmd_read_cpu_first(d->cur[i].h, d->cur[i].idx);
		d->cur[i].first_off = d->cur[i].off = d->cur[i].rec ? d->cur[i].rec->offset : 0;
	}
	d->recno = 0;
	d->last_rec_ts = 0;
	d->have_ts = false;
	d->have_pending = false;
	d->max_cpu = -1;
	memset(d->cpu_seen, 0, sizeof(d->cpu_seen));
	memset(&src->stats, 0, sizeof(src->stats));
}

static void note_cpu_ts(struct dat_src *d, int cpu, uint64_t ts)
{
	if (cpu < 0)
		return;
	d->max_cpu = VD_MAX(d->max_cpu, cpu);
	if (cpu >= DAT_MAX_CPUS)
		return;
	if (!(d->cpu_seen[cpu / 8] & (1u << (cpu % 8)))) {
		d->cpu_seen[cpu / 8] |= (uint8_t)(1u << (cpu % 8));
		d->cpu_first_ts[cpu] = ts;
	} else if (ts < d->cpu_first_ts[cpu]) {
		d->cpu_first_ts[cpu] = ts;
	}
}

static void malformed(struct vd_source *src, struct dat_src *d, const char *why)
{
	src->stats.malformed++;
	if (vd_bpf_why_is_bpf(why))
		src->stats.bpf_malformed++;
	if (d->recno <= d->seen_upto)
		return;
	if (d->warned < vd_log_warn_limit) {
		d->warned++;
		vd_warn("%s: record %lu: %s: skipped", src->path, (unsigned long)d->recno, why);
	} else {
		d->unwarned++;
	}
}

/* Facts only the whole file can tell: the window, the CPU count. */
static void dat_finish(struct vd_source *src, struct dat_src *d)
{
	struct vd_source_stats *s = &src->stats;
	uint64_t start = 0;

	s->ncpus = VD_MAX(d->info.cpus, d->max_cpu + 1);
	/*
	 * The ring buffer overwrote events (trace-cmd extract of a full
	 * buffer, a flight-recorder run): each CPU's record starts at its own
	 * time, and the recording is complete only from the latest of them.
	 */
	s->window_truncated = d->info.overrun > 0;
	if (s->window_truncated) {
		for (int cpu = 0; cpu <= d->max_cpu && cpu < DAT_MAX_CPUS; cpu++)
			if (d->cpu_seen[cpu / 8] & (1u << (cpu % 8)))
				start = VD_MAX(start, d->cpu_first_ts[cpu]);
		s->window_start = start;
	} else {
		s->window_start = s->first_ts;
	}
	if (d->summary_done)
		return;
	d->summary_done = true;
	if (d->unwarned)
		vd_warn("%lu more malformed records in %s", (unsigned long)d->unwarned, src->path);
}

/* the cursor holding the earliest record; ties go to the lower CPU, as trace-cmd report does */
static struct dat_cursor *earliest(struct dat_src *d)
{
	struct dat_cursor *best = NULL;

	for (size_t i = 0; i < d->ncur; i++)
		if (d->cur[i].rec && (!best || d->cur[i].rec->ts < best->rec->ts))
			best = &d->cur[i];
	return best;
}

static int dat_next(struct vd_source *src, struct vd_event *ev)
{
	struct dat_src *d = src->priv;

	if (d->have_pending) {
		d->have_pending = false;
		*ev = d->pending;
		vd_source_count_event(src, &d->have_ts, ev);
		return 1;
	}
	for (;;) {
		struct dat_cursor *c = earliest(d);
		struct tep_record *rec;
		const char *why = "malformed record";
		long long missed;
		uint64_t prev_ts;
		int ret, cpu;

		if (!c) {
			dat_finish(src, d);
			return 0;
		}
		rec = c->rec;
		c->rec = tracecmd_read_data(c->h, c->idx);
		if (c->rec && c->rec->offset > c->off)
			c->off = c->rec->offset;
		if (c->rec)
			vd_dat_release_at(&c->rel, c->rec->data);
		else
			vd_dat_release_flush(&c->rel);
		d->recno++;
		prev_ts = d->last_rec_ts;
		d->last_rec_ts = rec->ts;
		note_cpu_ts(d, rec->cpu, rec->ts);
		cpu = rec->cpu;
		missed = rec->missed_events;
		ret = vd_dat_map_record(&d->map, rec, &d->pending, &why);
		if (ret == VD_DAT_REC_UNKNOWN)
			src->stats.unknown_events++;
		else if (ret < 0)
			malformed(src, d, why);
		else
			d->pending.lineno = d->recno;
		tracecmd_free_record(rec);
		if (d->recno > d->seen_upto)
			d->seen_upto = d->recno;
		if (missed) {
			/*
			 * The ring buffer dropped events before this record on its
			 * CPU (-1: a count was not kept).  The marker takes the
			 * previous record's time, as the text parser does with
			 * trace-cmd report's "[N EVENTS DROPPED]" line.
			 */
			d->have_pending = ret == VD_DAT_REC_EVENT;
			vd_event_clear(ev);
			ev->kind = VD_EV_LOST;
			ev->cpu = cpu;
			ev->pid = -1;
			ev->ts_ns = prev_ts;
			ev->lost.count = missed > 0 ? (uint64_t)missed : 0;
			ev->lineno = d->recno;
			vd_source_count_event(src, &d->have_ts, ev);
			return 1;
		}
		if (ret == VD_DAT_REC_EVENT) {
			*ev = d->pending;
			vd_source_count_event(src, &d->have_ts, ev);
			return 1;
		}
	}
}

static int dat_rewind(struct vd_source *src)
{
	dat_reset(src, src->priv);
	return 0;
}

static void dat_close(struct vd_source *src)
{
	if (!src->priv)
		return;
	dat_free(src->priv);
	src->priv = NULL;
}

/*
 * Each CPU's pages lie together in the file, in order: the bytes behind every
 * CPU's cursor are what was read.  (Headers and options are not counted, so a
 * first pass ends a little short of the size; the next passes count records.)
 */
static uint64_t dat_pos(const struct vd_source *src)
{
	const struct dat_src *d = src->priv;
	uint64_t sum = 0;

	for (size_t i = 0; i < d->ncur; i++)
		sum += d->cur[i].off - d->cur[i].first_off;
	return sum;
}

/* clang-format off */
static const struct vd_source_ops dat_ops = {
	.pos = dat_pos,
	.next = dat_next,
	.rewind = dat_rewind,
	.close = dat_close,
};
/* clang-format on */

int vd_source_dat_info(const struct vd_source *src, struct vd_dat_info *info)
{
	if (!src || src->fmt != VD_FMT_TRACE_DAT || !src->priv)
		return -EINVAL;
	*info = ((const struct dat_src *)src->priv)->info;
	return 0;
}

/*
 * fp: the file vd_source_open() sniffed.  The source reads that same open
 * file (a duplicate of its descriptor, so a rename or replacement of the
 * path in between cannot change what is read).  On success fp is closed
 * here, since libtracecmd owns the duplicate; on failure it is left to the
 * caller.
 */
int vd_source_dat_init(struct vd_source *src, FILE *fp, char *err, size_t errlen)
{
	struct dat_src *d;
	int fd, saved, nbuf, probe;

	src->priv = NULL;
	if (!fp) {
		snprintf(err, errlen, "%s: no file to read", src->path);
		return -EINVAL;
	}
	fd = fcntl(fileno(fp), F_DUPFD_CLOEXEC, 0);
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot read %s: %s", src->path, strerror(e));
		return -e;
	}
	/* library chatter goes to stderr only when debugging: our messages say what to do */
	if (vd_log_level < VD_LOG_DEBUG) {
		tracecmd_set_loglevel(TEP_LOG_NONE);
		tep_set_loglevel(TEP_LOG_NONE);
	}
	d = vd_xcalloc(1, sizeof(*d));
	probe = probe_open(fd);
	if (probe) {
		close(fd);
	} else {
		saved = stdout_mute();
		/* no plugins: output must not depend on what is installed in
		 * ~/.local/lib/traceevent */
		d->top = tracecmd_open_fd(fd, TRACECMD_FL_LOAD_NO_PLUGINS);
		stdout_restore(saved);
	}
	if (!d->top) {
		/* tracecmd_open_fd() closed fd */
		free(d);
		snprintf(err, errlen,
			 "%s is a damaged or truncated trace.dat (libtracecmd %s): if the "
			 "recording was cut short, record again and stop it with Ctrl-C; check "
			 "the file with: trace-cmd report -i %s",
			 src->path,
			 probe == -EFAULT ? "crashed or did not finish reading its CPU data"
					  : "cannot read its headers or CPU data",
			 src->path);
		return -EINVAL;
	}
	nbuf = tracecmd_buffer_instances(d->top);
	if (nbuf > 0 && nbuf < DAT_CPU_LIMIT) {
		d->inst = vd_xcalloc((size_t)nbuf, sizeof(*d->inst));
		for (int i = 0; i < nbuf; i++) {
			struct tracecmd_input *h = tracecmd_buffer_instance_handle(d->top, i);

			if (!h) {
				vd_warn("%s: buffer instance '%s' is unreadable: skipped",
					src->path, tracecmd_buffer_instance_name(d->top, i));
				continue;
			}
			d->inst[d->ninst++] = h;
		}
	}
	if (add_cursors(d, d->top)) {
		snprintf(err, errlen,
			 "%s: trace.dat claims an impossible CPU count: check it with: "
			 "trace-cmd report -i %s",
			 src->path, src->path);
		dat_free(d);
		return -EINVAL;
	}
	for (int i = 0; i < d->ninst; i++)
		if (add_cursors(d, d->inst[i])) {
			snprintf(err, errlen,
				 "%s: a buffer instance claims an impossible CPU count: "
				 "check it with: trace-cmd report -i %s",
				 src->path, src->path);
			dat_free(d);
			return -EINVAL;
		}
	vd_dat_map_init(&d->map, tracecmd_get_tep(d->top));
	src->vsock_recorded =
	    d->map.ev[VD_DAT_ALLOC_PKT].id >= 0 || d->map.ev[VD_DAT_RECV_PKT].id >= 0;
	read_info(d);
	src->ops = &dat_ops;
	src->priv = d;
	dat_reset(src, d);
	fclose(fp);
	return 0;
}

/*
 * libtracecmd 1.3 leaks the clock name it parses at open (a few bytes per
 * file, in tracecmd_parse_trace_clock): not ours to free, and it would fail
 * every sanitizer run that opens a trace.dat.  LeakSanitizer asks for this
 * hook; normal builds never call it.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	/* the fast unwinder stops in libc's sscanf("%ms"), which nothing of ours calls */
	return "leak:tracecmd_parse_trace_clock\nleak:__isoc99_vsscanf\n";
}
