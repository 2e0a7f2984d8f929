// SPDX-License-Identifier: GPL-2.0
/*
 * trace.dat record -> vd_event, through the event formats the file carries
 * (libtraceevent).  Fields are found by name, never by the offsets of one
 * kernel, because the formats differ across versions (zcopy appended ~6.7,
 * pfn replacing page 5.x, node added to kmalloc 6.1) and a file says which
 * it has.  Every read is checked against the record's size: the file may be
 * damaged or hostile, and libtraceevent's accessors do not check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "common/util.h"
#include "analyzers/sources/dat_map.h"
#include "analyzers/sources/text_parse.h"

/* common_type, common_flags, common_preempt_count, common_pid: 8 bytes in every kernel we read */
#define COMMON_MIN_SIZE 8

enum {
	F_SRC_CID,
	F_SRC_PORT,
	F_DST_CID,
	F_DST_PORT,
	F_LEN,
	F_TYPE,
	F_OP,
	F_FLAGS,
	F_BUF_ALLOC,
	F_FWD_CNT,
	F_ZCOPY
};
enum { F_IRQ, F_IRQ_NAME, F_IRQ_RET = 1 };
enum { F_PFN, F_PAGE, F_ORDER, F_MIGRATETYPE, F_PGFP };
enum { F_CALL_SITE, F_PTR, F_BYTES_REQ, F_BYTES_ALLOC, F_KGFP, F_NODE };

struct field_spec {
	const char *name;
	bool required;
};

/* clang-format off */
static const struct {
	const char *system;
	const char *name;
	const char *broken; /* the reason given when a required field is missing */
	struct field_spec f[VD_DAT_MAX_FIELDS];
} specs[VD_DAT_NEVENTS] = {
	[VD_DAT_ALLOC_PKT] = { "vsock", "virtio_transport_alloc_pkt", "alloc_pkt: format lacks a field",
		{ { "src_cid", true }, { "src_port", true }, { "dst_cid", true }, { "dst_port", true },
		  { "len", true }, { "type", true }, { "op", true }, { "flags", true },
		  { "buf_alloc", false }, { "fwd_cnt", false }, { "zcopy", false } } },
	/* recv_pkt has carried the peer's credit in every kernel: its absence means damage */
	[VD_DAT_RECV_PKT] = { "vsock", "virtio_transport_recv_pkt", "recv_pkt: format lacks a field",
		{ { "src_cid", true }, { "src_port", true }, { "dst_cid", true }, { "dst_port", true },
		  { "len", true }, { "type", true }, { "op", true }, { "flags", true },
		  { "buf_alloc", true }, { "fwd_cnt", true }, { "zcopy", false } } },
	[VD_DAT_IRQ_ENTRY] = { "irq", "irq_handler_entry", "irq_handler_entry: format lacks a field",
		{ { "irq", true }, { "name", true } } },
	[VD_DAT_IRQ_EXIT] = { "irq", "irq_handler_exit", "irq_handler_exit: format lacks a field",
		{ { "irq", true }, { "ret", true } } },
	/* "pfn" since 3.x; "page" (a struct page pointer) before: one of them is enough */
	[VD_DAT_PAGE_ALLOC] = { "kmem", "mm_page_alloc", "mm_page_alloc: format lacks a field",
		{ { "pfn", false }, { "page", false }, { "order", true }, { "migratetype", true },
		  { "gfp_flags", true } } },
	[VD_DAT_KMALLOC] = { "kmem", "kmalloc", "kmalloc: format lacks a field",
		{ { "call_site", true }, { "ptr", true }, { "bytes_req", true },
		  { "bytes_alloc", true }, { "gfp_flags", true }, { "node", false } } },
	[VD_DAT_KMALLOC_NODE] = { "kmem", "kmalloc_node", "kmalloc_node: format lacks a field",
		{ { "call_site", true }, { "ptr", true }, { "bytes_req", true },
		  { "bytes_alloc", true }, { "gfp_flags", true }, { "node", false } } },
};
/* clang-format on */

/* The __print_flags() whose value is REC->gfp_flags, anywhere in the print fmt's arguments. */
static struct tep_print_flag_sym *find_flags(struct tep_print_arg *arg, int depth)
{
	struct tep_print_flag_sym *hit;

