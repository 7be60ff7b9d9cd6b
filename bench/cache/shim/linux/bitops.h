/* SPDX-License-Identifier: GPL-2.0 */
/* BIT() and __fls() (index of the highest bit set; undefined for 0). */
#ifndef _SHIM_LINUX_BITOPS_H
#define _SHIM_LINUX_BITOPS_H

#define BIT(nr)		(1UL << (nr))

static inline unsigned long __fls(unsigned long word)
{
	return 8 * sizeof(word) - 1 - __builtin_clzl(word);
}

#endif
