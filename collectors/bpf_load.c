// SPDX-License-Identifier: GPL-2.0
/*
 * Choose, load and attach the BPF hooks. A hook whose program the verifier
 * rejects or whose attach fails drops to its next tier and the object is
 * opened again: the kernel, not a feature table, has the last word. libbpf's
 * own messages go to the project's log at debug level (fallbacks are expected
 * and summarized by vd_bpf_print_summary()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <tracefs.h>

#include "common/log.h"
#include "common/util.h"
#include "bpf_internal.h"
#include "ksyms.h"
#include "vsockdiag.skel.h"

#define MAX_ROUNDS 12

/* the program libbpf last said it could not load ("prog 'x': ..."), per load attempt */
static __thread char failed_prog[64];

static int libbpf_to_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	const char *p;
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (level == LIBBPF_WARN && (p = strstr(msg, "prog '")) != NULL && !failed_prog[0]) {
		size_t l = strcspn(p + 6, "'");

		if (l < sizeof(failed_prog)) {
			memcpy(failed_prog, p + 6, l);
			failed_prog[l] = '\0';
		}
	}
	if (level != LIBBPF_DEBUG)
		vd_dbg("libbpf: %s", msg);
	return 0;
}

void vd_bpf_route_libbpf_log(void)
{
	libbpf_set_print(libbpf_to_log);
}

static const char *const vsock_modules[] = { "vsock",
					     "vmw_vsock_virtio_transport",
					     "vmw_vsock_virtio_transport_common",
					     "vhost_vsock",
					     "vsock_loopback",
					     "virtio_ring",
					     "vhost",
					     NULL };
static const char *const vsock_prefixes[] = { "vsock_",	       "__vsock_", "virtio_transport_",
					      "virtio_vsock_", "vhost_",   "vring_",
					      "virtqueue_",    NULL };

static bool vd_list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");

		if (l == n && !strncmp(p, name, n))
			return true;
		p += l + (p[l] == ',');
	}
	return false;
}

static bool need_met(struct vd_bpf *b, const struct vd_hook_def *d, char *why, size_t len)
{
	const struct vd_ksyms *ks = b->caps.ksyms;

	switch (d->need) {
	case VD_NEED_PORTS:
		if (!b->o.npayload_ports) {
			snprintf(why, len, "no_payload_ports_selected");
			return false;
		}
		return true;
	case VD_NEED_CODE:
		if (!b->ncode) {
			snprintf(why, len, "vsock_code_not_in_kallsyms");
			return false;
		}
		return true;
	case VD_NEED_RX_WORK:
		if (!vd_ksyms_addr(ks, "virtio_transport_rx_work", true)) {
			snprintf(why, len, "no_virtio_vsock_driver_(virtio_transport_rx_work)");
			return false;
		}
		return true;
	case VD_NEED_VHOST_FOPS:
		if (!vd_ksyms_addr(ks, "vhost_vsock_fops", false)) {
			snprintf(why, len, "no_vhost_vsock_(vhost_vsock_fops)");
			return false;
		}
		return true;
	case VD_NEED_VSOCK_PTR:
		if (!vd_ksyms_addr(ks, "the_virtio_vsock", false)) {
			snprintf(why, len, "no_virtio_vsock_driver_(the_virtio_vsock)");
			return false;
		}
		return true;
	case VD_NEED_NONE:
		break;
	}
	return true;
}

static void why_add(struct vd_hook_state *h, const char *tier, const char *what)
{
	size_t l = strlen(h->why);

	snprintf(h->why + l, sizeof(h->why) - l, "%s%s:%s", l ? "," : "", tier, what);
}

