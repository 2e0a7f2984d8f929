/* SPDX-License-Identifier: GPL-2.0 */
/* What a source implementation provides; only source*.c include this. */
#ifndef VD_SOURCE_IMPL_H
#define VD_SOURCE_IMPL_H

#include <stdio.h>

#include "analyzers/sources/source.h"

struct vd_source_ops {
	int (*next)(struct vd_source *src, struct vd_event *ev);
	int (*rewind)(struct vd_source *src);
	void (*close)(struct vd_source *src); /* frees priv, not src */
	/* bytes of the file consumed so far, for the progress line (NULL: unknown) */
	uint64_t (*pos)(const struct vd_source *src);
};

/* the event cache of a source (evcache.h) */
enum vd_cache_state {
	VD_CACHE_FILLING = 0, /* this pass parses, and keeps what it returns */
	VD_CACHE_READY,	      /* a whole pass is kept: passes replay it */
	VD_CACHE_OFF,	      /* not kept (turned off, or the temporary file failed) */
};

struct vd_evcache;
struct vd_evprefetch;

struct vd_source {
	const struct vd_source_ops *ops;
	enum vd_source_format fmt;
	char *path;
	struct vd_source_stats stats;
	bool marks; /* vd_source_next() returns VD_EV_MARK events */
	void *priv;
	/* the progress line (common/progress.h): its slot, -1 when it is off */
	int pslot;
	uint64_t size;	     /* the file's size in bytes */
	uint64_t nread;	     /* records returned in this pass */
	uint64_t pass_total; /* records a whole pass returns, once one ended (0: not yet) */
	bool ended;	     /* this pass reached the end */
	bool is_stdin;	     /* opened as "-" */
	/* the file describes the vsock:* events: 1; it was recorded without them: 0; -1 unknown */
	int vsock_recorded;
	/*
	 * Parse once: the first pass keeps every event the format returns in
	 * the cache; once a pass read to the end, later passes replay the
	 * cache.  The statistics stay those of the parsed pass (the same).
	 */
	struct vd_evcache *cache;
	enum vd_cache_state cache_state;
	size_t cache_mem; /* its memory before it goes to a temporary file */
	/* replaying: the cache decoded ahead on a thread (evprefetch.h); NULL: read directly */
	struct vd_evprefetch *prefetch;
	bool prefetch_due; /* a replay begins: start the prefetcher at its first read */
	bool no_prefetch;  /* vd_source_set_prefetch(src, false) */
};

/*
 * The statistics every source keeps alike for each event it returns, so text
 * and trace.dat inputs report the same way.  *have_ts: the source's own flag,
 * false until its first timestamped event.
 */
void vd_source_count_event(struct vd_source *src, bool *have_ts, const struct vd_event *ev);

/*
 * vd_source_open() once the file is open: refuse what cannot be read
 * (directory, pipe, empty, binary but not trace.dat), sniff the format and
 * hand fp to the format's opener.  fp belongs to the call: to the source on
 * success, closed on failure.  path names the recording in messages.
 */
struct vd_source *vd_source_open_stream(FILE *fp, const char *path, char *err, size_t errlen);

/* what compressed a file, by its magic bytes */
enum vd_compression {
	VD_COMP_NONE = 0,
	VD_COMP_GZIP,
	VD_COMP_XZ,
	VD_COMP_ZSTD,
};

enum vd_compression vd_compression_sniff(const void *buf, size_t n);

/* where temporary files go: $TMPDIR, else /tmp */
const char *vd_tmp_dir(void);
/* an unlinked temporary file there, open for reading and writing: fd or -errno */
int vd_tmp_open(void);

/*
 * source_spool.c: copy fp (from its current offset; a compressed file from
 * its start), decompressed when comp says so, into an unlinked temporary
 * file and return that, open for reading at its start.  fp is closed either
 * way.  NULL with errno and a message naming name in err on failure (a
 * truncated or corrupt stream, a full temporary file system).
 */
FILE *vd_source_spool(FILE *fp, const char *name, enum vd_compression comp, char *err,
		      size_t errlen);

/*
 * Per-format openers, called by vd_source_open() once the format is known.
 * fp is positioned at the start of the file and now belongs to the source.
 * Return 0 or -errno with a message in err.
 */
int vd_source_text_init(struct vd_source *src, FILE *fp, char *err, size_t errlen);
int vd_source_dat_init(struct vd_source *src, FILE *fp, char *err, size_t errlen);

#endif /* VD_SOURCE_IMPL_H */
