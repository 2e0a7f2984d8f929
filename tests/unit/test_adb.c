// SPDX-License-Identifier: GPL-2.0
/*
 * adb from payload heads: the framer (header and data apart or together,
 * data over many packets, a header split over packets, lost framing and its
 * resync, truncated service names), the streams, and the detector's
 * findings on the synthetic fixtures (tests/fixtures/text/adb/make.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/adb/adb.h"
#include "analyzers/batch/correlate.h"
#include "common/log.h"
#include "common/util.h"
#include "vtest.h"

static size_t hdr(uint8_t *p, uint32_t cmd, uint32_t a0, uint32_t a1, uint32_t len)
{
	uint32_t w[6] = { cmd, a0, a1, len, 0, cmd ^ 0xffffffffu };

	memcpy(p, w, sizeof(w)); /* little-endian host (evcache.c requires it too) */
	return sizeof(w);
}

struct got {
	struct vd_adb_msg m[16];
	int n;
};

static void on_msg(void *ctx, const struct vd_adb_msg *m)
{
	struct got *g = ctx;

	if (g->n < 16)
		g->m[g->n++] = *m;
}

/* one packet: len bytes of which the first min(len, 32) are captured */
static void pkt(struct vd_adb_framer *fr, struct vd_adb_count *c, struct got *g, int64_t t,
		const uint8_t *p, uint32_t len)
{
	vd_adb_frame(fr, c, t, len, p, len < 32 ? len : 32, on_msg, g);
}

VT_TEST(adb_header_parse)
{
	uint8_t b[24];
	struct vd_adb_hdr h;

	hdr(b, VD_ADB_OPEN, 1, 0, 14);
	VT_ASSERT(vd_adb_hdr_parse(b, 24, &h));
	VT_EQ_INT(h.arg0, 1);
	VT_EQ_INT(h.len, 14);
	VT_ASSERT(!vd_adb_hdr_parse(b, 23, &h)); /* short */
	b[20] ^= 1;				 /* bad magic */
	VT_ASSERT(!vd_adb_hdr_parse(b, 24, &h));
	hdr(b, 0x41414141, 1, 0, 0); /* unknown command, right magic */
	VT_ASSERT(!vd_adb_hdr_parse(b, 24, &h));
	hdr(b, VD_ADB_WRTE, 1, 2, VD_ADB_MAX_DATA + 1); /* a length no adb sends */
	VT_ASSERT(!vd_adb_hdr_parse(b, 24, &h));
	VT_ASSERT(!vd_adb_hdr_parse(NULL, 24, &h));
	VT_EQ_STR(vd_adb_cmd_name(VD_ADB_CLSE), "CLSE");
}

VT_TEST(adb_frame_split_together_and_spread)
{
	struct vd_adb_framer fr;
	struct vd_adb_count c = { 0 };
	struct got g = { .n = 0 };
	uint8_t b[128];
	size_t n;

	vd_adb_framer_init(&fr);
	/* header, then its data in its own packet */
	hdr(b, VD_ADB_OPEN, 1, 0, 14);
	pkt(&fr, &c, &g, 10, b, 24);
	VT_EQ_INT(g.n, 0);
	pkt(&fr, &c, &g, 11, (const uint8_t *)"shell:echo hi", 14);
	VT_EQ_INT(g.n, 1);
	VT_EQ_INT(g.m[0].h.cmd, VD_ADB_OPEN);
	VT_EQ_INT(g.m[0].t, 10); /* the header's time */
	VT_EQ_INT(g.m[0].ndata, 14);
	VT_EQ_STR((const char *)g.m[0].data, "shell:echo hi");
	/* header and data in one packet: 8 data bytes captured */
	n = hdr(b, VD_ADB_OPEN, 2, 0, 27);
	memcpy(b + n, "shell:logcat -v threadtime", 27);
	pkt(&fr, &c, &g, 20, b, (uint32_t)(n + 27));
	VT_EQ_INT(g.n, 2);
	VT_EQ_INT(g.m[1].ndata, 8);
	/*
	 * a WRTE's data over three packets, then a zero-length message: the WRTE
	 * counts from its header (its data may never all be sent: a stall), and
	 * its data is skipped without a second message
	 */
	hdr(b, VD_ADB_WRTE, 7, 1, 10000);
	pkt(&fr, &c, &g, 30, b, 24);
	VT_EQ_INT(g.n, 3);
	VT_EQ_INT(g.m[2].h.cmd, VD_ADB_WRTE);
	VT_EQ_INT(g.m[2].h.len, 10000);
	VT_EQ_INT(g.m[2].t, 30);
	memset(b, 'x', sizeof(b));
	vd_adb_frame(&fr, &c, 31, 4000, b, 32, on_msg, &g);
	vd_adb_frame(&fr, &c, 32, 4000, b, 32, on_msg, &g);
	vd_adb_frame(&fr, &c, 33, 2000, b, 32, on_msg, &g);
	VT_EQ_INT(g.n, 3);
	/* a header split over two packets */
	hdr(b, VD_ADB_OKAY, 1, 7, 0);
	pkt(&fr, &c, &g, 40, b, 10);
	pkt(&fr, &c, &g, 41, b + 10, 14);
	VT_EQ_INT(g.n, 4);
	VT_EQ_INT(g.m[3].h.cmd, VD_ADB_OKAY);
	VT_EQ_INT(g.m[3].t, 40);
	VT_EQ_U64(c.lost, 0);
	VT_EQ_U64(c.msgs, 4);
	vd_adb_frame_end(&fr, &c);
	VT_ASSERT(!c.partial);
}

