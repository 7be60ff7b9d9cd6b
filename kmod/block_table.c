// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the blocklist's lookup tables.
 *
 * Permanent host entries are packed (block_table.h): a directory by the
 * top bits points to a bucket of sorted keys, searched by bisection.  The
 * rest is controlled prefix expansion into keyed hash tables.  A prefix
 * of length L is stored at the level L rounded up to a multiple of 8 (at
 * most 128 slots: a /17 becomes 128 /24 slots), in one open-addressed table
 * per family keyed by (level, address masked to the level).  A lookup
 * probes each level that is in use once, longest first: at most 4 probes
 * for IPv4 and 16 for IPv6, whatever the number of entries and of distinct
 * prefix lengths (ipset's hash:net probes once per length, up to 33 or
 * 129).  The hash is keyed with random bytes drawn at module load, so
 * nobody can choose addresses that pile up in one probe chain.  Before a
 * probe, a presence filter (struct sg_block_table) says whether anything
 * of that level is near the address; for an unlisted one it mostly says
 * no, and the probe, its hash and its likely cache miss are skipped.
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
#include <linux/string.h>
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

#define SG_WIDE4_SHIFT		16	/* a bit per /16 */
/* IPv6 filters (bits of levels6): 64 to 128 and 32 to 56. */
#define SG_FILTER6_HOST_LEVELS	0xff80UL
#define SG_FILTER6_NET_LEVELS	0x0078UL
#define SG_LEVEL6_HOST		BIT(128 / 8 - 1)
/* Sized filters: about 16 bits per key, 2^12 to 2^24 (IPv4: one per /24). */
#define SG_FILTER_BITS_PER_KEY	16
#define SG_FILTER_MIN_LOG2	12
#define SG_FILTER_MAX_LOG2	24
/* Spreads /64s over the IPv6 filter (2^64 / golden ratio, odd). */
#define SG_FILTER6_MULT		0x9e3779b97f4a7c15ULL

/* Writers only, one at a time; readers may be looking at the word. */
static void sg_filter_add(u64 *filter, u32 bit)
{
	WRITE_ONCE(filter[bit / 64], filter[bit / 64] | 1ULL << (bit % 64));
}

/* The IPv4 entry of @level for @a, found by one probe, or NULL. */
static __always_inline struct sg_block_entry *
sg_probe4(const struct sg_block_table *t, u32 a, unsigned int level)
{
	u32 key = a & sg_mask4(level);
	u32 i = sg_hash4(key, level) & t->mask4;

	for (;; i = (i + 1) & t->mask4) {
		const struct sg_block_slot4 *s = &t->slots4[i];
		/* The entry, then its key (sg_slot4_insert()). */
		struct sg_block_entry *e = smp_load_acquire(&s->entry);

		if (!e)
			return NULL;
		if (s->key == key && s->level == level)
			return sg_block_slot_dead(e) ? NULL : e;
	}
}

/* A live entry @e, its feeds read once, as the match; false if none. */
static __always_inline bool sg_match_entry(struct sg_block_entry *e,
					   struct sg_block_match *m)
{
	u64 feeds;

	if (!e)
		return false;
	/* Acquire: a feed opened in place is named before its bit shows. */
	feeds = smp_load_acquire(&e->feeds);
	if (!feeds)
		return false;
	m->e = e;
	m->feeds = feeds;
	return true;
}

/* Packed host @host of the table, with feed-set @ids[host], as the match. */
static __always_inline bool sg_match_packed(const struct sg_block_table *t,
					    const u16 *ids, u32 host,
					    u16 family, struct sg_block_match *m)
{
	/* Acquire: its feed set is written before the id (feedset_get()). */
	u16 id = smp_load_acquire(&ids[host]);

	if (!id)
		return false;
	m->e = NULL;
	m->host = host;
	m->family = family;
	m->feeds = READ_ONCE(t->feedsets[id]);
	return true;
}

