// SPDX-License-Identifier: GPL-2.0
/*
 * The ftrace text source: every output variant the kernels and trace-cmd
 * print, the seed's real dumps, and every way a pasted dump gets damaged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzers/sources/source.h"
#include "analyzers/sources/text_internal.h"
#include "analyzers/sources/text_parse.h"
#include "common/log.h"
#include "vtest.h"

#define NS(sec, usec) ((uint64_t)(sec) * 1000000000ull + (uint64_t)(usec) * 1000ull)

/* ---- helpers ---------------------------------------------------------- */

/*
 * Parse from an exactly-sized heap copy: lines are not NUL-terminated, and
 * under ASan a read past the end fails the test.
 */
static int parse_exact(struct vd_text_state *st, const char *line, size_t len,
		       struct vd_event *ev, const char **why)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, line, len);
	*why = NULL;
	memset(ev, 0xa5, sizeof(*ev));
	ret = vd_text_parse_line(st, copy, len, ev, why);
	free(copy);
	return ret;
}

#define PARSE(line) parse_exact(&st, (line), strlen(line), &ev, &why)

#define SETUP                                                                                      \
	struct vd_text_state st;                                                                   \
	struct vd_event ev;                                                                        \
	const char *why;                                                                           \
	vd_text_state_init(&st)

static char tmpdir[64];
static char *tmp_paths[256];
static int ntmp;

static void tmp_cleanup(void)
{
	for (int i = 0; i < ntmp; i++) {
		unlink(tmp_paths[i]);
		free(tmp_paths[i]);
	}
	if (tmpdir[0])
		rmdir(tmpdir);
}

/* A file in a private temp dir, removed at exit; returns its path. */
static const char *write_tmp(const char *name, const char *data, size_t len)
{
	char *path;
	FILE *fp;

	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/vd-text-XXXXXX");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(2);
		}
		atexit(tmp_cleanup);
	}
	if (ntmp == (int)(sizeof(tmp_paths) / sizeof(tmp_paths[0])))
		exit(2);
	if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
		exit(2);
	fp = fopen(path, "wb");
	if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp)) {
		perror(path);
		exit(2);
	}
	tmp_paths[ntmp++] = path;
	return path;
}

static const char *write_str(const char *name, const char *data)
{
	return write_tmp(name, data, strlen(data));
}

static const char *fixture(const char *name)
{
	static char path[512];
	const char *dir = getenv("VD_FIXTURES");

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures/text", name);
	return path;
}

static struct vd_source *open_src(const char *path)
{
	char err[512];
	struct vd_source *src = vd_source_open(path, err, sizeof(err));

	if (!src)
		printf("cannot open %s: %s\n", path, err);
	return src;
}

/* Read to the end; keeps up to max events; returns how many or -errno. */
static int drain(struct vd_source *src, struct vd_event *evs, int max)
{
	struct vd_event ev;
	int n = 0, ret;

	while ((ret = vd_source_next(src, &ev)) == 1) {
		if (n < max)
			evs[n] = ev;
		n++;
	}
	return ret < 0 ? ret : n;
}

/* Everything vd_warn prints while capturing goes into a file. */
static int saved_stderr = -1;
static FILE *capture_fp;

static void capture_begin(void)
{
	fflush(stderr);
	capture_fp = tmpfile();
	saved_stderr = dup(2);
	dup2(fileno(capture_fp), 2);
}

