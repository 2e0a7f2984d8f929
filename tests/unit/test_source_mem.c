// SPDX-License-Identifier: GPL-2.0
/*
 * The in-memory source: the same events, statistics, warnings and errors as
 * vd_source_open() on a file with the same bytes, for ftrace text (every
 * fixture) and trace.dat (a v6 file built here byte by byte, so no root and
 * no trace-cmd are needed; VD_TEST_DAT=FILE adds a real recording), and a
 * rewind that reads it all again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzers/sources/source.h"
#include "analyzers/sources/text_parse.h"
#include "common/log.h"
#include "common/util.h"
#include "vtest.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *fixture_dir(void)
{
	const char *dir = getenv("VD_FIXTURES");

	return dir ? dir : "tests/fixtures/text";
}

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	*len = 0;
	while (buf && *len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + *len, (size_t)st.st_size - *len);

		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	return buf;
}

static char tmpdir[64];

/* a file under a private temporary directory, for the file side of a comparison */
static const char *tmp_file(const char *name, const void *data, size_t len)
{
	static char path[160];
	int fd;

	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/vd-test-mem.XXXXXX");
		if (!mkdtemp(tmpdir)) {
			tmpdir[0] = '\0';
			return NULL;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if (len && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

__attribute__((destructor)) static void mem_cleanup(void)
{
	DIR *d;
	struct dirent *e;
	char path[400];

	if (!tmpdir[0])
		return;
	d = opendir(tmpdir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

/* One pass over a source: its events, what it logged meanwhile, its statistics. */
struct pass {
	struct vd_event *ev;
	size_t n, cap;
	int ret; /* vd_source_next()'s last return */
	char said[8192];
	size_t said_len;
	struct vd_source_stats stats;
};

static void said_sink(void *ctx, enum vd_log_level level, const char *msg)
{
	struct pass *p = ctx;
	size_t room = sizeof(p->said) - p->said_len;
	int n = snprintf(p->said + p->said_len, room, "%d %s\n", (int)level, msg);

	if (n > 0)
		p->said_len += (size_t)n < room ? (size_t)n : room - 1;
}

static void read_pass(struct vd_source *src, struct pass *p)
{
	struct vd_log_sink prev = vd_log_set_sink(said_sink, p);
	struct vd_event ev;

	p->n = 0;
	while ((p->ret = vd_source_next(src, &ev)) > 0) {
		if (p->n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 256;
			p->ev = realloc(p->ev, p->cap * sizeof(*p->ev));
		}
		p->ev[p->n++] = ev;
	}
	p->stats = *vd_source_stats(src);
	vd_log_set_sink(prev.fn, prev.ctx);
}

/*
 * The same return code, the same events byte for byte (the sources zero
 * every event before filling it), the same statistics and the same
 * warnings.  false: a failure was reported.
 */
static bool same_pass(const struct pass *a, const struct pass *b, const char *what)
{
	if (a->ret != b->ret || a->n != b->n) {
		vt_fail(__FILE__, __LINE__,
			"%s: %zu events (end %d) from the file, %zu (end %d) from memory", what,
			a->n, a->ret, b->n, b->ret);
		return false;
	}
	for (size_t i = 0; i < a->n; i++)
		if (memcmp(&a->ev[i], &b->ev[i], sizeof(a->ev[i]))) {
			vt_fail(__FILE__, __LINE__, "%s: event %zu (line %" PRIu64 ") differs",
				what, i, a->ev[i].lineno);
			return false;
		}
	if (!vd_source_stats_equal(&a->stats, &b->stats)) {
		vt_fail(__FILE__, __LINE__, "%s: statistics differ", what);
		return false;
	}
	if (a->said_len != b->said_len || memcmp(a->said, b->said, a->said_len)) {
		vt_fail(__FILE__, __LINE__, "%s: warnings differ:\n--- file\n%s--- memory\n%s",
			what, a->said, b->said);
		return false;
	}
	return true;
}

static struct vd_source *open_quiet(const char *path, const void *buf, size_t len, bool mem,
				    char *err, size_t errlen, struct pass *p)
{
	struct vd_log_sink prev = vd_log_set_sink(said_sink, p);
	struct vd_source *src = mem ? vd_source_open_mem(path, buf, len, err, errlen)
				    : vd_source_open(path, err, errlen);

	vd_log_set_sink(prev.fn, prev.ctx);
	return src;
}

/*
 * path and its bytes in memory (named path): the same events, statistics
 * and warnings; then both rewound: the same again, and the memory source
 * the same as its own first pass.  Returns the number of events, -1 on
 * failure.
 */
static long check_same_as_file(const char *path, const void *buf, size_t len, bool expect_dat)
{
	struct pass pf[2] = { 0 }, pm[2] = { 0 };
	struct vd_source *f = NULL, *m = NULL;
	char err[512] = "";
	long ret = -1;

	f = open_quiet(path, NULL, 0, false, err, sizeof(err), &pf[0]);
	m = open_quiet(path, buf, len, true, err, sizeof(err), &pm[0]);
	if (!f || !m) {
		vt_fail(__FILE__, __LINE__, "%s: the %s did not open: %s", path,
			f ? "memory copy" : "file", err);
		goto out;
	}
	if (vd_source_format(m) != vd_source_format(f) ||
	    vd_source_format(m) != (expect_dat ? VD_FMT_TRACE_DAT : VD_FMT_FTRACE_TEXT)) {
		vt_fail(__FILE__, __LINE__, "%s: format %d from memory, %d from the file", path,
			vd_source_format(m), vd_source_format(f));
		goto out;
	}
	if (strcmp(vd_source_path(m), path)) {
		vt_fail(__FILE__, __LINE__, "%s: the memory source is named %s", path,
			vd_source_path(m));
		goto out;
	}
	read_pass(f, &pf[0]);
	read_pass(m, &pm[0]);
	if (!same_pass(&pf[0], &pm[0], path))
		goto out;
	if (vd_source_rewind(f) || vd_source_rewind(m)) {
		vt_fail(__FILE__, __LINE__, "%s: rewind failed", path);
		goto out;
	}
	read_pass(f, &pf[1]);
	read_pass(m, &pm[1]);
	/* a rewind warns no more (every line was seen): compare events and statistics */
	pm[0].said_len = pf[1].said_len = 0;
	pm[0].said[0] = pf[1].said[0] = '\0';
	if (!same_pass(&pf[1], &pm[1], path) || !same_pass(&pf[1], &pm[0], path))
		goto out;
	ret = (long)pm[0].n;
out:
	vd_source_close(f);
	vd_source_close(m);
	for (int i = 0; i < 2; i++) {
		free(pf[i].ev);
		free(pm[i].ev);
	}
	return ret;
}

/* ---- ftrace text ---------------------------------------------------------------------------- */

VT_TEST(mem_text_every_fixture_same_as_file)
{
	const char *dir = fixture_dir();
	struct dirent *e;
	int files = 0;
	DIR *d = opendir(dir);

	VT_ASSERT(d);
	while ((e = readdir(d))) {
		char path[512];
		size_t len = 0, n = strlen(e->d_name);
		char *buf;
		long events;

		if (n < 5 || strcmp(e->d_name + n - 4, ".txt"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		buf = slurp(path, &len);
		if (!buf) {
			vt_fail(__FILE__, __LINE__, "cannot read %s", path);
			break;
		}
		events = check_same_as_file(path, buf, len, false);
		free(buf);
		if (events < 0)
			break;
		files++;
	}
	closedir(d);
	VT_ASSERT(files >= 10);
}

/* the refill and over-long-line paths: a tiny read buffer on both sides */
VT_TEST(mem_text_small_read_buffer_same_as_file)
{
	static const size_t sizes[] = { 16, 61, 251 };
	char path[512];
	size_t len = 0;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", fixture_dir(), "seed_android.txt");
	buf = slurp(path, &len);
	VT_ASSERT(buf);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		vd_text_read_bufsize = sizes[i];
		if (check_same_as_file(path, buf, len, false) < 0)
			break;
	}
	vd_text_read_bufsize = (size_t)1 << 20;
	free(buf);
}

/* hostile text: malformed lines beyond the warning limit, a line too long, no final newline */
VT_TEST(mem_text_warnings_same_as_file)
{
	static char text[8192];
	const char *path;
	size_t len = 0;
	char longline[300];

	len += (size_t)snprintf(text + len, sizeof(text) - len,
				"# tracer: nop\nnot a trace line\n");
	for (int i = 0; i < 25; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"  socat-1 [000] .... 1.%06d: virtio_transport_alloc_pkt: "
					"bad %d\n", i, i);
	memset(longline, 'z', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\n", longline);
	len += (size_t)snprintf(text + len, sizeof(text) - len,
				"  socat-1 [000] .... 2.000000: virtio_transport_alloc_pkt: "
				"3:1024 -> 2:5555 len=1 type=STREAM op=RW flags=0x0");
	path = tmp_file("hostile.txt", text, len);
	if (!path) {
		VT_SKIP("mem_text_warnings_same_as_file: no temporary directory");
		return;
	}
	vd_text_read_bufsize = 256;
	check_same_as_file(path, text, len, false);
	vd_text_read_bufsize = (size_t)1 << 20;
}

/* the bytes are copied: the caller's buffer may go away right after the open */
VT_TEST(mem_buffer_may_be_freed_after_open)
{
	char path[512], err[512];
	size_t len = 0;
	char *buf;
	struct vd_source *m;
	struct pass p = { 0 };

	snprintf(path, sizeof(path), "%s/%s", fixture_dir(), "seed_linux.txt");
	buf = slurp(path, &len);
	VT_ASSERT(buf);
	m = vd_source_open_mem("seed_linux.txt", buf, len, err, sizeof(err));
	memset(buf, 0, len);
	free(buf);
	VT_ASSERT(m);
	read_pass(m, &p);
	VT_EQ_INT(p.ret, 0);
	VT_ASSERT(p.n > 0);
	VT_EQ_INT(p.ev[0].kind, VD_EV_PKT_ALLOC);
	VT_EQ_U64(p.stats.malformed, 0);
	free(p.ev);
	vd_source_close(m);
}

/* refusals: the file source's messages and errno, naming what the caller called it */
VT_TEST(mem_refusals_same_as_file)
{
	static const struct {
		const char *name;
		const char *bytes;
		size_t len;
		int err;
		const char *says; /* after the name */
	} cases[] = {
		{ "empty.txt", "", 0, ENODATA, " is empty: was tracing on" },
		{ "elf.bin", "\177ELF\2\1\1\0\0\0", 10, EINVAL,
		  " is a binary file but not a trace-cmd trace.dat" },
		{ "fake.dat", "\027\010\104tracing6\0", 11, EINVAL,
		  " is a damaged or truncated trace.dat" },
	};
	char ef[512], em[512];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pass pf = { 0 }, pm = { 0 };
		const char *path = tmp_file(cases[i].name, cases[i].bytes, cases[i].len);
		/* named as the file when there is one: then the messages are equal */
		const char *name = path ? path : cases[i].name;
		size_t nlen = strlen(name);
		int errno_m;

		em[0] = '\0';
		VT_ASSERT(!open_quiet(name, cases[i].bytes, cases[i].len, true, em, sizeof(em),
				      &pm));
		errno_m = errno;
		VT_EQ_INT(errno_m, cases[i].err);
		if (strncmp(em, name, nlen) ||
		    strncmp(em + nlen, cases[i].says, strlen(cases[i].says))) {
			vt_fail(__FILE__, __LINE__, "%s: \"%s\"", cases[i].name, em);
			return;
		}
		if (!path)
			continue; /* no temporary directory: the message is still checked above */
		ef[0] = '\0';
		VT_ASSERT(!open_quiet(path, NULL, 0, false, ef, sizeof(ef), &pf));
		VT_EQ_INT(errno, cases[i].err);
		VT_EQ_STR(em, ef);
	}
}

VT_TEST(mem_null_buffer_is_refused)
{
	char err[512] = "";

	VT_ASSERT(!vd_source_open_mem("x.txt", NULL, 10, err, sizeof(err)));
	VT_EQ_INT(errno, EINVAL);
	VT_ASSERT(strstr(err, "x.txt"));
	/* no name: still a message that names something */
	VT_ASSERT(!vd_source_open_mem(NULL, "", 0, err, sizeof(err)));
	VT_EQ_INT(errno, ENODATA);
	VT_ASSERT(!strncmp(err, "(memory) is empty", 17));
}

/* ---- trace.dat ------------------------------------------------------------------------------ */

/*
 * A trace-cmd v6 trace.dat (little endian, 8-byte longs, 4 KiB pages) built
 * byte by byte, as trace-cmd-dat.v6(5) lays it out: headers, event formats,
 * cmdlines, CPU count, options, flyrecord, then one ring-buffer page per
 * CPU.  The formats are Linux 6.1's vsock tracepoints and a made-up event
 * vsockdiag does not use.
 */
#include "dat_formats.h"

#define ID_ALLOC 1501
#define ID_RECV 1502
#define ID_OTHER 300

#define fmt_alloc fmt_alloc_61
#define fmt_recv fmt_recv_61

static const char fmt_other[] = "name: vd_other\nID: 300\nformat:\n" COMMON_FIELDS
				"\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n"
				"\nprint fmt: \"x=%d\", REC->x\n";

/* as /sys/kernel/tracing/events/header_page and header_event print them on x86-64 */
static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n";
static const char header_event[] = "# compressed entry header\n"
				   "\ttype_len    :    5 bits\n"
				   "\ttime_delta  :   27 bits\n"
				   "\tarray       :   32 bits\n\n"
				   "\tpadding     : type == 29\n"
				   "\ttime_extend : type == 30\n"
				   "\ttime_stamp : type == 31\n"
				   "\tdata max type_len  == 28\n";

#define DAT_PAGE 4096
#define DAT_CPUS 2

struct bytes {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct bytes *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put2(struct bytes *b, uint16_t v)
{
	put(b, &v, 2);
}

static void put4(struct bytes *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put8(struct bytes *b, uint64_t v)
{
	put(b, &v, 8);
}

static void put_sized8(struct bytes *b, const char *s)
{
	put8(b, strlen(s));
	put(b, s, strlen(s));
}

/* one event of the recording, and the line the kernel would print for it */
struct dat_ev {
	int cpu;
	uint64_t ts;
	uint16_t id;
	int32_t pid;
	uint32_t v[8]; /* src_cid src_port dst_cid dst_port len op buf_alloc fwd_cnt; x */
};

static const char *dat_comm(int32_t pid)
{
	return pid == 4242 ? "socat" : "kworker/1:1";
}

/* the ring-buffer page of cpu: [timestamp][commit][events], each event a 4-byte header + data */
static void dat_page(struct bytes *b, const struct dat_ev *ev, size_t n, int cpu)
{
	size_t start = b->n, commit_at;
	uint64_t last = 0;
	bool first = true;

	put8(b, 0);
	commit_at = b->n;
	put8(b, 0);
	for (size_t i = 0; i < n; i++) {
		uint8_t rec[44] = { 0 };
		size_t size;
		uint32_t hdr;

		if (ev[i].cpu != cpu)
			continue;
		if (first) {
			memcpy(b->p + start, &ev[i].ts, 8); /* the page's timestamp */
			last = ev[i].ts;
			first = false;
		}
		memcpy(rec, &ev[i].id, 2);
		memcpy(rec + 4, &ev[i].pid, 4);
		if (ev[i].id == ID_OTHER) {
			memcpy(rec + 8, &ev[i].v[0], 4);
			size = 12;
		} else {
			uint16_t type = 1, op = (uint16_t)ev[i].v[5];

			memcpy(rec + 8, ev[i].v, 20);
			memcpy(rec + 28, &type, 2);
			memcpy(rec + 30, &op, 2);
			size = 36;
			if (ev[i].id == ID_RECV) {
				memcpy(rec + 36, &ev[i].v[6], 8);
				size = 44;
			}
		}
		hdr = (uint32_t)(size / 4) | (uint32_t)(ev[i].ts - last) << 5;
		last = ev[i].ts;
		put4(b, hdr);
		put(b, rec, size);
	}
	{
		uint64_t commit = b->n - commit_at - 8;

		memcpy(b->p + commit_at, &commit, 8);
	}
	while (b->n < start + DAT_PAGE)
		put(b, "", 1);
}

static const struct dat_ev dat_events[] = {
	{ 0, 1000000001000ull, ID_ALLOC, 4242, { 3, 1024, 2, 5555, 0, 1 } },
	{ 1, 1000000002000ull, ID_RECV, 77, { 2, 5555, 3, 1024, 0, 2, 262144, 0 } },
	{ 1, 1000000002500ull, ID_OTHER, 77, { 7 } },
	{ 0, 1000000003000ull, ID_ALLOC, 4242, { 3, 1024, 2, 5555, 64, 5 } },
	{ 0, 1000000004000ull, ID_ALLOC, 4242, { 3, 1024, 2, 5555, 4096, 5 } },
	{ 1, 1000000004500ull, ID_RECV, 77, { 2, 5555, 3, 1024, 0, 6, 262144, 4160 } },
	{ 0, 1000000090000ull, ID_ALLOC, 4242, { 3, 1024, 2, 5555, 0, 4 } },
	{ 1, 1000000095000ull, ID_RECV, 77, { 2, 5555, 3, 1024, 0, 3, 262144, 4160 } },
};

static void dat_build(struct bytes *b)
{
	size_t data;

	put(b, "\027\010\104tracing6", 12); /* magic, "tracing", version "6" + NUL */
	put(b, "\0\10", 2);		     /* little endian, 8-byte longs */
	put4(b, DAT_PAGE);
	put(b, "header_page", 12);
	put_sized8(b, header_page);
	put(b, "header_event", 13);
	put_sized8(b, header_event);
	put4(b, 0); /* ftrace events */
	put4(b, 2); /* systems */
	put(b, "vsock", 6);
	put4(b, 2);
	put_sized8(b, fmt_alloc);
	put_sized8(b, fmt_recv);
	put(b, "vd_test", 8);
	put4(b, 1);
	put_sized8(b, fmt_other);
	put4(b, 0); /* kallsyms */
	put4(b, 0); /* printk formats */
	put_sized8(b, "4242 socat\n77 kworker/1:1\n");
	put4(b, DAT_CPUS);
	put(b, "options  ", 10);
	put2(b, 0); /* no options */
	put(b, "flyrecord", 10);
	data = (b->n + 2 * 16 * DAT_CPUS + DAT_PAGE - 1) / DAT_PAGE * DAT_PAGE;
	for (int cpu = 0; cpu < DAT_CPUS; cpu++) {
		put8(b, data + (size_t)cpu * DAT_PAGE);
		put8(b, DAT_PAGE);
	}
	while (b->n < data)
		put(b, "", 1);
	for (int cpu = 0; cpu < DAT_CPUS; cpu++)
		dat_page(b, dat_events, ARRAY_SIZE(dat_events), cpu);
}

/* what the text parser makes of the line the kernel prints for e */
static int dat_expected(const struct dat_ev *e, struct vd_text_state *st, struct vd_event *ev)
{
	static const char *const ops[] = { "INVALID", "REQUEST", "RESPONSE", "RST", "SHUTDOWN",
					   "RW", "CREDIT_UPDATE", "CREDIT_REQUEST" };
	char line[512];
	const char *why;
	int n;

	n = snprintf(line, sizeof(line), "%s-%d [%03d] .... %" PRIu64 ".%09" PRIu64 ": ",
		     dat_comm(e->pid), e->pid, e->cpu, e->ts / 1000000000, e->ts % 1000000000);
	if (e->id == ID_ALLOC)
		snprintf(line + n, sizeof(line) - (size_t)n,
			 "virtio_transport_alloc_pkt: %u:%u -> %u:%u len=%u type=STREAM op=%s "
			 "flags=0x0",
			 e->v[0], e->v[1], e->v[2], e->v[3], e->v[4], ops[e->v[5]]);
	else
		snprintf(line + n, sizeof(line) - (size_t)n,
			 "virtio_transport_recv_pkt: %u:%u -> %u:%u len=%u type=STREAM op=%s "
			 "flags=0x0 buf_alloc=%u fwd_cnt=%u",
			 e->v[0], e->v[1], e->v[2], e->v[3], e->v[4], ops[e->v[5]], e->v[6],
			 e->v[7]);
	return vd_text_parse_line(st, line, strlen(line), ev, &why);
}

static bool same_as_text(const struct vd_event *a, const struct vd_event *b)
{
	return a->kind == b->kind && a->ts_ns == b->ts_ns && a->cpu == b->cpu && a->pid == b->pid &&
	       !strcmp(a->comm, b->comm) && !memcmp(&a->pkt, &b->pkt, sizeof(a->pkt));
}

/* the hand-built trace.dat from memory: the events it holds, in time order, twice */
VT_TEST(mem_dat_built_here_reads_its_events)
{
	struct bytes b = { 0 };
	struct vd_text_state st;
	struct pass p[2] = { 0 };
	struct vd_source *m;
	char err[512] = "";
	size_t k = 0;

	dat_build(&b);
	m = open_quiet("built.dat", b.p, b.n, true, err, sizeof(err), &p[0]);
	if (!m) {
		vt_fail(__FILE__, __LINE__, "the built trace.dat did not open: %s", err);
		free(b.p);
		return;
	}
	VT_EQ_INT(vd_source_format(m), VD_FMT_TRACE_DAT);
	read_pass(m, &p[0]);
	VT_EQ_INT(vd_source_rewind(m), 0);
	read_pass(m, &p[1]);
	vd_source_close(m);
	free(b.p);
	VT_EQ_INT(p[0].ret, 0);
	VT_EQ_U64(p[0].stats.unknown_events, 1);
	VT_EQ_U64(p[0].stats.malformed, 0);
	VT_EQ_INT(p[0].stats.ncpus, DAT_CPUS);
	VT_EQ_U64(p[0].stats.first_ts, dat_events[0].ts);
	VT_EQ_U64(p[0].stats.last_ts, dat_events[ARRAY_SIZE(dat_events) - 1].ts);
	vd_text_state_init(&st);
	for (size_t i = 0; i < ARRAY_SIZE(dat_events); i++) {
		struct vd_event want;

		if (dat_events[i].id == ID_OTHER)
			continue;
		VT_EQ_INT(dat_expected(&dat_events[i], &st, &want), VD_LINE_EVENT);
		VT_ASSERT(k < p[0].n);
		if (!same_as_text(&p[0].ev[k], &want)) {
			vt_fail(__FILE__, __LINE__,
				"event %zu: %s at %" PRIu64 " cpu %d pid %d '%s', "
				"expected %s at %" PRIu64 " cpu %d pid %d '%s'", k,
				vd_ev_kind_name(p[0].ev[k].kind), p[0].ev[k].ts_ns, p[0].ev[k].cpu,
				p[0].ev[k].pid, p[0].ev[k].comm, vd_ev_kind_name(want.kind),
				want.ts_ns, want.cpu, want.pid, want.comm);
			break;
		}
		k++;
	}
	VT_EQ_U64(p[0].n, k);
	/* the second pass after rewind: byte for byte the first */
	VT_EQ_U64(p[1].n, p[0].n);
	VT_ASSERT(!memcmp(p[0].ev, p[1].ev, p[0].n * sizeof(*p[0].ev)));
	VT_ASSERT(vd_source_stats_equal(&p[0].stats, &p[1].stats));
	free(p[0].ev);
	free(p[1].ev);
}

/* ... and exactly what the file source reads from the same bytes on disk */
VT_TEST(mem_dat_same_as_file)
{
	struct bytes b = { 0 };
	const char *path;

	dat_build(&b);
	path = tmp_file("built.dat", b.p, b.n);
	if (!path) {
		VT_SKIP("mem_dat_same_as_file: no temporary directory for the file side");
		free(b.p);
		return;
	}
	/* every event but the one vsockdiag does not use */
	VT_EQ_INT(check_same_as_file(path, b.p, b.n, true), ARRAY_SIZE(dat_events) - 1);
	free(b.p);
}

/* a real recording, when one is at hand: VD_TEST_DAT=FILE (tests/cli/dat.sh passes its own) */
VT_TEST(mem_dat_real_recording_same_as_file)
{
	const char *path = getenv("VD_TEST_DAT");
	size_t len = 0;
	char *buf;
	long n;

	if (!path || !*path) {
		/* not a skip: tests/cli/dat.sh runs it on its real recordings */
		return;
	}
	buf = slurp(path, &len);
	VT_ASSERT(buf);
	n = check_same_as_file(path, buf, len, true);
	free(buf);
	VT_ASSERT(n >= 0);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* every way in and out, many times: no descriptor (memfd, dup, child probe) stays open */
VT_TEST(mem_no_descriptor_left_behind)
{
	struct bytes dat = { 0 };
	struct pass p = { 0 };
	char err[512];
	int before, after;
	static const char text[] = "  socat-1 [000] .... 2.000000: virtio_transport_alloc_pkt: "
				   "3:1024 -> 2:5555 len=1 type=STREAM op=RW flags=0x0\n";

	dat_build(&dat);
	before = open_fds();
	VT_ASSERT(before > 0);
	for (int i = 0; i < 20; i++) {
		struct vd_source *s;

		s = open_quiet("a.txt", text, sizeof(text) - 1, true, err, sizeof(err), &p);
		VT_ASSERT(s);
		vd_source_close(s);
		s = open_quiet("a.dat", dat.p, dat.n, true, err, sizeof(err), &p);
		VT_ASSERT(s);
		vd_source_close(s);
		VT_ASSERT(!open_quiet("cut.dat", dat.p, dat.n / 3, true, err, sizeof(err), &p));
		VT_ASSERT(!open_quiet("e.txt", "", 0, true, err, sizeof(err), &p));
		VT_ASSERT(!open_quiet("b.bin", "a\0b", 3, true, err, sizeof(err), &p));
	}
	after = open_fds();
	free(dat.p);
	VT_EQ_INT(after, before);
}
