// SPDX-License-Identifier: GPL-2.0
/*
 * Inputs a source cannot read in place: standard input, a pipe, a FIFO, a
 * process substitution (nothing of those can be rewound, and correlate reads
 * each recording several times), and gzip, xz or zstd files (recognized by
 * their magic bytes, not their name).  Either is copied, decompressed as it
 * goes, into an unlinked temporary file (O_TMPFILE in $TMPDIR or /tmp, else
 * mkstemp and unlink), which the source then reads like any recording: a
 * trace.dat too, since libtracecmd reads through the descriptor.  The copy
 * is on disk, not in memory, so a recording of gigabytes fits; there is no
 * size limit (it would refuse real recordings), but a full temporary file
 * system stops the copy with an error naming TMPDIR.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "common/util.h"
#include "analyzers/sources/source_impl.h"

#define SPOOL_CHUNK (256u << 10)

static const unsigned char gz_magic[] = { 0x1f, 0x8b };
static const unsigned char xz_magic[] = { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 };
static const unsigned char zst_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };

enum vd_compression vd_compression_sniff(const void *buf, size_t n)
{
	if (n >= sizeof(gz_magic) && !memcmp(buf, gz_magic, sizeof(gz_magic)))
		return VD_COMP_GZIP;
	if (n >= sizeof(xz_magic) && !memcmp(buf, xz_magic, sizeof(xz_magic)))
		return VD_COMP_XZ;
	if (n >= sizeof(zst_magic) && !memcmp(buf, zst_magic, sizeof(zst_magic)))
		return VD_COMP_ZSTD;
	return VD_COMP_NONE;
}

const char *vd_tmp_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/tmp";
}

int vd_tmp_open(void)
{
	const char *dir = vd_tmp_dir();
	char *tmpl;
	int fd, e;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* O_TMPFILE needs file system support (not every one has it): the classic way */
	tmpl = vd_xcalloc(1, strlen(dir) + sizeof("/vsockdiag-XXXXXX"));
	sprintf(tmpl, "%s/vsockdiag-XXXXXX", dir);
	fd = mkostemp(tmpl, O_CLOEXEC);
	e = errno;
	if (fd >= 0)
		unlink(tmpl);
	free(tmpl);
	return fd >= 0 ? fd : -e;
}

struct spool {
	const char *name; /* the input, for messages */
	const char *what; /* "copy of standard input", "decompressed copy" */
	int in;		  /* read from here (its current offset) */
	int out;	  /* the temporary file */
	uint64_t written;
	char *err;
	size_t errlen;
};

static int spool_write(struct spool *s, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(s->out, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			if (e == ENOSPC || e == EDQUOT || e == EFBIG)
				snprintf(s->err, s->errlen,
					 "%s: the temporary file system is full (%s) after %" PRIu64
					 " MB of its %s in %s (TMPDIR): set TMPDIR to a directory "
					 "with more room, e.g. TMPDIR=/var/tmp, or save the "
					 "recording uncompressed to a file and give its name",
					 s->name, strerror(e), s->written >> 20, s->what,
					 vd_tmp_dir());
			else
				snprintf(s->err, s->errlen,
					 "%s: cannot write its %s in %s (TMPDIR): %s", s->name,
					 s->what, vd_tmp_dir(), strerror(e));
			return -e;
		}
		p += n;
		len -= (size_t)n;
		s->written += (uint64_t)n;
	}
	return 0;
}

/* bytes read (0: end of input) or -errno with a message */
static ssize_t spool_read(struct spool *s, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(s->in, buf, len);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		snprintf(s->err, s->errlen, "cannot read %s: %s", s->name, strerror(errno));
		return -errno;
	}
}

static int copy_plain(struct spool *s)
{
	char *buf = vd_xcalloc(1, SPOOL_CHUNK);
	ssize_t n;
	int ret = 0;

	while ((n = spool_read(s, buf, SPOOL_CHUNK)) > 0) {
		ret = spool_write(s, buf, (size_t)n);
		if (ret)
			break;
	}
	if (n < 0)
		ret = (int)n;
	free(buf);
	return ret;
}

static int truncated(struct spool *s, const char *tool)
{
	snprintf(s->err, s->errlen,
		 "%s: %s: unexpected end of input: the file is truncated; try '%s -t %s' "
		 "(copy it again, or decompress what is there by hand and give that)",
		 s->name, tool, tool, s->name);
	return -EINVAL;
}

static int corrupt(struct spool *s, const char *tool, const char *why)
{
	snprintf(s->err, s->errlen,
		 "%s: %s: %s: the compressed data is damaged; try '%s -t %s' (copy it again "
		 "from where it was recorded)",
		 s->name, tool, why, tool, s->name);
	return -EINVAL;
}

static int inflate_gzip(struct spool *s, unsigned char *in, unsigned char *out)
{
	z_stream z = { 0 };
	bool ended = false;
	ssize_t n;
	int zr, ret = 0;

	/* 15 + 32: a zlib or gzip header, detected */
	if (inflateInit2(&z, 15 + 32) != Z_OK) {
		snprintf(s->err, s->errlen, "%s: gzip: cannot start zlib (out of memory?)",
			 s->name);
		return -ENOMEM;
	}
	for (;;) {
		if (!z.avail_in) {
			n = spool_read(s, in, SPOOL_CHUNK);
			if (n < 0) {
				ret = (int)n;
				break;
			}
			if (!n) {
				if (!ended)
					ret = truncated(s, "gzip");
				break;
			}
			z.next_in = in;
			z.avail_in = (uInt)n;
		}
		if (ended) {
			/* gzip allows several members one after another (cat a.gz b.gz) */
			inflateReset(&z);
			ended = false;
		}
		z.next_out = out;
		z.avail_out = SPOOL_CHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			ret = corrupt(s, "gzip", z.msg ? z.msg : "invalid data");
			break;
		}
		ret = spool_write(s, out, SPOOL_CHUNK - z.avail_out);
		if (ret)
			break;
		if (zr == Z_STREAM_END)
			ended = true;
	}
	inflateEnd(&z);
	return ret;
}