	/* print fmts nest a few levels; a hostile file could nest thousands */
	for (; arg && depth < 32; arg = arg->next) {
		switch (arg->type) {
		case TEP_PRINT_FLAGS: {
			struct tep_print_arg *v = arg->flags.field;

			while (v && v->type == TEP_PRINT_TYPE)
				v = v->typecast.item;
			if (v && v->type == TEP_PRINT_FIELD && v->field.name &&
			    !strcmp(v->field.name, "gfp_flags"))
				return arg->flags.flags;
			break;
		}
		case TEP_PRINT_OP:
			hit = find_flags(arg->op.left, depth + 1);
			if (!hit)
				hit = find_flags(arg->op.right, depth + 1);
			if (hit)
				return hit;
			break;
		case TEP_PRINT_TYPE:
			hit = find_flags(arg->typecast.item, depth + 1);
			if (hit)
				return hit;
			break;
		default:
			break;
		}
	}
	return NULL;
}

static void map_event(struct vd_dat_map *m, enum vd_dat_event i)
{
	struct vd_dat_evmap *em = &m->ev[i];
	struct tep_event *event = tep_find_event_by_name(m->tep, specs[i].system, specs[i].name);

	em->id = -1;
	if (!event)
		return;
	em->id = event->id;
	for (int k = 0; k < VD_DAT_MAX_FIELDS && specs[i].f[k].name; k++) {
		struct tep_format_field *f = tep_find_field(event, specs[i].f[k].name);

		/* numbers we read are 1..8 bytes; a string is a __data_loc (4) or an array */
		if (f && (f->offset < 0 || f->size <= 0))
			f = NULL;
		em->f[k] = f;
		if (!f && specs[i].f[k].required)
			em->broken = specs[i].broken;
	}
	if (i == VD_DAT_PAGE_ALLOC && !em->f[F_PFN] && !em->f[F_PAGE])
		em->broken = "mm_page_alloc: format has neither pfn nor page";
	if (i == VD_DAT_PAGE_ALLOC || i == VD_DAT_KMALLOC || i == VD_DAT_KMALLOC_NODE)
		em->gfp_syms = find_flags(event->print_fmt.args, 0);
}

/*
 * Task names: saved_cmdlines keeps only the last 128 tasks, so trace-cmd
 * report also learns names from the sched events as it prints them (its
 * sched_switch plugin).  The same here, in the same order, so a pid gets the
 * comm trace-cmd report shows for it.  Names learnt stay learnt: after a
 * rewind, early records may show a name the first pass did not know yet.
 */
static const struct {
	const char *name;
	const char *comm[2], *pid[2];
} comm_specs[VD_DAT_COMM_SOURCES] = {
	{ "sched_switch", { "prev_comm", "next_comm" }, { "prev_pid", "next_pid" } },
	{ "sched_wakeup", { "comm", NULL }, { "pid", NULL } },
	{ "sched_wakeup_new", { "comm", NULL }, { "pid", NULL } },
};

static void map_comm_sources(struct vd_dat_map *m)
{
	for (int i = 0; i < VD_DAT_COMM_SOURCES; i++) {
		struct tep_event *event =
		    tep_find_event_by_name(m->tep, "sched", comm_specs[i].name);

		m->comm_src[i].id = event ? event->id : -1;
		for (int k = 0; event && k < 2 && comm_specs[i].comm[k]; k++) {
			m->comm_src[i].comm[k] = tep_find_field(event, comm_specs[i].comm[k]);
			m->comm_src[i].pid[k] = tep_find_field(event, comm_specs[i].pid[k]);
		}
	}
}

/*
 * ftrace:print's buf: "char buf[]" (offset, size 0) in every kernel we know,
 * running to the end of the record; a fixed array or a __data_loc string
 * would do as well.  Any other shape: no markers, print records stay unknown.
 */
static void map_print(struct vd_dat_map *m)
{
	struct tep_event *event = tep_find_event_by_name(m->tep, "ftrace", "print");
	struct tep_format_field *f = event ? tep_find_field(event, "buf") : NULL;

	m->print.id = -1;
	m->print.buf = NULL;
	if (!f || f->offset < 0 || f->size < 0)
		return;
	if ((f->flags & TEP_FIELD_IS_DYNAMIC) ? f->size != 4 : !(f->flags & TEP_FIELD_IS_ARRAY))
		return;
	m->print.id = event->id;
	m->print.buf = f;
}

