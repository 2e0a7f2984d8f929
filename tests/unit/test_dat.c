// SPDX-License-Identifier: GPL-2.0
/*
 * The trace.dat source.  vsock events cannot be recorded on this machine
 * (its own vsock belongs to the environment), so their mapping is tested on
 * records built by hand against the kernel's own format text (Linux 6.1 and
 * the ~6.7 zcopy variant), and checked against the text parser reading the
 * line libtraceevent prints for the same record.  Everything else (v6, v7,
 * compression, irq, kmem, lost events, truncation) is tested on files that
 * trace-cmd records here of non-vsock events, with `trace-cmd report` as the
 * oracle; those tests skip when not root or trace-cmd is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <traceevent/event-parse.h>
#include <traceevent/trace-seq.h>

#include "analyzers/sources/bpf_line.h"
#include "analyzers/sources/dat_map.h"
#include "analyzers/sources/source.h"
#include "analyzers/sources/text_parse.h"
#include "common/log.h"
#include "vtest.h"

/* ---- formats, as /sys/kernel/tracing/events/vsock/.../format prints them --------------------- */

#include "dat_formats.h"

/* ~6.7 (MSG_ZEROCOPY) appends bool zcopy to alloc_pkt */
static const char fmt_alloc_zcopy[] =
	"name: virtio_transport_alloc_pkt\nID: 1501\nformat:\n" COMMON_FIELDS PKT_FIELDS
	"\tfield:bool zcopy;\toffset:36;\tsize:1;\tsigned:0;\n"
	"\nprint fmt: \"%u:%u -> %u:%u len=%u type=%s op=%s flags=%#x zcopy=%s\", REC->src_cid, "
	"REC->src_port, REC->dst_cid, REC->dst_port, REC->len, " SYM_TYPE ", " SYM_OP
	", REC->flags, REC->zcopy ? \"true\" : \"false\"\n";

/* kmem:kmalloc with a short __print_flags table (the real one is long, same shape) */
static const char fmt_kmalloc_flags[] =
	"name: kmalloc\nID: 658\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long call_site;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t bytes_req;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t bytes_alloc;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long gfp_flags;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\tfield:int node;\toffset:48;\tsize:4;\tsigned:1;\n"
	"\nprint fmt: \"call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s node=%d\", "
	"(void *)REC->call_site, REC->ptr, REC->bytes_req, REC->bytes_alloc, (REC->gfp_flags) ? "
	"__print_flags(REC->gfp_flags, \"|\", {( unsigned long)0xcc0, \"GFP_KERNEL\"}, "
	"{( unsigned long)0x2000, \"__GFP_NOWARN\"}, {( unsigned long)0x10000, \"__GFP_NORETRY\"}, "
	"{( unsigned long)0x40000, \"__GFP_COMP\"}) : \"none\", REC->node\n";

/* the same event as a downstream kernel might print it: no flag names */
static const char fmt_page_raw[] =
	"name: mm_page_alloc\nID: 653\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long pfn;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int order;\toffset:16;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned long gfp_flags;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:int migratetype;\toffset:32;\tsize:4;\tsigned:1;\n"
	"\nprint fmt: \"pfn=0x%lx order=%d migratetype=%d gfp_flags=%#lx\", REC->pfn, REC->order, "
	"REC->migratetype, REC->gfp_flags\n";

/* ftrace:print, as /sys/kernel/tracing/events/ftrace/print/format prints it (Linux 6.x) */
static const char fmt_print[] =
	"name: print\nID: 5\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;\n"
	"\nprint fmt: \"%ps: %s\", (void *)REC->ip, REC->buf\n";

static struct tep_handle *tep_with(const char *const *fmts, const char *const *systems, int n)
{
	struct tep_handle *tep = tep_alloc();

	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_loglevel(TEP_LOG_NONE);
	for (int i = 0; i < n; i++)
		if (tep_parse_event(tep, fmts[i], strlen(fmts[i]), systems[i])) {
			tep_free(tep);
			return NULL;
		}
	return tep;
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static void put64(uint8_t *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, 8);
}

/* a raw record: common header + payload, exactly sized (ASan catches reads past it) */
static struct tep_record *mkrec(uint16_t type, int32_t pid, const uint8_t *payload, size_t size)
{
	struct tep_record *rec = calloc(1, sizeof(*rec));
	uint8_t *d = malloc(size);

	memcpy(d, payload, size);
	memcpy(d, &type, 2);
	memcpy(d + 4, &pid, 4);
	rec->data = d;
	rec->size = (int)size;
	rec->ts = 66016708821123ull;
	rec->cpu = 1;
	return rec;
}

static void freerec(struct tep_record *rec)
{
	free(rec->data);
	free(rec);
}

static void pkt_payload(uint8_t *b, uint32_t len, uint16_t op)
{
	memset(b, 0, 48);
	put32(b, 8, 1000);
	put32(b, 12, 5555);
	put32(b, 16, 2);
	put32(b, 20, 2844408420u);
	put32(b, 24, len);
	b[28] = 1; /* STREAM */
	b[30] = (uint8_t)op;
	put32(b, 32, 0);
}

/* The line the kernel prints for rec, through the text parser. */
static int text_of(struct tep_handle *tep, struct tep_record *rec, struct vd_event *ev)
{
	struct tep_event *e = tep_find_event_by_record(tep, rec);
	struct vd_text_state st;
	struct trace_seq s;
	char line[1024];
	const char *why;
	int ret;

	trace_seq_init(&s);
	tep_print_event(tep, &s, rec, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&s);
	/* a print record's text ends in '\n': trace-cmd report ends the line there */
	while (s.len && s.buffer[s.len - 1] == '\n')
		s.buffer[--s.len] = '\0';
	snprintf(line, sizeof(line), "<...>-%d [%03d] %llu.%09llu: %s: %s", tep_data_pid(tep, rec),
		 rec->cpu, rec->ts / 1000000000ull, rec->ts % 1000000000ull, e->name, s.buffer);
	trace_seq_destroy(&s);
	vd_text_state_init(&st);
	ret = vd_text_parse_line(&st, line, strlen(line), ev, &why);
	return ret;
}