VT_TEST(adb_frame_lost_and_resync)
{
	struct vd_adb_framer fr;
	struct vd_adb_count c = { 0 };
	struct got g = { .n = 0 };
	uint8_t b[64], junk[32];
	size_t n;

	memset(junk, 0xab, sizeof(junk));
	vd_adb_framer_init(&fr);
	/* not adb yet: skipped, not "lost" */
	pkt(&fr, &c, &g, 1, junk, 32);
	VT_EQ_U64(c.lost, 0);
	VT_EQ_U64(c.skipped_bytes, 32);
	/* a message whose data is followed by the next header beyond the capture */
	n = hdr(b, VD_ADB_WRTE, 1, 2, 4);
	memcpy(b + n, "abcd", 4);
	hdr(b + n + 4, VD_ADB_OKAY, 1, 2, 0);
	vd_adb_frame(&fr, &c, 2, 52, b, 30, on_msg, &g);
	VT_EQ_INT(g.n, 1); /* the WRTE, then the OKAY's bytes were not captured */
	VT_EQ_U64(c.lost, 1);
	/* data packets: skipped while lost */
	pkt(&fr, &c, &g, 3, junk, 32);
	VT_EQ_INT(g.n, 1);
	/* a packet that begins with a header: found again */
	hdr(b, VD_ADB_CLSE, 1, 2, 0);
	pkt(&fr, &c, &g, 4, b, 24);
	VT_EQ_INT(g.n, 2);
	VT_EQ_U64(c.resyncs, 1);
	/* a bad header where one must begin: lost, never guessed */
	pkt(&fr, &c, &g, 5, junk, 24);
	VT_EQ_U64(c.lost, 2);
	hdr(b, VD_ADB_WRTE, 1, 2, 100);
	pkt(&fr, &c, &g, 6, b, 24);
	VT_EQ_U64(c.resyncs, 2);
	/* records lost mid-message: framing lost there */
	vd_adb_frame_gap(&fr, &c);
	VT_EQ_U64(c.lost, 3);
	/* between messages a gap costs nothing: the next packet must begin with a header */
	pkt(&fr, &c, &g, 7, b, 24);
	pkt(&fr, &c, &g, 8, junk, 32);
	vd_adb_frame_end(&fr, &c);
	VT_ASSERT(c.partial);
	/* hostile: a head longer than the packet, a NULL head */
	vd_adb_frame(&fr, &c, 9, 4, junk, 32, on_msg, &g);
	vd_adb_frame(&fr, &c, 9, 100, NULL, 32, on_msg, &g);
}

static struct vd_adb_msg mk(uint32_t cmd, uint32_t a0, uint32_t a1, const char *data, int64_t t)
{
	struct vd_adb_msg m = { .h = { cmd, a0, a1, data ? (uint32_t)strlen(data) + 1 : 0, 0 },
				.t = t };

	if (data) {
		m.ndata = (uint32_t)VD_MIN(strlen(data) + 1, sizeof(m.data));
		memcpy(m.data, data, m.ndata);
	}
	return m;
}

/* both recordings apply the same message: counted per recording, state once */
static void both(struct vd_adb_conn *a, enum vd_dir d, struct vd_adb_msg m)
{
	vd_adb_apply(a, vd_dir_sender(d), d, &m);
	m.t += 1000;
	vd_adb_apply(a, vd_dir_receiver(d), d, &m);
}

