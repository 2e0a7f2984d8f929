/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Watching this partition as it runs (vsockdiag top): the same events,
 * filters and BPF hooks as `record`, in a private tracefs instance, read
 * as they arrive and handed over as struct vd_event, in time order.
 * Optionally (-w) the same is also recorded into a trace.dat, as `record`
 * writes it.  Everything changed is restored by vd_live_close(), which every
 * exit path calls.
 */
#ifndef VD_LIVE_H
#define VD_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collectors/record.h"

struct vd_event;

struct vd_live_opts {
	const char *events; /* NULL: the default set (VD_EVENTS_DEFAULT) */
	const char *irq;    /* the vsock interrupt line's name; NULL: found */
	bool no_filter;
	unsigned long buffer_kb; /* per CPU; 0: default */
	enum vd_bpf_mode bpf_mode;
	struct vd_bpf_opts bpf;
	const char *write_path; /* -w FILE.dat: also record; NULL: watch only */
	bool force;		/* -w: overwrite */
};

struct vd_live_info {
	char kernel[96];      /* uname -r */
	uint32_t cid;	      /* this partition's CID as a guest (0: none, a host) */
	bool vhost;	      /* /dev/vhost-vsock is in use here: the host side */
	char bpf_hooks[1024]; /* as record's metadata: "rx_fill:fentry kick:off ..." */
	char bpf_why[4096];
	uint64_t lost; /* events the ring buffers dropped so far */
};

struct vd_live;

/* 0 ... or NULL with errno and a message and next step in err */
struct vd_live *vd_live_open(const struct vd_live_opts *o, char *err, size_t errlen);
/* readable when events may wait (poll it, then vd_live_read); -1: read on a timer */
int vd_live_fd(const struct vd_live *l);
/* hand every event read so far to cb, in time order; 0 or -errno with err */
int vd_live_read(struct vd_live *l, void (*cb)(void *ctx, const struct vd_event *ev), void *ctx,
		 char *err, size_t errlen);
const struct vd_live_info *vd_live_info(const struct vd_live *l);
/* stop tracing, detach BPF, finish the -w file, remove the instance; 0 or -errno with err */
int vd_live_close(struct vd_live *l, char *err, size_t errlen);

#endif /* VD_LIVE_H */