int vd_dat_map_init(struct vd_dat_map *m, struct tep_handle *tep)
{
	memset(m, 0, sizeof(*m));
	m->tep = tep;
	for (int i = 0; i < VD_DAT_NEVENTS; i++)
		map_event(m, (enum vd_dat_event)i);
	map_comm_sources(m);
	map_print(m);
	return 0;
}

/* ---- reading fields ------------------------------------------------------------------- */

static bool field_fits(const struct tep_record *rec, const struct tep_format_field *f)
{
	return f && f->offset >= 0 && f->size > 0 && (long)f->offset + f->size <= rec->size;
}

/* an unsigned number field of 1, 2, 4 or 8 bytes; false when it does not fit */
static bool get_u64(const struct vd_dat_map *m, const struct tep_record *rec,
		    const struct tep_format_field *f, uint64_t *v)
{
	if (!field_fits(rec, f) || (f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8))
		return false;
	*v = tep_read_number(m->tep, (const char *)rec->data + f->offset, f->size);
	return true;
}

static bool get_u32(const struct vd_dat_map *m, const struct tep_record *rec,
		    const struct tep_format_field *f, uint32_t *v)
{
	uint64_t x;

	if (!get_u64(m, rec, f, &x))
		return false;
	*v = (uint32_t)x; /* u32 fields; a wider one from a future kernel keeps its low bits */
	return true;
}

/* a C int of the field's own width, sign-extended */
static bool get_i32(const struct vd_dat_map *m, const struct tep_record *rec,
		    const struct tep_format_field *f, int32_t *v)
{
	uint64_t x;

	if (!get_u64(m, rec, f, &x))
		return false;
	switch (f->size) {
	case 1:
		*v = (int8_t)x;
		break;
	case 2:
		*v = (int16_t)x;
		break;
	default:
		*v = (int32_t)x;
		break;
	}
	return true;
}

/* -1 in the field's width: "all ones" (pfn -1UL on a 32-bit kernel is 0xffffffff) */
static bool is_all_ones(const struct tep_format_field *f, uint64_t v)
{
	return f->size >= 8 ? v == UINT64_MAX : v == (1ULL << (8 * f->size)) - 1;
}

/*
 * Where a string field's bytes are in the record: a __data_loc / __rel_loc
 * char[] (irq name), a fixed char array, or a flexible "char buf[]" (size 0
 * in the format: ftrace:print) that runs to the end of the record.  false
 * when they are not all inside it.
 */
static bool str_span(const struct tep_record *rec, const struct tep_format_field *f, const char **s,
		     size_t *n)
{
	const char *data = rec->data;
	long off, len;

	if (!f || f->offset < 0 || f->size < 0 || (long)f->offset + f->size > rec->size)
		return false;
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		uint32_t loc;

		if (f->size != 4)
			return false;
		memcpy(&loc, data + f->offset, 4);
		loc = (uint32_t)tep_read_number(f->event->tep, &loc, 4);
		off = loc & 0xffff;
		len = loc >> 16;
		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += f->offset + f->size;
	} else if (f->size == 0) {
		off = f->offset;
		len = rec->size - off;
	} else {
		off = f->offset;
		len = f->size;
	}
	if (off < 0 || len < 0 || off + len > rec->size)
		return false;
	*s = data + off;
	*n = (size_t)len;
	return true;
}

/* a string field: __data_loc / __rel_loc char[] (irq name) or a fixed char array */
static bool get_str(const struct tep_record *rec, const struct tep_format_field *f, char *dst,
		    size_t size)
{
	const char *s, *nul;
	size_t len;

	if (!field_fits(rec, f) || !str_span(rec, f, &s, &len))
		return false;
	nul = memchr(s, '\0', len);
	size_t n = nul ? (size_t)(nul - s) : len;

	n = VD_MIN(n, size - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* ---- gfp flags -------------------------------------------------------------------------- */

/*
 * The names libtraceevent would print for v, joined with '|', the way
 * __print_flags() picks them: table order, composites first, each name's
 * bits removed once printed.  Leftover unnamed bits are left out (the text
 * parser ignores them too).
 */
static void gfp_names(const struct tep_print_flag_sym *sym, uint64_t v, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; sym && v; sym = sym->next) {
		unsigned long long fv;
		char *end;

		if (!sym->value || !sym->str)
			continue;
		fv = strtoull(sym->value, &end, 0);
		if (end == sym->value || *end || !fv || (v & fv) != fv)
			continue;
		v &= ~fv;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? "|" : "",
				      sym->str);
	}
	if (n >= size)
		buf[size - 1] = '\0'; /* no flag name we map is that far down the table */
}

