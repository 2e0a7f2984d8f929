/* SPDX-License-Identifier: GPL-2.0 */
/* One recording session: instance, events, capture loop, file, cleanup. */
#ifndef VD_RECORD_H
#define VD_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf.h"

enum vd_bpf_mode {
	VD_BPF_AUTO = 0, /* every hook this kernel allows; none is fine */
	VD_BPF_OFF,	 /* tracepoints only */
	VD_BPF_REQUIRE,	 /* fail when no hook attaches */
};

struct vd_record_opts {
	const char *output;
	bool force;
	int64_t duration_ns;	 /* 0: until a signal */
	const char *events;	 /* NULL: the default set */
	unsigned long buffer_kb; /* per CPU; 0: default */
	const char *irq;
	bool no_filter;
	uint64_t max_size;  /* bytes of trace data; 0: no cap */
	uint64_t flight_mb; /* 0: stream to disk; else keep the last N MiB in memory */
	enum vd_bpf_mode bpf_mode;
	struct vd_bpf_opts bpf; /* sample_hz, payload ports; the rest is set by vd_record() */
};

enum vd_stop_reason {
	VD_STOP_DURATION,
	VD_STOP_SIGNAL,
	VD_STOP_TRIGGER, /* SIGUSR1 in flight-recorder mode */
	VD_STOP_MAX_SIZE,
	VD_STOP_DISK_FULL,
	VD_STOP_WRITE_ERROR,
};

struct vd_record_result {
	enum vd_stop_reason reason;
	int signal;
	uint64_t bytes; /* trace data written */
	uint64_t lost;	/* overrun + dropped, all CPUs */
	int ncpus;
	double seconds;
	char clock[32];
	char events[1024];
	char write_error[256];
	bool bpf_used;
	struct vd_bpf_stats bpf;
	char bpf_hooks[1024]; /* "rx_fill:fentry kick:kprobe payload:off ..." */
	char bpf_why[4096];   /* why each hook that is off is off */
};

/*
 * Record until the duration, a signal, the size cap or a full disk. Returns 0
 * when a valid file was written (res->reason says why it stopped), or a
 * negative errno with a message and next step in @err (no file is left
 * behind, unless recovery is possible: then @err says how).
 */
int vd_record(const struct vd_record_opts *o, struct vd_record_result *res, char *err,
	      size_t errlen);
const char *vd_stop_reason_name(enum vd_stop_reason r);

#endif /* VD_RECORD_H */
