// SPDX-License-Identifier: GPL-2.0
/*
 * adbd_lab: a minimal adbd-compatible responder for the lab (runs only inside the lab VMs,
 * never on the machine that runs them). It listens on AF_VSOCK, speaks the adb wire protocol
 * to Debian's adb (the server in the host partition) and serves a few `shell:` commands, so the
 * recordings carry real adb traffic: CNXN, OPEN, OKAY, WRTE, CLSE.
 *
 *   adbd_lab [options]
 * options:
 *   -p PORT                  vsock port to listen on (default 5555, adb's)
 *   -t SECONDS               give up after SECONDS (default 120): exit 3
 *   -n CONNS                 exit 0 once CONNS connections have ended (default 0: never)
 *   -m BYTES                 maxdata announced in our CNXN (default 1048576, adbd's MAX_PAYLOAD)
 *   -b BYTES                 the sockets' vsock buffer size (SO_VM_SOCKETS_BUFFER_SIZE; default:
 *                            the kernel's, 256 KiB)
 *   -q                       do not log every message
 *   --stall-after-bytes N    once a stream has received N bytes of WRTE data, it stalls: its
 *                            next WRTE, and every later one, is never acknowledged (no OKAY), as
 *                            when adbd's service stops reading its stream (0: the first WRTE)
 *   --stall-read             with --stall-after-bytes: when that WRTE's header arrives, stop
 *                            reading the socket altogether, its payload left unread (adbd wedged
 *                            mid-packet): the sender runs out of vsock credit once the payload
 *                            exceeds the free buffer space (with -b 4096, any WRTE over 4 KiB)
 *
 * The protocol (adb's protocol.txt): every message is a 24-byte little-endian header
 * (command, arg0, arg1, data_length, data_check, magic = command ^ 0xffffffff) then
 * data_length bytes, written with two write()s like adbd. No authentication: the client's CNXN
 * is answered with our CNXN at once (version 0x01000001: no data checksum, as adbd since
 * Android 9; a peer below that version gets the byte-sum checksum). The banner announces no
 * shell_v2, so adb uses the plain `shell:CMD` service (raw output, no exit status).
 * Services: `shell:echo ...` (answered here), `shell:cat > /dev/null` and `shell:cat` (a sink:
 * reads the stream's data and discards it), any other `shell:CMD` runs `/bin/sh -c CMD` with
 * stdin /dev/null and its output (up to 64 KiB) is the stream's data; other services are
 * refused (CLSE with local id 0). One WRTE outstanding per stream in each direction: we send
 * the next only after the client's OKAY, and OKAY each of its WRTEs once consumed.
 * One connection at a time; SIGTERM/SIGINT end it cleanly (exit 0).
 * Prints "listening on port P", one line per message with -v (default) and a summary per
 * connection: "conn N ended: streams S, rx B, tx B, stalled K".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define A_SYNC 0x434e5953u
#define A_CNXN 0x4e584e43u
#define A_AUTH 0x48545541u
#define A_OPEN 0x4e45504fu
#define A_OKAY 0x59414b4fu
#define A_CLSE 0x45534c43u
#define A_WRTE 0x45545257u

#define A_VERSION_MIN		0x01000000u
#define A_VERSION_SKIP_CHECKSUM 0x01000001u
#define A_VERSION		0x01000001u
#define MAX_PAYLOAD		(1024u * 1024u)
#define HDR_LEN			24
#define MAX_STREAMS		32
#define SH_OUT_MAX		(64 * 1024)

#define BANNER                                                                                     \
	"device::ro.product.name=vsocklab;ro.product.model=lab;ro.product.device=lab;"             \
	"features=cmd,stat_v2"

struct stream {
	bool used;
	uint32_t local, remote; /* our id, the client's */
	bool sink;
	char *out; /* data to send, out_len bytes, out_off already sent */
	size_t out_len, out_off;
	bool wrte_pending; /* our WRTE not yet OKAYed */
	bool clse_sent;
	bool stalled;
	uint64_t rx, tx;
};

