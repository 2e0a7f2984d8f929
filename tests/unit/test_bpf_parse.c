// SPDX-License-Identifier: GPL-2.0
/*
 * The "vsockdiag-bpf" marker lines (doc/bpf-events.md) as the text parser
 * reads them from `cat trace` and `trace-cmd report`: every kind with its
 * values, the process named by the line, unknown kinds and keys skipped,
 * and hostile lines malformed (never an event, never a crash).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyzers/sources/bpf_line.h"
#include "analyzers/sources/text_parse.h"
#include "vtest.h"

/* trace-cmd report's print line */
#define RPT "vsockdiag-812 [001] 5.100000: print: tracing_mark_write: vsockdiag-bpf "
/* cat trace's */
#define CAT "       vsockdiag-812     [001] d..1.     5.100000: tracing_mark_write: vsockdiag-bpf "

static int parse(const char *line, struct vd_event *ev, const char **why)
{
	struct vd_text_state st;

	vd_text_state_init(&st);
	*why = NULL;
	memset(ev, 0x5a, sizeof(*ev));
	return vd_text_parse_line(&st, line, strlen(line), ev, why);
}

VT_TEST(bpf_parse_rxfill_both_text_forms)
{
	static const char *const lines[] = {
		RPT "rxfill t=5012345678 before=10 after=64 max=128 free=64 fail=1",
		CAT "rxfill t=5012345678 before=10 after=64 max=128 free=64 fail=1",
	};
	struct vd_event ev;
	const char *why;

	for (size_t i = 0; i < 2; i++) {
		VT_EQ_INT(parse(lines[i], &ev, &why), VD_LINE_EVENT);
		VT_EQ_INT(ev.kind, VD_EV_BPF);
		VT_EQ_INT(ev.bpf.kind, VD_BPF_RXFILL);
		/* ordered by the marker's time, the occurrence time kept apart */
		VT_EQ_U64(ev.ts_ns, 5100000000ull);
		VT_EQ_U64(ev.bpf.t, 5012345678ull);
		VT_ASSERT(ev.bpf.has_t);
		VT_EQ_INT(ev.bpf.rxfill.before, 10);
		VT_EQ_INT(ev.bpf.rxfill.after, 64);
		VT_EQ_INT(ev.bpf.rxfill.max, 128);
		VT_EQ_INT(ev.bpf.rxfill.free, 64);
		VT_ASSERT(ev.bpf.rxfill.fail);
		VT_EQ_INT(ev.pid, 812);
		VT_EQ_STR(ev.comm, "vsockdiag");
		VT_EQ_INT(ev.cpu, 1);
	}
}