static char *capture_end(void)
{
	static char buf[65536];
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	rewind(capture_fp);
	n = fread(buf, 1, sizeof(buf) - 1, capture_fp);
	buf[n] = '\0';
	fclose(capture_fp);
	return buf;
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- the seed's real dumps, line by line ------------------------------ */

/* As the blog page holds it: U+00A0 no-break spaces where the kernel padded. */
static const char seed_linux_line[] =
	"\xc2\xa0->vsock:1000:55-971 \xc2\xa0 \xc2\xa0 [000] .... 18409.529434: "
	"virtio_transport_alloc_pkt: 2:2844408420 -> 1000:5555 len=50 type=STREAM op=RW flags=0x0";

VT_TEST(text_seed_linux_alloc_pkt_as_pasted_from_the_web)
{
	SETUP;

	VT_EQ_INT(PARSE(seed_linux_line), VD_LINE_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_PKT_ALLOC);
	VT_EQ_STR(ev.comm, "->vsock:1000:55");
	VT_EQ_INT(ev.pid, 971);
	VT_EQ_INT(ev.cpu, 0);
	VT_EQ_U64(ev.ts_ns, NS(18409, 529434));
	VT_EQ_U64(ev.pkt.src_cid, 2);
	VT_EQ_U64(ev.pkt.src_port, 2844408420u);
	VT_EQ_U64(ev.pkt.dst_cid, 1000);
	VT_EQ_U64(ev.pkt.dst_port, 5555);
	VT_EQ_U64(ev.pkt.len, 50);
	VT_EQ_INT(ev.pkt.type, VD_TYPE_STREAM);
	VT_EQ_INT(ev.pkt.op, VD_OP_RW);
	VT_EQ_U64(ev.pkt.flags, 0);
	VT_EQ_INT(ev.pkt.zcopy, -1);
	VT_ASSERT(!ev.pkt.has_credit);
}

VT_TEST(text_seed_linux_alloc_pkt_as_the_kernel_prints_it)
{
	SETUP;

	VT_EQ_INT(PARSE(" ->vsock:1000:55-971     [000] .... 18409.529434: virtio_transport_alloc_pkt: "
			"2:2844408420 -> 1000:5555 len=50 type=STREAM op=RW flags=0x0"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "->vsock:1000:55");
	VT_EQ_INT(ev.pid, 971);
	VT_EQ_U64(ev.pkt.src_port, 2844408420u);
}

VT_TEST(text_seed_android_irq_recv_and_allocs)
{
	SETUP;

	VT_EQ_INT(PARSE("          <idle>-0       [000] d.h1 66016.708821: irq_handler_entry: irq=12 "
			"name=virtio6"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_IRQ_ENTRY);
	VT_EQ_STR(ev.comm, "<idle>");
	VT_EQ_INT(ev.pid, 0);
	VT_EQ_INT(ev.irq.irq, 12);
	VT_EQ_INT(ev.irq.ret, -1);
	VT_EQ_STR(ev.irq.name, "virtio6");
	VT_EQ_U64(ev.ts_ns, NS(66016, 708821));

	VT_EQ_INT(PARSE("     kworker/0:0-18178   [000] .... 66016.708919: virtio_transport_recv_pkt: "
			"2:2844408420 -> 1000:5555 len=58 type=STREAM op=RW flags=0x0 buf_alloc=262144 "
			"fwd_cnt=7336588"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_PKT_RECV);
	VT_EQ_STR(ev.comm, "kworker/0:0");
	VT_EQ_INT(ev.pid, 18178);
	VT_EQ_U64(ev.pkt.len, 58);
	VT_ASSERT(ev.pkt.has_credit);
	VT_EQ_U64(ev.pkt.buf_alloc, 262144);
	VT_EQ_U64(ev.pkt.fwd_cnt, 7336588);

	VT_EQ_INT(PARSE("            adbd-3803    [001] .... 66016.729812: virtio_transport_alloc_pkt: "
			"1000:5555 -> 2:2844408420 len=25 type=STREAM op=RW flags=0x0"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "adbd");
	VT_EQ_INT(ev.pid, 3803);
	VT_EQ_INT(ev.cpu, 1);
	VT_EQ_U64(ev.pkt.src_cid, 1000);
	VT_EQ_U64(ev.pkt.dst_port, 2844408420u);
	VT_EQ_U64(ev.pkt.len, 25);
}

VT_TEST(text_seed_header_lines_are_recorded_and_skipped)
{
	SETUP;

	VT_EQ_INT(PARSE("# tracer: nop"), VD_LINE_SKIP);
	VT_EQ_INT(PARSE("# entries-in-buffer/entries-written: 4/4 \xc2\xa0 #P:2"), VD_LINE_SKIP);
	VT_EQ_U64(st.header_entries, 4);
	VT_EQ_U64(st.header_written, 4);
	VT_ASSERT(st.have_entries);
	VT_ASSERT(!st.overwritten);
	VT_EQ_INT(st.header_ncpus, 2);
	VT_EQ_INT(PARSE("#           TASK-PID     CPU#  ||||   TIMESTAMP  FUNCTION"), VD_LINE_SKIP);
	VT_EQ_INT(PARSE("#              | |         |   ||||      |         |  "), VD_LINE_SKIP);
	VT_EQ_INT(PARSE("#"), VD_LINE_SKIP);
	VT_EQ_INT(PARSE(""), VD_LINE_SKIP);
	VT_EQ_INT(PARSE("   \t "), VD_LINE_SKIP);
}

VT_TEST(text_seed_shell_prompt_is_not_a_trace_line)
{
	SETUP;

	VT_EQ_INT(PARSE("console:/sys/kernel/debug/tracing # cat trace                                  "),
		  VD_LINE_OTHER);
	VT_EQ_INT(PARSE("root@opsy-sa81x5:/sys/kernel/debug/tracing# cat trace"), VD_LINE_OTHER);
	VT_EQ_INT(PARSE("Check the vsock trace event in Linux"), VD_LINE_OTHER);
	VT_EQ_INT(PARSE("jianguos@jianguos-gv:html$ adb -t 2 shell"), VD_LINE_OTHER);
}

/* ---- line shapes ------------------------------------------------------- */

VT_TEST(text_tgid_column_with_number_and_dashes)
{
	SETUP;

	VT_EQ_INT(PARSE("           bash-1234    (   1234) [000] d..1.  123.456789: "
			"virtio_transport_alloc_pkt: 3:1 -> 2:2 len=1 type=STREAM op=RW flags=0x0"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "bash");
	VT_EQ_INT(ev.pid, 1234);
	VT_EQ_INT(ev.cpu, 0);
	VT_EQ_U64(ev.ts_ns, NS(123, 456789));
	VT_EQ_INT(PARSE("     kworker/0:0-18178   (-------) [003] ...1.  123.456790: irq_handler_exit: "
			"irq=12 ret=unhandled"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "kworker/0:0");
	VT_EQ_INT(ev.pid, 18178);
	VT_EQ_INT(ev.cpu, 3);
	VT_EQ_INT(ev.irq.ret, 0);
}

VT_TEST(text_bad_tgid_column_is_not_a_trace_line)
{
	SETUP;

	VT_EQ_INT(PARSE("bash-1234 (12 34) [000] .... 1.0: irq_handler_exit: irq=1 ret=handled"),
		  VD_LINE_OTHER);
	VT_EQ_INT(PARSE("bash-1234 (12-3) [000] .... 1.0: irq_handler_exit: irq=1 ret=handled"),
		  VD_LINE_OTHER);
	VT_EQ_INT(PARSE("bash-1234 () [000] .... 1.0: irq_handler_exit: irq=1 ret=handled"),
		  VD_LINE_OTHER);
}

VT_TEST(text_irq_info_off_has_no_flags_column)
{
	SETUP;

	VT_EQ_INT(PARSE("            adbd-3803    [001]  66016.717478: virtio_transport_alloc_pkt: "
			"1000:5555 -> 2:2844408420 len=24 type=STREAM op=RW flags=0x0"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "adbd");
	VT_EQ_INT(ev.cpu, 1);
	VT_EQ_U64(ev.ts_ns, NS(66016, 717478));
}

VT_TEST(text_five_char_flags_of_newer_kernels)
{
	SETUP;

	VT_EQ_INT(PARSE("          <idle>-0       [000] d.h1. 66016.708821: irq_handler_entry: irq=12 "
			"name=virtio6"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.irq.irq, 12);
	VT_EQ_INT(PARSE("          <idle>-0       [000] dNs2. 66016.708821: irq_handler_entry: irq=12 "
			"name=virtio6"),
		  VD_LINE_EVENT);
}

VT_TEST(text_trace_cmd_report_pads_event_names)
{
	SETUP;

	VT_EQ_INT(PARSE("          <idle>-0     [001] 66016.708821: irq_handler_entry:    irq=12 "
			"name=virtio6"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.cpu, 1);
	VT_EQ_INT(ev.irq.irq, 12);
	VT_EQ_STR(ev.irq.name, "virtio6");
	VT_EQ_INT(PARSE("version = 6"), VD_LINE_SKIP);
	VT_EQ_INT(PARSE("cpus=2"), VD_LINE_SKIP);
	VT_EQ_INT(st.header_ncpus, 2);
	VT_EQ_INT(PARSE("CPU 0 is empty"), VD_LINE_SKIP);
	VT_EQ_INT(PARSE("CPU 13 is empty"), VD_LINE_SKIP);
}

VT_TEST(text_timestamps_six_nine_and_no_decimals)
{
	SETUP;

	VT_EQ_INT(PARSE("a-1 [000] 1.000001: irq_handler_exit: irq=1 ret=handled"), VD_LINE_EVENT);
	VT_EQ_U64(ev.ts_ns, 1000001000ull);
	VT_EQ_INT(PARSE("a-1 [000] 66016.708821123: irq_handler_exit: irq=1 ret=handled"),
		  VD_LINE_EVENT);
	VT_EQ_U64(ev.ts_ns, 66016708821123ull);
	/* counter / x86-tsc clocks print a bare number: taken as-is */
	VT_EQ_INT(PARSE("a-1 [000] 123456789012: irq_handler_exit: irq=1 ret=handled"),
		  VD_LINE_EVENT);
	VT_EQ_U64(ev.ts_ns, 123456789012ull);
	VT_EQ_INT(PARSE("a-1 [000] 18446744073709551615: irq_handler_exit: irq=1 ret=handled"),
		  VD_LINE_EVENT);
	VT_EQ_U64(ev.ts_ns, UINT64_MAX);
	VT_EQ_INT(PARSE("a-1 [000] 18446744073.709551615: irq_handler_exit: irq=1 ret=handled"),
		  VD_LINE_EVENT);
	VT_EQ_U64(ev.ts_ns, UINT64_MAX);
	VT_EQ_INT(PARSE("a-1 [000] 18446744073.709551616: irq_handler_exit: irq=1 ret=handled"),
		  -EINVAL);
	VT_EQ_INT(PARSE("a-1 [000] 18446744073709551616: irq_handler_exit: irq=1 ret=handled"),
		  -EINVAL);
	VT_EQ_INT(PARSE("a-1 [000] 1.: irq_handler_exit: irq=1 ret=handled"), -EINVAL);
}

VT_TEST(text_bad_timestamp_of_a_used_event_is_malformed)
{
	SETUP;

	VT_EQ_INT(PARSE("a-1 [000] 1.1234567890: irq_handler_exit: irq=1 ret=handled"), -EINVAL);
	VT_EQ_STR(why, "bad timestamp");
	VT_EQ_INT(PARSE("a-1 [000] 99999999999999999999.1: irq_handler_exit: irq=1 ret=handled"),
		  -EINVAL);
	VT_EQ_STR(why, "bad timestamp");
	VT_EQ_INT(PARSE("a-1 [000] 1.2.3: irq_handler_exit: irq=1 ret=handled"), -EINVAL);
	/* the same damage on an event we do not use costs nothing */
	VT_EQ_INT(PARSE("a-1 [000] 1.1234567890: sched_switch: x"), VD_LINE_UNKNOWN);
}

VT_TEST(text_bad_cpu_and_pid_are_malformed)
{
	SETUP;

	VT_EQ_INT(PARSE("a-1 [99999999999] 1.0: irq_handler_exit: irq=1 ret=handled"), VD_LINE_OTHER);
	VT_EQ_INT(PARSE("a-1 [4294967295] 1.0: irq_handler_exit: irq=1 ret=handled"), -EINVAL);
	VT_EQ_STR(why, "bad cpu");
	VT_EQ_INT(PARSE("a-4294967295 [0] 1.0: irq_handler_exit: irq=1 ret=handled"), -EINVAL);
	VT_EQ_STR(why, "bad pid");
}

VT_TEST(text_comm_with_spaces_dashes_colons_and_hash)
{
	SETUP;

	VT_EQ_INT(PARSE("  Binder:812_2-1240  [002] .... 5.5: irq_handler_exit: irq=1 ret=handled"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "Binder:812_2");
	VT_EQ_INT(ev.pid, 1240);
	VT_EQ_INT(PARSE("   vhost-1410-1411    [003] ..... 5.5: irq_handler_exit: irq=1 ret=handled"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "vhost-1410");
	VT_EQ_INT(ev.pid, 1411);
	VT_EQ_INT(PARSE("HwBinder thread-77 [000] 5.5: irq_handler_exit: irq=1 ret=handled"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "HwBinder thread");
	VT_EQ_INT(PARSE("a: 1 [x]-77 [000] 5.5: irq_handler_exit: irq=1 ret=handled"), VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "a: 1 [x]");
	VT_EQ_INT(PARSE("#hash-7 [000] 5.5: irq_handler_exit: irq=1 ret=handled"), VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "#hash");
	VT_EQ_INT(PARSE("          <...>-3979  [007]   217.975284: irq_handler_exit: irq=1 "
			"ret=handled"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "<...>");
}

VT_TEST(text_comm_truncates_to_15_chars)
{
	SETUP;

	VT_EQ_INT(PARSE("abcdefghijklmnopqrstuvwxyz-5 [000] 5.5: irq_handler_exit: irq=1 ret=handled"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.comm, "abcdefghijklmno");
}

VT_TEST(text_no_cpu_column_and_no_task_column)
{
	SETUP;

	VT_EQ_INT(PARSE("bash-12 5.5: irq_handler_exit: irq=1 ret=handled"), VD_LINE_EVENT);
	VT_EQ_INT(ev.cpu, -1);
	VT_EQ_INT(ev.pid, 12);
	/* pKVM hypervisor traces: "[%03d]\t%5llu.%06lu: " and no task */
	VT_EQ_INT(PARSE("[001]\t  5.500000: irq_handler_exit: irq=1 ret=handled"), VD_LINE_EVENT);
	VT_EQ_INT(ev.cpu, 1);
	VT_EQ_INT(ev.pid, -1);
	VT_EQ_STR(ev.comm, "");
}

VT_TEST(text_system_prefixed_event_names)
{
	SETUP;

	VT_EQ_INT(PARSE("a-1 [000] 5.5: vsock:virtio_transport_alloc_pkt: 3:1 -> 2:2 len=1 "
			"type=STREAM op=RW flags=0x0"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_PKT_ALLOC);
	VT_EQ_INT(PARSE("a-1 [000] 5.5: irq:irq_handler_exit: irq=1 ret=handled"), VD_LINE_EVENT);
	VT_EQ_INT(PARSE("a-1 [000] 5.5: kmem:kmalloc_node: call_site=ffffffff81000000 ptr=ffff1 "
			"bytes_req=1 bytes_alloc=8 gfp_flags=GFP_KERNEL node=1"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.kmalloc.node, 1);
	/* a kprobe someone named after the tracepoint is a different event */
	VT_EQ_INT(PARSE("a-1 [000] 5.5: probe:kmalloc: (__kmalloc+0x0/0x100)"), VD_LINE_UNKNOWN);
}

VT_TEST(text_other_events_are_unknown_not_malformed)
{
	SETUP;

	VT_EQ_INT(PARSE("            adbd-3803  [000] 66016.729900: sched_switch:         adbd:3803 "
			"[120] S ==> swapper/0:0 [120]"),
		  VD_LINE_UNKNOWN);
	VT_EQ_INT(PARSE("bash-1234 [000] .... 123.456: do_sys_open <-SyS_open"), VD_LINE_UNKNOWN);
	VT_EQ_INT(PARSE("bash-1234 [000] .... 123.456: tracing_mark_write: hello: world"),
		  VD_LINE_UNKNOWN);
	VT_EQ_INT(PARSE("bash-1234 [000] .... 123.456: mm_page_alloc_extfrag: page=x"),
		  VD_LINE_UNKNOWN);
	VT_EQ_INT(PARSE("bash-1234 [000] .... 123.456: kmalloc_nodes: x"), VD_LINE_UNKNOWN);
	/* unknown lines still tell which CPUs were recording */
	VT_EQ_INT(st.max_cpu, 0);
	VT_EQ_U64(st.last_ts, NS(123, 456000));
}

VT_TEST(text_crlf_and_trailing_blanks)
{
	SETUP;

	VT_EQ_INT(PARSE("a-1 [000] 5.5: irq_handler_entry: irq=3 name=virtio0-config\r"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.irq.name, "virtio0-config");
	VT_EQ_INT(PARSE("a-1 [000] 5.5: irq_handler_entry: irq=3 name=virtio0 \t \r"), VD_LINE_EVENT);
	VT_EQ_STR(ev.irq.name, "virtio0");
	VT_EQ_INT(PARSE("# tracer: nop\r"), VD_LINE_SKIP);
	VT_EQ_INT(PARSE("\r"), VD_LINE_SKIP);
}

VT_TEST(text_parses_only_the_given_length)
{
	static const char line[] = "a-1 [000] 5.5: virtio_transport_alloc_pkt: 3:1 -> 2:2 len=50 "
				   "type=STREAM op=RW flags=0x0 zcopy=true";
	SETUP;

	VT_EQ_INT(parse_exact(&st, line, strlen(line) - strlen(" zcopy=true"), &ev, &why),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.pkt.zcopy, -1);
	VT_EQ_INT(parse_exact(&st, line, strlen(line), &ev, &why), VD_LINE_EVENT);
	VT_EQ_INT(ev.pkt.zcopy, 1);
	/* a cut in the middle of the fields */
	VT_EQ_INT(parse_exact(&st, line, (size_t)(strstr(line, " type") - line), &ev, &why),
		  -EINVAL);
	VT_EQ_STR(why, "alloc_pkt: missing type");
	for (size_t n = 0; n <= strlen(line); n++)
		VT_ASSERT(parse_exact(&st, line, n, &ev, &why) >= -EINVAL);
}

/* ---- vsock packets ------------------------------------------------------ */

#define ALLOC_HEAD "adbd-3803 [001] .... 66016.717478: virtio_transport_alloc_pkt: "
#define RECV_HEAD "kworker/0:0-18178 [000] .... 66016.708919: virtio_transport_recv_pkt: "

VT_TEST(text_pkt_numeric_type_and_op)
{
	SETUP;

	VT_EQ_INT(PARSE(ALLOC_HEAD "1000:5555 -> 2:3 len=24 type=1 op=5 flags=0x0"), VD_LINE_EVENT);
	VT_EQ_INT(ev.pkt.type, VD_TYPE_STREAM);
	VT_EQ_INT(ev.pkt.op, VD_OP_RW);
	VT_EQ_INT(PARSE(ALLOC_HEAD "1000:5555 -> 2:3 len=0 type=SEQPACKET op=CREDIT_REQUEST "
				   "flags=0x0"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.pkt.type, VD_TYPE_SEQPACKET);
	VT_EQ_INT(ev.pkt.op, VD_OP_CREDIT_REQUEST);
	/* __print_symbolic() prints values it has no name for in hex */
	VT_EQ_INT(PARSE(ALLOC_HEAD "1000:5555 -> 2:3 len=0 type=0x3 op=0x9 flags=0x0"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.pkt.type, 3);
	VT_EQ_INT(ev.pkt.op, 9);
	VT_EQ_INT(PARSE(ALLOC_HEAD "1000:5555 -> 2:3 len=0 type=STREAM op=INVALID flags=0x0"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.pkt.op, VD_OP_INVALID);
}

VT_TEST(text_pkt_every_op_name)
{
	static const char *const ops[] = { "INVALID", "REQUEST", "RESPONSE", "RST", "SHUTDOWN",
					   "RW", "CREDIT_UPDATE", "CREDIT_REQUEST" };
	char line[256];
	SETUP;

	for (unsigned int i = 0; i < 8; i++) {
		snprintf(line, sizeof(line), RECV_HEAD "2:1 -> 3:2 len=0 type=STREAM op=%s flags=0x0 "
						       "buf_alloc=1 fwd_cnt=2",
			 ops[i]);
		VT_EQ_INT(PARSE(line), VD_LINE_EVENT);
		VT_EQ_INT(ev.pkt.op, i);
	}
}

VT_TEST(text_pkt_flags_hex_and_userspace_zero)
{
	SETUP;

	VT_EQ_INT(PARSE(ALLOC_HEAD "3:1 -> 2:2 len=0 type=STREAM op=SHUTDOWN flags=0x3"),
		  VD_LINE_EVENT);
	VT_EQ_U64(ev.pkt.flags, VD_SHUTDOWN_RCV | VD_SHUTDOWN_SEND);
	VT_EQ_INT(PARSE(ALLOC_HEAD "3:1 -> 2:2 len=0 type=STREAM op=RW flags=0"), VD_LINE_EVENT);
	VT_EQ_U64(ev.pkt.flags, 0);
	VT_EQ_INT(PARSE(ALLOC_HEAD "3:1 -> 2:2 len=0 type=STREAM op=RW flags=0xffffffff"),
		  VD_LINE_EVENT);
	VT_EQ_U64(ev.pkt.flags, 0xffffffffu);
	VT_EQ_INT(PARSE(ALLOC_HEAD "3:1 -> 2:2 len=0 type=STREAM op=RW flags=0x100000000"), -EINVAL);
	VT_EQ_STR(why, "alloc_pkt: bad flags");
	VT_EQ_INT(PARSE(ALLOC_HEAD "3:1 -> 2:2 len=0 type=STREAM op=RW flags=0x"), -EINVAL);
	VT_EQ_INT(PARSE(ALLOC_HEAD "3:1 -> 2:2 len=0 type=STREAM op=RW flags=0xg"), -EINVAL);
}

VT_TEST(text_pkt_zcopy_of_6_7)
{
	SETUP;

	VT_EQ_INT(PARSE(ALLOC_HEAD "3:1 -> 2:2 len=65536 type=STREAM op=RW flags=0x0 zcopy=false"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.pkt.zcopy, 0);
	VT_EQ_INT(PARSE(ALLOC_HEAD "3:1 -> 2:2 len=65536 type=STREAM op=RW flags=0x0 zcopy=true"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.pkt.zcopy, 1);
	VT_EQ_INT(PARSE(ALLOC_HEAD "3:1 -> 2:2 len=65536 type=STREAM op=RW flags=0x0 zcopy=maybe"),
		  -EINVAL);
	VT_EQ_STR(why, "alloc_pkt: bad zcopy");
}

VT_TEST(text_pkt_u32_limits)
{
	SETUP;

	VT_EQ_INT(PARSE(ALLOC_HEAD "4294967295:4294967295 -> 0:0 len=4294967295 type=STREAM op=RW "
				   "flags=0x0"),
		  VD_LINE_EVENT);
	VT_EQ_U64(ev.pkt.src_cid, 4294967295u);
	VT_EQ_U64(ev.pkt.len, 4294967295u);
	VT_EQ_INT(PARSE(ALLOC_HEAD "4294967296:1 -> 0:0 len=1 type=STREAM op=RW flags=0x0"), -EINVAL);
	VT_EQ_STR(why, "alloc_pkt: bad source address");
	VT_EQ_INT(PARSE(ALLOC_HEAD "1:1 -> 0:4294967296 len=1 type=STREAM op=RW flags=0x0"), -EINVAL);
	VT_EQ_STR(why, "alloc_pkt: bad destination address");
	VT_EQ_INT(PARSE(ALLOC_HEAD "1:1 -> 0:0 len=4294967296 type=STREAM op=RW flags=0x0"), -EINVAL);
	VT_EQ_STR(why, "alloc_pkt: bad len");
	VT_EQ_INT(PARSE(RECV_HEAD "1:1 -> 0:0 len=1 type=STREAM op=RW flags=0x0 "
				  "buf_alloc=4294967296 fwd_cnt=0"),
		  -EINVAL);
	VT_EQ_STR(why, "recv_pkt: bad buf_alloc");
	VT_EQ_INT(PARSE(RECV_HEAD "1:1 -> 0:0 len=1 type=STREAM op=RW flags=0x0 buf_alloc=1 "
				  "fwd_cnt=99999999999999999999999"),
		  -EINVAL);
	VT_EQ_STR(why, "recv_pkt: bad fwd_cnt");
	VT_EQ_INT(PARSE(ALLOC_HEAD "1:1 -> 0:0 len=1 type=65536 op=RW flags=0x0"), -EINVAL);
	VT_EQ_STR(why, "alloc_pkt: bad type");
}

VT_TEST(text_pkt_malformed_payloads_say_why)
{
	static const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{ ALLOC_HEAD "", "alloc_pkt: bad source address" },
		{ ALLOC_HEAD "3 -> 2:2 len=1 type=STREAM op=RW flags=0x0", "alloc_pkt: bad source address" },
		{ ALLOC_HEAD "3:x -> 2:2 len=1 type=STREAM op=RW flags=0x0", "alloc_pkt: bad source address" },
		{ ALLOC_HEAD ":1 -> 2:2 len=1 type=STREAM op=RW flags=0x0", "alloc_pkt: bad source address" },
		{ ALLOC_HEAD "3:1 => 2:2 len=1 type=STREAM op=RW flags=0x0", "alloc_pkt: missing '->'" },
		{ ALLOC_HEAD "3:1", "alloc_pkt: missing '->'" },
		{ ALLOC_HEAD "3:1 -> 2: len=1 type=STREAM op=RW flags=0x0", "alloc_pkt: bad destination address" },
		{ ALLOC_HEAD "3:1 ->", "alloc_pkt: bad destination address" },
		{ ALLOC_HEAD "3:1 -> 2:2 len=-1 type=STREAM op=RW flags=0x0", "alloc_pkt: bad len" },
		{ ALLOC_HEAD "3:1 -> 2:2 len= type=STREAM op=RW flags=0x0", "alloc_pkt: bad len" },
		{ ALLOC_HEAD "3:1 -> 2:2 len=1k type=STREAM op=RW flags=0x0", "alloc_pkt: bad len" },
		{ ALLOC_HEAD "3:1 -> 2:2 len=1 type=DGRAM op=RW flags=0x0", "alloc_pkt: bad type" },
		{ ALLOC_HEAD "3:1 -> 2:2 len=1 type=STREAM op=READ flags=0x0", "alloc_pkt: bad op" },
		{ ALLOC_HEAD "3:1 -> 2:2 len=1 type=STREAM op=rw flags=0x0", "alloc_pkt: bad op" },
		{ ALLOC_HEAD "3:1 -> 2:2 type=STREAM op=RW flags=0x0", "alloc_pkt: missing len" },
		{ ALLOC_HEAD "3:1 -> 2:2 len=1 op=RW flags=0x0", "alloc_pkt: missing type" },
		{ ALLOC_HEAD "3:1 -> 2:2 len=1 type=STREAM flags=0x0", "alloc_pkt: missing op" },
		{ ALLOC_HEAD "3:1 -> 2:2 len=1 type=STREAM op=RW", "alloc_pkt: missing flags" },
		{ ALLOC_HEAD "3:1 -> 2:2 len=1 len=2 type=STREAM op=RW flags=0x0", "alloc_pkt: duplicate field" },
		{ ALLOC_HEAD "3:1 -> 2:2 len=1 type=STREAM op=RW flags=0x0 junk", "alloc_pkt: field without '='" },
		{ RECV_HEAD "2:1 -> 3:2 len=1 type=STREAM op=RW flags=0x0 buf_alloc=262144", "recv_pkt: missing fwd_cnt" },
		{ RECV_HEAD "2:1 -> 3:2 len=1 type=STREAM op=RW flags=0x0 fwd_cnt=5", "recv_pkt: missing buf_alloc" },
		{ RECV_HEAD "2:1 -> 3:2 len=1 type=STREAM op=RW flags=0x0", "recv_pkt: missing buf_alloc" },
		{ RECV_HEAD "2:1 -> 3:2 len=x type=STREAM op=RW flags=0x0 buf_alloc=1 fwd_cnt=1", "recv_pkt: bad len" },
		{ RECV_HEAD "2:1 -> 3:2 len=1 type=STREAM op=RW flags=0x0 buf_alloc=1 fwd_cnt=", "recv_pkt: bad fwd_cnt" },
	};
	SETUP;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		VT_EQ_INT(PARSE(cases[i].line), -EINVAL);
		VT_EQ_STR(why, cases[i].why);
	}
}

VT_TEST(text_pkt_fields_a_newer_kernel_adds_are_ignored)
{
	SETUP;

	VT_EQ_INT(PARSE(RECV_HEAD "2:1 -> 3:2 len=1 type=STREAM op=RW flags=0x0 buf_alloc=7 fwd_cnt=9 "
				  "future=42"),
		  VD_LINE_EVENT);
	VT_EQ_U64(ev.pkt.fwd_cnt, 9);
	/* a downstream alloc_pkt that prints credit gets it used */
	VT_EQ_INT(PARSE(ALLOC_HEAD "3:2 -> 2:1 len=1 type=STREAM op=RW flags=0x0 buf_alloc=7 fwd_cnt=9"),
		  VD_LINE_EVENT);
	VT_ASSERT(ev.pkt.has_credit);
	VT_EQ_U64(ev.pkt.buf_alloc, 7);
}

/* ---- irq -------------------------------------------------------------- */

VT_TEST(text_irq_entry_and_exit)
{
	SETUP;

	VT_EQ_INT(PARSE("a-1 [000] 5.5: irq_handler_entry: irq=-1 name=PCIe PME"), VD_LINE_EVENT);
	VT_EQ_INT(ev.irq.irq, -1);
	VT_EQ_STR(ev.irq.name, "PCIe PME");
	VT_EQ_INT(PARSE("a-1 [000] 5.5: irq_handler_exit: irq=-2147483648 ret=0"), VD_LINE_EVENT);
	VT_EQ_INT(ev.irq.irq, INT32_MIN);
	VT_EQ_INT(ev.irq.ret, 0);
	VT_EQ_INT(PARSE("a-1 [000] 5.5: irq_handler_exit: irq=-2147483649 ret=0"), -EINVAL);
	VT_EQ_INT(PARSE("a-1 [000] 5.5: irq_handler_exit: irq=2147483647 ret=0"), VD_LINE_EVENT);
	VT_EQ_INT(ev.irq.irq, INT32_MAX);
	VT_EQ_INT(PARSE("a-1 [000] 5.5: irq_handler_exit: irq=- ret=0"), -EINVAL);
	VT_EQ_INT(PARSE("a-1 [000] 5.5: irq_handler_entry: irq=5 name="), VD_LINE_EVENT);
	VT_EQ_STR(ev.irq.name, "");
	VT_EQ_INT(PARSE("a-1 [000] 5.5: irq_handler_entry: irq=5 name=0123456789012345678901234567890"
			"123456789"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.irq.name, "0123456789012345678901234567890");
	VT_EQ_INT(PARSE("a-1 [000] 5.5: irq_handler_exit: irq=5 ret=handled"), VD_LINE_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_IRQ_EXIT);
	VT_EQ_INT(ev.irq.ret, 1);
	VT_EQ_STR(ev.irq.name, "");
}

VT_TEST(text_irq_malformed)
{
	static const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{ "a-1 [000] 5.5: irq_handler_entry: irq=x name=a", "irq_handler_entry: bad irq" },
		{ "a-1 [000] 5.5: irq_handler_entry: irq=2147483648 name=a", "irq_handler_entry: bad irq" },
		{ "a-1 [000] 5.5: irq_handler_entry: name=a", "irq_handler_entry: bad irq" },
		{ "a-1 [000] 5.5: irq_handler_entry:", "irq_handler_entry: bad irq" },
		{ "a-1 [000] 5.5: irq_handler_entry: irq=1", "irq_handler_entry: missing name" },
		{ "a-1 [000] 5.5: irq_handler_entry: irq=1 nam=a", "irq_handler_entry: missing name" },
		{ "a-1 [000] 5.5: irq_handler_exit: irq=1", "irq_handler_exit: missing ret" },
		{ "a-1 [000] 5.5: irq_handler_exit: irq=1 ret=maybe", "irq_handler_exit: bad ret" },
		{ "a-1 [000] 5.5: irq_handler_exit: irq= ret=handled", "irq_handler_exit: bad irq" },
	};
	SETUP;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		VT_EQ_INT(PARSE(cases[i].line), -EINVAL);
		VT_EQ_STR(why, cases[i].why);
	}
}

/* ---- kmem:mm_page_alloc ----------------------------------------------- */

#define PAGE_HEAD "adbd-3803 [001] .... 66016.717478: mm_page_alloc: "

VT_TEST(text_page_alloc_before_5_14_decimal_pfn)
{
	SETUP;

	VT_EQ_INT(PARSE(PAGE_HEAD "page=ffffea0004a3c000 pfn=1216256 order=4 migratetype=0 "
				  "gfp_flags=GFP_KERNEL|__GFP_COMP"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_PAGE_ALLOC);
	VT_EQ_U64(ev.page.pfn, 1216256);
	VT_EQ_INT(ev.page.order, 4);
	VT_EQ_INT(ev.page.migratetype, 0);
	VT_EQ_U64(ev.page.gfp, VD_GFP_KERNEL | VD_GFP_COMP);
	VT_ASSERT(!ev.page.failed);
}

VT_TEST(text_page_alloc_after_5_14_hex_pfn)
{
	SETUP;

	VT_EQ_INT(PARSE(PAGE_HEAD "page=00000000a1b2c3d4 pfn=0x12a3c0 order=5 migratetype=1 "
				  "gfp_flags=GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|"
				  "__GFP_NOMEMALLOC"),
		  VD_LINE_EVENT);
	VT_EQ_U64(ev.page.pfn, 0x12a3c0);
	VT_EQ_INT(ev.page.order, 5);
	VT_EQ_INT(ev.page.migratetype, 1);
	VT_EQ_U64(ev.page.gfp, VD_GFP_KERNEL | VD_GFP_NOWARN | VD_GFP_NORETRY | VD_GFP_COMP);
	VT_ASSERT(!ev.page.failed);
}

VT_TEST(text_page_alloc_failure_forms)
{
	static const char *const failed[] = {
		PAGE_HEAD "page=(null) pfn=0 order=4 migratetype=0 gfp_flags=GFP_KERNEL",
		PAGE_HEAD "page=0000000000000000 pfn=0x0 order=4 migratetype=0 gfp_flags=GFP_KERNEL",
		PAGE_HEAD "page=0x0 pfn=0x0 order=4 migratetype=0 gfp_flags=GFP_KERNEL",
		PAGE_HEAD "page=ffffea0000000000 pfn=18446744073709551615 order=4 migratetype=0 "
			  "gfp_flags=GFP_KERNEL",
		PAGE_HEAD "page=x pfn=0xffffffffffffffff order=4 migratetype=0 gfp_flags=GFP_KERNEL",
		PAGE_HEAD "page=x pfn=-1 order=4 migratetype=0 gfp_flags=GFP_KERNEL",
		PAGE_HEAD "pfn=-1 order=4 migratetype=0 gfp_flags=GFP_KERNEL",
	};
	SETUP;

	for (size_t i = 0; i < sizeof(failed) / sizeof(failed[0]); i++) {
		VT_EQ_INT(PARSE(failed[i]), VD_LINE_EVENT);
		VT_ASSERT(ev.page.failed);
		VT_EQ_U64(ev.page.pfn, 0);
		VT_EQ_INT(ev.page.order, 4);
	}
}

VT_TEST(text_page_alloc_malformed)
{
	static const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{ PAGE_HEAD "page=x pfn=12x order=4 migratetype=0 gfp_flags=none", "mm_page_alloc: bad pfn" },
		{ PAGE_HEAD "page=x pfn=-2 order=4 migratetype=0 gfp_flags=none", "mm_page_alloc: bad pfn" },
		{ PAGE_HEAD "page=x pfn=18446744073709551616 order=4 migratetype=0 gfp_flags=none", "mm_page_alloc: bad pfn" },
		{ PAGE_HEAD "page=x pfn=0x10000000000000000 order=4 migratetype=0 gfp_flags=none", "mm_page_alloc: bad pfn" },
		{ PAGE_HEAD "page= pfn=1 order=4 migratetype=0 gfp_flags=none", "mm_page_alloc: bad page" },
		{ PAGE_HEAD "page=x pfn=1 order=-1 migratetype=0 gfp_flags=none", "mm_page_alloc: bad order" },
		{ PAGE_HEAD "page=x pfn=1 order=4 migratetype=z gfp_flags=none", "mm_page_alloc: bad migratetype" },
		{ PAGE_HEAD "page=x pfn=1 order=4 migratetype=0 gfp_flags=", "mm_page_alloc: bad gfp_flags" },
		{ PAGE_HEAD "page=x pfn=1 order=4 migratetype=0 gfp_flags=GFP_KERNEL|%x", "mm_page_alloc: bad gfp_flags" },
		{ PAGE_HEAD "order=4 migratetype=0 gfp_flags=none", "mm_page_alloc: missing pfn" },
		{ PAGE_HEAD "page=x pfn=1 migratetype=0 gfp_flags=none", "mm_page_alloc: missing order" },
		{ PAGE_HEAD "page=x pfn=1 order=4 gfp_flags=none", "mm_page_alloc: missing migratetype" },
		{ PAGE_HEAD "page=x pfn=1 order=4 migratetype=0", "mm_page_alloc: missing gfp_flags" },
		{ PAGE_HEAD "page=x pfn=1 pfn=2 order=4 migratetype=0 gfp_flags=none", "mm_page_alloc: duplicate field" },
		{ PAGE_HEAD "page=x pfn=1 order=4 migratetype=0 gfp_flags=none ?", "mm_page_alloc: field without '='" },
	};
	SETUP;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		VT_EQ_INT(PARSE(cases[i].line), -EINVAL);
		VT_EQ_STR(why, cases[i].why);
	}
}

/* ---- gfp_flags ---------------------------------------------------------- */

VT_TEST(text_gfp_flag_forms)
{
	static const struct {
		const char *gfp;
		uint32_t bits;
		uint64_t raw;
	} cases[] = {
		{ "GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP",
		  VD_GFP_KERNEL | VD_GFP_NOWARN | VD_GFP_NORETRY | VD_GFP_COMP, 0 },
		{ "GFP_ATOMIC|__GFP_NOWARN", VD_GFP_ATOMIC | VD_GFP_NOWARN, 0 },
		{ "__GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM", VD_GFP_ATOMIC, 0 },
		{ "GFP_KERNEL|__GFP_RETRY_MAYFAIL", VD_GFP_KERNEL | VD_GFP_RETRY_MAYFAIL, 0 },
		{ "GFP_KERNEL|__GFP_REPEAT", VD_GFP_KERNEL | VD_GFP_RETRY_MAYFAIL, 0 },
		{ "GFP_NOFS|__GFP_NOFAIL", VD_GFP_NOFAIL, 0 },
		{ "GFP_TRANSHUGE", VD_GFP_COMP | VD_GFP_NOWARN, 0 },
		{ "GFP_KERNEL_ACCOUNT|__GFP_ZERO", VD_GFP_KERNEL, 0 },
		{ "GFP_NOWAIT|0x100000", 0, 0 },
		{ "0x400dc0(GFP_KERNEL_ACCOUNT|__GFP_ZERO)", VD_GFP_KERNEL, 0x400dc0 },
		{ "0xcc0", VD_GFP_RAW, 0xcc0 },
		{ "3264", VD_GFP_RAW, 3264 },
		{ "none", 0, 0 },
	};
	char line[256];
	SETUP;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), PAGE_HEAD "page=x pfn=1 order=0 migratetype=0 gfp_flags=%s",
			 cases[i].gfp);
		VT_EQ_INT(PARSE(line), VD_LINE_EVENT);
		VT_EQ_U64(ev.page.gfp, cases[i].bits);
		VT_EQ_U64(ev.page.gfp_raw, cases[i].raw);
	}
}

VT_TEST(text_gfp_malformed)
{
	static const char *const bad_gfp[] = { "0x12(", "0x12()", "0x12(GFP_KERNEL", "0xzz",
					       "12abc", "GFP_KERNEL||", "GFP-KERNEL", "(GFP_KERNEL)" };
	char line[256];
	SETUP;

	for (size_t i = 0; i < sizeof(bad_gfp) / sizeof(bad_gfp[0]); i++) {
		snprintf(line, sizeof(line), PAGE_HEAD "page=x pfn=1 order=0 migratetype=0 gfp_flags=%s",
			 bad_gfp[i]);
		VT_EQ_INT(PARSE(line), -EINVAL);
		VT_EQ_STR(why, "mm_page_alloc: bad gfp_flags");
	}
}

/* ---- kmem:kmalloc ------------------------------------------------------ */

#define KM_HEAD "adbd-3803 [001] .... 66016.717478: kmalloc: "

VT_TEST(text_kmalloc_old_hex_call_site)
{
	SETUP;

	VT_EQ_INT(PARSE(KM_HEAD "call_site=ffffffffc05d3a1e ptr=ffff8880b2a40000 bytes_req=65536 "
				"bytes_alloc=65536 gfp_flags=GFP_KERNEL"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_KMALLOC);
	VT_EQ_U64(ev.kmalloc.call_site, 0xffffffffc05d3a1eull);
	VT_EQ_STR(ev.kmalloc.call_sym, "");
	VT_EQ_U64(ev.kmalloc.ptr, 0xffff8880b2a40000ull);
	VT_EQ_U64(ev.kmalloc.bytes_req, 65536);
	VT_EQ_U64(ev.kmalloc.bytes_alloc, 65536);
	VT_EQ_U64(ev.kmalloc.gfp, VD_GFP_KERNEL);
	VT_EQ_INT(ev.kmalloc.node, -1);
	VT_ASSERT(!ev.kmalloc.failed);
}

VT_TEST(text_kmalloc_6_1_symbol_node_accounted)
{
	SETUP;

	VT_EQ_INT(PARSE(KM_HEAD "call_site=__alloc_skb+0x7b/0x1c0 ptr=000000003b1c2e4f "
				"bytes_req=65580 bytes_alloc=131072 gfp_flags=GFP_KERNEL|__GFP_NOWARN "
				"node=-1 accounted=false"),
		  VD_LINE_EVENT);
	VT_EQ_U64(ev.kmalloc.call_site, 0);
	VT_EQ_STR(ev.kmalloc.call_sym, "__alloc_skb+0x7b/0x1c0");
	VT_EQ_U64(ev.kmalloc.ptr, 0x3b1c2e4f);
	VT_EQ_U64(ev.kmalloc.bytes_req, 65580);
	VT_EQ_U64(ev.kmalloc.bytes_alloc, 131072);
	VT_EQ_U64(ev.kmalloc.gfp, VD_GFP_KERNEL | VD_GFP_NOWARN);
	VT_EQ_INT(ev.kmalloc.node, -1);
}

VT_TEST(text_kmalloc_module_symbol_and_trace_cmd_plugin)
{
	SETUP;

	VT_EQ_INT(PARSE(KM_HEAD "call_site=virtio_vsock_rx_fill+0x3c/0x120 [vmw_vsock_virtio_transport] "
				"ptr=00000000d00dfeed bytes_req=4140 bytes_alloc=8192 "
				"gfp_flags=GFP_KERNEL node=0 accounted=true"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.kmalloc.call_sym, "virtio_vsock_rx_fill+0x3c/0x120 [vmw_vsock_virt");
	VT_EQ_INT(ev.kmalloc.node, 0);
	VT_EQ_INT(PARSE(KM_HEAD "   (__kmalloc_reserve+0x3a) call_site=ffffffff8b9c1234 "
				"ptr=0xffff8881062a4000 bytes_req=65580 bytes_alloc=131072 "
				"gfp_flags=GFP_KERNEL"),
		  VD_LINE_EVENT);
	VT_EQ_STR(ev.kmalloc.call_sym, "__kmalloc_reserve+0x3a");
	VT_EQ_U64(ev.kmalloc.call_site, 0xffffffff8b9c1234ull);
	VT_EQ_U64(ev.kmalloc.ptr, 0xffff8881062a4000ull);
}

VT_TEST(text_kmalloc_failure_forms)
{
	static const char *const ptrs[] = { "(null)", "0000000000000000", "0x0", "00000000",
					    "(nil)" };
	char line[256];
	SETUP;

	for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		snprintf(line, sizeof(line),
			 KM_HEAD "call_site=f ptr=%s bytes_req=1 bytes_alloc=0 gfp_flags=GFP_ATOMIC",
			 ptrs[i]);
		VT_EQ_INT(PARSE(line), VD_LINE_EVENT);
		VT_ASSERT(ev.kmalloc.failed);
		VT_EQ_U64(ev.kmalloc.ptr, 0);
		VT_EQ_U64(ev.kmalloc.gfp, VD_GFP_ATOMIC);
	}
	/* early boot, before pointer hashing is keyed: a real allocation */
	VT_EQ_INT(PARSE(KM_HEAD "call_site=f ptr=(____ptrval____) bytes_req=1 bytes_alloc=8 "
				"gfp_flags=GFP_KERNEL"),
		  VD_LINE_EVENT);
	VT_ASSERT(!ev.kmalloc.failed);
}

VT_TEST(text_kmalloc_malformed)
{
	static const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{ KM_HEAD "call_site= ptr=1 bytes_req=1 bytes_alloc=1 gfp_flags=none", "kmalloc: bad call_site" },
		{ KM_HEAD "call_site=f ptr=zz bytes_req=1 bytes_alloc=1 gfp_flags=none", "kmalloc: bad ptr" },
		{ KM_HEAD "call_site=f ptr=1 bytes_req=-1 bytes_alloc=1 gfp_flags=none", "kmalloc: bad bytes_req" },
		{ KM_HEAD "call_site=f ptr=1 bytes_req=1 bytes_alloc=0x1 gfp_flags=none", "kmalloc: bad bytes_alloc" },
		{ KM_HEAD "call_site=f ptr=1 bytes_req=1 bytes_alloc=1 gfp_flags=", "kmalloc: bad gfp_flags" },
		{ KM_HEAD "call_site=f ptr=1 bytes_req=1 bytes_alloc=1 gfp_flags=none node=x", "kmalloc: bad node" },
		{ KM_HEAD "ptr=1 bytes_req=1 bytes_alloc=1 gfp_flags=none", "kmalloc: missing call_site" },
		{ KM_HEAD "call_site=f bytes_req=1 bytes_alloc=1 gfp_flags=none", "kmalloc: missing ptr" },
		{ KM_HEAD "call_site=f ptr=1 bytes_alloc=1 gfp_flags=none", "kmalloc: missing bytes_req" },
		{ KM_HEAD "call_site=f ptr=1 bytes_req=1 gfp_flags=none", "kmalloc: missing bytes_alloc" },
		{ KM_HEAD "call_site=f ptr=1 bytes_req=1 bytes_alloc=1", "kmalloc: missing gfp_flags" },
		{ KM_HEAD "call_site=f ptr=1 ptr=2 bytes_req=1 bytes_alloc=1 gfp_flags=none", "kmalloc: duplicate field" },
		{ KM_HEAD "call_site=f junk ptr=1 bytes_req=1 bytes_alloc=1 gfp_flags=none", "kmalloc: field without '='" },
		{ KM_HEAD "call_site=f ptr=1 [mod] bytes_req=1 bytes_alloc=1 gfp_flags=none", "kmalloc: field without '='" },
	};
	SETUP;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		VT_EQ_INT(PARSE(cases[i].line), -EINVAL);
		VT_EQ_STR(why, cases[i].why);
	}
}

/* ---- lost events and headers -------------------------------------------- */

VT_TEST(text_lost_event_markers)
{
	SETUP;

	VT_EQ_INT(PARSE("a-1 [001] 7.000001: irq_handler_exit: irq=1 ret=handled"), VD_LINE_EVENT);
	VT_EQ_INT(PARSE("CPU:1 [LOST 123 EVENTS]"), VD_LINE_LOST);
	VT_EQ_INT(ev.kind, VD_EV_LOST);
	VT_EQ_INT(ev.cpu, 1);
	VT_EQ_U64(ev.lost.count, 123);
	VT_EQ_U64(ev.ts_ns, NS(7, 1));
	VT_EQ_INT(ev.pid, -1);
	VT_EQ_INT(PARSE("CPU:0 [LOST EVENTS]"), VD_LINE_LOST);
	VT_EQ_U64(ev.lost.count, 0);
	VT_EQ_INT(PARSE("CPU:7 [204600 EVENTS DROPPED]"), VD_LINE_LOST);
	VT_EQ_INT(ev.cpu, 7);
	VT_EQ_U64(ev.lost.count, 204600);
	VT_EQ_INT(PARSE("CPU:3 [EVENTS DROPPED]"), VD_LINE_LOST);
	VT_EQ_U64(ev.lost.count, 0);
	VT_EQ_INT(st.max_cpu, 7);
}

VT_TEST(text_lost_event_marker_damage)
{
	SETUP;

	VT_EQ_INT(PARSE("CPU:1 [LOST x EVENTS]"), -EINVAL);
	VT_EQ_STR(why, "lost events: bad count");
	VT_EQ_INT(PARSE("CPU:1 [LOST 12 EVENT]"), -EINVAL);
	VT_EQ_INT(PARSE("CPU:1 [12 EVENTS DROP]"), -EINVAL);
	VT_EQ_INT(PARSE("CPU:1 [LOST 99999999999999999999 EVENTS]"), -EINVAL);
	VT_EQ_INT(PARSE("CPU:4294967296 [LOST 1 EVENTS]"), -EINVAL);
	VT_EQ_STR(why, "lost events: bad cpu");
	/* prose that merely starts with "CPU:" */
	VT_EQ_INT(PARSE("CPU: 45% user"), VD_LINE_OTHER);
	VT_EQ_INT(PARSE("CPU:1"), VD_LINE_OTHER);
	VT_EQ_INT(PARSE("CPU:1 idle"), VD_LINE_OTHER);
}

VT_TEST(text_header_overwritten_buffer)
{
	SETUP;

	VT_EQ_INT(PARSE("# entries-in-buffer/entries-written: 5/1520   #P:2"), VD_LINE_SKIP);
	VT_EQ_U64(st.header_entries, 5);
	VT_EQ_U64(st.header_written, 1520);
	VT_ASSERT(st.overwritten);
	VT_EQ_INT(st.header_ncpus, 2);

	vd_text_state_init(&st);
	VT_EQ_INT(PARSE("##### CPU 2 buffer started ####"), VD_LINE_SKIP);
	VT_ASSERT(st.overwritten);
	VT_ASSERT(!st.have_entries);

	vd_text_state_init(&st);
	VT_EQ_INT(PARSE("# entries-in-buffer/entries-written: x/1   #P:64"), VD_LINE_SKIP);
	VT_ASSERT(!st.have_entries);
	VT_EQ_INT(st.header_ncpus, 64);
	VT_EQ_INT(PARSE("#P:"), VD_LINE_SKIP);
	VT_EQ_INT(PARSE("# entries-in-buffer/entries-written: 3/"), VD_LINE_SKIP);
	VT_ASSERT(!st.have_entries);
}

VT_TEST(text_window_start_is_the_latest_cpu_start)
{
	SETUP;

	VT_EQ_U64(vd_text_window_start(&st), 0);
	VT_EQ_INT(PARSE("a-1 [000] 100.0: irq_handler_exit: irq=1 ret=handled"), VD_LINE_EVENT);
	VT_EQ_INT(PARSE("a-1 [003] 100.5: sched_switch: x"), VD_LINE_UNKNOWN);
	VT_EQ_INT(PARSE("a-1 [000] 100.7: irq_handler_exit: irq=1 ret=handled"), VD_LINE_EVENT);
	VT_EQ_INT(PARSE("a-1 [003] 100.9: irq_handler_exit: irq=1 ret=handled"), VD_LINE_EVENT);
	VT_EQ_U64(vd_text_window_start(&st), NS(100, 500000));
	/* CPUs past what we track still parse */
	VT_EQ_INT(PARSE("a-1 [5000] 200.0: irq_handler_exit: irq=1 ret=handled"), VD_LINE_EVENT);
	VT_EQ_INT(ev.cpu, 5000);
	VT_EQ_INT(st.max_cpu, 5000);
	VT_EQ_U64(vd_text_window_start(&st), NS(100, 500000));
}

VT_TEST(text_garbage_never_crashes)
{
	static const char *const junk[] = {
		":", ": ", " : ", "-1 [0] 1: x", "[", "[]", "[0]", "[0] 1:", "[0] 1: ",
		"a-1 [0] .... 1: :", "a-1 [0] 1: vsock:", "a-1 [0] 1: vsock::", "a-1 [0] 1: :x: ",
		"a-1 [0] 1: virtio_transport_alloc_pkt:", "a-1 (-) [0] 1: x: y", ")-1 [0] 1: x: y",
		"\xc2", "\xa0", "\xc2\xa0", "a-1 [0]\xc2\xa0\xc2\xa0\x31: irq_handler_exit: irq=1 ret=1",
		"##### CPU ", "CPU:", "CPU", "cpus=", "cpus=99999999999", "CPU  is empty",
	};
	SETUP;

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		int ret = PARSE(junk[i]);

		VT_ASSERT(ret == -EINVAL || (ret >= VD_LINE_SKIP && ret <= VD_LINE_OTHER));
	}
	VT_EQ_INT(PARSE("a-1 [0]\xc2\xa0\xc2\xa0\x31: irq_handler_exit: irq=1 ret=1"), VD_LINE_EVENT);
	VT_EQ_INT(ev.irq.ret, 1);
}

/* ---- the source: files, buffers, statistics ----------------------------- */

VT_TEST(text_source_seed_linux_fixture)
{
	struct vd_source *src = open_src(fixture("seed_linux.txt"));
	const struct vd_source_stats *s;
	struct vd_event evs[4];

	VT_ASSERT(src);
	VT_EQ_INT(vd_source_format(src), VD_FMT_FTRACE_TEXT);
	VT_EQ_INT(drain(src, evs, 4), 1);
	s = vd_source_stats(src);
	VT_EQ_INT(evs[0].kind, VD_EV_PKT_ALLOC);
	VT_EQ_STR(evs[0].comm, "->vsock:1000:55");
	VT_EQ_U64(evs[0].lineno, 12);
	VT_EQ_U64(s->lines, 12);
	VT_EQ_U64(s->events, 1);
	VT_EQ_U64(s->malformed, 0);
	VT_EQ_U64(s->unknown_events, 0);
	VT_EQ_U64(s->header_entries, 1);
	VT_EQ_U64(s->header_written, 1);
	VT_EQ_INT(s->ncpus, 3);
	VT_EQ_U64(s->first_ts, NS(18409, 529434));
	VT_EQ_U64(s->last_ts, NS(18409, 529434));
	VT_EQ_U64(s->window_start, s->first_ts);
	VT_ASSERT(!s->window_truncated);
	VT_ASSERT(!s->truncated_line);
	vd_source_close(src);
}

VT_TEST(text_source_seed_android_fixture)
{
	struct vd_source *src = open_src(fixture("seed_android.txt"));
	const struct vd_source_stats *s;
	struct vd_event evs[8];

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, evs, 8), 5);
	s = vd_source_stats(src);
	VT_EQ_INT(evs[0].kind, VD_EV_IRQ_ENTRY);
	VT_EQ_INT(evs[1].kind, VD_EV_PKT_RECV);
	VT_EQ_U64(evs[1].pkt.fwd_cnt, 7336588);
	VT_EQ_INT(evs[2].kind, VD_EV_PKT_ALLOC);
	VT_EQ_INT(evs[4].pkt.len, 25);
	VT_EQ_U64(evs[4].lineno, 16);
	VT_EQ_U64(s->lines, 16);
	VT_EQ_U64(s->malformed, 0);
	VT_EQ_INT(s->ncpus, 2);
	VT_EQ_U64(s->header_entries, 4);
	VT_EQ_U64(s->first_ts, NS(66016, 708821));
	VT_EQ_U64(s->last_ts, NS(66016, 729812));
	VT_EQ_U64(s->window_start, NS(66016, 708821));
	vd_source_close(src);
}

/* Every variant fixture reads cleanly, with the events it holds. */
VT_TEST(text_source_every_fixture)
{
	static const struct {
		const char *name;
		int events;
		int unknown;
		int lost_markers;
		bool truncated;
	} fx[] = {
		{ "trace_pipe.txt", 6, 0, 0, false },	   { "tgid.txt", 3, 0, 0, false },
		{ "noirqinfo.txt", 3, 0, 0, false },	   { "tracecmd_report.txt", 7, 1, 1, false },
		{ "numeric.txt", 3, 0, 0, false },	   { "zcopy.txt", 3, 0, 0, false },
		{ "flags5.txt", 3, 0, 0, false },	   { "page_alloc_old.txt", 3, 0, 0, false },
		{ "page_alloc_new.txt", 4, 0, 0, false },  { "kmalloc_old.txt", 4, 0, 0, false },
		{ "kmalloc_new.txt", 3, 0, 0, false },	   { "overwritten.txt", 5, 0, 0, true },
		{ "lost_events.txt", 5, 0, 2, false },	   { "flags7_rt.txt", 3, 0, 0, false },
		{ "flags7_rhel.txt", 3, 0, 0, false },	   { "flags5_lazy.txt", 3, 0, 0, false },
		{ "flags_dovetail.txt", 3, 0, 0, false },  { "null_page64.txt", 3, 0, 0, false },
		{ "null_ptr64.txt", 4, 0, 0, false },	   { "null_ptr32.txt", 4, 0, 0, false },
	};

	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		struct vd_source *src = open_src(fixture(fx[i].name));
		const struct vd_source_stats *s;

		VT_ASSERT(src);
		VT_EQ_INT(drain(src, NULL, 0), fx[i].events);
		s = vd_source_stats(src);
		if (s->malformed)
			printf("fixture %s\n", fx[i].name);
		VT_EQ_U64(s->malformed, 0);
		VT_EQ_U64(s->unknown_events, fx[i].unknown);
		VT_EQ_U64(s->lost_markers, fx[i].lost_markers);
		VT_EQ_INT(s->window_truncated, fx[i].truncated);
		VT_ASSERT(!s->truncated_line);
		vd_source_close(src);
	}
}

VT_TEST(text_source_trace_cmd_report_fixture)
{
	struct vd_source *src = open_src(fixture("tracecmd_report.txt"));
	const struct vd_source_stats *s;
	struct vd_event evs[8];

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, evs, 8), 7);
	s = vd_source_stats(src);
	VT_EQ_INT(s->ncpus, 2);
	VT_EQ_U64(s->lost_events, 120);
	VT_ASSERT(!s->lost_unknown);
	VT_EQ_INT(evs[4].kind, VD_EV_LOST);
	VT_EQ_U64(evs[4].ts_ns, NS(66016, 717478));
	VT_EQ_STR(evs[5].kmalloc.call_sym, "__kmalloc_reserve+0x3a");
	VT_EQ_U64(evs[6].ts_ns, 66016729812123ull);
	VT_EQ_U64(s->last_ts, 66016729812123ull);
	vd_source_close(src);
}

VT_TEST(text_source_overwritten_buffer_window)
{
	struct vd_source *src = open_src(fixture("overwritten.txt"));
	const struct vd_source_stats *s;

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, NULL, 0), 5);
	s = vd_source_stats(src);
	VT_ASSERT(s->window_truncated);
	VT_EQ_U64(s->header_entries, 5);
	VT_EQ_U64(s->header_written, 1520);
	VT_EQ_U64(s->first_ts, NS(100, 100));
	VT_EQ_U64(s->window_start, NS(100, 500000));
	vd_source_close(src);
}

VT_TEST(text_source_buffer_started_line_alone_truncates)
{
	const char *path = write_str("started.txt",
				     "##### CPU 0 buffer started ####\n"
				     "a-1 [000] 10.0: irq_handler_exit: irq=1 ret=handled\n"
				     "##### CPU 1 buffer started ####\n"
				     "a-1 [001] 12.0: irq_handler_exit: irq=1 ret=handled\n"
				     "a-1 [000] 13.0: irq_handler_exit: irq=1 ret=handled\n");
	struct vd_source *src = open_src(path);
	const struct vd_source_stats *s;

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, NULL, 0), 3);
	s = vd_source_stats(src);
	VT_ASSERT(s->window_truncated);
	VT_EQ_U64(s->window_start, NS(12, 0));
	VT_EQ_INT(s->ncpus, 2);
	vd_source_close(src);
}

VT_TEST(text_source_lost_events_stats)
{
	struct vd_source *src = open_src(fixture("lost_events.txt"));
	const struct vd_source_stats *s;
	struct vd_event evs[8];

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, evs, 8), 5);
	s = vd_source_stats(src);
	VT_EQ_U64(s->lost_markers, 2);
	VT_EQ_U64(s->lost_events, 123);
	VT_ASSERT(s->lost_unknown);
	VT_EQ_INT(evs[1].kind, VD_EV_LOST);
	VT_EQ_INT(evs[1].cpu, 0);
	VT_EQ_U64(evs[1].lineno, 2);
	/* lost markers carry no time of their own: they do not move first/last */
	VT_EQ_U64(s->first_ts, NS(66016, 717478));
	VT_EQ_U64(s->last_ts, NS(66016, 729808));
	VT_ASSERT(!s->window_truncated);
	vd_source_close(src);
}

VT_TEST(text_source_crlf_file)
{
	const char *path = write_str("crlf.txt",
				     "# tracer: nop\r\n#\r\n# entries-in-buffer/entries-written: 2/2   #P:2\r\n"
				     "a-1 [000] 10.0: irq_handler_entry: irq=1 name=virtio6\r\n"
				     "a-1 [001] 11.0: irq_handler_exit: irq=1 ret=handled\r\n");
	struct vd_source *src = open_src(path);
	struct vd_event evs[4];

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, evs, 4), 2);
	VT_EQ_STR(evs[0].irq.name, "virtio6");
	VT_EQ_INT(evs[1].irq.ret, 1);
	VT_EQ_U64(vd_source_stats(src)->malformed, 0);
	VT_EQ_INT(vd_source_stats(src)->ncpus, 2);
	vd_source_close(src);
}

VT_TEST(text_source_last_line_without_newline)
{
	const char *path = write_str("nonl.txt",
				     "a-1 [000] 10.0: irq_handler_exit: irq=1 ret=handled\n"
				     "a-1 [000] 11.0: irq_handler_entry: irq=1 name=virtio6");
	struct vd_source *src = open_src(path);
	const struct vd_source_stats *s;
	struct vd_event evs[4];

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, evs, 4), 2);
	s = vd_source_stats(src);
	VT_ASSERT(s->truncated_line);
	VT_EQ_STR(evs[1].irq.name, "virtio6");
	VT_EQ_U64(evs[1].lineno, 2);
	VT_EQ_U64(s->lines, 2);
	vd_source_close(src);
}

