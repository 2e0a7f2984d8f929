// SPDX-License-Identifier: GPL-2.0
/* /proc/kallsyms as a sorted table: address to symbol, symbol to address, code ranges. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ksyms.h"

struct ksym {
	uint64_t addr;
	uint32_t name; /* offsets into strs */
	uint32_t mod;  /* 0: built in */
	char type;
};

struct vd_ksyms {
	struct ksym *syms;
	size_t n, cap;
	char *strs;
	size_t slen, scap;
};

static uint32_t add_str(struct vd_ksyms *ks, const char *s, size_t n)
{
	uint32_t off;

	if (ks->slen + n + 1 > ks->scap) {
		ks->scap = (ks->slen + n + 1) * 2;
		ks->strs = vd_xrealloc(ks->strs, ks->scap, 1);
	}
	off = (uint32_t)ks->slen;
	memcpy(ks->strs + ks->slen, s, n);
	ks->strs[ks->slen + n] = '\0';
	ks->slen += n + 1;
	return off;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static bool is_text(char t)
{
	return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

struct vd_ksyms *vd_ksyms_load(const char *path)
{
	struct vd_ksyms *ks;
	char line[512], last_mod[64] = "";
	uint32_t last_mod_off = 0;
	FILE *f = fopen(path ? path : "/proc/kallsyms", "re");

	if (!f)
		return NULL;
	ks = vd_xcalloc(1, sizeof(*ks));
	add_str(ks, "", 0); /* offset 0: no module */
	while (fgets(line, sizeof(line), f)) {
		char *name, *end, *mod;
		uint64_t addr;
		char type;

		addr = strtoull(line, &end, 16);
		if (end == line || *end != ' ' || !end[1] || end[2] != ' ')
			continue;
		type = end[1];
		name = end + 3;
		name[strcspn(name, "\n")] = '\0';
		mod = strchr(name, '\t');
		if (mod) {
			*mod++ = '\0';
			mod += strspn(mod, "[");
			mod[strcspn(mod, "]")] = '\0';
		}
		if (!addr || !*name)
			continue;
		if (ks->n == ks->cap) {
			ks->cap = ks->cap ? ks->cap * 2 : 65536;
			ks->syms = vd_xrealloc(ks->syms, ks->cap, sizeof(*ks->syms));
		}
		ks->syms[ks->n].addr = addr;
		ks->syms[ks->n].type = type;
		ks->syms[ks->n].name = add_str(ks, name, strlen(name));
		if (mod && *mod) {
			/* a module's symbols come together: share one copy of its name */
			if (strcmp(mod, last_mod)) {
				snprintf(last_mod, sizeof(last_mod), "%s", mod);
				last_mod_off = add_str(ks, mod, strlen(mod));
			}
			ks->syms[ks->n].mod = last_mod_off;
		} else {
			ks->syms[ks->n].mod = 0;
		}
		ks->n++;
	}
	fclose(f);
	if (!ks->n) {
		vd_ksyms_free(ks);
		errno = EPERM; /* kptr_restrict: every address reads 0 */
		return NULL;
	}
	qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_addr);
	return ks;
}

void vd_ksyms_free(struct vd_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->strs);
	free(ks);
}

size_t vd_ksyms_count(const struct vd_ksyms *ks)
{
	return ks ? ks->n : 0;
}

/* the index + 1 of the last symbol at or below addr, 0 when none */
static size_t lookup(const struct vd_ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks ? ks->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#define MAX_FUNC_SIZE (2u << 20)

bool vd_ksyms_known(const struct vd_ksyms *ks, uint64_t addr)
{
	size_t i = lookup(ks, addr);

	return i && addr - ks->syms[i - 1].addr < MAX_FUNC_SIZE;
}

void vd_ksyms_format(const struct vd_ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	size_t lo = lookup(ks, addr);

	/* no symbol at or below it, or far past the last one: a bare address */
	if (!lo || addr - ks->syms[lo - 1].addr >= MAX_FUNC_SIZE) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		return;
	}
	{
		const struct ksym *s = &ks->syms[lo - 1];

		if (s->mod)
			snprintf(buf, len, "%s+0x%" PRIx64 "[%s]", ks->strs + s->name,
				 addr - s->addr, ks->strs + s->mod);
		else
			snprintf(buf, len, "%s+0x%" PRIx64, ks->strs + s->name, addr - s->addr);
	}
}

uint64_t vd_ksyms_addr(const struct vd_ksyms *ks, const char *name, bool text_only)
{
	for (size_t i = 0; ks && i < ks->n; i++)
		if ((!text_only || is_text(ks->syms[i].type)) &&
		    !strcmp(ks->strs + ks->syms[i].name, name))
			return ks->syms[i].addr;
	return 0;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static bool has_prefix(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (!strncmp(s, *list, strlen(*list)))
			return true;
	return false;
}

size_t vd_ksyms_code_ranges(const struct vd_ksyms *ks, const char *const *mods,
			    const char *const *prefixes, uint64_t *lo, uint64_t *hi, size_t max)
{
	size_t n = 0;
	bool open = false;

	for (size_t i = 0; ks && i < ks->n; i++) {
		const struct ksym *s = &ks->syms[i];
		bool want;
		uint64_t end = i + 1 < ks->n ? ks->syms[i + 1].addr : s->addr + 1;

		/* data symbols between a module's functions do not split its range */
		if (!is_text(s->type))
			continue;
		want = s->mod ? in_list(ks->strs + s->mod, mods)
			      : has_prefix(ks->strs + s->name, prefixes);
		if (!want) {
			open = false;
			continue;
		}
		if (open) {
			hi[n - 1] = end;
			continue;
		}
		if (n == max)
			break;
		lo[n] = s->addr;
		hi[n] = end;
		n++;
		open = true;
	}
	return n;
}
