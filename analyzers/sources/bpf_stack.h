/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A "stack" line's frames= (innermost first, "sym+0xoff,sym+0xoff,...")
 * summarized into what fits an event: how many frames, which vsock paths
 * they name (VD_STACK_*), and the few frames around the vsock code that say
 * which path an allocation failure broke.
 */
#ifndef VD_BPF_STACK_H
#define VD_BPF_STACK_H

#include <stddef.h>

#include "common/vd_event.h"

/* fills st->nframes, st->names and st->summary (not st->id); 0 or -EINVAL */
int vd_bpf_stack_summarize(const char *s, size_t n, struct vd_bpf_stack *st);

#endif /* VD_BPF_STACK_H */