/* the first variant at or above min_variant with at least one attach point here */
static void choose(struct vd_bpf *b, size_t i)
{
	const struct vd_hook_def *d = &vd_hooks[i];
	struct vd_hook_state *h = &b->hooks[i];
	char why[160];

	h->tier = VD_HT_OFF;
	h->variant = -1;
	h->absent = false;
	memset(h->prog_on, 0, sizeof(h->prog_on));
	if (!b->with_time) {
		snprintf(h->why, sizeof(h->why), "trace_clock_%s_is_not_mono_or_boot",
			 b->o.trace_clock ? b->o.trace_clock : "unknown");
		return;
	}
	if (b->o.only && !vd_list_has(b->o.only, d->name)) {
		snprintf(h->why, sizeof(h->why), "not_selected");
		return;
	}
	if (b->o.forbid_vsock && d->vsock_code) {
		snprintf(h->why, sizeof(h->why), "VSOCKDIAG_FORBID_VSOCK");
		return;
	}
	if (!need_met(b, d, why, sizeof(why))) {
		snprintf(h->why, sizeof(h->why), "%s", why);
		h->absent = d->need != VD_NEED_PORTS && d->need != VD_NEED_CODE;
		return;
	}
	h->absent = h->min_variant == 0;
	for (int v = h->min_variant; v < VD_HOOK_VARIANTS && d->v[v].tier != VD_HT_OFF; v++) {
		const struct vd_hook_variant *var = &d->v[v];
		bool any = false, var_absent = true;
		char first[160] = "";

		for (int p = 0; p < VD_HOOK_PROGS && var->progs[p].prog; p++) {
			bool absent = false;

			if (vd_hook_prog_available(&b->caps, var->tier, &var->progs[p], why,
						   sizeof(why), &absent)) {
				h->prog_on[p] = true;
				any = true;
			} else if (!first[0] || (!absent && var_absent)) {
				/* the reason that is not mere absence says more */
				snprintf(first, sizeof(first), "%s", why);
			}
			var_absent = var_absent && absent;
		}
		/* an entry/return pair is all or nothing */
		if (any && var->progs[1].prog &&
		    !strcmp(var->progs[0].target, var->progs[1].target) &&
		    h->prog_on[0] != h->prog_on[1])
			any = false;
		if (any) {
			h->tier = var->tier;
			h->variant = v;
			h->absent = false;
			return;
		}
		h->absent = h->absent && var_absent;
		memset(h->prog_on, 0, sizeof(h->prog_on));
		why_add(h, vd_hook_tier_name(var->tier), first);
	}
}

static struct bpf_program *prog_by_name(struct vd_bpf *b, const char *name)
{
	return bpf_object__find_program_by_name(b->skel->obj, name);
}

static void set_rodata(struct vd_bpf *b)
{
	struct vsockdiag_bpf__rodata *ro = b->skel->rodata;

	ro->use_boot_clock = b->o.trace_clock && !strcmp(b->o.trace_clock, "boot");
	ro->vq_device_id = b->o.vq_device_id ? b->o.vq_device_id : 19;
	ro->only_tgid = b->o.only_tgid;
	ro->npayload_ports = (__u32)b->o.npayload_ports;
	for (size_t i = 0; i < b->o.npayload_ports && i < VD_MAX_PAYLOAD_PORTS; i++)
		ro->payload_ports[i] = b->o.payload_ports[i];
	ro->ncode_ranges = (__u32)b->ncode;
	for (size_t i = 0; i < b->ncode; i++) {
		ro->code_lo[i] = b->code_lo[i];
		ro->code_hi[i] = b->code_hi[i];
	}
	for (size_t i = 0; i < b->nhooks; i++) {
		bool on = b->hooks[i].tier != VD_HT_OFF;

		if (!strcmp(vd_hooks[i].name, "ring_sample"))
			ro->sample_ring = on;
		else if (!strcmp(vd_hooks[i].name, "vhost_sample"))
			ro->sample_vhost = on;
		else if (!strcmp(vd_hooks[i].name, "credit"))
			ro->sample_credit = on;
	}
}

static void close_object(struct vd_bpf *b)
{
	for (size_t i = 0; i < b->nlinks; i++)
		bpf_link__destroy(b->links[i]);
	free(b->links);
	b->links = NULL;
	b->nlinks = 0;
	bpf_link__destroy(b->iter_link);
	b->iter_link = NULL;
	vsockdiag_bpf__destroy(b->skel);
	b->skel = NULL;
}

/* drop every hook that uses program @name to its next tier */
static bool downgrade_prog(struct vd_bpf *b, const char *name, const char *what)
{
	bool found = false;

	for (size_t i = 0; i < b->nhooks; i++) {
		struct vd_hook_state *h = &b->hooks[i];
		const struct vd_hook_variant *var;

		if (h->variant < 0)
			continue;
		var = &vd_hooks[i].v[h->variant];
		for (int p = 0; p < VD_HOOK_PROGS && var->progs[p].prog; p++) {
			if (h->prog_on[p] && !strcmp(var->progs[p].prog, name)) {
				why_add(h, vd_hook_tier_name(var->tier), what);
				h->min_variant = h->variant + 1;
				found = true;
				break;
			}
		}
	}
	return found;
}

