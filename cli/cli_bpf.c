// SPDX-License-Identifier: GPL-2.0
/* The BPF options record and top share: --bpf MODE, --sample-hz N and their defaults. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "cli.h"

void vd_cli_bpf_defaults(struct vd_bpf_opts *b)
{
	b->sample_hz = VD_DEFAULT_SAMPLE_HZ;
	b->payload_ports[0] = VD_DEFAULT_PAYLOAD_PORT;
	b->npayload_ports = 1;
}

int vd_cli_parse_bpf_mode(const char *s, enum vd_bpf_mode *mode, char *err, size_t errlen)
{
	if (!strcmp(s, "auto"))
		*mode = VD_BPF_AUTO;
	else if (!strcmp(s, "off"))
		*mode = VD_BPF_OFF;
	else if (!strcmp(s, "require"))
		*mode = VD_BPF_REQUIRE;
	else {
		snprintf(err, errlen, "--bpf '%s': give auto, off or require", s);
		return -EINVAL;
	}
	return 0;
}

int vd_cli_parse_sample_hz(const char *s, unsigned int *hz, char *err, size_t errlen)
{
	uint64_t v;

	if (vd_parse_u64(s, strlen(s), 10, &v) || v > 100) {
		snprintf(err, errlen,
			 "--sample-hz '%s': give samples per second, 0 to 100 (e.g. 4)", s);
		return -EINVAL;
	}
	*hz = (unsigned int)v;
	return 0;
}
