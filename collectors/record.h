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
	/*
	 * Redraw a one-line status on stderr about once a second (elapsed time,
	 * events, bytes written, lost events, how to stop). The caller decides:
	 * stderr is a terminal, not -q, and not --json into a pipe.
	 */
	bool status_line;
	/*
	 * NULL, or a command (argv, NULL-terminated) started once tracing is on;
	 * the recording stops when it exits. Stopped earlier (-d, a signal,
	 * --max-size, ...), it gets SIGTERM, and SIGKILL after VD_RECORD_CMD_GRACE_MS.
	 */
	char *const *command;
};

/* how long a command that outlives the recording has after SIGTERM before SIGKILL */
#define VD_RECORD_CMD_GRACE_MS 2000

enum vd_stop_reason {
	VD_STOP_DURATION,
	VD_STOP_SIGNAL,
	VD_STOP_TRIGGER, /* SIGUSR1 in flight-recorder mode */
	VD_STOP_MAX_SIZE,
	VD_STOP_DISK_FULL,
	VD_STOP_WRITE_ERROR,
	VD_STOP_COMMAND, /* the command (opts.command) exited */
};

/* what became of opts.command */
struct vd_record_command {
	int pid;	 /* 0: no command ran */
	int status;	 /* waitpid() status (reaped is set) */
	bool reaped;	 /* it ended and was waited for */
	bool terminated; /* record sent it SIGTERM: it outlived the recording */
	bool killed;	 /* ... and SIGKILL after VD_RECORD_CMD_GRACE_MS */
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
	uint64_t recorded;    /* events the ring buffer took (entries + read events, all CPUs) */
	struct vd_record_command cmd;
};

/*
 * Record until the duration, a signal, the size cap, a full disk or the end of
 * the command. Returns 0
 * when a valid file was written (res->reason says why it stopped), or a
 * negative errno with a message and next step in @err (no file is left
 * behind, unless recovery is possible: then @err says how).
 */
int vd_record(const struct vd_record_opts *o, struct vd_record_result *res, char *err,
	      size_t errlen);
const char *vd_stop_reason_name(enum vd_stop_reason r);
/*
 * Whether @file can be executed as execvp() would find it (PATH when it has
 * no '/'): 0, or a negative errno with a message in @err.
 */
int vd_record_check_command(const char *file, char *err, size_t errlen);
/* @argv as one line a shell would read back ("sh -c 'exit 3'"), cut to @len */
void vd_record_argv_text(char *const *argv, char *buf, size_t len);

#endif /* VD_RECORD_H */
