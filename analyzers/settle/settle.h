/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Settling: once a session has ended, its findings are related to each
 * other, over their data only (no words are made here):
 *  - repeated refused or unanswered connection attempts become one
 *    reconnect storm;
 *  - credit starvation overlapping a stall or a loss on its connection is
 *    their consequence (a warning), not a reader's fault;
 *  - allocation failures are tied to the problems that began after them;
 *  - then sorted, grouped into ranked incidents, and given a verdict.
 */
#ifndef VD_SETTLE_H
#define VD_SETTLE_H

#include "analyzers/model/model.h"

void vd_settle(const struct vd_opts *o, struct vd_result *res);

/* after sorting the findings: group them into ranked incidents (incidents.c) */
void vd_incidents_build(struct vd_result *res);

#endif /* VD_SETTLE_H */
