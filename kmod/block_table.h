/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the blocklist's lookup tables (block_table.c), built from a
 * snapshot's entries and probed by the packet path.  It includes only
 * types, bit operations, SipHash and the allocator, so that bench/cache/
 * compiles block_table.c itself in userspace, with a thin shim for those.
 */
#ifndef _SG_BLOCK_TABLE_H
#define _SG_BLOCK_TABLE_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/in6.h>
#include <linux/init.h>
#include <linux/types.h>
#include <asm/byteorder.h>

#include "prefix.h"

struct sg_block_timers;

/*
 * One blocklist entry.  Consecutive snapshots share it, so its counters
 * survive changes to the rest of the set; it is freed a grace period after
 * the last snapshot holding it was replaced.  A listing (entry, feed) is
 * permanent unless the entry's timers name the feed.
 */
struct sg_block_entry {
	struct sg_prefix pfx;
	bool timed_indexed;	/* in its snapshot's timed[] (writer only) */
	u64 feeds;		/* bit n: feed n lists it; written under lock */
	struct sg_block_timers __rcu *timers;	/* NULL: all permanent */
	atomic64_t hits;	/* written only on a match */
	u64 last_hit;		/* unix seconds of the last match, 0: never */
};

/*
 * Hash slots: the key is the address masked to the slot's level.  A slot
 * is written once, empty to used, before its entry pointer (with release);
 * from then on only its entry changes, and only for the same key: to the
 * entry tagged SG_BLOCK_SLOT_DEAD when it is deleted in place, back when
 * it is added again.  A reader that sees an entry therefore sees its key.
 */
struct sg_block_slot4 {
	u32 key;			/* host byte order */
	u8 level;			/* 8, 16, 24 or 32 */
	struct sg_block_entry *entry;	/* NULL: empty slot */
};

struct sg_block_slot6 {
	u64 hi;
	u64 lo;
	u8 level;			/* 8, 16, ..., 128 */
	struct sg_block_entry *entry;
};

/*
 * Permanent host entries (/32, /128: the bulk of every real feed), packed:
 * no entry object, no slot, no pointer.  Sorted keys, a feed-set id each
 * (@ids, an index into the table's feedsets[]; 0: deleted in place), and a
 * directory: the keys whose top bits are b lie at [dir[b], dir[b + 1]).
 * The keys never change once published; an id changes in place, with one
 * release store, to another feed set of the same table.
 */
struct sg_block_hosts4 {
	u32 *keys;			/* host byte order */
	u16 *ids;
	u32 *dir;			/* (1 << (32 - shift)) + 1 starts */
	u32 nr;
	u8 shift;
};

struct sg_block_key6 {
	u64 hi;
	u64 lo;
};

struct sg_block_hosts6 {
	struct sg_block_key6 *keys;
	u16 *ids;
	u32 *dir;			/* by the top bits of hi */
	u32 nr;
	u8 shift;
};

/* The distinct feed masks of packed hosts, per table; id 0 is none. */
#define SG_FEEDSETS_MAX		1024

/* What a lookup found: an entry, or a packed host of the table. */
struct sg_block_match {
	struct sg_block_entry *e;	/* NULL: packed host @host */
	u32 host;			/* in hosts4 or hosts6, by @family */
	u16 family;			/* of a packed host */
	u64 feeds;			/* the listing feeds, read once */
};

/* IPv4 presence filters: levels 8 and 16, 24, 32 (block_table.c). */
#define SG_NR_FILTERS4	3
/* IPv6: levels 64 to 128, keyed by the /64; 32 to 56, by the /32. */
#define SG_NR_FILTERS6	2
#define SG_FILTER6_HOSTS	0
#define SG_FILTER6_NETS		1

/* The low bit of a slot's entry: deleted in place (blockset.c). */
#define SG_BLOCK_SLOT_DEAD	1UL

static inline bool sg_block_slot_dead(const struct sg_block_entry *e)
{
	return (unsigned long)e & SG_BLOCK_SLOT_DEAD;
}