/* The packed IPv4 host @a: its bucket of the directory, searched. */
static __always_inline bool sg_packed4(const struct sg_block_table *t, u32 a,
				       struct sg_block_match *m)
{
	const struct sg_block_hosts4 *h = &t->hosts4;
	u32 lo, hi, end;

	if (!h->nr)
		return false;
	lo = h->dir[a >> h->shift];
	end = h->dir[(a >> h->shift) + 1];
	for (hi = end; lo < hi;) {
		u32 mid = lo + (hi - lo) / 2;

		if (h->keys[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < end && h->keys[lo] == a &&
	       sg_match_packed(t, h->ids, lo, AF_INET, m);
}

/*
 * sg_block_lookup4() past the filters: the levels of @levels (those whose
 * filter bit was set), longest first; level 32 in the packed hosts, then
 * in the slots.  Unrolled, so that each probe's mask and level are
 * constants.
 */
bool sg_block_probe4(const struct sg_block_table *t, unsigned long levels,
		     u32 a, struct sg_block_match *m)
{
	if ((levels & SG_LEVEL4(32)) &&
	    (sg_packed4(t, a, m) ||
	     (t->slots4 && sg_match_entry(sg_probe4(t, a, 32), m))))
		return true;
	if ((levels & SG_LEVEL4(24)) && sg_match_entry(sg_probe4(t, a, 24), m))
		return true;
	if ((levels & SG_LEVEL4(16)) && sg_match_entry(sg_probe4(t, a, 16), m))
		return true;
	return (levels & SG_LEVEL4(8)) && sg_match_entry(sg_probe4(t, a, 8), m);
}

/*
 * The bit of the address whose upper half is @hi in IPv6 filter @f: the
 * hash of its /64 or of its /32.
 */
static u32 sg_filter6_bit(const struct sg_block_table *t, unsigned int f,
			  u64 hi)
{
	u64 block = f == SG_FILTER6_HOSTS ? hi : hi >> 32;

	return (block * SG_FILTER6_MULT) >> t->filter6_shift[f];
}

/* Whether IPv6 filter @f has @hi's bit set (one of @levels is in use). */
static bool sg_filter6_has(const struct sg_block_table *t, unsigned int f,
			   unsigned long levels, u64 hi)
{
	return levels && sg_block_filter_has(t->filter6[f],
					     sg_filter6_bit(t, f, hi));
}

/* The IPv6 filter of @level's keys, or -1 for levels 8 to 24 (none). */
static int sg_filter6_of(unsigned int level)
{
	if (level >= 64)
		return SG_FILTER6_HOSTS;
	return level >= 32 ? SG_FILTER6_NETS : -1;
}

static __always_inline bool sg_probe6(const struct sg_block_table *t,
				      u64 ahi, u64 alo, unsigned long levels,
				      struct sg_block_match *m)
{
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
				if (!sg_block_slot_dead(e) &&
				    sg_match_entry(e, m))
					return true;
				break;
			}
		}
	}
	return false;
}

static bool sg_key6_less(const struct sg_block_key6 *k, u64 hi, u64 lo)
{
	return k->hi < hi || (k->hi == hi && k->lo < lo);
}

/* The packed IPv6 host (@hi, @lo), as sg_packed4(). */
static bool sg_packed6(const struct sg_block_table *t, u64 hi, u64 lo,
		       struct sg_block_match *m)
{
	const struct sg_block_hosts6 *h = &t->hosts6;
	u32 l, r, end;

	if (!h->nr)
		return false;
	l = h->dir[hi >> h->shift];
	end = h->dir[(hi >> h->shift) + 1];
	for (r = end; l < r;) {
		u32 mid = l + (r - l) / 2;

		if (sg_key6_less(&h->keys[mid], hi, lo))
			l = mid + 1;
		else
			r = mid;
	}
	return l < end && h->keys[l].hi == hi && h->keys[l].lo == lo &&
	       sg_match_packed(t, h->ids, l, AF_INET6, m);
}

