// SPDX-License-Identifier: GPL-2.0
/*
 * Stack frames -> a summary.  An allocation fails deep in the allocator;
 * what matters is the code that asked: the first vsock, virtio_transport or
 * vhost_vsock frame, with the frame it called and the one that called it
 * ("__alloc_skb < virtio_vsock_rx_fill < virtio_transport_rx_work").  A
 * stack without vsock code is summarized from its first frame outside the
 * allocator.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyzers/sources/bpf_stack.h"
#include "analyzers/sources/text_internal.h"

#define MAX_FRAMES 256

struct frame {
	const char *s; /* the symbol, without +0xoff */
	size_t n;
};

static bool starts(const struct frame *f, const char *lit)
{
	return span_starts(f->s, f->n, lit, strlen(lit));
}

static bool contains(const struct frame *f, const char *lit)
{
	return memmem(f->s, f->n, lit, strlen(lit)) != NULL;
}

static bool is_vsock(const struct frame *f)
{
	return contains(f, "vsock") || starts(f, "virtio_transport") || starts(f, "vhost_");
}

/* the page and slab allocators, and the skb/kmalloc wrappers around them */
static bool is_allocator(const struct frame *f)
{
	static const char *const pre[] = {
		"__alloc",	  "alloc_",	   "kmalloc",
		"__kmalloc",	  "kmem_cache",	   "__kmem",
		"slab",		  "___slab",	   "__slab",
		"new_slab",	  "allocate_slab", "get_page_from_freelist",
		"__folio_alloc",  "folio_alloc",   "__get_free_pages",
		"warn_alloc",	  "kvmalloc",	   "__kvmalloc",
		"__netdev_alloc", "__napi_alloc",  "should_fail",
		"__kmalloc_large"
	};

	for (size_t i = 0; i < ARRAY_SIZE(pre); i++)
		if (starts(f, pre[i]))
			return true;
	return false;
}

static unsigned int names_of(const struct frame *f)
{
	if (starts(f, "virtio_vsock_rx_fill"))
		return VD_STACK_RXFILL;
	if (starts(f, "virtio_transport_alloc_skb") || starts(f, "virtio_transport_alloc_pkt"))
		return VD_STACK_TXALLOC;
	if (starts(f, "vhost_vsock_handle_tx_kick"))
		return VD_STACK_VHOSTTX;
	return is_vsock(f) ? VD_STACK_VSOCK : 0;
}

/* "sym+0xoff" -> sym; a bare address stays as it is */
static int frame_of(const char *s, size_t n, struct frame *f)
{
	const char *plus = memchr(s, '+', n);

	f->s = s;
	f->n = plus && plus > s ? (size_t)(plus - s) : n;
	if (!f->n)
		return -EINVAL;
	for (size_t i = 0; i < f->n; i++)
		if (!is_ident(s[i]) && s[i] != '.')
			return -EINVAL;
	/* the offset: "+0x1a", or %pS's "+0x1a/0x300"; then the module: "[vhost_vsock]" */
	for (size_t i = f->n + 1; i < n; i++) {
		if (s[i] == '[' && s[n - 1] == ']' && i + 2 < n) {
			for (size_t j = i + 1; j < n - 1; j++)
				if (!is_ident(s[j]))
					return -EINVAL;
			break;
		}
		if (!is_ident(s[i]) && s[i] != '/')
			return -EINVAL;
	}
	return 0;
}

static void append(char *buf, size_t size, size_t *len, const struct frame *f)
{
	int w;

	if (*len >= size - 1)
		return;
	w = snprintf(buf + *len, size - *len, "%s%.*s", *len ? " < " : "", (int)f->n, f->s);
	*len = w < 0 ? *len : VD_MIN(size - 1, *len + (size_t)w);
}

int vd_bpf_stack_summarize(const char *s, size_t n, struct vd_bpf_stack *st)
{
	struct frame fr[MAX_FRAMES];
	const char *end = s + n;
	size_t nf = 0, len = 0, anchor = SIZE_MAX, first = SIZE_MAX;

	if (!n)
		return -EINVAL;
	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;

		if (nf == MAX_FRAMES)
			break; /* the outermost frames say least: summarize what fits */
		if (frame_of(s, (size_t)(e - s), &fr[nf]))
			return -EINVAL;
		st->names |= (uint16_t)names_of(&fr[nf]);
		if (anchor == SIZE_MAX && is_vsock(&fr[nf]))
			anchor = nf;
		if (first == SIZE_MAX && !is_allocator(&fr[nf]))
			first = nf;
		nf++;
		if (!comma)
			break;
		s = comma + 1;
	}
	st->nframes = (uint16_t)nf;
	st->summary[0] = '\0';
	if (anchor == SIZE_MAX)
		anchor = first == SIZE_MAX ? 0 : first;
	if (anchor > 0)
		append(st->summary, sizeof(st->summary), &len, &fr[anchor - 1]);
	append(st->summary, sizeof(st->summary), &len, &fr[anchor]);
	if (anchor + 1 < nf)
		append(st->summary, sizeof(st->summary), &len, &fr[anchor + 1]);
	return 0;
}
