// SPDX-License-Identifier: GPL-2.0
/* Placeholder until tui/top_ui.c lands (branch tui): delete this file then. */
#include <errno.h>
#include <stdio.h>

#include "tui/top_run.h"

int vd_top_ui(struct vd_top_run *r, const struct vd_top_ui_opts *uo, char *err, size_t errlen)
{
	(void)r, (void)uo;
	snprintf(err, errlen, "the full screen is not built yet: use -b");
	return -ENOSYS;
}
