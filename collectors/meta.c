// SPDX-License-Identifier: GPL-2.0
/* Partition identity, trace clock, clock pairings and ring-buffer counters. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

#include "common/util.h"
#include "meta.h"

static int read_small_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
out:
	close(fd);
	return ret;
}

/* Is a virtio device with id 0x0013 (VIRTIO_ID_VSOCK) bound to a driver? */
static bool virtio_vsock_bound(void)
{
	glob_t g;
	bool found = false;

	if (glob("/sys/bus/virtio/devices/*/device", 0, NULL, &g))
		return false;
	for (size_t i = 0; i < g.gl_pathc && !found; i++) {
		char id[32], drv[4096];
		struct stat st;

		if (read_small_file(g.gl_pathv[i], id, sizeof(id)) || strcmp(id, "0x0013"))
			continue;
		snprintf(drv, sizeof(drv), "%.*s/driver",
			 (int)(strlen(g.gl_pathv[i]) - strlen("/device")), g.gl_pathv[i]);
		found = !stat(drv, &st);
	}
	globfree(&g);
	return found;
}

int vd_meta_collect(struct vd_meta *m, int ncpus)
{
	struct utsname u;
	struct stat st;
	bool vhost, virtio;

	memset(m, 0, sizeof(*m));
	m->ncpus = ncpus;
	/* only stat(): opening /dev/vsock would create a socket context for nothing */
	vhost = !stat("/dev/vhost-vsock", &st);
	virtio = virtio_vsock_bound();
	snprintf(m->role, sizeof(m->role), "%s",
		 vhost && virtio ? "both"
		 : vhost	 ? "vhost"
		 : virtio	 ? "virtio"
				 : "unknown");
	/*
	 * The local CID. The vhost side is the host end, which every guest reaches
	 * as VMADDR_CID_HOST (2); /dev/vhost-vsock has no "get my CID" ioctl.
	 * The virtio side's CID is only available through
	 * IOCTL_VM_SOCKETS_GET_LOCAL_CID on /dev/vsock. We deliberately do not open
	 * /dev/vsock: on development machines that device belongs to the
	 * environment, and correlate infers CIDs from the packets anyway. So the
	 * guest CID is recorded as unknown.
	 */
	if (vhost && !virtio) {
		m->local_cid = 2;
		snprintf(m->cid_source, sizeof(m->cid_source), "convention:VMADDR_CID_HOST");
	} else {
		m->local_cid = -1;
		snprintf(m->cid_source, sizeof(m->cid_source), "unknown:/dev/vsock not opened");
	}
	if (!uname(&u)) {
		snprintf(m->hostname, sizeof(m->hostname), "%s", u.nodename);
		snprintf(m->kernel, sizeof(m->kernel), "%s %s %s", u.release, u.version, u.machine);
	}
	if (read_small_file("/proc/sys/kernel/random/boot_id", m->boot_id, sizeof(m->boot_id)))
		snprintf(m->boot_id, sizeof(m->boot_id), "unknown");
	return 0;
}

int vd_meta_set_clock(struct tracefs_instance *inst, struct vd_meta *m)
{
	static const char *const prefer[] = { "mono", "boot" };
	char *cur;
	int ret = 0;

	/* the kernel refuses a clock it does not have: just try them in order */
	for (size_t i = 0; i < ARRAY_SIZE(prefer); i++)
		if (tracefs_instance_file_write(inst, "trace_clock", prefer[i]) > 0)
			break;
	cur = tracefs_get_clock(inst);
	if (!cur)
		return -EIO;
	snprintf(m->trace_clock, sizeof(m->trace_clock), "%s", cur);
	free(cur);
	return ret;
}

int vd_meta_pair_clocks(struct tracefs_instance *inst, const char *when, int tries,
			struct vd_clock_pair *out)
{
	char msg[96];
	int fd, ret = 0, len;

