/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a recording says about the partition it was made on: role, local CID,
 * host and kernel identity, the trace clock, clock pairings and lost events.
 * Stored in private option ids of the .dat (doc/dat-options.md).
 */
#ifndef VD_META_H
#define VD_META_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct tracefs_instance;

/* private option ids, well above trace-cmd's (0..~30): 'V' 'D' + n */
enum {
	VD_OPT_META = 0x5644,	   /* key=value lines: identity of the partition */
	VD_OPT_CLOCKS = 0x5645,	   /* clock pairings at start and stop */
	VD_OPT_CPUSTATS = 0x5646,  /* per-CPU ring-buffer counters at stop */
	VD_OPT_RECOVERED = 0x5647, /* present when --recover finished the file */
};

/* one pairing: the three clocks read around a trace_marker stamp */
struct vd_clock_pair {
	bool valid;
	uint32_t seq;	   /* the marker says "vsockdiag-clock <when> seq=<seq>" */
	uint64_t width_ns; /* monotonic time between the reads around the write */
	uint64_t realtime_ns, monotonic_ns, boottime_ns; /* midpoints */
};

struct vd_cpu_stats {
	uint64_t entries, overrun, commit_overrun, dropped, read;
	bool have_dropped;
};

#define VD_ROLE_LEN 16

struct vd_meta {
	char role[VD_ROLE_LEN]; /* "vhost", "virtio", "both", "unknown" */
	int64_t local_cid;	/* -1 unknown */
	char cid_source[64];
	char hostname[256];
	char kernel[256];
	char boot_id[64];
	int ncpus;
	char trace_clock[32];
	struct vd_clock_pair start, stop;
};

/* Identity and role; never opens /dev/vsock (see meta.c). */
int vd_meta_collect(struct vd_meta *m, int ncpus);
/*
 * Pick the trace clock for @inst: "mono" so that bpf_ktime_get_ns() (also
 * CLOCK_MONOTONIC) stamps compare directly, else "boot", else the default.
 */
int vd_meta_set_clock(struct tracefs_instance *inst, struct vd_meta *m);
/* Write @tries stamps to @inst's trace_marker; keep the narrowest pairing. */
int vd_meta_pair_clocks(struct tracefs_instance *inst, const char *when, int tries,
			struct vd_clock_pair *out);
/* per_cpu/cpuN/stats of @inst */
int vd_meta_cpu_stats(struct tracefs_instance *inst, int cpu, struct vd_cpu_stats *st);

/* The option payloads: NUL-terminated text, malloc'ed. */
/* extra: more key=value lines (each ending in '\n') or NULL */
char *vd_meta_format(const struct vd_meta *m, const char *events, const char *mode,
		     const char *extra);
char *vd_meta_format_clocks(const struct vd_meta *m);
char *vd_meta_format_cpustats(const struct vd_cpu_stats *st, int ncpus);

#endif /* VD_META_H */