VT_TEST(text_source_cut_last_line_is_malformed)
{
	const char *path = write_str("cut.txt",
				     "a-1 [000] 10.0: irq_handler_exit: irq=1 ret=handled\n"
				     "a-1 [000] 11.0: virtio_transport_recv_pkt: 2:1 -> 3:2 len=5 type=ST");
	struct vd_source *src;
	const struct vd_source_stats *s;
	char *out;

	capture_begin();
	src = open_src(path);
	VT_ASSERT(src);
	VT_EQ_INT(drain(src, NULL, 0), 1);
	out = capture_end();
	s = vd_source_stats(src);
	VT_ASSERT(s->truncated_line);
	VT_EQ_U64(s->malformed, 1);
	VT_ASSERT(strstr(out, "cut.txt:2: recv_pkt: bad type: skipped"));
	vd_source_close(src);
}

VT_TEST(text_source_over_long_line_is_skipped)
{
	size_t long_len = 3u << 20; /* longer than the 1 MiB buffer */
	const char *head = "a-1 [000] 10.0: irq_handler_exit: irq=1 ret=handled\n";
	const char *tail = "a-1 [000] 12.0: irq_handler_exit: irq=2 ret=handled\n";
	size_t hl = strlen(head), tl = strlen(tail);
	char *data = malloc(hl + long_len + 1 + tl);
	struct vd_source *src;
	struct vd_event evs[4];
	const char *path;
	char *out;

	memcpy(data, head, hl);
	memset(data + hl, 'x', long_len);
	data[hl + long_len] = '\n';
	memcpy(data + hl + long_len + 1, tail, tl);
	path = write_tmp("long.txt", data, hl + long_len + 1 + tl);
	free(data);
	capture_begin();
	src = open_src(path);
	VT_ASSERT(src);
	VT_EQ_INT(drain(src, evs, 4), 2);
	out = capture_end();
	VT_EQ_INT(evs[1].irq.irq, 2);
	VT_EQ_U64(evs[1].lineno, 3);
	VT_EQ_U64(vd_source_stats(src)->malformed, 1);
	VT_EQ_U64(vd_source_stats(src)->lines, 3);
	VT_ASSERT(strstr(out, "long.txt:2: line too long: skipped"));
	vd_source_close(src);
}

