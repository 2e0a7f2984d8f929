// SPDX-License-Identifier: GPL-2.0
/* /proc/kallsyms parsing: lookups, symbolization, code ranges, hostile lines. */
#include <stdlib.h>
#include <unistd.h>

#include "collectors/ksyms.h"
#include "vtest.h"

static char *write_tmp(const char *text)
{
	static char path[] = "/tmp/vd-ksyms-XXXXXX";
	int fd;

	snprintf(path, sizeof(path), "/tmp/vd-ksyms-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (write(fd, text, strlen(text)) < 0) {
		close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

static const char kallsyms[] = "ffffffff81000000 T _stext\n"
			       "ffffffff81001000 T vfs_read\n"
			       "ffffffff81001100 t vsock_connect\n"
			       "ffffffff81001200 t vsock_sendmsg\n"
			       "ffffffff81001300 T something_else\n"
			       "garbage line\n"
			       "ffffffffzz t bad_addr\n"
			       "0000000000000000 t hidden_by_kptr_restrict\n"
			       "ffffffffc0a00000 t vhost_vsock_handle_rx_kick\t[vhost_vsock]\n"
			       "ffffffffc0a00100 d vhost_vsock_fops\t[vhost_vsock]\n"
			       "ffffffffc0a00200 t vhost_vsock_handle_tx_kick\t[vhost_vsock]\n"
			       "ffffffffc0b00000 t other_mod_fn\t[other]\n";

VT_TEST(ksyms_lookup_and_format)
{
	char *path = write_tmp(kallsyms), buf[128];
	struct vd_ksyms *ks;

	VT_ASSERT(path);
	ks = vd_ksyms_load(path);
	unlink(path);
	VT_ASSERT(ks);
	VT_EQ_INT(vd_ksyms_count(ks), 9);
	VT_EQ_U64(vd_ksyms_addr(ks, "vfs_read", true), 0xffffffff81001000ull);
	VT_EQ_U64(vd_ksyms_addr(ks, "vhost_vsock_fops", true), 0); /* data, not text */
	VT_EQ_U64(vd_ksyms_addr(ks, "vhost_vsock_fops", false), 0xffffffffc0a00100ull);
	vd_ksyms_format(ks, 0xffffffff81001234ull, buf, sizeof(buf));
	VT_EQ_STR(buf, "vsock_sendmsg+0x34");
	vd_ksyms_format(ks, 0xffffffffc0a00010ull, buf, sizeof(buf));
	VT_EQ_STR(buf, "vhost_vsock_handle_rx_kick+0x10[vhost_vsock]");
	vd_ksyms_format(ks, 0x1000, buf, sizeof(buf));
	VT_EQ_STR(buf, "0x1000");
	vd_ksyms_free(ks);
}

VT_TEST(ksyms_code_ranges_modules_and_builtin)
{
	static const char *const mods[] = { "vhost_vsock", NULL };
	static const char *const prefixes[] = { "vsock_", NULL };
	char *path = write_tmp(kallsyms);
	uint64_t lo[4], hi[4];
	struct vd_ksyms *ks;
	size_t n;

	VT_ASSERT(path);
	ks = vd_ksyms_load(path);
	unlink(path);
	VT_ASSERT(ks);
	n = vd_ksyms_code_ranges(ks, mods, prefixes, lo, hi, 4);
	VT_EQ_INT(n, 2);
	/* built-in vsock_* functions merge into one range, up to the next symbol */
	VT_EQ_U64(lo[0], 0xffffffff81001100ull);
	VT_EQ_U64(hi[0], 0xffffffff81001300ull);
	/* the module's functions merge across its data symbol */
	VT_EQ_U64(lo[1], 0xffffffffc0a00000ull);
	VT_EQ_U64(hi[1], 0xffffffffc0b00000ull);
	VT_EQ_INT(vd_ksyms_code_ranges(ks, mods, prefixes, lo, hi, 1), 1);
	vd_ksyms_free(ks);
}

VT_TEST(ksyms_all_zero_addresses_is_an_error)
{
	char *path = write_tmp("0000000000000000 T a\n0000000000000000 t b\n");

	VT_ASSERT(path);
	VT_ASSERT(vd_ksyms_load(path) == NULL);
	unlink(path);
	VT_ASSERT(vd_ksyms_load("/nonexistent/kallsyms") == NULL);
}
