/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsockdiag report FILE: one partition's recording summarized on its own,
 * from any source (text dump or trace.dat).  What it can say without the
 * other side: the window and how complete it is, connections as this
 * partition saw them, interrupt lines (which one serves vsock), allocation
 * failures, lost events.  Whether packets arrived is correlate's question.
 */
#ifndef VD_REPORT_ONE_H
#define VD_REPORT_ONE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzers/batch/correlate.h"
#include "analyzers/sources/dat_map.h"

/* one connection; end[0] is this partition's end (for loopback, the lower cid:port) */
struct vd_one_conn {
	uint32_t cid[2], port[2];
	bool loopback; /* both ends on this partition (vsock_loopback) */
	bool adb;
	int opener;    /* end index that sent the REQUEST; -1: opened before the recording */
	int closer;    /* end index that sent the first SHUTDOWN/RST; -1 none */
	enum vd_conn_end end;
	bool responded;
	int64_t t_open, t_close, t_first, t_last; /* VD_NO_TIME when unknown */
	/* [0]: end[0] -> end[1], [1]: end[1] -> end[0]; RW packets and their payload */
	uint64_t pkts[2], bytes[2], control[2];
};

/* a failed allocation kept as evidence */
struct vd_one_alloc_fail {
	uint64_t ts;
	int cpu;
	char comm[16];
	bool kmalloc;
	uint32_t order;	     /* page allocations */
	uint64_t bytes_req;  /* kmalloc */
	uint32_t gfp;	     /* VD_GFP_* */
	uint64_t gfp_raw;
	char call_sym[48];
};

#define VD_ONE_FAIL_EXAMPLES 8

struct vd_one_report {
	const char *path;
	enum vd_source_format fmt;
	bool have_dat;
	struct vd_dat_info dat; /* valid while the report lives (strings owned by the source) */
	struct vd_side_info side; /* stats, interrupt lines and their vsock classification */
	int32_t irq_num[VD_MAX_IRQ_NAMES]; /* side.irq[i]'s number; -1 unknown */
	struct vd_one_conn *conns;
	size_t nconns;
	uint64_t pkts_unmatched_ops; /* packets of ops we do not know (future kernels) */
	uint64_t page_fail_high;   /* failed page allocations of order >= 3 */
	uint64_t page_fail_high_opportunistic; /* ... of which __GFP_NORETRY|__GFP_NOWARN */
	uint64_t page_fail;	   /* failed page allocations of any order */
	uint64_t kmalloc_fail;
	struct vd_one_alloc_fail fail[VD_ONE_FAIL_EXAMPLES];
	unsigned int nfail;
	void *src; /* the open source: keeps dat's strings alive */
};

/*
 * Read path (two passes) into *r.  0, or -errno with a message in err that
 * says what to do (input errors: exit status 2).  adb_port labels connections.
 */
int vd_one_report(const char *path, const char *irq_override, uint32_t adb_port,
		  struct vd_one_report *r, char *err, size_t errlen);
void vd_one_report_free(struct vd_one_report *r);

struct vd_json;
void vd_one_report_text(FILE *out, const struct vd_one_report *r, bool verbose);
void vd_one_report_json(struct vd_json *j, const struct vd_one_report *r);

#endif /* VD_REPORT_ONE_H */
