// SPDX-License-Identifier: GPL-2.0
/*
 * The event cache (evcache.h): a compact copy of one pass's events, in memory
 * up to a limit, then in an unlinked temporary file.
 *
 * A record: the kind's slot (1 byte), a mask of the struct's 64-bit words that
 * differ from the previous event of that kind (3 bytes), then for each such
 * word the number of its low bytes that are not zero (1 byte, 1 to 8) and
 * those bytes of the XOR.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "analyzers/sources/evcache.h"
#include "analyzers/sources/source_impl.h"

_Static_assert(sizeof(struct vd_event) % 8 == 0, "struct vd_event is not a whole number of words");
_Static_assert(VD_EVCACHE_WORDS <= 24, "the word mask has 24 bits");
_Static_assert(VD_EV_KIND_MAX <= 256, "the kind's slot is one byte");
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "evcache.c stores a word's low bytes first: little-endian hosts only"
#endif

/* what the file's writes and reads go through */
#define EVCACHE_IOBUF (256u * 1024)

static unsigned int slot_of(uint32_t kind)
{
	return kind < VD_EV_KIND_MAX ? kind : 0;
}

void vd_evcodec_init(struct vd_evcodec *c)
{
	memset(c, 0, sizeof(*c));
}

size_t vd_evcodec_encode(struct vd_evcodec *c, const struct vd_event *ev, uint8_t *out)
{
	unsigned int slot = slot_of(ev->kind);
	const unsigned char *cur = (const unsigned char *)ev;
	unsigned char *old = (unsigned char *)&c->prev[slot];
	uint64_t x[VD_EVCACHE_WORDS];
	uint32_t mask = 0, m;
	size_t p = 4;

	/*
	 * Which words changed, without a branch per word (which ones do is
	 * anybody's guess), and with 8-byte loads: the event was just written
	 * field by field, and wider loads of it stall on store forwarding.
	 */
	for (unsigned int i = 0; i < VD_EVCACHE_WORDS; i++) {
		uint64_t a, b;

		memcpy(&a, cur + (size_t)i * 8, 8);
		memcpy(&b, old + (size_t)i * 8, 8);
		x[i] = a ^ b;
		mask |= (uint32_t)(x[i] != 0) << i;
		memcpy(old + (size_t)i * 8, &a, 8);
	}
	for (m = mask; m; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctz(m);
		unsigned int nb = 8 - (unsigned int)__builtin_clzll(x[i]) / 8;

		out[p++] = (uint8_t)nb;
		/* all 8 bytes stored, nb kept: each word has 9 bytes of room in out */
		memcpy(out + p, &x[i], 8);
		p += nb;
	}
	out[0] = (uint8_t)slot;
	out[1] = (uint8_t)mask;
	out[2] = (uint8_t)(mask >> 8);
	out[3] = (uint8_t)(mask >> 16);
	return p;
}

size_t vd_evcodec_decode(struct vd_evcodec *c, const uint8_t *in, size_t len, struct vd_event *ev)
{
	unsigned char *prev;
	unsigned int slot;
	uint32_t mask;
	size_t p = 4;

	if (len < 4 || in[0] >= VD_EV_KIND_MAX)
		return 0;
	slot = in[0];
	mask = in[1] | (uint32_t)in[2] << 8 | (uint32_t)in[3] << 16;
	if (mask >> VD_EVCACHE_WORDS)
		return 0;
	/*
	 * The event starts as a copy of the previous one of its kind, then each
	 * changed word is applied to both, with 8-byte loads and stores only:
	 * this runs for every event of every later pass, and reading a word
	 * back wider than it was just written (applying in place, then copying
	 * the struct out) stalls on store forwarding, measured as most of the
	 * decode's time.
	 */
	prev = (unsigned char *)&c->prev[slot];
	memcpy(ev, prev, sizeof(*ev));
	while (mask) {
		unsigned int i = (unsigned int)__builtin_ctz(mask), nb;
		uint64_t x = 0, word;

		mask &= mask - 1;
		if (p >= len)
			return 0;
		nb = in[p++];
		if (nb < 1 || nb > 8 || nb > len - p)
			return 0;
		if (len - p >= 8) {
			/* one load, then the bytes that belong to this word */
			memcpy(&x, in + p, 8);
			if (nb < 8)
				x &= (1ull << (nb * 8)) - 1;
		} else {
			memcpy(&x, in + p, nb);
		}
		p += nb;
		memcpy(&word, prev + (size_t)i * 8, 8);
		word ^= x;
		memcpy(prev + (size_t)i * 8, &word, 8);
		memcpy((unsigned char *)ev + (size_t)i * 8, &word, 8);
	}
	/* a record that decodes to another kind than its slot was not written by us */
	if (slot_of(ev->kind) != slot)
		return 0;
	return p;
}

struct vd_evcache {
	struct vd_evcodec enc, dec;
	size_t mem_max;
	/* memory: every record while fd < 0 */
	uint8_t *mem;
	size_t mem_len, mem_cap, mem_pos;
	/* the temporary file, once memory was not enough: every record goes there */
	int fd;
	uint8_t *buf; /* writes before seal, reads after */
	size_t head, tail;
	uint64_t file_len, file_off;
	bool sealed;
	uint64_t nev, bytes;
};

