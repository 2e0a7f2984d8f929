/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers every part of vsockdiag uses. */
#ifndef VD_UTIL_H
#define VD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_SEC  1000000000ULL
#define NSEC_PER_MSEC 1000000ULL

/* Three-way compare that cannot overflow (htop's spaceship, not "a - b"). */
#define VD_CMP(a, b) (((a) > (b)) - ((a) < (b)))

#define VD_MIN(a, b) ((a) < (b) ? (a) : (b))
#define VD_MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * a - b, saturated at INT64_MIN/INT64_MAX: the time between two timestamps
 * of a damaged recording (anything up to 2^64 - 1 ns, taken as int64_t) need
 * not fit, and its sign and size against a threshold must still be right.
 */
static inline int64_t vd_sub_sat(int64_t a, int64_t b)
{
	int64_t d;

	if (__builtin_sub_overflow(a, b, &d))
		return a > b ? INT64_MAX : INT64_MIN;
	return d;
}

/* a + b, saturated likewise */
static inline int64_t vd_add_sat(int64_t a, int64_t b)
{
	int64_t d;

	if (__builtin_add_overflow(a, b, &d))
		return a > 0 ? INT64_MAX : INT64_MIN;
	return d;
}

/* malloc/calloc/realloc that abort with a message: memory exhaustion is not
 * an input error we can report usefully, and checking every tiny allocation
 * would bury the logic. */
void *vd_xcalloc(size_t n, size_t size);
void *vd_xrealloc(void *p, size_t n, size_t size);
char *vd_xstrdup(const char *s);

/*
 * Strict number parsing: the whole [s, s+len) must be consumed.
 * Return 0 on success, -EINVAL on junk, -ERANGE on overflow.
 */
int vd_parse_u64(const char *s, size_t len, int base, uint64_t *out);
int vd_parse_i64(const char *s, size_t len, int base, int64_t *out);
/* "123.456789" seconds -> ns; accepts up to 9 decimals */
int vd_parse_sec_ns(const char *s, size_t len, uint64_t *out);
/* "1.5", "200ms", "3s", "250us", "10ns": a duration -> ns. */
int vd_parse_duration(const char *s, int64_t *out_ns);

/* Format signed ns as seconds with 6 decimals into buf; returns buf. */
char *vd_fmt_sec(char *buf, size_t len, int64_t ns);
/* Format a byte count as "12.3 KiB" */
char *vd_fmt_bytes(char *buf, size_t len, uint64_t bytes);
/* the last component of path ("a/b.txt" -> "b.txt"), inside path itself */
const char *vd_basename(const char *path);
/* Peak resident set size of this process in KiB (from getrusage) */
long vd_peak_rss_kib(void);

/* clock id's time now in ns (CLOCK_MONOTONIC for intervals; a trace clock's twin) */
int64_t vd_clock_ns(clockid_t id);

/* all of buf written at offset off (pwrite, EINTR retried): 0 or -errno */
int vd_pwrite_all(int fd, const void *buf, size_t len, off_t off);

#endif /* VD_UTIL_H */
