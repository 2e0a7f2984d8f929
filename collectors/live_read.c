// SPDX-License-Identifier: GPL-2.0
/*
 * One tracefs instance read as it fills: the live collector's events.
 *
 * How, and why this way:
 *  - Pages, per CPU, from trace_pipe_raw with read() (tracefs_cpu_read): a
 *    read hands out the page being filled too, so an event reaches the view
 *    within one read interval, not when its page fills. This is the reader
 *    the instance has; the -w recording reads its own instance (live.c).
 *  - Each page is taken apart by libtraceevent's kbuffer (time extends,
 *    absolute stamps, the "events dropped before this page" mark) and each
 *    record mapped by the trace.dat source's own mapping (dat_map.c:
 *    vd_dat_map_record), with formats read from this kernel's tracefs: a
 *    live event is the vd_event a recording of it would give, vsockdiag-bpf
 *    marker lines (bpf_line.c) and the recorder's start marks included.
 *  - CPUs are merged as the trace.dat source merges them (the earliest head,
 *    ties to the lower CPU). Between reads another CPU may still hold older
 *    events not yet read, so with a trace clock user space can read too
 *    (mono, boot) a read hands out only what is older than the moment it
 *    started minus HOLD_NS (an event is stamped when it is reserved and
 *    committed a few microseconds later; a nested guest's vCPU can stall in
 *    between); the rest waits for the next read. Other clocks: each read is
 *    merged on its own.
 *  - A dropped-events mark becomes a VD_EV_LOST just before the page's first
 *    record, at the time of the event handed out before it (as source_dat.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>
#include <traceevent/event-parse.h>
#include <traceevent/kbuffer.h>

#include "common/log.h"
#include "common/util.h"
#include "common/vd_event.h"
#include "analyzers/sources/bpf_line.h"
#include "analyzers/sources/dat_map.h"
#include "events.h"
#include "instance.h"
#include "live_internal.h"
#include "meta.h"

/* what a read holds back: events stamped this close to its start may not be committed yet */
#define HOLD_NS (10 * NSEC_PER_MSEC)
/* the kernel's dropped-event counters are read at most this often */
#define STATS_EVERY_NS (500 * NSEC_PER_MSEC)
/* saved_cmdlines is re-read at most this often, when a record names an unknown task */
#define CMDLINES_EVERY_NS NSEC_PER_SEC

struct qent {
	struct vd_event ev;
	bool lost; /* a VD_EV_LOST: ts_ns is its record's, for the merge, until handed out */
};

struct lcpu {
	int cpu;
	int fd;
	struct tracefs_cpu *tcpu;
	struct qent *q; /* decoded, not yet handed out: q[head, n) */
	size_t head, n, cap;
	uint64_t last_ts; /* the latest record decoded on this CPU */
};

/* BPF marker lines handed over in process by the relay thread (vd_live_reader_line) */
struct inbox_line {
	uint64_t ts;
	char *text;
	size_t len;
};

struct vd_live_reader {
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct kbuffer *kbuf;
	struct vd_dat_map map;
	int ncpus, page_size;
	struct lcpu *cpu;
	void *page;
	int epfd;
	clockid_t clk;
	bool have_clk;
	size_t max_pages; /* per CPU per read */
	uint64_t last_out_ts;
	bool have_out;
	uint64_t recno;
	uint64_t page_missed; /* the pages' dropped-event counts */
	uint64_t stats_lost, stats_at;
	bool have_stats;
	uint64_t cmdlines_at;
	int no_comm_pid; /* the last pid /proc could not name */
	uint64_t malformed;
	/*
	 * The relay's lines, parsed at the next read into the queue after the
	 * CPUs' (cpu[ncpus]): each stamped when it was handed over, as the
	 * kernel stamps a trace_marker write, so it merges where its marker
	 * record would have been, without a write and a read back per line.
	 */
	pthread_mutex_t inbox_lock;
	struct inbox_line *inbox;
	size_t inbox_n, inbox_cap;
	uint64_t inbox_dropped;
};

/*
 * poll() on trace_pipe_raw honours buffer_percent from 6.1 on; before, it is
 * readable at the first event, and a caller polling it would wake per event.
 */
static bool poll_honours_watermark(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 1);
}

/* the systems of the enabled events, and ftrace (trace_marker's print) */
static const char **event_systems(const struct vd_events *ev)
{
	const char **sys = vd_xcalloc((size_t)ev->nr + 2, sizeof(*sys));
	int n = 0;

	sys[n++] = "ftrace";
	for (int i = 0; i < ev->nr; i++) {
		size_t l = strcspn(ev->globs[i], ":");
		bool seen = false;

		for (int k = 0; k < n && !seen; k++)
			seen = strlen(sys[k]) == l && !strncmp(sys[k], ev->globs[i], l);
		if (!seen)
			sys[n++] = strndup(ev->globs[i], l);
	}
	return sys;
}

