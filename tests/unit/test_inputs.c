// SPDX-License-Identifier: GPL-2.0
/*
 * Input sanity: appended 'cat trace' dumps read as the single dump (same
 * events, same statistics but the line count, one warning, none on a
 * rewind), time going backwards named, cross-CPU jitter not, and a gzip
 * recording in memory read as the plain one.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "analyzers/sources/source.h"
#include "common/log.h"
#include "common/util.h"
#include "vtest.h"

#define HDR "# tracer: nop\n#\n# entries-in-buffer/entries-written: 3/3   #P:2\n#\n"
#define L1 "  a-1 [000] .... 700.000040: virtio_transport_alloc_pkt: 3:5555 -> 2:40001 len=0 type=STREAM op=REQUEST flags=0x0\n"
#define L2 "  a-1 [001] .... 700.000060: virtio_transport_alloc_pkt: 3:5555 -> 2:40001 len=24 type=STREAM op=RW flags=0x0\n"
#define L3 "  a-1 [000] .... 700.000055: virtio_transport_alloc_pkt: 3:5555 -> 2:40001 len=20 type=STREAM op=RW flags=0x0\n"
#define L4 "  a-1 [000] .... 702.000000: virtio_transport_alloc_pkt: 3:5555 -> 2:40001 len=0 type=STREAM op=RST flags=0x0\n"

struct said {
	char text[4096];
	size_t len;
	int warnings;
};

static void sink(void *ctx, enum vd_log_level level, const char *msg)
{
	struct said *s = ctx;
	int n = snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s\n", msg);

	if (level == VD_LOG_WARN)
		s->warnings++;
	if (n > 0 && (size_t)n < sizeof(s->text) - s->len)
		s->len += (size_t)n;
}

/* read everything (twice: the second pass after a rewind); the events' sizes summed */
static struct vd_source_stats read_all(const char *text, size_t len, struct said *s,
				       uint64_t *sum)
{
	struct vd_log_sink prev = vd_log_set_sink(sink, s);
	struct vd_source_stats st = { 0 };
	char err[512];
	struct vd_source *src = vd_source_open_mem("t.txt", text, len, err, sizeof(err));
	struct vd_event ev;

	*sum = 0;
	if (src) {
		for (int pass = 0; pass < 2; pass++) {
			vd_source_rewind(src);
			*sum = 0;
			while (vd_source_next(src, &ev) > 0)
				*sum = *sum * 31 + ev.pkt.len + ev.ts_ns;
		}
		st = *vd_source_stats(src);
		vd_source_close(src);
	}
	vd_log_set_sink(prev.fn, prev.ctx);
	return st;
}

VT_TEST(inputs_appended_dumps_read_once)
{
	static const char one[] = HDR L1 L2 L4;
	static const char two[] = HDR L1 L2 HDR L1 L2 L4;
	struct said s1 = { 0 }, s2 = { 0 };
	struct vd_source_stats a, b;
	uint64_t sa, sb;

	a = read_all(one, sizeof(one) - 1, &s1, &sa);
	b = read_all(two, sizeof(two) - 1, &s2, &sb);
	VT_EQ_U64(a.events, 3);
	VT_EQ_U64(b.events, a.events);
	VT_EQ_U64(sb, sa);
	VT_EQ_U64(b.first_ts, a.first_ts);
	VT_EQ_U64(b.last_ts, a.last_ts);
	b.lines = a.lines;
	VT_ASSERT(vd_source_stats_equal(&a, &b));
	VT_EQ_INT(s1.warnings, 0);
	VT_EQ_INT(s2.warnings, 1);
	VT_ASSERT(strstr(s2.text, "t.txt:7: a second 'cat trace' dump starts here; its 2 events "
				  "already read from the first dump are skipped"));
}

VT_TEST(inputs_time_backwards_named_jitter_not)
{
	static const char jitter[] = HDR L1 L2 L3;
	static const char back[] = HDR L1 L4 L2;
	struct said s1 = { 0 }, s2 = { 0 };
	uint64_t sum;

	read_all(jitter, sizeof(jitter) - 1, &s1, &sum);
	VT_EQ_INT(s1.warnings, 0);
	read_all(back, sizeof(back) - 1, &s2, &sum);
	VT_EQ_INT(s2.warnings, 1);
	VT_ASSERT(strstr(s2.text, "t.txt:7: time goes back 2.000 s here"));
}

VT_TEST(inputs_gzip_in_memory)
{
	static const char one[] = HDR L1 L2 L4;
	unsigned char gz[2048];
	z_stream z = { 0 };
	struct said s1 = { 0 }, s2 = { 0 };
	struct vd_source_stats a, b;
	uint64_t sa, sb;

	VT_ASSERT(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = (unsigned char *)one;
	z.avail_in = sizeof(one) - 1;
	z.next_out = gz;
	z.avail_out = sizeof(gz);
	VT_ASSERT(deflate(&z, Z_FINISH) == Z_STREAM_END);
	deflateEnd(&z);
	a = read_all(one, sizeof(one) - 1, &s1, &sa);
	b = read_all((const char *)gz, sizeof(gz) - z.avail_out, &s2, &sb);
	VT_EQ_U64(b.events, 3);
	VT_EQ_U64(sb, sa);
	VT_ASSERT(vd_source_stats_equal(&a, &b));
}
