// SPDX-License-Identifier: GPL-2.0
/*
 * The ftrace text that vdsim writes.  Column layout follows the kernel's
 * trace_print_context() ("%16s-%-7d ", optional "(%7d) " tgid, "[%03d] ",
 * irq-info flags, " %5llu.%06lu: ") and trace-cmd report's ("%16s-%-5d",
 * event name padded to 22 columns).  Formatting is done by hand: a 5-million
 * line benchmark file spends most of its time here, and printf is slower.
 */
#include <string.h>

#include "common/vd_event.h"
#include "vdsim.h"

struct obuf {
	char b[512];
	size_t n;
};

static void put_str(struct obuf *o, const char *s)
{
	size_t l = strlen(s);

	memcpy(o->b + o->n, s, l);
	o->n += l;
}

static void put_ch(struct obuf *o, char c, size_t count)
{
	memset(o->b + o->n, c, count);
	o->n += count;
}

static size_t u64_digits(char *tmp, uint64_t v)
{
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return n;
}

/*
 * width > 0: right-aligned in width columns; width < 0: left-aligned in
 * -width columns; zw > 0: zero-padded to zw digits (then width is ignored).
 */
static void put_u64(struct obuf *o, uint64_t v, int width, int zw)
{
	char tmp[24];
	size_t n = u64_digits(tmp, v);
	size_t len = n;

	if (zw > 0 && n < (size_t)zw) {
		put_ch(o, '0', (size_t)zw - n);
		len = (size_t)zw;
	} else if (width > 0 && n < (size_t)width) {
		put_ch(o, ' ', (size_t)width - n);
	}
	while (n)
		o->b[o->n++] = tmp[--n];
	if (width < 0 && len < (size_t)-width)
		put_ch(o, ' ', (size_t)-width - len);
}

static void put_str_right(struct obuf *o, const char *s, size_t width)
{
	size_t l = strlen(s);

	if (l < width)
		put_ch(o, ' ', width - l);
	put_str(o, s);
}

