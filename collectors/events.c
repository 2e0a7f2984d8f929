// SPDX-License-Identifier: GPL-2.0
/* Enabling the recorded events, with kernel-side filters that keep them cheap. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "common/log.h"
#include "common/util.h"
#include "events.h"

/* "virtio3" for every virtio device with id 0x0013 (VIRTIO_ID_VSOCK) */
static int vsock_virtio_names(char names[][32], int max)
{
	glob_t g;
	int n = 0;

	if (glob("/sys/bus/virtio/devices/*/device", 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc && n < max; i++) {
		char id[16] = "";
		FILE *f = fopen(g.gl_pathv[i], "re");
		const char *dev;
		size_t len;

		if (!f)
			continue;
		if (!fgets(id, sizeof(id), f))
			id[0] = '\0';
		fclose(f);
		if (strncmp(id, "0x0013", 6))
			continue;
		/* .../devices/virtio3/device -> "virtio3" */
		len = strlen(g.gl_pathv[i]) - strlen("/device");
		dev = g.gl_pathv[i] + len;
		while (dev > g.gl_pathv[i] && dev[-1] != '/')
			dev--;
		snprintf(names[n++], 32, "%.*s", (int)(g.gl_pathv[i] + len - dev), dev);
	}
	globfree(&g);
	return n;
}

static bool all_digits_commas(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != ',')
			return false;
	return true;
}

static void filter_add(FILE *f, int *n, unsigned long irq)
{
	fprintf(f, "%sirq == %lu", *n ? " || " : "", irq);
	(*n)++;
}

int vd_events_irq_filter(const char *pattern, char **filter)
{
	char vsock[8][32], line[1024];
	size_t len = 0;
	int nvsock = 0, n = 0, ret = 0;
	FILE *in = NULL, *out;

	*filter = NULL;
	out = open_memstream(filter, &len);
	if (!out)
		return -ENOMEM;
	if (pattern && all_digits_commas(pattern)) {
		char *copy = vd_xstrdup(pattern), *save = NULL;

		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			filter_add(out, &n, strtoul(t, NULL, 10));
		free(copy);
		goto done;
	}
	if (!pattern)
		nvsock = vsock_virtio_names(vsock, ARRAY_SIZE(vsock));
	in = fopen("/proc/interrupts", "re");
	if (!in) {
		ret = -errno;
		goto done;
	}
	while (fgets(line, sizeof(line), in)) {
		char *p = line, *end, *name;
		unsigned long irq;

		while (*p == ' ')
			p++;
		irq = strtoul(p, &end, 10);
		if (end == p || *end != ':')
			continue; /* NMI, LOC, ... are not irq_handler_entry lines */
		end[strcspn(end, "\n")] = '\0';
		name = strrchr(end, ' ');
		name = name ? name + 1 : end + 1;
		if (pattern) {
			if (!fnmatch(pattern, name, 0))
				filter_add(out, &n, irq);
			continue;
		}
		for (int i = 0; i < nvsock; i++) {
			size_t l = strlen(vsock[i]);

			/* MSI-X lines are "virtio3-rx", "virtio3-tx", ...; INTx is "virtio3" */
			if (!strncmp(name, vsock[i], l) && (name[l] == '-' || !name[l])) {
				filter_add(out, &n, irq);
				break;
			}
		}
	}
done:
	if (in)
		fclose(in);
	fclose(out);
	if (!ret && !n)
		ret = -ENOENT;
	if (ret) {
		free(*filter);
		*filter = NULL;
	}
	return ret;
}

struct ev_ctx {
	struct tracefs_instance *inst;
	const char *irq_pattern;
	bool filters;
	char *irq_filter;   /* computed once */
	int irq_filter_err; /* 1 = not computed yet */
	struct vd_events *ev;
	FILE *enabled; /* comma-joined names */
};

/* The built-in filter for sys:name, or NULL; *skip when the event must not be enabled. */
static const char *builtin_filter(struct ev_ctx *c, const char *sys, const char *name, bool *skip)
{
	*skip = false;
	if (!strcmp(sys, "irq") &&
	    (!strcmp(name, "irq_handler_entry") || !strcmp(name, "irq_handler_exit"))) {
		if (!c->filters && !c->irq_pattern)
			return NULL;
		if (c->irq_filter_err == 1) {
			c->irq_filter_err = vd_events_irq_filter(c->irq_pattern, &c->irq_filter);
			if (c->irq_filter_err == -ENOENT && c->irq_pattern)
				vd_warn("--irq '%s' matches no line of /proc/interrupts: irq "
					"events skipped",
					c->irq_pattern);
			else if (c->irq_filter_err == -ENOENT)
				vd_warn("no interrupt line of a virtio vsock device (id 0x0013) "
					"in /proc/interrupts (the vhost side has none): irq events "
					"skipped; --irq PATTERN records the lines you name");
		}
		*skip = c->irq_filter_err != 0;
		return c->irq_filter;
	}
	if (!c->filters)
		return NULL;
	/* order >= 3: 32 KiB and up, where fragmentation bites (vsock's 64 KiB buffers are order 4)
	 */
	if (!strcmp(sys, "kmem") && !strcmp(name, "mm_page_alloc"))
		return "order >= 3";
	if (!strcmp(sys, "kmem") && !strcmp(name, "kmalloc"))
		return "ptr == 0";
	return NULL;
}

