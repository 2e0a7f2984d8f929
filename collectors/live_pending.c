// SPDX-License-Identifier: GPL-2.0
/* Placeholder until collectors/live.c lands (branch live): delete this file then. */
#include <errno.h>
#include <stdio.h>

#include "collectors/live.h"

struct vd_live *vd_live_open(const struct vd_live_opts *o, char *err, size_t errlen)
{
	(void)o;
	snprintf(err, errlen, "live mode is not built yet: use -r FILE");
	errno = ENOSYS;
	return NULL;
}
int vd_live_fd(const struct vd_live *l)
{
	(void)l;
	return -1;
}
int vd_live_read(struct vd_live *l, void (*cb)(void *ctx, const struct vd_event *ev), void *ctx,
		 char *err, size_t errlen)
{
	(void)l, (void)cb, (void)ctx, (void)err, (void)errlen;
	return -ENOSYS;
}
const struct vd_live_info *vd_live_info(const struct vd_live *l)
{
	(void)l;
	return NULL;
}
int vd_live_close(struct vd_live *l, char *err, size_t errlen)
{
	(void)l, (void)err, (void)errlen;
	return 0;
}