VT_TEST(adb_streams_follow_ids)
{
	static struct vd_adb_conn a;
	const struct vd_adb_stream *st;
	struct vd_adb_msg m;

	vd_adb_conn_init(&a, 1);
	both(&a, VD_DIR_A_TO_B, mk(VD_ADB_CNXN, 0x01000001, 4096, "host::", 1));
	VT_ASSERT(a.end[0].cnxn && !a.end[1].cnxn);
	VT_EQ_STR(a.end[0].banner, "host::");
	both(&a, VD_DIR_A_TO_B, mk(VD_ADB_OPEN, 1, 0, "shell:echo hi", 10));
	VT_EQ_INT(a.nstreams, 1);
	VT_EQ_INT(a.streams[0].state, VD_ADB_ST_OPENING);
	both(&a, VD_DIR_B_TO_A, mk(VD_ADB_OKAY, 7, 1, NULL, 20));
	st = &a.streams[0];
	VT_EQ_INT(st->state, VD_ADB_ST_OPEN);
	VT_EQ_INT(st->id[0], 1);
	VT_EQ_INT(st->id[1], 7);
	VT_EQ_STR(st->service, "shell:echo hi");
	VT_ASSERT(!st->service_cut);
	both(&a, VD_DIR_B_TO_A, mk(VD_ADB_WRTE, 7, 1, "hi\n", 30));
	VT_EQ_INT(st->f[VD_DIR_B_TO_A][VD_ADB_WRITER].unacked, 1);
	VT_EQ_INT(st->f[VD_DIR_B_TO_A][VD_ADB_READER].unacked, 1);
	VT_EQ_U64(st->f[VD_DIR_B_TO_A][VD_ADB_WRITER].bytes, 4);
	both(&a, VD_DIR_A_TO_B, mk(VD_ADB_OKAY, 1, 7, NULL, 40));
	VT_EQ_INT(st->f[VD_DIR_B_TO_A][VD_ADB_WRITER].unacked, 0);
	VT_EQ_INT(st->f[VD_DIR_B_TO_A][VD_ADB_READER].unacked, 0);
	VT_EQ_U64(st->f[VD_DIR_B_TO_A][VD_ADB_WRITER].max_wait_ns, 1010); /* B: 30 .. 1040 */
	VT_ASSERT(vd_adb_open_at(st, VD_SIDE_A, 35));
	both(&a, VD_DIR_B_TO_A, mk(VD_ADB_CLSE, 7, 1, NULL, 50));
	VT_EQ_INT(st->state, VD_ADB_ST_CLOSING);
	both(&a, VD_DIR_A_TO_B, mk(VD_ADB_CLSE, 1, 7, NULL, 60));
	VT_EQ_INT(st->state, VD_ADB_ST_CLOSED);
	VT_ASSERT(!vd_adb_open_at(st, VD_SIDE_A, 2000));
	/* an OPEN adbd refuses: CLSE(0, id) */
	both(&a, VD_DIR_A_TO_B, mk(VD_ADB_OPEN, 2, 0, "nosuch:", 70));
	both(&a, VD_DIR_B_TO_A, mk(VD_ADB_CLSE, 0, 2, NULL, 71));
	VT_EQ_INT(a.streams[1].state, VD_ADB_ST_REFUSED);
	/* a stream opened before the recordings, seen by its WRTE */
	both(&a, VD_DIR_B_TO_A, mk(VD_ADB_WRTE, 5, 3, "x", 80));
	VT_EQ_INT(a.nstreams, 3);
	VT_EQ_INT(a.streams[2].opener, -1);
	VT_EQ_INT(a.streams[2].state, VD_ADB_ST_OPEN);
	VT_ASSERT(vd_adb_latest(&a) == &a.streams[2]);
	/* a cut service name: no NUL captured */
	m = mk(VD_ADB_OPEN, 4, 0, "shell:logcat -v threadtime", 90);
	m.ndata = 8;
	both(&a, VD_DIR_A_TO_B, m);
	VT_EQ_STR(a.streams[3].service, "shell:lo");
	VT_ASSERT(a.streams[3].service_cut);
	/* the table keeps VD_ADB_MAX_STREAMS: closed ones make room, open ones are counted */
	for (uint32_t i = 0; i < 2 * VD_ADB_MAX_STREAMS; i++)
		both(&a, VD_DIR_A_TO_B, mk(VD_ADB_OPEN, 100 + i, 0, "sync:", 100 + i));
	VT_EQ_INT(a.nstreams, VD_ADB_MAX_STREAMS);
	VT_EQ_U64(a.streams_evicted, 2);
	VT_ASSERT(a.streams_dropped > 0);
	/* an OPEN not kept is counted by each recording that framed it */
	VT_ASSERT(a.streams_total >= 4 + 2 * VD_ADB_MAX_STREAMS);
}

