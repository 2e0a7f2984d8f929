// SPDX-License-Identifier: GPL-2.0
/*
 * The event cache (analyzers/sources/evcache.c): every byte of every event
 * comes back, in memory and through the temporary file, over any number of
 * replays; damaged records are refused, never trusted; and a source that
 * replays its cache gives exactly the events and statistics of a source that
 * parses its file every pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/sources/evcache.h"
#include "analyzers/sources/source.h"
#include "tests/unit/vtest.h"

static uint64_t rng_state = 12345;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Events like a recording's: a few connections, timestamps and line numbers
 * that grow, counters that move; and now and then an event of random bytes
 * (any kind value, padding included) for the codec's generality.
 */
static void make_event(struct vd_event *ev, uint64_t i)
{
	memset(ev, 0, sizeof(*ev));
	if (rnd() % 50 == 0) {
		for (size_t b = 0; b < sizeof(*ev); b++)
			((uint8_t *)ev)[b] = (uint8_t)rnd();
		return;
	}
	ev->ts_ns = 1000000000ull + i * 1537 + rnd() % 1000;
	ev->cpu = (int32_t)(rnd() % 4);
	ev->pid = 100 + (int32_t)(rnd() % 3);
	ev->lineno = i * 2 + 12;
	memcpy(ev->comm, "vsockload", 9);
	switch (rnd() % 5) {
	case 0:
	case 1:
		ev->kind = VD_EV_PKT_ALLOC;
		ev->pkt.src_cid = 3;
		ev->pkt.dst_cid = 2;
		ev->pkt.src_port = 1024 + (uint32_t)(rnd() % 4);
		ev->pkt.dst_port = 5555;
		ev->pkt.len = 4096;
		ev->pkt.op = VD_OP_RW;
		ev->pkt.type = VD_TYPE_STREAM;
		break;
	case 2:
		ev->kind = VD_EV_PKT_RECV;
		ev->pkt.fwd_cnt = (uint32_t)(i * 4096);
		ev->pkt.buf_alloc = 262144;
		ev->pkt.has_credit = true;
		break;
	case 3:
		ev->kind = VD_EV_IRQ_ENTRY;
		ev->irq.irq = 42;
		strcpy(ev->irq.name, "virtio1-virtqueues");
		break;
	default:
		ev->kind = VD_EV_KMALLOC;
		ev->kmalloc.ptr = rnd() % 7 ? 0xffff888000000000ull + rnd() % 100000 : 0;
		ev->kmalloc.failed = !ev->kmalloc.ptr;
		strcpy(ev->kmalloc.call_sym, "__alloc_skb+0x5a/0x200");
		break;
	}
}

/* put n events, seal, and read them back `rounds` times: all equal, byte for byte */
static int roundtrip(size_t mem_max, uint64_t n, int rounds, bool *on_disk)
{
	struct vd_evcache *c = vd_evcache_new(mem_max);
	struct vd_event want, got;
	int ret = 0;

	rng_state = 777;
	for (uint64_t i = 0; i < n; i++) {
		make_event(&want, i);
		if (vd_evcache_put(c, &want)) {
			ret = -1;
			goto out;
		}
	}
	if (vd_evcache_seal(c)) {
		ret = -2;
		goto out;
	}
	*on_disk = vd_evcache_on_disk(c);
	for (int r = 0; r < rounds; r++) {
		rng_state = 777;
		if (r && vd_evcache_rewind(c)) {
			ret = -3;
			goto out;
		}
		for (uint64_t i = 0; i < n; i++) {
			make_event(&want, i);
			if (vd_evcache_get(c, &got) != 1 || memcmp(&want, &got, sizeof(got))) {
				ret = -4;
				goto out;
			}
		}
		if (vd_evcache_get(c, &got) != 0) {
			ret = -5;
			goto out;
		}
	}
	if (vd_evcache_events(c) != n)
		ret = -6;
out:
	vd_evcache_free(c);
	return ret;
}

VT_TEST(evcache_every_byte_back_in_memory)
{
	bool disk = true;

	VT_EQ_INT(roundtrip(64u << 20, 50000, 3, &disk), 0);
	VT_ASSERT(!disk);
}

VT_TEST(evcache_every_byte_back_through_the_file)
{
	bool disk = false;

	/* 0: straight to the file; 100 KiB: memory first, then moved there */
	VT_EQ_INT(roundtrip(0, 50000, 3, &disk), 0);
	VT_ASSERT(disk);
	disk = false;
	VT_EQ_INT(roundtrip(100 * 1024, 50000, 2, &disk), 0);
	VT_ASSERT(disk);
}

VT_TEST(evcache_empty_and_misuse)
{
	struct vd_evcache *c = vd_evcache_new(1024);
	struct vd_event ev;

	memset(&ev, 0, sizeof(ev));
	VT_EQ_INT(vd_evcache_get(c, &ev), -EINVAL); /* not sealed yet */
	VT_EQ_INT(vd_evcache_rewind(c), -EINVAL);
	VT_EQ_INT(vd_evcache_seal(c), 0);
	VT_EQ_INT(vd_evcache_get(c, &ev), 0);
	VT_EQ_INT(vd_evcache_put(c, &ev), -EINVAL); /* sealed */
	VT_EQ_INT(vd_evcache_seal(c), -EINVAL);
	vd_evcache_free(c);
}