VT_TEST(bpf_parse_every_kind)
{
	struct vd_event ev;
	const char *why;

	VT_EQ_INT(parse(RPT "tier hook=rxfill tier=off why=no_kprobes_or_fentry", &ev, &why),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.kind, VD_BPF_TIER);
	VT_EQ_STR(ev.bpf.tier.hook, "rxfill");
	VT_EQ_INT(ev.bpf.tier.tier, VD_TIER_OFF);
	VT_EQ_STR(ev.bpf.tier.why, "no_kprobes_or_fentry");
	VT_ASSERT(!ev.bpf.has_t);
	/* a tier a newer recorder added attaches "somehow": not malformed */
	VT_EQ_INT(parse(RPT "tier hook=kick tier=uprobe", &ev, &why), VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.tier.tier, VD_TIER_UNKNOWN);

	VT_EQ_INT(parse(RPT "rxlevel t=7 level=0 max=128 src=sample", &ev, &why), VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.rxlevel.level, 0);
	VT_ASSERT(ev.bpf.rxlevel.sampled);
	VT_ASSERT(!ev.bpf.rxlevel.have_free);
	VT_EQ_INT(parse(RPT "rxlevel t=7 level=3 max=128 free=125 src=work", &ev, &why),
		  VD_LINE_EVENT);
	VT_ASSERT(!ev.bpf.rxlevel.sampled);
	VT_ASSERT(ev.bpf.rxlevel.have_free);
	VT_EQ_INT(ev.bpf.rxlevel.free, 125);

	VT_EQ_INT(parse(RPT "kick t=0x10 dir=skipped vq=rx", &ev, &why), VD_LINE_EVENT);
	VT_EQ_U64(ev.bpf.t, 16);
	VT_EQ_INT(ev.bpf.kick.dir, VD_KICK_SKIPPED);
	VT_EQ_INT(ev.bpf.kick.vq, VD_VQ_RX);
	VT_EQ_INT(parse(RPT "kick t=1 dir=received vq=1", &ev, &why), VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.kick.dir, VD_KICK_RECEIVED);
	VT_EQ_INT(ev.bpf.kick.vq, VD_VQ_TX);

	VT_EQ_INT(parse(RPT "vhostwait t=9 queued=42", &ev, &why), VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.kind, VD_BPF_VHOSTWAIT);
	VT_EQ_INT(ev.bpf.vhost.queued, 42);
	VT_ASSERT(!ev.bpf.vhost.have_replies);
	VT_EQ_INT(parse(RPT "vhostsample t=9 cid=3 queued=5 replies=2 avail=0", &ev, &why),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.vhost.cid, 3);
	VT_EQ_INT(ev.bpf.vhost.replies, 2);
	VT_ASSERT(ev.bpf.vhost.have_replies);

	VT_EQ_INT(parse(RPT "vqirq t=9 irq=-1 vq=rx shared=1", &ev, &why), VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.vqirq.irq, -1);
	VT_ASSERT(ev.bpf.vqirq.shared);

	VT_EQ_INT(parse(RPT "skbdrop t=9 reason=2 loc=virtio_transport_recv_pkt", &ev, &why),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.skbdrop.reason, 2);
	VT_EQ_STR(ev.bpf.skbdrop.loc, "virtio_transport_recv_pkt");

	VT_EQ_INT(
	    parse(RPT "payload t=9 dir=rx src=2:5555 dst=3:1024 len=24 head=434e584e", &ev, &why),
	    VD_LINE_EVENT);
	VT_ASSERT(ev.bpf.payload.rx);
	VT_EQ_INT(ev.bpf.payload.len, 24);

	VT_EQ_INT(parse(RPT "lost t=9 count=17", &ev, &why), VD_LINE_EVENT);
	VT_EQ_U64(ev.bpf.lost, 17);
}

/* payload heads: the tuple and the bytes come through; hostile hex is malformed */
VT_TEST(bpf_parse_payload_tuple_and_head)
{
	static const char *const bad_lines[] = {
		RPT "payload t=1 dir=tx src=3:1 dst=2:5555 len=4 head=434e584", /* odd */
		RPT "payload t=1 dir=tx src=3:1 dst=2:5555 len=4 head=434g",	/* not hex */
		RPT "payload t=1 dir=tx src=3:1 dst=2:5555 len=4 head=",	/* empty */
		RPT "payload t=1 dir=tx src=3:1 dst=2:5555 len=4 head=--",
		RPT "payload t=1 dir=tx src=3:1 dst=2:5555 len=2 head=434e584e", /* > len */
		RPT "payload t=1 dir=tx src=3 dst=2:5555 len=4 head=-",	 /* no port */
		RPT "payload t=1 dir=tx src=3:1 dst=2:99999999999 len=4 head=-",
		RPT "payload t=1 dir=tx src=3:1 src=3:1 dst=2:5555 len=4 head=-", /* twice */
		RPT "payload t=1 dir=up src=3:1 dst=2:5555 len=4 head=-",
		/* 33 bytes: more than any recorder copies */
		RPT "payload t=1 dir=rx len=100 head=000102030405060708090a0b0c0d0e0f"
		    "101112131415161718191a1b1c1d1e1f20",
	};
	struct vd_event ev;
	const char *why;

	VT_EQ_INT(parse(RPT "payload t=9 dir=tx src=3:1024 dst=2:5555 len=24 "
			    "head=434e584e0000000100001000",
			&ev, &why),
		  VD_LINE_EVENT);
	VT_ASSERT(!ev.bpf.payload.rx);
	VT_ASSERT(ev.bpf.payload.have_src && ev.bpf.payload.have_dst);
	VT_EQ_INT(ev.bpf.payload.src_cid, 3);
	VT_EQ_INT(ev.bpf.payload.src_port, 1024);
	VT_EQ_INT(ev.bpf.payload.dst_cid, 2);
	VT_EQ_INT(ev.bpf.payload.dst_port, 5555);
	VT_EQ_INT(ev.bpf.payload.nhead, 12);
	VT_EQ_INT(ev.bpf.payload.head[0], 0x43);
	VT_EQ_INT(ev.bpf.payload.head[3], 0x4e);
	VT_EQ_INT(ev.bpf.payload.head[7], 0x01);
	VT_EQ_INT(ev.bpf.payload.head[10], 0x10);
	VT_EQ_INT(ev.bpf.payload.head[12], 0); /* nothing past nhead */

	/* 32 bytes (the most), upper-case hex */
	VT_EQ_INT(parse(CAT "payload t=9 dir=rx src=2:5555 dst=3:1024 len=4096 "
			    "head=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
			&ev, &why),
		  VD_LINE_EVENT);
	VT_ASSERT(ev.bpf.payload.rx);
	VT_EQ_INT(ev.bpf.payload.nhead, 32);
	VT_EQ_INT(ev.bpf.payload.head[31], 0x1f);
	VT_EQ_INT(ev.bpf.payload.head[10], 0x0a);

	/* no bytes copied; an older line without the tuple */
	VT_EQ_INT(parse(RPT "payload t=9 dir=rx src=2:5555 dst=3:1024 len=0 head=-", &ev, &why),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.payload.nhead, 0);
	VT_EQ_INT(parse(RPT "payload t=9 dir=rx len=7", &ev, &why), VD_LINE_EVENT);
	VT_ASSERT(!ev.bpf.payload.have_src && !ev.bpf.payload.have_dst);
	VT_EQ_INT(ev.bpf.payload.nhead, 0);

	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		if (parse(bad_lines[i], &ev, &why) != -EINVAL) {
			vt_fail(__FILE__, __LINE__, "not malformed: %s", bad_lines[i]);
			return;
		}
		VT_ASSERT(vd_bpf_why_is_bpf(why));
	}
}