/* ---- the detector on the fixtures ------------------------------------------------------- */

struct run {
	struct vd_opts o;
	struct vd_result r;
	int ret;
};

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)len + 1);
	*n = fread(p, 1, (size_t)len, f);
	fclose(f);
	return p;
}

/* extra[side]: lines appended to that side's fixture (later than its own), or NULL */
static bool run_fixture_plus(struct run *x, const char *name, bool both_sides,
			     const char *const extra[2])
{
	char path[2][128], err[256] = "";
	char *buf[2] = { NULL, NULL };
	size_t n[2] = { 0, 0 };
	struct vd_source *src[2] = { NULL, NULL };

	memset(x, 0, sizeof(*x));
	snprintf(path[0], sizeof(path[0]), "tests/fixtures/text/adb/%s_host.txt", name);
	snprintf(path[1], sizeof(path[1]), "tests/fixtures/text/adb/%s_guest.txt", name);
	buf[0] = slurp(path[0], &n[0]);
	buf[1] = slurp(path[1], &n[1]);
	if (!buf[0] || !buf[1]) {
		free(buf[0]);
		free(buf[1]);
		return false;
	}
	for (int i = 0; i < 2 && extra; i++) {
		size_t len = strlen(extra[i]);

		buf[i] = realloc(buf[i], n[i] + len + 1);
		memcpy(buf[i] + n[i], extra[i], len + 1);
		n[i] += len;
	}
	vd_opts_init(&x->o);
	x->o.name[0] = "host";
	x->o.name[1] = "guest";
	x->o.path[0] = "host.txt";
	x->o.path[1] = both_sides ? "guest.txt" : NULL;
	src[0] = vd_source_open_mem("host.txt", buf[0], n[0], err, sizeof(err));
	if (both_sides)
		src[1] = vd_source_open_mem("guest.txt", buf[1], n[1], err, sizeof(err));
	x->ret = vd_correlate_sources(&x->o, src, &x->r, err, sizeof(err));
	vd_source_close(src[0]);
	vd_source_close(src[1]);
	free(buf[0]);
	free(buf[1]);
	return true;
}

static bool run_fixture(struct run *x, const char *name, bool both_sides)
{
	return run_fixture_plus(x, name, both_sides, NULL);
}

static const struct vd_finding *find(const struct run *x, enum vd_finding_kind k)
{
	for (size_t i = 0; i < x->r.findings.n; i++)
		if (x->r.findings.v[i].kind == k)
			return &x->r.findings.v[i];
	return NULL;
}

static const struct vd_evidence *evidence(const struct vd_finding *f, enum vd_evidence_kind k)
{
	for (unsigned int i = 0; f && i < f->nevidence; i++)
		if (f->evidence[i].kind == k)
			return &f->evidence[i];
	return NULL;
}

#define FIXTURE(x, name, both)                                                                     \
	do {                                                                                       \
		if (!run_fixture(x, name, both)) {                                                 \
			VT_SKIP("tests/fixtures/text/adb: run from the repository root");          \
			return;                                                                    \
		}                                                                                  \
		VT_EQ_INT((x)->ret, 0);                                                            \
	} while (0)

VT_TEST(adb_session_healthy_with_streams)
{
	struct run x;

	FIXTURE(&x, "session", true);
	VT_EQ_INT(x.r.adb.n, 1);
	VT_EQ_INT(x.r.adb.v[0].nstreams, 1);
	VT_EQ_STR(x.r.adb.v[0].streams[0].service, "shell:echo hi");
	VT_EQ_INT(x.r.adb.v[0].streams[0].state, VD_ADB_ST_CLOSED);
	VT_ASSERT(!find(&x, VD_FK_ADB_WRITE_UNACKED));
	VT_ASSERT(!find(&x, VD_FK_ADB_CNXN_UNANSWERED));
	VT_EQ_U64(x.r.adb.v[0].cnt[0][0].records, x.r.adb.v[0].cnt[0][0].packets);
	vd_result_free(&x.r);
}

