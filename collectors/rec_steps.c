// SPDX-License-Identifier: GPL-2.0
/*
 * The steps of a recording shared by `record` and the live collector's -w
 * recording (rec_steps.h). Moved out of record.c unchanged, so that both
 * write the same trace.dat with the same metadata.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <tracefs.h>

#include "common/log.h"
#include "common/util.h"
#include "bpf.h"
#include "capture.h"
#include "events.h"
#include "meta.h"
#include "output.h"
#include "rec_steps.h"
#include "tcmd_api.h"

int vd_rec_size_buffer(struct tracefs_instance *inst, unsigned long kb, char *err, size_t errlen)
{
	int ret;

	if (tracefs_instance_set_buffer_size(inst, kb, -1)) {
		ret = -errno ?: -ENOMEM;
		snprintf(err, errlen,
			 "cannot size the ring buffer to %lu KiB per CPU: %s "
			 "(try a smaller --buffer-kb)",
			 kb, strerror(-ret));
		return ret;
	}
	/* the instance is ours: nothing to restore (kernels before 4.20 lack the file) */
	if (tracefs_file_exists(inst, "buffer_percent") &&
	    tracefs_instance_file_write(inst, "buffer_percent", VD_REC_BUFFER_PERCENT) < 0)
		vd_warn("could not set buffer_percent: the readers wake more often");
	return 0;
}

int vd_rec_bpf_start(enum vd_bpf_mode mode, const struct vd_bpf_opts *opts,
		     const struct vd_meta *meta, struct vd_record_result *res, struct vd_bpf **bpf,
		     char **meta_lines, char *err, size_t errlen)
{
	struct vd_bpf_opts bo = *opts;
	int ret;

	if (mode == VD_BPF_OFF) {
		*meta_lines = vd_xstrdup("bpf_hooks=off\nbpf_why=--bpf_off\n");
		return 0;
	}
	bo.forbid_vsock = getenv(VD_FORBID_VSOCK_ENV) != NULL;
	bo.trace_clock = meta->trace_clock;
	ret = vd_bpf_start(&bo, bpf, err, errlen);
	if (ret)
		return ret;
	res->bpf_used = true;
	snprintf(res->bpf_hooks, sizeof(res->bpf_hooks), "%s", vd_bpf_hooks_text(*bpf));
	snprintf(res->bpf_why, sizeof(res->bpf_why), "%s", vd_bpf_why_text(*bpf));
	if (vd_log_level >= VD_LOG_INFO)
		vd_bpf_print_summary(*bpf, stderr);
	if (mode == VD_BPF_REQUIRE && !vd_bpf_hooks_on(*bpf)) {
		snprintf(err, errlen,
			 "--bpf require: no BPF hook attaches on this kernel (%s); "
			 "record with --bpf auto or off",
			 res->bpf_why);
		vd_bpf_stop(*bpf, NULL);
		*bpf = NULL;
		return -EOPNOTSUPP;
	}
	if (asprintf(meta_lines, "bpf_hooks=%s\nbpf_why=%s\n", res->bpf_hooks, res->bpf_why) < 0)
		*meta_lines = NULL;
	return 0;
}

int vd_rec_trace_on(struct tracefs_instance *inst, struct vd_meta *meta, struct vd_dat *dat,
		    char *err, size_t errlen)
{
	char *clock_text;
	int ret;

	if (tracefs_trace_on(inst)) {
		ret = -errno ?: -EIO;
		snprintf(err, errlen, "cannot start tracing: %s", strerror(-ret));
		return ret;
	}
	/* the start stamps must land in the trace: after tracing is on */
	if (vd_meta_pair_clocks(inst, "start", VD_REC_CLOCK_PAIR_TRIES, &meta->start))
		vd_warn("could not pair the clocks at start (trace_marker not writable)");
	clock_text = vd_meta_format_clocks(meta);
	if (vd_dat_save_option(dat, &(struct vd_dat_option){ VD_OPT_CLOCKS, clock_text }))
		vd_warn("could not save the start clocks in %s", dat->parts);
	free(clock_text);
	return 0;
}

void vd_rec_note_write_error(struct vd_record_result *res, int64_t err)
{
	res->reason = err == -ENOSPC ? VD_STOP_DISK_FULL : VD_STOP_WRITE_ERROR;
	snprintf(res->write_error, sizeof(res->write_error), "%s", strerror((int)-err));
}

