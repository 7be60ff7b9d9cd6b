// SPDX-License-Identifier: GPL-2.0
/*
 * The two keyed hashes of block_table.c, written from the SipHash paper
 * (Aumasson, Bernstein 2012) to give what the kernel's lib/siphash.c
 * gives on a 64-bit machine:
 *
 *  siphash_3u64():  SipHash-2-4 of the 24 bytes a, b, c (each a
 *                   little-endian word), 64-bit result.
 *  hsiphash_2u32(): on 64-bit, "hsiphash" is SipHash-1-3 with the same
 *                   128-bit key, of the 8 bytes a, b, truncated to 32 bits.
 *
 * lookup_bench.c checks both against the reference test vectors.
 */
#include <linux/siphash.h>

static inline u64 rotl64(u64 x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

struct sip {
	u64 v0, v1, v2, v3;
};

static inline void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl64(s->v2, 32);
}

static inline void sip_init(struct sip *s, u64 k0, u64 k1)
{
	/* "somepseudorandomlygeneratedbytes" */
	s->v0 = k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k1 ^ 0x7465646279746573ULL;
}

/* One message word through @c compression rounds. */
static inline void sip_word(struct sip *s, u64 m, int c)
{
	s->v3 ^= m;
	while (c--)
		sip_round(s);
	s->v0 ^= m;
}

static inline u64 sip_final(struct sip *s, int d)
{
	s->v2 ^= 0xff;
	while (d--)
		sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

u64 siphash_3u64(u64 a, u64 b, u64 c, const siphash_key_t *key)
{
	struct sip s;

	sip_init(&s, key->key[0], key->key[1]);
	sip_word(&s, a, 2);
	sip_word(&s, b, 2);
	sip_word(&s, c, 2);
	/* The last word: the length in its top byte, no bytes left over. */
	sip_word(&s, (u64)24 << 56, 2);
	return sip_final(&s, 4);
}

u32 hsiphash_2u32(u32 a, u32 b, const hsiphash_key_t *key)
{
	struct sip s;

	sip_init(&s, key->key[0], key->key[1]);
	sip_word(&s, (u64)b << 32 | a, 1);
	sip_word(&s, (u64)8 << 56, 1);
	return (u32)sip_final(&s, 3);
}
