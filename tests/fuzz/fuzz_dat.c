// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the trace.dat source (libtracecmd + dat_map.c): the
 * input is a trace.dat, opened from memory (vd_source_open_mem) exactly as
 * from a file, read to the end, rewound and read again: both passes must give
 * the same events and statistics.  A third pass with the recorder's marks on
 * must give the same events once the marks are left out.
 *
 * An input that does not start with the trace.dat magic would only reach the
 * text source (fuzz_text covers it): the magic is put in front of it.  The
 * seeds (tests/fuzz/corpus-dat) all start with it, so the mutator mostly
 * keeps it.
 */
#include <stdbool.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "analyzers/sources/dat_map.h"
#include "analyzers/sources/source.h"
#include "common/log.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_dat: %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* events kept for the comparison of passes; a longer recording is compared by count only */
#define KEEP_MAX 200000

struct pass {
	struct vd_event *ev;
	size_t n, cap;
	uint64_t nall; /* every event, kept or not */
	uint64_t marks;
};

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
		if (ev->bpf.kind == VD_BPF_TIER) {
			CHECK(memchr(ev->bpf.tier.hook, '\0', sizeof(ev->bpf.tier.hook)));
			CHECK(memchr(ev->bpf.tier.why, '\0', sizeof(ev->bpf.tier.why)));
			CHECK(ev->bpf.tier.tier < VD_TIER_MAX);
		}
		if (ev->bpf.kind == VD_BPF_STACK)
			CHECK(memchr(ev->bpf.stack.summary, '\0', sizeof(ev->bpf.stack.summary)));
		if (ev->bpf.kind == VD_BPF_SKBDROP)
			CHECK(memchr(ev->bpf.skbdrop.loc, '\0', sizeof(ev->bpf.skbdrop.loc)));
		if (ev->bpf.kind == VD_BPF_KICK)
			CHECK(ev->bpf.kick.dir >= VD_KICK_SENT &&
			      ev->bpf.kick.dir <= VD_KICK_RECEIVED);
	}
	if (ev->kind == VD_EV_LOST)
		CHECK(ev->pid == -1);
}

/* every event to the end; marks (when on) are counted apart and not kept */
static void drain(struct vd_source *src, struct pass *p)
{
	struct vd_event ev;
	int ret;

	memset(p, 0, sizeof(*p));
	while ((ret = vd_source_next(src, &ev)) == 1) {
		check_event(&ev);
		if (ev.kind == VD_EV_MARK) {
			p->marks++;
			continue;
		}
		p->nall++;
		if (p->n == KEEP_MAX)
			continue;
		if (p->n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 256;
			p->ev = realloc(p->ev, p->cap * sizeof(*p->ev));
			CHECK(p->ev);
		}
		p->ev[p->n++] = ev;
	}
	/* the trace.dat source has no read errors of its own: damage is an end or a skip */
	CHECK(ret == 0);
	/* a second call after the end stays at the end */
	CHECK(vd_source_next(src, &ev) == 0);
}

static bool same(const struct pass *a, const struct pass *b)
{
	return a->nall == b->nall && a->n == b->n &&
	       (!a->n || !memcmp(a->ev, b->ev, a->n * sizeof(*a->ev)));
}

static void fuzz_dat(const uint8_t *data, size_t size)
{
	const struct vd_source_stats *s;
	struct vd_source_stats first;
	struct pass p1, p2, p3;
	struct vd_dat_info info;
	struct vd_source *src;
	char err[1024];

	src = vd_source_open_mem("fuzz.dat", data, size, err, sizeof(err));
	if (!src) {
		CHECK(err[0]); /* refused with a message */
		return;
	}
	CHECK(vd_source_format(src) == VD_FMT_TRACE_DAT);
	CHECK(vd_source_dat_info(src, &info) == 0);
	CHECK(info.buffers >= 0);

	drain(src, &p1);
	s = vd_source_stats(src);
	first = *s;
	CHECK(first.events == p1.nall);
	CHECK(p1.marks == 0); /* off when opened */
	CHECK(first.lost_markers <= first.events);
	CHECK(first.first_ts <= first.last_ts);
	CHECK(first.window_truncated || first.window_start == first.first_ts);
	CHECK(first.ncpus >= 0);

	/* correlate reads every recording more than once: the next pass must be identical */
	CHECK(vd_source_rewind(src) == 0);
	drain(src, &p2);
	CHECK(same(&p1, &p2));
	CHECK(vd_source_stats_equal(&first, vd_source_stats(src)));

	/* with the marks on: the same events and statistics, plus the marks */
	vd_source_set_marks(src, true);
	CHECK(vd_source_rewind(src) == 0);
	drain(src, &p3);
	CHECK(same(&p1, &p3));
	CHECK(vd_source_stats_equal(&first, vd_source_stats(src)));
	CHECK(p3.marks <= first.unknown_events);

	free(p1.ev);
	free(p2.ev);
	free(p3.ev);
	vd_source_close(src);
}

#define FUZZ_DAT_ONE fuzz_dat
#include "tests/fuzz/fuzz_dat_entry.h"
