// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: what scripts parse must be valid JSON whatever the input files held. */
#include <stdio.h>
#include <stdlib.h>

#include "common/json.h"
#include "vtest.h"

static char *render(void (*fn)(struct vd_json *j))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct vd_json j;

	vd_json_init(&j, f, false);
	fn(&j);
	fclose(f);
	return buf;
}

static void doc_nested(struct vd_json *j)
{
	vd_json_obj_begin(j, NULL);
	vd_json_int(j, "n", -5);
	vd_json_arr_begin(j, "a");
	vd_json_uint(j, NULL, 1);
	vd_json_null(j, NULL);
	vd_json_arr_end(j);
	vd_json_arr_begin(j, "empty");
	vd_json_arr_end(j);
	vd_json_double(j, "nan", 0.0 / 0.0);
	vd_json_obj_end(j);
}

VT_TEST(json_nesting_commas_and_nan)
{
	char *out = render(doc_nested);

	VT_EQ_STR(out, "{\"n\":-5,\"a\":[1,null],\"empty\":[],\"nan\":null}");
	free(out);
}

static void doc_strings(struct vd_json *j)
{
	vd_json_obj_begin(j, NULL);
	/* quote, backslash, control byte, valid UTF-8 (é, →), invalid byte, overlong '/' */
	vd_json_str(j, "s", "a\"b\\c\x01 caf\xc3\xa9 \xe2\x86\x92 \xff \xc0\xaf");
	vd_json_obj_end(j);
}

VT_TEST(json_strings_escaped_and_utf8_kept)
{
	char *out = render(doc_strings);

	VT_EQ_STR(out, "{\"s\":\"a\\\"b\\\\c\\u0001 caf\xc3\xa9 \xe2\x86\x92 \\ufffd "
		       "\\ufffd\\ufffd\"}");
	free(out);
}
