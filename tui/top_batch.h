/* SPDX-License-Identifier: GPL-2.0 */
/* top's batch outputs of one sample: text, a JSON line, OpenMetrics (tui/top_batch.c). */
#ifndef VD_TOP_BATCH_H
#define VD_TOP_BATCH_H

#include <stdio.h>

#include "tui/top_model.h"

void vd_top_print_text(FILE *f, const struct vd_top_snap *s, long iteration);
void vd_top_print_json(FILE *f, const struct vd_top_snap *s, long iteration);
void vd_top_print_openmetrics(FILE *f, const struct vd_top_snap *s);

#endif /* VD_TOP_BATCH_H */