/*
 * One table of GFP names for the whole program: the text parser's.  The
 * names go through it as the text line the kernel would have printed, so a
 * .dat and a text dump of the same record get the same VD_GFP_* bits.
 */
static uint32_t gfp_bits_from_names(const char *names)
{
	char line[1024];
	struct vd_text_state st;
	struct vd_event ev;
	int len;

	len = snprintf(
	    line, sizeof(line),
	    "x-1 [000] 1.000000: mm_page_alloc: pfn=0 order=0 migratetype=0 gfp_flags=%s", names);
	if (len < 0 || (size_t)len >= sizeof(line))
		return VD_GFP_RAW;
	vd_text_state_init(&st);
	if (vd_text_parse_line(&st, line, (size_t)len, &ev, NULL) != VD_LINE_EVENT)
		return VD_GFP_RAW;
	return ev.page.gfp;
}

static uint32_t gfp_bits(struct vd_dat_map *m, enum vd_dat_event e, uint64_t raw)
{
	const struct tep_print_flag_sym *sym = m->ev[e].gfp_syms;
	size_t slot = (size_t)((raw * 0x9e3779b97f4a7c15ULL) >> 58) % VD_DAT_GFP_CACHE;
	char names[768];
	uint32_t bits;

	/* the kernel prints "none" for 0, which the text parser reads as no bits */
	if (!raw)
		return 0;
	if (!sym)
		return VD_GFP_RAW;
	if (m->gfp_cache[slot].ev == (int8_t)(e + 1) && m->gfp_cache[slot].raw == raw)
		return m->gfp_cache[slot].bits;
	gfp_names(sym, raw, names, sizeof(names));
	bits = names[0] ? gfp_bits_from_names(names) : 0;
	m->gfp_cache[slot].ev = (int8_t)(e + 1);
	m->gfp_cache[slot].raw = raw;
	m->gfp_cache[slot].bits = bits;
	return bits;
}

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

	if (!get_u32(m, rec, f[F_SRC_CID], &p->src_cid) ||
	    !get_u32(m, rec, f[F_SRC_PORT], &p->src_port) ||
	    !get_u32(m, rec, f[F_DST_CID], &p->dst_cid) ||
	    !get_u32(m, rec, f[F_DST_PORT], &p->dst_port) || !get_u32(m, rec, f[F_LEN], &p->len) ||
	    !get_u32(m, rec, f[F_FLAGS], &p->flags))
		return bad(why,
			   recv ? "recv_pkt: record too short" : "alloc_pkt: record too short");
	if (!get_u64(m, rec, f[F_TYPE], &v) || v > UINT16_MAX)
		return bad(why, recv ? "recv_pkt: bad type" : "alloc_pkt: bad type");
	p->type = (uint16_t)v;
	if (!get_u64(m, rec, f[F_OP], &v) || v > UINT16_MAX)
		return bad(why, recv ? "recv_pkt: bad op" : "alloc_pkt: bad op");
	p->op = (uint16_t)v;
	p->zcopy = -1;
	if (f[F_ZCOPY]) {
		if (!get_u64(m, rec, f[F_ZCOPY], &v))
			return bad(why, "alloc_pkt: record too short");
		p->zcopy = v != 0;
	}
	if (f[F_BUF_ALLOC] && f[F_FWD_CNT]) {
		if (!get_u32(m, rec, f[F_BUF_ALLOC], &p->buf_alloc) ||
		    !get_u32(m, rec, f[F_FWD_CNT], &p->fwd_cnt))
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

	if (!get_i32(m, rec, em->f[F_IRQ], &irq->irq))
		return bad(why, entry ? "irq_handler_entry: bad irq" : "irq_handler_exit: bad irq");
	if (entry) {
		irq->ret = -1;
		if (!get_str(rec, em->f[F_IRQ_NAME], irq->name, sizeof(irq->name)))
			return bad(why, "irq_handler_entry: bad name");
		return 0;
	}
	if (!get_i32(m, rec, em->f[F_IRQ_RET], &ret))
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
		if (!get_u64(m, rec, em->f[F_PFN], &v))
			return bad(why, "mm_page_alloc: bad pfn");
		pg->failed = is_all_ones(em->f[F_PFN], v);
		pg->pfn = pg->failed ? 0 : v;
	} else {
		/* old kernels: a struct page pointer; the pfn behind it is not in the record */
		if (!get_u64(m, rec, em->f[F_PAGE], &v))
			return bad(why, "mm_page_alloc: bad page");
		pg->failed = v == 0;
		pg->pfn = 0;
	}
	if (!get_i32(m, rec, em->f[F_ORDER], &order) || order < 0)
		return bad(why, "mm_page_alloc: bad order");
	pg->order = (uint32_t)order;
	if (!get_i32(m, rec, em->f[F_MIGRATETYPE], &pg->migratetype))
		return bad(why, "mm_page_alloc: bad migratetype");
	if (!get_u64(m, rec, em->f[F_PGFP], &pg->gfp_raw))
		return bad(why, "mm_page_alloc: bad gfp_flags");
	pg->gfp = gfp_bits(m, VD_DAT_PAGE_ALLOC, pg->gfp_raw);
	return 0;
}