static char *uname_text(void)
{
	struct utsname u;
	char *s = NULL;

	if (uname(&u) ||
	    asprintf(&s, "%s %s %s %s", u.sysname, u.nodename, u.release, u.machine) < 0)
		return vd_xstrdup("unknown");
	return s;
}

/* trace-cmd's CPUSTAT option is the text of per_cpu/cpuN/stats, one option per CPU */
static char *cpustat_text(struct tracefs_instance *inst, int cpu)
{
	char path[64], *text;

	snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", cpu);
	text = tracefs_instance_file_read(inst, path, NULL);
	if (!text) {
		text = vd_xcalloc(1, 32);
		snprintf(text, 32, "CPU: %d\n", cpu);
		return text;
	}
	{
		char *full = NULL;

		if (asprintf(&full, "CPU: %d\n%s", cpu, text) < 0)
			full = vd_xstrdup(text);
		free(text);
		return full;
	}
}

int vd_rec_finish(struct tracefs_instance *inst, struct vd_capture *cap, struct vd_dat *dat,
		  struct vd_meta *meta, int ncpus, const char *output, struct vd_record_result *res,
		  char *err, size_t errlen)
{
	struct vd_cpu_stats *stats;
	struct vd_dat_option *opts;
	char **texts, *clock_text;
	int nopts = 0, ret;

	vd_meta_pair_clocks(inst, "stop", VD_REC_CLOCK_PAIR_TRIES, &meta->stop);
	tracefs_trace_off(inst);
	{
		int dret = vd_capture_drain(cap);

		if (dret && res->reason != VD_STOP_DISK_FULL && res->reason != VD_STOP_WRITE_ERROR)
			vd_rec_note_write_error(res, dret);
	}
	res->bytes = vd_capture_bytes(cap);

	/* the counters, read once tracing is off: nothing moves any more */
	stats = vd_xcalloc(ncpus, sizeof(*stats));
	texts = vd_xcalloc(ncpus, sizeof(*texts));
	for (int i = 0; i < ncpus; i++) {
		vd_meta_cpu_stats(inst, i, &stats[i]);
		res->lost += stats[i].overrun + stats[i].dropped;
		res->recorded += stats[i].entries + stats[i].read;
		texts[i] = cpustat_text(inst, i);
	}
	opts = vd_xcalloc((size_t)ncpus + 6, sizeof(*opts));
	clock_text = vd_meta_format_clocks(meta);
	{
		char *tc = tracefs_instance_file_read(inst, "trace_clock", NULL);
		static char version[] = "vsockdiag "
					"0.1.0";
		char *un = uname_text(), *cs = vd_meta_format_cpustats(stats, ncpus);

		opts[nopts++] = (struct vd_dat_option){ VD_TCMD_OPTION_TRACECLOCK, tc ? tc : "" };
		opts[nopts++] = (struct vd_dat_option){ VD_TCMD_OPTION_UNAME, un };
		opts[nopts++] = (struct vd_dat_option){ VD_TCMD_OPTION_VERSION, version };
		opts[nopts++] = (struct vd_dat_option){ VD_OPT_CLOCKS, clock_text };
		opts[nopts++] = (struct vd_dat_option){ VD_OPT_CPUSTATS, cs };
		for (int i = 0; i < ncpus; i++)
			opts[nopts++] = (struct vd_dat_option){ VD_TCMD_OPTION_CPUSTAT, texts[i] };
		ret = vd_dat_finish(dat, ncpus, opts, nopts, err, errlen);
		free(tc);
		free(un);
		free(cs);
	}
	if (ret) {
		/* the pages are still in FILE.parts/: say how to get them back */
		size_t l = strlen(err);

		snprintf(err + l, errlen - l,
			 "; the captured pages are kept in %s.parts: free "
			 "some space, then 'vsockdiag record --recover -o %s'",
			 output, output);
		/* keep FILE and FILE.parts/ for --recover */
		if (dat->out)
			tracecmd_output_close(dat->out);
		if (dat->parts_fd >= 0)
			close(dat->parts_fd);
		free(dat->path);
		free(dat->parts);
	}
	for (int i = 0; i < ncpus; i++)
		free(texts[i]);
	free(texts);
	free(stats);
	free(opts);
	free(clock_text);
	return ret;
}
