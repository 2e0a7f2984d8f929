/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output half of libtracecmd's API.
 *
 * Why this file exists: trace-cmd 3.1.6 (libtracecmd 1.3) installs a public
 * trace-cmd.h that declares only the *reading* side. The writer
 * (tracecmd_output_create_fd, tracecmd_output_write_headers, ...) is exported
 * from libtracecmd.so.1 (plain, unversioned symbols) but declared only in
 * trace-cmd's private header, which Debian does not ship. We declare the few
 * calls we use with the exact 3.1.6 signatures. libtracecmd 1.5 keeps the same
 * signatures, so this stays valid across the versions we meet.
 */
#ifndef VD_TCMD_API_H
#define VD_TCMD_API_H

#include <trace-cmd/trace-cmd.h>

struct tracecmd_output;
struct tracecmd_option;

/* globs of the events whose formats go into the file ("sched:sched_switch", "irq:*") */
struct tracecmd_event_list {
	struct tracecmd_event_list *next;
	const char *glob;
};

/* option ids of the trace.dat format (trace-cmd-private.h, 3.1.6) */
enum {
	VD_TCMD_OPTION_DONE = 0,
	VD_TCMD_OPTION_CPUSTAT = 2,
	VD_TCMD_OPTION_TRACECLOCK = 4,
	VD_TCMD_OPTION_UNAME = 5,
	VD_TCMD_OPTION_VERSION = 9,
};

/* file states, in the order a v6 file is written */
enum {
	VD_TCMD_FILE_PRINTK = 6,
};

struct tracecmd_output *tracecmd_output_create_fd(int fd);
struct tracecmd_output *tracecmd_get_output_handle_fd(int fd);
int tracecmd_output_set_version(struct tracecmd_output *handle, int file_version);
int tracecmd_output_write_headers(struct tracecmd_output *handle, struct tracecmd_event_list *list);
void tracecmd_set_quiet(struct tracecmd_output *handle, bool set_quiet);
void tracecmd_set_out_clock(struct tracecmd_output *handle, const char *clock);
struct tracecmd_option *tracecmd_add_option(struct tracecmd_output *handle, unsigned short id,
					    int size, const void *data);
int tracecmd_write_cmdlines(struct tracecmd_output *handle);
int tracecmd_write_cpus(struct tracecmd_output *handle, int cpus);
int tracecmd_write_options(struct tracecmd_output *handle);
void tracecmd_output_close(struct tracecmd_output *handle);
void tracecmd_output_free(struct tracecmd_output *handle);

#endif /* VD_TCMD_API_H */
