// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the ftrace text source.  Pasted dumps are the most
 * hostile input vsockdiag reads, so every byte sequence must parse without a
 * crash, an out-of-bounds read or a hang, both line by line and through the
 * whole source (buffer refills, over-long lines, rewind), read from memory
 * (vd_source_open_mem) as it would be from a file.
 *
 * A first byte 0x01..0x03 shrinks the source's read buffer, so that small
 * inputs reach the refill and over-long-line paths too.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/sources/source.h"
#include "analyzers/sources/text_parse.h"
#include "common/log.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_text: %s:%d: %s\n", __FILE__, __LINE__, #cond);      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void check_event(const struct vd_event *ev)
{
	CHECK(ev->kind > VD_EV_NONE && ev->kind < VD_EV_KIND_MAX);
	CHECK(memchr(ev->comm, '\0', sizeof(ev->comm)));
	if (ev->kind == VD_EV_IRQ_ENTRY || ev->kind == VD_EV_IRQ_EXIT)
		CHECK(memchr(ev->irq.name, '\0', sizeof(ev->irq.name)));
	if (ev->kind == VD_EV_KMALLOC)
		CHECK(memchr(ev->kmalloc.call_sym, '\0', sizeof(ev->kmalloc.call_sym)));
	if (ev->kind == VD_EV_BPF) {
		CHECK(ev->bpf.kind > VD_BPF_NONE && ev->bpf.kind < VD_BPF_KIND_MAX);
		CHECK(ev->bpf.t <= INT64_MAX);
		if (ev->bpf.kind == VD_BPF_TIER) {
			CHECK(ev->bpf.tier.hook[0]);
			CHECK(memchr(ev->bpf.tier.hook, '\0', sizeof(ev->bpf.tier.hook)));
			CHECK(memchr(ev->bpf.tier.why, '\0', sizeof(ev->bpf.tier.why)));
			CHECK(ev->bpf.tier.tier < VD_TIER_MAX);
		}
		if (ev->bpf.kind == VD_BPF_STACK)
			CHECK(memchr(ev->bpf.stack.summary, '\0', sizeof(ev->bpf.stack.summary)));
		if (ev->bpf.kind == VD_BPF_SKBDROP)
			CHECK(memchr(ev->bpf.skbdrop.loc, '\0', sizeof(ev->bpf.skbdrop.loc)));
		if (ev->bpf.kind == VD_BPF_KICK)
			CHECK(ev->bpf.kick.dir >= VD_KICK_SENT && ev->bpf.kick.dir <= VD_KICK_RECEIVED);
	}
}

/* Each line from its own exactly-sized allocation: ASan catches a read past its end. */
static void fuzz_lines(const uint8_t *data, size_t size)
{
	static struct vd_text_state st;
	const char *p = (const char *)data, *end = p + size;

	vd_text_state_init(&st);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		char *line = malloc(len ? len : 1);
		const char *why = NULL;
		struct vd_event ev;
		int ret;

		memcpy(line, p, len);
		ret = vd_text_parse_line(&st, line, len, &ev, &why);
		free(line);
		CHECK(ret == -EINVAL || (ret >= VD_LINE_SKIP && ret <= VD_LINE_OTHER));
		if (ret == -EINVAL)
			CHECK(why && *why);
		if (ret == VD_LINE_EVENT || ret == VD_LINE_LOST)
			check_event(&ev);
		if (ret == VD_LINE_LOST)
			CHECK(ev.kind == VD_EV_LOST);
		p += len + 1;
	}
	(void)vd_text_window_start(&st);
}

static int64_t drain(struct vd_source *src)
{
	struct vd_event ev;
	int64_t n = 0;
	int ret;

	while ((ret = vd_source_next(src, &ev)) == 1) {
		check_event(&ev);
		n++;
	}
	CHECK(ret == 0);
	CHECK((uint64_t)n == vd_source_stats(src)->events);
	return n;
}

static void fuzz_source(const uint8_t *data, size_t size, size_t bufsize)
{
	struct vd_source_stats first;
	struct vd_source *src;
	char err[512];
	int64_t n;

	vd_text_read_bufsize = bufsize;
	src = vd_source_open_mem("fuzz_text", data, size, err, sizeof(err));
	vd_text_read_bufsize = (size_t)1 << 20;
	if (!src)
		return; /* empty or binary: refused with a message, which is fine */
	n = drain(src);
	first = *vd_source_stats(src);
	CHECK(first.lines >= (uint64_t)n);
	CHECK(first.first_ts <= first.last_ts);
	CHECK(first.window_truncated || first.window_start == first.first_ts);
	/* correlate reads every recording twice: the second pass must be identical */
	CHECK(vd_source_rewind(src) == 0);
	CHECK(drain(src) == n);
	CHECK(vd_source_stats_equal(&first, vd_source_stats(src)));
	vd_source_close(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t small[] = {0, 16, 61, 251};
	size_t bufsize = (size_t)1 << 20;

	vd_log_level = VD_LOG_QUIET;
	if (size && data[0] >= 1 && data[0] <= 3) {
		bufsize = small[data[0]];
		data++;
		size--;
	}
	fuzz_lines(data, size);
	fuzz_source(data, size, bufsize);
	return 0;
}
