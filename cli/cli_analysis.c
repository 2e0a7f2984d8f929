// SPDX-License-Identifier: GPL-2.0
/*
 * The analysis options correlate and export share (--names, --offset,
 * --map, the thresholds, --irq-a/-b, --adb-port): one parser, one help text,
 * so the two commands can never read the same option differently.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "cli.h"

const char vd_cli_analysis_help[] =
    "  --names A,B          labels for the two partitions (default: file names)\n"
    "  --offset DURATION    B's clock minus A's (e.g. 12.5s, -300ms): skip estimation\n"
    "  --map ACID=BCID,...  the endpoint A calls ACID is the one B calls BCID\n"
    "                       (default: inferred from connections' ports)\n"
    "  --stall DURATION     a delivery later than this is a stall (default 500ms)\n"
    "  --starve DURATION    zero credit for longer than this is credit starvation\n"
    "                       (default 1s)\n"
    "  --grace DURATION     a packet sent this close to the end of the receiver's\n"
    "                       recording is not counted as lost (default 2s)\n"
    "  --irq-a NAME, --irq-b NAME\n"
    "                       the vsock interrupt line's name on each side (default:\n"
    "                       the line that precedes receive bursts, e.g. "
    "virtio0-virtqueues)\n"
    "  --adb-port PORT      label connections on this port as adb (default 5555)\n";

void vd_cli_analysis_init(struct vd_cli_analysis *a)
{
	memset(a, 0, sizeof(*a));
	vd_opts_init(&a->o);
}

static int parse_names(struct vd_cli_analysis *a, const char *spec)
{
	const char *comma = strchr(spec, ',');

	if (!comma || comma == spec || !comma[1] || strchr(comma + 1, ','))
		return -EINVAL;
	free(a->names[0]);
	free(a->names[1]);
	a->names[0] = vd_xstrdup(spec);
	a->names[0][comma - spec] = '\0';
	a->names[1] = vd_xstrdup(comma + 1);
	a->o.name[0] = a->names[0];
	a->o.name[1] = a->names[1];
	return 0;
}

int vd_cli_analysis_opt(struct vd_cli_analysis *a, int c, const char *arg,
			const struct vd_global *g)
{
	struct vd_opts *o = &a->o;
	int64_t v, *dst;
	uint64_t port;

	switch (c) {
	case VD_OPT_AN_NAMES:
		if (parse_names(a, arg)) {
			vd_cli_error(g, "--names wants two labels: --names host,guest");
			return -EINVAL;
		}
		return 1;
	case VD_OPT_AN_OFFSET:
		if (vd_parse_duration(arg, &o->offset_ns)) {
			vd_cli_error(
			    g, "--offset '%s': give a duration such as 12.5s, -300ms or 47607180us",
			    arg);
			return -EINVAL;
		}
		o->have_offset = true;
		return 1;
	case VD_OPT_AN_MAP:
		if (vd_cidmap_parse(&o->map, arg)) {
			vd_cli_error(g, "--map '%s': give ACID=BCID pairs, e.g. --map 1000=2,3=3",
				     arg);
			return -EINVAL;
		}
		return 1;
	case VD_OPT_AN_STALL:
	case VD_OPT_AN_GRACE:
	case VD_OPT_AN_STARVE: {
		const char *name = c == VD_OPT_AN_STALL	  ? "stall"
				   : c == VD_OPT_AN_GRACE ? "grace"
							  : "starve";

		dst = c == VD_OPT_AN_STALL   ? &o->stall_ns
		      : c == VD_OPT_AN_GRACE ? &o->grace_ns
					     : &o->starve_ns;
		if (vd_parse_duration(arg, &v) || v <= 0) {
			vd_cli_error(g, "--%s '%s': give a positive duration such as 500ms or 2s",
				     name, arg);
			return -EINVAL;
		}
		*dst = v;
		return 1;
	}
	case VD_OPT_AN_IRQ_A:
		o->irq_name[0] = arg;
		return 1;
	case VD_OPT_AN_IRQ_B:
		o->irq_name[1] = arg;
		return 1;
	case VD_OPT_AN_ADB_PORT:
		if (vd_parse_u64(arg, strlen(arg), 10, &port) || port > UINT32_MAX) {
			vd_cli_error(g, "--adb-port '%s': give a port number", arg);
			return -EINVAL;
		}
		o->adb_port = (uint32_t)port;
		return 1;
	default:
		return 0;
	}
}

void vd_cli_analysis_inputs(struct vd_cli_analysis *a, const char *path_a, const char *path_b)
{
	struct vd_opts *o = &a->o;

	o->path[0] = path_a;
	o->path[1] = path_b;
	if (a->names[0])
		return;
	a->auto_names[0] = vd_cli_label(path_a);
	a->auto_names[1] = path_b ? vd_cli_label(path_b) : vd_xstrdup("peer");
	if (!strcmp(a->auto_names[0], a->auto_names[1])) {
		free(a->auto_names[0]);
		free(a->auto_names[1]);
		a->auto_names[0] = vd_xstrdup("A");
		a->auto_names[1] = vd_xstrdup("B");
	}
	o->name[0] = a->auto_names[0];
	o->name[1] = a->auto_names[1];
}

void vd_cli_analysis_free(struct vd_cli_analysis *a)
{
	for (int i = 0; i < 2; i++) {
		free(a->names[i]);
		free(a->auto_names[i]);
		a->names[i] = a->auto_names[i] = NULL;
	}
}
