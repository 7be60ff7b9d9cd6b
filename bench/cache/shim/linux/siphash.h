/* SPDX-License-Identifier: GPL-2.0 */
/* The two keyed hashes block_table.c uses; ../siphash.c has them. */
#ifndef _SHIM_LINUX_SIPHASH_H
#define _SHIM_LINUX_SIPHASH_H

#include <linux/types.h>

typedef struct {
	u64 key[2];
} siphash_key_t;

/* As the kernel's on 64-bit: SipHash-1-3 with a 128-bit key. */
typedef struct {
	unsigned long key[2];
} hsiphash_key_t;

u64 siphash_3u64(u64 a, u64 b, u64 c, const siphash_key_t *key);
u32 hsiphash_2u32(u32 a, u32 b, const hsiphash_key_t *key);

#endif