struct conn {
	int fd;
	uint32_t version, maxdata;
	bool online;
	bool stop_reading;
	unsigned char hdr[HDR_LEN];
	size_t hdr_got;
	unsigned char *data;
	size_t data_len, data_got;
	struct stream st[MAX_STREAMS];
	uint32_t next_id;
	uint64_t rx, tx;
	unsigned nstreams, nstalled;
};

static volatile sig_atomic_t stop_sig;
static int64_t t_start, deadline;
static bool verbose = true;
static uint64_t stall_after;
static bool stall_set, stall_read;
static uint32_t our_maxdata = MAX_PAYLOAD;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	int64_t t = now_ms() - t_start;

	printf("[%6lld.%03lld] ", (long long)(t / 1000), (long long)(t % 1000));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *cmd_name(uint32_t c)
{
	switch (c) {
	case A_SYNC:
		return "SYNC";
	case A_CNXN:
		return "CNXN";
	case A_AUTH:
		return "AUTH";
	case A_OPEN:
		return "OPEN";
	case A_OKAY:
		return "OKAY";
	case A_CLSE:
		return "CLSE";
	case A_WRTE:
		return "WRTE";
	default:
		return "????";
	}
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
	p[2] = v >> 16 & 0xff;
	p[3] = v >> 24 & 0xff;
}

/* a printable excerpt of a payload for the log */
static const char *excerpt(const unsigned char *d, size_t n)
{
	static char buf[72];
	size_t k = 0;

	for (size_t i = 0; i < n && k < sizeof(buf) - 4; i++)
		buf[k++] = d[i] >= 0x20 && d[i] < 0x7f ? (char)d[i] : '.';
	if (n > k)
		buf[k++] = '~';
	buf[k] = '\0';
	return buf;
}

/* write all of buf (the socket is non-blocking): false on error, timeout or signal */
static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w > 0) {
			p += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			logf_("write: %s", strerror(errno));
			return false;
		}
		if (stop_sig || now_ms() >= deadline)
			return false;
		struct pollfd pf = { .fd = fd, .events = POLLOUT };

		poll(&pf, 1, 200);
	}
	return true;
}

static bool send_msg(struct conn *c, uint32_t cmd, uint32_t a0, uint32_t a1, const void *data,
		     size_t len)
{
	unsigned char h[HDR_LEN];
	uint32_t check = 0;

	if (c->version < A_VERSION_SKIP_CHECKSUM)
		for (size_t i = 0; i < len; i++)
			check += ((const unsigned char *)data)[i];
	put32(h, cmd);
	put32(h + 4, a0);
	put32(h + 8, a1);
	put32(h + 12, (uint32_t)len);
	put32(h + 16, check);
	put32(h + 20, cmd ^ 0xffffffffu);
	if (verbose)
		logf_("tx %s %u %u len %zu%s%s", cmd_name(cmd), a0, a1, len, len ? " " : "",
		      len ? excerpt(data, len) : "");
	/* header and payload in two writes, like adbd: two vsock packets */
	if (!write_all(c->fd, h, sizeof(h)))
		return false;
	if (len && !write_all(c->fd, data, len))
		return false;
	c->tx += sizeof(h) + len;
	return true;
}

static struct stream *find_stream(struct conn *c, uint32_t local)
{
	for (int i = 0; i < MAX_STREAMS; i++)
		if (c->st[i].used && c->st[i].local == local)
			return &c->st[i];
	return NULL;
}

static void free_stream(struct stream *s)
{
	free(s->out);
	memset(s, 0, sizeof(*s));
}

/* our next WRTE of the stream's output, or its CLSE once everything was acknowledged */
static bool stream_push(struct conn *c, struct stream *s)
{
	if (s->wrte_pending || s->clse_sent)
		return true;
	if (s->out_off < s->out_len) {
		size_t n = s->out_len - s->out_off;

		if (n > c->maxdata)
			n = c->maxdata;
		if (!send_msg(c, A_WRTE, s->local, s->remote, s->out + s->out_off, n))
			return false;
		s->out_off += n;
		s->tx += n;
		s->wrte_pending = true;
		return true;
	}
	if (s->sink)
		return true; /* a sink ends when the client closes it */
	/* the command is done: plain shell closes the stream (no exit status) */
	s->clse_sent = true;
	return send_msg(c, A_CLSE, s->local, s->remote, NULL, 0);
}