/* @e as a slot holds it: tagged dead or not; untagged, the entry itself. */
static inline struct sg_block_entry *
sg_block_slot_tag(struct sg_block_entry *e, bool dead)
{
	unsigned long v = (unsigned long)e & ~SG_BLOCK_SLOT_DEAD;

	return (struct sg_block_entry *)(v | (dead ? SG_BLOCK_SLOT_DEAD : 0));
}

/*
 * Level 24's filter when its keys cluster, as real feeds' do (DROP's /17
 * to /24 lie in a few thousand /16s): exact, a bit per /24, kept only for
 * the /16s that hold a key.  @present has a bit per /16; @rank[w] counts
 * the bits set in the words before w, so that the n-th /16 present, in
 * address order, has the 256 bits of @leaves[n].  Built with the table
 * and never changed: level 24 is never changed in place.
 */
#define SG_NETS24_WORDS		(65536 / 64)
#define SG_NETS24_LEAF_WORDS	(256 / 64)

struct sg_block_nets24 {
	u64 present[SG_NETS24_WORDS];
	u32 rank[SG_NETS24_WORDS];
	u64 leaves[][SG_NETS24_LEAF_WORDS];
};

/*
 * The tables of one snapshot; all zero when it has no entries.
 *
 * Presence filters come before the probes, so that an address listed
 * nowhere, nearly every packet's, costs a bit test per level in use
 * instead of a keyed hash and a slot read (at 1M entries, a cache miss).
 * IPv4 has three: each has a bit per block of 2^@filter4_shift[n]
 * addresses, set when a key it stands for lies in (or covers) the block:
 * levels 8 and 16 share one with a bit per /16 (8 KiB); 24 and 32 have
 * one each, about 16 bits per key of their level, at most one per /24
 * (2 MiB); level 24's is @nets24 instead when that costs at most twice as
 * much (clustered keys), and is then exact.  IPv6 has two, each with
 * about 16 bits per key: keys of level 64 to 128 (hosts, /64s) lie within
 * one /64, keys of level 32 to 56 (the /29 to /48 of DROPv6-style feeds)
 * within one /32, which a multiplicative hash spreads over
 * @filter6[SG_FILTER6_HOSTS] and [SG_FILTER6_NETS]; levels 8 to 24 are
 * probed as before.  A set bit only means "probe"; bits are set before
 * the slots they stand for and cleared only by a new table, so a filter
 * never hides an entry.
 */
struct sg_block_table {
	u16 levels4;			/* bit n: level 8 * (n + 1) in use */
	u16 levels6;
	u32 mask4;			/* slots - 1 */
	u32 mask6;
	struct sg_block_slot4 *slots4;
	struct sg_block_slot6 *slots6;
	struct sg_block_hosts4 hosts4;
	struct sg_block_hosts6 hosts6;
	u64 *feedsets;			/* by id; [0] is 0 */
	u32 nr_feedsets;		/* ids in use, 0 included (writer) */
	u32 max_feedsets;		/* at most SG_FEEDSETS_MAX */
	u64 *filter4[SG_NR_FILTERS4];	/* levels in use; hosts with slots4 */
	u64 *filter6[SG_NR_FILTERS6];	/* levels in use; hosts with slots6 */
	struct sg_block_nets24 *nets24;	/* or NULL: filter4[SG_FILTER4_NETS] */
	u8 filter4_shift[SG_NR_FILTERS4];	/* 16, then 8 to 20 */
	u8 filter6_shift[SG_NR_FILTERS6];	/* 40 to 52 */
	/* For the writer only: */
	u32 used4;			/* slots ever written */
	u32 used6;
	/* A prefix shorter than a host expands to the host level. */
	bool host_shared4;
	bool host_shared6;
};

/*
 * The IPv4 filters (struct sg_block_table): levels 8 and 16 share one,
 * a bit per /16 (a /8 key sets 256); 24 and 32 have one each.
 */
#define SG_LEVEL4(level)	BIT((level) / 8 - 1)
#define SG_WIDE4_LEVELS		(SG_LEVEL4(8) | SG_LEVEL4(16))
#define SG_FILTER4_WIDE		0
#define SG_FILTER4_NETS		1	/* level 24 */
#define SG_FILTER4_HOSTS	2	/* level 32 */