static const char *lzma_why(lzma_ret r)
{
	switch (r) {
	case LZMA_MEM_ERROR:
		return "out of memory";
	case LZMA_MEMLIMIT_ERROR:
		return "memory limit reached";
	case LZMA_FORMAT_ERROR:
		return "file format not recognized";
	case LZMA_OPTIONS_ERROR:
		return "unsupported compression options";
	case LZMA_DATA_ERROR:
		return "compressed data is corrupt";
	default:
		return "decoder error";
	}
}

static int inflate_xz(struct spool *s, unsigned char *in, unsigned char *out)
{
	lzma_stream z = LZMA_STREAM_INIT;
	lzma_action action = LZMA_RUN;
	lzma_ret r;
	ssize_t n;
	int ret = 0;

	r = lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED);
	if (r != LZMA_OK) {
		snprintf(s->err, s->errlen, "%s: xz: cannot start liblzma: %s", s->name,
			 lzma_why(r));
		return -ENOMEM;
	}
	for (;;) {
		if (!z.avail_in && action == LZMA_RUN) {
			n = spool_read(s, in, SPOOL_CHUNK);
			if (n < 0) {
				ret = (int)n;
				break;
			}
			if (!n)
				action = LZMA_FINISH;
			z.next_in = in;
			z.avail_in = (size_t)n;
		}
		z.next_out = out;
		z.avail_out = SPOOL_CHUNK;
		r = lzma_code(&z, action);
		ret = spool_write(s, out, SPOOL_CHUNK - z.avail_out);
		if (ret)
			break;
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_BUF_ERROR) {
			ret = truncated(s, "xz");
			break;
		}
		if (r != LZMA_OK) {
			ret =
			    r == LZMA_MEM_ERROR || r == LZMA_MEMLIMIT_ERROR
				? (snprintf(s->err, s->errlen, "%s: xz: %s", s->name, lzma_why(r)),
				   -ENOMEM)
				: corrupt(s, "xz", lzma_why(r));
			break;
		}
	}
	lzma_end(&z);
	return ret;
}

static int inflate_zstd(struct spool *s, unsigned char *in, unsigned char *out)
{
	ZSTD_DCtx *z = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, 0, 0 };
	size_t zr = 0;
	ssize_t n;
	int ret = 0;

	if (!z) {
		snprintf(s->err, s->errlen, "%s: zstd: cannot start libzstd (out of memory?)",
			 s->name);
		return -ENOMEM;
	}
	for (;;) {
		if (ib.pos == ib.size) {
			n = spool_read(s, in, SPOOL_CHUNK);
			if (n < 0) {
				ret = (int)n;
				break;
			}
			/* zr: 0 once a frame is decoded and flushed, else more is due */
			if (!n) {
				if (zr)
					ret = truncated(s, "zstd");
				break;
			}
			ib.size = (size_t)n;
			ib.pos = 0;
		}
		do {
			ZSTD_outBuffer ob = { out, SPOOL_CHUNK, 0 };

			zr = ZSTD_decompressStream(z, &ob, &ib);
			if (ZSTD_isError(zr)) {
				ret = corrupt(s, "zstd", ZSTD_getErrorName(zr));
				goto out;
			}
			ret = spool_write(s, out, ob.pos);
			if (ret)
				goto out;
			/* a full output buffer may leave more to flush with no new input */
			if (ob.pos < ob.size)
				break;
		} while (1);
	}
out:
	ZSTD_freeDCtx(z);
	return ret;
}

FILE *vd_source_spool(FILE *fp, const char *name, enum vd_compression comp, char *err,
		      size_t errlen)
{
	struct spool s = { .name = name, .err = err, .errlen = errlen, .out = -1 };
	unsigned char *in = NULL, *out = NULL;
	FILE *res = NULL;
	int ret;

	s.in = fileno(fp);
	s.what = comp == VD_COMP_NONE ? "copy" : "decompressed copy";
	if (comp != VD_COMP_NONE && lseek(s.in, 0, SEEK_SET) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", name, strerror(-ret));
		goto out;
	}
	s.out = vd_tmp_open();
	if (s.out < 0) {
		ret = s.out;
		snprintf(err, errlen,
			 "%s: cannot create a temporary file in %s (TMPDIR) for its %s: %s: set "
			 "TMPDIR to a writable directory",
			 name, vd_tmp_dir(), s.what, strerror(-ret));
		goto out;
	}
	in = vd_xcalloc(1, SPOOL_CHUNK);
	out = vd_xcalloc(1, SPOOL_CHUNK);
	switch (comp) {
	case VD_COMP_GZIP:
		ret = inflate_gzip(&s, in, out);
		break;
	case VD_COMP_XZ:
		ret = inflate_xz(&s, in, out);
		break;
	case VD_COMP_ZSTD:
		ret = inflate_zstd(&s, in, out);
		break;
	default:
		ret = copy_plain(&s);
		break;
	}
	if (ret)
		goto out;
	if (lseek(s.out, 0, SEEK_SET) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot read back its %s: %s", name, s.what,
			 strerror(-ret));
		goto out;
	}
	res = fdopen(s.out, "rb");
	if (!res) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot read back its %s: %s", name, s.what,
			 strerror(-ret));
		goto out;
	}
	s.out = -1;
out:
	free(in);
	free(out);
	if (s.out >= 0)
		close(s.out);
	fclose(fp);
	if (!res)
		errno = -ret;
	return res;
}