/* the output of `sh -c CMD` (stdin /dev/null, stderr into stdout), at most SH_OUT_MAX bytes */
static char *run_sh(const char *cmd, size_t *len)
{
	char *out = malloc(SH_OUT_MAX), *full;
	size_t n = 0;
	FILE *p;

	if (!out)
		return NULL;
	if (asprintf(&full, "exec </dev/null 2>&1; %s", cmd) < 0) {
		free(out);
		return NULL;
	}
	p = popen(full, "r");
	free(full);
	if (!p) {
		n = (size_t)snprintf(out, SH_OUT_MAX, "adbd_lab: cannot run sh: %s\n",
				     strerror(errno));
	} else {
		size_t r;

		while (n < SH_OUT_MAX && (r = fread(out + n, 1, SH_OUT_MAX - n, p)) > 0)
			n += r;
		pclose(p);
	}
	*len = n;
	return out;
}

static bool is_sink(const char *cmd)
{
	return !strcmp(cmd, "cat") || !strcmp(cmd, "cat > /dev/null") ||
	       !strcmp(cmd, "cat >/dev/null");
}

static bool handle_open(struct conn *c, uint32_t remote, const unsigned char *d, size_t len)
{
	char svc[4096];
	const char *cmd;
	struct stream *s = NULL;
	size_t n = len < sizeof(svc) - 1 ? len : sizeof(svc) - 1;

	memcpy(svc, d, n);
	svc[n] = '\0';
	/* "shell:CMD" or "shell,ARGS:CMD" */
	if (strncmp(svc, "shell", 5) || !(svc[5] == ':' || svc[5] == ',') ||
	    !(cmd = strchr(svc, ':'))) {
		logf_("service \"%s\" not served: refused", svc);
		return send_msg(c, A_CLSE, 0, remote, NULL, 0);
	}
	cmd++;
	for (int i = 0; i < MAX_STREAMS; i++)
		if (!c->st[i].used) {
			s = &c->st[i];
			break;
		}
	if (!s) {
		logf_("too many streams: \"%s\" refused", svc);
		return send_msg(c, A_CLSE, 0, remote, NULL, 0);
	}
	s->used = true;
	s->local = c->next_id++;
	s->remote = remote;
	c->nstreams++;
	if (is_sink(cmd)) {
		s->sink = true;
	} else if (!strncmp(cmd, "echo ", 5) && !strpbrk(cmd + 5, "'\"\\$`;|&<>*?")) {
		/* answered here: no exec (slow in the nested guest) */
		if (asprintf(&s->out, "%s\n", cmd + 5) < 0)
			return false;
		s->out_len = strlen(s->out);
	} else {
		s->out = run_sh(cmd, &s->out_len);
		if (!s->out)
			return false;
	}
	logf_("stream %u (client %u): \"%s\"%s", s->local, remote, svc, s->sink ? " (sink)" : "");
	if (!send_msg(c, A_OKAY, s->local, s->remote, NULL, 0))
		return false;
	return stream_push(c, s);
}

/* a WRTE's header arrived: with --stall-read, the first WRTE past the limit is never read */
static bool stall_before_payload(struct conn *c)
{
	uint32_t cmd = get32(c->hdr), local = get32(c->hdr + 8), len = get32(c->hdr + 12);
	struct stream *s;

	if (!stall_set || !stall_read || cmd != A_WRTE)
		return false;
	s = find_stream(c, local);
	if (!s || s->rx < stall_after)
		return false;
	if (!s->stalled)
		c->nstalled++;
	s->stalled = true;
	c->stop_reading = true;
	logf_(
	    "STALL stream %u: WRTE %u %u len %u arrived after %llu bytes: not read, never OKAYed; "
	    "no longer reading the socket",
	    s->local, get32(c->hdr + 4), local, len, (unsigned long long)s->rx);
	return true;
}

