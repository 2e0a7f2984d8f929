// SPDX-License-Identifier: GPL-2.0
/*
 * trace.dat record -> vd_event, through the event formats the file carries
 * (libtraceevent): the payloads of the events we use, vsockdiag record's
 * markers, and the task names the sched events tell.  Which events and
 * fields a file has, and reading one from a record, is dat_fields.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "common/util.h"
#include "analyzers/sources/bpf_line.h"
#include "analyzers/sources/dat_internal.h"
#include "analyzers/sources/dat_map.h"

/* common_type, common_flags, common_preempt_count, common_pid: 8 bytes in every kernel we read */
#define COMMON_MIN_SIZE 8

/* ---- events ----------------------------------------------------------------------------- */

static int bad(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -EINVAL;
}

static int map_pkt(struct vd_dat_map *m, const struct vd_dat_evmap *em, struct tep_record *rec,
		   struct vd_pkt *p, bool recv, const char **why)
{
	struct tep_format_field *const *f = em->f;
	uint64_t v;

	if (!vd_dat_get_u32(m, rec, f[F_SRC_CID], &p->src_cid) ||
	    !vd_dat_get_u32(m, rec, f[F_SRC_PORT], &p->src_port) ||
	    !vd_dat_get_u32(m, rec, f[F_DST_CID], &p->dst_cid) ||
	    !vd_dat_get_u32(m, rec, f[F_DST_PORT], &p->dst_port) ||
	    !vd_dat_get_u32(m, rec, f[F_LEN], &p->len) ||
	    !vd_dat_get_u32(m, rec, f[F_FLAGS], &p->flags))
		return bad(why,
			   recv ? "recv_pkt: record too short" : "alloc_pkt: record too short");
	if (!vd_dat_get_u64(m, rec, f[F_TYPE], &v) || v > UINT16_MAX)
		return bad(why, recv ? "recv_pkt: bad type" : "alloc_pkt: bad type");
	p->type = (uint16_t)v;
	if (!vd_dat_get_u64(m, rec, f[F_OP], &v) || v > UINT16_MAX)
		return bad(why, recv ? "recv_pkt: bad op" : "alloc_pkt: bad op");
	p->op = (uint16_t)v;
	p->zcopy = -1;
	if (f[F_ZCOPY]) {
		if (!vd_dat_get_u64(m, rec, f[F_ZCOPY], &v))
			return bad(why, "alloc_pkt: record too short");
		p->zcopy = v != 0;
	}
	if (f[F_BUF_ALLOC] && f[F_FWD_CNT]) {
		if (!vd_dat_get_u32(m, rec, f[F_BUF_ALLOC], &p->buf_alloc) ||
		    !vd_dat_get_u32(m, rec, f[F_FWD_CNT], &p->fwd_cnt))
			return bad(why, recv ? "recv_pkt: record too short"
					     : "alloc_pkt: record too short");
		p->has_credit = true;
	}
	return 0;
}

static int map_irq(struct vd_dat_map *m, const struct vd_dat_evmap *em, struct tep_record *rec,
		   struct vd_irq *irq, bool entry, const char **why)
{
	int32_t ret;

	if (!vd_dat_get_i32(m, rec, em->f[F_IRQ], &irq->irq))
		return bad(why, entry ? "irq_handler_entry: bad irq" : "irq_handler_exit: bad irq");
	if (entry) {
		irq->ret = -1;
		if (!vd_dat_get_str(rec, em->f[F_IRQ_NAME], irq->name, sizeof(irq->name)))
			return bad(why, "irq_handler_entry: bad name");
		return 0;
	}
	if (!vd_dat_get_i32(m, rec, em->f[F_IRQ_RET], &ret))
		return bad(why, "irq_handler_exit: bad ret");
	/* the kernel prints ret ? "handled" : "unhandled" */
	irq->ret = ret ? 1 : 0;
	irq->name[0] = '\0';
	return 0;
}

static int map_page(struct vd_dat_map *m, const struct vd_dat_evmap *em, struct tep_record *rec,
		    struct vd_page_alloc *pg, const char **why)
{
	int32_t order;
	uint64_t v;

