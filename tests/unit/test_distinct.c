// SPDX-License-Identifier: GPL-2.0
/*
 * vd_inputs_distinct(): the same file (same name, hard link, symbolic link),
 * the same recording (a copy: same fingerprint), the same partition (one
 * local CID on both sides, unless --map), and never any of the shipped
 * pairs.  Side information is built by hand, or by the scan where the
 * fingerprint itself is under test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzers/batch/corr_internal.h"
#include "analyzers/batch/distinct.h"
#include "common/log.h"
#include "common/util.h"
#include "vtest.h"

#define ADVICE "give each partition's recording, e.g. vsockdiag correlate host.dat guest.dat"

static char tmpdir[64];
static char *made[64];
static int nmade;

/* a file (or link) under a private temporary directory; NULL when there is none */
static const char *tmp_path(const char *name)
{
	char *p;

	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/vd-test-distinct.XXXXXX");
		if (!mkdtemp(tmpdir)) {
			tmpdir[0] = '\0';
			return NULL;
		}
	}
	if (asprintf(&p, "%s/%s", tmpdir, name) < 0)
		return NULL;
	for (int i = 0; i < nmade; i++)
		if (!strcmp(made[i], p)) {
			free(p);
			return made[i];
		}
	if (nmade == (int)ARRAY_SIZE(made)) {
		free(p);
		return NULL;
	}
	made[nmade++] = p;
	return p;
}

static const char *tmp_file(const char *name, const char *text)
{
	const char *path = tmp_path(name);
	int fd;

	if (!path)
		return NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

__attribute__((destructor)) static void distinct_cleanup(void)
{
	for (int i = nmade - 1; i >= 0; i--) {
		unlink(made[i]);
		free(made[i]);
	}
	if (tmpdir[0])
		rmdir(tmpdir);
}

/* one side as the scan leaves it: events, packets sent, its local CIDs, a fingerprint */
static struct vd_side_info side_of(uint64_t events, uint64_t sent, uint64_t fp, int ncids, ...)
{
	struct vd_side_info s;
	va_list ap;

	memset(&s, 0, sizeof(s));
	s.stats.events = events;
	s.pkts_sent = sent;
	s.pkts_recv = events > sent ? events - sent : 0;
	s.fingerprint = fp;
	va_start(ap, ncids);
	for (int i = 0; i < ncids && i < (int)ARRAY_SIZE(s.local_cids); i++)
		s.local_cids[s.nlocal_cids++] = va_arg(ap, uint32_t);
	va_end(ap);
	return s;
}

/* a host (CID 2) and a guest (CID 3) that are not the same recording */
static void good_sides(struct vd_side_info side[2])
{
	side[0] = side_of(100, 40, 0x1111, 1, 2u);
	side[1] = side_of(120, 60, 0x2222, 1, 3u);
}

static const char *tmp_pair(const char **b)
{
	const char *a = tmp_file("host.txt", "host\n");

	*b = tmp_file("guest.txt", "guest\n");
	return a;
}

VT_TEST(distinct_host_and_guest_pass)
{
	struct vd_side_info side[2];
	const char *path[2];
	char err[512] = "";

	good_sides(side);
	path[0] = tmp_pair(&path[1]);
	VT_ASSERT(path[0] && path[1]);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), 0);
	VT_EQ_STR(err, "");
}

VT_TEST(distinct_same_name_twice)
{
	struct vd_side_info side[2];
	const char *path[2], *unused;
	char err[512], want[512];

	good_sides(side);
	path[0] = path[1] = tmp_pair(&unused);
	VT_ASSERT(path[0]);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s and %s are the same file: " ADVICE, path[0], path[0]);
	VT_EQ_STR(err, want);
}

/* the same name, spelled differently: ./x and x, a/../x */
VT_TEST(distinct_same_file_spelled_differently)
{
	struct vd_side_info side[2];
	const char *path[2], *unused;
	char err[512], other[200];

	good_sides(side);
	path[0] = tmp_pair(&unused);
	VT_ASSERT(path[0]);
	snprintf(other, sizeof(other), "%s/../%s/./host.txt", tmpdir, strrchr(tmpdir, '/') + 1);
	path[1] = other;
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), -EINVAL);
	VT_ASSERT(strstr(err, "are the same file") && strstr(err, ADVICE));
}

VT_TEST(distinct_hard_link)
{
	struct vd_side_info side[2];
	const char *path[2], *unused;
	char err[512], want[600];

	good_sides(side);
	path[0] = tmp_pair(&unused);
	path[1] = tmp_path("hardlink.txt");
	VT_ASSERT(path[0] && path[1]);
	VT_ASSERT(link(path[0], path[1]) == 0);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s and %s are the same file (two names of one file, a link): " ADVICE, path[0],
		 path[1]);
	VT_EQ_STR(err, want);
}

