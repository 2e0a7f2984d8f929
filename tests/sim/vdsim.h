/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdsim: a deterministic generator of the two ftrace text dumps a host
 * (vhost_vsock, partition A, CID 2) and a guest (virtio_vsock, partition B,
 * CID 3) would print for a vsock session, plus the ground truth of what was
 * injected.  It never touches tracefs or /dev/vsock: it only writes files.
 *
 * Time inside the simulator is "true time" = partition A's trace clock in ns.
 * Partition B's clock is t_b = t_a + offset + drift_ppm * 1e-6 * t_a.
 */
#ifndef VDSIM_H
#define VDSIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_SIDE_A 0
#define SIM_SIDE_B 1
/* A direction is named after its sender: DIR_A2B == SIM_SIDE_A. */
#define SIM_A2B 0
#define SIM_B2A 1

#define SIM_CID_A 2u
#define SIM_CID_B 3u
#define SIM_BUF_ALLOC 262144u
#define SIM_MAX_PKT 65536u

enum sim_fmt {
	SIM_FMT_CAT = 0, /* cat trace, old 4-column irq-info (like the seed) */
	SIM_FMT_PIPE,	 /* cat trace_pipe: no header */
	SIM_FMT_TGID,	 /* cat trace with options/record-tgid, 5-column irq-info (6.x) */
	SIM_FMT_REPORT,	 /* trace-cmd report */
	SIM_FMT_NOIRQINFO, /* cat trace with options/irq-info off */
	SIM_FMT_MAX,
};

enum sim_conn_kind {
	SIM_CONN_NORMAL = 0,
	SIM_CONN_REFUSED,    /* REQUEST answered by RST: nobody listens */
	SIM_CONN_UNANSWERED, /* REQUEST received, never answered */
};

struct sim_rng {
	uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next(struct sim_rng *r);
/* uniform in [0, n) (n > 0) */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* uniform double in [0, 1) */
double sim_rng_unit(struct sim_rng *r);
/* uniform integer in [lo, hi] */
int64_t sim_rng_range(struct sim_rng *r, int64_t lo, int64_t hi);
/* exponential with the given mean */
double sim_rng_exp(struct sim_rng *r, double mean);

struct sim_stall {
	int dir;
	int64_t start; /* true ns */
	int64_t dur;   /* ns */
};

/* One planned connection (REQUEST time, who is client, what happens) */
struct sim_conn_plan {
	int kind;	    /* enum sim_conn_kind */
	int client;	    /* SIM_SIDE_* */
	uint32_t server_port;
	uint32_t client_port;
	int64_t start;	    /* true ns of the REQUEST; ignored when midstream */
	int64_t close_at;   /* true ns the client closes it; 0 = stays open */
	bool midstream;	    /* established before the recordings started */
	const char *client_app;
	const char *server_app;
};

#define SIM_MAX_STALLS 8

struct sim_plan {
	uint64_t seed;
	/* scenario, as given or drawn by --random */
	double duration_s;
	int conns;
	double rate;
	uint32_t split;
	int loss;
	bool dead;
	int dead_dir;
	int64_t dead_at; /* true ns */
	struct sim_stall stalls[SIM_MAX_STALLS];
	int nstalls;
	/* the receiving applications in dir stop reading (their fwd_cnt stays flat) */
	struct sim_stall noreads[SIM_MAX_STALLS];
	int nnoreads;
	/* the receivers in dir consume but send nothing, not even CREDIT_UPDATE (--silent) */
	struct sim_stall silences[SIM_MAX_STALLS];
	int nsilences;
	/* failed high-order allocations on a side: n real, n opportunistic (dir = side) */
	struct sim_stall allocfails[SIM_MAX_STALLS];
	int allocfail_n[SIM_MAX_STALLS];
	int nallocfails;
	int refused;
	int unanswered;
	bool half_close; /* the closing connection's SHUTDOWN is never answered by an RST */
	/*
	 * --bulk: connection 0 carries a bulk transfer in bulk_dir: bulk_size chunks
	 * written back to back as fast as credit allows, the other end writes
	 * nothing; its receiver is a vhost worker under TCG (the lab's host), woken
	 * late for the first packet of a batch while the rest ride along.
	 */
	bool bulk;
	int bulk_dir;
	uint32_t bulk_size;
	/* --clock-jump: B's clock jumps jump_ns ahead at true time jump_at and holds until
	 * true time catches up (a nested guest's clock step, seen in the lab) */
	int64_t jump_at, jump_ns;
	uint64_t events; /* 0: no limit */
	int fmt[2];
	int ncpu[2];
	bool noise;
	bool midstream;
	bool random;

	/* clocks */
	int64_t offset_ns; /* B - A at A time 0 */
	double drift_ppm;

	/* time layout, true ns */
	int64_t rec_start[2];
	int64_t rec_end[2];
	int64_t sim_start;
	int64_t sim_end;

	/* what the layout became */
	struct sim_conn_plan *cp;
	int ncp;
	int64_t *loss_at[2]; /* sorted loss times per direction */
	int nloss[2];
};

/* What a simulation run saw: pass 1 measures, pass 2 uses it for the truth. */
struct sim_stats {
	uint64_t lines[2];
	int64_t first_ts[2]; /* own clock, as printed (us truncated), ns */
	int64_t last_ts[2];
	bool any[2];
	uint64_t vanished;
	uint64_t undelivered; /* provable ones */
	int conns_seen;
};

/* Convert true time (A clock) to a partition's clock, before truncation. */
int64_t sim_clock(const struct sim_plan *pl, int side, int64_t t);
/* ... and as printed: truncated to microseconds */
int64_t sim_clock_printed(const struct sim_plan *pl, int side, int64_t t);

/*
 * Run the simulation.  With out[] NULL only count (pass 1).  With out[]
 * given, write the dumps; undelivered packets that the windows in known
 * make provable are written as JSON objects to und (comma separated).
 */
int sim_run(const struct sim_plan *pl, FILE *out[2], const struct sim_stats *known, FILE *und,
	    struct sim_stats *st);

/* Output formatting (vdsim_fmt.c) */
struct sim_line {
	int kind; /* SIM_LINE_* */
	const char *comm;
	int pid;
	int tgid; /* 0: unknown */
	int cpu;
	int flags; /* SIM_FL_* */
	/* packets */
	uint32_t src_cid, src_port, dst_cid, dst_port, len;
	uint16_t op, shut_flags;
	uint32_t buf_alloc, fwd_cnt;
	/* irq */
	int irq;
	const char *irq_name;
	/* sched_switch */
	const char *prev_comm;
	const char *next_comm;
	int next_pid;
	int prev_state_r;
	/* mm_page_alloc (failed) */
	int order;
	const char *gfp;
};

enum { SIM_LINE_ALLOC = 0, SIM_LINE_RECV, SIM_LINE_IRQ, SIM_LINE_SCHED, SIM_LINE_PAGE };
enum { SIM_FL_TASK = 0, SIM_FL_HARDIRQ, SIM_FL_SCHED };

void sim_write_header(FILE *fp, int fmt, uint64_t entries, int ncpu);
/* ts_ns: the partition's own clock */
void sim_write_line(FILE *fp, int fmt, int64_t ts_ns, const struct sim_line *l);

#endif /* VDSIM_H */