	if (em->f[F_PFN]) {
		if (!vd_dat_get_u64(m, rec, em->f[F_PFN], &v))
			return bad(why, "mm_page_alloc: bad pfn");
		pg->failed = is_all_ones(em->f[F_PFN], v);
		pg->pfn = pg->failed ? 0 : v;
	} else {
		/* old kernels: a struct page pointer; the pfn behind it is not in the record */
		if (!vd_dat_get_u64(m, rec, em->f[F_PAGE], &v))
			return bad(why, "mm_page_alloc: bad page");
		pg->failed = v == 0;
		pg->pfn = 0;
	}
	if (!vd_dat_get_i32(m, rec, em->f[F_ORDER], &order) || order < 0)
		return bad(why, "mm_page_alloc: bad order");
	pg->order = (uint32_t)order;
	if (!vd_dat_get_i32(m, rec, em->f[F_MIGRATETYPE], &pg->migratetype))
		return bad(why, "mm_page_alloc: bad migratetype");
	if (!vd_dat_get_u64(m, rec, em->f[F_PGFP], &pg->gfp_raw))
		return bad(why, "mm_page_alloc: bad gfp_flags");
	pg->gfp = vd_dat_gfp_bits(m, VD_DAT_PAGE_ALLOC, pg->gfp_raw);
	return 0;
}

static int map_kmalloc(struct vd_dat_map *m, enum vd_dat_event e, struct tep_record *rec,
		       struct vd_kmalloc *km, const char **why)
{
	const struct vd_dat_evmap *em = &m->ev[e];

	if (!vd_dat_get_u64(m, rec, em->f[F_CALL_SITE], &km->call_site))
		return bad(why, "kmalloc: bad call_site");
	if (!vd_dat_get_u64(m, rec, em->f[F_PTR], &km->ptr))
		return bad(why, "kmalloc: bad ptr");
	if (!vd_dat_get_u64(m, rec, em->f[F_BYTES_REQ], &km->bytes_req))
		return bad(why, "kmalloc: bad bytes_req");
	if (!vd_dat_get_u64(m, rec, em->f[F_BYTES_ALLOC], &km->bytes_alloc))
		return bad(why, "kmalloc: bad bytes_alloc");
	if (!vd_dat_get_u64(m, rec, em->f[F_KGFP], &km->gfp_raw))
		return bad(why, "kmalloc: bad gfp_flags");
	km->gfp = vd_dat_gfp_bits(m, e, km->gfp_raw);
	km->node = -1;
	if (em->f[F_NODE] && !vd_dat_get_i32(m, rec, em->f[F_NODE], &km->node))
		return bad(why, "kmalloc: bad node");
	km->failed = km->ptr == 0;
	/* the symbol %pS would print, when the file carries kallsyms */
	const char *fn = tep_find_function(m->tep, km->call_site);

	if (fn) {
		unsigned long long start = tep_find_function_address(m->tep, km->call_site);

		snprintf(km->call_sym, sizeof(km->call_sym), "%s+0x%llx", fn,
			 km->call_site - start);
	}
	return 0;
}

static int map_payload(struct vd_dat_map *m, enum vd_dat_event e, struct tep_record *rec,
		       struct vd_event *ev, const char **why)
{
	const struct vd_dat_evmap *em = &m->ev[e];

	switch (e) {
	case VD_DAT_ALLOC_PKT:
		ev->kind = VD_EV_PKT_ALLOC;
		return map_pkt(m, em, rec, &ev->pkt, false, why);
	case VD_DAT_RECV_PKT:
		ev->kind = VD_EV_PKT_RECV;
		return map_pkt(m, em, rec, &ev->pkt, true, why);
	case VD_DAT_IRQ_ENTRY:
		ev->kind = VD_EV_IRQ_ENTRY;
		return map_irq(m, em, rec, &ev->irq, true, why);
	case VD_DAT_IRQ_EXIT:
		ev->kind = VD_EV_IRQ_EXIT;
		return map_irq(m, em, rec, &ev->irq, false, why);
	case VD_DAT_PAGE_ALLOC:
		ev->kind = VD_EV_PAGE_ALLOC;
		return map_page(m, em, rec, &ev->page, why);
	case VD_DAT_KMALLOC:
	case VD_DAT_KMALLOC_NODE:
		ev->kind = VD_EV_KMALLOC;
		return map_kmalloc(m, e, rec, &ev->kmalloc, why);
	case VD_DAT_NEVENTS:
		break;
	}
	return bad(why, "unknown event");
}

static void learn_comms(struct vd_dat_map *m, int i, const struct tep_record *rec)
{
	for (int k = 0; k < 2; k++) {
		char comm[32];
		int32_t pid;

		if (m->comm_src[i].comm[k] && m->comm_src[i].pid[k] &&
		    vd_dat_get_str(rec, m->comm_src[i].comm[k], comm, sizeof(comm)) &&
		    vd_dat_get_i32(m, rec, m->comm_src[i].pid[k], &pid))
			/* known pairs: EEXIST, ignored */
			if (!tep_register_comm(m->tep, comm, pid))
				vd_dat_map_comms_changed(m);
	}
}

/*
 * The markers vsockdiag record writes into trace_marker (collectors/meta.c);
 * the kernel stores the text with a '\n' appended when it had none.  Only
 * seq=0 is the event: the later stamps only time the clocks.
 */
