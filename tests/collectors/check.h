/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The root test programs' checks (bpf-test, live-test): one line per check,
 * "ok   ..." or "FAIL ...", flushed at once (a test that crashes or is killed
 * still shows how far it got); the program prints the counts at the end.
 */
#ifndef VD_TEST_CHECK_H
#define VD_TEST_CHECK_H

#include <stdio.h>

static int pass, fail;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			pass++;                                                                    \
			printf("ok   ");                                                           \
		} else {                                                                           \
			fail++;                                                                    \
			printf("FAIL ");                                                           \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		fflush(stdout);                                                                    \
	} while (0)

#endif /* VD_TEST_CHECK_H */
