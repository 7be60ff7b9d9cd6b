/* SPDX-License-Identifier: GPL-2.0 */
/* min, max and clamp, without the kernel's type checks. */
#ifndef _SHIM_LINUX_MINMAX_H
#define _SHIM_LINUX_MINMAX_H
#define max_t(type, a, b)	((type)(a) > (type)(b) ? (type)(a) : (type)(b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define min_t(type, a, b)	((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#define min(a, b)		((a) < (b) ? (a) : (b))
#define clamp_t(type, v, lo, hi)	min_t(type, max_t(type, v, lo), hi)
#endif