VT_TEST(text_source_over_long_last_line_without_newline)
{
	const char *path = write_str("longend.txt",
				     "a-1 [000] 10.0: irq_handler_exit: irq=1 ret=handled\n"
				     "a-1 [000] 11.0: irq_handler_entry: irq=1 name=a-very-long-name");
	size_t saved = vd_text_read_bufsize;
	struct vd_source *src;

	vd_text_read_bufsize = 60;
	capture_begin();
	src = open_src(path);
	vd_text_read_bufsize = saved;
	VT_ASSERT(src);
	VT_EQ_INT(drain(src, NULL, 0), 1);
	capture_end();
	VT_ASSERT(vd_source_stats(src)->truncated_line);
	VT_EQ_U64(vd_source_stats(src)->malformed, 1);
	vd_source_close(src);
}

/* Every buffer size cuts lines at a different place: the events never change. */
VT_TEST(text_source_same_events_with_any_buffer_size)
{
	size_t saved = vd_text_read_bufsize;
	struct vd_event ref[8], got[8];
	struct vd_source *src;

	src = open_src(fixture("seed_android.txt"));
	VT_ASSERT(src);
	VT_EQ_INT(drain(src, ref, 8), 5);
	vd_source_close(src);
	for (size_t size = 16; size < 400; size += 7) {
		vd_text_read_bufsize = size;
		capture_begin();
		src = open_src(fixture("seed_android.txt"));
		vd_text_read_bufsize = saved;
		if (!src) {
			capture_end();
			VT_ASSERT(src);
		}
		/* lines longer than the buffer are skipped, the others come out the same */
		for (int n = drain(src, got, 8), i = 0, j = 0; i < n && j < 5; i++, j++) {
			while (j < 5 && ref[j].lineno != got[i].lineno)
				j++;
			VT_ASSERT(j < 5);
			VT_ASSERT(!memcmp(&ref[j], &got[i], sizeof(got[i])));
		}
		if (size >= 200)
			VT_EQ_U64(vd_source_stats(src)->events, 5);
		vd_source_close(src);
		capture_end();
	}
}

