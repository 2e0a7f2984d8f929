/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny unit-test harness: tests register themselves, the runner prints
 * each failure with file:line and closes with "N passed, N failed".
 */
#ifndef VTEST_H
#define VTEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef void (*vt_fn)(void);
void vt_register(const char *name, vt_fn fn);
void vt_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
extern int vt_current_failed;
/*
 * A test that cannot run here says why; under CI (CI set in the environment) that
 * is a failure: a test that cannot run must never pass quietly there.
 */
void vt_skip(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define VT_SKIP(...) vt_skip(__FILE__, __LINE__, __VA_ARGS__)

#define VT_TEST(name)                                                                              \
	static void name(void);                                                                    \
	__attribute__((constructor)) static void vt_reg_##name(void)                               \
	{                                                                                          \
		vt_register(#name, name);                                                          \
	}                                                                                          \
	static void name(void)

#define VT_ASSERT(cond)                                                                            \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			vt_fail(__FILE__, __LINE__, "assertion failed: %s", #cond);                \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define VT_EQ_INT(a, b)                                                                            \
	do {                                                                                       \
		long long va_ = (long long)(a), vb_ = (long long)(b);                             \
		if (va_ != vb_) {                                                                  \
			vt_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, va_,   \
				#b, vb_);                                                          \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define VT_EQ_U64(a, b)                                                                            \
	do {                                                                                       \
		uint64_t va_ = (uint64_t)(a), vb_ = (uint64_t)(b);                                 \
		if (va_ != vb_) {                                                                  \
			vt_fail(__FILE__, __LINE__, "%s == %" PRIu64 ", expected %" PRIu64, #a,    \
				va_, vb_);                                                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define VT_EQ_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *va_ = (a), *vb_ = (b);                                                 \
		if (!va_ || !vb_ || strcmp(va_, vb_)) {                                            \
			vt_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,           \
				va_ ? va_ : "(null)", vb_ ? vb_ : "(null)");                       \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#endif /* VTEST_H */