static int map_kmalloc(struct vd_dat_map *m, enum vd_dat_event e, struct tep_record *rec,
		       struct vd_kmalloc *km, const char **why)
{
	const struct vd_dat_evmap *em = &m->ev[e];

	if (!get_u64(m, rec, em->f[F_CALL_SITE], &km->call_site))
		return bad(why, "kmalloc: bad call_site");
	if (!get_u64(m, rec, em->f[F_PTR], &km->ptr))
		return bad(why, "kmalloc: bad ptr");
	if (!get_u64(m, rec, em->f[F_BYTES_REQ], &km->bytes_req))
		return bad(why, "kmalloc: bad bytes_req");
	if (!get_u64(m, rec, em->f[F_BYTES_ALLOC], &km->bytes_alloc))
		return bad(why, "kmalloc: bad bytes_alloc");
	if (!get_u64(m, rec, em->f[F_KGFP], &km->gfp_raw))
		return bad(why, "kmalloc: bad gfp_flags");
	km->gfp = gfp_bits(m, e, km->gfp_raw);
	km->node = -1;
	if (em->f[F_NODE] && !get_i32(m, rec, em->f[F_NODE], &km->node))
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
		    get_str(rec, m->comm_src[i].comm[k], comm, sizeof(comm)) &&
		    get_i32(m, rec, m->comm_src[i].pid[k], &pid))
			tep_register_comm(m->tep, comm, pid); /* known pairs: EEXIST, ignored */
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

/* 0: *what set; -1: any other text, or a buf that is not inside the record */
static int map_mark(const struct vd_dat_map *m, const struct tep_record *rec, uint32_t *what)
{
	const char *s, *nul;
	size_t n;

	if (!str_span(rec, m->print.buf, &s, &n))
		return -1;
	nul = memchr(s, '\0', n);
	if (nul)
		n = (size_t)(nul - s);
	if (n && s[n - 1] == '\n')
		n--;
	for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
		if (n == marks[i].len && !memcmp(s, marks[i].text, n)) {
			*what = marks[i].what;
			return 0;
		}
	}
	return -1;
}

/* what every event takes from the record's header */
static void map_common(struct vd_dat_map *m, struct tep_record *rec, struct vd_event *ev)
{
	const char *comm;

	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = rec->ts;
	ev->cpu = rec->cpu;
	ev->pid = tep_data_pid(m->tep, rec);
	comm = tep_data_comm_from_pid(m->tep, ev->pid);
	if (comm)
		snprintf(ev->comm, sizeof(ev->comm), "%s", comm);
}

int vd_dat_map_record(struct vd_dat_map *m, struct tep_record *rec, struct vd_event *ev,
		      const char **why)
{
	uint32_t what;
	int type, e, ret;

	if (!rec->data || rec->size < COMMON_MIN_SIZE)
		return bad(why, "record shorter than its header");
	type = tep_data_type(m->tep, rec);
	for (e = 0; e < VD_DAT_NEVENTS; e++)
		if (m->ev[e].id >= 0 && m->ev[e].id == type)
			break;
	if (e == VD_DAT_NEVENTS) {
		if (m->print.id >= 0 && m->print.id == type && !map_mark(m, rec, &what)) {
			map_common(m, rec, ev);
			ev->kind = VD_EV_MARK;
			ev->mark.what = what;
			return VD_DAT_REC_EVENT;
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