/* ---- vsock records built by hand -------------------------------------------------------------- */

VT_TEST(dat_vsock_alloc_61)
{
	const char *fmts[] = { fmt_alloc_61, fmt_recv_61 }, *sys[] = { "vsock", "vsock" };
	struct tep_handle *tep = tep_with(fmts, sys, 2);
	struct vd_dat_map m;
	struct vd_event ev, tx;
	struct tep_record *rec;
	uint8_t b[48];
	const char *why = NULL;

	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	VT_EQ_INT(m.ev[VD_DAT_ALLOC_PKT].id, 1501);
	VT_ASSERT(!m.ev[VD_DAT_ALLOC_PKT].broken);
	pkt_payload(b, 24, VD_OP_RW);
	rec = mkrec(1501, 4321, b, 36);
	VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, &why), VD_DAT_REC_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_PKT_ALLOC);
	VT_EQ_U64(ev.ts_ns, 66016708821123ull);
	VT_EQ_INT(ev.cpu, 1);
	VT_EQ_INT(ev.pid, 4321);
	VT_EQ_U64(ev.pkt.src_cid, 1000);
	VT_EQ_U64(ev.pkt.src_port, 5555);
	VT_EQ_U64(ev.pkt.dst_cid, 2);
	VT_EQ_U64(ev.pkt.dst_port, 2844408420u);
	VT_EQ_U64(ev.pkt.len, 24);
	VT_EQ_INT(ev.pkt.type, VD_TYPE_STREAM);
	VT_EQ_INT(ev.pkt.op, VD_OP_RW);
	VT_EQ_INT(ev.pkt.zcopy, -1);
	VT_ASSERT(!ev.pkt.has_credit);
	/* the text the kernel would print for it parses to the same event */
	VT_EQ_INT(text_of(tep, rec, &tx), VD_LINE_EVENT);
	VT_EQ_INT(tx.kind, ev.kind);
	VT_EQ_U64(tx.ts_ns, ev.ts_ns);
	VT_EQ_INT(tx.pid, ev.pid);
	VT_EQ_STR(tx.comm, ev.comm);
	VT_ASSERT(!memcmp(&tx.pkt, &ev.pkt, sizeof(ev.pkt)));
	freerec(rec);
	tep_free(tep);
}

VT_TEST(dat_vsock_recv_61_every_op)
{
	const char *fmts[] = { fmt_alloc_61, fmt_recv_61 }, *sys[] = { "vsock", "vsock" };
	struct tep_handle *tep = tep_with(fmts, sys, 2);
	struct vd_dat_map m;
	struct vd_event ev, tx;
	uint8_t b[48];
	const char *why = NULL;

	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	for (uint16_t op = 0; op < VD_OP_MAX; op++) {
		struct tep_record *rec;

		pkt_payload(b, op == VD_OP_RW ? 3732 : 0, op);
		put32(b, 32, op == VD_OP_SHUTDOWN ? 3 : 0);
		put32(b, 36, 262144);
		put32(b, 40, 4096u * op);
		rec = mkrec(1502, 77, b, 44);
		VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, &why), VD_DAT_REC_EVENT);
		VT_EQ_INT(ev.kind, VD_EV_PKT_RECV);
		VT_EQ_INT(ev.pkt.op, op);
		VT_ASSERT(ev.pkt.has_credit);
		VT_EQ_U64(ev.pkt.buf_alloc, 262144);
		VT_EQ_U64(ev.pkt.fwd_cnt, 4096u * op);
		VT_EQ_INT(text_of(tep, rec, &tx), VD_LINE_EVENT);
		VT_ASSERT(!memcmp(&tx.pkt, &ev.pkt, sizeof(ev.pkt)));
		freerec(rec);
	}
	tep_free(tep);
}

VT_TEST(dat_vsock_zcopy_67)
{
	const char *fmts[] = { fmt_alloc_zcopy }, *sys[] = { "vsock" };
	struct tep_handle *tep = tep_with(fmts, sys, 1);
	struct vd_dat_map m;
	struct vd_event ev, tx;
	struct tep_record *rec;
	uint8_t b[48];
	const char *why = NULL;

	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	VT_EQ_INT(m.ev[VD_DAT_RECV_PKT].id, -1); /* absent: recv records would be unknown */
	pkt_payload(b, 65536, VD_OP_RW);
	b[36] = 1;
	rec = mkrec(1501, 1, b, 37);
	VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, &why), VD_DAT_REC_EVENT);
	VT_EQ_INT(ev.pkt.zcopy, 1);
	VT_EQ_INT(text_of(tep, rec, &tx), VD_LINE_EVENT);
	VT_ASSERT(!memcmp(&tx.pkt, &ev.pkt, sizeof(ev.pkt)));
	freerec(rec);
	tep_free(tep);
}

/* a damaged record: shorter than its format says; mapped to an error, never read past */
VT_TEST(dat_vsock_short_record)
{
	const char *fmts[] = { fmt_alloc_61, fmt_recv_61 }, *sys[] = { "vsock", "vsock" };
	struct tep_handle *tep = tep_with(fmts, sys, 2);
	struct vd_dat_map m;
	struct vd_event ev;
	uint8_t b[48];
	const char *why = NULL;

	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	pkt_payload(b, 1, VD_OP_RW);
	for (size_t size = 0; size < 44; size++) {
		struct tep_record *rec = mkrec(1502, 1, b, size < 8 ? 8 : size);

		rec->size = (int)size;
		why = NULL;
		VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, &why), -EINVAL);
		VT_ASSERT(why != NULL);
		freerec(rec);
	}
	/* a record of an event we do not use */
	struct tep_record *rec = mkrec(999, 1, b, 16);

	VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, &why), VD_DAT_REC_UNKNOWN);
	freerec(rec);
	tep_free(tep);
}

