/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The libFuzzer entry points both trace.dat harnesses share (fuzz_dat.c,
 * fuzz_dat_pipeline.c): the includer defines FUZZ_DAT_ONE(data, size), which
 * gets a buffer that starts with the trace.dat magic, and CHECK().  Included by
 * one harness per binary, after its own definitions.
 */
#ifndef VD_FUZZ_DAT_ENTRY_H
#define VD_FUZZ_DAT_ENTRY_H

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "common/log.h"

/*
 * An input that does not start with the trace.dat magic would only reach the
 * text source (fuzz_text covers it): the magic is put in front of it.
 */
static const uint8_t dat_magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };

/*
 * source_dat.c reads every file once in a forked child first (libtracecmd
 * crashes on some damaged files).  In that child libFuzzer's death callback
 * would write the input as a crash-* artifact although the parent recovers:
 * the child dies quietly instead, as it does outside the fuzzer.
 */
static void child_death(void)
{
	_exit(1);
}

static void in_child(void)
{
	__sanitizer_set_death_callback(child_death);
}

/*
 * A small quarantine: the page tables the probe's fork copies stay small.
 * An impossible allocation returns NULL, as glibc's malloc does.
 *
 * Anything above 1 GiB is impossible here (the inputs are at most a few
 * hundred KiB): libtracecmd takes sizes from the file and asks for them, and
 * without this limit an allocation of 2 GiB or more reached libFuzzer's
 * malloc limit (-malloc_limit_mb, the RSS limit by default) in the probe
 * child, which then symbolized a stack trace and wrote an oom-* artifact
 * (hundreds of milliseconds each, several a minute) although the parent
 * recovers; a 1-2 GiB one had ASan map and poison its shadow for half a
 * second.  Now such a malloc fails at once: libtracecmd takes its error path
 * (in the child first, so a crash there is still caught), and our own
 * allocators (vd_xcalloc, vd_xrealloc) still abort on it, so a huge allocation of ours
 * is still a finding.  The fuzzers only: vsockdiag itself is unchanged.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16:allocator_may_return_null=1:max_allocation_size_mb=1024";
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pthread_atfork(NULL, NULL, in_child);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;

	vd_log_level = VD_LOG_QUIET;
	if (size >= sizeof(dat_magic) && !memcmp(data, dat_magic, sizeof(dat_magic))) {
		FUZZ_DAT_ONE(data, size);
		return 0;
	}
	buf = malloc(sizeof(dat_magic) + size);
	CHECK(buf);
	memcpy(buf, dat_magic, sizeof(dat_magic));
	if (size)
		memcpy(buf + sizeof(dat_magic), data, size);
	FUZZ_DAT_ONE(buf, sizeof(dat_magic) + size);
	free(buf);
	return 0;
}

#endif /* VD_FUZZ_DAT_ENTRY_H */
