/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BIT(), BIT_ULL(), __fls() (index of the highest bit set; undefined for
 * 0) and hweight64() (bits set).
 */
#ifndef _SHIM_LINUX_BITOPS_H
#define _SHIM_LINUX_BITOPS_H

#define BIT(nr)		(1UL << (nr))
#define BIT_ULL(nr)	(1ULL << (nr))

static inline unsigned int hweight64(unsigned long long word)
{
	return __builtin_popcountll(word);
}

static inline unsigned long __fls(unsigned long word)
{
	return 8 * sizeof(word) - 1 - __builtin_clzl(word);
}

#endif