VT_TEST(text_source_rewind_restarts_events_and_stats)
{
	struct vd_source *src = open_src(fixture("tracecmd_report.txt"));
	struct vd_source_stats first;
	struct vd_event a[8], b[8], ev;

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, a, 8), 7);
	first = *vd_source_stats(src);
	VT_EQ_INT(vd_source_rewind(src), 0);
	/* the pass read to the end: its events are replayed, its statistics kept */
	VT_ASSERT(vd_source_stats_equal(&first, vd_source_stats(src)));
	VT_EQ_INT(drain(src, b, 8), 7);
	VT_ASSERT(!memcmp(a, b, sizeof(a[0]) * 7));
	VT_ASSERT(vd_source_stats_equal(&first, vd_source_stats(src)));
	/* rewinding halfway through, too */
	VT_EQ_INT(vd_source_rewind(src), 0);
	VT_EQ_INT(vd_source_next(src, &ev), 1);
	VT_EQ_INT(vd_source_rewind(src), 0);
	VT_EQ_INT(drain(src, b, 8), 7);
	VT_ASSERT(vd_source_stats_equal(&first, vd_source_stats(src)));
	/* and at the end it stays at the end */
	VT_EQ_INT(vd_source_next(src, &ev), 0);
	vd_source_close(src);
}

