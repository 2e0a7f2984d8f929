// SPDX-License-Identifier: GPL-2.0
/*
 * correlate, the batch driver: scan both recordings, infer the CID map, align
 * the clocks (vote, then matching rounds), run the final session over both,
 * and settle its findings.  All analysis happens in the session.
 */
#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/progress.h"
#include "common/util.h"
#include "analyzers/batch/corr_internal.h"
#include "analyzers/sources/evprefetch.h"
#include "analyzers/batch/distinct.h"
#include "analyzers/settle/settle.h"

void vd_opts_init(struct vd_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->name[0] = "A";
	o->name[1] = "B";
	o->stall_ns = VD_DEFAULT_STALL_NS;
	o->grace_ns = VD_DEFAULT_GRACE_NS;
	o->starve_ns = VD_DEFAULT_STARVE_NS;
	o->adb_port = VD_DEFAULT_ADB_PORT;
}

const char *vd_verdict_name(int v)
{
	switch (v) {
	case VD_VERDICT_HEALTHY:
		return "healthy";
	case VD_VERDICT_PROBLEMS:
		return "problems";
	default:
		return "inconclusive";
	}
}

static int cmp_ep_by_ports(const void *pa, const void *pb)
{
	const struct vd_endpoints *a = pa, *b = pb;
	int c = VD_CMP(a->peer_port, b->peer_port);

	return c ? c : VD_CMP(a->local_port, b->local_port);
}

/*
 * Vote for the CID map: an A connection and a B connection with mirrored
 * ports are the same connection.  B's endpoints sorted by port pair, so each
 * of A's finds its mirrors by binary search, not by scanning all of B.
 */
const char *vd_conn_end_name(enum vd_conn_end e)
{
	static const char *const names[] = {
		[VD_END_OPEN] = "open",
		[VD_END_SHUTDOWN] = "shutdown",
		[VD_END_RESET] = "reset",
		[VD_END_REFUSED] = "refused",
		[VD_END_UNANSWERED] = "unanswered",
		[VD_END_CONNECTING] = "connecting",
	};

	return (unsigned int)e < ARRAY_SIZE(names) ? names[e] : "open";
}

