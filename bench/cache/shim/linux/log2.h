/* SPDX-License-Identifier: GPL-2.0 */
/*
 * roundup_pow_of_two(): the least power of two >= n, for n >= 1;
 * ilog2(): the greatest power of two <= n, as its exponent, n >= 1.
 */
#ifndef _SHIM_LINUX_LOG2_H
#define _SHIM_LINUX_LOG2_H

static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	return n <= 1 ? 1 : 1UL << (8 * sizeof(n) - __builtin_clzl(n - 1));
}

static inline int ilog2(unsigned long n)
{
	return 8 * sizeof(n) - 1 - __builtin_clzl(n);
}

#endif