/* without the cache, every pass parses again and the statistics restart */
VT_TEST(text_source_rewind_without_cache_restarts_stats)
{
	struct vd_source *src;
	struct vd_source_stats first;
	struct vd_event a[8], b[8];

	setenv("VSOCKDIAG_CACHE", "0", 1);
	src = open_src(fixture("tracecmd_report.txt"));
	unsetenv("VSOCKDIAG_CACHE");
	VT_ASSERT(src);
	VT_EQ_INT(drain(src, a, 8), 7);
	first = *vd_source_stats(src);
	VT_EQ_INT(vd_source_rewind(src), 0);
	VT_EQ_U64(vd_source_stats(src)->events, 0);
	VT_EQ_U64(vd_source_stats(src)->lines, 0);
	VT_EQ_INT(drain(src, b, 8), 7);
	VT_ASSERT(!memcmp(a, b, sizeof(a[0]) * 7));
	VT_ASSERT(vd_source_stats_equal(&first, vd_source_stats(src)));
	vd_source_close(src);
}

VT_TEST(text_source_warnings_are_limited_and_not_repeated_on_rewind)
{
	char data[8192] = "";
	unsigned int saved = vd_log_warn_limit;
	struct vd_source *src;
	const char *path;
	char *out;

	strcat(data, "$ cat trace\n");
	for (int i = 0; i < 30; i++)
		strcat(data, "a-1 [000] 10.0: irq_handler_exit: irq=1 ret=maybe\n");
	strcat(data, "a-1 [000] 11.0: irq_handler_exit: irq=1 ret=handled\n");
	strcat(data, "# 2nd prompt\nroot@host:~# exit\n");
	path = write_str("warn.txt", data);
	vd_log_warn_limit = 5;
	capture_begin();
	src = open_src(path);
	VT_ASSERT(src);
	VT_EQ_INT(drain(src, NULL, 0), 1);
	VT_EQ_INT(vd_source_rewind(src), 0);
	VT_EQ_INT(drain(src, NULL, 0), 1);
	out = capture_end();
	vd_log_warn_limit = saved;
	VT_EQ_INT(count_str(out, "irq_handler_exit: bad ret: skipped"), 5);
	VT_ASSERT(strstr(out, "warn.txt:2: irq_handler_exit: bad ret: skipped"));
	VT_ASSERT(strstr(out, "warn.txt:6: irq_handler_exit: bad ret: skipped"));
	VT_EQ_INT(count_str(out, "25 more malformed lines in "), 1);
	VT_EQ_INT(count_str(out, "not a trace line, skipped"), 1);
	VT_ASSERT(strstr(out, "warn.txt:1: not a trace line, skipped"));
	VT_EQ_U64(vd_source_stats(src)->malformed, 30);
	VT_EQ_U64(vd_source_stats(src)->lines, 34);
	vd_source_close(src);
}

VT_TEST(text_source_ncpus_from_events_without_header)
{
	const char *path = write_str("nohdr.txt",
				     "a-1 [000] 10.0: irq_handler_exit: irq=1 ret=handled\n"
				     "a-1 [005] 11.0: sched_switch: x\n\n\n");
	struct vd_source *src = open_src(path);
	const struct vd_source_stats *s;

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, NULL, 0), 1);
	s = vd_source_stats(src);
	VT_EQ_INT(s->ncpus, 6);
	VT_EQ_U64(s->unknown_events, 1);
	VT_EQ_U64(s->lines, 4);
	VT_EQ_U64(s->header_entries, 0);
	VT_EQ_U64(s->window_start, NS(10, 0));
	vd_source_close(src);
}

VT_TEST(text_source_no_events_at_all)
{
	const char *path = write_str("empty.txt", "# tracer: nop\n#\n");
	struct vd_source *src = open_src(path);
	const struct vd_source_stats *s;

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, NULL, 0), 0);
	s = vd_source_stats(src);
	VT_EQ_U64(s->first_ts, 0);
	VT_EQ_U64(s->last_ts, 0);
	VT_EQ_U64(s->window_start, 0);
	VT_EQ_INT(s->ncpus, 0);
	vd_source_close(src);
}

VT_TEST(text_source_first_and_last_are_min_and_max)
{
	const char *path = write_str("order.txt",
				     "a-1 [001] 10.5: irq_handler_exit: irq=1 ret=handled\n"
				     "a-1 [000] 10.2: irq_handler_exit: irq=1 ret=handled\n"
				     "a-1 [001] 10.4: irq_handler_exit: irq=1 ret=handled\n");
	struct vd_source *src = open_src(path);

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, NULL, 0), 3);
	VT_EQ_U64(vd_source_stats(src)->first_ts, NS(10, 200000));
	VT_EQ_U64(vd_source_stats(src)->last_ts, NS(10, 500000));
	vd_source_close(src);
}

/* ---- vsockdiag record's markers (ftrace:print) ---------------------------- */

/* trace-cmd report of a vsockdiag record .dat, as in examples/lab/ */
static const char mark_report_line[] =
	"       vsockdiag-138   [000]    12.823617: print:                tracing_mark_write: "
	"vsockdiag-clock start seq=0";

VT_TEST(text_mark_trace_cmd_report_form)
{
	SETUP;

	VT_EQ_INT(PARSE(mark_report_line), VD_LINE_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_MARK);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_START);
	VT_EQ_U64(ev.ts_ns, NS(12, 823617));
	VT_EQ_INT(ev.cpu, 0);
	VT_EQ_INT(ev.pid, 138);
	VT_EQ_STR(ev.comm, "vsockdiag");
	VT_EQ_U64(st.last_ts, NS(12, 823617));

	VT_EQ_INT(PARSE("       vsockdiag-146   [003]   140.820011: print:                "
			"tracing_mark_write: vsockdiag-clock stop seq=0"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_MARK);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_STOP);
	VT_EQ_U64(ev.ts_ns, NS(140, 820011));
	VT_EQ_INT(ev.cpu, 3);
	VT_EQ_INT(ev.pid, 146);
	VT_EQ_INT(st.max_cpu, 3);

	/* with the system, as "SYSTEM:EVENT:" lines print it */
	VT_EQ_INT(PARSE("vsockdiag-146 [001] 140.820011: ftrace:print: tracing_mark_write: "
			"vsockdiag-clock stop seq=0"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_STOP);
	/* nanosecond timestamps (trace-cmd report -t) */
	VT_EQ_INT(PARSE("vsockdiag-146 [001] 140.820011123: print: tracing_mark_write: "
			"vsockdiag-clock start seq=0"),
		  VD_LINE_EVENT);
	VT_EQ_U64(ev.ts_ns, 140820011123ull);
}

/* cat trace: the print event shows only "%ps: %s" of its ip and text */
VT_TEST(text_mark_cat_trace_form)
{
	SETUP;

	VT_EQ_INT(PARSE("       vsockdiag-4021    [002] ..... 5012.000123: tracing_mark_write: "
			"vsockdiag-clock start seq=0"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.kind, VD_EV_MARK);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_START);
	VT_EQ_U64(ev.ts_ns, NS(5012, 123));
	VT_EQ_INT(ev.cpu, 2);
	VT_EQ_INT(ev.pid, 4021);
	VT_EQ_STR(ev.comm, "vsockdiag");

	/* TGID column, irq-info flags, a comm with a space */
	VT_EQ_INT(PARSE("  my recorder-4021    (   4000) [002] d..1. 5013.5: tracing_mark_write: "
			"vsockdiag-clock stop seq=0"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_STOP);
	VT_EQ_STR(ev.comm, "my recorder");
	VT_EQ_INT(ev.pid, 4021);
	VT_EQ_U64(ev.ts_ns, NS(5013, 500000));

	VT_EQ_INT(PARSE("vsockdiag-1 [000] 1.000001: ftrace:tracing_mark_write: "
			"vsockdiag-clock stop seq=0"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_STOP);

	/* pasted: no-break spaces, CRLF, trailing blanks */
	VT_EQ_INT(PARSE("\xc2\xa0vsockdiag-7 \xc2\xa0 [000] .... 9.5: tracing_mark_write:\xc2\xa0"
			"vsockdiag-clock\xc2\xa0start seq=0 \r"),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_START);
	VT_EQ_INT(ev.pid, 7);
}

/* only seq=0 of start and stop is the event: the rest stay other events */
VT_TEST(text_mark_only_seq0_of_start_and_stop)
{
	static const char *const other[] = {
		/* the later clock stamps */
		"vsockdiag-1 [000] 1.0: print: tracing_mark_write: vsockdiag-clock start seq=1",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock stop seq=7",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock start seq=10",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock start seq=00",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock start seq=0x0",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock start seq=",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock start seq=-0",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock start",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock seq=0",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock",
		"vsockdiag-1 [000] 1.0: tracing_mark_write:",
		"vsockdiag-1 [000] 1.0: print:",
		"vsockdiag-1 [000] 1.0: print: tracing_mark_write:",
		/* garbage after it, or glued to it */
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock start seq=0 x",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock stop seq=0 seq=0",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock start seq=0\\n",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock start seq=0\x01",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock startseq=0",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clockstart seq=0",
		"vsockdiag-1 [000] 1.0: tracing_mark_write:vsockdiag-clock start seq=0",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock restart seq=0",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock START seq=0",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clock stop seq=0 \xc2",
		"vsockdiag-1 [000] 1.0: tracing_mark_write: x vsockdiag-clock start seq=0",
		/* what collectors/meta.c writes into the .dat's options, not trace_marker */
		"vsockdiag-1 [000] 1.0: tracing_mark_write: vsockdiag-clocks 1",
		/* a user's own markers */
		"bash-812 [001] 1.0: tracing_mark_write: hello from the test script",
		"bash-812 [001] 1.0: print: tracing_mark_write: start seq=0",
		"bash-812 [001] 1.0: tracing_mark_write: my vsockdiag-clock start seq=0",
		/* trace_printk() from some function, and other systems' events named print */
		"kworker/0:1-9 [000] 1.0: print: my_driver_fn: vsockdiag-clock start seq=0",
		"kworker/0:1-9 [000] 1.0: my_driver_fn: vsockdiag-clock start seq=0",
		"a-1 [000] 1.0: kprobes:print: tracing_mark_write: vsockdiag-clock start seq=0",
		"a-1 [000] 1.0: foo:tracing_mark_write: vsockdiag-clock start seq=0",
		"a-1 [000] 1.0: print: tracing_mark_write+0x6c/0x100: vsockdiag-clock start seq=0",
		/* a damaged prefix: other event, as print lines always were, never malformed */
		"vsockdiag-4294967296 [000] 1.0: tracing_mark_write: vsockdiag-clock start seq=0",
		"vsockdiag-1 [4294967296] 1.0: print: tracing_mark_write: vsockdiag-clock stop "
		"seq=0",
		"vsockdiag-1 [000] 18446744073709551616.0: tracing_mark_write: vsockdiag-clock "
		"stop seq=0",
	};
	SETUP;

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		int ret = PARSE(other[i]);

		if (ret != VD_LINE_UNKNOWN) {
			vt_fail(__FILE__, __LINE__, "'%s': %d (%s), expected VD_LINE_UNKNOWN",
				other[i], ret,
				ret == VD_LINE_EVENT ? vd_ev_kind_name(ev.kind) : "");
			return;
		}
	}
}

/* every cut of a marker line: never a read past its end, a mark only when whole */
VT_TEST(text_mark_truncated_lines)
{
	static const char *const lines[] = {
		mark_report_line,
		"  vsockdiag-4021  (   4000) [002] d..1. 5013.5: tracing_mark_write: "
		"vsockdiag-clock stop seq=0",
		"\xc2\xa0vsockdiag-7 \xc2\xa0 [000] 9.5: ftrace:print:\xc2\xa0tracing_mark_write:"
		"\xc2\xa0vsockdiag-clock\xc2\xa0start\xc2\xa0seq=0",
	};
	SETUP;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t len = strlen(lines[i]);

		for (size_t n = 0; n <= len; n++) {
			int ret = parse_exact(&st, lines[i], n, &ev, &why);

			VT_ASSERT(ret != -EINVAL);
			if (n < len && ret == VD_LINE_EVENT) {
				vt_fail(__FILE__, __LINE__, "'%.*s' (cut at %zu) is an event",
					(int)n, lines[i], n);
				return;
			}
		}
		VT_EQ_INT(parse_exact(&st, lines[i], len, &ev, &why), VD_LINE_EVENT);
		VT_EQ_INT(ev.kind, VD_EV_MARK);
	}
}