/* a format that lost a field we need: every record is malformed, with the reason */
VT_TEST(dat_vsock_format_without_field)
{
	static const char fmt[] = "name: virtio_transport_recv_pkt\nID: 1502\nformat:\n" COMMON_FIELDS
		PKT_FIELDS "\nprint fmt: \"%u\", REC->len\n";
	const char *fmts[] = { fmt }, *sys[] = { "vsock" };
	struct tep_handle *tep = tep_with(fmts, sys, 1);
	struct vd_dat_map m;
	struct vd_event ev;
	struct tep_record *rec;
	uint8_t b[48];
	const char *why = NULL;

	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	pkt_payload(b, 1, VD_OP_RW);
	rec = mkrec(1502, 1, b, 44);
	VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, &why), -EINVAL);
	VT_EQ_STR(why, "recv_pkt: format lacks a field");
	freerec(rec);
	tep_free(tep);
}

VT_TEST(dat_gfp_names_and_raw)
{
	const char *fmts[] = { fmt_kmalloc_flags, fmt_page_raw }, *sys[] = { "kmem", "kmem" };
	struct tep_handle *tep = tep_with(fmts, sys, 2);
	struct vd_dat_map m;
	struct vd_event ev, tx;
	struct tep_record *rec;
	uint8_t b[56] = { 0 };
	const char *why = NULL;

	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	VT_ASSERT(m.ev[VD_DAT_KMALLOC].gfp_syms != NULL);
	VT_ASSERT(m.ev[VD_DAT_PAGE_ALLOC].gfp_syms == NULL);
	/* a failed 64 KiB kmalloc with GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY */
	put64(b, 8, 0xffffffff81abcdefull);
	put64(b, 16, 0);
	put64(b, 24, 65536);
	put64(b, 32, 0);
	put64(b, 40, 0xcc0 | 0x2000 | 0x10000);
	put32(b, 48, 0xffffffffu);
	rec = mkrec(658, 5, b, 52);
	for (int pass = 0; pass < 2; pass++) { /* the second answer comes from the cache */
		VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, &why), VD_DAT_REC_EVENT);
		VT_EQ_INT(ev.kind, VD_EV_KMALLOC);
		VT_ASSERT(ev.kmalloc.failed);
		VT_EQ_U64(ev.kmalloc.bytes_req, 65536);
		VT_EQ_INT(ev.kmalloc.node, -1);
		VT_EQ_U64(ev.kmalloc.gfp, VD_GFP_KERNEL | VD_GFP_NOWARN | VD_GFP_NORETRY);
		VT_EQ_U64(ev.kmalloc.gfp_raw, 0xcc0 | 0x2000 | 0x10000);
	}
	VT_EQ_INT(text_of(tep, rec, &tx), VD_LINE_EVENT);
	VT_EQ_U64(tx.kmalloc.gfp, ev.kmalloc.gfp);
	VT_ASSERT(tx.kmalloc.failed);
	freerec(rec);
	/* gfp 0 prints "none": no bits, as the text parser reads it */
	put64(b, 40, 0);
	put64(b, 16, 0xffff888100000000ull);
	rec = mkrec(658, 5, b, 52);
	VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, &why), VD_DAT_REC_EVENT);
	VT_EQ_U64(ev.kmalloc.gfp, 0);
	VT_ASSERT(!ev.kmalloc.failed);
	freerec(rec);
	/* no names in the format: the number only, VD_GFP_RAW; pfn -1: failed */
	memset(b, 0, sizeof(b));
	put64(b, 8, UINT64_MAX);
	put32(b, 16, 4);
	put64(b, 24, 0x42dc0);
	put32(b, 32, 1);
	rec = mkrec(653, 9, b, 36);
	VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, &why), VD_DAT_REC_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_PAGE_ALLOC);
	VT_ASSERT(ev.page.failed);
	VT_EQ_U64(ev.page.pfn, 0);
	VT_EQ_U64(ev.page.order, 4);
	VT_EQ_INT(ev.page.migratetype, 1);
	VT_EQ_U64(ev.page.gfp, VD_GFP_RAW);
	VT_EQ_U64(ev.page.gfp_raw, 0x42dc0);
	freerec(rec);
	tep_free(tep);
}

/* ---- ftrace:print: vsockdiag record's markers, built by hand ------------------------------- */

#define MARK_IP 0xffffffff81234560ull

/*
 * An ftrace:print record whose buf holds the n bytes of text, then pad bytes
 * of garbage (the ring buffer rounds records up), exactly sized.
 */
static struct tep_record *print_rec(const char *text, size_t n, size_t pad)
{
	uint8_t b[256];
	struct tep_record *rec;

	if (16 + n + pad > sizeof(b))
		return NULL;
	memset(b, 0, 16);
	put64(b, 8, MARK_IP);
	memcpy(b + 16, text, n);
	memset(b + 16 + n, 0xa5, pad);
	rec = mkrec(5, 4321, b, 16 + n + pad);
	rec->ts = 1617081681614ull;
	rec->cpu = 3;
	return rec;
}

/* map text + pad as a print record; the result, with *ev filled */
static int map_print_text(struct vd_dat_map *m, const char *text, size_t n, size_t pad,
			  struct vd_event *ev)
{
	struct tep_record *rec = print_rec(text, n, pad);
	const char *why = NULL;
	int ret;

	if (!rec)
		return -ENOMEM;
	memset(ev, 0xa5, sizeof(*ev));
	ret = vd_dat_map_record(m, rec, ev, &why);
	freerec(rec);
	return ret;
}

#define LITN(s) (s), (sizeof(s) - 1)

