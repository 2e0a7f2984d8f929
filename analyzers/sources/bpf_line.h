/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One "vsockdiag-bpf KIND key=value ..." marker line (doc/bpf-events.md) ->
 * one VD_EV_BPF event.  The text source (print lines of cat trace and
 * trace-cmd report) and the trace.dat source (ftrace:print records) hand the
 * same text here, so both give the same event.  Pure and allocation-free;
 * never reads outside [s, s+n).
 */
#ifndef VD_BPF_LINE_H
#define VD_BPF_LINE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/vd_event.h"

#define VD_BPF_MARKER "vsockdiag-bpf"

enum {
	VD_BPF_LINE_EVENT = 0,	 /* ev->kind = VD_EV_BPF, ev->bpf filled */
	VD_BPF_LINE_IGNORED = 1, /* a kind this reader does not know: newer recorders add them */
};

/*
 * [s, s+n): the text after the "vsockdiag-bpf" token.  ev's prefix fields
 * (ts_ns, cpu, pid, comm) are the caller's; lines that name a process
 * (allocfail, credit: pid=, comm=) replace pid and comm with it.  Returns
 * VD_BPF_LINE_EVENT, VD_BPF_LINE_IGNORED, or -EINVAL with *why (a static
 * string beginning with "vsockdiag-bpf").  Unknown keys are skipped.
 */
int vd_bpf_parse(const char *s, size_t n, struct vd_event *ev, const char **why);

/* *why came from vd_bpf_parse(): the malformed line was a BPF marker */
bool vd_bpf_why_is_bpf(const char *why);

#endif /* VD_BPF_LINE_H */
