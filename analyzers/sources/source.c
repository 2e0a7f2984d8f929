// SPDX-License-Identifier: GPL-2.0
/* Format detection and dispatch for recordings. */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/progress.h"
#include "common/util.h"
#include "analyzers/sources/evcache.h"
#include "analyzers/sources/evprefetch.h"
#include "analyzers/sources/source_impl.h"

/* trace-cmd's file magic: "\027\010\104tracing" */
static const char dat_magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };

static enum vd_source_format sniff(const unsigned char *buf, size_t n, bool *binary)
{
	*binary = memchr(buf, '\0', n) != NULL;
	if (n >= sizeof(dat_magic) && !memcmp(buf, dat_magic, sizeof(dat_magic)))
		return VD_FMT_TRACE_DAT;
	return *binary ? VD_FMT_UNKNOWN : VD_FMT_FTRACE_TEXT;
}

/* a "-" source is open: standard input holds one recording only */
static bool stdin_taken;

/* FILE.parts/ next to FILE: vsockdiag record's pages of an unfinished recording */
static bool has_parts(const char *path)
{
	char *p = vd_xcalloc(1, strlen(path) + sizeof(".parts"));
	struct stat st;
	bool ret;

	sprintf(p, "%s.parts", path);
	ret = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return ret;
}

static struct vd_source *open_stdin(char *err, size_t errlen)
{
	struct vd_source *src;
	FILE *fp = NULL;
	int fd, e;

	if (stdin_taken) {
		snprintf(err, errlen,
			 "'-' (standard input) is given twice: standard input holds one "
			 "recording only: save the other one to a file and give its name");
		errno = EINVAL;
		return NULL;
	}
	if (isatty(STDIN_FILENO)) {
		snprintf(err, errlen,
			 "'-' reads the recording from standard input, which is a terminal: "
			 "pipe or redirect it in, e.g. vsockdiag report - < trace.txt");
		errno = EINVAL;
		return NULL;
	}
	fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	if (fd >= 0)
		fp = fdopen(fd, "rb");
	if (!fp) {
		e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot read standard input: %s", strerror(e));
		errno = e;
		return NULL;
	}
	/* a regular file on standard input is read in place: a pipe is spooled */
	src = vd_source_open_stream(fp, "(stdin)", err, errlen);
	if (src) {
		src->is_stdin = true;
		stdin_taken = true;
	}
	return src;
}

struct vd_source *vd_source_open(const char *path, char *err, size_t errlen)
{
	struct vd_source *src;
	FILE *fp;
	int e;

	if (!strcmp(path, "-"))
		return open_stdin(err, errlen);
	fp = fopen(path, "rb");
	if (!fp) {
		e = errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	src = vd_source_open_stream(fp, path, err, errlen);
	e = errno;
	if (!has_parts(path)) {
		errno = e;
		return src;
	}
	/* a recorder killed (or still running) left its pages in FILE.parts/ */
	if (!src) {
		snprintf(err, errlen,
			 "%s is an unfinished recording: its recorder stopped before finishing "
			 "it (killed?) and %s.parts/ holds the pages it captured: finish it with "
			 "'vsockdiag record --recover -o %s' (if the recorder is still running, "
			 "stop it with Ctrl-C first)",
			 path, path, path);
		errno = e;
		return NULL;
	}
	vd_warn("%s.parts/ exists: %s may be unfinished (a recorder still running, or killed: "
		"then finish it with 'vsockdiag record --recover -o %s')",
		path, path, path);
	return src;
}

static bool cache_wanted(size_t *mem_max);

static void progress_add(struct vd_source *src)
{
	src->pslot = vd_progress_add(src->size);
}

/*
 * How far this pass is: once a pass has ended, the record count of a whole
 * pass makes later passes exact; the first pass asks the format for its
 * position in the file.
 */
static void progress_tick(struct vd_source *src)
{
	uint64_t done;

	if (src->ended)
		done = src->size;
	else if (src->pass_total)
		done = (uint64_t)((double)src->nread / (double)src->pass_total * (double)src->size);
	else
		done = src->ops->pos ? src->ops->pos(src) : 0;
	vd_progress_set(src->pslot, VD_MIN(done, src->size));
}

struct vd_source *vd_source_open_stream(FILE *fp, const char *path, char *err, size_t errlen)
{
	unsigned char head[4096];
	enum vd_compression comp;
	struct vd_source *src = NULL;
	struct stat st;
	int depth = 0;
	bool binary;
	size_t n;
	int ret;

again:
	if (fstat(fileno(fp), &st)) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-ret));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		snprintf(err, errlen, "%s is a directory: give the recording file inside it", path);
		goto fail;
	}
	/*
	 * correlate reads each recording several times and a pipe cannot be
	 * rewound: standard input, a FIFO or <(...) goes to a temporary file
	 */
	if (!S_ISREG(st.st_mode)) {
		fp = vd_source_spool(fp, path, VD_COMP_NONE, err, errlen);
		if (!fp) {
			ret = -errno;
			goto fail;
		}
		goto again;
	}
	n = fread(head, 1, sizeof(head), fp);
	if (ferror(fp)) {
		ret = -EIO;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	if (n == 0) {
		ret = -ENODATA;
		snprintf(err, errlen,
			 "%s is empty: was tracing on while the problem happened? "
			 "(echo 1 > /sys/kernel/tracing/tracing_on before reproducing)",
			 path);
		goto fail;
	}
	/* gzip, xz, zstd: decompressed into a temporary file, then sniffed as usual */
	comp = vd_compression_sniff(head, n);
	if (comp != VD_COMP_NONE && depth++ < 4) {
		fp = vd_source_spool(fp, path, comp, err, errlen);
		if (!fp) {
			ret = -errno;
			goto fail;
		}
		goto again;
	}
	rewind(fp);

	src = vd_xcalloc(1, sizeof(*src));
	src->path = vd_xstrdup(path);
	src->pslot = -1;
	src->vsock_recorded = -1;
	src->cache_state = cache_wanted(&src->cache_mem) ? VD_CACHE_FILLING : VD_CACHE_OFF;
	src->size = (uint64_t)st.st_size;
	src->fmt = sniff(head, n, &binary);
	switch (src->fmt) {
	case VD_FMT_FTRACE_TEXT:
		ret = vd_source_text_init(src, fp, err, errlen);
		if (ret)
			goto fail;
		progress_add(src);
		return src;
	case VD_FMT_TRACE_DAT:
		ret = vd_source_dat_init(src, fp, err, errlen);
		if (ret)
			goto fail;
		progress_add(src);
		return src;
	default:
		ret = -EINVAL;
		snprintf(err, errlen,
			 "%s is a binary file but not a trace-cmd trace.dat: give the text that "
			 "'cat /sys/kernel/tracing/trace' or 'trace-cmd report' printed",
			 path);
		goto fail;
	}
fail:
	if (fp && !(src && src->priv))
		fclose(fp);
	if (src) {
		free(src->path);
		free(src);
	}
	errno = -ret;
	return NULL;
}

