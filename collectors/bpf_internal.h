/* SPDX-License-Identifier: GPL-2.0 */
/* What bpf_load.c and bpf_relay.c share: the layer's state. */
#ifndef VD_BPF_INTERNAL_H
#define VD_BPF_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bpf.h"
#include "bpf_hooks.h"
#include "gfp_bits.h"

struct vsockdiag_bpf;
struct bpf_link;
struct ring_buffer;

struct vd_hook_state {
	enum vd_hook_tier tier;
	int variant;	 /* index into the def's v[], -1 when off */
	int min_variant; /* raised when a load or attach failed */
	bool prog_on[VD_HOOK_PROGS];
	bool absent; /* off because what it watches is not in this kernel (no tier line) */
	char why[192];
};

#define VD_STACK_IDS 1024

struct vd_bpf {
	struct vd_bpf_opts o;
	struct vd_kernel_caps caps;
	struct vsockdiag_bpf *skel;
	struct vd_hook_state *hooks;
	size_t nhooks;
	struct bpf_link **links;
	size_t nlinks;
	struct bpf_link *iter_link;
	struct ring_buffer *rb;
	struct vd_gfp_bits gfp;
	uint64_t code_lo[VD_MAX_CODE_RANGES], code_hi[VD_MAX_CODE_RANGES];
	size_t ncode;
	bool with_time;
	int marker_fd;
	int tee_fd; /* a second trace_marker that gets every line too (live -w), or -1 */
	vd_bpf_line_fn line_fn; /* lines handed over in process (live top), or NULL */
	void *line_ctx;
	pthread_t thread;
	bool running;
	volatile int stop;
	uint8_t stack_seen[VD_STACK_IDS / 8];
	uint64_t lost_seen;
	/* one drain's records, written in time order (several CPUs fill one ring) */
	struct vd_brec *batch;
	size_t nbatch;
	struct vd_bpf_stats st;
	char hooks_text[1024];
	char why_text[4096];
};

#define VD_BATCH_MAX 4096

/* bpf_relay.c */
int vd_bpf_relay_record(struct vd_bpf *b, const void *data, size_t size);
/* write the records taken since the last flush, sorted by their time */
void vd_bpf_relay_flush(struct vd_bpf *b);
void vd_bpf_relay_lost(struct vd_bpf *b);
uint64_t vd_bpf_now(const struct vd_bpf *b);
int vd_bpf_sample(struct vd_bpf *b, uint32_t why);
int vd_bpf_write_line(struct vd_bpf *b, const char *line, size_t len);

#endif /* VD_BPF_INTERNAL_H */
