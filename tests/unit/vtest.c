// SPDX-License-Identifier: GPL-2.0
/* Runner: ./unit [SUBSTRING] runs the tests whose name contains SUBSTRING. */
#include <stdarg.h>
#include <stdlib.h>

#include "vtest.h"

#define VT_MAX 1024

static struct {
	const char *name;
	vt_fn fn;
} tests[VT_MAX];
static int ntests;
int vt_current_failed;
static const char *current;

void vt_register(const char *name, vt_fn fn)
{
	if (ntests == VT_MAX) {
		fputs("vtest: too many tests\n", stderr);
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

void vt_skip(const char *file, int line, const char *fmt, ...)
{
	const char *ci = getenv("CI");
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ci && *ci)
		vt_fail(file, line, "cannot run under CI: %s", msg);
	else
		printf("  (skipping: %s)\n", msg);
}

void vt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s (%s:%d): ", current, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	vt_current_failed = 1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	/* constructors run in link order: sort so output is stable */
	qsort(tests, (size_t)ntests, sizeof(tests[0]), by_name);
	for (int i = 0; i < ntests; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		current = tests[i].name;
		vt_current_failed = 0;
		tests[i].fn();
		if (vt_current_failed)
			failed++;
		else
			passed++;
		if (getenv("VT_VERBOSE"))
			printf("%s %s\n", vt_current_failed ? "FAIL" : "ok  ", current);
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