VT_TEST(dat_mark_start_and_stop)
{
	const char *fmts[] = { fmt_print }, *sys[] = { "ftrace" };
	struct tep_handle *tep = tep_with(fmts, sys, 1);
	struct vd_dat_map m;
	struct vd_event ev, tx;
	struct tep_record *rec;

	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	VT_EQ_INT(m.print.id, 5);
	/* as the kernel stores what collectors/meta.c writes: '\n' appended, NUL, padding */
	VT_EQ_INT(map_print_text(&m, LITN("vsockdiag-clock start seq=0\n\0"), 3, &ev),
		  VD_DAT_REC_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_MARK);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_START);
	VT_EQ_U64(ev.ts_ns, 1617081681614ull);
	VT_EQ_INT(ev.cpu, 3);
	VT_EQ_INT(ev.pid, 4321);
	VT_EQ_U64(ev.lineno, 0);
	VT_EQ_INT(map_print_text(&m, LITN("vsockdiag-clock stop seq=0\n\0"), 0, &ev),
		  VD_DAT_REC_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_MARK);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_STOP);
	/* without the newline (a writer that sent its own), after the NUL anything */
	VT_EQ_INT(map_print_text(&m, LITN("vsockdiag-clock stop seq=0\0garbage"), 1, &ev),
		  VD_DAT_REC_EVENT);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_STOP);
	/* no NUL at all: the text runs to the record's end, and not one byte further */
	VT_EQ_INT(map_print_text(&m, LITN("vsockdiag-clock start seq=0"), 0, &ev),
		  VD_DAT_REC_EVENT);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_START);
	VT_EQ_INT(map_print_text(&m, LITN("vsockdiag-clock start seq=0\n"), 0, &ev),
		  VD_DAT_REC_EVENT);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_START);

	/* the line libtraceevent prints for it (trace-cmd report) parses to the same mark */
	VT_EQ_INT(tep_register_function(tep, "tracing_mark_write", MARK_IP, NULL), 0);
	rec = print_rec(LITN("vsockdiag-clock stop seq=0\n\0"), 2);
	VT_ASSERT(rec);
	VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, NULL), VD_DAT_REC_EVENT);
	VT_EQ_INT(text_of(tep, rec, &tx), VD_LINE_EVENT);
	VT_EQ_INT(tx.kind, VD_EV_MARK);
	VT_EQ_INT(tx.mark.what, ev.mark.what);
	VT_EQ_U64(tx.ts_ns, ev.ts_ns);
	VT_EQ_INT(tx.cpu, ev.cpu);
	VT_EQ_INT(tx.pid, ev.pid);
	freerec(rec);
	tep_free(tep);
}

/*
 * A BPF evidence line (doc/bpf-events.md) in an ftrace:print record: the same
 * event as the text parser makes of trace-cmd report's line for it; unknown
 * kinds are other events, damaged lines malformed (no record is read past).
 */
VT_TEST(bpf_dat_marker_same_as_text)
{
	static const char line[] = "vsockdiag-bpf rxfill t=5012 before=10 after=64 max=128 "
				   "free=64 fail=1\n\0";
	const char *fmts[] = { fmt_print }, *sys[] = { "ftrace" };
	struct tep_handle *tep = tep_with(fmts, sys, 1);
	struct vd_dat_map m;
	struct vd_event ev, tx;
	struct tep_record *rec;
	const char *why = NULL;

	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	VT_EQ_INT(map_print_text(&m, LITN(line), 3, &ev), VD_DAT_REC_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_BPF);
	VT_EQ_INT(ev.bpf.kind, VD_BPF_RXFILL);
	VT_EQ_U64(ev.bpf.t, 5012);
	VT_EQ_INT(ev.bpf.rxfill.after, 64);
	VT_ASSERT(ev.bpf.rxfill.fail);
	VT_EQ_U64(ev.ts_ns, 1617081681614ull);

	VT_EQ_INT(tep_register_function(tep, "tracing_mark_write", MARK_IP, NULL), 0);
	rec = print_rec(LITN(line), 2);
	VT_ASSERT(rec);
	VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, NULL), VD_DAT_REC_EVENT);
	VT_EQ_INT(text_of(tep, rec, &tx), VD_LINE_EVENT);
	VT_EQ_INT(tx.kind, VD_EV_BPF);
	VT_EQ_U64(tx.ts_ns, ev.ts_ns);
	VT_EQ_INT(tx.pid, ev.pid);
	VT_ASSERT(!memcmp(&tx.bpf, &ev.bpf, sizeof(ev.bpf)));
	freerec(rec);

	/* a kind this reader does not know: another event */
	VT_EQ_INT(map_print_text(&m, LITN("vsockdiag-bpf newkind t=1\n\0"), 0, &ev),
		  VD_DAT_REC_UNKNOWN);
	/* ours and damaged: malformed, said as a BPF line */
	rec = print_rec(LITN("vsockdiag-bpf kick t=1 dir=sent\n\0"), 0);
	VT_ASSERT(rec);
	VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, &why), -EINVAL);
	VT_ASSERT(vd_bpf_why_is_bpf(why));
	freerec(rec);
	/* cut short inside a value: the record's end is the line's end */
	VT_EQ_INT(map_print_text(&m, LITN("vsockdiag-bpf kick t=1 dir=sent vq=r"), 0, &ev), -EINVAL);
	tep_free(tep);
}

/* a payload head in an ftrace:print record: the tuple and bytes as the text parser has them */
VT_TEST(bpf_dat_payload_same_as_text)
{
	static const char line[] = "vsockdiag-bpf payload t=77 dir=tx src=3:1024 dst=2:5555 "
				   "len=24 head=4f50454e01000000000000000c000000\n\0";
	const char *fmts[] = { fmt_print }, *sys[] = { "ftrace" };
	struct tep_handle *tep = tep_with(fmts, sys, 1);
	struct vd_dat_map m;
	struct vd_event ev, tx;
	struct tep_record *rec;

	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	VT_EQ_INT(map_print_text(&m, LITN(line), 3, &ev), VD_DAT_REC_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_BPF);
	VT_EQ_INT(ev.bpf.kind, VD_BPF_PAYLOAD);
	VT_EQ_INT(ev.bpf.payload.src_port, 1024);
	VT_EQ_INT(ev.bpf.payload.dst_cid, 2);
	VT_EQ_INT(ev.bpf.payload.nhead, 16);
	VT_EQ_INT(ev.bpf.payload.head[0], 'O');
	VT_EQ_INT(ev.bpf.payload.head[12], 0x0c);

	VT_EQ_INT(tep_register_function(tep, "tracing_mark_write", MARK_IP, NULL), 0);
	rec = print_rec(LITN(line), 2);
	VT_ASSERT(rec);
	VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, NULL), VD_DAT_REC_EVENT);
	VT_EQ_INT(text_of(tep, rec, &tx), VD_LINE_EVENT);
	VT_EQ_INT(tx.kind, VD_EV_BPF);
	VT_ASSERT(!memcmp(&tx.bpf, &ev.bpf, sizeof(ev.bpf)));
	freerec(rec);
	/* odd hex in a record: malformed */
	VT_EQ_INT(map_print_text(&m,
				 LITN("vsockdiag-bpf payload t=1 dir=tx len=4 head=434\n\0"), 0,
				 &ev),
		  -EINVAL);
	tep_free(tep);
}