void vd_source_count_event(struct vd_source *src, bool *have_ts, const struct vd_event *ev)
{
	struct vd_source_stats *s = &src->stats;

	/*
	 * The recorder's marker is the print line it always was: another
	 * event, outside events and the first/last timestamps, so reports and
	 * correlate read the same recording the same way as before marks.
	 */
	if (ev->kind == VD_EV_MARK) {
		s->unknown_events++;
		return;
	}
	s->events++;
	if (ev->kind == VD_EV_LOST) {
		s->lost_markers++;
		s->lost_events += ev->lost.count;
		if (!ev->lost.count)
			s->lost_unknown = true;
		return;
	}
	/* min/max, not first/last: some trace clocks are not monotonic across CPUs */
	if (!*have_ts) {
		*have_ts = true;
		s->first_ts = s->last_ts = ev->ts_ns;
	}
	s->first_ts = VD_MIN(s->first_ts, ev->ts_ns);
	s->last_ts = VD_MAX(s->last_ts, ev->ts_ns);
}

/*
 * The event cache's memory per source before it goes to a temporary file:
 * VSOCKDIAG_CACHE_MEM bytes (0: straight to the file), default 16 MiB; with
 * VSOCKDIAG_CACHE=0 every pass parses the recording again (the old way, for
 * comparisons).
 */
#define CACHE_MEM_DEFAULT (16u << 20)

static bool cache_wanted(size_t *mem_max)
{
	const char *on = getenv("VSOCKDIAG_CACHE"), *mem = getenv("VSOCKDIAG_CACHE_MEM");
	char *end;

	if (on && !strcmp(on, "0"))
		return false;
	*mem_max = CACHE_MEM_DEFAULT;
	if (mem && *mem) {
		unsigned long long v = strtoull(mem, &end, 10);

		if (!*end)
			*mem_max = (size_t)v;
	}
	return true;
}

static void cache_drop(struct vd_source *src, int why)
{
	vd_dbg("%s: events no longer cached (%s): each pass parses it again", src->path,
	       strerror(-why));
	vd_evcache_free(src->cache);
	src->cache = NULL;
	src->cache_state = VD_CACHE_OFF;
}

/*
 * A pass replays the cache: decode it ahead on a thread of its own while the
 * pass works (no thread: read it directly, the same events).
 */
static void replay_ahead(struct vd_source *src)
{
	src->prefetch_due = vd_threads_allowed();
}