	memset(out, 0, sizeof(*out));
	fd = tracefs_instance_file_open(inst, "trace_marker", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno ?: -EIO;
	for (int i = 0; i < tries; i++) {
		uint64_t m0, r0, b0, m1, r1, b1;

		len = snprintf(msg, sizeof(msg), "vsockdiag-clock %s seq=%d", when, i);
		m0 = (uint64_t)vd_clock_ns(CLOCK_MONOTONIC);
		r0 = (uint64_t)vd_clock_ns(CLOCK_REALTIME);
		b0 = (uint64_t)vd_clock_ns(CLOCK_BOOTTIME);
		if (write(fd, msg, len) != len) {
			ret = -errno ?: -EIO;
			goto out;
		}
		b1 = (uint64_t)vd_clock_ns(CLOCK_BOOTTIME);
		r1 = (uint64_t)vd_clock_ns(CLOCK_REALTIME);
		m1 = (uint64_t)vd_clock_ns(CLOCK_MONOTONIC);
		/* the narrowest bracket bounds the stamp's trace time best */
		if (!out->valid || m1 - m0 < out->width_ns) {
			out->valid = true;
			out->seq = (uint32_t)i;
			out->width_ns = m1 - m0;
			out->monotonic_ns = m0 + (m1 - m0) / 2;
			out->realtime_ns = r0 + (r1 - r0) / 2;
			out->boottime_ns = b0 + (b1 - b0) / 2;
		}
	}
out:
	close(fd);
	return ret;
}

int vd_meta_cpu_stats(struct tracefs_instance *inst, int cpu, struct vd_cpu_stats *st)
{
	char path[64], *text, *line, *save = NULL;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", cpu);
	text = tracefs_instance_file_read(inst, path, NULL);
	if (!text)
		return -errno ?: -EIO;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		uint64_t v;

		if (!colon)
			continue;
		*colon = '\0';
		/* counters are plain decimals; "oldest event ts" and "bytes" we ignore */
		if (vd_parse_u64(colon + 2, strlen(colon + 2), 10, &v))
			continue;
		if (!strcmp(line, "entries"))
			st->entries = v;
		else if (!strcmp(line, "overrun"))
			st->overrun = v;
		else if (!strcmp(line, "commit overrun"))
			st->commit_overrun = v;
		else if (!strcmp(line, "dropped events")) {
			st->dropped = v;
			st->have_dropped = true;
		} else if (!strcmp(line, "read events"))
			st->read = v;
	}
	free(text);
	return 0;
}

/* an open_memstream that aborts on OOM, like the x-allocators */
static FILE *text_open(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (!f) {
		fprintf(stderr, "vsockdiag: out of memory\n");
		abort();
	}
	return f;
}

char *vd_meta_format(const struct vd_meta *m, const char *events, const char *mode,
		     const char *extra)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = text_open(&buf, &len);

	fprintf(f, "vsockdiag-meta 1\n");
	fprintf(f, "role=%s\n", m->role);
	if (m->local_cid >= 0)
		fprintf(f, "local_cid=%" PRId64 "\n", m->local_cid);
	else
		fprintf(f, "local_cid=unknown\n");
	fprintf(f, "local_cid_source=%s\n", m->cid_source);
	fprintf(f, "hostname=%s\n", m->hostname);
	fprintf(f, "kernel=%s\n", m->kernel);
	fprintf(f, "boot_id=%s\n", m->boot_id);
	fprintf(f, "ncpus=%d\n", m->ncpus);
	fprintf(f, "trace_clock=%s\n", m->trace_clock);
	fprintf(f, "events=%s\n", events);
	fprintf(f, "mode=%s\n", mode);
	if (extra)
		fputs(extra, f);
	fclose(f);
	return buf;
}

static void fmt_pair(FILE *f, const char *when, const struct vd_clock_pair *p)
{
	if (!p->valid) {
		fprintf(f, "%s unknown\n", when);
		return;
	}
	fprintf(f,
		"%s seq=%u width_ns=%" PRIu64 " realtime_ns=%" PRIu64 " monotonic_ns=%" PRIu64
		" boottime_ns=%" PRIu64 "\n",
		when, p->seq, p->width_ns, p->realtime_ns, p->monotonic_ns, p->boottime_ns);
}

char *vd_meta_format_clocks(const struct vd_meta *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = text_open(&buf, &len);

	fprintf(f, "vsockdiag-clocks 1\n");
	fmt_pair(f, "start", &m->start);
	fmt_pair(f, "stop", &m->stop);
	fclose(f);
	return buf;
}

char *vd_meta_format_cpustats(const struct vd_cpu_stats *st, int ncpus)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = text_open(&buf, &len);

	fprintf(f, "vsockdiag-cpustats 1\n");
	for (int i = 0; i < ncpus; i++) {
		fprintf(f,
			"cpu=%d entries=%" PRIu64 " overrun=%" PRIu64 " commit_overrun=%" PRIu64
			" read=%" PRIu64,
			i, st[i].entries, st[i].overrun, st[i].commit_overrun, st[i].read);
		if (st[i].have_dropped)
			fprintf(f, " dropped=%" PRIu64, st[i].dropped);
		fputc('\n', f);
	}
	fclose(f);
	return buf;
}