static bool handle_msg(struct conn *c)
{
	uint32_t cmd = get32(c->hdr), a0 = get32(c->hdr + 4), a1 = get32(c->hdr + 8);
	const unsigned char *d = c->data;
	size_t len = c->data_len;
	struct stream *s;

	if (verbose)
		logf_("rx %s %u %u len %zu%s%s", cmd_name(cmd), a0, a1, len, len ? " " : "",
		      len && cmd != A_WRTE ? excerpt(d, len) : "");
	switch (cmd) {
	case A_CNXN:
		c->version = a0 < A_VERSION ? a0 : A_VERSION;
		c->maxdata = a1 < our_maxdata ? a1 : our_maxdata;
		if (c->maxdata < 4096)
			c->maxdata = 4096;
		c->online = true;
		logf_(
		    "client CNXN version 0x%08x maxdata %u: answering (version 0x%08x maxdata %u)",
		    a0, a1, c->version, c->maxdata);
		return send_msg(c, A_CNXN, c->version, our_maxdata, BANNER, sizeof(BANNER));
	case A_AUTH:
		logf_("AUTH from the client ignored (no authentication here)");
		return true;
	case A_OPEN:
		if (!c->online)
			return true;
		return handle_open(c, a0, d, len);
	case A_OKAY:
		s = find_stream(c, a1);
		if (!s)
			return true;
		s->remote = a0;
		s->wrte_pending = false;
		return stream_push(c, s);
	case A_WRTE:
		s = find_stream(c, a1);
		if (!s)
			return true;
		if (stall_set && s->rx >= stall_after) {
			if (!s->stalled) {
				c->nstalled++;
				logf_("STALL stream %u: WRTE of %zu bytes after %llu bytes: "
				      "never OKAYed, nor any later one",
				      s->local, len, (unsigned long long)s->rx);
			}
			s->stalled = true;
			s->rx += len;
			return true;
		}
		s->rx += len;
		return send_msg(c, A_OKAY, s->local, s->remote, NULL, 0);
	case A_CLSE:
		s = find_stream(c, a1);
		if (!s)
			return true;
		logf_("stream %u closed by the client (rx %llu tx %llu)", s->local,
		      (unsigned long long)s->rx, (unsigned long long)s->tx);
		if (!s->clse_sent && !send_msg(c, A_CLSE, s->local, s->remote, NULL, 0))
			return false;
		free_stream(s);
		return true;
	default:
		logf_("unknown command 0x%08x: ignored", cmd);
		return true;
	}
}

/* read what is there; false when the connection ended (EOF, error) */
static bool conn_read(struct conn *c)
{
	for (;;) {
		ssize_t r;

		if (c->stop_reading)
			return true;
		if (c->hdr_got < HDR_LEN) {
			r = read(c->fd, c->hdr + c->hdr_got, HDR_LEN - c->hdr_got);
		} else {
			r = read(c->fd, c->data + c->data_got, c->data_len - c->data_got);
		}
		if (r == 0) {
			logf_("connection closed by the client");
			return false;
		}
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return true;
			logf_("read: %s", strerror(errno));
			return false;
		}
		c->rx += (uint64_t)r;
		if (c->hdr_got < HDR_LEN) {
			c->hdr_got += (size_t)r;
			if (c->hdr_got < HDR_LEN)
				continue;
			uint32_t cmd = get32(c->hdr), len = get32(c->hdr + 12);

			if (get32(c->hdr + 20) != (cmd ^ 0xffffffffu) || len > MAX_PAYLOAD) {
				logf_("bad header (command 0x%08x magic 0x%08x len %u): closing",
				      cmd, get32(c->hdr + 20), len);
				return false;
			}
			c->data_len = len;
			c->data_got = 0;
			if (stall_before_payload(c))
				return true;
			if (len)
				continue;
		} else {
			c->data_got += (size_t)r;
			if (c->data_got < c->data_len)
				continue;
		}
		c->hdr_got = 0;
		if (!handle_msg(c))
			return false;
	}
}

