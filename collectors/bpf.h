/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorder's BPF layer: pick a tier for every hook (bpf_hooks.c), load
 * and attach bpf/vsockdiag.bpf.c, and relay its records into the recording
 * as "vsockdiag-bpf" marker lines (doc/bpf-events.md). Everything it attaches
 * is a BPF link owned by this process: vd_bpf_stop() detaches it, and so
 * does the kernel when the process dies, however it dies.
 */
#ifndef VD_BPF_LAYER_H
#define VD_BPF_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf/vd_bpf.h"

#define VD_DEFAULT_SAMPLE_HZ	4
#define VD_DEFAULT_PAYLOAD_PORT 5555

struct vd_bpf_opts {
	bool forbid_vsock;	 /* VSOCKDIAG_FORBID_VSOCK: no hook on vsock/virtio/vhost code */
	const char *trace_clock; /* "mono" or "boot": t= is comparable; else no t= */
	unsigned int sample_hz;	 /* periodic samples per second; 0: at start and stop only */
	uint32_t payload_ports[VD_MAX_PAYLOAD_PORTS];
	size_t npayload_ports;
	uint32_t vq_device_id; /* 0: virtio vsock (19); tests aim vq_irq elsewhere */
	uint32_t only_tgid;    /* the sampler looks at this process only (tests) */
	bool load_only;	       /* load the programs, attach nothing (tests) */
	const char *only;      /* comma list of hooks to use; NULL: all */
};

struct vd_bpf;

struct vd_bpf_stats {
	uint64_t records;      /* taken from the ring buffer */
	uint64_t lines;	       /* marker lines written */
	uint64_t write_errors; /* marker lines the trace refused */
	uint64_t lost;	       /* records the ring buffer could not take */
	uint64_t samples;      /* sampler runs */
	unsigned int hooks_on, hooks_total;
};

/*
 * Probe, load and (unless load_only) attach. Returns 0 with *out set even when
 * every hook is off (the reasons are in the hook list); a negative errno with
 * a message in err only when the layer cannot even start (no memory).
 */
int vd_bpf_start(const struct vd_bpf_opts *o, struct vd_bpf **out, char *err, size_t errlen);
/* "rx_fill:fentry kick:fentry credit:iter payload:off ..." */
const char *vd_bpf_hooks_text(const struct vd_bpf *b);
/* "payload:no_payload_ports kick:no_kprobes ..." for the hooks that are off */
const char *vd_bpf_why_text(const struct vd_bpf *b);
/* how many hooks are on */
unsigned int vd_bpf_hooks_on(const struct vd_bpf *b);
/* the tier of hook @name, or -1 when there is no such hook */
int vd_bpf_hook_tier(const struct vd_bpf *b, const char *name);
/* a summary for people: which hooks, which tiers, what is lost and why */
void vd_bpf_print_summary(const struct vd_bpf *b, FILE *f);
/*
 * Start relaying into trace_marker @marker_fd (tracing must be on): the tier
 * lines, the first sample (why=start), then a thread that drains the ring
 * buffer every 100 ms and samples at sample_hz.
 */
int vd_bpf_run(struct vd_bpf *b, int marker_fd);
/* the same, every line also written into @tee_fd (-1: none): two instances, one relay */
int vd_bpf_run_tee(struct vd_bpf *b, int marker_fd, int tee_fd);
/*
 * The same with every line handed to @fn in process (the live view: no
 * trace_marker write and read back per line), and written into @marker_fd
 * too when it is not -1 (a recording).  @fn runs on the relay thread.
 */
typedef void (*vd_bpf_line_fn)(void *ctx, const char *line, size_t len);
int vd_bpf_run_sink(struct vd_bpf *b, int marker_fd, vd_bpf_line_fn fn, void *ctx);
/* Last sample (why=stop), drain, detach, free. Safe on NULL. */
void vd_bpf_stop(struct vd_bpf *b, struct vd_bpf_stats *st);

/* libbpf's messages into the project's log (debug level); vd_bpf_start() does it too */
void vd_bpf_route_libbpf_log(void);
/* -EINVAL with the list of hooks in err when @list names an unknown hook */
int vd_bpf_check_hooks(const char *list, char *err, size_t errlen);
/* Parse "5555,5037" / "none" into o; -EINVAL with a message on a bad list. */
int vd_bpf_parse_ports(const char *s, struct vd_bpf_opts *o, char *err, size_t errlen);

#endif /* VD_BPF_LAYER_H */
