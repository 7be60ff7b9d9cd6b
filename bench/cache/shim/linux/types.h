/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's fixed-size types, from C11's; atomic64_t as the kernel has it. */
#ifndef _SHIM_LINUX_TYPES_H
#define _SHIM_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef uint16_t __be16;
typedef uint32_t __be32;

typedef struct {
	s64 counter;
} atomic64_t;

#endif
