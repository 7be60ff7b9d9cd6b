/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the C&C blocklist of one namespace, as a data structure:
 * snapshots, feeds, expiry; its lookup tables are block_table.h's.  It
 * knows nothing of netlink or events; a change returns what happened and,
 * when it failed, why.
 */
#ifndef _SG_BLOCKSET_H
#define _SG_BLOCKSET_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include <linux/smtpguard.h>

#include "block_table.h"
#include "prefix.h"

/*
 * The listings of an entry that expire.  Replaced as a whole, never
 * changed once the entry points to it; freed a grace period later.
 */
struct sg_block_timers {
	u64 feeds;			/* the feeds whose listing expires */
	unsigned long expires[];	/* jiffies, per bit of feeds, lowest first */
};

struct sg_feed {
	char name[SMTPGUARD_FEED_NAME_MAX + 1];	/* "": free */
	u32 entries;
};

/* A feed's action and direction (FEED_SET), by name: kept while empty. */
struct sg_feed_mode {
	char name[SMTPGUARD_FEED_NAME_MAX + 1];
	u8 action;		/* enum smtpguard_action */
	u8 direction;		/* enum smtpguard_direction */
};

/* Per feed slot; reset when the slot takes a new feed. */
struct sg_feed_stat {
	atomic64_t dropped;
	atomic64_t would_drop;
};

/*
 * The hit counts of packed hosts (block_table.h), which have no room for
 * them: a record for each host that was hit, made by the packet path in
 * a table the writer sized (at most half full; past that, it is grown
 * by sg_block_hits_grow() and a hit that finds no room is not counted).
 * Keyed by 1 + the host's index, IPv4 hosts first; a key stays.
 */
struct sg_block_hit {
	u32 host;			/* 0: free */
	atomic64_t hits;
	u64 last_hit;			/* unix seconds */
};

struct sg_block_hits {
	u32 mask;			/* records - 1 */
	atomic_t used;
	struct rcu_head rcu;
	struct sg_block_hit rec[];
};

/*
 * A snapshot (see blockset.c); NULL when empty.  Small changes of host
 * entries are made in it in place, under the lock: they add entries to
 * added[] and mark deleted ones dead (feeds 0), both until the next merge.
 */
struct sg_blockset {
	struct sg_block_table table;	/* the lookup (block_table.c) */
	struct sg_block_hits __rcu *hits;	/* of the packed hosts */
	u32 nr_entries;			/* live entries (WRITE_ONCE) */
	u32 nr_sorted;
	/* Entry objects: what is not a permanent host, and hosts since. */
	struct sg_block_entry **entries;	/* by the merge, by prefix */
	struct sg_block_entry **added;	/* in place, by prefix */
	u32 nr_added;
	u32 nr_dead;			/* objects and packed hosts, feeds 0 */
	u32 in_place_max;		/* nr_added + nr_dead at most */
	/* Every entry with timers, and dead or untimed ones since the merge. */
	struct sg_block_entry **timed;
	u32 nr_timed;
	u32 timed_max;
	unsigned long next_expiry;	/* jiffies; 0: nothing expires */
	size_t bytes;			/* everything (WRITE_ONCE) */
	u32 nr_feeds;
	struct sg_feed feeds[SMTPGUARD_MAX_FEEDS];
	/*
	 * By feed slot, from the modes: monitor feeds, feeds for inbound
	 * only, for outbound only.  Set before publishing and by FEED_SET in
	 * place, under the lock (WRITE_ONCE; the hooks READ_ONCE).
	 */
	u64 monitor_feeds;
	u64 in_feeds;
	u64 out_feeds;
};

/* Per namespace; writers hold *lock. */
struct sg_blocklist {
	struct sg_blockset __rcu *set;
	struct mutex *lock;		/* the namespace's, for lockdep */
	u32 gen;			/* bumped on every publish, for dumps */
	u32 nr_modes;			/* under lock */
	struct sg_feed_mode modes[SMTPGUARD_MAX_FEEDS];
	struct sg_feed_stat stats[SMTPGUARD_MAX_FEEDS];	/* by feed slot */
};