/* the clock stamps after seq=0, anyone else's markers, garbage: other events, never malformed */
VT_TEST(dat_mark_other_text_is_unknown)
{
	static const struct {
		const char *text;
		size_t n;
	} other[] = {
		{ LITN("vsockdiag-clock start seq=1\n\0") },
		{ LITN("vsockdiag-clock stop seq=7\n\0") },
		{ LITN("vsockdiag-clock start seq=01\n\0") },
		{ LITN("vsockdiag-clock start seq=0 x\n\0") },
		{ LITN("vsockdiag-clock start seq=0\nx\n\0") },
		{ LITN("vsockdiag-clock start seq=0\n\n\0") },
		{ LITN("vsockdiag-clock start seq=\n\0") },
		{ LITN("vsockdiag-clock start\n\0") },
		{ LITN("vsockdiag-clock restart seq=0\n\0") },
		{ LITN("vsockdiag-clocks 1\n\0") },
		{ LITN(" vsockdiag-clock start seq=0\n\0") },
		{ LITN("\nvsockdiag-clock start seq=0\n\0") },
		{ LITN("my vsockdiag-clock start seq=0\n\0") },
		{ LITN("vsockdiag-clock\0start seq=0\n\0") },
		{ LITN("hello from the test script\n\0") },
		{ LITN("\n\0") },
		{ LITN("\0") },
		{ LITN("") },
	};
	const char *fmts[] = { fmt_print }, *sys[] = { "ftrace" };
	struct tep_handle *tep = tep_with(fmts, sys, 1);
	struct vd_dat_map m;
	struct vd_event ev;

	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		int ret = map_print_text(&m, other[i].text, other[i].n, 0, &ev);

		if (ret != VD_DAT_REC_UNKNOWN) {
			vt_fail(__FILE__, __LINE__, "print '%.*s': %d, expected VD_DAT_REC_UNKNOWN",
				(int)other[i].n, other[i].text, ret);
			break;
		}
	}
	tep_free(tep);
}

/* cut short anywhere: never a read past the record, a mark only once the text is whole */
VT_TEST(dat_mark_short_records)
{
	static const char text[] = "vsockdiag-clock start seq=0\n";
	const char *fmts[] = { fmt_print }, *sys[] = { "ftrace" };
	struct tep_handle *tep = tep_with(fmts, sys, 1);
	size_t whole = 16 + sizeof(text) - 2; /* the text without its '\n' and NUL */
	struct vd_dat_map m;
	struct vd_event ev;
	uint8_t b[64];

	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	memset(b, 0, 16);
	memcpy(b + 16, text, sizeof(text));
	for (size_t size = 0; size <= 16 + sizeof(text); size++) {
		/* exactly size bytes (the header at least): ASan catches a read past the record */
		struct tep_record *rec = mkrec(5, 4321, b, size < 8 ? 8 : size);
		const char *why = NULL;
		int ret, want;

		rec->size = (int)size;
		ret = vd_dat_map_record(&m, rec, &ev, &why);
		freerec(rec);
		want = size < 8 ? -EINVAL : size < whole ? VD_DAT_REC_UNKNOWN : VD_DAT_REC_EVENT;
		if (ret != want) {
			vt_fail(__FILE__, __LINE__, "print record of %zu bytes: %d, expected %d",
				size, ret, want);
			break;
		}
	}
	tep_free(tep);
}

/* no print format, or one whose buf is not a string: print records stay unknown, as always */
VT_TEST(dat_mark_optional_format)
{
	static const char no_buf[] = "name: print\nID: 5\nformat:\n" COMMON_FIELDS
		"\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\nprint fmt: \"%ps\", (void *)REC->ip\n";
	static const char num_buf[] = "name: print\nID: 5\nformat:\n" COMMON_FIELDS
		"\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long buf;\toffset:16;\tsize:8;\tsigned:0;\n"
		"\nprint fmt: \"%ps\", (void *)REC->ip\n";
	static const char loc_buf[] = "name: print\nID: 5\nformat:\n" COMMON_FIELDS
		"\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:__data_loc char[] buf;\toffset:16;\tsize:4;\tsigned:0;\n"
		"\nprint fmt: \"%ps: %s\", (void *)REC->ip, __get_str(buf)\n";
	static const char *const text = "vsockdiag-clock start seq=0\n";
	const char *fmts[2], *sys[2];
	struct tep_handle *tep;
	struct vd_dat_map m;
	struct vd_event ev;
	uint8_t b[64] = { 0 };

	/* a file without ftrace:print (kprobes or others may have a "print") */
	fmts[0] = fmt_alloc_61;
	sys[0] = "vsock";
	fmts[1] = fmt_print;
	sys[1] = "kprobes";
	tep = tep_with(fmts, sys, 2);
	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	VT_EQ_INT(m.print.id, -1);
	VT_EQ_INT(map_print_text(&m, text, strlen(text) + 1, 0, &ev), VD_DAT_REC_UNKNOWN);
	tep_free(tep);

	fmts[0] = no_buf;
	sys[0] = "ftrace";
	tep = tep_with(fmts, sys, 1);
	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	VT_EQ_INT(m.print.id, -1);
	VT_EQ_INT(map_print_text(&m, text, strlen(text) + 1, 0, &ev), VD_DAT_REC_UNKNOWN);
	tep_free(tep);

	fmts[0] = num_buf;
	tep = tep_with(fmts, sys, 1);
	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	VT_EQ_INT(m.print.id, -1);
	tep_free(tep);

	/* a __data_loc buf: followed, and checked against the record's size */
	fmts[0] = loc_buf;
	tep = tep_with(fmts, sys, 1);
	VT_ASSERT(tep);
	vd_dat_map_init(&m, tep);
	VT_EQ_INT(m.print.id, 5);
	memcpy(b + 20, text, strlen(text) + 1);
	for (int good = 1; good >= 0; good--) {
		uint32_t len = (uint32_t)strlen(text) + 1 + (good ? 0 : 1);
		struct tep_record *rec;

		put32(b, 16, (len << 16) | 20);
		rec = mkrec(5, 1, b, 20 + strlen(text) + 1);
		VT_EQ_INT(vd_dat_map_record(&m, rec, &ev, NULL),
			  good ? VD_DAT_REC_EVENT : VD_DAT_REC_UNKNOWN);
		if (good)
			VT_EQ_INT(ev.kind, VD_EV_MARK);
		freerec(rec);
	}
	tep_free(tep);
}