static inline bool sg_block_filter_has(const u64 *filter, u32 bit)
{
	return (READ_ONCE(filter[bit / 64]) >> (bit % 64)) & 1;
}

/* Whether IPv4 filter @f has @a's bit set: something to probe for. */
static inline bool sg_block_filter4_has(const struct sg_block_table *t,
					unsigned int f, u32 a)
{
	return sg_block_filter_has(t->filter4[f], a >> t->filter4_shift[f]);
}

/* The leaf of /16 @b16 in @x: the /16s present before it. */
static inline u32 sg_block_nets24_leaf(const struct sg_block_nets24 *x,
				       u32 b16)
{
	u64 below = x->present[b16 / 64] & (BIT_ULL(b16 % 64) - 1);

	return x->rank[b16 / 64] + hweight64(below);
}

/* Whether level 24's exact filter @x has @a's /24. */
static inline bool sg_block_nets24_has(const struct sg_block_nets24 *x, u32 a)
{
	u32 b16 = a >> 16;

	return sg_block_filter_has(x->present, b16) &&
	       sg_block_filter_has(x->leaves[sg_block_nets24_leaf(x, b16)],
				   (a >> 8) & 255);
}

/* Whether a key of level 24 may cover @a: exactly, or by a sized filter. */
static inline bool sg_block_nets4_has(const struct sg_block_table *t, u32 a)
{
	if (t->nets24)
		return sg_block_nets24_has(t->nets24, a);
	return sg_block_filter4_has(t, SG_FILTER4_NETS, a);
}

bool sg_block_probe4(const struct sg_block_table *t, unsigned long levels,
		     u32 a, struct sg_block_match *m);

/*
 * Whether @addr is listed, and by what (@m).  Inline up to the filters,
 * so that an address listed nowhere (nearly every packet's) costs the
 * packet path no call; the probes, of the levels whose filter bit is
 * set, are out of line.
 */
static inline bool sg_block_lookup4(const struct sg_block_table *t,
				    __be32 addr, struct sg_block_match *m)
{
	unsigned long levels = READ_ONCE(t->levels4), probe = 0;
	u32 a = ntohl(addr);

	if ((levels & SG_LEVEL4(32)) &&
	    sg_block_filter4_has(t, SG_FILTER4_HOSTS, a))
		probe |= SG_LEVEL4(32);
	if ((levels & SG_LEVEL4(24)) && sg_block_nets4_has(t, a))
		probe |= SG_LEVEL4(24);
	if ((levels & SG_WIDE4_LEVELS) &&
	    sg_block_filter4_has(t, SG_FILTER4_WIDE, a))
		probe |= levels & SG_WIDE4_LEVELS;
	return probe && sg_block_probe4(t, probe, a, m);
}

void __init sg_block_table_seed(void);
int sg_block_table_build(struct sg_block_table *t,
			 struct sg_block_entry *const *entries, u32 nr,
			 u32 host_room, u64 max_slots);
size_t sg_block_table_bytes(const struct sg_block_table *t);
void sg_block_table_free(struct sg_block_table *t);
bool sg_block_lookup6(const struct sg_block_table *t,
		      const struct in6_addr *addr, struct sg_block_match *m);
bool sg_block_table_host_ready(const struct sg_block_table *t, int family,
			       u32 more);
struct sg_block_entry **sg_block_table_host_slot(struct sg_block_table *t,
						 const struct sg_prefix *p);
void sg_block_table_host_insert(struct sg_block_table *t,
				struct sg_block_entry *e);
u16 *sg_block_table_packed_id(struct sg_block_table *t,
			      const struct sg_prefix *p, u32 *host);
void sg_block_table_packed_prefix(const struct sg_block_table *t, int family,
				  u32 host, struct sg_prefix *p);
u32 sg_block_table_packed_after(const struct sg_block_table *t, int family,
				const struct sg_prefix *p);
int sg_block_table_feedset_find(const struct sg_block_table *t, u64 feeds);
u16 sg_block_table_feedset_get(struct sg_block_table *t, u64 feeds);

#endif /* _SG_BLOCK_TABLE_H */
