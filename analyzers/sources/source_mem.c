// SPDX-License-Identifier: GPL-2.0
/*
 * A recording in memory as a source.  The bytes go into an anonymous memory
 * file (memfd_create), sealed once written, and from there through
 * vd_source_open_stream() like any file: the text source reads it with
 * stdio, libtracecmd with its descriptor, rewind seeks, and every check and
 * message is the file source's own.  Nothing touches the file system.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/util.h"
#include "analyzers/sources/source_impl.h"

struct vd_source *vd_source_open_mem(const char *name, const void *buf, size_t len, char *err,
				     size_t errlen)
{
	FILE *fp = NULL;
	int fd = -1, ret;

	if (!name)
		name = "(memory)";
	if (!buf && len) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: no buffer for %zu bytes: pass the recording's bytes",
			 name, len);
		goto fail;
	}
	fd = memfd_create("vsockdiag-source", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen,
			 "%s: cannot hold the recording in memory (memfd_create: %s): save it to "
			 "a file and open that instead",
			 name, strerror(-ret));
		goto fail;
	}
	ret = vd_pwrite_all(fd, buf, len, 0);
	if (ret) {
		snprintf(err, errlen,
			 "%s: cannot copy %zu bytes into memory (%s): free some memory, or save "
			 "the recording to a file and open that instead",
			 name, len, strerror(-ret));
		goto fail;
	}
	/* what the source reads can no longer change under it (best effort) */
	(void)fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	if (lseek(fd, 0, SEEK_SET) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot read the in-memory copy: %s", name,
			 strerror(-ret));
		goto fail;
	}
	fp = fdopen(fd, "rb");
	if (!fp) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot read the in-memory copy: %s", name,
			 strerror(-ret));
		goto fail;
	}
	/* fp (and with it fd) now belongs to the call, whatever it returns */
	return vd_source_open_stream(fp, name, err, errlen);
fail:
	if (fd >= 0)
		close(fd);
	errno = -ret;
	return NULL;
}
