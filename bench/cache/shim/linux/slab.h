/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvcalloc()/kvfree() from calloc()/free().  glibc serves tables this
 * large with mmap(), 4 KiB pages unless transparent huge pages are
 * "always" (bench/README.md: the kernel's kvmalloc() gets vmalloc()'s
 * 4 KiB pages too).
 */
#ifndef _SHIM_LINUX_SLAB_H
#define _SHIM_LINUX_SLAB_H

#include <stdlib.h>

#define GFP_KERNEL_ACCOUNT	0
#define __GFP_NOWARN		0

static inline void *kvcalloc(size_t n, size_t size, int flags)
{
	(void)flags;
	return calloc(n, size);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#endif