/* one event of the format, or of the cache once it holds a whole pass */
static int next_event(struct vd_source *src, struct vd_event *ev)
{
	int ret;

	if (src->cache_state == VD_CACHE_READY) {
		/* started by the pass's first read: a pass may read from a thread of its own */
		if (src->prefetch_due) {
			src->prefetch_due = false;
			if (!src->no_prefetch)
				src->prefetch = vd_evprefetch_start(src->cache);
		}
		ret = src->prefetch ? vd_evprefetch_get(src->prefetch, ev)
				    : vd_evcache_get(src->cache, ev);
		if (ret < 0)
			vd_dbg("%s: the event cache cannot be read back: %s", src->path,
			       strerror(-ret));
		return ret;
	}
	ret = src->ops->next(src, ev);
	if (src->cache_state != VD_CACHE_FILLING)
		return ret;
	if (ret < 0) {
		cache_drop(src, ret);
		return ret;
	}
	if (!src->cache)
		src->cache = vd_evcache_new(src->cache_mem);
	if (ret == 1) {
		int e = vd_evcache_put(src->cache, ev);

		if (e)
			cache_drop(src, e);
	}
	return ret;
}

int vd_source_next(struct vd_source *src, struct vd_event *ev)
{
	int ret;

	/* a mark is counted (as another event) when read, whether or not it is returned */
	while ((ret = next_event(src, ev)) == 1 && ev->kind == VD_EV_MARK && !src->marks)
		;
	/* the end of a pass: what lets the cache replay it (and the progress line be exact) */
	if (ret == 1) {
		if (!(++src->nread & 1023) && src->pslot >= 0)
			progress_tick(src);
	} else if (ret == 0 && !src->ended) {
		src->ended = true;
		if (src->pslot >= 0)
			progress_tick(src);
	}
	return ret;
}

void vd_source_set_marks(struct vd_source *src, bool on)
{
	src->marks = on;
}

void vd_source_set_prefetch(struct vd_source *src, bool on)
{
	src->no_prefetch = !on;
}

int vd_source_rewind(struct vd_source *src)
{
	bool whole = src->ended;
	int ret;

	if (src->ended)
		src->pass_total = src->nread;
	src->nread = 0;
	src->ended = false;
	if (src->cache_state == VD_CACHE_READY) {
		vd_evprefetch_stop(src->prefetch);
		src->prefetch = NULL;
		ret = vd_evcache_rewind(src->cache);
		if (!ret)
			replay_ahead(src);
		return ret;
	}
	if (src->cache_state == VD_CACHE_FILLING && src->cache) {
		if (whole) {
			/* a whole pass is kept: replay it from now on */
			ret = vd_evcache_seal(src->cache);
			if (!ret) {
				uint64_t n = vd_evcache_events(src->cache),
					 b = vd_evcache_bytes(src->cache);

				vd_dbg("%s: %" PRIu64 " events cached in %" PRIu64
				       " bytes (%.1f per event, %s): later passes replay them",
				       src->path, n, b, n ? (double)b / (double)n : 0.0,
				       vd_evcache_on_disk(src->cache) ? "in a temporary file"
								      : "in memory");
				src->cache_state = VD_CACHE_READY;
				replay_ahead(src);
				return 0;
			}
			cache_drop(src, ret);
		} else {
			/* rewound in the middle of a pass: start keeping again */
			vd_evcache_free(src->cache);
			src->cache = NULL;
		}
	}
	return src->ops->rewind(src);
}

const struct vd_source_stats *vd_source_stats(const struct vd_source *src)
{
	return &src->stats;
}

enum vd_source_format vd_source_format(const struct vd_source *src)
{
	return src->fmt;
}

const char *vd_source_path(const struct vd_source *src)
{
	return src->path;
}

int vd_source_vsock_recorded(const struct vd_source *src)
{
	return src->vsock_recorded;
}

void vd_source_close(struct vd_source *src)
{
	if (!src)
		return;
	vd_evprefetch_stop(src->prefetch);
	vd_evcache_free(src->cache);
	if (src->ops && src->ops->close)
		src->ops->close(src);
	if (src->is_stdin)
		stdin_taken = false;
	free(src->path);
	free(src);
}

bool vd_source_stats_equal(const struct vd_source_stats *a, const struct vd_source_stats *b)
{
	return a->lines == b->lines && a->events == b->events &&
	       a->unknown_events == b->unknown_events && a->malformed == b->malformed &&
	       a->bpf_malformed == b->bpf_malformed && a->lost_events == b->lost_events &&
	       a->lost_markers == b->lost_markers && a->lost_unknown == b->lost_unknown &&
	       a->first_ts == b->first_ts && a->last_ts == b->last_ts &&
	       a->window_start == b->window_start && a->window_truncated == b->window_truncated &&
	       a->ncpus == b->ncpus && a->header_entries == b->header_entries &&
	       a->header_written == b->header_written && a->truncated_line == b->truncated_line;
}