/* lines that name a process: the event is about it, not about the recorder */
VT_TEST(bpf_parse_allocfail_and_credit_name_their_process)
{
	struct vd_event ev;
	const char *why;

	VT_EQ_INT(parse(RPT "allocfail t=100 path=page order=5 gfp=0x2dc0 opportunistic=0 pid=77 "
			    "comm=kworker/0:1 stack=4",
			&ev, &why),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.alloc.path, VD_APATH_PAGE);
	VT_EQ_INT(ev.bpf.alloc.order, 5);
	VT_ASSERT(ev.bpf.alloc.gfp & VD_GFP_RAW);
	VT_EQ_U64(ev.bpf.alloc.gfp_raw, 0x2dc0);
	VT_ASSERT(!ev.bpf.alloc.opportunistic);
	VT_ASSERT(ev.bpf.alloc.have_stack);
	VT_EQ_INT(ev.bpf.alloc.stack, 4);
	VT_EQ_INT(ev.pid, 77);
	VT_EQ_STR(ev.comm, "kworker/0:1");
	/* no pid=: unknown, never the recorder's */
	VT_EQ_INT(parse(RPT "allocfail t=100 path=pkt bytes=65580", &ev, &why), VD_LINE_EVENT);
	VT_EQ_INT(ev.pid, -1);
	VT_EQ_STR(ev.comm, "");
	VT_EQ_U64(ev.bpf.alloc.bytes, 65580);
	VT_ASSERT(!ev.bpf.alloc.have_stack);

	VT_EQ_INT(parse(RPT "credit t=5 why=sample pid=300 comm=adbd local=3:5555 remote=2:40000 "
			    "state=1 tx_cnt=10 peer_fwd_cnt=8 peer_buf_alloc=262144 fwd_cnt=0 "
			    "last_fwd_cnt=0 rx_bytes=262144 buf_alloc=262144 buf_used=4",
			&ev, &why),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.kind, VD_BPF_CREDIT);
	VT_EQ_INT(ev.bpf.credit.why, VD_CREDIT_SAMPLE);
	VT_EQ_INT(ev.bpf.credit.local_cid, 3);
	VT_EQ_INT(ev.bpf.credit.local_port, 5555);
	VT_EQ_INT(ev.bpf.credit.remote_cid, 2);
	VT_EQ_INT(ev.bpf.credit.remote_port, 40000);
	VT_EQ_INT(ev.bpf.credit.rx_bytes, 262144);
	VT_EQ_INT(ev.bpf.credit.state, 1);
	/* fields the kernel lacks are absent, not zero */
	VT_EQ_INT(ev.bpf.credit.have, VD_CRED_LAST_FWD_CNT | VD_CRED_BUF_USED);
	VT_EQ_INT(ev.pid, 300);
	VT_EQ_STR(ev.comm, "adbd");
}