struct vd_evcache *vd_evcache_new(size_t mem_max)
{
	struct vd_evcache *c = vd_xcalloc(1, sizeof(*c));

	vd_evcodec_init(&c->enc);
	vd_evcodec_init(&c->dec);
	c->mem_max = mem_max;
	c->fd = -1;
	return c;
}

/* memory is full: everything so far to a temporary file, and from now on there */
static int spill(struct vd_evcache *c)
{
	int fd = vd_tmp_open(), ret;

	if (fd < 0)
		return fd;
	ret = vd_pwrite_all(fd, c->mem, c->mem_len, 0);
	if (ret) {
		close(fd);
		return ret;
	}
	c->fd = fd;
	c->file_len = c->mem_len;
	free(c->mem);
	c->mem = NULL;
	c->mem_len = c->mem_cap = 0;
	c->buf = vd_xcalloc(1, EVCACHE_IOBUF);
	c->head = c->tail = 0;
	return 0;
}

static int flush_buf(struct vd_evcache *c)
{
	int ret = vd_pwrite_all(c->fd, c->buf, c->tail, (off_t)c->file_len);

	if (!ret) {
		c->file_len += c->tail;
		c->tail = 0;
	}
	return ret;
}

int vd_evcache_put(struct vd_evcache *c, const struct vd_event *ev)
{
	uint8_t rec[VD_EVCACHE_MAX_REC];
	size_t n;
	int ret;

	if (c->sealed)
		return -EINVAL;
	n = vd_evcodec_encode(&c->enc, ev, rec);
	if (c->fd < 0 && c->mem_len + n > c->mem_max) {
		ret = spill(c);
		if (ret)
			return ret;
	}
	if (c->fd < 0) {
		if (c->mem_len + n > c->mem_cap) {
			/* doubling, never past mem_max (mem_len + n is within it here) */
			size_t cap = c->mem_cap ? c->mem_cap * 2 : 64 * 1024;

			while (cap < c->mem_len + n)
				cap *= 2;
			c->mem_cap = VD_MIN(cap, c->mem_max);
			c->mem = vd_xrealloc(c->mem, 1, c->mem_cap);
		}
		memcpy(c->mem + c->mem_len, rec, n);
		c->mem_len += n;
	} else {
		if (c->tail + n > EVCACHE_IOBUF) {
			ret = flush_buf(c);
			if (ret)
				return ret;
		}
		memcpy(c->buf + c->tail, rec, n);
		c->tail += n;
	}
	c->nev++;
	c->bytes += n;
	return 0;
}

int vd_evcache_seal(struct vd_evcache *c)
{
	int ret;

	if (c->sealed)
		return -EINVAL;
	if (c->fd >= 0 && c->tail) {
		ret = flush_buf(c);
		if (ret)
			return ret;
	}
	c->sealed = true;
	return vd_evcache_rewind(c);
}

int vd_evcache_rewind(struct vd_evcache *c)
{
	if (!c->sealed)
		return -EINVAL;
	vd_evcodec_init(&c->dec);
	c->mem_pos = 0;
	c->head = c->tail = 0;
	c->file_off = 0;
	return 0;
}

/* at least one whole record in buf[head, tail), unless the file ends first */
static int refill(struct vd_evcache *c)
{
	size_t have = c->tail - c->head;

	if (have >= VD_EVCACHE_MAX_REC || c->file_off >= c->file_len)
		return 0;
	memmove(c->buf, c->buf + c->head, have);
	c->head = 0;
	c->tail = have;
	while (c->tail < EVCACHE_IOBUF && c->file_off < c->file_len) {
		ssize_t r =
		    pread(c->fd, c->buf + c->tail, EVCACHE_IOBUF - c->tail, (off_t)c->file_off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* shorter than what was written */
		c->tail += (size_t)r;
		c->file_off += (uint64_t)r;
	}
	return 0;
}

int vd_evcache_get(struct vd_evcache *c, struct vd_event *ev)
{
	size_t n;
	int ret;

	if (!c->sealed)
		return -EINVAL;
	if (c->fd < 0) {
		if (c->mem_pos == c->mem_len)
			return 0;
		n = vd_evcodec_decode(&c->dec, c->mem + c->mem_pos, c->mem_len - c->mem_pos, ev);
		if (!n)
			return -EIO;
		c->mem_pos += n;
		return 1;
	}
	ret = refill(c);
	if (ret)
		return ret;
	if (c->head == c->tail)
		return 0;
	n = vd_evcodec_decode(&c->dec, c->buf + c->head, c->tail - c->head, ev);
	if (!n)
		return -EIO;
	c->head += n;
	return 1;
}

uint64_t vd_evcache_events(const struct vd_evcache *c)
{
	return c->nev;
}

uint64_t vd_evcache_bytes(const struct vd_evcache *c)
{
	return c->bytes;
}

bool vd_evcache_on_disk(const struct vd_evcache *c)
{
	return c->fd >= 0;
}

void vd_evcache_free(struct vd_evcache *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->mem);
	free(c->buf);
	free(c);
}