static void all_off(struct vd_bpf *b, const char *what)
{
	for (size_t i = 0; i < b->nhooks; i++) {
		if (b->hooks[i].tier == VD_HT_OFF)
			continue;
		b->hooks[i].tier = VD_HT_OFF;
		b->hooks[i].variant = -1;
		b->hooks[i].min_variant = VD_HOOK_VARIANTS;
		why_add(&b->hooks[i], "bpf", what);
	}
}

static bool any_on(const struct vd_bpf *b)
{
	for (size_t i = 0; i < b->nhooks; i++)
		if (b->hooks[i].tier != VD_HT_OFF)
			return true;
	return false;
}

/* one round: open, enable the chosen programs, load, attach; -EAGAIN: a hook dropped a tier */
static int one_round(struct vd_bpf *b)
{
	struct bpf_program *prog;
	char what[96];
	int err;

	for (size_t i = 0; i < b->nhooks; i++)
		choose(b, i);
	if (!any_on(b))
		return 0;
	b->skel = vsockdiag_bpf__open();
	if (!b->skel)
		return -errno ?: -ENOMEM;
	bpf_object__for_each_program(prog, b->skel->obj) bpf_program__set_autoload(prog, false);
	for (size_t i = 0; i < b->nhooks; i++) {
		const struct vd_hook_state *h = &b->hooks[i];

		if (h->variant < 0)
			continue;
		for (int p = 0; p < VD_HOOK_PROGS; p++) {
			const char *name = vd_hooks[i].v[h->variant].progs[p].prog;

			if (name && h->prog_on[p] && (prog = prog_by_name(b, name)))
				bpf_program__set_autoload(prog, true);
		}
	}
	set_rodata(b);
	failed_prog[0] = '\0';
	err = vsockdiag_bpf__load(b->skel);
	if (err) {
		snprintf(what, sizeof(what), "load_failed_(%s)", strerror(-err));
		for (char *c = what; *c; c++)
			if (*c == ' ')
				*c = '_';
		if (failed_prog[0] && downgrade_prog(b, failed_prog, what))
			return -EAGAIN;
		all_off(b, what);
		return 0;
	}
	if (b->o.load_only)
		return 0;
	for (size_t i = 0; i < b->nhooks; i++) {
		const struct vd_hook_state *h = &b->hooks[i];
		const struct vd_hook_variant *var;

		if (h->variant < 0)
			continue;
		var = &vd_hooks[i].v[h->variant];
		for (int p = 0; p < VD_HOOK_PROGS && var->progs[p].prog; p++) {
			struct bpf_link *l;

			if (!h->prog_on[p])
				continue;
			prog = prog_by_name(b, var->progs[p].prog);
			if (!prog)
				continue;
			if (var->tier == VD_HT_ITER) {
				if (b->iter_link)
					continue;
				l = bpf_program__attach_iter(prog, NULL);
				if (l)
					b->iter_link = l;
			} else {
				l = bpf_program__attach(prog);
				if (l) {
					b->links =
					    vd_xrealloc(b->links, b->nlinks + 1, sizeof(*b->links));
					b->links[b->nlinks++] = l;
				}
			}
			if (!l) {
				snprintf(what, sizeof(what), "attach_failed_(%s)", strerror(errno));
				for (char *c = what; *c; c++)
					if (*c == ' ')
						*c = '_';
				downgrade_prog(b, var->progs[p].prog, what);
				return -EAGAIN;
			}
		}
	}
	return 0;
}

static void format_texts(struct vd_bpf *b)
{
	size_t hl = 0, wl = 0;

	b->hooks_text[0] = b->why_text[0] = '\0';
	b->st.hooks_total = (unsigned int)b->nhooks;
	b->st.hooks_on = 0;
	for (size_t i = 0; i < b->nhooks; i++) {
		const struct vd_hook_state *h = &b->hooks[i];

		if (hl < sizeof(b->hooks_text))
			hl += (size_t)snprintf(b->hooks_text + hl, sizeof(b->hooks_text) - hl,
					       "%s%s:%s", hl ? " " : "", vd_hooks[i].name,
					       vd_hook_tier_name(h->tier));
		if (h->tier != VD_HT_OFF) {
			b->st.hooks_on++;
			continue;
		}
		if (wl < sizeof(b->why_text))
			wl += (size_t)snprintf(b->why_text + wl, sizeof(b->why_text) - wl,
					       "%s%s:%s", wl ? " " : "", vd_hooks[i].name,
					       h->why[0] ? h->why : "off");
	}
}