/* ---- files recorded here with trace-cmd (non-vsock events only) --------------------------------- */

#define TRACEFS "/sys/kernel/tracing"

static char tmpdir[64];

static bool can_record(void)
{
	static int ok = -1;

	if (ok < 0) {
		ok = geteuid() == 0 && access(TRACEFS "/set_event", W_OK) == 0 &&
		     system("command -v trace-cmd >/dev/null 2>&1") == 0;
		if (!ok)
			VT_SKIP("trace.dat recordings need root, tracefs at " TRACEFS " and trace-cmd");
	}
	return ok;
}

static char *slurp(const char *path)
{
	char *buf = calloc(1, 65536);
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, 65535);

		(void)n;
		close(fd);
	}
	return buf;
}

static void put_file(const char *path, const char *s, int flags)
{
	int fd = open(path, O_WRONLY | flags);

	if (fd >= 0) {
		ssize_t n = write(fd, s, strlen(s));

		(void)n;
		close(fd);
	}
}

/*
 * trace-cmd record EVENTS into tmpdir/NAME.  -k: this machine refuses
 * writes to the function-tracer files trace-cmd resets, so the global
 * settings are saved here and restored instead.  Never vsock: the events
 * are the literal strings in this file.  -b changes the buffer size, so
 * that is restored too.
 */
static const char *record(const char *name, const char *args)
{
	static char path[128];
	char cmd[512], *events = slurp(TRACEFS "/set_event"), *on = slurp(TRACEFS "/tracing_on");
	char *kb = slurp(TRACEFS "/buffer_size_kb");
	int ret;

	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/vd-test-dat.XXXXXX");
		if (!mkdtemp(tmpdir))
			return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && trace-cmd record -q -d -k %s -o %s sh -c 'ls -R /usr/lib >/dev/null; "
		 "sleep 0.2' >/dev/null 2>&1",
		 tmpdir, args, path);
	ret = system(cmd);
	put_file(TRACEFS "/set_event", "", O_TRUNC);
	for (char *l = strtok(events, "\n"); l; l = strtok(NULL, "\n")) {
		char line[256];

		snprintf(line, sizeof(line), "%s\n", l);
		put_file(TRACEFS "/set_event", line, O_APPEND);
	}
	put_file(TRACEFS "/tracing_on", on[0] ? on : "1\n", O_TRUNC);
	/* "1408" or "7 (expanded: 1408)": the number first is what was set */
	if (kb[0] >= '1' && kb[0] <= '9')
		put_file(TRACEFS "/buffer_size_kb", kb, O_TRUNC);
	free(events);
	free(on);
	free(kb);
	return ret == 0 ? path : NULL;
}

/* `trace-cmd report -t` of dat (nanosecond timestamps): the oracle */
static const char *oracle(const char *dat)
{
	static char txt[160];
	char cmd[400];

	snprintf(txt, sizeof(txt), "%s.txt", dat);
	snprintf(cmd, sizeof(cmd), "trace-cmd report -t -i %s > %s 2>/dev/null", dat, txt);
	return system(cmd) == 0 ? txt : NULL;
}

static bool same_event(const struct vd_event *a, const struct vd_event *b)
{
	if (a->kind != b->kind || a->ts_ns != b->ts_ns || a->cpu != b->cpu)
		return false;
	if (a->kind == VD_EV_LOST)
		return a->lost.count == b->lost.count;
	if (a->pid != b->pid || strcmp(a->comm, b->comm))
		return false;
	switch (a->kind) {
	case VD_EV_MARK:
		return a->mark.what == b->mark.what;
	case VD_EV_IRQ_ENTRY:
	case VD_EV_IRQ_EXIT:
		return a->irq.irq == b->irq.irq && a->irq.ret == b->irq.ret &&
		       !strcmp(a->irq.name, b->irq.name);
	case VD_EV_PAGE_ALLOC:
		/* the text has names only (gfp_raw 0) */
		return a->page.pfn == b->page.pfn && a->page.order == b->page.order &&
		       a->page.migratetype == b->page.migratetype && a->page.gfp == b->page.gfp &&
		       a->page.failed == b->page.failed;
	case VD_EV_KMALLOC:
		/* the text's call_site is a symbol (call_site 0): compare the symbols */
		return a->kmalloc.ptr == b->kmalloc.ptr &&
		       a->kmalloc.bytes_req == b->kmalloc.bytes_req &&
		       a->kmalloc.bytes_alloc == b->kmalloc.bytes_alloc &&
		       a->kmalloc.gfp == b->kmalloc.gfp && a->kmalloc.node == b->kmalloc.node &&
		       a->kmalloc.failed == b->kmalloc.failed &&
		       !strcmp(a->kmalloc.call_sym, b->kmalloc.call_sym);
	default:
		return true;
	}
}

/* with marks: the VD_EV_MARK events seen, in order */
struct oracle_marks {
	struct vd_event ev[8];
	int n;
};

/*
 * Every event of the .dat equals the event the text source makes of
 * trace-cmd report's line for the same record, in the same order; the
 * statistics agree; a rewind gives the same again.  mk: both sources return
 * their markers too, which are kept there.
 */