/* Longest first: the hosts' filter's levels, the nets', the rest. */
bool sg_block_lookup6(const struct sg_block_table *t,
		      const struct in6_addr *addr, struct sg_block_match *m)
{
	unsigned long levels = READ_ONCE(t->levels6);
	unsigned long hosts = levels & SG_FILTER6_HOST_LEVELS;
	unsigned long nets = levels & SG_FILTER6_NET_LEVELS;
	u64 ahi, alo;

	sg_split6(addr, &ahi, &alo);
	if (sg_filter6_has(t, SG_FILTER6_HOSTS, hosts, ahi) &&
	    (((hosts & SG_LEVEL6_HOST) && sg_packed6(t, ahi, alo, m)) ||
	     (t->slots6 && sg_probe6(t, ahi, alo, hosts, m))))
		return true;
	if (sg_filter6_has(t, SG_FILTER6_NETS, nets, ahi) &&
	    sg_probe6(t, ahi, alo, nets, m))
		return true;
	levels &= ~(SG_FILTER6_HOST_LEVELS | SG_FILTER6_NET_LEVELS);
	return levels && sg_probe6(t, ahi, alo, levels, m);
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

/* log2 of the bits of a filter for @keys keys: about 16 bits a key. */
static unsigned int sg_filter_log2(u64 keys)
{
	unsigned int log2 = SG_FILTER_MIN_LOG2;

	while (log2 < SG_FILTER_MAX_LOG2 &&
	       (1ULL << log2) < keys * SG_FILTER_BITS_PER_KEY)
		log2++;
	return log2;
}

/* The IPv4 filter of @level's keys. */
static unsigned int sg_filter4_of(unsigned int level)
{
	return level >= 24 ? level / 8 - 2 : SG_FILTER4_WIDE;
}

/* The bytes of a filter of 2^@log2 bits (at least 256). */
static size_t sg_filter_size(unsigned int log2)
{
	return (1UL << log2) / 8;
}

static u64 *sg_filter_alloc(unsigned int log2)
{
	return kvcalloc(1, sg_filter_size(log2),
			GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
}

static size_t sg_nets24_size(u32 leaves)
{
	return sizeof(struct sg_block_nets24) +
	       (size_t)leaves * SG_NETS24_LEAF_WORDS * sizeof(u64);
}

/* The /16s present in @x, one leaf each. */
static u32 sg_nets24_leaves(const struct sg_block_nets24 *x)
{
	return x->rank[SG_NETS24_WORDS - 1] +
	       hweight64(x->present[SG_NETS24_WORDS - 1]);
}

/* The bit of /24 @key in @x, whose /16 is present. */
static void sg_nets24_add(struct sg_block_nets24 *x, u32 key)
{
	sg_filter_add(x->leaves[sg_block_nets24_leaf(x, key >> 16)],
		      (key >> 8) & 255);
}

/*
 * Level 24's exact filter for the IPv4 @entries, when it costs at most
 * twice the sized filter of @keys keys; otherwise (scattered keys, or
 * too few for its fixed 12 KiB to pay) none, and 0.
 */
static int sg_nets24_alloc(struct sg_block_table *t,
			   struct sg_block_entry *const *entries, u32 nr,
			   u64 keys)
{
	size_t sized = sg_filter_size(sg_filter_log2(keys));
	struct sg_block_nets24 *x;
	u32 n, w, leaves = 0;
	u64 *present;

	if (2 * sized <= sg_nets24_size(0))
		return 0;
	present = kvcalloc(SG_NETS24_WORDS, sizeof(*present),
			   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!present)
		return -ENOMEM;
	/* A key of level 24 lies in its prefix's /16 (/17 to /24). */
	for (n = 0; n < nr; n++) {
		const struct sg_prefix *p = &entries[n]->pfx;
		u32 b16 = ntohl(p->addr.s6_addr32[0]) >> 16;

		if (p->family == AF_INET && sg_level(p) == 24)
			sg_filter_add(present, b16);
	}
	for (w = 0; w < SG_NETS24_WORDS; w++)
		leaves += hweight64(present[w]);
	if (sg_nets24_size(leaves) > 2 * sized) {
		kvfree(present);
		return 0;
	}
	x = kvcalloc(1, sg_nets24_size(leaves),
		     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!x) {
		kvfree(present);
		return -ENOMEM;
	}
	leaves = 0;
	for (w = 0; w < SG_NETS24_WORDS; w++) {
		x->present[w] = present[w];
		x->rank[w] = leaves;
		leaves += hweight64(present[w]);
	}
	kvfree(present);
	t->nets24 = x;
	return 0;
}

/*
 * The IPv4 filters of the levels in use, and always the hosts' (they come
 * in place); @keys: the keys of each filter.  Level 24's is exact when
 * sg_nets24_alloc() made one.
 */
static int sg_filter4_alloc(struct sg_block_table *t, const u64 *keys)
{
	unsigned long in_use = BIT(SG_FILTER4_HOSTS);
	unsigned int f, level;

	for (level = 8; level <= 32; level += 8) {
		if (t->levels4 & SG_LEVEL4(level))
			in_use |= BIT(sg_filter4_of(level));
	}
	if (t->nets24)
		in_use &= ~BIT(SG_FILTER4_NETS);
	for (f = 0; f < SG_NR_FILTERS4; f++) {
		if (!(in_use & BIT(f)))
			continue;
		t->filter4_shift[f] = f == SG_FILTER4_WIDE ? SG_WIDE4_SHIFT :
				      32 - sg_filter_log2(keys[f]);
		t->filter4[f] = sg_filter_alloc(32 - t->filter4_shift[f]);
		if (!t->filter4[f])
			return -ENOMEM;
	}
	return 0;
}

/*
 * The IPv6 filters of the levels in use, and always the hosts' (they come
 * in place); @keys: the keys of each filter.
 */
static int sg_filter6_alloc(struct sg_block_table *t, const u64 *keys)
{
	unsigned int f;

	for (f = 0; f < SG_NR_FILTERS6; f++) {
		if (f == SG_FILTER6_NETS &&
		    !(t->levels6 & SG_FILTER6_NET_LEVELS))
			continue;
		t->filter6_shift[f] = 64 - sg_filter_log2(keys[f]);
		t->filter6[f] = sg_filter_alloc(64 - t->filter6_shift[f]);
		if (!t->filter6[f])
			return -ENOMEM;
	}
	return 0;
}

/*
 * The filter bits of IPv4 key @key of @level, before its slot: every
 * block the key covers, which is one but for a /8 key (256 /16s).
 */
static void sg_filter4_add(struct sg_block_table *t, u32 key,
			   unsigned int level)
{
	unsigned int f = sg_filter4_of(level);
	u32 bit, last;

	if (f == SG_FILTER4_NETS && t->nets24) {
		sg_nets24_add(t->nets24, key);
		return;
	}
	bit = key >> t->filter4_shift[f];
	last = (key | ~sg_mask4(level)) >> t->filter4_shift[f];
	for (; bit <= last; bit++)
		sg_filter_add(t->filter4[f], bit);
}

/* The bytes of @t's filters. */
static size_t sg_filter_bytes(const struct sg_block_table *t)
{
	size_t bytes = 0;
	unsigned int f;

	for (f = 0; f < SG_NR_FILTERS4; f++) {
		if (t->filter4[f])
			bytes += sg_filter_size(32 - t->filter4_shift[f]);
	}
	for (f = 0; f < SG_NR_FILTERS6; f++) {
		if (t->filter6[f])
			bytes += sg_filter_size(64 - t->filter6_shift[f]);
	}
	if (t->nets24)
		bytes += sg_nets24_size(sg_nets24_leaves(t->nets24));
	return bytes;
}

static void sg_filter_free(struct sg_block_table *t)
{
	unsigned int f;

	for (f = 0; f < SG_NR_FILTERS4; f++) {
		kvfree(t->filter4[f]);
		t->filter4[f] = NULL;
	}
	for (f = 0; f < SG_NR_FILTERS6; f++) {
		kvfree(t->filter6[f]);
		t->filter6[f] = NULL;
	}
	kvfree(t->nets24);
	t->nets24 = NULL;
}

/* Directory bits for @nr packed keys: about 2 to 4 keys a bucket. */
static unsigned int sg_dir_bits(u32 nr)
{
	return clamp_t(int, ilog2(max(nr, 1U)) - 1, 1, 24);
}

/* The packed hosts' directories and filter bits; -ENOMEM. */
static int sg_packed_index(struct sg_block_table *t)
{
	struct sg_block_hosts4 *h4 = &t->hosts4;
	struct sg_block_hosts6 *h6 = &t->hosts6;
	unsigned int bits;
	u32 b, n;

	if (h4->nr) {
		bits = sg_dir_bits(h4->nr);
		h4->shift = 32 - bits;
		h4->dir = kvcalloc((1U << bits) + 1, sizeof(*h4->dir),
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!h4->dir)
			return -ENOMEM;
		/* Sorted keys: bucket b starts at the first key of b or above. */
		for (b = 0, n = 0; b <= 1U << bits; b++) {
			while (n < h4->nr && h4->keys[n] >> h4->shift < b)
				n++;
			h4->dir[b] = n;
		}
		for (n = 0; n < h4->nr; n++)
			sg_filter4_add(t, h4->keys[n], 32);
	}
	if (h6->nr) {
		bits = sg_dir_bits(h6->nr);
		h6->shift = 64 - bits;
		h6->dir = kvcalloc((1U << bits) + 1, sizeof(*h6->dir),
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!h6->dir)
			return -ENOMEM;
		for (b = 0, n = 0; b <= 1U << bits; b++) {
			while (n < h6->nr && h6->keys[n].hi >> h6->shift < b)
				n++;
			h6->dir[b] = n;
		}
		for (n = 0; n < h6->nr; n++)
			sg_filter_add(t->filter6[SG_FILTER6_HOSTS],
				      sg_filter6_bit(t, SG_FILTER6_HOSTS,
						     h6->keys[n].hi));
	}
	return 0;
}

/* Slots for @room host entries more, when @family has any entry. */
static u64 sg_host_room(u64 want, u32 packed, u32 room)
{
	if (!want && !packed)
		return 0;
	return min_t(u64, room, max_t(u64, (u64)packed + want, 16));
}

/*
 * The tables of @nr entries and of the packed hosts the caller put in
 * t->hosts4 and hosts6 (sorted; with t->feedsets), into @t, which is
 * otherwise zero; with room for @host_room host entries added in place.
 * -ENOSPC when the prefixes expand to more than @max_slots slots,
 * -ENOMEM; sg_block_table_free() frees what @t then holds.
 */
int sg_block_table_build(struct sg_block_table *t,
			 struct sg_block_entry *const *entries, u32 nr,
			 u32 host_room, u64 max_slots)
{
	u64 want4 = 0, want6 = 0, keys4[SG_NR_FILTERS4] = {};
	u64 keys6[SG_NR_FILTERS6] = {};
	struct sg_block_slot4 *slots4 = NULL;
	struct sg_block_slot6 *slots6 = NULL;
	u32 n, size4, size6;

	keys4[SG_FILTER4_HOSTS] = t->hosts4.nr;
	keys6[SG_FILTER6_HOSTS] = t->hosts6.nr;
	if (t->hosts4.nr)
		t->levels4 |= SG_LEVEL4(32);
	if (t->hosts6.nr)
		t->levels6 |= SG_LEVEL6_HOST;
	for (n = 0; n < nr; n++) {
		const struct sg_prefix *p = &entries[n]->pfx;
		unsigned int level = sg_level(p);

		if (p->family == AF_INET) {
			want4 += 1U << (level - p->len);
			keys4[sg_filter4_of(level)] += 1U << (level - p->len);
			t->levels4 |= BIT(level / 8 - 1);
			t->host_shared4 |= level == 32 && p->len < 32;
		} else {
			want6 += 1U << (level - p->len);
			if (sg_filter6_of(level) >= 0)
				keys6[sg_filter6_of(level)] +=
					1U << (level - p->len);
			t->levels6 |= BIT(level / 8 - 1);
			t->host_shared6 |= level == 128 && p->len < 128;
		}
	}
	if (want4 + want6 > max_slots)
		return -ENOSPC;

	want4 += sg_host_room(want4, t->hosts4.nr, host_room);
	want6 += sg_host_room(want6, t->hosts6.nr, host_room);
	size4 = sg_table_size(want4);
	size6 = sg_table_size(want6);
	if (size4) {
		slots4 = kvcalloc(size4, sizeof(*slots4),
				  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!slots4)
			goto nomem;
		if ((t->levels4 & SG_LEVEL4(24)) &&
		    sg_nets24_alloc(t, entries, nr, keys4[SG_FILTER4_NETS]))
			goto nomem;
		if (sg_filter4_alloc(t, keys4))
			goto nomem;
	}
	if (size6) {
		slots6 = kvcalloc(size6, sizeof(*slots6),
				  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!slots6 || sg_filter6_alloc(t, keys6))
			goto nomem;
	}

	if (sg_packed_index(t))
		goto nomem;
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
			int f6 = sg_filter6_of(level);
			u64 hi, lo;

			sg_split6(&e->pfx.addr, &hi, &lo);
			for (i = 0; i < count; i++) {
				u64 h = hi, l = lo;

				if (level <= 64)
					h += (u64)i << (64 - level);
				else
					l += (u64)i << (128 - level);
				if (f6 >= 0)
					sg_filter_add(t->filter6[f6],
						      sg_filter6_bit(t, f6, h));
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
	kvfree(slots6);
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
		sg_filter_add(t->filter6[SG_FILTER6_HOSTS],
			      sg_filter6_bit(t, SG_FILTER6_HOSTS, hi));
		t->used6 += sg_slot6_insert(t->slots6, t->mask6, hi, lo, 128,
					    e);
		WRITE_ONCE(t->levels6, t->levels6 | BIT(128 / 8 - 1));
	}
}

/*
 * The id field of packed host @p (live or dead) and its index in *@host,
 * or NULL when @t has no such packed host.
 */
u16 *sg_block_table_packed_id(struct sg_block_table *t,
			      const struct sg_prefix *p, u32 *host)
{
	u16 *ids;

	if (p->family == AF_INET) {
		u32 a = ntohl(p->addr.s6_addr32[0]);

		ids = t->hosts4.ids;
		*host = sg_block_table_packed_after(t, AF_INET, p);
		if (!*host || t->hosts4.keys[*host - 1] != a)
			return NULL;
	} else {
		u64 hi, lo;

		sg_split6(&p->addr, &hi, &lo);
		ids = t->hosts6.ids;
		*host = sg_block_table_packed_after(t, AF_INET6, p);
		if (!*host || t->hosts6.keys[*host - 1].hi != hi ||
		    t->hosts6.keys[*host - 1].lo != lo)
			return NULL;
	}
	return &ids[--*host];
}

/* Packed host @host of @family, as a prefix. */
void sg_block_table_packed_prefix(const struct sg_block_table *t, int family,
				  u32 host, struct sg_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	if (family == AF_INET) {
		p->addr.s6_addr32[0] = htonl(t->hosts4.keys[host]);
		p->len = 32;
	} else {
		const struct sg_block_key6 *k = &t->hosts6.keys[host];

		p->addr.s6_addr32[0] = htonl(k->hi >> 32);
		p->addr.s6_addr32[1] = htonl((u32)k->hi);
		p->addr.s6_addr32[2] = htonl(k->lo >> 32);
		p->addr.s6_addr32[3] = htonl((u32)k->lo);
		p->len = 128;
	}
}

/*
 * The index of the first packed host of @family that sorts after @p
 * (sg_prefix_cmp()), dead ones included.
 */
u32 sg_block_table_packed_after(const struct sg_block_table *t, int family,
				const struct sg_prefix *p)
{
	u32 lo = 0, hi = family == AF_INET ? t->hosts4.nr : t->hosts6.nr;
	u64 phi, plo;

	if (p->family != family)
		return p->family < family ? 0 : hi;
	sg_split6(&p->addr, &phi, &plo);
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		bool after;

		if (family == AF_INET) {
			u32 k = t->hosts4.keys[mid];
			u32 a = phi >> 32;

			/* A host is the longest prefix at its address. */
			after = k > a || (k == a && p->len < 32);
		} else {
			const struct sg_block_key6 *k = &t->hosts6.keys[mid];

			after = sg_key6_less(&(struct sg_block_key6){ phi, plo },
					     k->hi, k->lo) ||
				(k->hi == phi && k->lo == plo && p->len < 128);
		}
		if (after)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The id of feed set @feeds in @t, or -1. */
int sg_block_table_feedset_find(const struct sg_block_table *t, u64 feeds)
{
	u32 id;

	for (id = 1; id < t->nr_feedsets; id++) {
		if (t->feedsets[id] == feeds)
			return id;
	}
	return -1;
}

/*
 * The id of feed set @feeds, added when new: the caller made sure there
 * is room.  Readers see the set before any id naming it (release).
 */
u16 sg_block_table_feedset_get(struct sg_block_table *t, u64 feeds)
{
	int id = sg_block_table_feedset_find(t, feeds);

	if (id >= 0)
		return id;
	WRITE_ONCE(t->feedsets[t->nr_feedsets], feeds);
	return t->nr_feedsets++;
}

/* The bytes of @t's slots, filters and packed hosts. */
size_t sg_block_table_bytes(const struct sg_block_table *t)
{
	const struct sg_block_hosts4 *h4 = &t->hosts4;
	const struct sg_block_hosts6 *h6 = &t->hosts6;
	size_t bytes = sg_filter_bytes(t);

	if (t->slots4)
		bytes += ((size_t)t->mask4 + 1) * sizeof(*t->slots4);
	if (t->slots6)
		bytes += ((size_t)t->mask6 + 1) * sizeof(*t->slots6);
	bytes += (size_t)h4->nr * (sizeof(*h4->keys) + sizeof(*h4->ids));
	if (h4->dir)
		bytes += ((1UL << (32 - h4->shift)) + 1) * sizeof(*h4->dir);
	bytes += (size_t)h6->nr * (sizeof(*h6->keys) + sizeof(*h6->ids));
	if (h6->dir)
		bytes += ((1UL << (64 - h6->shift)) + 1) * sizeof(*h6->dir);
	return bytes + (size_t)t->max_feedsets * sizeof(*t->feedsets);
}

/* Everything @t holds, the packed hosts and feed sets included. */
void sg_block_table_free(struct sg_block_table *t)
{
	kvfree(t->slots4);
	kvfree(t->slots6);
	sg_filter_free(t);
	t->slots4 = NULL;
	t->slots6 = NULL;
	kvfree(t->hosts4.keys);
	kvfree(t->hosts4.ids);
	kvfree(t->hosts4.dir);
	kvfree(t->hosts6.keys);
	kvfree(t->hosts6.ids);
	kvfree(t->hosts6.dir);
	kvfree(t->feedsets);
	memset(&t->hosts4, 0, sizeof(t->hosts4));
	memset(&t->hosts6, 0, sizeof(t->hosts6));
	t->feedsets = NULL;
}
