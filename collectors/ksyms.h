/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/kallsyms, read once: kernel addresses to "symbol+0xoff" (the BPF
 * layer's allocation stacks) and the address ranges of vsock, virtio and
 * vhost code (its skb-drop filter). Root sees real addresses; with
 * kptr_restrict every address reads 0 and the table stays empty.
 */
#ifndef VD_KSYMS_H
#define VD_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vd_ksyms;

/* NULL with errno when the file cannot be read or holds no address */
struct vd_ksyms *vd_ksyms_load(const char *path);
void vd_ksyms_free(struct vd_ksyms *ks);
size_t vd_ksyms_count(const struct vd_ksyms *ks);
/* "sym+0x1a" (module symbols: "sym+0x1a [mod]") into buf; "0x..." when unknown */
void vd_ksyms_format(const struct vd_ksyms *ks, uint64_t addr, char *buf, size_t len);
/*
 * Is addr inside a known function? false past the last symbol's plausible end
 * (2 MiB) or before the first: code loaded after the table was read (BPF).
 */
bool vd_ksyms_known(const struct vd_ksyms *ks, uint64_t addr);
/* the address of a symbol (a function when text_only), 0 when absent */
uint64_t vd_ksyms_addr(const struct vd_ksyms *ks, const char *name, bool text_only);

/*
 * Up to max [lo, hi) ranges covering the text of the modules named in mods
 * (NULL-terminated), or, for built-in code, of the symbols whose names start
 * with one of prefixes (adjacent symbols merged). Returns the count.
 */
size_t vd_ksyms_code_ranges(const struct vd_ksyms *ks, const char *const *mods,
			    const char *const *prefixes, uint64_t *lo, uint64_t *hi, size_t max);

#endif /* VD_KSYMS_H */
