// SPDX-License-Identifier: GPL-2.0
/*
 * vsockload: the lab's vsock workload (runs only inside the lab VMs, never on the machine
 * that runs them). One process, poll-driven, any number of connections at once:
 * each connection sends COUNT chunks of SIZE bytes, one every INTERVAL ms, reads whatever the
 * peer sends (optionally starting only after a delay: a receiver that does not read), then
 * half-closes (SHUT_WR) and reads until the peer's EOF.
 *
 *   vsockload listen PORT [options]       accept CONNS connections on PORT (any CID)
 *   vsockload connect CID PORT [options]  open CONNS connections to CID:PORT
 * options:
 *   -c CONNS       connections (default 1)
 *   -n COUNT       chunks each connection sends (default 8; 0: send nothing)
 *   -s SIZE        bytes per chunk (default 16384)
 *   -i MS          milliseconds between chunks (default 250)
 *   -w MS          wait this long after the connection opens before the first chunk
 *   -r MS          do not read for MS milliseconds after the connection opens
 *   -R IDX:MS      the same for connection IDX only (0-based, in opening order)
 *   -t SECONDS     give up after SECONDS (default 60): exit 3. A listener counts them from its
 *                  first connection: the party it waits for may still be booting before that
 *   -T SECONDS     (listen) wait at most SECONDS for the first connection (default 600): exit 3
 *   -W FILE        send nothing before FILE exists (checked every 20 ms): a burst at a moment
 *                  another process chooses, on a connection opened earlier
 *   -p MS          print "progress T_MS conn IDX sent B received B" every MS milliseconds
 *                  (T_MS since the start): shows when a transfer stops and resumes
 * Prints one line per connection: "conn IDX CID:PORT sent B received B" and exits 0 when
 * every connection finished (1 on a connection error, e.g. ECONNRESET from a refused connect).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>

#define MAXC 64

struct conn {
	int fd, idx;
	unsigned peer_cid, peer_port;
	int64_t t_open, next_send, read_from;
	long chunks_left;
	size_t off; /* bytes of the current chunk already written */
	int wr_done, rd_eof, failed;
	uint64_t sent, rcvd;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(void)
{
	fprintf(stderr, "usage: vsockload listen PORT [-c N -n COUNT -s SIZE -i MS -w MS -r MS -R IDX:MS -t S -T S -p MS -W FILE]\n"
			"       vsockload connect CID PORT [same options]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		usage();
	int listen_mode = !strcmp(argv[1], "listen");
	if (!listen_mode && strcmp(argv[1], "connect"))
		usage();
	unsigned cid = 0, port;
	int ai = 2;
	if (!listen_mode) {
		if (argc < 4)
			usage();
		cid = strtoul(argv[ai++], NULL, 0);
	}
	port = strtoul(argv[ai++], NULL, 0);
	long nconn = 1, count = 8, size = 16384, interval = 250, wait_ms = 0, read_delay = 0, timeout_s = 60, first_s = 600;
	long rd_idx = -1, rd_idx_ms = 0, progress_ms = 0;
	const char *wait_file = NULL;
	optind = ai;
	int o;
	while ((o = getopt(argc, argv, "c:n:s:i:w:r:R:t:T:p:W:")) != -1) {
		switch (o) {
		case 'c': nconn = atol(optarg); break;
		case 'n': count = atol(optarg); break;
		case 's': size = atol(optarg); break;
		case 'i': interval = atol(optarg); break;
		case 'w': wait_ms = atol(optarg); break;
		case 'r': read_delay = atol(optarg); break;
		case 'R':
			if (sscanf(optarg, "%ld:%ld", &rd_idx, &rd_idx_ms) != 2)
				usage();
			break;
		case 't': timeout_s = atol(optarg); break;
		case 'T': first_s = atol(optarg); break;
		case 'p': progress_ms = atol(optarg); break;
		case 'W': wait_file = optarg; break;
		default: usage();
		}
	}
	if (nconn < 1 || nconn > MAXC || size < 1 || count < 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	char *buf = malloc(size), *rbuf = malloc(65536);
	for (long i = 0; i < size; i++)
		buf[i] = (char)(i * 131 + 7);
	int64_t t_start = now_ms(), deadline = t_start + timeout_s * 1000, next_progress = t_start + progress_ms;
	struct conn c[MAXC];
	memset(c, 0, sizeof(c));
	int lfd = -1;
	if (listen_mode) {
		lfd = socket(AF_VSOCK, SOCK_STREAM, 0);
		struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
		if (lfd < 0 || bind(lfd, (void *)&a, sizeof(a)) || listen(lfd, MAXC)) {
			perror("vsockload: listen");
			return 1;
		}
		printf("listening on port %u\n", port);
	}
	int rc = 0;
	for (long i = 0; i < nconn; i++) {
		struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
		int fd;
		if (listen_mode) {
			struct pollfd p = {.fd = lfd, .events = POLLIN};
			/* -t runs from the first connection: before it, -T */
			int64_t left = i ? deadline - now_ms() : first_s * 1000 - (now_ms() - t_start);
			if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
				fprintf(stderr, "vsockload: timed out waiting for connection %ld\n", i);
				return 3;
			}
			if (!i)
				deadline = now_ms() + timeout_s * 1000;
			socklen_t al = sizeof(a);
			fd = accept(lfd, (void *)&a, &al);
		} else {
			fd = socket(AF_VSOCK, SOCK_STREAM, 0);
			if (fd >= 0 && connect(fd, (void *)&a, sizeof(a))) {
				printf("conn %ld %u:%u connect failed: %s\n", i, cid, port, strerror(errno));
				close(fd);
				return 1;
			}
		}
		if (fd < 0) {
			perror("vsockload: socket/accept");
			return 1;
		}
		fcntl(fd, F_SETFL, O_NONBLOCK);
		c[i].fd = fd;
		c[i].idx = (int)i;
		c[i].peer_cid = a.svm_cid;
		c[i].peer_port = a.svm_port;
		c[i].t_open = now_ms();
		c[i].next_send = c[i].t_open + wait_ms;
		c[i].read_from = c[i].t_open + (i == rd_idx ? rd_idx_ms : read_delay);
		c[i].chunks_left = count;
		if (count == 0) {
			shutdown(fd, SHUT_WR);
			c[i].wr_done = 1;
		}
		printf("conn %ld open %u:%u\n", i, a.svm_cid, a.svm_port);
	}
	for (;;) {
		int64_t t = now_ms(), wake = t + 1000;
		int active = 0;
		if (wait_file && access(wait_file, F_OK) == 0) {
			printf("%s exists: sending\n", wait_file);
			wait_file = NULL;
			for (long i = 0; i < nconn; i++)
				if (c[i].next_send < t)
					c[i].next_send = t;
		}
		if (wait_file && t + 20 < wake)
			wake = t + 20;
		struct pollfd p[MAXC];
		for (long i = 0; i < nconn; i++) {
			struct conn *k = &c[i];
			p[i].fd = -1;
			p[i].events = 0;
			if (k->failed || (k->wr_done && k->rd_eof))
				continue;
			active++;
			p[i].fd = k->fd;
			if (!k->wr_done && !wait_file) {
				if (k->off || t >= k->next_send)
					p[i].events |= POLLOUT;
				else if (k->next_send < wake)
					wake = k->next_send;
			}
			if (!k->rd_eof) {
				if (t >= k->read_from)
					p[i].events |= POLLIN;
				else if (k->read_from < wake)
					wake = k->read_from;
			}
		}
		if (!active)
			break;
		if (progress_ms > 0) {
			if (t >= next_progress) {
				for (long i = 0; i < nconn; i++)
					printf("progress %lld conn %ld sent %llu received %llu\n", (long long)(t - t_start), i,
					       (unsigned long long)c[i].sent, (unsigned long long)c[i].rcvd);
				next_progress += progress_ms * ((t - next_progress) / progress_ms + 1);
			}
			if (next_progress < wake)
				wake = next_progress;
		}
		if (t >= deadline) {
			fprintf(stderr, "vsockload: timed out after %ld s\n", timeout_s);
			rc = 3;
			break;
		}
		if (wake > deadline)
			wake = deadline;
		if (poll(p, nconn, (int)(wake > t ? wake - t : 0)) < 0 && errno != EINTR) {
			perror("vsockload: poll");
			return 1;
		}
		for (long i = 0; i < nconn; i++) {
			struct conn *k = &c[i];
			if (p[i].fd < 0)
				continue;
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				ssize_t r = read(k->fd, rbuf, 65536);
				if (r > 0)
					k->rcvd += r;
				else if (r == 0)
					k->rd_eof = 1;
				else if (errno != EAGAIN && errno != EINTR) {
					printf("conn %ld read error: %s\n", i, strerror(errno));
					k->failed = 1;
					rc = 1;
					continue;
				}
			}
			if ((p[i].revents & POLLOUT) && !k->wr_done) {
				ssize_t w = write(k->fd, buf + k->off, size - k->off);
				if (w > 0) {
					k->sent += w;
					k->off += w;
					if (k->off == (size_t)size) {
						k->off = 0;
						k->next_send = now_ms() + interval;
						if (--k->chunks_left == 0) {
							shutdown(k->fd, SHUT_WR);
							k->wr_done = 1;
						}
					}
				} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
					printf("conn %ld write error: %s\n", i, strerror(errno));
					k->failed = 1;
					rc = 1;
				}
			}
		}
	}
	for (long i = 0; i < nconn; i++) {
		printf("conn %ld %u:%u sent %llu received %llu%s\n", i, c[i].peer_cid, c[i].peer_port,
		       (unsigned long long)c[i].sent, (unsigned long long)c[i].rcvd,
		       c[i].failed ? " FAILED" : (c[i].wr_done && c[i].rd_eof) ? "" : " UNFINISHED");
		close(c[i].fd);
	}
	if (lfd >= 0)
		close(lfd);
	return rc;
}
