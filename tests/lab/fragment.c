// SPDX-License-Identifier: GPL-2.0
/*
 * fragment: make a small VM's free memory unusable for high-order allocations (lab only).
 *
 *   fragment KEEP_MB SECONDS READYFILE
 *
 * Maps all available memory but KEEP_MB, faults it in as order-0 pages (no THP), mlocks it,
 * then unmaps every other page: about half of that memory becomes free again, but as isolated
 * order-0 pages whose buddies stay pinned. With /proc/sys/vm/compact_unevictable_allowed = 0
 * compaction may not move the pinned pages, so order >= 1 allocations can only come from
 * what the kernel reclaims or compacts elsewhere. The free blocks of order >= 5 that remain
 * (memory outside the pinned range) are then taken too: an AF_PACKET receive ring of 128 KiB
 * blocks allocates each block as one order-5 page with __GFP_NORETRY (and falls back to
 * vmalloc when there is none left), so the ring swallows exactly the order >= 5 blocks.
 * Writes READYFILE when done, holds everything for SECONDS, exits. Prints what it held and
 * /proc/buddyinfo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_packet.h>

/* free blocks of order >= 5, in order-5 units, in every zone: GFP_KERNEL falls back to
 * ZONE_DMA too (seen: the 64 KiB TX buffer came from pfn 0x4c0 once DMA32 had none) */
static long order5_units(void)
{
	char line[512], zone[32];
	long units = 0;
	FILE *f = fopen("/proc/buddyinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		int node, off = 0;
		if (sscanf(line, "Node %d, zone %31s %n", &node, zone, &off) < 2)
			continue;
		char *q = line + off;
		for (int o = 0; o < 11; o++) {
			long c = strtol(q, &q, 10);
			if (o >= 5)
				units += c << (o - 5);
		}
	}
	if (f)
		fclose(f);
	return units;
}

/* swallow the order >= 5 blocks with AF_PACKET rings of 128 KiB blocks; returns blocks held */
static long take_order5(void)
{
	long held = 0;
	for (int round = 0; round < 8; round++) {
		long n = order5_units();
		if (n == 0)
			break;
		int fd = socket(AF_PACKET, SOCK_RAW, 0);
		struct tpacket_req req = {.tp_block_size = 131072, .tp_block_nr = (unsigned)n,
					  .tp_frame_size = 2048, .tp_frame_nr = (unsigned)n * 64};
		if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
			perror("fragment: AF_PACKET ring");
			break;
		}
		held += n; /* the socket stays open (and the ring allocated) until exit */
	}
	return held;
}

static long meminfo(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = atol(line + strlen(key) + 1);
	fclose(f);
	return v; /* kB */
}

static void buddyinfo(const char *when)
{
	char line[512];
	FILE *f = fopen("/proc/buddyinfo", "r");
	printf("buddyinfo %s:\n", when);
	while (f && fgets(line, sizeof(line), f))
		fputs(line, stdout);
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: fragment KEEP_MB SECONDS READYFILE\n");
		return 2;
	}
	long keep = atol(argv[1]) * 1024, secs = atol(argv[2]);
	long page = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	buddyinfo("before");
	long avail = meminfo("MemAvailable");
	if (avail <= keep) {
		fprintf(stderr, "fragment: only %ld kB available\n", avail);
		return 1;
	}
	size_t len = (size_t)(avail - keep) * 1024;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(p, len, MADV_NOHUGEPAGE);
	size_t n = len / page, held = 0;
	for (size_t i = 0; i < n; i++) {
		p[i * page] = 1;
		/* lock as we go: an mlock of the whole range at the end could fail half way */
		if (mlock(p + i * page, page) == 0)
			held++;
	}
	size_t freed = 0;
	for (size_t i = 0; i < n; i += 2)
		if (munmap(p + i * page, page) == 0)
			freed++;
	printf("fragment: faulted %zu pages (%zu locked), unmapped every other one: %zu MiB pinned, "
	       "%zu MiB freed as single pages; MemFree now %ld kB\n",
	       n, held, (n - freed) * page >> 20, freed * page >> 20, meminfo("MemFree"));
	long before5 = order5_units();
	long ring = take_order5();
	printf("fragment: %ld order-5 units were free after the holes; AF_PACKET rings took %ld blocks of "
	       "128 KiB; %ld order-5 units free now\n", before5, ring, order5_units());
	buddyinfo("after");
	FILE *f = fopen(argv[3], "w");
	if (f)
		fclose(f);
	sleep(secs);
	buddyinfo("at exit");
	return 0;
}
