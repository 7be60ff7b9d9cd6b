// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the blocklist's lookup tables.
 *
 * Lookup is controlled prefix expansion into keyed hash tables.  A prefix
 * of length L is stored at the level L rounded up to a multiple of 8 (at
 * most 128 slots: a /17 becomes 128 /24 slots), in one open-addressed table
 * per family keyed by (level, address masked to the level).  A lookup
 * probes each level that is in use once, longest first: at most 4 probes
 * for IPv4 and 16 for IPv6, whatever the number of entries and of distinct
 * prefix lengths (ipset's hash:net probes once per length, up to 33 or
 * 129).  The hash is keyed with random bytes drawn at module load, so
 * nobody can choose addresses that pile up in one probe chain.
 *
 * Nothing here knows of snapshots, feeds or locks (blockset.c): only the
 * headers a userspace shim can stand in for, so that bench/cache/ measures
 * this very file on the host's caches.
 */

#include <linux/bitops.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>

#include "block_table.h"

static hsiphash_key_t sg_hash_key4 __ro_after_init;
static siphash_key_t sg_hash_key6 __ro_after_init;

/* The hash keys, once at module load, before any table is built. */
void __init sg_block_table_seed(void)
{
	get_random_bytes(&sg_hash_key4, sizeof(sg_hash_key4));
	get_random_bytes(&sg_hash_key6, sizeof(sg_hash_key6));
}

static unsigned int sg_level(const struct sg_prefix *p)
{
	return p->len <= 8 ? 8 : round_up(p->len, 8);
}

static u32 sg_mask4(unsigned int len)
{
	return len ? ~0U << (32 - len) : 0;
}

static void sg_split6(const struct in6_addr *a, u64 *hi, u64 *lo)
{
	*hi = (u64)ntohl(a->s6_addr32[0]) << 32 | ntohl(a->s6_addr32[1]);
	*lo = (u64)ntohl(a->s6_addr32[2]) << 32 | ntohl(a->s6_addr32[3]);
}

static void sg_mask6(u64 *hi, u64 *lo, unsigned int len)
{
	if (len <= 64) {
		*hi &= len ? ~0ULL << (64 - len) : 0;
		*lo = 0;
	} else {
		*lo &= ~0ULL << (128 - len);
	}
}

static u32 sg_hash4(u32 key, unsigned int level)
{
	return hsiphash_2u32(key, level, &sg_hash_key4);
}

static u32 sg_hash6(u64 hi, u64 lo, unsigned int level)
{
	return (u32)siphash_3u64(hi, lo, level, &sg_hash_key6);
}

/* The levels each IPv4 filter stands for (bits of levels4). */
#define SG_NEAR4_LEVELS	(BIT(32 / 8 - 1) | BIT(24 / 8 - 1))
#define SG_FAR4_LEVELS	(BIT(16 / 8 - 1) | BIT(8 / 8 - 1))
#define SG_FAR4_SHIFT	16
#define SG_FAR4_BITS	(1U << (32 - SG_FAR4_SHIFT))
/* Near filter: about 16 bits per key, at least 4,096, at most one per /24. */
#define SG_NEAR4_BITS_PER_KEY	16
#define SG_NEAR4_MIN_SHIFT	(32 - 24)
#define SG_NEAR4_MAX_SHIFT	(32 - 12)

static bool sg_filter_has(const u64 *filter, u32 bit)
{
	return (READ_ONCE(filter[bit / 64]) >> (bit % 64)) & 1;
}

/* Writers only, one at a time; readers may be looking at the word. */
static void sg_filter_add(u64 *filter, u32 bit)
{
	WRITE_ONCE(filter[bit / 64], filter[bit / 64] | 1ULL << (bit % 64));
}