VT_TEST(distinct_symbolic_links)
{
	struct vd_side_info side[2];
	const char *path[2], *unused, *rel;
	char err[512];

	good_sides(side);
	path[0] = tmp_pair(&unused);
	path[1] = tmp_path("abs-symlink.txt");
	rel = tmp_path("rel-symlink.txt");
	VT_ASSERT(path[0] && path[1] && rel);
	VT_ASSERT(symlink(path[0], path[1]) == 0);
	VT_ASSERT(symlink("host.txt", rel) == 0);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), -EINVAL);
	VT_ASSERT(strstr(err, "are the same file (two names of one file, a link)"));
	/* either way round, and a link to a link */
	path[0] = rel;
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), -EINVAL);
	VT_ASSERT(strstr(err, "are the same file"));
}

/* two files, one recording: a copy */
VT_TEST(distinct_identical_copy)
{
	struct vd_side_info side[2];
	const char *path[2];
	char err[512], want[512];

	path[0] = tmp_file("host.txt", "same bytes\n");
	path[1] = tmp_file("copy-of-host.txt", "same bytes\n");
	VT_ASSERT(path[0] && path[1]);
	side[0] = side_of(100, 40, 0xabcdef, 1, 2u);
	side[1] = side[0];
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s and %s hold the same recording (every event identical: a copy?): " ADVICE,
		 path[0], path[1]);
	VT_EQ_STR(err, want);
	/* --map changes nothing: a copy is still a copy */
	struct vd_cidmap m = { 0 };

	VT_EQ_INT(vd_cidmap_parse(&m, "2=3"), 0);
	VT_EQ_INT(vd_inputs_distinct(path, side, &m, err, sizeof(err)), -EINVAL);
	VT_ASSERT(strstr(err, "hold the same recording"));
}

/* an equal fingerprint alone is not enough: no events, or not as many */
VT_TEST(distinct_copy_needs_events_and_same_count)
{
	struct vd_side_info side[2];
	const char *path[2];
	char err[512] = "";

	path[0] = tmp_pair(&path[1]);
	VT_ASSERT(path[0] && path[1]);
	side[0] = side_of(0, 0, 0, 0);
	side[1] = side_of(0, 0, 0, 0);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), 0);
	side[0] = side_of(10, 5, 0x77, 1, 2u);
	side[1] = side_of(11, 5, 0x77, 1, 3u);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), 0);
}

VT_TEST(distinct_same_partition_twice)
{
	struct vd_side_info side[2];
	const char *path[2];
	char err[512];
	static const char want[] = "both recordings were made on the partition with CID 3 (every "
				   "packet they sent came from CID 3): record the other partition "
				   "too";

	path[0] = tmp_pair(&path[1]);
	VT_ASSERT(path[0] && path[1]);
	side[0] = side_of(100, 40, 0x1111, 1, 3u);
	side[1] = side_of(300, 90, 0x2222, 1, 3u);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), -EINVAL);
	VT_ASSERT(!strncmp(err, want, strlen(want)));
	VT_ASSERT(strstr(err, "--map"));
}

/* --map: the user says how the partitions name each other; equal CIDs may then be right */
VT_TEST(distinct_same_cid_with_map_passes)
{
	struct vd_side_info side[2];
	const char *path[2];
	struct vd_cidmap m = { 0 };
	char err[512] = "";

	path[0] = tmp_pair(&path[1]);
	VT_ASSERT(path[0] && path[1]);
	side[0] = side_of(100, 40, 0x1111, 1, 3u);
	side[1] = side_of(300, 90, 0x2222, 1, 3u);
	VT_EQ_INT(vd_cidmap_parse(&m, "2=3,3=2"), 0);
	VT_EQ_INT(vd_inputs_distinct(path, side, &m, err, sizeof(err)), 0);
	/* an empty map is no --map */
	memset(&m, 0, sizeof(m));
	VT_EQ_INT(vd_inputs_distinct(path, side, &m, err, sizeof(err)), -EINVAL);
}

/* the rule wants proof: both sent, one CID each */
VT_TEST(distinct_same_cid_rule_needs_proof)
{
	struct vd_side_info side[2];
	const char *path[2];
	char err[512] = "";

	path[0] = tmp_pair(&path[1]);
	VT_ASSERT(path[0] && path[1]);
	/* one side only received */
	side[0] = side_of(100, 0, 0x1111, 1, 3u);
	side[1] = side_of(300, 90, 0x2222, 1, 3u);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), 0);
	/* one side speaks as two CIDs */
	side[0] = side_of(100, 40, 0x1111, 2, 3u, 4u);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), 0);
	/* no vsock packet at all on either side */
	side[0] = side_of(100, 0, 0x1111, 0);
	side[1] = side_of(100, 0, 0x2222, 0);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), 0);
	/* different CIDs */
	side[0] = side_of(100, 40, 0x1111, 1, 2u);
	side[1] = side_of(300, 90, 0x2222, 1, 3u);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), 0);
}