VT_TEST(adb_stall_not_acked_by_the_reader)
{
	const struct vd_finding *f;
	const struct vd_evidence *e;
	struct run x;

	FIXTURE(&x, "stall", true);
	f = find(&x, VD_FK_ADB_WRITE_UNACKED);
	VT_ASSERT(f);
	if (!f)
		return;
	VT_EQ_INT(f->variant, VD_VAR_ADB_NOT_ACKED);
	VT_EQ_INT(f->dir, VD_DIR_B_TO_A);
	VT_EQ_U64(f->bytes, 4096);
	VT_ASSERT(!f->ended);
	e = evidence(f, VD_EVD_ADB_STREAM);
	VT_ASSERT(e && !strcmp(e->sym, "shell:lo") && e->v[3] == 1);
	vd_result_free(&x.r);
	/* the guest's recording alone: said to be one side's view */
	FIXTURE(&x, "stall", false);
	f = find(&x, VD_FK_ADB_WRITE_UNACKED);
	VT_ASSERT(f && f->variant == VD_VAR_ADB_READER_ONLY);
	VT_ASSERT(evidence(f, VD_EVD_ADB_ONE_VIEW));
	vd_result_free(&x.r);
}

/* the connection closed under the waiting WRTE: it waited until the close, not the end */
VT_TEST(adb_stall_ends_when_the_connection_closes)
{
	static const char *const closing[2] = {
		"           vhost-900 [000] .... 104.000200: virtio_transport_recv_pkt: 3:5555 -> "
		"2:1030 len=0 type=STREAM op=SHUTDOWN flags=0x3 buf_alloc=262144 fwd_cnt=0\n"
		"             adb-100 [000] .... 104.100000: virtio_transport_alloc_pkt: 2:1030 -> "
		"3:5555 len=0 type=STREAM op=RST flags=0x0\n"
		"             adb-100 [000] .... 106.000000: irq_handler_entry: irq=24 "
		"name=virtio1-config\n",
		"            adbd-200 [000] .... 1104.000000: virtio_transport_alloc_pkt: 3:5555 -> "
		"2:1030 len=0 type=STREAM op=SHUTDOWN flags=0x3\n"
		"      kworker/0:1-50 [000] .... 1104.100300: virtio_transport_recv_pkt: 2:1030 -> "
		"3:5555 len=0 type=STREAM op=RST flags=0x0 buf_alloc=262144 fwd_cnt=0\n"
		"            adbd-200 [000] .... 1106.000000: irq_handler_entry: irq=24 "
		"name=virtio0-config\n",
	};
	const struct vd_finding *f;
	struct run x;

	if (!run_fixture_plus(&x, "stall", true, closing)) {
		VT_SKIP("tests/fixtures/text/adb: run from the repository root");
		return;
	}
	VT_EQ_INT(x.ret, 0);
	f = find(&x, VD_FK_ADB_WRITE_UNACKED);
	VT_ASSERT(f);
	if (!f)
		return;
	VT_EQ_INT(f->variant, VD_VAR_ADB_NOT_ACKED);
	VT_ASSERT(!f->ended && f->closed);
	/* the guest (the writer) closed at 1104.0 s by its clock: the OKAY could not come after */
	VT_EQ_U64((uint64_t)f->end[VD_SIDE_B], 1104000000000ull);
	VT_EQ_U64((uint64_t)f->duration_ns, 1104000000000ull - 1100520000000ull);
	vd_result_free(&x.r);
}

VT_TEST(adb_cnxn_unanswered_and_dead_link_streams)
{
	const struct vd_finding *f;
	const struct vd_evidence *e;
	struct run x;

	FIXTURE(&x, "nocnxn", true);
	f = find(&x, VD_FK_ADB_CNXN_UNANSWERED);
	VT_ASSERT(f && f->client == VD_SIDE_A);
	e = evidence(f, VD_EVD_ADB_CNXN);
	VT_ASSERT(e && e->v[2] == 1 && e->v[1] == 1024 * 1024);
	vd_result_free(&x.r);

	FIXTURE(&x, "dead", true);
	f = find(&x, VD_FK_UNDELIVERED);
	e = evidence(f, VD_EVD_ADB_STREAMS);
	VT_ASSERT(e && e->v[0] == 1 && !strcmp(e->sym, "sync:"));
	f = find(&x, VD_FK_ADB_WRITE_UNACKED);
	VT_ASSERT(f && f->variant == VD_VAR_ADB_NOT_RECEIVED);
	vd_result_free(&x.r);

	FIXTURE(&x, "reset", true);
	f = find(&x, VD_FK_ADB_STREAMS_CUT);
	VT_ASSERT(f && f->count == 1 && f->client == VD_SIDE_B);
	vd_result_free(&x.r);
}