static void put_hex(struct obuf *o, uint32_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[12];
	size_t n = 0;

	do {
		tmp[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	put_str(o, "0x");
	while (n)
		o->b[o->n++] = tmp[--n];
}

static const char *flags_str(int fmt, int fl)
{
	/* 4 columns before ~5.13 (like the seed), 5 (migrate-disable) after */
	static const char *const old[] = { "....", "d.h1", "d..2" };
	static const char *const cur[] = { ".....", "d.h1.", "d..2." };

	return fmt == SIM_FMT_CAT || fmt == SIM_FMT_PIPE ? old[fl] : cur[fl];
}

static const char *event_name(int kind)
{
	switch (kind) {
	case SIM_LINE_ALLOC:
		return "virtio_transport_alloc_pkt";
	case SIM_LINE_RECV:
		return "virtio_transport_recv_pkt";
	case SIM_LINE_IRQ:
		return "irq_handler_entry";
	case SIM_LINE_PAGE:
		return "mm_page_alloc";
	default:
		return "sched_switch";
	}
}

static void put_payload(struct obuf *o, const struct sim_line *l)
{
	switch (l->kind) {
	case SIM_LINE_ALLOC:
	case SIM_LINE_RECV:
		put_u64(o, l->src_cid, 0, 0);
		put_ch(o, ':', 1);
		put_u64(o, l->src_port, 0, 0);
		put_str(o, " -> ");
		put_u64(o, l->dst_cid, 0, 0);
		put_ch(o, ':', 1);
		put_u64(o, l->dst_port, 0, 0);
		put_str(o, " len=");
		put_u64(o, l->len, 0, 0);
		put_str(o, " type=STREAM op=");
		put_str(o, vd_op_name(l->op));
		put_str(o, " flags=");
		put_hex(o, l->shut_flags);
		if (l->kind == SIM_LINE_RECV) {
			put_str(o, " buf_alloc=");
			put_u64(o, l->buf_alloc, 0, 0);
			put_str(o, " fwd_cnt=");
			put_u64(o, l->fwd_cnt, 0, 0);
		}
		break;
	case SIM_LINE_PAGE:
		/* a failure as 5.14+ prints it: NULL page, pfn -1 */
		put_str(o, "page=0000000000000000 pfn=0xffffffffffffffff order=");
		put_u64(o, (uint64_t)l->order, 0, 0);
		put_str(o, " migratetype=0 gfp_flags=");
		put_str(o, l->gfp);
		break;
	case SIM_LINE_IRQ:
		put_str(o, "irq=");
		put_u64(o, (uint64_t)l->irq, 0, 0);
		put_str(o, " name=");
		put_str(o, l->irq_name);
		break;
	default:
		put_str(o, "prev_comm=");
		put_str(o, l->prev_comm);
		put_str(o, " prev_pid=");
		put_u64(o, (uint64_t)l->pid, 0, 0);
		put_str(o, " prev_prio=120 prev_state=");
		put_str(o, l->prev_state_r ? "R" : "S");
		put_str(o, " ==> next_comm=");
		put_str(o, l->next_comm);
		put_str(o, " next_pid=");
		put_u64(o, (uint64_t)l->next_pid, 0, 0);
		put_str(o, " next_prio=120");
		break;
	}
}

void sim_write_line(FILE *fp, int fmt, int64_t ts_ns, const struct sim_line *l)
{
	uint64_t ts = ts_ns < 0 ? 0 : (uint64_t)ts_ns;
	const char *ev = event_name(l->kind);
	struct obuf o;

	o.n = 0;
	put_str_right(&o, l->comm, 16);
	put_ch(&o, '-', 1);
	put_u64(&o, (uint64_t)l->pid, fmt == SIM_FMT_REPORT ? -5 : -7, 0);
	put_ch(&o, ' ', 1);
	if (fmt == SIM_FMT_TGID) {
		if (l->tgid > 0) {
			put_ch(&o, '(', 1);
			put_u64(&o, (uint64_t)l->tgid, 7, 0);
			put_str(&o, ") ");
		} else {
			put_str(&o, "(-------) ");
		}
	}
	put_ch(&o, '[', 1);
	put_u64(&o, (uint64_t)l->cpu, 0, 3);
	put_str(&o, "] ");
	if (fmt != SIM_FMT_NOIRQINFO)
		put_str(&o, flags_str(fmt, l->flags));
	put_ch(&o, ' ', 1);
	put_u64(&o, ts / 1000000000u, 5, 0);
	put_ch(&o, '.', 1);
	put_u64(&o, ts % 1000000000u / 1000u, 0, 6);
	put_str(&o, ": ");
	put_str(&o, ev);
	put_ch(&o, ':', 1);
	if (fmt == SIM_FMT_REPORT) {
		size_t w = strlen(ev) + 1;

		put_ch(&o, ' ', w < 21 ? 22 - w : 1);
	} else {
		put_ch(&o, ' ', 1);
	}
	put_payload(&o, l);
	o.b[o.n++] = '\n';
	fwrite(o.b, 1, o.n, fp);
}

static const char *const irq_head_old[] = {
	"#                                _-----=> irqs-off",
	"#                               / _----=> need-resched",
	"#                              | / _---=> hardirq/softirq",
	"#                              || / _--=> preempt-depth",
	"#                              ||| /     delay",
	"#           TASK-PID     CPU#  ||||   TIMESTAMP  FUNCTION",
	"#              | |         |   ||||      |         |",
};

static const char *const irq_head_tgid[] = {
	"#                                          _-----=> irqs-off/BH-disabled",
	"#                                         / _----=> need-resched",
	"#                                        | / _---=> hardirq/softirq",
	"#                                        || / _--=> preempt-depth",
	"#                                        ||| / _-=> migrate-disable",
	"#                                        |||| /     delay",
	"#           TASK-PID     TGID     CPU#  |||||  TIMESTAMP  FUNCTION",
	"#              | |         |        |   |||||     |         |",
};

static const char *const noirq_head[] = {
	"#           TASK-PID     CPU#     TIMESTAMP  FUNCTION",
	"#              | |         |         |         |",
};

void sim_write_header(FILE *fp, int fmt, uint64_t entries, int ncpu)
{
	const char *const *h;
	size_t n;

	switch (fmt) {
	case SIM_FMT_PIPE:
		return;
	case SIM_FMT_REPORT:
		fprintf(fp, "cpus=%d\n", ncpu);
		return;
	case SIM_FMT_TGID:
		h = irq_head_tgid;
		n = sizeof(irq_head_tgid) / sizeof(irq_head_tgid[0]);
		break;
	case SIM_FMT_NOIRQINFO:
		h = noirq_head;
		n = sizeof(noirq_head) / sizeof(noirq_head[0]);
		break;
	default:
		h = irq_head_old;
		n = sizeof(irq_head_old) / sizeof(irq_head_old[0]);
		break;
	}
	fprintf(fp, "# tracer: nop\n#\n# entries-in-buffer/entries-written: %llu/%llu   #P:%d\n#\n",
		(unsigned long long)entries, (unsigned long long)entries, ncpu);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s\n", h[i]);
}