static void check_against_oracle(const char *dat, uint64_t *nevents, struct oracle_marks *mk)
{
	char err[512];
	const char *txt = oracle(dat);
	struct vd_source *d, *t;
	struct vd_event a, b;
	uint64_t n = 0, nmarks = 0;
	int ra, rb;

	VT_ASSERT(txt);
	d = vd_source_open(dat, err, sizeof(err));
	VT_ASSERT(d);
	VT_EQ_INT(vd_source_format(d), VD_FMT_TRACE_DAT);
	t = vd_source_open(txt, err, sizeof(err));
	VT_ASSERT(t);
	vd_source_set_marks(d, mk != NULL);
	vd_source_set_marks(t, mk != NULL);
	for (;;) {
		ra = vd_source_next(d, &a);
		rb = vd_source_next(t, &b);
		if (ra <= 0 || rb <= 0)
			break;
		n++;
		if (a.kind == VD_EV_MARK) {
			if (!mk) {
				vt_fail(__FILE__, __LINE__, "%s: a mark nobody asked for", dat);
				goto out;
			}
			if (mk->n < (int)(sizeof(mk->ev) / sizeof(mk->ev[0])))
				mk->ev[mk->n++] = a;
			nmarks++;
		}
		if (!same_event(&a, &b)) {
			vt_fail(__FILE__, __LINE__, "%s: event %" PRIu64 " (%s at %" PRIu64
				" cpu %d pid %d '%s' '%s') differs from trace-cmd report's (%s at %"
				PRIu64 " cpu %d pid %d '%s' '%s')",
				dat, n, vd_ev_kind_name(a.kind), a.ts_ns, a.cpu, a.pid, a.comm,
				a.kind == VD_EV_KMALLOC ? a.kmalloc.call_sym : "",
				vd_ev_kind_name(b.kind), b.ts_ns, b.cpu, b.pid, b.comm,
				b.kind == VD_EV_KMALLOC ? b.kmalloc.call_sym : "");
			goto out;
		}
	}
	VT_EQ_INT(ra, 0);
	VT_EQ_INT(rb, 0);
	const struct vd_source_stats *sd = vd_source_stats(d), *st = vd_source_stats(t);

	VT_EQ_U64(sd->events, st->events);
	VT_EQ_U64(sd->unknown_events, st->unknown_events);
	VT_EQ_U64(sd->first_ts, st->first_ts);
	VT_EQ_U64(sd->last_ts, st->last_ts);
	VT_EQ_U64(sd->lost_events, st->lost_events);
	VT_EQ_U64(sd->lost_markers, st->lost_markers);
	VT_EQ_INT(sd->ncpus, st->ncpus);
	VT_EQ_U64(sd->malformed, 0);
	VT_ASSERT(sd->events > 0);
	VT_EQ_U64(n, sd->events + nmarks);
	*nevents = sd->events;
	VT_EQ_INT(vd_source_rewind(d), 0);
	n = 0;
	while (vd_source_next(d, &a) > 0)
		n++;
	VT_EQ_U64(n, *nevents + nmarks);
	VT_EQ_U64(vd_source_stats(d)->events, *nevents);
out:
	vd_source_close(d);
	vd_source_close(t);
}

VT_TEST(dat_v6_irq_kmem_matches_trace_cmd_report)
{
	const char *dat;
	uint64_t n = 0;

	if (!can_record())
		return;
	dat = record("v6.dat", "--file-version 6 -e irq -e sched:sched_switch -e kmem:mm_page_alloc "
			       "-e kmem:kmalloc");
	VT_ASSERT(dat);
	check_against_oracle(dat, &n, NULL);
}

VT_TEST(dat_v7_compressed_matches_trace_cmd_report)
{
	const char *dat;
	uint64_t n = 0;

	if (!can_record())
		return;
	dat = record("v7.dat", "--file-version 7 --compression any -e irq -e kmem:mm_page_alloc");
	VT_ASSERT(dat);
	check_against_oracle(dat, &n, NULL);
}

/* a tiny buffer under load: the ring buffer drops events, and says how many */
VT_TEST(dat_lost_events_match_trace_cmd_report)
{
	const char *dat;
	uint64_t n = 0;

	if (!can_record())
		return;
	dat = record("lost.dat", "--file-version 6 -b 8 -e kmem:kmalloc -e kmem:kfree "
				 "-e kmem:mm_page_alloc -e kmem:mm_page_free");
	VT_ASSERT(dat);
	check_against_oracle(dat, &n, NULL);
}

/* build/vsockdiag next to build/tests/unit-tests (build/san/... under SAN=1); NULL: not built */
static const char *vsockdiag_bin(void)
{
	static char path[4096];
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/../vsockdiag", self) >= sizeof(path))
		return NULL;
	return access(path, X_OK) == 0 ? path : NULL;
}

/*
 * The one line of trace-cmd report's text that ends in stamp, through the
 * text parser: its VD_LINE_* (*ev filled for an event); -1 when not exactly
 * one line ends so.
 */
static int oracle_line(const char *txt, const char *stamp, struct vd_event *ev)
{
	FILE *fp = fopen(txt, "r");
	struct vd_text_state st;
	char line[1024];
	int found = 0, ret = -1;

	if (!fp)
		return -1;
	vd_text_state_init(&st);
	while (fgets(line, sizeof(line), fp)) {
		size_t len = strcspn(line, "\n"), sl = strlen(stamp);

		/* whole lines only, ending in the stamp */
		if (line[len] != '\n' || len < sl || memcmp(line + len - sl, stamp, sl))
			continue;
		ret = vd_text_parse_line(&st, line, len, ev, NULL);
		found++;
	}
	fclose(fp);
	return found == 1 ? ret : -1;
}

/*
 * A .dat that vsockdiag record wrote holds its markers: start and stop come
 * out as VD_EV_MARK, at the times trace-cmd report prints for the same
 * lines, and the later clock stamps stay other events.  Non-vsock events
 * only (VSOCKDIAG_FORBID_VSOCK makes the recorder refuse vsock:*).
 */