static void infer_map(struct vd_result *res, const struct vd_epset eps[2])
{
	struct vd_cidvotes votes = { 0 };
	unsigned int before = res->map.n;
	struct vd_endpoints *b = NULL;

	if (eps[1].n) {
		b = vd_xcalloc(eps[1].n, sizeof(*b));
		memcpy(b, eps[1].v, eps[1].n * sizeof(*b));
		qsort(b, eps[1].n, sizeof(*b), cmp_ep_by_ports);
	}
	for (size_t i = 0; i < eps[0].n; i++) {
		const struct vd_endpoints *a = &eps[0].v[i];
		struct vd_endpoints key = { .peer_port = a->local_port,
					    .local_port = a->peer_port };
		size_t lo = 0, hi = eps[1].n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cmp_ep_by_ports(&b[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < eps[1].n && !cmp_ep_by_ports(&b[lo], &key); lo++)
			vd_cidvotes_add(&votes, a, &b[lo]);
	}
	free(b);
	vd_cidmap_infer(&res->map, &votes);
	res->map_inferred = res->map.n > before;
}

int vd_batch_pass(struct vd_source *src[2], const struct vd_session_cfg *cfg, struct vd_result *res,
		  char *err, size_t errlen)
{
	struct vd_session *s;
	int ret;

	for (int i = 0; i < 2; i++) {
		if (!src[i])
			continue;
		ret = vd_source_rewind(src[i]);
		if (ret) {
			snprintf(err, errlen, "cannot re-read %s: %s", vd_source_path(src[i]),
				 strerror(-ret));
			return ret;
		}
	}
	s = vd_session_new(cfg, res);
	ret = vd_session_feed_sources(s, src);
	if (ret)
		snprintf(err, errlen, "reading the recordings failed: %s", strerror(-ret));
	else
		vd_session_end(s);
	vd_session_free(s);
	return ret;
}

/* a recording with nothing to analyse is an input error, said with what to give instead */
static int check_events(const struct vd_opts *o, const struct vd_source *src,
			const struct vd_source_stats *st, char *err, size_t errlen)
{
	const char *name = vd_source_path(src);

	if (!o->any_events && st->events > st->lost_markers && vd_source_vsock_recorded(src) == 0) {
		/* interrupts and allocations, but no packet could have been seen */
		snprintf(err, errlen,
			 "%s is a trace.dat recorded without the vsock events (it holds %" PRIu64
			 " interrupt and allocation events, no vsock:* event format): no packet "
			 "of this partition can be seen; record with the vsock events on: "
			 "'vsockdiag record' on the partition, or 'trace-cmd record -e vsock'",
			 name, st->events);
		return -ENODATA;
	}
	if (st->events > st->lost_markers)
		return 0;
	if (o->any_events && st->unknown_events)
		return 0; /* report: other events only; it still summarizes the recording */
	if (vd_source_format(src) == VD_FMT_TRACE_DAT) {
		/* a trace.dat: what to record, not what to paste */
		if (st->unknown_events)
			snprintf(err, errlen,
				 "%s is a trace.dat that holds %" PRIu64
				 " events of other kinds and no vsock:* events: record with the "
				 "vsock events on: 'vsockdiag record' on the partition, or "
				 "'trace-cmd record -e vsock'",
				 name, st->unknown_events);
		else
			snprintf(err, errlen,
				 "%s is a trace.dat that holds no events at all: was tracing on "
				 "while the problem happened? record again: 'vsockdiag record' on "
				 "the partition, or 'trace-cmd record -e vsock'",
				 name);
	} else if (o->any_events) {
		snprintf(err, errlen,
			 "%s holds no trace events (%" PRIu64 " lines, %" PRIu64
			 " malformed): give "
			 "a trace.dat or the output of 'cat /sys/kernel/tracing/trace'",
			 name, st->lines, st->malformed);
	} else if (st->unknown_events) {
		snprintf(err, errlen,
			 "%s holds %" PRIu64
			 " trace events of other kinds and no vsock:* events vsockdiag "
			 "understands (%" PRIu64 " lines, %" PRIu64
			 " malformed): enable them (echo 1 > "
			 "/sys/kernel/tracing/events/vsock/enable) before reproducing, then give "
			 "the output of 'cat /sys/kernel/tracing/trace'",
			 name, st->unknown_events, st->lines, st->malformed);
	} else {
		snprintf(err, errlen,
			 "%s holds no trace events vsockdiag understands (%" PRIu64
			 " lines, %" PRIu64
			 " malformed): give the output of 'cat /sys/kernel/tracing/trace' with "
			 "vsock:* enabled",
			 name, st->lines, st->malformed);
	}
	return -ENODATA;
}

static int open_sources(const struct vd_opts *o, struct vd_source *src[2], char *err, size_t errlen)
{
	for (int s = 0; s < 2; s++) {
		if (!o->path[s])
			continue; /* single-partition mode */
		src[s] = vd_source_open(o->path[s], err, errlen);
		if (!src[s])
			return -errno;
	}
	return 0;
}

int vd_correlate(const struct vd_opts *o, struct vd_result *res, char *err, size_t errlen)
{
	return vd_correlate_tap(o, NULL, res, err, errlen);
}

int vd_correlate_tap(const struct vd_opts *o, const struct vd_tap *tap, struct vd_result *res,
		     char *err, size_t errlen)
{
	struct vd_source *src[2] = { NULL, NULL };
	int ret;

	memset(res, 0, sizeof(*res));
	ret = open_sources(o, src, err, errlen);
	if (!ret)
		ret = vd_correlate_sources_tap(o, src, tap, res, err, errlen);
	for (int s = 0; s < 2; s++)
		vd_source_close(src[s]);
	return ret;
}

/* pass 1 of one recording, on a thread of its own when both are read at once */
struct scan_job {
	const struct vd_opts *o;
	struct vd_source *src;
	int side;
	struct vd_result *res;
	struct vd_samples *smp;
	struct vd_epset *eps;
	struct vd_log_held held; /* its warnings, sent once A's are out */
	bool hold;
	int ret;
};

static void *scan_one(void *arg)
{
	struct scan_job *j = arg;

	if (j->hold)
		vd_log_hold_begin(&j->held);
	j->ret =
	    vd_scan_side(j->src, j->o->irq_name[j->side], &j->res->side[j->side], j->smp, j->eps);
	if (j->hold)
		vd_log_hold_end();
	return NULL;
}

/*
 * Both recordings are parsed at once, B on a second thread (VSOCKDIAG_THREADS=1:
 * one after the other).  Parsing is most of the work and the sides share
 * nothing until both are read; B's warnings are held and sent after A's, and
 * errors are reported A first: the output is the one thread's, byte for byte.
 */
static int scan_sides(const struct vd_opts *o, struct vd_source *src[2], struct vd_result *res,
		      struct vd_samples smp[2], struct vd_epset eps[2], char *err, size_t errlen)
{
	struct scan_job job[2];
	pthread_t tid;
	bool threaded = false;
	int ret = 0;

	for (int s = 0; s < 2; s++) {
		job[s] = (struct scan_job){
			.o = o, .src = src[s], .side = s, .res = res, .smp = &smp[s], .eps = &eps[s]
		};
		/* the recorder's start/stop markers: the stall detector names the recorder */
		if (src[s])
			vd_source_set_marks(src[s], true);
	}
	if (src[0] && src[1] && vd_threads_allowed()) {
		job[1].hold = true;
		vd_progress_pass("reading %s and %s", vd_basename(vd_source_path(src[0])),
				 vd_basename(vd_source_path(src[1])));
		threaded = !pthread_create(&tid, NULL, scan_one, &job[1]);
		if (!threaded)
			job[1].hold = false; /* no thread: B is read after A, as below */
	}
	for (int s = 0; s < 2 && !ret; s++) {
		if (!src[s])
			continue;
		if (!threaded || s == 0) {
			if (!threaded)
				vd_progress_pass("reading %s", vd_basename(vd_source_path(src[s])));
			scan_one(&job[s]);
		} else {
			pthread_join(tid, NULL);
			threaded = false;
			/* B's warnings come after A's, as one thread would have printed them */
			vd_log_release(&job[1].held);
		}
		if (job[s].ret) {
			snprintf(err, errlen, "reading %s failed: %s", o->path[s],
				 strerror(-job[s].ret));
			ret = job[s].ret;
		} else {
			ret = check_events(o, src[s], &res->side[s].stats, err, errlen);
		}
	}
	if (threaded) {
		/* A failed: one thread would never have read B, nor said anything of it */
		pthread_join(tid, NULL);
		vd_log_discard(&job[1].held);
	}
	return ret;
}

int vd_correlate_sources(const struct vd_opts *o, struct vd_source *src[2], struct vd_result *res,
			 char *err, size_t errlen)
{
	return vd_correlate_sources_tap(o, src, NULL, res, err, errlen);
}

int vd_correlate_sources_tap(const struct vd_opts *o, struct vd_source *src[2],
			     const struct vd_tap *tap, struct vd_result *res, char *err,
			     size_t errlen)
{
	struct vd_samples smp[2] = { 0 };
	struct vd_epset eps[2] = { 0 };
	struct vd_session_cfg cfg;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	res->two_sides = src[1] != NULL;
	res->map = o->map;
	ret = scan_sides(o, src, res, smp, eps, err, errlen);
	if (ret)
		goto out;
	if (src[1]) {
		ret = vd_inputs_distinct(o->path, res->side, &o->map, err, errlen);
		if (ret)
			goto out;
		vd_progress_phase("the CID map and the clock vote");
		infer_map(res, eps);
		ret = vd_align_clock(src, o, smp, res, err, errlen);
		if (ret)
			goto out;
	} else {
		snprintf(res->clock_note, sizeof(res->clock_note),
			 "one recording only: nothing to align with");
	}

	/* the final pass: connections, pairing, credit and every detector */
	cfg = (struct vd_session_cfg){ .o = o,
				       .clock = vd_clock_aligned(&res->clock) ? &res->clock : NULL,
				       .tol_ns = vd_clock_tol(&res->clock),
				       .causal_ns = vd_clock_causal(&res->clock),
				       .final = true,
				       .two_sides = src[1] != NULL,
				       .tap = tap };
	res->tol_ns = cfg.tol_ns;
	if (tap && tap->begin) {
		ret = tap->begin(tap->ctx, res);
		if (ret) {
			snprintf(err, errlen, "cannot start the export: %s", strerror(-ret));
			goto out;
		}
	}
	vd_progress_pass("pairing packets (last pass)");
	ret = vd_batch_pass(src, &cfg, res, err, errlen);
	if (ret)
		goto out;
	vd_progress_phase("settling the findings");
	vd_settle(o, res);
	vd_progress_pass_end();
out:
	for (int s = 0; s < 2; s++) {
		vd_samples_free(&smp[s]);
		vd_epset_free(&eps[s]);
	}
	return ret;
}

void vd_result_free(struct vd_result *res)
{
	free(res->conns);
	res->conns = NULL;
	res->nconns = 0;
	free(res->incidents);
	res->incidents = NULL;
	res->nincidents = 0;
	vd_findings_free(&res->findings);
	free(res->adb.v);
	res->adb.v = NULL;
	res->adb.n = res->adb.cap = 0;
}