/* hostile or partial arguments: never a crash */
VT_TEST(distinct_partial_arguments)
{
	struct vd_side_info side[2];
	const char *path[2] = { "a-missing-file.txt", NULL };
	char err[512] = "";

	good_sides(side);
	/* one recording: nothing to compare */
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), 0);
	VT_EQ_INT(vd_inputs_distinct(NULL, side, NULL, err, sizeof(err)), 0);
	/* neither file exists (any more): different names pass, one name twice does not */
	path[1] = "another-missing-file.txt";
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), 0);
	path[1] = path[0];
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, NULL, 0), -EINVAL);
	/* no side information: the file rule alone */
	path[1] = "another-missing-file.txt";
	VT_EQ_INT(vd_inputs_distinct(path, NULL, NULL, err, sizeof(err)), 0);
	/* a map claiming more entries than it can hold */
	struct vd_cidmap m;

	memset(&m, 0, sizeof(m));
	m.n = 1000;
	side[1] = side[0]; /* one CID on both sides, and the same fingerprint */
	side[1].fingerprint++;
	VT_EQ_INT(vd_inputs_distinct(path, side, &m, err, sizeof(err)), -EINVAL);
	m.e[VD_CIDMAP_MAX - 1].user = true;
	VT_EQ_INT(vd_inputs_distinct(path, side, &m, err, sizeof(err)), 0);
}

/* ---- with the scan ------------------------------------------------------------------------- */

/* scan a recording (file, or bytes in memory under a name) into side */
static int scan(const char *name, const char *text, struct vd_side_info *side)
{
	struct vd_samples smp = { 0 };
	struct vd_epset eps = { 0 };
	struct vd_source *src;
	char err[512];
	int ret, saved = vd_log_level;

	vd_log_level = VD_LOG_QUIET;
	src = text ? vd_source_open_mem(name, text, strlen(text), err, sizeof(err))
		   : vd_source_open(name, err, sizeof(err));
	if (!src) {
		vd_log_level = saved;
		printf("cannot open %s: %s\n", name, err);
		return -errno;
	}
	ret = vd_scan_side(src, NULL, side, &smp, &eps);
	vd_source_close(src);
	vd_samples_free(&smp);
	vd_epset_free(&eps);
	vd_log_level = saved;
	return ret;
}

static const char rec_host[] =
	"# tracer: nop\n"
	"#\n"
	"   socat-10  [000] .... 100.000001: virtio_transport_alloc_pkt: 2:1024 -> 3:5000 len=0 "
	"type=STREAM op=REQUEST flags=0x0\n"
	"   kworker-20 [001] .... 100.000050: virtio_transport_recv_pkt: 3:5000 -> 2:1024 len=0 "
	"type=STREAM op=RESPONSE flags=0x0 buf_alloc=262144 fwd_cnt=0\n"
	"   socat-10  [000] .... 100.000090: virtio_transport_alloc_pkt: 2:1024 -> 3:5000 len=7 "
	"type=STREAM op=RW flags=0x0\n";

/* the same events, another header, a pasted prompt: still the same recording */
static const char rec_host_reexported[] =
	"# tracer: nop\n"
	"#\n"
	"# entries-in-buffer/entries-written: 3/3   #P:2\n"
	"$ cat /sys/kernel/tracing/trace\n"
	"   socat-10  [000] .... 100.000001: virtio_transport_alloc_pkt: 2:1024 -> 3:5000 len=0 "
	"type=STREAM op=REQUEST flags=0x0\n"
	"   kworker-20 [001] .... 100.000050: virtio_transport_recv_pkt: 3:5000 -> 2:1024 len=0 "
	"type=STREAM op=RESPONSE flags=0x0 buf_alloc=262144 fwd_cnt=0\n"
	"   socat-10  [000] .... 100.000090: virtio_transport_alloc_pkt: 2:1024 -> 3:5000 len=7 "
	"type=STREAM op=RW flags=0x0\n";

