/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which events a recording enables, and the kernel-side filters that keep the
 * cost low on a busy partition.
 */
#ifndef VD_EVENTS_H
#define VD_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

struct tracefs_instance;

/*
 * The default set. vsock:* is the point of the tool; irq_handler_entry/exit
 * are filtered to the vsock device's lines, mm_page_alloc to order >= 3 and
 * kmalloc to failures; skb:kfree_skb where the kernel has it.
 */
#define VD_EVENTS_DEFAULT                                                                          \
	"vsock:*,irq:irq_handler_entry,irq:irq_handler_exit,kmem:mm_page_alloc,"                   \
	"kmem:kmalloc,skb:kfree_skb"

/* Tests set this so that no code path can enable vsock events on a machine
 * whose own vsock device belongs to the environment. */
#define VD_FORBID_VSOCK_ENV "VSOCKDIAG_FORBID_VSOCK"

struct vd_events {
	char **globs; /* "system:event" as enabled (for the file's format list) */
	int nr;
	char *enabled; /* comma-joined, for the metadata */
};

/*
 * Enable @list (NULL: the default set) in @inst. With @filters, the built-in
 * kernel filters apply to the events they concern, wherever they were named;
 * irq events are always filtered when @irq_pattern is given.
 * Missing events are reported and skipped; fails when nothing could be enabled
 * or the default set lacks vsock:* (with a next step in @err).
 */
int vd_events_enable(struct tracefs_instance *inst, const char *list, const char *irq_pattern,
		     bool filters, struct vd_events *ev, char *err, size_t errlen);
void vd_events_free(struct vd_events *ev);

/*
 * The kernel filter for the interrupt lines of the virtio vsock device(s)
 * (device id 0x0013), or of the /proc/interrupts names matching @pattern
 * (fnmatch) or a comma list of numbers. Returns 0 and a malloc'ed
 * "irq == 41 || irq == 42" in @filter, -ENOENT when no line matches.
 */
int vd_events_irq_filter(const char *pattern, char **filter);

#endif /* VD_EVENTS_H */