enum sg_block_op {
	SG_BLOCK_ADD,		/* the prefixes join the feed */
	SG_BLOCK_DEL,		/* they leave the feed (or all feeds) */
	SG_BLOCK_REPLACE,	/* the feed becomes exactly the prefixes */
	SG_BLOCK_FLUSH,		/* the feed (or every feed) is emptied */
	SG_BLOCK_EXPIRE,	/* listings past their timeout go */
};

struct sg_block_change {
	enum sg_block_op op;
	const char *feed;		/* NULL: all feeds (DEL, FLUSH) */
	unsigned long expires;		/* ADD: jiffies, 0: permanent */
	const struct sg_prefix *pfx;	/* sorted and distinct */
	u32 nr;
};

/* Why a change was refused; the caller words it. */
enum sg_block_fault {
	SG_BLOCK_FAULT_NONE,
	SG_BLOCK_FAULT_ABSENT,		/* a prefix to delete is not listed */
	SG_BLOCK_FAULT_NO_FEED,		/* no such feed */
	SG_BLOCK_FAULT_FEEDS,		/* SMTPGUARD_MAX_FEEDS in use */
	SG_BLOCK_FAULT_FULL,		/* past max_block_entries */
	SG_BLOCK_FAULT_SLOTS,		/* prefixes expand too far */
	SG_BLOCK_FAULT_NOMEM,
};

struct sg_block_outcome {
	enum sg_block_fault fault;
	struct sg_prefix absent;	/* FAULT_ABSENT: that prefix */
	bool absent_in_feed;		/* ... looked for in one feed */
	u32 nr_entries;			/* entries after; FULL: it would be */
	u32 listings_removed;		/* (entry, feed) listings that went */
	unsigned long next_expiry;	/* jiffies; 0: nothing expires */
	bool rebuilt;			/* a new snapshot, not in place */
};

int __init sg_block_module_init(void);
void sg_block_module_exit(void);
void sg_blocklist_init(struct sg_blocklist *bl, struct mutex *lock);
void sg_blocklist_destroy(struct sg_blocklist *bl);
int sg_block_update(struct sg_blocklist *bl, const struct sg_block_change *c,
		    struct sg_block_outcome *out);
enum { SG_HIT_COUNTED, SG_HIT_GROW, SG_HIT_LOST };

int sg_block_hit(const struct sg_blockset *set, const struct sg_block_match *m);
void sg_block_hits_grow(struct sg_blocklist *bl);
void sg_block_match_prefix(const struct sg_blockset *set,
			   const struct sg_block_match *m, struct sg_prefix *p);
void sg_block_match_hits(const struct sg_blockset *set,
			 const struct sg_block_match *m, u64 *hits,
			 u64 *last_hit);
int sg_block_feed_find(const struct sg_blockset *set, const char *name);
bool sg_feed_name_valid(const char *name);
u32 sg_block_max_entries(void);
u32 sg_block_nr_entries(struct sg_blocklist *bl);
unsigned long sg_block_listing_expires(const struct sg_block_timers *t,
				       unsigned int feed);
unsigned long sg_block_entry_expires(u64 feeds,
				     const struct sg_block_timers *t);
/*
 * A position in a snapshot's entries, in prefix order: objects, dead ones
 * included, and live packed hosts.
 */
struct sg_block_cursor {
	u32 sorted;			/* in entries[] */
	u32 added;			/* in added[] */
	u32 host4;			/* in table.hosts4 */
	u32 host6;
};

/* An entry as sg_block_next() gives it: an object or a packed host. */
struct sg_block_item {
	struct sg_prefix pfx;
	struct sg_block_match m;	/* m.feeds: 0 for a dead object */
};

bool sg_block_next(const struct sg_blockset *set, struct sg_block_cursor *cur,
		   struct sg_block_item *it);
void sg_block_seek(const struct sg_blockset *set, struct sg_block_cursor *cur,
		   const struct sg_prefix *after);
int sg_block_feed_set_mode(struct sg_blocklist *bl, const char *name,
			   const u8 *action, const u8 *direction,
			   struct sg_feed_mode *now);
struct sg_feed_mode sg_block_feed_mode(const struct sg_blocklist *bl,
				       const char *name);

static inline struct sg_blockset *sg_block_locked(struct sg_blocklist *bl)
{
	return rcu_dereference_protected(bl->set, lockdep_is_held(bl->lock));
}

#endif /* _SG_BLOCKSET_H */
