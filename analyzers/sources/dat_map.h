/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.dat records -> normalized events.  The mapping works on a libtraceevent
 * handle and one raw record, nothing else, so it can be tested with formats
 * and records built by hand (vsock events cannot be recorded on a machine
 * whose own vsock belongs to someone else).  It must give the same vd_event
 * as the text parser gives for the line the kernel would print for that
 * record: the correlate passes must not care which source fed them.
 */
#ifndef VD_DAT_MAP_H
#define VD_DAT_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vd_event.h"

struct tep_handle;
struct tep_record;
struct tep_event;
struct tep_format_field;
struct tep_print_flag_sym;
struct vd_source;

enum vd_dat_event {
	VD_DAT_ALLOC_PKT = 0,
	VD_DAT_RECV_PKT,
	VD_DAT_IRQ_ENTRY,
	VD_DAT_IRQ_EXIT,
	VD_DAT_PAGE_ALLOC,
	VD_DAT_KMALLOC,
	VD_DAT_KMALLOC_NODE,
	VD_DAT_NEVENTS,
};

#define VD_DAT_MAX_FIELDS 11
#define VD_DAT_GFP_CACHE  64
#define VD_DAT_COMM_CACHE 64

/* One event we use, as this file's format describes it. */
struct vd_dat_evmap {
	int id;		    /* -1: the file has no such event */
	const char *broken; /* the format lacks a field we need: every record is malformed */
	struct tep_format_field *f[VD_DAT_MAX_FIELDS];
	/* __print_flags() table of gfp_flags from the print fmt; NULL: numbers only */
	struct tep_print_flag_sym *gfp_syms;
};

/* sched events that name tasks: (comm field, pid field) pairs */
#define VD_DAT_COMM_SOURCES 3

struct vd_dat_map {
	struct tep_handle *tep;
	struct vd_dat_evmap ev[VD_DAT_NEVENTS];
	struct {
		int id;
		struct tep_format_field *comm[2], *pid[2];
	} comm_src[VD_DAT_COMM_SOURCES];
	/*
	 * ftrace:print (writes into trace_marker), for vsockdiag record's own
	 * markers: optional, and never malformed (a print record that is not
	 * one of ours, damaged or not, is another event as it always was).
	 */
	struct {
		int id; /* -1: the file has no print format, or one without a usable buf */
		struct tep_format_field *buf;
	} print;
	/*
	 * pid -> comm as libtraceevent names it (a binary search per record
	 * otherwise: the live view's largest cost after the fields); cleared
	 * whenever the names change (vd_dat_map_comms_changed)
	 */
	struct vd_dat_map_comm {
		int32_t pid;
		bool set;
		char comm[16];
	} comm_cache[VD_DAT_COMM_CACHE];
	/* gfp value -> VD_GFP_* bits: decoding names per record would dominate */
	struct {
		uint64_t raw;
		uint32_t bits;
		int8_t ev; /* enum vd_dat_event + 1; 0 empty */
	} gfp_cache[VD_DAT_GFP_CACHE];
};

/* The tep's task names changed (a comm registered, saved_cmdlines reloaded). */
void vd_dat_map_comms_changed(struct vd_dat_map *m);

/* Look up the events and fields once per file.  0, or -ENOMEM. */
int vd_dat_map_init(struct vd_dat_map *m, struct tep_handle *tep);

enum {
	VD_DAT_REC_EVENT = 1,	/* *ev filled */
	VD_DAT_REC_UNKNOWN = 2, /* a record of an event we do not use */
};

/*
 * Map one record.  Returns VD_DAT_REC_EVENT (ev filled except lineno; an
 * ftrace:print of "vsockdiag-clock start seq=0" or "... stop seq=0" is a
 * VD_EV_MARK),
 * VD_DAT_REC_UNKNOWN, or -EINVAL when the record is damaged or its format
 * lacks a field we need (*why names it, a static string).  Never reads
 * outside rec->data[0, rec->size).
 */
int vd_dat_map_record(struct vd_dat_map *m, struct tep_record *rec, struct vd_event *ev,
		      const char **why);

/* What a trace.dat says about itself beyond its events (for vsockdiag report). */
struct vd_dat_info {
	unsigned long file_version; /* 6, 7 */
	const char *compression;    /* NULL: none */
	const char *trace_clock;    /* "local", "mono", ...; NULL unknown */
	const char *uname; /* "Linux host 6.1.0-13-amd64 #1 SMP ... x86_64"; NULL unknown */
	const char *tracer_version; /* trace-cmd version that wrote it; NULL unknown */
	int cpus;		    /* CPUs the file describes */
	int buffers;		    /* buffer instances besides the top one */
	uint64_t overrun;	    /* sum of per-CPU "overrun:" in the file's CPU stats */
	bool have_cpustats;
};

/*
 * Fill *info for a source opened from a trace.dat.  The strings live as long
 * as the source.  -EINVAL when src is not a trace.dat source.
 */
int vd_source_dat_info(const struct vd_source *src, struct vd_dat_info *info);

#endif /* VD_DAT_MAP_H */
