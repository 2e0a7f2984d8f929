// SPDX-License-Identifier: GPL-2.0
/*
 * The event formats of a trace.dat, for dat_map.c: which of the events we
 * use the file has and where their fields are (looked up once per file),
 * reading a string field from one record (numbers: dat_internal.h), and
 * gfp_flags as VD_GFP_* bits.  Fields are found by name, never by the
 * offsets of one kernel, because the formats differ across versions (zcopy
 * appended ~6.7, pfn replacing page 5.x, node added to kmalloc 6.1) and a
 * file says which it has.  Every read is checked against the record's size:
 * the file may be damaged or hostile, and libtraceevent's accessors do not
 * check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "common/util.h"
#include "analyzers/sources/dat_internal.h"
#include "analyzers/sources/dat_map.h"
#include "analyzers/sources/text_parse.h"

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

/* ---- reading fields (numbers: dat_internal.h) ----------------------------------------- */

/*
 * Where a string field's bytes are in the record: a __data_loc / __rel_loc
 * char[] (irq name), a fixed char array, or a flexible "char buf[]" (size 0
 * in the format: ftrace:print) that runs to the end of the record.  false
 * when they are not all inside it.
 */
bool vd_dat_str_span(const struct tep_record *rec, const struct tep_format_field *f, const char **s,
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
bool vd_dat_get_str(const struct tep_record *rec, const struct tep_format_field *f, char *dst,
		    size_t size)
{
	const char *s, *nul;
	size_t len;

	if (!field_fits(rec, f) || !vd_dat_str_span(rec, f, &s, &len))
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

uint32_t vd_dat_gfp_bits(struct vd_dat_map *m, enum vd_dat_event e, uint64_t raw)
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