VT_TEST(distinct_fingerprint_is_the_events)
{
	struct vd_side_info a, b;
	char *changed;

	VT_EQ_INT(scan("host.txt", rec_host, &a), 0);
	VT_EQ_INT(scan("copy.txt", rec_host_reexported, &b), 0);
	VT_EQ_U64(a.stats.events, 3);
	VT_ASSERT(a.fingerprint != 0);
	VT_EQ_U64(a.fingerprint, b.fingerprint);
	/* any one field of any event changes it: a time, a length, a pid */
	static const struct {
		const char *from, *to;
	} edits[] = {
		{ "100.000090", "100.000091" }, { "len=7", "len=8" },
		{ "kworker-20", "kworker-21" }, { "fwd_cnt=0", "fwd_cnt=1" },
		{ "[001]", "[002]" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(edits); i++) {
		const char *at = strstr(rec_host, edits[i].from);

		VT_ASSERT(at && strlen(edits[i].from) == strlen(edits[i].to));
		changed = strdup(rec_host);
		memcpy(changed + (at - rec_host), edits[i].to, strlen(edits[i].to));
		VT_EQ_INT(scan("edited.txt", changed, &b), 0);
		free(changed);
		if (b.fingerprint == a.fingerprint) {
			vt_fail(__FILE__, __LINE__, "editing %s into %s kept the fingerprint",
				edits[i].from, edits[i].to);
			return;
		}
	}
}

/* scanned for real: a copy under another name is refused, and so is the same file */
VT_TEST(distinct_scanned_copy_and_same_file)
{
	struct vd_side_info side[2];
	const char *path[2];
	char err[512];

	path[0] = tmp_file("host.txt", rec_host);
	path[1] = tmp_file("host-copy.txt", rec_host_reexported);
	VT_ASSERT(path[0] && path[1]);
	VT_EQ_INT(scan(path[0], NULL, &side[0]), 0);
	VT_EQ_INT(scan(path[1], NULL, &side[1]), 0);
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), -EINVAL);
	VT_ASSERT(strstr(err, "hold the same recording"));
	path[1] = path[0];
	VT_EQ_INT(vd_inputs_distinct(path, side, NULL, err, sizeof(err)), -EINVAL);
	VT_ASSERT(strstr(err, "are the same file"));
}

/*
 * Every pair the project ships (lab recordings, simulated examples, fixture
 * pairs) passes; two hosts, or two guests, of different sessions do not.
 */
VT_TEST(distinct_shipped_pairs_pass)
{
	static const char *const pairs[][2] = {
		{ "examples/lab/alloc/host.txt", "examples/lab/alloc/guest.txt" },
		{ "examples/lab/clean/host.txt", "examples/lab/clean/guest.txt" },
		{ "examples/lab/multi/host.txt", "examples/lab/multi/guest.txt" },
		{ "examples/lab/notread/host.txt", "examples/lab/notread/guest.txt" },
		{ "examples/lab/refused/host.txt", "examples/lab/refused/guest.txt" },
		{ "examples/lab/socat/host.txt", "examples/lab/socat/guest.txt" },
		{ "examples/lab/stall/host.txt", "examples/lab/stall/guest.txt" },
		{ "examples/simulated/clean/linux.txt", "examples/simulated/clean/android.txt" },
		{ "examples/simulated/dead-link/linux.txt",
		  "examples/simulated/dead-link/android.txt" },
		{ "examples/simulated/refused/linux.txt",
		  "examples/simulated/refused/android.txt" },
		{ "tests/fixtures/text/seed_linux.txt", "tests/fixtures/text/seed_android.txt" },
		{ "tests/fixtures/text/adb_handshake_host.txt",
		  "tests/fixtures/text/adb_handshake_guest.txt" },
		{ "tests/fixtures/text/half_closed_host.txt",
		  "tests/fixtures/text/half_closed_guest.txt" },
	};
	struct vd_side_info side[2];
	char err[512];

	if (access(pairs[0][0], R_OK)) {
		VT_SKIP("distinct_shipped_pairs_pass: run from the repository root");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		const char *path[2] = { pairs[i][0], pairs[i][1] };

		VT_EQ_INT(scan(path[0], NULL, &side[0]), 0);
		VT_EQ_INT(scan(path[1], NULL, &side[1]), 0);
		err[0] = '\0';
		if (vd_inputs_distinct(path, side, NULL, err, sizeof(err))) {
			vt_fail(__FILE__, __LINE__, "%s + %s refused: %s", path[0], path[1], err);
			return;
		}
	}
	/* two hosts of two sessions: both on CID 2 */
	const char *hosts[2] = { pairs[1][0], pairs[6][0] };

	VT_EQ_INT(scan(hosts[0], NULL, &side[0]), 0);
	VT_EQ_INT(scan(hosts[1], NULL, &side[1]), 0);
	VT_EQ_INT(vd_inputs_distinct(hosts, side, NULL, err, sizeof(err)), -EINVAL);
	VT_ASSERT(strstr(err, "partition with CID 2"));
	const char *guests[2] = { pairs[1][1], pairs[6][1] };

	VT_EQ_INT(scan(guests[0], NULL, &side[0]), 0);
	VT_EQ_INT(scan(guests[1], NULL, &side[1]), 0);
	VT_EQ_INT(vd_inputs_distinct(guests, side, NULL, err, sizeof(err)), -EINVAL);
	VT_ASSERT(strstr(err, "partition with CID 3"));
}