VT_TEST(dat_vsockdiag_record_marks_match_trace_cmd_report)
{
	struct oracle_marks mk = { .n = 0 };
	struct vd_event start, stop, ev;
	struct vd_source_stats on;
	const char *bin, *txt;
	char cmd[8192], dat[128], err[512];
	struct vd_source *s;
	uint64_t n = 0;
	int ret;

	if (!can_record())
		return;
	bin = vsockdiag_bin();
	if (!bin) {
		VT_SKIP("vsockdiag record markers: build/vsockdiag not built");
		return;
	}
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/vd-test-dat.XXXXXX");
		VT_ASSERT(mkdtemp(tmpdir));
	}
	snprintf(dat, sizeof(dat), "%s/marks.dat", tmpdir);
	ret = snprintf(cmd, sizeof(cmd),
		       "VSOCKDIAG_FORBID_VSOCK=1 %s record -q -o %s -d 1 --no-filter --events "
		       "irq:irq_handler_entry,irq:irq_handler_exit,kmem:mm_page_alloc,"
		       "sched:sched_switch >/dev/null 2>&1",
		       bin, dat);
	VT_ASSERT(ret > 0 && (size_t)ret < sizeof(cmd));
	VT_EQ_INT(system(cmd), 0);

	/* every event and both marks as trace-cmd report's lines give them, in order */
	check_against_oracle(dat, &n, &mk);
	if (vt_current_failed)
		return;
	VT_EQ_INT(mk.n, 2);
	VT_EQ_INT(mk.ev[0].mark.what, VD_MARK_RECORDER_START);
	VT_EQ_INT(mk.ev[1].mark.what, VD_MARK_RECORDER_STOP);
	VT_ASSERT(mk.ev[0].ts_ns < mk.ev[1].ts_ns);
	VT_ASSERT(mk.ev[0].lineno > 0 && mk.ev[0].lineno < mk.ev[1].lineno);
	VT_EQ_STR(mk.ev[0].comm, "vsockdiag");
	VT_EQ_INT(mk.ev[0].pid, mk.ev[1].pid);

	/* the very lines trace-cmd report prints, at the same nanosecond */
	txt = oracle(dat);
	VT_ASSERT(txt);
	VT_EQ_INT(oracle_line(txt, "tracing_mark_write: vsockdiag-clock start seq=0", &start),
		  VD_LINE_EVENT);
	VT_EQ_INT(oracle_line(txt, "tracing_mark_write: vsockdiag-clock stop seq=0", &stop),
		  VD_LINE_EVENT);
	VT_EQ_INT(start.kind, VD_EV_MARK);
	VT_EQ_INT(stop.kind, VD_EV_MARK);
	VT_EQ_U64(mk.ev[0].ts_ns, start.ts_ns);
	VT_EQ_INT(mk.ev[0].cpu, start.cpu);
	VT_EQ_INT(mk.ev[0].pid, start.pid);
	VT_EQ_U64(mk.ev[1].ts_ns, stop.ts_ns);
	VT_EQ_INT(mk.ev[1].cpu, stop.cpu);
	/* the later stamps are there too, and other events */
	VT_EQ_INT(oracle_line(txt, "tracing_mark_write: vsockdiag-clock start seq=1", &ev),
		  VD_LINE_UNKNOWN);
	VT_EQ_INT(oracle_line(txt, "tracing_mark_write: vsockdiag-clock stop seq=1", &ev),
		  VD_LINE_UNKNOWN);

	/* marks asked for or not, the statistics are the same */
	s = vd_source_open(dat, err, sizeof(err));
	VT_ASSERT(s);
	vd_source_set_marks(s, true);
	while ((ret = vd_source_next(s, &ev)) > 0)
		;
	on = *vd_source_stats(s);
	vd_source_set_marks(s, false);
	VT_EQ_INT(vd_source_rewind(s), 0);
	while ((ret = vd_source_next(s, &ev)) > 0)
		VT_ASSERT(ev.kind != VD_EV_MARK);
	VT_EQ_INT(ret, 0);
	const struct vd_source_stats *off = vd_source_stats(s);

	VT_EQ_U64(off->events, on.events);
	VT_EQ_U64(off->events, n);
	VT_EQ_U64(off->unknown_events, on.unknown_events);
	VT_EQ_U64(off->first_ts, on.first_ts);
	VT_EQ_U64(off->last_ts, on.last_ts);
	VT_EQ_U64(off->window_start, on.window_start);
	VT_EQ_U64(off->lost_events, on.lost_events);
	VT_EQ_U64(off->lost_markers, on.lost_markers);
	VT_EQ_U64(off->malformed, 0);
	vd_source_close(s);
}

/* only events vsockdiag does not use: readable, nothing to say */
VT_TEST(dat_other_events_only)
{
	char err[512];
	const char *dat;
	struct vd_source *s;
	struct vd_event ev;

	if (!can_record())
		return;
	dat = record("sched.dat", "-e sched:sched_switch");
	VT_ASSERT(dat);
	s = vd_source_open(dat, err, sizeof(err));
	VT_ASSERT(s);
	/* a busy machine may overrun even this: lost markers are all it may yield */
	while (vd_source_next(s, &ev) > 0)
		VT_EQ_INT(ev.kind, VD_EV_LOST);
	VT_EQ_U64(vd_source_stats(s)->events, vd_source_stats(s)->lost_markers);
	VT_ASSERT(vd_source_stats(s)->unknown_events > 0);
	VT_ASSERT(vd_source_stats(s)->ncpus > 0);
	vd_source_close(s);
}

/* cut short anywhere: a clear error naming the file and what to do, never a crash */
VT_TEST(dat_truncated)
{
	char err[512], cmd[512], cut[160];
	const char *dat;
	struct stat st;

	if (!can_record())
		return;
	dat = record("trunc.dat", "--file-version 6 -e irq -e kmem:mm_page_alloc");
	VT_ASSERT(dat);
	VT_ASSERT(stat(dat, &st) == 0);
	snprintf(cut, sizeof(cut), "%s.cut", dat);
	for (long size = 64; size < st.st_size; size = size * 3 + 1) {
		struct vd_source *s;

		snprintf(cmd, sizeof(cmd), "head -c %ld %s > %s", size, dat, cut);
		VT_ASSERT(system(cmd) == 0);
		err[0] = '\0';
		s = vd_source_open(cut, err, sizeof(err));
		if (s) {
			vt_fail(__FILE__, __LINE__, "%s cut to %ld bytes opened", dat, size);
			vd_source_close(s);
			return;
		}
		VT_ASSERT(strstr(err, "truncated") && strstr(err, "trace-cmd report -i"));
	}
}

__attribute__((destructor)) static void dat_cleanup(void)
{
	char cmd[128];

	if (tmpdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd))
			return;
	}
}
