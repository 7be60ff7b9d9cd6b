/* SPDX-License-Identifier: GPL-2.0 */
/* round_up(x, y): x rounded up to a multiple of y. */
#ifndef _SHIM_LINUX_MATH_H
#define _SHIM_LINUX_MATH_H
#define round_up(x, y)	((((x) + (y) - 1) / (y)) * (y))
#endif