/* One probe per level of @levels, longest first. */
static __always_inline struct sg_block_entry *
sg_probe4(const struct sg_block_table *t, u32 a, unsigned long levels)
{
	while (levels) {
		unsigned int bit = __fls(levels);
		unsigned int level = (bit + 1) * 8;
		u32 key = a & sg_mask4(level);
		u32 i = sg_hash4(key, level) & t->mask4;

		levels &= ~BIT(bit);
		for (;; i = (i + 1) & t->mask4) {
			const struct sg_block_slot4 *s = &t->slots4[i];
			/* The entry, then its key (sg_slot4_insert()). */
			struct sg_block_entry *e = smp_load_acquire(&s->entry);

			if (!e)
				break;
			if (s->key == key && s->level == level) {
				if (!sg_block_slot_dead(e))
					return e;
				break;
			}
		}
	}
	return NULL;
}

struct sg_block_entry *sg_block_lookup4(const struct sg_block_table *t,
					__be32 addr)
{
	unsigned long levels = READ_ONCE(t->levels4);
	u32 a = ntohl(addr);

	if ((levels & SG_NEAR4_LEVELS) &&
	    sg_filter_has(t->near4, a >> t->near4_shift)) {
		struct sg_block_entry *e;

		e = sg_probe4(t, a, levels & SG_NEAR4_LEVELS);
		if (e)
			return e;
	}
	if ((levels & SG_FAR4_LEVELS) &&
	    sg_filter_has(t->far4, a >> SG_FAR4_SHIFT))
		return sg_probe4(t, a, levels & SG_FAR4_LEVELS);
	return NULL;
}

struct sg_block_entry *sg_block_lookup6(const struct sg_block_table *t,
					const struct in6_addr *addr)
{
	unsigned long levels = READ_ONCE(t->levels6);
	u64 ahi, alo;

	sg_split6(addr, &ahi, &alo);
	while (levels) {
		unsigned int bit = __fls(levels);
		unsigned int level = (bit + 1) * 8;
		u64 hi = ahi, lo = alo;
		u32 i;

		levels &= ~BIT(bit);
		sg_mask6(&hi, &lo, level);
		i = sg_hash6(hi, lo, level) & t->mask6;
		for (;; i = (i + 1) & t->mask6) {
			const struct sg_block_slot6 *s = &t->slots6[i];
			/* The entry, then its key (sg_slot6_insert()). */
			struct sg_block_entry *e = smp_load_acquire(&s->entry);

			if (!e)
				break;
			if (s->hi == hi && s->lo == lo && s->level == level) {
				if (!sg_block_slot_dead(e))
					return e;
				break;
			}
		}
	}
	return NULL;
}

/*
 * Keeps the most specific entry when two expand into the same slot; 1 when
 * it took an empty slot.
 */
static u32 sg_slot4_insert(struct sg_block_slot4 *slots, u32 mask, u32 key,
			   unsigned int level, struct sg_block_entry *e)
{
	u32 i = sg_hash4(key, level) & mask;

	for (; slots[i].entry; i = (i + 1) & mask) {
		if (slots[i].key == key && slots[i].level == level) {
			if (e->pfx.len > slots[i].entry->pfx.len)
				slots[i].entry = e;
			return 0;
		}
	}
	slots[i].key = key;
	slots[i].level = level;
	/* The key before the entry: see struct sg_block_slot4. */
	smp_store_release(&slots[i].entry, e);
	return 1;
}

static u32 sg_slot6_insert(struct sg_block_slot6 *slots, u32 mask, u64 hi,
			   u64 lo, unsigned int level,
			   struct sg_block_entry *e)
{
	u32 i = sg_hash6(hi, lo, level) & mask;

	for (; slots[i].entry; i = (i + 1) & mask) {
		if (slots[i].hi == hi && slots[i].lo == lo &&
		    slots[i].level == level) {
			if (e->pfx.len > slots[i].entry->pfx.len)
				slots[i].entry = e;
			return 0;
		}
	}
	slots[i].hi = hi;
	slots[i].lo = lo;
	slots[i].level = level;
	/* The key before the entry: see struct sg_block_slot4. */
	smp_store_release(&slots[i].entry, e);
	return 1;
}

/*
 * At most half full, so a miss ends after about two slots.  The caller
 * bounds the slots (max_slots of sg_block_table_build()), so the size
 * fits a u32 and the table kvmalloc()'s limit.
 */
static u32 sg_table_size(u64 slots)
{
	return slots ? roundup_pow_of_two(max_t(u64, slots * 2, 16)) : 0;
}