static void systems_free(const char **sys)
{
	for (int i = 1; sys[i]; i++) /* [0] is the literal "ftrace" */
		free((char *)sys[i]);
	free(sys);
}

int vd_live_reader_open(struct vd_live_reader **out, struct tracefs_instance *inst, int ncpus,
			const struct vd_events *ev, const char *trace_clock,
			unsigned long buffer_kb, char *err, size_t errlen)
{
	struct vd_live_reader *r = vd_xcalloc(1, sizeof(*r));
	const char **sys;
	int ret;

	*out = NULL;
	r->inst = inst;
	r->ncpus = ncpus;
	r->epfd = -1;
	r->no_comm_pid = -1;
	/* [ncpus]: the relay's lines (no ring buffer behind it) */
	r->cpu = vd_xcalloc((size_t)ncpus + 1, sizeof(*r->cpu));
	for (int i = 0; i <= ncpus; i++) {
		r->cpu[i].cpu = i < ncpus ? i : -1;
		r->cpu[i].fd = -1;
	}
	pthread_mutex_init(&r->inbox_lock, NULL);
	if (trace_clock && (!strcmp(trace_clock, "mono") || !strcmp(trace_clock, "boot"))) {
		r->clk = !strcmp(trace_clock, "mono") ? CLOCK_MONOTONIC : CLOCK_BOOTTIME;
		r->have_clk = true;
	}

	/* the formats of what is enabled only: every system of the kernel takes seconds */
	sys = event_systems(ev);
	r->tep = tracefs_local_events_system(NULL, sys);
	systems_free(sys);
	if (!r->tep) {
		ret = -errno ?: -EIO;
		snprintf(err, errlen, "cannot read the event formats from tracefs: %s",
			 strerror(-ret));
		goto fail;
	}
	tracefs_load_cmdlines(NULL, r->tep);
	ret = vd_dat_map_init(&r->map, r->tep);
	if (ret) {
		snprintf(err, errlen, "cannot map the event formats: %s", strerror(-ret));
		goto fail;
	}
	r->kbuf = tep_kbuffer(r->tep);
	if (!r->kbuf) {
		ret = -ENOMEM;
		snprintf(err, errlen, "cannot set up the ring-buffer page reader (kbuffer)");
		goto fail;
	}

	r->page_size = vd_instance_page_size(inst);
	if (r->page_size < 0) {
		ret = r->page_size;
		snprintf(err, errlen, "cannot read the ring buffer's page size: %s",
			 strerror(-ret));
		goto fail;
	}
	r->page = vd_xcalloc(1, (size_t)r->page_size);
	r->max_pages = (size_t)buffer_kb * 1024 / (size_t)r->page_size + 16;
	if (poll_honours_watermark()) {
		r->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (r->epfd < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot create an epoll fd: %s", strerror(-ret));
			goto fail;
		}
	}
	for (int i = 0; i < ncpus; i++) {
		struct lcpu *c = &r->cpu[i];
		char path[64];

		c->fd = vd_instance_raw_open(inst, i);
		if (c->fd == -ENOENT) { /* a CPU that is not there has no buffer */
			c->fd = -1;
			continue;
		}
		if (c->fd < 0) {
			ret = c->fd;
			c->fd = -1;
			snprintf(err, errlen, "cannot open per_cpu/cpu%d/trace_pipe_raw: %s", i,
				 strerror(-ret));
			goto fail;
		}
		c->tcpu = tracefs_cpu_alloc_fd(c->fd, r->page_size, true);
		if (!c->tcpu) {
			ret = -errno ?: -ENOMEM;
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(-ret));
			goto fail;
		}
		if (r->epfd >= 0 && epoll_ctl(r->epfd, EPOLL_CTL_ADD, c->fd,
					      &(struct epoll_event){ .events = EPOLLIN,
								     .data.u32 = (uint32_t)i })) {
			ret = -errno;
			snprintf(err, errlen, "cannot poll %s: %s", path, strerror(-ret));
			goto fail;
		}
	}
	*out = r;
	return 0;
fail:
	vd_live_reader_close(r);
	return ret;
}

int vd_live_reader_fd(const struct vd_live_reader *r)
{
	return r->epfd;
}

static struct qent *push(struct lcpu *c)
{
	if (c->head && c->head == c->n)
		c->head = c->n = 0;
	if (c->n == c->cap) {
		if (c->head > c->cap / 2) {
			memmove(c->q, c->q + c->head, (c->n - c->head) * sizeof(*c->q));
			c->n -= c->head;
			c->head = 0;
		} else {
			c->cap = c->cap ? c->cap * 2 : 1024;
			c->q = vd_xrealloc(c->q, c->cap, sizeof(*c->q));
		}
	}
	return &c->q[c->n++];
}

