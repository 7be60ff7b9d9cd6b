/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough KTAP for the unit tests: "ok N desc" / "not ok N desc",
 * a trailing plan, exit status 0 only if every test passed.
 */
#ifndef SG_KTAP_H
#define SG_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int ktap_count, ktap_failed;

static inline void ktap_header(void)
{
	printf("TAP version 13\n");
}

static inline bool ktap_ok(bool pass, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline bool ktap_ok(bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", pass ? "" : "not ", ++ktap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!pass)
		ktap_failed++;
	return pass;
}

/* A "# " line that explains a failure. */
static inline void ktap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static inline void ktap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline int ktap_finish(void)
{
	printf("1..%d\n", ktap_count);
	printf("# %d passed, %d failed\n", ktap_count - ktap_failed,
	       ktap_failed);
	fflush(stdout);
	return ktap_failed ? 1 : 0;
}

#endif /* SG_KTAP_H */