VT_TEST(bpf_parse_stack_summary_names_the_vsock_path)
{
	struct vd_event ev;
	const char *why;

	VT_EQ_INT(parse(RPT
			"stack id=4 frames=__alloc_pages+0x1a/0x300,__kmalloc_large_node+0x7a,"
			"__kmalloc_node_track_caller+0x40,kmalloc_reserve+0x3b,__alloc_skb+0x8e,"
			"virtio_vsock_rx_fill+0x5a,virtio_transport_rx_work+0x2bd,process_one_work+"
			"0x1c7,worker_thread+0x51,kthread+0xe6,ret_from_fork+0x1f",
			&ev, &why),
		  VD_LINE_EVENT); /* %pS's "+off/size" is a frame too */
	VT_EQ_STR(ev.bpf.stack.summary,
		  "__alloc_skb < virtio_vsock_rx_fill < virtio_transport_rx_work");
	VT_EQ_INT(parse(RPT
			"stack id=4 frames=__alloc_pages+0x1a,__kmalloc_large_node+0x7a,"
			"__kmalloc_node_track_caller+0x40,kmalloc_reserve+0x3b,__alloc_skb+0x8e,"
			"virtio_vsock_rx_fill+0x5a,virtio_transport_rx_work+0x2bd,process_one_work+"
			"0x1c7,worker_thread+0x51,kthread+0xe6,ret_from_fork+0x1f",
			&ev, &why),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.stack.id, 4);
	VT_EQ_INT(ev.bpf.stack.nframes, 11);
	VT_ASSERT(ev.bpf.stack.names & VD_STACK_RXFILL);
	VT_ASSERT(!(ev.bpf.stack.names & VD_STACK_TXALLOC));
	VT_EQ_STR(ev.bpf.stack.summary,
		  "__alloc_skb < virtio_vsock_rx_fill < virtio_transport_rx_work");
	/* the host's TX handler, with vhost_vsock_alloc_skb inlined (6.1) */
	VT_EQ_INT(parse(RPT "stack id=9 frames=__alloc_pages+0x1,__kmalloc+0x2,"
			    "vhost_vsock_handle_tx_kick+0x3,vhost_worker+0x4",
			&ev, &why),
		  VD_LINE_EVENT);
	VT_ASSERT(ev.bpf.stack.names & VD_STACK_VHOSTTX);
	VT_EQ_STR(ev.bpf.stack.summary, "__kmalloc < vhost_vsock_handle_tx_kick < vhost_worker");
	/* no vsock frame: from the first frame outside the allocator */
	VT_EQ_INT(
	    parse(RPT "stack id=1 frames=__alloc_pages+0x1,do_something+0x2,caller", &ev, &why),
	    VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.stack.names, 0);
	VT_EQ_STR(ev.bpf.stack.summary, "__alloc_pages < do_something < caller");
}