static int on_record(void *ctx, void *data, size_t size)
{
	return vd_bpf_relay_record(ctx, data, size);
}

int vd_bpf_start(const struct vd_bpf_opts *o, struct vd_bpf **out, char *err, size_t errlen)
{
	struct vd_bpf *b = vd_xcalloc(1, sizeof(*b));
	char *fmt;
	int ret = 0;

	*out = NULL;
	b->o = *o;
	b->marker_fd = -1;
	b->tee_fd = -1;
	b->with_time =
	    o->trace_clock && (!strcmp(o->trace_clock, "mono") || !strcmp(o->trace_clock, "boot"));
	b->nhooks = vd_hooks_count();
	b->hooks = vd_xcalloc(b->nhooks, sizeof(*b->hooks));
	vd_bpf_route_libbpf_log();
	vd_hook_probe_kernel(&b->caps);
	b->ncode = vd_ksyms_code_ranges(b->caps.ksyms, vsock_modules, vsock_prefixes, b->code_lo,
					b->code_hi, VD_MAX_CODE_RANGES);
	fmt = tracefs_event_file_read(NULL, "kmem", "mm_page_alloc", "format", NULL);
	if (fmt)
		vd_gfp_bits_parse(fmt, &b->gfp);
	free(fmt);

	for (int round = 0;; round++) {
		ret = one_round(b);
		if (ret != -EAGAIN)
			break;
		close_object(b);
		if (round == MAX_ROUNDS) {
			all_off(b, "too_many_fallbacks");
			ret = 0;
			break;
		}
	}
	if (ret) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(-ret));
		close_object(b);
		vd_hook_caps_free(&b->caps);
		free(b->hooks);
		free(b);
		return ret;
	}
	if (b->skel && !b->o.load_only) {
		b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), on_record, b, NULL);
		if (!b->rb) {
			all_off(b, "no_ring_buffer");
			close_object(b);
		}
	}
	format_texts(b);
	*out = b;
	return 0;
}

const char *vd_bpf_hooks_text(const struct vd_bpf *b)
{
	return b ? b->hooks_text : "";
}

const char *vd_bpf_why_text(const struct vd_bpf *b)
{
	return b ? b->why_text : "";
}

unsigned int vd_bpf_hooks_on(const struct vd_bpf *b)
{
	return b ? b->st.hooks_on : 0;
}

int vd_bpf_hook_tier(const struct vd_bpf *b, const char *name)
{
	for (size_t i = 0; b && i < b->nhooks; i++)
		if (!strcmp(vd_hooks[i].name, name))
			return (int)b->hooks[i].tier;
	return -1;
}

void vd_bpf_print_summary(const struct vd_bpf *b, FILE *f)
{
	if (!b)
		return;
	fprintf(f, "bpf: %u of %u hooks on:", b->st.hooks_on, b->st.hooks_total);
	for (size_t i = 0; i < b->nhooks; i++)
		if (b->hooks[i].tier != VD_HT_OFF)
			fprintf(f, " %s(%s)", vd_hooks[i].name,
				vd_hook_tier_name(b->hooks[i].tier));
	fprintf(f, "\n");
	for (size_t i = 0; i < b->nhooks; i++)
		if (b->hooks[i].tier == VD_HT_OFF)
			fprintf(f, "bpf:   off: %-15s %s\n", vd_hooks[i].name, b->hooks[i].why);
}

static void relay_stop(struct vd_bpf *b);

void vd_bpf_stop(struct vd_bpf *b, struct vd_bpf_stats *st)
{
	if (!b)
		return;
	relay_stop(b);
	if (st)
		*st = b->st;
	ring_buffer__free(b->rb);
	free(b->batch);
	close_object(b);
	vd_hook_caps_free(&b->caps);
	free(b->hooks);
	free(b);
}