/* a vsockdiag record recording, as trace-cmd report prints it */
static const char mark_file[] =
	"cpus=2\n"
	"       vsockdiag-138   [000]    12.823617: print:                tracing_mark_write: "
	"vsockdiag-clock start seq=0\n"
	"       vsockdiag-138   [000]    12.824117: print:                tracing_mark_write: "
	"vsockdiag-clock start seq=1\n"
	"       vsockdiag-138   [000]    12.900000: print:                tracing_mark_write: "
	"hello\n"
	"          <idle>-0     [001]    13.000001: irq_handler_entry:    irq=41 name=virtio1\n"
	"          <idle>-0     [001]    13.000002: irq_handler_exit:     irq=41 ret=handled\n"
	"       vsockdiag-138   [001]    20.500000: print:                tracing_mark_write: "
	"vsockdiag-clock stop seq=0\n"
	"       vsockdiag-138   [001]    20.500300: print:                tracing_mark_write: "
	"vsockdiag-clock stop seq=1\n";

/*
 * A reader sees marks only when it asks; the statistics are the same either
 * way, and what they were before markers were events: marks count as other
 * events, never in events or first/last.
 */
VT_TEST(text_source_marks_on_request_statistics_unchanged)
{
	const char *path = write_str("marks.txt", mark_file);
	struct vd_source_stats off;
	struct vd_source *src = open_src(path);
	const struct vd_source_stats *s;
	struct vd_event evs[8];

	VT_ASSERT(src);
	VT_EQ_INT(drain(src, evs, 8), 2);
	VT_EQ_INT(evs[0].kind, VD_EV_IRQ_ENTRY);
	VT_EQ_INT(evs[1].kind, VD_EV_IRQ_EXIT);
	s = vd_source_stats(src);
	VT_EQ_U64(s->lines, 8);
	VT_EQ_U64(s->events, 2);
	VT_EQ_U64(s->unknown_events, 5);
	VT_EQ_U64(s->malformed, 0);
	VT_EQ_U64(s->first_ts, NS(13, 1));
	VT_EQ_U64(s->last_ts, NS(13, 2));
	VT_EQ_U64(s->window_start, s->first_ts);
	VT_EQ_INT(s->ncpus, 2);
	off = *s;

	vd_source_set_marks(src, true);
	VT_EQ_INT(vd_source_rewind(src), 0);
	for (int pass = 0; pass < 2; pass++) { /* a rewind keeps the setting */
		VT_EQ_INT(drain(src, evs, 8), 4);
		VT_EQ_INT(evs[0].kind, VD_EV_MARK);
		VT_EQ_INT(evs[0].mark.what, VD_MARK_RECORDER_START);
		VT_EQ_U64(evs[0].ts_ns, NS(12, 823617));
		VT_EQ_U64(evs[0].lineno, 2);
		VT_EQ_INT(evs[0].pid, 138);
		VT_EQ_INT(evs[0].cpu, 0);
		VT_EQ_STR(evs[0].comm, "vsockdiag");
		VT_EQ_INT(evs[1].kind, VD_EV_IRQ_ENTRY);
		VT_EQ_INT(evs[2].kind, VD_EV_IRQ_EXIT);
		VT_EQ_INT(evs[3].kind, VD_EV_MARK);
		VT_EQ_INT(evs[3].mark.what, VD_MARK_RECORDER_STOP);
		VT_EQ_U64(evs[3].ts_ns, NS(20, 500000));
		VT_EQ_U64(evs[3].lineno, 7);
		VT_EQ_INT(evs[3].cpu, 1);
		VT_ASSERT(vd_source_stats_equal(&off, vd_source_stats(src)));
		VT_EQ_INT(vd_source_rewind(src), 0);
	}
	vd_source_set_marks(src, false);
	VT_EQ_INT(drain(src, NULL, 0), 2);
	VT_ASSERT(vd_source_stats_equal(&off, vd_source_stats(src)));
	vd_source_close(src);
}

/* the lab's real recordings: one start and one stop each, nothing else changes */
VT_TEST(text_source_marks_in_lab_recordings)
{
	static const struct {
		const char *path;
		uint64_t start, stop;
	} lab[] = {
		{ "examples/lab/stall/host.txt", NS(9, 297302), NS(70, 459449) },
		{ "examples/lab/socat/guest.txt", NS(12, 82939), NS(106, 246248) },
		{ "examples/lab/socat/host.txt", NS(9, 475923), NS(140, 820011) },
	};

	for (size_t i = 0; i < sizeof(lab) / sizeof(lab[0]); i++) {
		struct vd_source *src = open_src(lab[i].path);
		struct vd_source_stats off;
		struct vd_event ev;
		int n = 0, marks = 0, ret;

		if (!src) /* VD_FIXTURES builds run elsewhere: the examples are the repo's */
			return;
		VT_ASSERT(drain(src, NULL, 0) > 0);
		off = *vd_source_stats(src);
		vd_source_set_marks(src, true);
		VT_EQ_INT(vd_source_rewind(src), 0);
		while ((ret = vd_source_next(src, &ev)) == 1) {
			n++;
			if (ev.kind != VD_EV_MARK)
				continue;
			VT_EQ_STR(ev.comm, "vsockdiag");
			if (marks == 0) {
				VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_START);
				VT_EQ_U64(ev.ts_ns, lab[i].start);
				VT_EQ_U64(ev.lineno, 2);
			} else {
				VT_EQ_INT(ev.mark.what, VD_MARK_RECORDER_STOP);
				VT_EQ_U64(ev.ts_ns, lab[i].stop);
			}
			marks++;
		}
		VT_EQ_INT(ret, 0);
		VT_EQ_INT(marks, 2);
		VT_EQ_U64((uint64_t)n, off.events + 2);
		VT_ASSERT(vd_source_stats_equal(&off, vd_source_stats(src)));
		vd_source_close(src);
	}
}

/* ---- every irq-info layout, padded %p "(null)" (issue 11) ------------- */

#define IRQ_LINE(flags) "     kworker/0:0-18178   [003] " flags " 66016.708919: irq_handler_exit: irq=12 ret=handled"

/* 4, 5, 7 (PREEMPT_RT lazy, RHEL 9 rt), mainline-lazy letters, Dovetail, 6 and 8 columns */
VT_TEST(text_prefix_irq_info_layouts)
{
	static const char *const ok[] = {
		IRQ_LINE("d.h1"),    IRQ_LINE("d.h1."),	  IRQ_LINE("dNLh2.."), IRQ_LINE(".nL.11."),
		IRQ_LINE("D..h1.."), IRQ_LINE("dLh1."),	  IRQ_LINE("bl.1."),   IRQ_LINE("DBh1."),
		IRQ_LINE("*.h1."),   IRQ_LINE("~..1."),	  IRQ_LINE("*~h1."),   IRQ_LINE("X.zf."),
		IRQ_LINE("dNh2.."),  IRQ_LINE("dNLh2..."), IRQ_LINE("pPHSZ+!#"), IRQ_LINE(".'$@...."),
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		SETUP;

		if (PARSE(ok[i]) != VD_LINE_EVENT)
			printf("layout %s\n", ok[i]);
		VT_EQ_INT(PARSE(ok[i]), VD_LINE_EVENT);
		VT_EQ_INT(ev.kind, VD_EV_IRQ_EXIT);
		VT_EQ_INT(ev.cpu, 3);
		VT_EQ_INT(ev.pid, 18178);
		VT_EQ_U64(ev.ts_ns, NS(66016, 708919));
		VT_EQ_STR(ev.comm, "kworker/0:0");
		VT_EQ_INT(ev.irq.irq, 12);
	}
}

/* near misses: too long or short, a letter kernels never print, a timestamp in its place */
VT_TEST(text_prefix_irq_info_near_misses)
{
	static const char *const bad[] = {
		IRQ_LINE("dNLh2...."), /* 9 columns */
		IRQ_LINE("d.h"),       /* 3 */
		IRQ_LINE("d.q1."),     /* 'q' */
		IRQ_LINE("d.h1x"),     /* 'x' */
		IRQ_LINE("d.h1/"),
		IRQ_LINE("1234.56"), /* timestamp-like */
		IRQ_LINE("1.h1."),   /* irqs-off is never a digit */
		IRQ_LINE("d.h1.-"),
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		SETUP;
		int ret = PARSE(bad[i]);

		if (ret == VD_LINE_EVENT)
			printf("accepted %s\n", bad[i]);
		VT_ASSERT(ret != VD_LINE_EVENT);
	}
}

/* %p of NULL before 5.2: "(null)" right-aligned in 16 (64-bit) or 8 (32-bit) columns, or not */
VT_TEST(text_padded_null_pointers)
{
	static const char *const page_failed[] = {
		PAGE_HEAD "page=          (null) pfn=0 order=4 migratetype=0 gfp_flags=GFP_KERNEL",
		PAGE_HEAD "page=  (null) pfn=0 order=4 migratetype=0 gfp_flags=GFP_KERNEL",
		PAGE_HEAD "page=(null) pfn=0 order=4 migratetype=0 gfp_flags=GFP_KERNEL",
		PAGE_HEAD "page=\t(null) pfn=0 order=4 migratetype=0 gfp_flags=GFP_KERNEL",
		PAGE_HEAD "pfn=0 order=4 migratetype=0 gfp_flags=GFP_KERNEL page=          (null)",
	};
	static const char *const km_failed[] = {
		KM_HEAD "call_site=ffffffffc05d3a1e ptr=          (null) bytes_req=65536 "
			"bytes_alloc=0 gfp_flags=GFP_KERNEL",
		KM_HEAD "call_site=c05d3a1e ptr=  (null) bytes_req=65536 bytes_alloc=0 "
			"gfp_flags=GFP_KERNEL",
		KM_HEAD "call_site=c05d3a1e ptr=(null) bytes_req=65536 bytes_alloc=0 "
			"gfp_flags=GFP_KERNEL",
	};
	SETUP;

	for (size_t i = 0; i < sizeof(page_failed) / sizeof(page_failed[0]); i++) {
		VT_EQ_INT(PARSE(page_failed[i]), VD_LINE_EVENT);
		VT_EQ_INT(ev.kind, VD_EV_PAGE_ALLOC);
		VT_ASSERT(ev.page.failed);
		VT_EQ_INT(ev.page.order, 4);
		VT_EQ_U64(ev.page.gfp, VD_GFP_KERNEL);
	}
	for (size_t i = 0; i < sizeof(km_failed) / sizeof(km_failed[0]); i++) {
		VT_EQ_INT(PARSE(km_failed[i]), VD_LINE_EVENT);
		VT_ASSERT(ev.kmalloc.failed);
		VT_EQ_U64(ev.kmalloc.ptr, 0);
		VT_EQ_U64(ev.kmalloc.bytes_req, 65536);
	}
	/* hashing not keyed yet (early boot): some pointer, not a failure */
	VT_EQ_INT(PARSE(PAGE_HEAD "page=(____ptrval____) pfn=1216256 order=4 migratetype=0 "
				  "gfp_flags=GFP_KERNEL"),
		  VD_LINE_EVENT);
	VT_ASSERT(!ev.page.failed);
	VT_EQ_INT(PARSE(KM_HEAD "call_site=c05d3a1e ptr=(ptrval) bytes_req=64 bytes_alloc=64 "
				"gfp_flags=GFP_KERNEL"),
		  VD_LINE_EVENT);
	VT_ASSERT(!ev.kmalloc.failed);
	/* an empty value followed by anything else stays malformed */
	VT_EQ_INT(PARSE(PAGE_HEAD "page= pfn=0 order=4 migratetype=0 gfp_flags=GFP_KERNEL"),
		  -EINVAL);
	VT_EQ_INT(PARSE(PAGE_HEAD "page=  (nul) pfn=0 order=4 migratetype=0 gfp_flags=GFP_KERNEL"),
		  -EINVAL);
	VT_EQ_INT(PARSE(KM_HEAD "call_site=c05d3a1e ptr=  ffff0000 bytes_req=64 bytes_alloc=64 "
				"gfp_flags=GFP_KERNEL"),
		  -EINVAL);
	VT_EQ_INT(PARSE(KM_HEAD "call_site=c05d3a1e ptr=  bytes_req=64 bytes_alloc=64 "
				"gfp_flags=GFP_KERNEL"),
		  -EINVAL);
	/* "(null)" is one value: a second one is a token without '=' */
	VT_EQ_INT(PARSE(KM_HEAD "call_site=c05d3a1e ptr=  (null) (null) bytes_req=64 "
				"bytes_alloc=0 gfp_flags=GFP_KERNEL"),
		  -EINVAL);
}