/* clang-format off */
static const struct {
	const char *text;
	size_t len;
	uint32_t what;
} marks[] = {
	{ "vsockdiag-clock start seq=0", sizeof("vsockdiag-clock start seq=0") - 1,
	  VD_MARK_RECORDER_START },
	{ "vsockdiag-clock stop seq=0", sizeof("vsockdiag-clock stop seq=0") - 1,
	  VD_MARK_RECORDER_STOP },
};
/* clang-format on */

/* the print record's text, without the '\n' the kernel appended; false when buf is not inside it */
static bool print_text(const struct vd_dat_map *m, const struct tep_record *rec, const char **s,
		       size_t *n)
{
	const char *nul;

	if (!vd_dat_str_span(rec, m->print.buf, s, n))
		return false;
	nul = memchr(*s, '\0', *n);
	if (nul)
		*n = (size_t)(nul - *s);
	if (*n && (*s)[*n - 1] == '\n')
		(*n)--;
	return true;
}

/* 0: *what set; -1: any other text */
static int map_mark(const char *s, size_t n, uint32_t *what)
{
	for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
		if (n == marks[i].len && !memcmp(s, marks[i].text, n)) {
			*what = marks[i].what;
			return 0;
		}
	}
	return -1;
}

/* "vsockdiag-bpf " and what follows, or NULL */
static const char *bpf_rest(const char *s, size_t n)
{
	static const char marker[] = VD_BPF_MARKER " ";

	return n >= sizeof(marker) - 1 && !memcmp(s, marker, sizeof(marker) - 1)
		   ? s + sizeof(marker) - 1
		   : NULL;
}

/* what every event takes from the record's header */
static void map_common(struct vd_dat_map *m, struct tep_record *rec, struct vd_event *ev)
{
	const char *comm;

	struct vd_dat_map_comm *c;

	vd_event_clear(ev);
	ev->ts_ns = rec->ts;
	ev->cpu = rec->cpu;
	ev->pid = tep_data_pid(m->tep, rec);
	c = &m->comm_cache[(uint32_t)ev->pid % VD_DAT_COMM_CACHE];
	if (!c->set || c->pid != ev->pid) {
		comm = tep_data_comm_from_pid(m->tep, ev->pid);
		c->pid = ev->pid;
		c->set = true;
		/* zeros after the name too: events are compared whole (same bytes, same event) */
		memset(c->comm, 0, sizeof(c->comm));
		if (comm)
			memcpy(c->comm, comm, strnlen(comm, sizeof(c->comm) - 1));
	}
	memcpy(ev->comm, c->comm, sizeof(ev->comm));
}

void vd_dat_map_comms_changed(struct vd_dat_map *m)
{
	for (size_t i = 0; i < VD_DAT_COMM_CACHE; i++)
		m->comm_cache[i].set = false;
}

int vd_dat_map_record(struct vd_dat_map *m, struct tep_record *rec, struct vd_event *ev,
		      const char **why)
{
	const char *s;
	uint32_t what;
	int type, e, ret;
	size_t n;

	if (!rec->data || rec->size < COMMON_MIN_SIZE)
		return bad(why, "record shorter than its header");
	type = tep_data_type(m->tep, rec);
	for (e = 0; e < VD_DAT_NEVENTS; e++)
		if (m->ev[e].id >= 0 && m->ev[e].id == type)
			break;
	if (e == VD_DAT_NEVENTS) {
		if (m->print.id >= 0 && m->print.id == type && print_text(m, rec, &s, &n)) {
			const char *rest = bpf_rest(s, n);

			if (rest) {
				/* the same parser as the text source's print lines */
				map_common(m, rec, ev);
				ret = vd_bpf_parse(rest, n - (size_t)(rest - s), ev, why);
				if (ret < 0)
					return ret;
				return ret == VD_BPF_LINE_EVENT ? VD_DAT_REC_EVENT
								: VD_DAT_REC_UNKNOWN;
			}
			if (!map_mark(s, n, &what)) {
				map_common(m, rec, ev);
				ev->kind = VD_EV_MARK;
				ev->mark.what = what;
				return VD_DAT_REC_EVENT;
			}
		}
		for (int i = 0; i < VD_DAT_COMM_SOURCES; i++)
			if (m->comm_src[i].id >= 0 && m->comm_src[i].id == type)
				learn_comms(m, i, rec);
		return VD_DAT_REC_UNKNOWN;
	}
	if (m->ev[e].broken)
		return bad(why, m->ev[e].broken);
	map_common(m, rec, ev);
	ret = map_payload(m, (enum vd_dat_event)e, rec, ev, why);
	return ret ? ret : VD_DAT_REC_EVENT;
}