/* The shift of a near filter for @keys keys of level 24 or 32. */
static u8 sg_near4_shift(u64 keys)
{
	u8 shift = SG_NEAR4_MAX_SHIFT;

	while (shift > SG_NEAR4_MIN_SHIFT &&
	       (1ULL << (32 - shift)) < keys * SG_NEAR4_BITS_PER_KEY)
		shift--;
	return shift;
}

/* The filter bits for IPv4 key @key of @level, before its slot. */
static void sg_filter4_add(struct sg_block_table *t, u32 key,
			   unsigned int level)
{
	u32 bit, last;

	if (level >= 24) {
		sg_filter_add(t->near4, key >> t->near4_shift);
		return;
	}
	/* A level-8 key covers 256 /16s. */
	bit = key >> SG_FAR4_SHIFT;
	last = (key | ~sg_mask4(level)) >> SG_FAR4_SHIFT;
	do
		sg_filter_add(t->far4, bit);
	while (bit++ != last);
}

static size_t sg_near4_size(u8 shift)
{
	return (1UL << (32 - shift)) / 8;
}

static size_t sg_near4_bytes(const struct sg_block_table *t)
{
	return t->near4 ? sg_near4_size(t->near4_shift) : 0;
}

/*
 * The tables of @nr entries, into @t (zeroed by the caller).  -ENOSPC
 * when the prefixes expand to more than @max_slots slots, -ENOMEM; @t
 * then holds nothing to free.
 */