/* Each layout variant gives exactly the events of its reference fixture, line numbers aside. */
VT_TEST(text_source_layout_variants_same_events)
{
	static const struct {
		const char *variant;
		const char *reference;
		int failed; /* allocation failures both hold */
	} pairs[] = {
		{ "flags7_rt.txt", "flags5.txt", 0 },
		{ "flags7_rhel.txt", "flags5.txt", 0 },
		{ "flags5_lazy.txt", "flags5.txt", 0 },
		{ "flags_dovetail.txt", "flags5.txt", 0 },
		{ "null_page64.txt", "page_alloc_old.txt", 2 },
		{ "null_ptr64.txt", "kmalloc_old.txt", 2 },
		{ "null_ptr32.txt", "null_ptr32_unpadded.txt", 2 },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct vd_event a[16], b[16];
		struct vd_source *sa, *sb;
		int na, nb, failed = 0;

		sa = open_src(fixture(pairs[i].variant));
		sb = open_src(fixture(pairs[i].reference));
		VT_ASSERT(sa && sb);
		na = drain(sa, a, 16);
		nb = drain(sb, b, 16);
		if (na != nb)
			printf("variant %s\n", pairs[i].variant);
		VT_EQ_INT(na, nb);
		VT_ASSERT(na > 0 && na <= 16);
		VT_EQ_U64(vd_source_stats(sa)->malformed, 0);
		VT_EQ_U64(vd_source_stats(sa)->unknown_events, vd_source_stats(sb)->unknown_events);
		for (int j = 0; j < na; j++) {
			a[j].lineno = b[j].lineno = 0;
			if (memcmp(&a[j], &b[j], sizeof(a[j])))
				printf("variant %s event %d differs\n", pairs[i].variant, j);
			VT_ASSERT(!memcmp(&a[j], &b[j], sizeof(a[j])));
			failed += (a[j].kind == VD_EV_PAGE_ALLOC && a[j].page.failed) ||
				  (a[j].kind == VD_EV_KMALLOC && a[j].kmalloc.failed);
		}
		VT_EQ_INT(failed, pairs[i].failed);
		vd_source_close(sa);
		vd_source_close(sb);
	}
}

/* ---- the fast paths against the general parser ------------------------ */

/* xorshift64: the same mutations on every run */
static uint64_t fast_rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* one damage to line[0, *len): a byte replaced, inserted or removed, a cut, a number swapped */
static void fast_mutate(char *line, size_t *len, size_t cap, uint64_t *rng)
{
	static const char bytes[] = "0123456789 \t\xc2\xa0:=->xXaFg.[]()\r,|#";
	static const char *const nums[] = { "00000000001", "4294967295", "4294967296", "99999999999",
					    "0",	   "0x",	 "0x1F",       "12345678" };
	size_t at = *len ? fast_rng(rng) % *len : 0, n;
	char c = (char)(fast_rng(rng) & 1 ? bytes[fast_rng(rng) % (sizeof(bytes) - 1)]
					    : (char)fast_rng(rng));
	const char *num;

	switch (fast_rng(rng) % 6) {
	case 0:
		if (*len)
			line[at] = c;
		break;
	case 1:
		if (*len + 1 <= cap) {
			memmove(line + at + 1, line + at, *len - at);
			line[at] = c;
			(*len)++;
		}
		break;
	case 2:
		if (*len) {
			memmove(line + at, line + at + 1, *len - at - 1);
			(*len)--;
		}
		break;
	case 3:
		*len = at + (*len - at) / 2;
		break;
	case 4: /* a digit run becomes another number */
		while (at < *len && !(line[at] >= '0' && line[at] <= '9'))
			at++;
		for (n = 0; at + n < *len && line[at + n] >= '0' && line[at + n] <= '9';)
			n++;
		num = nums[fast_rng(rng) % (sizeof(nums) / sizeof(nums[0]))];
		if (n && *len - n + strlen(num) <= cap) {
			memmove(line + at + strlen(num), line + at + n, *len - at - n);
			memcpy(line + at, num, strlen(num));
			*len = *len - n + strlen(num);
		}
		break;
	default: /* a ' ' becomes a no-break space or a tab */
		while (at < *len && line[at] != ' ')
			at++;
		if (at < *len && *len + 1 <= cap && (fast_rng(rng) & 1)) {
			memmove(line + at + 2, line + at + 1, *len - at - 1);
			line[at] = '\xc2';
			line[at + 1] = '\xa0';
			(*len)++;
		} else if (at < *len) {
			line[at] = '\t';
		}
		break;
	}
}

/*
 * Every line, intact or damaged, parses to the same result, reason, event
 * bytes and state with the fast paths as with the general parser alone: the
 * fast paths may only decide what the general parser would decide.
 */
VT_TEST(text_fast_paths_equal_the_general_parser)
{
	static const char *const seeds[] = {
		"      vhost-2804-2813    [001] .... 17810.036707: virtio_transport_recv_pkt: "
		"3:1983941857 -> 2:5555 len=154 type=STREAM op=RW flags=0x0 buf_alloc=262144 "
		"fwd_cnt=195",
		"           socat-19643   [001] .... 17810.036013: virtio_transport_alloc_pkt: "
		"2:5555 -> 3:1983941857 len=171 type=STREAM op=RW flags=0x0",
		"      vhost-2105-2139  [000] ..... 18116.376897: virtio_transport_recv_pkt: "
		"3:4200065979 -> 2:5555 len=0 type=STREAM op=REQUEST flags=0x0 buf_alloc=262144 "
		"fwd_cnt=0",
		"          <idle>-0       (-------) [000] d.h1. 18115.804116: "
		"virtio_transport_alloc_pkt: 2:1024 -> 3:1234 len=4096 type=SEQPACKET "
		"op=CREDIT_UPDATE flags=0X1F buf_alloc=4294967295 fwd_cnt=4294967295 zcopy=true",
		"  kworker/0:1-77     [000]  18117.799952: virtio_transport_alloc_pkt: 2:5555 -> "
		"3:1 len=1 type=1 op=5 flags=0 zcopy=0",
		"sh-331 [001] d..2. 18115.839066: virtio_transport_recv_pkt:   3:1 -> 2:2 len=01 "
		"type=STREAM op=RW flags=10 buf_alloc=0000000001 fwd_cnt=7 extra=1",
		"  socat-1 [000] .... 1.000000001: vsock:virtio_transport_recv_pkt: 3:1 -> 2:2 "
		"len=1 type=STREAM op=SHUTDOWN flags=0x3 buf_alloc=1 fwd_cnt=1",
		"  socat-1 [000] .... 12: virtio_transport_alloc_pkt: 2:2 -> 3:1 len=1 type=STREAM "
		"op=RW flags=0x0 fwd_cnt=1 buf_alloc=1",
		"  socat-1 [000] .... 12.5: virtio_transport_recv_pkt: 3:1\xc2\xa0->\xc2\xa0"
		"2:2\tlen=1 type=STREAM op=RW flags=0x0 buf_alloc=1 fwd_cnt=1",
		"          <idle>-0     [000] d.h1. 18115.804116: irq_handler_entry:    irq=24 "
		"name=virtio0-requests",
		"     kworker/0:1-77      [000] .... 18117.799952: mm_page_alloc: page=0000000000000000 "
		"pfn=0xffffffffffffffff order=4 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_COMP",
		"  socat-1 [000] .... 2.000001: virtio_transport_recv_pkt_x: 3:1 -> 2:2 len=1",
		"  socat-1 [000] .... 2.000001: virtio_transport_alloc_pk: 2:2 -> 3:1 len=1",
	};
	static struct vd_text_state sf, ss;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	unsigned long checked = 0;

	vd_text_state_init(&sf);
	vd_text_state_init(&ss);
	for (int round = 0; round < 20000; round++) {
		for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
			char line[512];
			size_t len = strlen(seeds[i]);
			struct vd_event ef, es;
			const char *wf, *ws;
			int rf, rs, k = round ? 1 + (int)(fast_rng(&rng) % 3) : 0;

			memcpy(line, seeds[i], len);
			while (k--)
				fast_mutate(line, &len, sizeof(line), &rng);
			vd_text_fast = true;
			rf = parse_exact(&sf, line, len, &ef, &wf);
			vd_text_fast = false;
			rs = parse_exact(&ss, line, len, &es, &ws);
			vd_text_fast = true;
			if (rf != rs || (rf < 0 && strcmp(wf, ws)) || memcmp(&ef, &es, sizeof(ef)) ||
			    sf.last_ts != ss.last_ts || sf.max_cpu != ss.max_cpu)
				printf("fast path differs (%d/%d %s/%s) on: %.*s\n", rf, rs,
				       rf < 0 ? wf : "", rs < 0 ? ws : "", (int)len, line);
			VT_EQ_INT(rf, rs);
			VT_ASSERT(rf >= 0 || !strcmp(wf, ws));
			VT_ASSERT(!memcmp(&ef, &es, sizeof(ef)));
			VT_EQ_U64(sf.last_ts, ss.last_ts);
			checked++;
		}
	}
	VT_ASSERT(!memcmp(&sf, &ss, sizeof(sf)));
	VT_ASSERT(checked == 20000 * sizeof(seeds) / sizeof(seeds[0]));
}

/* the byte loop vd_txt_next_tok was before it read eight bytes at a time */
static bool ref_next_tok(struct cur *c, const char **s, size_t *n)
{
	c->p = skip_space(c->p, c->end);
	if (c->p == c->end)
		return false;
	*s = c->p;
	while (c->p < c->end && !space_fwd(c->p, c->end))
		c->p++;
	*n = (size_t)(c->p - *s);
	return true;
}

/* Tokens split the same with blanks, NBSP, a lone C2, control and high bytes anywhere. */
VT_TEST(text_next_tok_equals_the_byte_loop)
{
	static const char bytes[] = "ab= \t\xc2\xa0\x01\x1f!~\x80\xff\xc2";
	uint64_t rng = 0x2545f4914f6cdd1dull;

	for (int it = 0; it < 200000; it++) {
		size_t len = fast_rng(&rng) % 40;
		char *line = malloc(len ? len : 1);
		struct cur a, b;
		const char *sa = NULL, *sb = NULL;
		size_t na = 0, nb = 0;
		bool ra, rb;

		for (size_t i = 0; i < len; i++) {
			uint64_t r = fast_rng(&rng);

			line[i] = (r & 3) ? bytes[r % (sizeof(bytes) - 1)] : (char)(r >> 8);
		}
		a.p = b.p = line;
		a.end = b.end = line + len;
		do {
			ra = vd_txt_next_tok(&a, &sa, &na);
			rb = ref_next_tok(&b, &sb, &nb);
			VT_ASSERT(ra == rb && a.p == b.p);
			VT_ASSERT(!ra || (sa == sb && na == nb));
		} while (ra);
		free(line);
	}
}

/* Hex reads exactly what vd_parse_u64(s, n, 16) reads: prefixes, cases, lengths, junk. */
VT_TEST(text_parse_hex_equals_vd_parse_u64)
{
	static const char digits[] = "0123456789abcdefABCDEFxXgG -";
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	for (int it = 0; it < 200000; it++) {
		size_t len = fast_rng(&rng) % 24;
		char *s = malloc(len ? len : 1);
		uint64_t a = 1, b = 2, r = fast_rng(&rng);
		int ra, rb;

		for (size_t i = 0; i < len; i++) {
			uint64_t d = fast_rng(&rng);

			s[i] = (d & 7) ? digits[d % 16 + ((d >> 5) & 1) * 6]
				       : digits[d % (sizeof(digits) - 1)];
		}
		if (len >= 2 && (r & 1)) {
			s[0] = '0';
			s[1] = (r & 2) ? 'x' : 'X';
		}
		ra = vd_txt_parse_hex(s, len, &a);
		rb = vd_parse_u64(s, len, 16, &b);
		VT_ASSERT((ra == 0) == (rb == 0));
		VT_ASSERT(ra || a == b);
		free(s);
	}
}

/* Digit runs read eight bytes at a time end and add up as a byte loop does. */
VT_TEST(text_dec_run_equals_the_byte_loop)
{
	uint64_t rng = 0x853c49e6748fea9bull;

	for (int it = 0; it < 200000; it++) {
		size_t len = fast_rng(&rng) % 30, i = 0;
		char *s = malloc(len ? len : 1);
		uint64_t v, ref = 0;
		const char *e;

		for (size_t k = 0; k < len; k++) {
			uint64_t r = fast_rng(&rng);

			s[k] = (r % 10) < 8 ? (char)('0' + r % 10) : (char)(r >> 8);
		}
		while (i < len && s[i] >= '0' && s[i] <= '9')
			ref = ref * 10 + (uint64_t)(s[i++] - '0');
		e = dec_run(s, s + len, &v);
		VT_ASSERT(e == s + i);
		VT_ASSERT(i > 19 || v == ref);
		free(s);
	}
}
