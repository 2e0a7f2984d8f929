// SPDX-License-Identifier: GPL-2.0
/*
 * The log sink: a full-screen view takes every message (level + text) with
 * vd_log_set_sink(); without one, stderr gets exactly the bytes it always
 * got.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "vtest.h"

#define CAP_MAX 8

struct capture {
	int n;
	enum vd_log_level level[CAP_MAX];
	char *msg[CAP_MAX];
	void *ctx[CAP_MAX];
	const char *say_inside; /* the sink logs this itself (re-entry) */
};

static void cap_sink(void *ctx, enum vd_log_level level, const char *msg)
{
	struct capture *c = ctx;

	if (c->n < CAP_MAX) {
		c->level[c->n] = level;
		c->msg[c->n] = strdup(msg);
		c->ctx[c->n] = ctx;
	}
	c->n++;
	if (c->say_inside)
		vd_warn("%s", c->say_inside);
}

static void cap_free(struct capture *c)
{
	for (int i = 0; i < c->n && i < CAP_MAX; i++)
		free(c->msg[i]);
	memset(c, 0, sizeof(*c));
}

/* stderr into a memory file while capturing, then its bytes (static buffer) */
static int saved_stderr = -1, cap_fd = -1;

static void stderr_begin(void)
{
	fflush(stderr);
	cap_fd = memfd_create("test_log", MFD_CLOEXEC);
	saved_stderr = dup(2);
	dup2(cap_fd, 2);
}

