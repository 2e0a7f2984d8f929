/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event formats as /sys/kernel/tracing/events/vsock/.../format prints them
 * (Linux 6.1), shared by the unit tests that build trace.dat files by hand.
 */
#ifndef VD_TEST_DAT_FORMATS_H
#define VD_TEST_DAT_FORMATS_H

#define COMMON_FIELDS                                                                              \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"                     \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"                     \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"             \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

#define PKT_FIELDS                                                                                 \
	"\tfield:__u32 src_cid;\toffset:8;\tsize:4;\tsigned:0;\n"                                  \
	"\tfield:__u32 src_port;\toffset:12;\tsize:4;\tsigned:0;\n"                                \
	"\tfield:__u32 dst_cid;\toffset:16;\tsize:4;\tsigned:0;\n"                                 \
	"\tfield:__u32 dst_port;\toffset:20;\tsize:4;\tsigned:0;\n"                                \
	"\tfield:__u32 len;\toffset:24;\tsize:4;\tsigned:0;\n"                                     \
	"\tfield:__u16 type;\toffset:28;\tsize:2;\tsigned:0;\n"                                    \
	"\tfield:__u16 op;\toffset:30;\tsize:2;\tsigned:0;\n"                                      \
	"\tfield:__u32 flags;\toffset:32;\tsize:4;\tsigned:0;\n"

#define SYM_TYPE "__print_symbolic(REC->type, { 1, \"STREAM\" }, { 2, \"SEQPACKET\" })"
#define SYM_OP                                                                                     \
	"__print_symbolic(REC->op, { 0, \"INVALID\" }, { 1, \"REQUEST\" }, { 2, \"RESPONSE\" }, "  \
	"{ 3, \"RST\" }, { 4, \"SHUTDOWN\" }, { 5, \"RW\" }, { 6, \"CREDIT_UPDATE\" }, "           \
	"{ 7, \"CREDIT_REQUEST\" })"

/* Linux 6.1 include/trace/events/vsock_virtio_transport_common.h */
static const char fmt_alloc_61[] __attribute__((unused)) =
    "name: virtio_transport_alloc_pkt\nID: 1501\nformat:\n" COMMON_FIELDS PKT_FIELDS
    "\nprint fmt: \"%u:%u -> %u:%u len=%u type=%s op=%s flags=%#x\", REC->src_cid, "
    "REC->src_port, REC->dst_cid, REC->dst_port, REC->len, " SYM_TYPE ", " SYM_OP ", REC->flags\n";

static const char fmt_recv_61[] __attribute__((unused)) =
    "name: virtio_transport_recv_pkt\nID: 1502\nformat:\n" COMMON_FIELDS PKT_FIELDS
    "\tfield:__u32 buf_alloc;\toffset:36;\tsize:4;\tsigned:0;\n"
    "\tfield:__u32 fwd_cnt;\toffset:40;\tsize:4;\tsigned:0;\n"
    "\nprint fmt: \"%u:%u -> %u:%u len=%u type=%s op=%s flags=%#x buf_alloc=%u fwd_cnt=%u\", "
    "REC->src_cid, REC->src_port, REC->dst_cid, REC->dst_port, REC->len, " SYM_TYPE ", " SYM_OP
    ", REC->flags, REC->buf_alloc, REC->fwd_cnt\n";

#endif /* VD_TEST_DAT_FORMATS_H */