/* a task saved_cmdlines does not know yet: read it again (rate-limited), then /proc */
static void name_task(struct vd_live_reader *r, struct vd_event *ev)
{
	char path[64], comm[32];
	const char *known;
	uint64_t now;
	ssize_t n;
	int fd;

	if (ev->pid <= 0 || strcmp(ev->comm, "<...>"))
		return;
	now = (uint64_t)vd_clock_ns(CLOCK_MONOTONIC);
	if (now - r->cmdlines_at >= CMDLINES_EVERY_NS) {
		r->cmdlines_at = now;
		tracefs_load_cmdlines(NULL, r->tep);
		vd_dat_map_comms_changed(&r->map);
	}
	known = tep_data_comm_from_pid(r->tep, ev->pid);
	if (known && strcmp(known, "<...>")) {
		snprintf(ev->comm, sizeof(ev->comm), "%s", known);
		return;
	}
	if (ev->pid == r->no_comm_pid)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", ev->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		r->no_comm_pid = ev->pid;
		return;
	}
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	if (!tep_register_comm(r->tep, comm, ev->pid))
		vd_dat_map_comms_changed(&r->map);
	snprintf(ev->comm, sizeof(ev->comm), "%.*s", (int)sizeof(ev->comm) - 1, comm);
}

static void decode_page(struct vd_live_reader *r, struct lcpu *c)
{
	unsigned long long ts;
	long long missed;
	bool first = true;
	void *data;

	if (kbuffer_load_subbuffer(r->kbuf, r->page) < 0) {
		r->malformed++;
		return;
	}
	missed = kbuffer_missed_events(r->kbuf);
	if (missed > 0)
		r->page_missed += (uint64_t)missed;
	for (data = kbuffer_read_event(r->kbuf, &ts); data;
	     data = kbuffer_next_event(r->kbuf, &ts)) {
		struct tep_record rec = { .ts = ts,
					  .cpu = c->cpu,
					  .data = data,
					  .size = kbuffer_event_size(r->kbuf),
					  .record_size = kbuffer_curr_size(r->kbuf) };
		const char *why = "malformed record";
		struct vd_event ev;
		int ret;

		r->recno++;
		c->last_ts = ts;
		if (first && missed) {
			struct qent *q = push(c);

			memset(q, 0, sizeof(*q));
			q->lost = true;
			q->ev.kind = VD_EV_LOST;
			q->ev.cpu = c->cpu;
			q->ev.pid = -1;
			q->ev.ts_ns = ts;
			q->ev.lost.count = missed > 0 ? (uint64_t)missed : 0;
			q->ev.lineno = r->recno;
		}
		first = false;
		ret = vd_dat_map_record(&r->map, &rec, &ev, &why);
		if (ret < 0) {
			if (!r->malformed++)
				vd_warn(
				    "live: record on CPU %d: %s: skipped (more are only counted)",
				    c->cpu, why);
			continue;
		}
		if (ret != VD_DAT_REC_EVENT)
			continue;
		ev.lineno = r->recno;
		name_task(r, &ev);
		push(c)->ev = ev;
		c->q[c->n - 1].lost = false;
	}
}

/* every page this CPU holds, up to max_pages; 1 when it stopped at the cap */
static int drain_cpu(struct vd_live_reader *r, struct lcpu *c)
{
	for (size_t i = 0; i < r->max_pages; i++) {
		int n = tracefs_cpu_read(c->tcpu, r->page, true);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		decode_page(r, c);
	}
	return 1;
}

static struct lcpu *earliest(struct vd_live_reader *r)
{
	struct lcpu *best = NULL;

	for (int i = 0; i <= r->ncpus; i++) {
		struct lcpu *c = &r->cpu[i];

		if (c->head < c->n &&
		    (!best || c->q[c->head].ev.ts_ns < best->q[best->head].ev.ts_ns))
			best = c;
	}
	return best;
}

bool vd_live_reader_takes_lines(const struct vd_live_reader *r)
{
	return r->have_clk;
}

