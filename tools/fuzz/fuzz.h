/* SPDX-License-Identifier: GPL-2.0 */
/* Checks shared by the libFuzzer targets. */
#ifndef SG_FUZZ_H
#define SG_FUZZ_H

#include <stdlib.h>
#include <string.h>

/*
 * One line of printable ASCII, NUL-terminated within its buffer: what an
 * error message or a quoted argument must be.
 */
static inline void sg_fuzz_check_line(const char *s, size_t buflen)
{
	size_t n = strnlen(s, buflen);

	if (n == buflen)
		abort();
	while (n--) {
		unsigned char c = (unsigned char)s[n];

		if (c < 0x20 || c > 0x7e)
			abort();
	}
}

#endif /* SG_FUZZ_H */