static int enable_one(struct ev_ctx *c, const char *sys, const char *name)
{
	char path[512];
	const char *filter;
	bool skip;

	filter = builtin_filter(c, sys, name, &skip);
	if (skip)
		return 0;
	/* the filter goes in before the enable: no unfiltered event may slip through */
	if (filter && tracefs_event_file_write(c->inst, sys, name, "filter", filter) < 0) {
		if (!strcmp(name, "kmalloc"))
			vd_warn("this kernel refuses the filter '%s' on kmem:kmalloc: recording "
				"every kmalloc (high rate; drop it from --events if too costly)",
				filter);
		else
			vd_warn("this kernel refuses the filter '%s' on %s:%s: recording it "
				"unfiltered",
				filter, sys, name);
	}
	snprintf(path, sizeof(path), "events/%s/%s/enable", sys, name);
	if (tracefs_instance_file_write(c->inst, path, "1") < 0) {
		vd_warn("could not enable %s:%s: %s (skipped)", sys, name, strerror(errno));
		return 0;
	}
	c->ev->globs = vd_xrealloc(c->ev->globs, c->ev->nr + 1, sizeof(char *));
	c->ev->globs[c->ev->nr] = vd_xcalloc(1, strlen(sys) + strlen(name) + 2);
	sprintf(c->ev->globs[c->ev->nr], "%s:%s", sys, name);
	fprintf(c->enabled, "%s%s:%s", c->ev->nr ? "," : "", sys, name);
	c->ev->nr++;
	return 0;
}

/* One item of the list: "sys:event", "sys:glob*", "sys" (all of sys). */
static int enable_item(struct ev_ctx *c, const char *item, char *err, size_t errlen)
{
	char sys[128], evpat[256], pattern[1024], *dir = NULL;
	const char *sep = strpbrk(item, ":/");
	glob_t g;
	int ret = 0, before = c->ev->nr;

	if (sep) {
		snprintf(sys, sizeof(sys), "%.*s", (int)(sep - item), item);
		snprintf(evpat, sizeof(evpat), "%s", sep + 1);
	} else {
		snprintf(sys, sizeof(sys), "%s", item);
		snprintf(evpat, sizeof(evpat), "*");
	}
	if (!sys[0] || !evpat[0] || strchr(sys, '/') || strchr(evpat, '/') || strstr(sys, "..") ||
	    strstr(evpat, "..")) {
		snprintf(err, errlen,
			 "--events: '%s' is not system:event (e.g. sched:sched_switch, "
			 "irq:*)",
			 item);
		return -EINVAL;
	}
	if (getenv(VD_FORBID_VSOCK_ENV) && !fnmatch(sys, "vsock", 0)) {
		snprintf(err, errlen,
			 "refusing to enable '%s': %s is set (this machine's vsock "
			 "must not be traced)",
			 item, VD_FORBID_VSOCK_ENV);
		return -EPERM;
	}
	dir = tracefs_instance_get_dir(c->inst);
	if (!dir)
		return -errno ?: -EIO;
	snprintf(pattern, sizeof(pattern), "%s/events/%s/%s/enable", dir, sys, evpat);
	if (glob(pattern, 0, NULL, &g)) {
		if (!strcmp(sys, "vsock"))
			vd_warn("event %s not found: is vmw_vsock_virtio_transport_common "
				"loaded? (modprobe vmw_vsock_virtio_transport or vhost_vsock)",
				item);
		else
			vd_warn("event %s not found in this kernel: skipped", item);
		goto out;
	}
	for (size_t i = 0; i < g.gl_pathc && !ret; i++) {
		/* .../events/<sys>/<name>/enable */
		char *p = g.gl_pathv[i] + strlen(dir) + strlen("/events/");
		char *slash = strchr(p, '/'), *slash2;

		if (!slash)
			continue;
		*slash = '\0';
		slash2 = strchr(slash + 1, '/');
		if (!slash2)
			continue;
		*slash2 = '\0';
		ret = enable_one(c, p, slash + 1);
	}
	globfree(&g);
	if (!ret && c->ev->nr == before)
		vd_warn("nothing of %s could be enabled", item);
out:
	tracefs_put_tracing_file(dir);
	return ret;
}

int vd_events_enable(struct tracefs_instance *inst, const char *list, const char *irq_pattern,
		     bool filters, struct vd_events *ev, char *err, size_t errlen)
{
	struct ev_ctx c = { .inst = inst,
			    .irq_pattern = irq_pattern,
			    .filters = filters,
			    .irq_filter_err = 1,
			    .ev = ev };
	char *copy, *save = NULL;
	size_t len = 0;
	int ret = 0;

	memset(ev, 0, sizeof(*ev));
	c.enabled = open_memstream(&ev->enabled, &len);
	if (!c.enabled)
		return -ENOMEM;
	copy = vd_xstrdup(list ? list : VD_EVENTS_DEFAULT);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		if (!*t)
			continue;
		ret = enable_item(&c, t, err, errlen);
		if (ret)
			goto out;
		/* the default set without vsock events records nothing worth having */
		if (!list && !strcmp(t, "vsock:*") && !ev->nr) {
			snprintf(err, errlen,
				 "event vsock:* not found: is vmw_vsock_virtio_transport_common "
				 "loaded? (modprobe vmw_vsock_virtio_transport on a guest, "
				 "vhost_vsock on a host); to record other events pass --events, "
				 "e.g. --events sched:sched_switch,irq:*");
			ret = -ENOENT;
			goto out;
		}
	}
	if (!ev->nr) {
		snprintf(err, errlen,
			 "none of the events '%s' exists in this kernel: see "
			 "/sys/kernel/tracing/available_events",
			 list ? list : VD_EVENTS_DEFAULT);
		ret = -ENOENT;
	}
out:
	free(copy);
	free(c.irq_filter);
	fclose(c.enabled);
	return ret;
}

void vd_events_free(struct vd_events *ev)
{
	for (int i = 0; i < ev->nr; i++)
		free(ev->globs[i]);
	free(ev->globs);
	free(ev->enabled);
	memset(ev, 0, sizeof(*ev));
}
