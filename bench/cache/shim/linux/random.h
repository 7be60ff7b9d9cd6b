/* SPDX-License-Identifier: GPL-2.0 */
/* get_random_bytes() from getrandom(2). */
#ifndef _SHIM_LINUX_RANDOM_H
#define _SHIM_LINUX_RANDOM_H

#include <stddef.h>
#include <stdlib.h>
#include <sys/random.h>

static inline void get_random_bytes(void *buf, size_t len)
{
	if (getrandom(buf, len, 0) != (ssize_t)len)
		abort();
}

#endif
