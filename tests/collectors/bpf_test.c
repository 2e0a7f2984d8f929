// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF layer on the real kernel (needs root; CI runs as root, so there it
 * cannot skip). This machine's own vsock belongs to the environment: vsock,
 * virtio and vhost programs are loaded (the verifier accepts them) but never
 * attached; only harmless hooks run: the allocation-failure hooks, vq_irq
 * aimed at a virtio device that is not vsock (the disk), and the sampler
 * restricted to this process (which has no vsock socket).
 *
 * Usage: bpf-test (exit 0 when every check passed)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "collectors/bpf.h"
#include "collectors/bpf_hooks.h"
#include "common/log.h"
#include "vsockdiag.skel.h"
#include "tests/collectors/check.h"
#include "tests/collectors/root_env.h"

/* every program of the object, loaded alone: which the verifier takes on this kernel */
static void load_each_program(void)
{
	struct vsockdiag_bpf *probe = vsockdiag_bpf__open();
	struct bpf_program *p;
	int loaded = 0, refused_fentry = 0, total = 0;

	if (!probe) {
		CHECK(0, "open the BPF object: %s", strerror(errno));
		return;
	}
	bpf_object__for_each_program(p, probe->obj)
	{
		const char *name = bpf_program__name(p);
		struct vsockdiag_bpf *one = vsockdiag_bpf__open();
		struct bpf_program *q;
		enum bpf_attach_type t = bpf_program__expected_attach_type(p);
		bool trampoline = t == BPF_TRACE_FENTRY || t == BPF_TRACE_FEXIT;
		int err;

		total++;
		if (!one)
			continue;
		bpf_object__for_each_program(q, one->obj)
		    bpf_program__set_autoload(q, !strcmp(bpf_program__name(q), name));
		err = vsockdiag_bpf__load(one);
		if (!err) {
			loaded++;
		} else if (trampoline) {
			/* BPF-NOTES.md: refused where trampolines are; the lab loads them */
			refused_fentry++;
			printf("info %s: fentry/fexit refused here (%s)\n", name, strerror(-err));
		} else if (err == -ESRCH || err == -ENOENT) {
			/* the attach target is not in this kernel (a module-only function) */
			printf("info %s: attach point absent here (%s)\n", name, strerror(-err));
			loaded++;
		} else {
			CHECK(0, "program %s is refused by the verifier: %s", name, strerror(-err));
		}
		vsockdiag_bpf__destroy(one);
	}
	vsockdiag_bpf__destroy(probe);
	CHECK(loaded + refused_fentry == total,
	      "every program loads or is a refused trampoline: %d loaded, %d fentry refused, of %d",
	      loaded, refused_fentry, total);
}

static void load_only_selection(void)
{
	struct vd_bpf_opts o = { .trace_clock = "mono",
				 .load_only = true,
				 .npayload_ports = 1,
				 .payload_ports = { 5555 } };
	struct vd_bpf *b;
	char err[256] = "";
	const char *why;

	CHECK(vd_bpf_start(&o, &b, err, sizeof(err)) == 0, "load-only start: %s", err);
	if (!b)
		return;
	why = vd_bpf_why_text(b);
	printf("info hooks: %s\ninfo off: %s\n", vd_bpf_hooks_text(b), why);
	CHECK(!strstr(why, "load_failed"), "no hook lost to a verifier rejection");
	CHECK(vd_bpf_hook_tier(b, "page_alloc_fail") != VD_HT_OFF, "page_alloc_fail is on");
	CHECK(vd_bpf_hook_tier(b, "kmalloc_fail") == VD_HT_RAW_TP, "kmalloc_fail is raw_tp");
	if (access("/sys/kernel/btf/vmlinux", F_OK) == 0) {
		CHECK(vd_bpf_hook_tier(b, "vq_irq") == VD_HT_TP_BTF, "vq_irq is tp_btf (BTF)");
		CHECK(vd_bpf_hook_tier(b, "credit") == VD_HT_ITER, "credit is the iterator");
	}
	vd_bpf_stop(b, NULL);
}

static void forbid_refuses_vsock_hooks(void)
{
	struct vd_bpf_opts o = { .trace_clock = "mono", .load_only = true, .forbid_vsock = true };
	struct vd_bpf *b;
	char err[256];

	CHECK(vd_bpf_start(&o, &b, err, sizeof(err)) == 0, "forbid start");
	if (!b)
		return;
	for (size_t i = 0; vd_hooks[i].name; i++)
		if (vd_hooks[i].vsock_code)
			CHECK(vd_bpf_hook_tier(b, vd_hooks[i].name) == VD_HT_OFF,
			      "VSOCKDIAG_FORBID_VSOCK: %s off", vd_hooks[i].name);
	CHECK(strstr(vd_bpf_why_text(b), "VSOCKDIAG_FORBID_VSOCK") != NULL, "the reason is given");
	vd_bpf_stop(b, NULL);
}

