/* SPDX-License-Identifier: GPL-2.0 */
/* One streaming JSON writer for every command (bpftool's lesson: one writer, paired printers). */
#ifndef VD_JSON_H
#define VD_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VD_JSON_MAX_DEPTH 32

struct vd_json {
	FILE *f;
	bool pretty;
	int depth;
	bool first[VD_JSON_MAX_DEPTH];
};

void vd_json_init(struct vd_json *j, FILE *f, bool pretty);
/* key is NULL inside arrays and at the top level */
void vd_json_obj_begin(struct vd_json *j, const char *key);
void vd_json_obj_end(struct vd_json *j);
void vd_json_arr_begin(struct vd_json *j, const char *key);
void vd_json_arr_end(struct vd_json *j);
void vd_json_str(struct vd_json *j, const char *key, const char *v); /* NULL -> null */
void vd_json_int(struct vd_json *j, const char *key, int64_t v);
void vd_json_uint(struct vd_json *j, const char *key, uint64_t v);
void vd_json_double(struct vd_json *j, const char *key, double v);
void vd_json_bool(struct vd_json *j, const char *key, bool v);
void vd_json_null(struct vd_json *j, const char *key);
/* finish the document with a newline */
void vd_json_end(struct vd_json *j);

#endif /* VD_JSON_H */