/* the relay thread: one line, stamped now in the trace clock */
void vd_live_reader_line(void *ctx, const char *line, size_t len)
{
	struct vd_live_reader *r = ctx;
	uint64_t ts = (uint64_t)vd_clock_ns(r->clk);

	pthread_mutex_lock(&r->inbox_lock);
	/* a view that stopped reading must not grow without bound: 1 M lines is minutes */
	if (r->inbox_n >= (1u << 20)) {
		r->inbox_dropped++;
	} else {
		if (r->inbox_n == r->inbox_cap) {
			r->inbox_cap = r->inbox_cap ? r->inbox_cap * 2 : 256;
			r->inbox = vd_xrealloc(r->inbox, r->inbox_cap, sizeof(*r->inbox));
		}
		r->inbox[r->inbox_n++] =
		    (struct inbox_line){ .ts = ts, .text = strndup(line, len), .len = len };
	}
	pthread_mutex_unlock(&r->inbox_lock);
}

/* the lines handed over since the last read, into the relay's queue as events */
static void take_lines(struct vd_live_reader *r)
{
	static const char marker[] = VD_BPF_MARKER " ";
	struct lcpu *c = &r->cpu[r->ncpus];
	struct inbox_line *lines;
	size_t n;

	pthread_mutex_lock(&r->inbox_lock);
	lines = r->inbox;
	n = r->inbox_n;
	r->inbox = NULL;
	r->inbox_n = r->inbox_cap = 0;
	pthread_mutex_unlock(&r->inbox_lock);
	for (size_t i = 0; i < n; i++) {
		struct inbox_line *l = &lines[i];
		struct vd_event ev = { .ts_ns = l->ts, .cpu = -1, .pid = (int32_t)getpid() };
		const char *why = NULL;
		size_t skip = sizeof(marker) - 1;

		snprintf(ev.comm, sizeof(ev.comm), "vsockdiag");
		/* a marker line read back ends at its newline, as here */
		while (l->len && (l->text[l->len - 1] == '\n' || l->text[l->len - 1] == '\0'))
			l->len--;
		if (l->text && l->len > skip && !memcmp(l->text, marker, skip) &&
		    vd_bpf_parse(l->text + skip, l->len - skip, &ev, &why) == VD_BPF_LINE_EVENT) {
			ev.lineno = ++r->recno;
			push(c)->ev = ev;
			c->q[c->n - 1].lost = false;
		} else if (why) {
			r->malformed++;
		}
		free(l->text);
	}
	free(lines);
}

int vd_live_reader_read(struct vd_live_reader *r, vd_live_cb cb, void *ctx, int final)
{
	uint64_t wm = UINT64_MAX;
	struct lcpu *c;

	if (r->have_clk && !final) {
		uint64_t now = (uint64_t)vd_clock_ns(r->clk);

		wm = now > HOLD_NS ? now - HOLD_NS : 0;
	}
	for (int i = 0; i < r->ncpus; i++) {
		int ret;

		c = &r->cpu[i];
		if (!c->tcpu)
			continue;
		ret = drain_cpu(r, c);
		if (ret < 0)
			return ret;
		/* this CPU has more than a read takes: nothing after what it gave goes out */
		if (ret > 0 && c->last_ts < wm)
			wm = c->last_ts;
	}
	take_lines(r);
	while ((c = earliest(r))) {
		struct qent *q = &c->q[c->head];

		if (q->ev.ts_ns > wm)
			break;
		c->head++;
		if (q->lost && r->have_out)
			q->ev.ts_ns = r->last_out_ts;
		r->last_out_ts = q->ev.ts_ns;
		r->have_out = true;
		cb(ctx, &q->ev);
	}
	return 0;
}

uint64_t vd_live_reader_lost(struct vd_live_reader *r)
{
	uint64_t now = (uint64_t)vd_clock_ns(CLOCK_MONOTONIC);

	if (!r->have_stats || now - r->stats_at >= STATS_EVERY_NS) {
		uint64_t sum = 0;
		bool any = false;

		for (int i = 0; i < r->ncpus; i++) {
			struct vd_cpu_stats st;

			if (!r->cpu[i].tcpu || vd_meta_cpu_stats(r->inst, i, &st))
				continue;
			sum += st.overrun + st.dropped;
			any = true;
		}
		if (any)
			r->stats_lost = sum;
		r->stats_at = now;
		r->have_stats = true;
	}
	return VD_MAX(r->stats_lost, r->page_missed);
}

void vd_live_reader_close(struct vd_live_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->inbox_n; i++)
		free(r->inbox[i].text);
	free(r->inbox);
	pthread_mutex_destroy(&r->inbox_lock);
	for (int i = 0; i <= r->ncpus; i++) {
		struct lcpu *c = &r->cpu[i];

		if (c->tcpu)
			tracefs_cpu_free_fd(c->tcpu);
		if (c->fd >= 0)
			close(c->fd);
		free(c->q);
	}
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->kbuf)
		kbuffer_free(r->kbuf);
	if (r->tep)
		tep_free(r->tep);
	free(r->page);
	free(r->cpu);
	free(r);
}