static const char *stderr_end(void)
{
	static char buf[16384];
	ssize_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	n = pread(cap_fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(cap_fd);
	return buf;
}

static int saved_level;

static void level_push(int level)
{
	saved_level = vd_log_level;
	vd_log_level = level;
}

static void level_pop(void)
{
	vd_log_level = saved_level;
}

VT_TEST(log_sink_gets_level_and_bare_message)
{
	struct capture c = { 0 };
	struct vd_log_sink prev;

	level_push(VD_LOG_DEBUG);
	prev = vd_log_set_sink(cap_sink, &c);
	vd_err("cannot open %s: %s", "host.txt", "No such file");
	vd_warn("%s:%d: malformed line: skipped", "guest.txt", 12);
	vd_info("recording %d CPUs", 4);
	vd_dbg("debug %#x", 0x10);
	vd_log_set_sink(prev.fn, prev.ctx);
	level_pop();
	VT_ASSERT(prev.fn == vd_log_stderr);
	VT_EQ_INT(c.n, 4);
	VT_EQ_INT(c.level[0], VD_LOG_ERROR);
	VT_EQ_STR(c.msg[0], "cannot open host.txt: No such file");
	VT_EQ_INT(c.level[1], VD_LOG_WARN);
	VT_EQ_STR(c.msg[1], "guest.txt:12: malformed line: skipped");
	VT_EQ_INT(c.level[2], VD_LOG_INFO);
	VT_EQ_STR(c.msg[2], "recording 4 CPUs");
	VT_EQ_INT(c.level[3], VD_LOG_DEBUG);
	VT_EQ_STR(c.msg[3], "debug 0x10");
	for (int i = 0; i < 4; i++)
		VT_ASSERT(c.ctx[i] == &c);
	cap_free(&c);
}

VT_TEST(log_level_filters_before_the_sink)
{
	struct capture c = { 0 };
	struct vd_log_sink prev = vd_log_set_sink(cap_sink, &c);

	level_push(VD_LOG_WARN);
	vd_info("not shown");
	vd_dbg("not shown");
	vd_warn("shown");
	vd_log_level = VD_LOG_QUIET;
	vd_err("quiet drops errors too");
	level_pop();
	vd_log_set_sink(prev.fn, prev.ctx);
	VT_EQ_INT(c.n, 1);
	VT_EQ_STR(c.msg[0], "shown");
	cap_free(&c);
}

VT_TEST(log_set_sink_returns_the_previous_one)
{
	struct capture a = { 0 }, b = { 0 };
	struct vd_log_sink p0, p1, p2, p3;

	p0 = vd_log_set_sink(cap_sink, &a);
	p1 = vd_log_set_sink(cap_sink, &b);
	vd_warn("to b");
	p2 = vd_log_set_sink(p1.fn, p1.ctx);
	vd_warn("to a");
	/* NULL: back to the default, whatever was set */
	p3 = vd_log_set_sink(NULL, &b);
	VT_ASSERT(p0.fn == vd_log_stderr && p0.ctx == NULL);
	VT_ASSERT(p1.fn == cap_sink && p1.ctx == &a);
	VT_ASSERT(p2.fn == cap_sink && p2.ctx == &b);
	VT_ASSERT(p3.fn == cap_sink && p3.ctx == &a);
	p3 = vd_log_set_sink(p0.fn, p0.ctx);
	VT_ASSERT(p3.fn == vd_log_stderr && p3.ctx == NULL);
	VT_EQ_INT(a.n, 1);
	VT_EQ_STR(a.msg[0], "to a");
	VT_EQ_INT(b.n, 1);
	VT_EQ_STR(b.msg[0], "to b");
	cap_free(&a);
	cap_free(&b);
}

/* longer than the formatting buffer on the stack: still whole */
VT_TEST(log_long_message_is_whole)
{
	struct capture c = { 0 };
	struct vd_log_sink prev;
	char *big = malloc(3001);

	VT_ASSERT(big);
	memset(big, 'x', 3000);
	big[3000] = '\0';
	prev = vd_log_set_sink(cap_sink, &c);
	vd_warn("<%s>", big);
	vd_log_set_sink(prev.fn, prev.ctx);
	VT_EQ_INT(c.n, 1);
	VT_EQ_INT(strlen(c.msg[0]), 3002);
	VT_ASSERT(c.msg[0][0] == '<' && c.msg[0][3001] == '>' && c.msg[0][1500] == 'x');
	cap_free(&c);
	free(big);
}

/* the default sink: byte for byte what log.c printed before sinks existed */
VT_TEST(log_default_is_stderr_byte_identical)
{
	static char expect[8192];
	char big[1201];
	const char *out;
	struct vd_log_sink prev;

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(expect, sizeof(expect),
		 "vsockdiag: error: cannot open a.txt: gone\n"
		 "vsockdiag: warning: a.txt:3: malformed line: skipped\n"
		 "vsockdiag: recording\n"
		 "vsockdiag: debug: 7 CPUs\n"
		 "vsockdiag: warning: %s\n"
		 "vsockdiag: warning: \n"
		 "vsockdiag: warning: after NULL\n",
		 big);
	level_push(VD_LOG_DEBUG);
	stderr_begin();
	vd_err("cannot open %s: %s", "a.txt", "gone");
	vd_warn("%s:%d: malformed line: skipped", "a.txt", 3);
	vd_info("recording");
	vd_dbg("%d CPUs", 7);
	vd_warn("%s", big);
	vd_warn("%s", "");
	prev = vd_log_set_sink(NULL, NULL);
	vd_warn("after NULL");
	out = stderr_end();
	level_pop();
	VT_ASSERT(prev.fn == vd_log_stderr);
	VT_EQ_STR(out, expect);
}

/* a sink that logs does not loop: its own message goes to stderr */
VT_TEST(log_sink_that_logs_does_not_recurse)
{
	struct capture c = { .say_inside = "from inside the sink" };
	struct vd_log_sink prev;
	const char *out;

	stderr_begin();
	prev = vd_log_set_sink(cap_sink, &c);
	vd_warn("outer");
	vd_log_set_sink(prev.fn, prev.ctx);
	out = stderr_end();
	VT_EQ_INT(c.n, 1);
	VT_EQ_STR(c.msg[0], "outer");
	VT_EQ_STR(out, "vsockdiag: warning: from inside the sink\n");
	cap_free(&c);
}