/* a virtio device that is not vsock, with interrupts: its device id */
static unsigned int harmless_virtio_device(char *name, size_t len)
{
	DIR *d = opendir("/sys/bus/virtio/devices");
	struct dirent *e;
	unsigned int best = 0;

	while (d && (e = readdir(d))) {
		char path[512], buf[32] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/device", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			unsigned int id = (unsigned int)strtoul(buf, NULL, 0);

			/* the block device (2) interrupts when we write with fsync */
			if (id == 2 || (!best && id != 19 && id != 0)) {
				best = id;
				snprintf(name, len, "%s", e->d_name);
			}
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return best;
}

static void run_harmless_hooks(void)
{
	char dev[sizeof(((struct dirent *)0)->d_name) + 1] = "", err[256] = "",
							tmpl[] = "/var/tmp/vd-bpf-test-XXXXXX",
							io[] = "/var/tmp/vd-bpf-io-XXXXXX";
	unsigned int id = harmless_virtio_device(dev, sizeof(dev));
	struct vd_bpf_opts o = { .trace_clock = "mono",
				 .sample_hz = 20,
				 .vq_device_id = id,
				 .only_tgid = (uint32_t)getpid(),
				 .only = "vq_irq,page_alloc_fail,kmalloc_fail,credit" };
	struct vd_bpf_stats st;
	struct vd_bpf *b;
	int fd = mkstemp(tmpl), iofd;
	char *text;
	size_t n = 0, cap = 1 << 20;
	int tiers = 0, irqs = 0, credits = 0;

	if (fd < 0 || !id) {
		CHECK(0, "a scratch file and a non-vsock virtio device (%s)", dev);
		return;
	}
	unlink(tmpl);
	CHECK(vd_bpf_start(&o, &b, err, sizeof(err)) == 0 && b, "start harmless hooks: %s", err);
	if (!b)
		return;
	CHECK(vd_bpf_hook_tier(b, "rx_fill") == VD_HT_OFF &&
		  vd_bpf_hook_tier(b, "kick") == VD_HT_OFF,
	      "unselected vsock hooks stay off");
	CHECK(vd_bpf_run(b, fd) == 0, "relay runs");
	/* make the disk interrupt: synchronous writes */
	iofd = mkstemp(io);
	if (iofd >= 0) {
		static char block[65536];

		for (int i = 0; i < 30; i++) {
			if (write(iofd, block, sizeof(block)) < 0)
				break;
			fsync(iofd);
		}
		close(iofd);
		unlink(io);
	}
	usleep(400 * 1000);
	vd_bpf_stop(b, &st);
	text = calloc(1, cap + 1);
	lseek(fd, 0, SEEK_SET);
	while (text && n < cap) {
		ssize_t r = read(fd, text + n, cap - n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	/* lines are written without newlines into a file: split on the marker */
	for (char *p = text; p && (p = strstr(p, "vsockdiag-bpf ")); p++) {
		if (!strncmp(p, "vsockdiag-bpf tier ", 19))
			tiers++;
		else if (!strncmp(p, "vsockdiag-bpf vqirq ", 20))
			irqs++;
		else if (!strncmp(p, "vsockdiag-bpf credit ", 21))
			credits++;
	}
	CHECK(tiers == (int)vd_hooks_count(), "one tier line per hook (%d)", tiers);
	CHECK(irqs > 0, "vq_irq saw %d interrupts of %s (device id %u)", irqs, dev, id);
	CHECK(credits == 0, "no vsock socket in this process: %d credit lines", credits);
	CHECK(st.samples >= 3, "the sampler ran %llu times (start, periodic, stop)",
	      (unsigned long long)st.samples);
	CHECK(st.lost == 0 && st.write_errors == 0, "nothing lost");
	free(text);
}

int main(void)
{
	int status;

	if (!vt_root_env("bpf-test", &status))
		return status;
	vd_log_level = getenv("VT_VERBOSE") ? VD_LOG_DEBUG : VD_LOG_WARN;
	vd_bpf_route_libbpf_log();
	load_each_program();
	load_only_selection();
	forbid_refuses_vsock_hooks();
	run_harmless_hooks();
	printf("bpf-test: %d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
