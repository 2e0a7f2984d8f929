/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recorded packet in the framing of Linux's vsockmon capture device
 * (LINKTYPE_VSOCK, include/uapi/linux/vsockmon.h): struct af_vsockmon_hdr,
 * then the virtio_vsock_hdr, then whatever payload bytes we have.  What
 * Wireshark's vSocket dissector reads.
 */
#ifndef VD_VSOCKMON_H
#define VD_VSOCKMON_H

#include <stddef.h>
#include <stdint.h>

#include "common/vd_event.h"

#define VD_VSOCKMON_HDR_LEN 32 /* struct af_vsockmon_hdr */
#define VD_VIRTIO_HDR_LEN   44 /* struct virtio_vsock_hdr, packed */
#define VD_VSOCKMON_HDRS    (VD_VSOCKMON_HDR_LEN + VD_VIRTIO_HDR_LEN)

/*
 * Both headers of h, then payload[payload_len], into buf (VD_VSOCKMON_HDRS +
 * payload_len bytes); returns the length written.  buf_alloc and fwd_cnt are
 * 0 when the tracepoint did not carry them (every send).
 */
size_t vd_vsockmon_frame(const struct vd_pkt *h, const uint8_t *payload, size_t payload_len,
			 uint8_t *buf);

#endif /* VD_VSOCKMON_H */