int sg_block_table_build(struct sg_block_table *t,
			 struct sg_block_entry *const *entries, u32 nr,
			 u64 max_slots)
{
	u64 want4 = 0, want6 = 0, near4 = 0;
	struct sg_block_slot4 *slots4 = NULL;
	struct sg_block_slot6 *slots6 = NULL;
	u32 n, size4, size6;

	for (n = 0; n < nr; n++) {
		const struct sg_prefix *p = &entries[n]->pfx;
		unsigned int level = sg_level(p);

		if (p->family == AF_INET) {
			want4 += 1U << (level - p->len);
			if (level >= 24)
				near4 += 1U << (level - p->len);
			t->levels4 |= BIT(level / 8 - 1);
			t->host_shared4 |= level == 32 && p->len < 32;
		} else {
			want6 += 1U << (level - p->len);
			t->levels6 |= BIT(level / 8 - 1);
			t->host_shared6 |= level == 128 && p->len < 128;
		}
	}
	if (want4 + want6 > max_slots)
		return -ENOSPC;

	size4 = sg_table_size(want4);
	size6 = sg_table_size(want6);
	if (size4) {
		slots4 = kvcalloc(size4, sizeof(*slots4),
				  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		/* Even without such keys: host entries come in place. */
		t->near4_shift = sg_near4_shift(near4);
		t->near4 = kvcalloc(1, sg_near4_size(t->near4_shift),
				    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (t->levels4 & SG_FAR4_LEVELS)
			t->far4 = kvcalloc(1, SG_FAR4_BITS / 8,
					   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!slots4 || !t->near4 ||
		    (!t->far4 && (t->levels4 & SG_FAR4_LEVELS)))
			goto nomem;
	}
	if (size6) {
		slots6 = kvcalloc(size6, sizeof(*slots6),
				  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!slots6)
			goto nomem;
	}

	for (n = 0; n < nr; n++) {
		struct sg_block_entry *e = entries[n];
		unsigned int level = sg_level(&e->pfx);
		unsigned int i, count = 1U << (level - e->pfx.len);

		if (e->pfx.family == AF_INET) {
			u32 base = ntohl(e->pfx.addr.s6_addr32[0]);

			for (i = 0; i < count; i++) {
				u32 key = base + (i << (32 - level));

				sg_filter4_add(t, key, level);
				t->used4 += sg_slot4_insert(slots4, size4 - 1,
							    key, level, e);
			}
		} else {
			u64 hi, lo;

			sg_split6(&e->pfx.addr, &hi, &lo);
			for (i = 0; i < count; i++) {
				u64 h = hi, l = lo;

				if (level <= 64)
					h += (u64)i << (64 - level);
				else
					l += (u64)i << (128 - level);
				t->used6 += sg_slot6_insert(slots6, size6 - 1,
							    h, l, level, e);
			}
		}
		if (!(n & 4095))
			cond_resched();
	}

	t->slots4 = slots4;
	t->slots6 = slots6;
	t->mask4 = size4 ? size4 - 1 : 0;
	t->mask6 = size6 ? size6 - 1 : 0;
	return 0;

nomem:
	kvfree(slots4);
	kvfree(t->near4);
	kvfree(t->far4);
	t->near4 = NULL;
	t->far4 = NULL;
	return -ENOMEM;
}

/*
 * Whether @more host prefixes of @family can go into @t in place: it has
 * a table for them, no shorter prefix expands to the host level (so a
 * host's slot holds that host's entry alone), and the table stays at most
 * 5/8 used, tombstones included, so a miss still ends within a few slots.
 */
bool sg_block_table_host_ready(const struct sg_block_table *t, int family,
			       u32 more)
{
	if (family == AF_INET)
		return t->slots4 && !t->host_shared4 &&
		       (u64)t->used4 + more <= ((u64)t->mask4 + 1) * 5 / 8;
	return t->slots6 && !t->host_shared6 &&
	       (u64)t->used6 + more <= ((u64)t->mask6 + 1) * 5 / 8;
}

/*
 * The entry field of host prefix @p's slot, live or dead, or NULL when
 * it has none.  Only for a table that is sg_block_table_host_ready().
 */
struct sg_block_entry **sg_block_table_host_slot(struct sg_block_table *t,
						 const struct sg_prefix *p)
{
	if (p->family == AF_INET) {
		u32 key = ntohl(p->addr.s6_addr32[0]);
		u32 i = sg_hash4(key, 32) & t->mask4;

		for (; t->slots4[i].entry; i = (i + 1) & t->mask4) {
			if (t->slots4[i].key == key && t->slots4[i].level == 32)
				return &t->slots4[i].entry;
		}
	} else {
		u64 hi, lo;
		u32 i;

		sg_split6(&p->addr, &hi, &lo);
		i = sg_hash6(hi, lo, 128) & t->mask6;
		for (; t->slots6[i].entry; i = (i + 1) & t->mask6) {
			if (t->slots6[i].hi == hi && t->slots6[i].lo == lo &&
			    t->slots6[i].level == 128)
				return &t->slots6[i].entry;
		}
	}
	return NULL;
}

/*
 * Host entry @e, which has no slot yet, into an empty one of a ready
 * table, for readers to find from the moment the entry pointer is stored.
 */
void sg_block_table_host_insert(struct sg_block_table *t,
				struct sg_block_entry *e)
{
	if (e->pfx.family == AF_INET) {
		u32 key = ntohl(e->pfx.addr.s6_addr32[0]);

		sg_filter4_add(t, key, 32);
		t->used4 += sg_slot4_insert(t->slots4, t->mask4, key, 32, e);
		WRITE_ONCE(t->levels4, t->levels4 | BIT(32 / 8 - 1));
	} else {
		u64 hi, lo;

		sg_split6(&e->pfx.addr, &hi, &lo);
		t->used6 += sg_slot6_insert(t->slots6, t->mask6, hi, lo, 128,
					    e);
		WRITE_ONCE(t->levels6, t->levels6 | BIT(128 / 8 - 1));
	}
}

/* The bytes of @t's slots and filters. */
size_t sg_block_table_bytes(const struct sg_block_table *t)
{
	return (t->slots4 ? ((size_t)t->mask4 + 1) * sizeof(*t->slots4) : 0) +
	       (t->slots6 ? ((size_t)t->mask6 + 1) * sizeof(*t->slots6) : 0) +
	       sg_near4_bytes(t) + (t->far4 ? SG_FAR4_BITS / 8 : 0);
}

void sg_block_table_free(struct sg_block_table *t)
{
	kvfree(t->slots4);
	kvfree(t->slots6);
	kvfree(t->near4);
	kvfree(t->far4);
	t->slots4 = NULL;
	t->slots6 = NULL;
	t->near4 = NULL;
	t->far4 = NULL;
}
