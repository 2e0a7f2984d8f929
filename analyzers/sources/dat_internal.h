/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the trace.dat mapping share, and nothing else includes:
 *   dat_fields.c  the formats: events and fields looked up once per file,
 *                 string fields read from a record, gfp_flags as VD_GFP_* bits;
 *   dat_map.c     a record -> vd_event: payloads, markers, task names;
 * and this header reads the number fields (inline: every record has several).
 */
#ifndef VD_DAT_INTERNAL_H
#define VD_DAT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <traceevent/event-parse.h>

#include "analyzers/sources/dat_map.h"

/* where each event's fields are in vd_dat_evmap.f[]: its row of specs[] in dat_fields.c */
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

/* ---- numbers of one record ------------------------------------------- */

static inline bool field_fits(const struct tep_record *rec, const struct tep_format_field *f)
{
	return f && f->offset >= 0 && f->size > 0 && (long)f->offset + f->size <= rec->size;
}

/* an unsigned number field of 1, 2, 4 or 8 bytes; false when it does not fit */
static inline bool vd_dat_get_u64(const struct vd_dat_map *m, const struct tep_record *rec,
				  const struct tep_format_field *f, uint64_t *v)
{
	if (!field_fits(rec, f) || (f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8))
		return false;
	*v = tep_read_number(m->tep, (const char *)rec->data + f->offset, f->size);
	return true;
}

static inline bool vd_dat_get_u32(const struct vd_dat_map *m, const struct tep_record *rec,
				  const struct tep_format_field *f, uint32_t *v)
{
	uint64_t x;

	if (!vd_dat_get_u64(m, rec, f, &x))
		return false;
	*v = (uint32_t)x; /* u32 fields; a wider one from a future kernel keeps its low bits */
	return true;
}

/* a C int of the field's own width, sign-extended */
static inline bool vd_dat_get_i32(const struct vd_dat_map *m, const struct tep_record *rec,
				  const struct tep_format_field *f, int32_t *v)
{
	uint64_t x;

	if (!vd_dat_get_u64(m, rec, f, &x))
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
static inline bool is_all_ones(const struct tep_format_field *f, uint64_t v)
{
	return f->size >= 8 ? v == UINT64_MAX : v == (1ULL << (8 * f->size)) - 1;
}

/* ---- strings of one record: dat_fields.c ------------------------------- */

/* a string field's bytes in rec, [*s, *s + *n), not NUL-terminated */
bool vd_dat_str_span(const struct tep_record *rec, const struct tep_format_field *f, const char **s,
		     size_t *n);
/* a string field copied into dst[size], up to its NUL, truncated */
bool vd_dat_get_str(const struct tep_record *rec, const struct tep_format_field *f, char *dst,
		    size_t size);

/* ---- gfp flags: dat_fields.c ------------------------------------------ */

/* the VD_GFP_* bits of event e's gfp_flags value raw, as the text parser reads its names */
uint32_t vd_dat_gfp_bits(struct vd_dat_map *m, enum vd_dat_event e, uint64_t raw);

#endif /* VD_DAT_INTERNAL_H */