int vd_bpf_check_hooks(const char *list, char *err, size_t errlen)
{
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");
		bool known = false;

		for (size_t i = 0; vd_hooks[i].name; i++)
			if (strlen(vd_hooks[i].name) == l && !strncmp(p, vd_hooks[i].name, l))
				known = true;
		if (!known) {
			size_t off = (size_t)snprintf(
			    err, errlen, "no BPF hook \"%.*s\"; the hooks:", (int)l, p);

			for (size_t i = 0; vd_hooks[i].name && off < errlen; i++)
				off += (size_t)snprintf(err + off, errlen - off, " %s",
							vd_hooks[i].name);
			return -EINVAL;
		}
		p += l + (p[l] == ',');
	}
	return 0;
}

int vd_bpf_parse_ports(const char *s, struct vd_bpf_opts *o, char *err, size_t errlen)
{
	const char *p = s;

	o->npayload_ports = 0;
	if (!strcmp(s, "none") || !*s)
		return 0;
	while (*p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || v == 0 || v > 0xffffffffUL || (*end && *end != ',')) {
			snprintf(err, errlen,
				 "--payload-ports: \"%s\" is not a list of ports (e.g. 5555,5037, "
				 "or none)",
				 s);
			return -EINVAL;
		}
		if (o->npayload_ports == VD_MAX_PAYLOAD_PORTS) {
			snprintf(err, errlen, "--payload-ports: at most %d ports",
				 VD_MAX_PAYLOAD_PORTS);
			return -EINVAL;
		}
		o->payload_ports[o->npayload_ports++] = (uint32_t)v;
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* ---- the relay thread ---------------------------------------------------- */

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void *relay_main(void *arg)
{
	struct vd_bpf *b = arg;
	uint64_t period = b->o.sample_hz ? 1000 / b->o.sample_hz : 0, next = mono_ms() + period;

	if (period == 0 && b->o.sample_hz)
		period = 1;
	while (!b->stop) {
		ring_buffer__poll(b->rb, 100);
		vd_bpf_relay_flush(b);
		vd_bpf_relay_lost(b);
		if (period && b->iter_link && mono_ms() >= next) {
			vd_bpf_sample(b, VD_WHY_SAMPLE);
			next += period;
			if (next < mono_ms())
				next = mono_ms() + period;
		}
	}
	return NULL;
}

int vd_bpf_run(struct vd_bpf *b, int marker_fd)
{
	return vd_bpf_run_tee(b, marker_fd, -1);
}

int vd_bpf_run_tee(struct vd_bpf *b, int marker_fd, int tee_fd)
{
	if (!b)
		return 0;
	b->tee_fd = tee_fd;
	return vd_bpf_run_sink(b, marker_fd, NULL, NULL);
}

int vd_bpf_run_sink(struct vd_bpf *b, int marker_fd, vd_bpf_line_fn fn, void *ctx)
{
	char line[512];
	int ret;

	if (!b)
		return 0;
	b->marker_fd = marker_fd;
	b->line_fn = fn;
	b->line_ctx = ctx;
	for (size_t i = 0; i < b->nhooks; i++) {
		const struct vd_hook_state *h = &b->hooks[i];
		int n;

		/* a hook whose code is not in this kernel does not apply (doc/bpf-events.md) */
		if (h->absent)
			continue;
		n = snprintf(line, sizeof(line), "vsockdiag-bpf tier hook=%s tier=%s%s%.400s",
			     vd_hooks[i].name, vd_hook_tier_name(h->tier),
			     h->tier == VD_HT_OFF ? " why=" : "",
			     h->tier == VD_HT_OFF ? h->why : "");

		vd_bpf_write_line(b, line, (size_t)n);
	}
	if (!b->rb)
		return 0;
	if (b->iter_link)
		vd_bpf_sample(b, VD_WHY_START);
	ret = pthread_create(&b->thread, NULL, relay_main, b);
	if (ret) {
		vd_warn("cannot start the BPF relay thread: %s: BPF evidence is lost",
			strerror(ret));
		return -ret;
	}
	b->running = true;
	return 0;
}

static void relay_stop(struct vd_bpf *b)
{
	if (b->running) {
		b->stop = 1;
		pthread_join(b->thread, NULL);
		b->running = false;
		if (b->iter_link)
			vd_bpf_sample(b, VD_WHY_STOP);
		ring_buffer__consume(b->rb);
		vd_bpf_relay_flush(b);
		vd_bpf_relay_lost(b);
	}
}