VT_TEST(evcache_similar_events_are_small)
{
	struct vd_evcodec enc;
	uint8_t rec[VD_EVCACHE_MAX_REC];
	struct vd_event ev;
	size_t total = 0;

	vd_evcodec_init(&enc);
	memset(&ev, 0, sizeof(ev));
	ev.kind = VD_EV_PKT_ALLOC;
	ev.pkt.src_cid = 3;
	ev.pkt.dst_cid = 2;
	ev.pkt.len = 4096;
	for (int i = 0; i < 1000; i++) {
		ev.ts_ns = 5000000000ull + (uint64_t)i * 10000;
		ev.lineno = (uint64_t)i + 100;
		total += vd_evcodec_encode(&enc, &ev, rec);
	}
	/* the kind, the mask, then timestamp and line number: about 10 bytes, not 152 */
	VT_ASSERT(total / 1000 <= 12);
}

/* records cut short, or changed at random: refused (0) or decoded, never read past the end */
VT_TEST(evcache_damaged_records_refused)
{
	struct vd_evcodec enc, dec;
	uint8_t rec[VD_EVCACHE_MAX_REC], bad[VD_EVCACHE_MAX_REC];
	struct vd_event ev, out;
	size_t n;

	rng_state = 99;
	for (int i = 0; i < 20000; i++) {
		vd_evcodec_init(&enc);
		make_event(&ev, (uint64_t)i);
		n = vd_evcodec_encode(&enc, &ev, rec);
		for (size_t cut = 0; cut < n; cut++) {
			vd_evcodec_init(&dec);
			/* a copy of exactly `cut` bytes on the heap: ASan sees any over-read */
			uint8_t *h = malloc(cut ? cut : 1);

			memcpy(h, rec, cut);
			VT_EQ_INT(vd_evcodec_decode(&dec, h, cut, &out), 0);
			free(h);
		}
		memcpy(bad, rec, n);
		bad[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8));
		vd_evcodec_init(&dec);
		VT_ASSERT(vd_evcodec_decode(&dec, bad, n, &out) <= n);
	}
	/* a kind slot out of range, a mask bit past the struct */
	memset(bad, 0, sizeof(bad));
	bad[0] = VD_EV_KIND_MAX;
	vd_evcodec_init(&dec);
	VT_EQ_INT(vd_evcodec_decode(&dec, bad, 4, &out), 0);
	bad[0] = VD_EV_PKT_ALLOC;
	bad[3] = 0x80;
	VT_EQ_INT(vd_evcodec_decode(&dec, bad, sizeof(bad), &out), 0);
}

/* every pass of every text fixture: the cached source equals the parsing one */
static int read_pass(struct vd_source *s, struct vd_event *evs, size_t cap, size_t *n)
{
	int ret;

	*n = 0;
	while ((ret = vd_source_next(s, &evs[*n < cap ? *n : cap - 1])) == 1)
		(*n)++;
	return ret;
}

VT_TEST(evcache_source_replay_equals_parsing)
{
	static const char *const files[] = {
		"tests/fixtures/text/seed_android.txt",
		"tests/fixtures/text/seed_linux.txt",
		"examples/lab/stall/host.dat",
		"examples/lab/stall/guest.txt",
	};
	size_t cap = 200000;
	struct vd_event *a = calloc(cap, sizeof(*a)), *b = calloc(cap, sizeof(*b));
	char err[512];

	VT_ASSERT(a && b);
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct vd_source *s[2];
		size_t na, nb;

		setenv("VSOCKDIAG_CACHE", "0", 1);
		s[0] = vd_source_open(files[f], err, sizeof(err));
		unsetenv("VSOCKDIAG_CACHE");
		setenv("VSOCKDIAG_CACHE_MEM", f % 2 ? "0" : "1000000", 1);
		s[1] = vd_source_open(files[f], err, sizeof(err));
		VT_ASSERT(s[0] && s[1]);
		for (int pass = 0; pass < 3; pass++) {
			/* the marks on in one pass, off in the next: the cache keeps them all */
			vd_source_set_marks(s[0], pass != 1);
			vd_source_set_marks(s[1], pass != 1);
			if (pass) {
				VT_EQ_INT(vd_source_rewind(s[0]), 0);
				VT_EQ_INT(vd_source_rewind(s[1]), 0);
			}
			VT_EQ_INT(read_pass(s[0], a, cap, &na), 0);
			VT_EQ_INT(read_pass(s[1], b, cap, &nb), 0);
			VT_ASSERT(na > 0 && na < cap);
			VT_EQ_U64(nb, na);
			VT_ASSERT(!memcmp(a, b, na * sizeof(*a)));
			VT_ASSERT(vd_source_stats_equal(vd_source_stats(s[0]), vd_source_stats(s[1])));
		}
		vd_source_close(s[0]);
		vd_source_close(s[1]);
		unsetenv("VSOCKDIAG_CACHE_MEM");
	}
	free(a);
	free(b);
}
