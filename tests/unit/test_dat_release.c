// SPDX-License-Identifier: GPL-2.0
/*
 * Giving back trace.dat pages already read (analyzers/sources/dat_release.c):
 * a read-only private file mapping walked page by page keeps only the last
 * MiBs resident, and reads the same bytes afterwards; anonymous memory (the
 * pages of compressed files are malloc'd) is never touched.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzers/sources/dat_release.h"
#include "tests/unit/vtest.h"

#define SIZE (16u << 20)

/* resident KiB of the mapping that starts at addr, from /proc/self/smaps */
static long resident_kb(const void *addr)
{
	char line[512], want[32];
	FILE *f = fopen("/proc/self/smaps", "re");
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') && strchr(line, '-') < strchr(line, ' '))
			in = !strncmp(line, want, strlen(want));
		else if (in && sscanf(line, "Rss: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 12));
}

/* read every page in order, as libtracecmd's reader does, telling release where it is */
static uint64_t walk(const volatile uint8_t *p, size_t n, struct vd_dat_release *r)
{
	uint64_t sum = 0;

	for (size_t off = 0; off < n; off += 4096) {
		sum += p[off] + p[off + 100];
		vd_dat_release_at(r, (const void *)(p + off + 100));
	}
	vd_dat_release_flush(r);
	return sum;
}

VT_TEST(dat_release_file_mapping_stays_small_and_intact)
{
	char path[] = "/tmp/vd-release-XXXXXX";
	int fd = mkstemp(path);
	uint8_t *buf = malloc(SIZE), *map;
	struct vd_dat_release r = { 0 };
	long kb;
	bool same = true;

	VT_ASSERT(fd >= 0 && buf);
	unlink(path);
	for (size_t i = 0; i < SIZE; i++)
		buf[i] = pattern(i);
	VT_EQ_INT(write(fd, buf, SIZE), SIZE);
	map = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	VT_ASSERT(map != MAP_FAILED);
	VT_ASSERT(walk(map, SIZE, &r) > 0);
	kb = resident_kb(map);
	/* of 16 MiB read, what the guard and the last batch keep: a few MiB at most */
	VT_ASSERT(kb >= 0 && kb <= 4096);
	for (size_t i = 0; i < SIZE; i += 997)
		same = same && map[i] == pattern(i);
	VT_ASSERT(same);
	munmap(map, SIZE);
	close(fd);
	free(buf);
}

VT_TEST(dat_release_never_touches_anonymous_memory)
{
	uint8_t *anon = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vd_dat_release r = { 0 };
	bool same = true;

	VT_ASSERT(anon != MAP_FAILED);
	for (size_t i = 0; i < SIZE; i++)
		anon[i] = pattern(i);
	VT_ASSERT(walk(anon, SIZE, &r) > 0);
	/* MADV_DONTNEED here would have zeroed it */
	for (size_t i = 0; i < SIZE; i++)
		same = same && anon[i] == pattern(i);
	VT_ASSERT(same);
	munmap(anon, SIZE);
}