static void serve(int fd, unsigned idx)
{
	struct conn c = { .fd = fd, .version = A_VERSION_MIN, .maxdata = 4096, .next_id = 1 };

	c.data = malloc(MAX_PAYLOAD);
	if (!c.data) {
		logf_("out of memory");
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (!stop_sig) {
		int64_t left = deadline - now_ms();
		struct pollfd pf = { .fd = fd, .events = c.stop_reading ? 0 : POLLIN };

		if (left <= 0) {
			logf_("time limit reached");
			break;
		}
		if (poll(&pf, 1, left > 500 ? 500 : (int)left) < 0 && errno != EINTR)
			break;
		if (!c.stop_reading && (pf.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !conn_read(&c))
			break;
	}
	logf_("conn %u ended: streams %u, rx %llu B, tx %llu B, stalled %u%s", idx, c.nstreams,
	      (unsigned long long)c.rx, (unsigned long long)c.tx, c.nstalled,
	      stop_sig ? " (stopped by a signal)" : "");
	for (int i = 0; i < MAX_STREAMS; i++)
		if (c.st[i].used)
			free_stream(&c.st[i]);
	free(c.data);
}

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void usage(void)
{
	fprintf(stderr, "usage: adbd_lab [-p PORT] [-t SECONDS] [-n CONNS] [-m MAXDATA] [-b BYTES] "
			"[-q] [--stall-after-bytes N [--stall-read]]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "stall-after-bytes", required_argument, NULL, 'S' },
		{ "stall-read", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned port = 5555, conns = 0, served = 0;
	long secs = 120;
	unsigned long long bufsize = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	int opt, lfd, rc = 0;

	while ((opt = getopt_long(argc, argv, "p:t:n:m:b:q", lo, NULL)) != -1) {
		switch (opt) {
		case 'p':
			port = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 't':
			secs = strtol(optarg, NULL, 0);
			break;
		case 'n':
			conns = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'm':
			our_maxdata = (uint32_t)strtoul(optarg, NULL, 0);
			if (our_maxdata < 4096 || our_maxdata > MAX_PAYLOAD)
				usage();
			break;
		case 'b':
			bufsize = strtoull(optarg, NULL, 0);
			break;
		case 'q':
			verbose = false;
			break;
		case 'S':
			stall_after = strtoull(optarg, NULL, 0);
			stall_set = true;
			break;
		case 'R':
			stall_read = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (stall_read && !stall_set))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	t_start = now_ms();
	deadline = t_start + secs * 1000;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("socket(AF_VSOCK)");
		return 1;
	}
	if (bufsize &&
	    setsockopt(lfd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &bufsize, sizeof(bufsize)) < 0) {
		perror("SO_VM_SOCKETS_BUFFER_SIZE");
		return 1;
	}
	struct sockaddr_vm sa_vm = { .svm_family = AF_VSOCK,
				     .svm_cid = VMADDR_CID_ANY,
				     .svm_port = port };

	if (bind(lfd, (struct sockaddr *)&sa_vm, sizeof(sa_vm)) < 0 || listen(lfd, 4) < 0) {
		perror("bind/listen");
		return 1;
	}
	logf_("listening on port %u (maxdata %u%s%s)", port, our_maxdata,
	      stall_set ? ", stall after bytes" : "", stall_read ? ", stall reading" : "");
	while (!stop_sig && (!conns || served < conns)) {
		int64_t left = deadline - now_ms();
		struct pollfd pf = { .fd = lfd, .events = POLLIN };

		if (left <= 0) {
			logf_("time limit of %ld s reached", secs);
			rc = 3;
			break;
		}
		if (poll(&pf, 1, left > 500 ? 500 : (int)left) <= 0)
			continue;
		struct sockaddr_vm peer;
		socklen_t pl = sizeof(peer);
		int fd = accept(lfd, (struct sockaddr *)&peer, &pl);

		if (fd < 0)
			continue;
		logf_("conn %u open from %u:%u", served, peer.svm_cid, peer.svm_port);
		serve(fd, served);
		close(fd);
		served++;
		if (!stop_sig && now_ms() >= deadline)
			rc = 3;
	}
	close(lfd);
	if (stop_sig)
		logf_("stopped by signal %d", (int)stop_sig);
	return rc;
}
