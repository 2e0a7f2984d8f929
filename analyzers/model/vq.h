/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtqueues as BPF evidence shows them (doc/bpf-events.md): the guest's
 * RX ring (refills, levels, kicks, interrupts) and the host's vhost waiting
 * for guest RX buffers.  The session feeds it every event of the final pass;
 * it keeps episodes, not events: a ring that ran dry, a wait that lasted, a
 * silence in a recording, so memory does not grow with a healthy recording.
 * Detectors (detect/rxring.c, detect/kick.c, detect/vhostwait.c) and the
 * settling step (settle/explain.c) read it; nothing here makes findings.
 *
 * Times: each partition's own clock, bpf.t (when it happened), never the
 * marker's.  What the guest did during a host wait is gathered in the host's
 * clock, through the session's clock, only when the two are aligned.
 */
#ifndef VD_VQ_H
#define VD_VQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vd_event.h"
#include "analyzers/model/flow.h"

#define VD_VQ_MAX_EPISODES 1024 /* ring episodes per partition */
#define VD_VQ_MAX_WAITS	   1024 /* long host waits per partition */
#define VD_VQ_MAX_SILENCES 1024 /* silences per partition */
#define VD_VQ_MAX_STACKS   256	/* stack lines per partition */
#define VD_VQ_RECENT	   256	/* the guest's latest RX events, for a wait seen after them */
#define VD_VQ_KICKS	   8192 /* the latest kicks per partition */
#define VD_VQ_KICK_WINDOW  (10 * 1000000LL) /* a kick belongs to the refill just before it */

/* the guest's RX ring ran dry, or was running dry (its own clock) */
struct vd_ring_episode {
	int64_t since;	  /* first failed refill of the streak, or the first empty level */
	int64_t empty_at; /* first level 0; VD_NO_TIME: refills failing, never seen empty */
	int64_t end;	  /* buffers posted again; VD_NO_TIME: still dry when it ended */
	uint32_t max;	  /* the ring's target (rx_buf_max_nr) */
	uint32_t level_before;
	uint32_t min_level;
	uint32_t fails; /* failed refills, first and last */
	int64_t fail_first, fail_last;
	uint32_t fail_added; /* buffers the failed refills still added */
	uint32_t kicks_sent, kicks_skipped, irqs, levels;
	uint64_t recv; /* packets the guest received meanwhile */
};

/* vhost waited for guest RX buffers (host clock), and what the guest did meanwhile */
struct vd_host_wait {
	int64_t t0, t1; /* t1: kick received on the RX queue, or the guest took a packet */
	bool ended_by_kick;
	uint32_t lines; /* vhostwait lines while it lasted */
	uint32_t queued_max, replies_max;
	uint32_t samples, avail_max;
	int64_t avail_at; /* first sample with guest buffers available after t0 */
	/* the guest (when recorded and aligned), its times in the host's clock */
	bool guest_recorded;
	uint32_t g_posts; /* refills that added buffers */
	int64_t g_post_at;
	uint32_t g_posted; /* buffers they added */
	uint32_t g_kick_sent, g_kick_skipped;
	uint32_t g_levels, g_level_max, g_empty;
	uint64_t g_events; /* anything the guest recorded */
	uint32_t finding;  /* the missing_kick finding it became (detect/kick.c), or 0 */
};

/* a stretch with no event at all in a partition's recording */
struct vd_silence {
	int64_t from, to;
};

struct vd_stack_info {
	uint32_t id;
	uint16_t names; /* VD_STACK_* */
	uint16_t nframes;
	char summary[VD_BPF_STACK_SUMMARY];
};

struct vd_kick_rec {
	int64_t t;
	uint8_t dir, vq;
};

enum { VD_RECENT_POST = 1, VD_RECENT_KICK_SENT, VD_RECENT_KICK_SKIPPED, VD_RECENT_LEVEL };

struct vd_vq_side {
	bool guest, host; /* what its BPF lines say this partition is */
	bool periodic;	  /* a sampler wrote lines: silence means the partition stopped */
	uint64_t bpf_events, bpf_lost;
	/* the RX ring */
	bool have_level;
	uint32_t level, max;
	uint32_t fails; /* the current streak of failed refills */
	int64_t fail_first, fail_last;
	uint32_t fail_added, level_before_fails;
	struct vd_ring_episode *ep;
	size_t nep;
	bool ep_more, ep_open;
	/* a refill after the ring was empty, waiting for its kick and for progress */
	int64_t post_after_empty;	  /* VD_NO_TIME: none pending */
	int8_t post_kick;		  /* 0 none yet, VD_KICK_SENT, VD_KICK_SKIPPED */
	struct vd_kick_rec *skipped_dead; /* posts whose kick was skipped, then nothing */
	size_t nskipped_dead;
	/* vhost waits */
	bool waiting;
	struct vd_host_wait cur;
	struct vd_host_wait *wait; /* those that lasted at least keep_ns */
	size_t nwait;
	bool wait_more;
	uint64_t waits_total;
	/* the guest's latest RX events, in the other partition's clock */
	struct {
		int64_t t_other;
		uint8_t what;
		uint32_t v;
	} recent[VD_VQ_RECENT];
	size_t nrecent;
	/* kicks, the latest VD_VQ_KICKS */
	struct vd_kick_rec *kick;
	size_t nkick;
	uint64_t kicks_total;
	/* silences and stacks */
	bool have_ts;
	int64_t last_ts;
	struct vd_silence *sil;
	size_t nsil;
	struct vd_stack_info stack[VD_VQ_MAX_STACKS];
	size_t nstack;
};

struct vd_vq {
	int64_t keep_ns; /* a wait or silence this long is kept */
	int64_t tol_ns;	 /* the clock's tolerance, for the guest's events during a wait */
	bool aligned;	 /* the session has a clock: the guest's events reach host waits */
	struct vd_vq_side side[2];
};

void vd_vq_init(struct vd_vq *q, int64_t keep_ns, int64_t tol_ns, bool aligned);
void vd_vq_free(struct vd_vq *q);
/*
 * One event of side, in feed order.  t_other: its occurrence time (bpf.t,
 * or ts_ns for others) in the other partition's clock (ignored unless
 * aligned).
 */
void vd_vq_feed(struct vd_vq *q, enum vd_side side, const struct vd_event *ev, int64_t t_other);
/* the input is over at end[side] (each side's last event): close what is open */
void vd_vq_end(struct vd_vq *q, const int64_t end[2]);

/* the stack line with this id on side, or NULL */
const struct vd_stack_info *vd_vq_stack(const struct vd_vq_side *vs, uint32_t id);
/* kicks of (dir, vq) in [from, to] on vs; -1 when the kept kicks do not reach back to from */
int64_t vd_vq_kicks_between(const struct vd_vq_side *vs, uint8_t dir, uint8_t vq, int64_t from,
			    int64_t to);
/* how much of [from, to] the partition recorded nothing in (ns) */
int64_t vd_vq_silent_ns(const struct vd_vq_side *vs, int64_t from, int64_t to);

#endif /* VD_VQ_H */