/* what a newer recorder may add, skipped; what is damaged, malformed and said so */
VT_TEST(bpf_parse_unknown_skipped_damage_malformed)
{
	static const char *const bad_lines[] = {
		RPT "",						  /* no kind */
		RPT "rxfill t=1 before=1 after=2",		  /* max missing */
		RPT "rxfill t=1 t=2 before=1 after=2 max=3",	  /* a key twice */
		RPT "rxfill t=1 before=x after=2 max=3",	  /* not a number */
		RPT "rxfill t=1 before=4294967296 after=2 max=3", /* beyond u32 */
		RPT "rxfill t=18446744073709551616 before=1 after=2 max=3",
		RPT "rxfill t=1 before=1 after=2 max=3 fail=2",
		RPT "rxfill t=1 before=1 after=2 max=3 junk", /* a token without '=' */
		RPT "kick t=1 dir=sideways vq=rx",
		RPT "kick t=1 dir=sent vq=3",
		RPT "tier tier=kprobe",		   /* hook missing */
		RPT "tier hook= tier=kprobe",	   /* empty hook */
		RPT "tier hook=a\x01 tier=kprobe", /* control byte */
		RPT "credit t=1 local=3 remote=2:1 tx_cnt=1 peer_fwd_cnt=1 peer_buf_alloc=1 "
		    "fwd_cnt=1 rx_bytes=1 buf_alloc=1", /* local without :port */
		RPT "allocfail t=1 path=heap",
		RPT "allocfail t=1 path=pkt pid=-7",
		RPT "stack id=1 frames=",
		RPT "stack id=1 frames=a,,b",
		RPT "stack id=1 frames=a+0x1 [vsock]",
		RPT "payload t=1 dir=rx len=4 head=zz",
		RPT "lost t=1",
	};
	struct vd_event ev;
	const char *why;

	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		if (parse(bad_lines[i], &ev, &why) != -EINVAL) {
			vt_fail(__FILE__, __LINE__, "not malformed: %s", bad_lines[i]);
			return;
		}
		VT_ASSERT(vd_bpf_why_is_bpf(why));
	}
	/* unknown kinds and keys: a newer recorder's, not ours to reject */
	VT_EQ_INT(parse(RPT "futurekind t=1 x=2", &ev, &why), VD_LINE_UNKNOWN);
	VT_EQ_INT(parse(RPT "kick t=1 dir=sent vq=rx cpu=3 future=yes", &ev, &why), VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.kick.dir, VD_KICK_SENT);
	/* someone else's marker that merely mentions us is no marker of ours */
	VT_EQ_INT(parse("x-1 [000] 1.000000: print: tracing_mark_write: hello vsockdiag-bpf kick",
			&ev, &why),
		  VD_LINE_UNKNOWN);
	VT_EQ_INT(parse("x-1 [000] 1.000000: print: tracing_mark_write: vsockdiag-bpfkick t=1", &ev,
			&why),
		  VD_LINE_UNKNOWN);
	/* a BPF line with a damaged prefix is ours and damaged */
	VT_EQ_INT(parse("x-1 [000] 1.0000000000: print: tracing_mark_write: vsockdiag-bpf kick "
			"t=1 dir=sent vq=rx",
			&ev, &why),
		  -EINVAL);
	VT_ASSERT(vd_bpf_why_is_bpf(why));
	/* pasted with no-break spaces, as dumps from chat tools are */
	VT_EQ_INT(parse("x-1 [000] 1.000000: print: tracing_mark_write: vsockdiag-bpf\xc2\xa0"
			"kick\xc2\xa0"
			"t=1\xc2\xa0"
			"dir=sent\xc2\xa0"
			"vq=rx",
			&ev, &why),
		  VD_LINE_EVENT);
	VT_EQ_INT(ev.bpf.kick.dir, VD_KICK_SENT);
}

/* a long line of many keys and frames: bounded, not a crash */
VT_TEST(bpf_parse_long_lines_are_bounded)
{
	char line[8192];
	size_t n = (size_t)snprintf(line, sizeof(line), RPT "stack id=1 frames=");
	struct vd_event ev;
	const char *why;

	for (int i = 0; i < 300 && n + 16 < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%sf%d+0x1", i ? "," : "", i);
	/* more than 256 frames: the innermost 256 are summarized, the rest ignored */
	VT_EQ_INT(parse(line, &ev, &why), VD_LINE_EVENT);
	/* a frame with a module suffix, and a damaged one */
	snprintf(line, sizeof(line),
		 RPT
		 "stack id=2 "
		 "frames=__alloc_skb+0x88,virtio_vsock_rx_fill+0x100[vmw_vsock_virtio_transport]");
	VT_EQ_INT(parse(line, &ev, &why), VD_LINE_EVENT);
	VT_ASSERT(ev.bpf.stack.names & VD_STACK_RXFILL);
	snprintf(line, sizeof(line), RPT "stack id=3 frames=__alloc_skb+0x88[bad mod]");
	VT_EQ_INT(parse(line, &ev, &why), -EINVAL);
	n = (size_t)snprintf(line, sizeof(line), RPT "kick t=1 dir=sent vq=rx");
	for (int i = 0; i < 500 && n + 16 < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " k%d=%d", i, i);
	VT_EQ_INT(parse(line, &ev, &why), VD_LINE_EVENT);
}
