// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the C&C blocklist, one per namespace, as a data structure.
 *
 * Lookup is controlled prefix expansion into keyed hash tables, built
 * and probed by block_table.c.
 *
 * Every listing of an entry by a feed is permanent or has its own
 * timeout: feed A's timed listing of X expires on A's schedule while B's
 * permanent one keeps X blocked.  Timeouts cost the data path nothing: the
 * caller runs SG_BLOCK_EXPIRE at next_expiry, which drops the listings
 * that ran out (and the entries left with none), so an entry blocks until
 * then, never less.
 *
 * A change merges the old snapshot's sorted entries with the sorted change
 * into a new snapshot and publishes it with one pointer swap, so a feed
 * replace is atomic for the data path: a packet sees the old set or the
 * new one, never a mix.  Entry objects carry their hit counters and are
 * shared by consecutive snapshots.  Permanent hosts, the bulk of every
 * feed, have no object: the merge packs them (block_table.h), and their
 * hit counts, for those that were hit, live in the snapshot's hit table,
 * carried from one snapshot to the next.  What only the old snapshot held (its tables,
 * retired entries, replaced timers) is freed by a worker after a grace
 * period: the writer never waits for one under the namespace's lock, and
 * every long loop reschedules.
 *
 * A merge costs time in proportion to the whole set, which a fail2ban or
 * CrowdSec action adding one address to a million cannot afford.  So a
 * small ADD or DEL of host entries (/32, /128) within existing feeds is
 * made in the current snapshot instead (sg_block_update_in_place()):
 * each prefix is one store into its hash slot or its packed feed-set id,
 * which readers see whole, so a packet sees each entry before or after,
 * never half.  A new entry goes to the snapshot's added[] and a deleted
 * one stays, dead, where it was;
 * both until a merge, which the next large change or a budget of
 * in_place_max such entries brings, so that cost is shared by many
 * changes.
 */

#include <linux/bitops.h>
#include <linux/ctype.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "blockset.h"

/*
 * Expansion is at most 128 slots per prefix; this caps the worst case.
 * With it, SG_BLOCK_ENTRIES_LIMIT entries need at most 2^25 IPv6 slots
 * of 32 bytes after block_table.c's factor 2 (sg_table_size()): 1 GiB,
 * within what kvmalloc() may allocate.
 */
#define SG_SLOTS_PER_ENTRY_MAX	4
#define SG_BLOCK_ENTRIES_LIMIT	SMTPGUARD_BLOCK_MAX_DEFAULT
/* Entries handled between two cond_resched(). */
#define SG_BLOCK_STEP		4096
/*
 * Entries added or deleted in place between two merges: at most one in
 * SHARE of the set, and MIN at least, so a merge's cost is shared by many
 * changes while a dump's added[] and the dead entries stay small.
 */
#define SG_BLOCK_IN_PLACE_SHARE	32
#define SG_BLOCK_IN_PLACE_MIN	1024
/* Feed sets that in-place changes may add to a table before a merge. */
#define SG_FEEDSETS_ROOM	64
/* The smallest hit table of packed hosts: 16 records, 384 bytes. */
#define SG_HITS_MIN		16

static int sg_param_set_max_block_entries(const char *val,
					  const struct kernel_param *kp)
{
	unsigned int v;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	if (v < 1 || v > SG_BLOCK_ENTRIES_LIMIT)
		return -ERANGE;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops sg_max_block_entries_ops = {
	.set = sg_param_set_max_block_entries,
	.get = param_get_uint,
};

static unsigned int max_block_entries = SMTPGUARD_BLOCK_MAX_DEFAULT;
module_param_cb(max_block_entries, &sg_max_block_entries_ops,
		&max_block_entries, 0644);
MODULE_PARM_DESC(max_block_entries,
		 "Most blocklist entries per network namespace, 1.."
		 __stringify(SMTPGUARD_BLOCK_MAX_DEFAULT) " (default "
		 __stringify(SMTPGUARD_BLOCK_MAX_DEFAULT) ")");

static struct kmem_cache *sg_block_cache __ro_after_init;
static struct workqueue_struct *sg_block_wq __ro_after_init;

u32 sg_block_max_entries(void)
{
	return READ_ONCE(max_block_entries);
}

/* A fresh hit table: room for @records at most half full. */
static struct sg_block_hits *sg_block_hits_alloc(u32 records)
{
	u32 size = roundup_pow_of_two(max(records * 2, SG_HITS_MIN));
	struct sg_block_hits *h;

	h = kvzalloc(struct_size(h, rec, size), GFP_KERNEL_ACCOUNT);
	if (h)
		h->mask = size - 1;
	return h;
}

static size_t sg_block_hits_bytes(const struct sg_block_hits *h)
{
	return h ? struct_size(h, rec, (size_t)h->mask + 1) : 0;
}

static void sg_block_hits_free_rcu(struct rcu_head *head)
{
	kvfree(container_of(head, struct sg_block_hits, rcu));
}

/* The key of packed host @m in @set's hit table. */
static u32 sg_block_hit_key(const struct sg_blockset *set,
			    const struct sg_block_match *m)
{
	return 1 + m->host + (m->family == AF_INET ? 0 :
			      set->table.hosts4.nr);
}

/*
 * The record of @key in @h, or NULL; made when @make is not NULL and the
 * table has room (any context: a cmpxchg claims a free record; keys never
 * leave), and then *@make is set.
 */
static struct sg_block_hit *sg_block_hit_rec(struct sg_block_hits *h,
					     u32 key, bool *make)
{
	u32 i = hash_32(key, 32) & h->mask, n;

	for (n = 0; n <= h->mask; n++, i = (i + 1) & h->mask) {
		u32 k = READ_ONCE(h->rec[i].host);

		if (k == key)
			return &h->rec[i];
		if (k)
			continue;
		if (!make || atomic_read(&h->used) > h->mask / 2)
			return NULL;
		k = cmpxchg(&h->rec[i].host, 0, key);
		if (!k) {
			atomic_inc(&h->used);
			*make = true;
			return &h->rec[i];
		}
		if (k == key)
			return &h->rec[i];
	}
	return NULL;
}

static void sg_block_count_hit(atomic64_t *hits, u64 *last_hit)
{
	u64 now = ktime_get_real_seconds();

	atomic64_inc(hits);
	if (READ_ONCE(*last_hit) != now)
		WRITE_ONCE(*last_hit, now);
}

/*
 * Count a match.  Only matches write: a miss leaves every entry's cache
 * line alone.  SG_HIT_GROW when the hit table of packed hosts should
 * grow (sg_block_hits_grow(), in process context), SG_HIT_LOST when it
 * had no room for this one.
 */
int sg_block_hit(const struct sg_blockset *set, const struct sg_block_match *m)
{
	struct sg_block_hits *h;
	struct sg_block_hit *r;
	bool made = false;

	if (m->e) {
		sg_block_count_hit(&m->e->hits, &m->e->last_hit);
		return SG_HIT_COUNTED;
	}
	h = rcu_dereference(set->hits);
	r = sg_block_hit_rec(h, sg_block_hit_key(set, m), &made);
	if (!r)
		return SG_HIT_LOST;
	sg_block_count_hit(&r->hits, &r->last_hit);
	/* Asked once per new record past a quarter: never per packet. */
	return made && atomic_read(&h->used) > h->mask / 4 ?
	       SG_HIT_GROW : SG_HIT_COUNTED;
}

/* The hits of match @m, for a listing. */
void sg_block_match_hits(const struct sg_blockset *set,
			 const struct sg_block_match *m, u64 *hits,
			 u64 *last_hit)
{
	const struct sg_block_hit *r;

	*hits = 0;
	*last_hit = 0;
	if (m->e) {
		*hits = atomic64_read(&m->e->hits);
		*last_hit = READ_ONCE(m->e->last_hit);
		return;
	}
	r = sg_block_hit_rec(rcu_dereference_check(set->hits, true),
			     sg_block_hit_key(set, m), NULL);
	if (r) {
		*hits = atomic64_read(&r->hits);
		*last_hit = READ_ONCE(r->last_hit);
	}
}

/* The prefix that match @m is for. */
void sg_block_match_prefix(const struct sg_blockset *set,
			   const struct sg_block_match *m, struct sg_prefix *p)
{
	if (m->e)
		*p = m->e->pfx;
	else
		sg_block_table_packed_prefix(&set->table, m->family, m->host,
					     p);
}

/* Copy @from's records into @to, re-keyed by @rekey (0: dropped). */
static void sg_block_hits_copy(const struct sg_blockset *from_set,
			       const struct sg_block_hits *from,
			       struct sg_block_hits *to,
			       u32 (*rekey)(const struct sg_blockset *, u32,
					    const void *),
			       const void *arg)
{
	bool made;
	u32 i;

	for (i = 0; from && i <= from->mask; i++) {
		const struct sg_block_hit *r = &from->rec[i];
		struct sg_block_hit *n;
		u32 key = READ_ONCE(r->host);

		if (key)
			key = rekey(from_set, key, arg);
		if (!key)
			continue;
		n = sg_block_hit_rec(to, key, &made);
		if (!n)
			continue;
		atomic64_set(&n->hits, atomic64_read(&r->hits));
		n->last_hit = READ_ONCE(r->last_hit);
	}
}

static u32 sg_block_same_key(const struct sg_blockset *set, u32 key,
			     const void *arg)
{
	return key;
}

/*
 * A bigger hit table for the current snapshot, when its own is over a
 * quarter full: the packet path asks for it.  Hits counted in the old
 * table while it is copied are lost.
 */
void sg_block_hits_grow(struct sg_blocklist *bl)
{
	struct sg_blockset *set = sg_block_locked(bl);
	struct sg_block_hits *old, *new;

	if (!set)
		return;
	old = rcu_dereference_protected(set->hits, true);
	if (atomic_read(&old->used) <= old->mask / 4)
		return;
	/* Only packed hosts have records: room for all of them at most. */
	new = sg_block_hits_alloc(min(4 * (old->mask + 1),
				      set->table.hosts4.nr +
				      set->table.hosts6.nr));
	if (!new)
		return;
	sg_block_hits_copy(set, old, new, sg_block_same_key, NULL);
	rcu_assign_pointer(set->hits, new);
	WRITE_ONCE(set->bytes, set->bytes + sg_block_hits_bytes(new) -
		   sg_block_hits_bytes(old));
	call_rcu(&old->rcu, sg_block_hits_free_rcu);
}

/* The tables of @set's entries; FAULT_SLOTS when they expand too far. */
static int sg_block_build_tables(struct sg_blockset *set,
				 struct sg_block_outcome *out)
{
	u64 limit = (u64)max(sg_block_max_entries(), 1024U) *
		    SG_SLOTS_PER_ENTRY_MAX;
	int err;

	err = sg_block_table_build(&set->table, set->entries, set->nr_sorted,
				   set->in_place_max, limit);
	if (err == -ENOSPC)
		out->fault = SG_BLOCK_FAULT_SLOTS;
	if (err)
		return err;
	set->bytes += sg_block_table_bytes(&set->table);
	return 0;
}

static void sg_blockset_free(struct sg_blockset *set)
{
	if (!set)
		return;
	sg_block_table_free(&set->table);
	kvfree(rcu_dereference_protected(set->hits, true));
	kvfree(set->entries);
	kvfree(set->added);
	kvfree(set->timed);
	kfree(set);
}

bool sg_feed_name_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (!len || len > SMTPGUARD_FEED_NAME_MAX || !isalnum(name[0]))
		return false;
	for (i = 0; i < len; i++) {
		if (!isalnum(name[i]) && !strchr("._-", name[i]))
			return false;
	}
	return true;
}

/*
 * A slot whose feed lost its last entry in place keeps the name, for
 * readers that still see the feed's bit, until the next merge frees it.
 */
static bool sg_feed_in_use(const struct sg_feed *f)
{
	return f->name[0] && f->entries;
}

int sg_block_feed_find(const struct sg_blockset *set, const char *name)
{
	int i;

	if (!set)
		return -1;
	for (i = 0; i < SMTPGUARD_MAX_FEEDS; i++) {
		if (sg_feed_in_use(&set->feeds[i]) &&
		    !strcmp(set->feeds[i].name, name))
			return i;
	}
	return -1;
}

static int sg_block_feed_get(struct sg_blockset *set, const char *name)
{
	int i = sg_block_feed_find(set, name);

	if (i >= 0)
		return i;
	for (i = 0; i < SMTPGUARD_MAX_FEEDS; i++) {
		if (!set->feeds[i].name[0]) {
			strscpy(set->feeds[i].name, name,
				sizeof(set->feeds[i].name));
			return i;
		}
	}
	return -ENOSPC;
}

/* The expiry of the listing by feed @feed; 0: permanent (or not timed). */
unsigned long sg_block_listing_expires(const struct sg_block_timers *t,
				       unsigned int feed)
{
	u64 bit = BIT_ULL(feed);

	if (!t || !(t->feeds & bit))
		return 0;
	return t->expires[hweight64(t->feeds & (bit - 1))];
}

/*
 * When the entry leaves the blocklist by itself: 0 (never) if a feed
 * lists it permanently, else when its last timed listing runs out.
 */
unsigned long sg_block_entry_expires(u64 feeds,
				     const struct sg_block_timers *t)
{
	unsigned long last = 0;
	unsigned int i, n;

	if (!t || (feeds & ~t->feeds))
		return 0;
	n = hweight64(t->feeds);
	for (i = 0; i < n; i++) {
		if (!last || time_after(t->expires[i], last))
			last = t->expires[i];
	}
	return last;
}

/* The listings of @t that ran out by @now (jiffies). */
static u64 sg_timers_expired(const struct sg_block_timers *t,
			     unsigned long now)
{
	u64 bits, gone = 0;
	unsigned int i = 0;

	if (!t)
		return 0;
	for (bits = t->feeds; bits; bits &= bits - 1, i++) {
		if (time_after_eq(now, t->expires[i]))
			gone |= bits & -bits;
	}
	return gone;
}

/*
 * @old limited to the listings in @keep, with feed bit @bit timed until
 * @expires (or, @expires 0, not timed).  *@out is @old itself when that
 * changes nothing, NULL when no listing is timed, else a new allocation.
 */
static int sg_timers_derive(const struct sg_block_timers *old, u64 keep,
			    u64 bit, unsigned long expires,
			    struct sg_block_timers **out)
{
	u64 oldmask = old ? old->feeds : 0, mask, bits;
	struct sg_block_timers *t;
	unsigned int i = 0;

	mask = (oldmask & keep & ~bit) | (expires ? bit : 0);
	if (!mask) {
		*out = NULL;
		return 0;
	}
	if (mask == oldmask &&
	    (!expires || old->expires[hweight64(oldmask & (bit - 1))] ==
			 expires)) {
		*out = (struct sg_block_timers *)old;
		return 0;
	}
	t = kmalloc(struct_size(t, expires, hweight64(mask)),
		    GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	t->feeds = mask;
	for (bits = mask; bits; bits &= bits - 1) {
		u64 low = bits & -bits;

		t->expires[i++] = low == bit ? expires :
			old->expires[hweight64(oldmask & (low - 1))];
	}
	*out = t;
	return 0;
}

/*
 * The merge's working arrays.  Nothing in an entry the data path can see
 * changes until the new snapshot is complete; then feeds[] and timers[]
 * are copied into the entries and the snapshot is published.
 */
struct sg_block_out {
	struct sg_prefix pfx;
	struct sg_block_entry *e;	/* NULL: a permanent host, packed */
};

struct sg_block_merge {
	const struct sg_blockset *old;
	struct sg_block_out *out;
	u64 *feeds;
	struct sg_block_timers **timers;
	u32 nr_out;
	struct sg_block_entry **fresh;	/* allocated by this change */
	u32 nr_fresh;
	struct sg_block_garbage *garbage;
	u32 listings_removed;
	bool changed;
	/* The feed sets of the packed hosts, and a hash of them. */
	u64 *masks;			/* SG_FEEDSETS_MAX, by id */
	u16 *mask_ids;			/* SG_MASK_HASH_SIZE */
	u32 nr_masks;			/* ids in use, 0 included */
	u32 nr_packed[2];		/* IPv4, IPv6 */
	u32 nr_objects;
	u32 hits_carried;		/* entries that become packed, hit */
};

/*
 * What a change leaves behind, freed by sg_block_gc_work() a grace
 * period after the new snapshot was published.
 */
struct sg_block_garbage {
	struct rcu_work rwork;
	struct sg_blockset *set;		/* the old snapshot */
	struct sg_block_entry **entries;	/* retired entries */
	u32 nr_entries;
	struct sg_block_timers **timers;	/* replaced or retired */
	u32 nr_timers;
};

static void sg_block_garbage_free(struct sg_block_garbage *g)
{
	u32 k;

	if (!g)
		return;
	for (k = 0; k < g->nr_entries; k++) {
		kmem_cache_free(sg_block_cache, g->entries[k]);
		if (!(k % SG_BLOCK_STEP))
			cond_resched();
	}
	for (k = 0; k < g->nr_timers; k++) {
		kfree(g->timers[k]);
		if (!(k % SG_BLOCK_STEP))
			cond_resched();
	}
	sg_blockset_free(g->set);
	kvfree(g->entries);
	kvfree(g->timers);
	kfree(g);
}

static void sg_block_gc_work(struct work_struct *work)
{
	sg_block_garbage_free(container_of(to_rcu_work(work),
					   struct sg_block_garbage, rwork));
}

static void sg_block_merge_free(struct sg_block_merge *m)
{
	kvfree(m->out);
	kvfree(m->feeds);
	kvfree(m->timers);
	kvfree(m->fresh);
	kvfree(m->masks);
	kvfree(m->mask_ids);
}

/* Undo what a failed merge allocated; the old snapshot is untouched. */
static void sg_block_merge_undo(struct sg_block_merge *m)
{
	struct sg_block_garbage *g = m->garbage;
	u32 k;

	for (k = 0; k < m->nr_out; k++) {
		struct sg_block_timers *t = m->timers[k];
		struct sg_block_entry *e = m->out[k].e;

		/* A packed host has no timers; a fresh entry's are new. */
		if (t && (!e || t != rcu_access_pointer(e->timers)))
			kfree(t);
	}
	for (k = 0; k < m->nr_fresh; k++)
		kmem_cache_free(sg_block_cache, m->fresh[k]);
	if (g) {
		/* Only pointers collected; nothing there was freed yet. */
		g->nr_entries = 0;
		g->nr_timers = 0;
		g->set = NULL;
		sg_block_garbage_free(g);
	}
	m->garbage = NULL;
}

static bool sg_prefix_is_host(const struct sg_prefix *p)
{
	return p->len == sg_prefix_max_len(p->family);
}

/* A new entry object for @p, freed by an undo. */
static struct sg_block_entry *sg_block_fresh(struct sg_block_merge *m,
					     const struct sg_prefix *p)
{
	struct sg_block_entry *n;

	n = kmem_cache_zalloc(sg_block_cache, GFP_KERNEL_ACCOUNT);
	if (!n)
		return NULL;
	n->pfx = *p;
	m->fresh[m->nr_fresh++] = n;
	return n;
}

/*
 * Item @it stays with (@feeds, @t), or retires when no feed lists it any
 * more.  A packed host that takes a timer becomes an entry object, with
 * its hits; the timers of a fresh one are @t.
 */
static int sg_block_keep(struct sg_block_merge *m,
			 const struct sg_block_item *it, u64 feeds,
			 struct sg_block_timers *t)
{
	struct sg_block_entry *e = it->m.e;
	struct sg_block_timers *cur = e ?
		rcu_dereference_protected(e->timers, true) : NULL;
	struct sg_block_garbage *g = m->garbage;
	struct sg_block_out *o = &m->out[m->nr_out];

	m->listings_removed += hweight64(it->m.feeds & ~feeds);
	if (!feeds) {
		if (e)
			g->entries[g->nr_entries++] = e;
		if (cur)
			g->timers[g->nr_timers++] = cur;
		if (t != cur)
			kfree(t);
		m->changed = true;
		return 0;
	}
	if (feeds != it->m.feeds || t != cur)
		m->changed = true;
	if (!e && t) {
		u64 hits, last_hit;

		e = sg_block_fresh(m, &it->pfx);
		if (!e) {
			kfree(t);
			return -ENOMEM;
		}
		sg_block_match_hits(m->old, &it->m, &hits, &last_hit);
		atomic64_set(&e->hits, hits);
		e->last_hit = last_hit;
		/* Not dead: publishing keeps the hits of a live entry. */
		e->feeds = feeds;
	}
	if (cur && t != cur)
		g->timers[g->nr_timers++] = cur;
	o->pfx = it->pfx;
	o->e = e;
	m->feeds[m->nr_out] = feeds;
	m->timers[m->nr_out] = t;
	m->nr_out++;
	return 0;
}

/* FAULT_ABSENT for a delete: the prefix and where it was looked for. */
static int sg_block_absent(struct sg_block_outcome *out,
			   const struct sg_prefix *p, bool in_feed)
{
	out->fault = SG_BLOCK_FAULT_ABSENT;
	out->absent = *p;
	out->absent_in_feed = in_feed;
	return -ENOENT;
}

/* The timers of item @it, under the lock. */
static struct sg_block_timers *
sg_block_item_timers(const struct sg_block_item *it)
{
	return it->m.e ? rcu_dereference_protected(it->m.e->timers, true) :
			 NULL;
}

/* An old entry that the change does not name. */
static int sg_block_merge_old(struct sg_block_merge *m,
			      const struct sg_block_change *c, u64 bit,
			      const struct sg_block_item *it)
{
	const struct sg_block_timers *cur = sg_block_item_timers(it);
	struct sg_block_timers *t = (struct sg_block_timers *)cur;
	u64 feeds = it->m.feeds;
	int err = 0;

	switch (c->op) {
	case SG_BLOCK_REPLACE:
	case SG_BLOCK_FLUSH:
		if (feeds & bit) {
			feeds &= ~bit;
			err = sg_timers_derive(cur, ~bit, 0, 0, &t);
		}
		break;
	case SG_BLOCK_EXPIRE: {
		u64 gone = sg_timers_expired(cur, jiffies);

		if (gone) {
			feeds &= ~gone;
			err = sg_timers_derive(cur, ~gone, 0, 0, &t);
		}
		break;
	}
	default:
		break;
	}
	if (err)
		return err;
	return sg_block_keep(m, it, feeds, t);
}

/*
 * The expiry of feed @bit's listing after an ADD timed @expires (0:
 * permanent) to an entry listed by @feeds with timers @cur.  A new listing
 * takes the change's timeout.  Listed already: permanent stays permanent,
 * a timed listing becomes permanent or, timed again, runs to the later
 * deadline.
 */
static unsigned long sg_block_add_expires(const struct sg_block_timers *cur,
					  u64 feeds, u64 bit,
					  unsigned long expires)
{
	unsigned long was = sg_block_listing_expires(cur, __ffs64(bit));

	if (!(feeds & bit))
		return expires;
	if (!was || !expires)
		return 0;
	return time_after(expires, was) ? expires : was;
}

/* An old entry that the change names. */
static int sg_block_merge_both(struct sg_block_merge *m,
			       const struct sg_block_change *c, u64 bit,
			       const struct sg_block_item *it,
			       struct sg_block_outcome *out)
{
	const struct sg_block_timers *cur = sg_block_item_timers(it);
	struct sg_block_timers *t = (struct sg_block_timers *)cur;
	u64 feeds = it->m.feeds;
	int err = 0;

	switch (c->op) {
	case SG_BLOCK_DEL:
		/* A dead entry (feeds 0) is listed nowhere. */
		if (!(feeds & bit))
			return sg_block_absent(out, &it->pfx, feeds != 0);
		feeds &= ~bit;
		err = sg_timers_derive(cur, ~bit, 0, 0, &t);
		break;
	case SG_BLOCK_ADD:
		err = sg_timers_derive(cur, ~0ULL, bit,
				       sg_block_add_expires(cur, feeds, bit,
							    c->expires),
				       &t);
		feeds |= bit;
		break;
	case SG_BLOCK_REPLACE:
		/* A feed's file lists its entries permanently. */
		feeds |= bit;
		err = sg_timers_derive(cur, ~0ULL, bit, 0, &t);
		break;
	default:
		break;
	}
	if (err)
		return err;
	return sg_block_keep(m, it, feeds, t);
}

/* A prefix that only the change names. */
static int sg_block_merge_new(struct sg_block_merge *m,
			      const struct sg_block_change *c, u64 bit,
			      const struct sg_prefix *p,
			      struct sg_block_outcome *out)
{
	struct sg_block_timers *t = NULL;
	struct sg_block_entry *n;
	int err;

	if (c->op == SG_BLOCK_DEL)
		return sg_block_absent(out, p, false);
	if (c->op == SG_BLOCK_ADD) {
		err = sg_timers_derive(NULL, 0, bit, c->expires, &t);
		if (err)
			return err;
	}
	/* A permanent host will be packed: no object. */
	n = NULL;
	if (t || !sg_prefix_is_host(p)) {
		n = sg_block_fresh(m, p);
		if (!n) {
			kfree(t);
			return -ENOMEM;
		}
	}
	m->changed = true;
	m->out[m->nr_out].pfx = *p;
	m->out[m->nr_out].e = n;
	m->feeds[m->nr_out] = bit;
	m->timers[m->nr_out] = t;
	m->nr_out++;
	return 0;
}

/* One pass over two sorted lists: the old entries and the change. */
static int sg_block_merge(struct sg_block_merge *m,
			  const struct sg_blockset *old,
			  const struct sg_block_change *c, int feed,
			  struct sg_block_outcome *out)
{
	u64 bit = feed >= 0 ? BIT_ULL(feed) : ~0ULL;
	struct sg_block_cursor cur = {};
	struct sg_block_item it;
	bool more = old && sg_block_next(old, &cur, &it);
	u32 j = 0, steps = 0;
	int err;

	while (more || j < c->nr) {
		const struct sg_prefix *p = j < c->nr ? &c->pfx[j] : NULL;
		int cmp = !more ? 1 : !p ? -1 : sg_prefix_cmp(&it.pfx, p);

		if (cmp < 0) {
			err = sg_block_merge_old(m, c, bit, &it);
			more = sg_block_next(old, &cur, &it);
		} else if (cmp == 0) {
			err = sg_block_merge_both(m, c, bit, &it, out);
			more = sg_block_next(old, &cur, &it);
			j++;
		} else {
			err = sg_block_merge_new(m, c, bit, p, out);
			j++;
		}
		if (err)
			return err;
		if (!(++steps % SG_BLOCK_STEP))
			cond_resched();
	}
	return 0;
}

static unsigned long sg_next_expiry(unsigned long a, unsigned long b)
{
	if (!a || !b)
		return a ?: b;
	return time_before(a, b) ? a : b;
}

static int sg_block_merge_alloc(struct sg_block_merge *m, u32 old_n, u32 nr)
{
	u32 max_out = old_n + nr;
	struct sg_block_garbage *g;

	m->out = kvmalloc_array(max_out, sizeof(*m->out), GFP_KERNEL_ACCOUNT);
	m->feeds = kvmalloc_array(max_out, sizeof(*m->feeds),
				  GFP_KERNEL_ACCOUNT);
	m->timers = kvmalloc_array(max_out, sizeof(*m->timers),
				   GFP_KERNEL_ACCOUNT);
	/* Packed hosts that take a timer become objects too. */
	m->fresh = kvmalloc_array(max_out, sizeof(*m->fresh),
				  GFP_KERNEL_ACCOUNT);
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	m->garbage = g;
	if (g) {
		g->entries = kvmalloc_array(old_n, sizeof(*g->entries),
					    GFP_KERNEL_ACCOUNT);
		g->timers = kvmalloc_array(old_n, sizeof(*g->timers),
					   GFP_KERNEL_ACCOUNT);
	}
	if ((max_out && (!m->out || !m->feeds || !m->timers || !m->fresh)) ||
	    !g ||
	    (old_n && (!g->entries || !g->timers)))
		return -ENOMEM;
	return 0;
}

static int sg_block_find_feed(struct sg_blockset *new,
			      const struct sg_block_change *c,
			      struct sg_block_outcome *out)
{
	int feed;

	if (!c->feed)
		return -1;
	if (c->op == SG_BLOCK_ADD || c->op == SG_BLOCK_REPLACE) {
		feed = sg_block_feed_get(new, c->feed);
		if (feed < 0)
			out->fault = SG_BLOCK_FAULT_FEEDS;
	} else {
		feed = sg_block_feed_find(new, c->feed);
		if (feed < 0) {
			out->fault = SG_BLOCK_FAULT_NO_FEED;
			feed = -ENOENT;
		}
	}
	return feed;
}

/* Buckets of the merge's hash of feed sets: at most half full. */
#define SG_MASK_HASH_BITS	11

/* The id of feed set @mask in the merge's table; added if @add and room. */
static u16 sg_block_mask_id(struct sg_block_merge *m, u64 mask, bool add)
{
	u32 i = hash_64(mask, SG_MASK_HASH_BITS);

	BUILD_BUG_ON(SG_FEEDSETS_MAX * 2 > BIT(SG_MASK_HASH_BITS));
	for (;; i = (i + 1) & (BIT(SG_MASK_HASH_BITS) - 1)) {
		u16 id = m->mask_ids[i];

		if (!id)
			break;
		if (m->masks[id] == mask)
			return id;
	}
	if (!add || m->nr_masks == SG_FEEDSETS_MAX)
		return 0;
	m->masks[m->nr_masks] = mask;
	m->mask_ids[i] = m->nr_masks;
	return m->nr_masks++;
}

/* An entry object, live before the merge, with hits to carry. */
static bool sg_block_out_hit(const struct sg_block_out *o)
{
	/* A dead one is listed anew: hits anew. */
	return o->e && o->e->feeds && atomic64_read(&o->e->hits);
}

/*
 * Which merged entries are packed: permanent hosts whose feed set has an
 * id (up to SG_FEEDSETS_MAX - 1 distinct sets; past that, objects).
 * Every other entry gets an object.
 */
static int sg_block_pack_plan(struct sg_block_merge *m)
{
	u32 k;

	m->masks = kvcalloc(SG_FEEDSETS_MAX, sizeof(*m->masks),
			    GFP_KERNEL_ACCOUNT);
	m->mask_ids = kvcalloc(BIT(SG_MASK_HASH_BITS), sizeof(*m->mask_ids),
			       GFP_KERNEL_ACCOUNT);
	if (!m->masks || !m->mask_ids)
		return -ENOMEM;
	m->nr_masks = 1;
	for (k = 0; k < m->nr_out; k++) {
		struct sg_block_out *o = &m->out[k];

		if (!m->timers[k] && sg_prefix_is_host(&o->pfx) &&
		    sg_block_mask_id(m, m->feeds[k], true)) {
			m->nr_packed[o->pfx.family == AF_INET6]++;
			if (sg_block_out_hit(o))
				m->hits_carried++;
			continue;
		}
		if (!o->e) {
			o->e = sg_block_fresh(m, &o->pfx);
			if (!o->e)
				return -ENOMEM;
		}
		m->nr_objects++;
		if (!(k % SG_BLOCK_STEP))
			cond_resched();
	}
	return 0;
}

/* Whether merged entry @k is packed (sg_block_pack_plan()). */
static bool sg_block_out_packed(struct sg_block_merge *m, u32 k)
{
	return !m->timers[k] && sg_prefix_is_host(&m->out[k].pfx) &&
	       sg_block_mask_id(m, m->feeds[k], false);
}

/* The new key of an old packed host's hit record, or 0: not carried. */
static u32 sg_block_hit_rekey(const struct sg_blockset *old, u32 key,
			      const void *arg)
{
	struct sg_block_table *t = (struct sg_block_table *)arg;
	struct sg_block_match m = { .host = key - 1, .family = AF_INET };
	struct sg_prefix p;
	const u16 *ids = old->table.hosts4.ids;
	u16 *id;

	if (m.host >= old->table.hosts4.nr) {
		m.host -= old->table.hosts4.nr;
		m.family = AF_INET6;
		ids = old->table.hosts6.ids;
	}
	/* Dead in the old snapshot: listed anew, hits anew. */
	if (!ids[m.host])
		return 0;
	sg_block_table_packed_prefix(&old->table, m.family, m.host, &p);
	id = sg_block_table_packed_id(t, &p, &m.host);
	if (!id)
		return 0;
	return 1 + m.host + (m.family == AF_INET ? 0 : t->hosts4.nr);
}

/*
 * The new snapshot's arrays from the merge: entry objects in entries[],
 * packed hosts in the table's sorted arrays, with their feed sets; and
 * the hit records that carry over.  Nothing is published.
 */
static int sg_block_lay_out(struct sg_block_merge *m, struct sg_blockset *new)
{
	struct sg_block_table *t = &new->table;
	struct sg_block_hosts4 *h4 = &t->hosts4;
	struct sg_block_hosts6 *h6 = &t->hosts6;
	const struct sg_block_hits *old_hits = m->old ?
		rcu_dereference_protected(m->old->hits, true) : NULL;
	struct sg_block_hits *hits;
	u32 k, n4 = 0, n6 = 0, no = 0;
	bool made;

	new->entries = kvmalloc_array(m->nr_objects, sizeof(*new->entries),
				      GFP_KERNEL_ACCOUNT);
	h4->keys = kvmalloc_array(m->nr_packed[0], sizeof(*h4->keys),
				  GFP_KERNEL_ACCOUNT);
	h4->ids = kvmalloc_array(m->nr_packed[0], sizeof(*h4->ids),
				 GFP_KERNEL_ACCOUNT);
	h6->keys = kvmalloc_array(m->nr_packed[1], sizeof(*h6->keys),
				  GFP_KERNEL_ACCOUNT);
	h6->ids = kvmalloc_array(m->nr_packed[1], sizeof(*h6->ids),
				 GFP_KERNEL_ACCOUNT);
	/* Room for feed sets that in-place changes make. */
	t->max_feedsets = min(m->nr_masks + SG_FEEDSETS_ROOM, SG_FEEDSETS_MAX);
	t->feedsets = kvcalloc(t->max_feedsets, sizeof(*t->feedsets),
			       GFP_KERNEL_ACCOUNT);
	hits = sg_block_hits_alloc((old_hits ? atomic_read(&old_hits->used) :
				    0) + m->hits_carried);
	rcu_assign_pointer(new->hits, hits);
	if ((m->nr_objects && !new->entries) || !hits || !t->feedsets ||
	    (m->nr_packed[0] && (!h4->keys || !h4->ids)) ||
	    (m->nr_packed[1] && (!h6->keys || !h6->ids)))
		return -ENOMEM;
	memcpy(t->feedsets, m->masks, m->nr_masks * sizeof(*t->feedsets));
	t->nr_feedsets = m->nr_masks;

	for (k = 0; k < m->nr_out; k++) {
		const struct sg_block_out *o = &m->out[k];
		u16 id = sg_block_out_packed(m, k) ?
			 sg_block_mask_id(m, m->feeds[k], false) : 0;
		u32 key;

		if (!id) {
			new->entries[no++] = o->e;
			continue;
		}
		if (o->pfx.family == AF_INET) {
			h4->keys[n4] = ntohl(o->pfx.addr.s6_addr32[0]);
			h4->ids[n4] = id;
			key = 1 + n4++;
		} else {
			const __be32 *a = o->pfx.addr.s6_addr32;

			h6->keys[n6].hi = (u64)ntohl(a[0]) << 32 | ntohl(a[1]);
			h6->keys[n6].lo = (u64)ntohl(a[2]) << 32 | ntohl(a[3]);
			h6->ids[n6] = id;
			key = 1 + m->nr_packed[0] + n6++;
		}
		/* An object that becomes packed keeps its hits. */
		if (sg_block_out_hit(o)) {
			struct sg_block_hit *r = sg_block_hit_rec(hits, key,
								  &made);

			if (r) {
				atomic64_set(&r->hits,
					     atomic64_read(&o->e->hits));
				r->last_hit = o->e->last_hit;
			}
		}
		if (!(k % SG_BLOCK_STEP))
			cond_resched();
	}
	h4->nr = n4;
	h6->nr = n6;
	new->nr_sorted = no;
	if (old_hits)
		sg_block_hits_copy(m->old, old_hits, hits, sg_block_hit_rekey,
				   t);
	return 0;
}

/* The earliest expiry of @t's listings, and @next. */
static unsigned long sg_timers_next(const struct sg_block_timers *t,
				    unsigned long next)
{
	unsigned int n;

	for (n = 0; t && n < hweight64(t->feeds); n++)
		next = sg_next_expiry(next, t->expires[n]);
	return next;
}

/* Per-feed counts and the earliest expiry, from the final values. */
static void sg_block_tally(struct sg_blockset *new,
			   const struct sg_block_merge *m)
{
	u32 k;

	for (k = 0; k < SMTPGUARD_MAX_FEEDS; k++)
		new->feeds[k].entries = 0;
	for (k = 0; k < m->nr_out; k++) {
		u64 bits;

		for (bits = m->feeds[k]; bits; bits &= bits - 1)
			new->feeds[__ffs64(bits)].entries++;
		new->next_expiry = sg_timers_next(m->timers[k],
						  new->next_expiry);
		if (!(k % SG_BLOCK_STEP))
			cond_resched();
	}
	for (k = 0; k < SMTPGUARD_MAX_FEEDS; k++) {
		if (!new->feeds[k].entries)
			memset(new->feeds[k].name, 0, sizeof(new->feeds[k].name));
		else
			new->nr_feeds++;
	}
}

static const struct sg_feed_mode *sg_mode_find(const struct sg_blocklist *bl,
					       const char *name)
{
	u32 i;

	for (i = 0; i < bl->nr_modes; i++)
		if (!strcmp(bl->modes[i].name, name))
			return &bl->modes[i];
	return NULL;
}

/* The masks of @set from the modes, under bl->lock. */
static void sg_block_apply_modes(const struct sg_blocklist *bl,
				 struct sg_blockset *set)
{
	u64 monitor = 0, in = 0, out = 0;
	u32 k;

	for (k = 0; k < SMTPGUARD_MAX_FEEDS; k++) {
		const struct sg_feed_mode *m;

		if (!set->feeds[k].name[0])
			continue;
		m = sg_mode_find(bl, set->feeds[k].name);
		if (!m)
			continue;
		if (m->action == SMTPGUARD_ACTION_MONITOR)
			monitor |= BIT_ULL(k);
		if (m->direction == SMTPGUARD_DIRECTION_IN)
			in |= BIT_ULL(k);
		else if (m->direction == SMTPGUARD_DIRECTION_OUT)
			out |= BIT_ULL(k);
	}
	WRITE_ONCE(set->monitor_feeds, monitor);
	WRITE_ONCE(set->in_feeds, in);
	WRITE_ONCE(set->out_feeds, out);
}

/*
 * A feed's action and direction; NULL leaves one as it is.  The default
 * (enforce, both) is no setting at all.  -ENOSPC when SMTPGUARD_MAX_FEEDS
 * feeds have settings already.  Under bl->lock.
 */
int sg_block_feed_set_mode(struct sg_blocklist *bl, const char *name,
			   const u8 *action, const u8 *direction,
			   struct sg_feed_mode *now)
{
	struct sg_feed_mode *m = (struct sg_feed_mode *)sg_mode_find(bl, name);
	struct sg_blockset *set = sg_block_locked(bl);

	*now = sg_block_feed_mode(bl, name);
	if (action)
		now->action = *action;
	if (direction)
		now->direction = *direction;
	if (!m) {
		if (now->action == SMTPGUARD_ACTION_ENFORCE &&
		    now->direction == SMTPGUARD_DIRECTION_BOTH)
			return 0;
		if (bl->nr_modes == SMTPGUARD_MAX_FEEDS)
			return -ENOSPC;
		m = &bl->modes[bl->nr_modes++];
	}
	*m = *now;
	if (m->action == SMTPGUARD_ACTION_ENFORCE &&
	    m->direction == SMTPGUARD_DIRECTION_BOTH)
		*m = bl->modes[--bl->nr_modes];
	if (set)
		sg_block_apply_modes(bl, set);
	return 0;
}

struct sg_feed_mode sg_block_feed_mode(const struct sg_blocklist *bl,
				       const char *name)
{
	const struct sg_feed_mode *m = sg_mode_find(bl, name);
	struct sg_feed_mode d = {};

	if (m)
		return *m;
	strscpy(d.name, name, sizeof(d.name));
	return d;
}

/*
 * A slot that takes a feed it did not hold starts its counters at 0; no
 * entry of the old snapshot names a free slot, so nothing counts there.
 */
static void sg_block_reset_new_slots(struct sg_blocklist *bl,
				     const struct sg_blockset *old,
				     const struct sg_blockset *new)
{
	u32 k;

	for (k = 0; k < SMTPGUARD_MAX_FEEDS; k++) {
		if (!new->feeds[k].name[0] ||
		    (old && sg_feed_in_use(&old->feeds[k]) &&
		     !strcmp(old->feeds[k].name, new->feeds[k].name)))
			continue;
		atomic64_set(&bl->stats[k].dropped, 0);
		atomic64_set(&bl->stats[k].would_drop, 0);
	}
}

/* The index of the first of @nr sorted entries after @p. */
static u32 sg_block_upper_bound(struct sg_block_entry *const *entries, u32 nr,
				const struct sg_prefix *p)
{
	u32 lo = 0, hi = nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (sg_prefix_cmp(&entries[mid]->pfx, p) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* @cur to the first entry after @after, for resuming a dump. */
void sg_block_seek(const struct sg_blockset *set, struct sg_block_cursor *cur,
		   const struct sg_prefix *after)
{
	cur->sorted = sg_block_upper_bound(set->entries, set->nr_sorted,
					   after);
	cur->added = sg_block_upper_bound(set->added, set->nr_added, after);
	cur->host4 = sg_block_table_packed_after(&set->table, AF_INET, after);
	cur->host6 = sg_block_table_packed_after(&set->table, AF_INET6, after);
}

/* The next live packed host at or after @cur, into @m and @p. */
static bool sg_block_next_packed(const struct sg_blockset *set,
				 struct sg_block_cursor *cur,
				 struct sg_block_match *m, struct sg_prefix *p)
{
	const struct sg_block_table *t = &set->table;

	while (cur->host4 < t->hosts4.nr && !t->hosts4.ids[cur->host4])
		cur->host4++;
	if (cur->host4 < t->hosts4.nr) {
		m->family = AF_INET;
		m->host = cur->host4;
		m->feeds = t->feedsets[t->hosts4.ids[cur->host4]];
	} else {
		while (cur->host6 < t->hosts6.nr &&
		       !t->hosts6.ids[cur->host6])
			cur->host6++;
		if (cur->host6 == t->hosts6.nr)
			return false;
		m->family = AF_INET6;
		m->host = cur->host6;
		m->feeds = t->feedsets[t->hosts6.ids[cur->host6]];
	}
	m->e = NULL;
	sg_block_table_packed_prefix(t, m->family, m->host, p);
	return true;
}

/*
 * The entry at @cur into @it, then @cur past it; false after the last.
 * Entry objects of both arrays and live packed hosts, merged by prefix: a
 * prefix is in one of them only (blockset.c).  Under the lock, or on a
 * snapshot no in-place change reaches.
 */
bool sg_block_next(const struct sg_blockset *set, struct sg_block_cursor *cur,
		   struct sg_block_item *it)
{
	struct sg_block_entry *a = cur->sorted < set->nr_sorted ?
				   set->entries[cur->sorted] : NULL;
	struct sg_block_entry *b = cur->added < set->nr_added ?
				   set->added[cur->added] : NULL;
	struct sg_block_match packed;
	struct sg_prefix p;

	if (b && (!a || sg_prefix_cmp(&b->pfx, &a->pfx) < 0))
		a = b;
	if (sg_block_next_packed(set, cur, &packed, &p) &&
	    (!a || sg_prefix_cmp(&p, &a->pfx) < 0)) {
		it->pfx = p;
		it->m = packed;
		if (packed.family == AF_INET)
			cur->host4++;
		else
			cur->host6++;
		return true;
	}
	if (!a)
		return false;
	if (a == b)
		cur->added++;
	else
		cur->sorted++;
	it->pfx = a->pfx;
	it->m.e = a;
	it->m.feeds = READ_ONCE(a->feeds);
	return true;
}

/* A slot free since the last merge: none of its bits can be seen. */
static int sg_block_feed_fresh_slot(const struct sg_blockset *set)
{
	int i;

	for (i = 0; i < SMTPGUARD_MAX_FEEDS; i++) {
		if (!set->feeds[i].name[0])
			return i;
	}
	return -1;
}

/*
 * Feed @name takes fresh slot @k of @set in place: named, its counters
 * zeroed and its mode applied before any entry carries its bit.
 */
static void sg_block_feed_open(struct sg_blocklist *bl,
			       struct sg_blockset *set, int k,
			       const char *name)
{
	strscpy(set->feeds[k].name, name, sizeof(set->feeds[k].name));
	atomic64_set(&bl->stats[k].dropped, 0);
	atomic64_set(&bl->stats[k].would_drop, 0);
	sg_block_apply_modes(bl, set);
	WRITE_ONCE(set->nr_feeds, set->nr_feeds + 1);
}

/* Listed anew after dying in place: counts from 0, as a new entry would. */
static void sg_block_entry_reset(struct sg_block_entry *e)
{
	atomic64_set(&e->hits, 0);
	WRITE_ONCE(e->last_hit, 0);
}

/*
 * What an in-place change does to one entry, worked out before any of it:
 * to an entry object in its slot, to a new one (which may replace a live
 * packed host that takes a timer), or to a packed host.
 */
struct sg_block_step {
	struct sg_block_entry *e;	/* NULL: packed host @id */
	struct sg_block_entry **slot;	/* NULL: e is new, without a slot */
	u16 *id;			/* the packed host's, or NULL */
	u32 host;			/* ... and its index */
	u16 family;
	u64 feeds;			/* after */
	struct sg_block_timers *timers;	/* after */
};

/* An in-place change, planned: its steps and what they add up to. */
struct sg_block_plan {
	struct sg_block_step *steps;
	u32 nr;
	s32 feed_change[SMTPGUARD_MAX_FEEDS];
	u32 fresh;			/* entries listed anew */
	u32 new_entries;		/* of them, made by this change */
	u32 removed;			/* entries left with no listing */
	u32 timed;			/* entries new to the timed index */
	u32 listings_removed;
	bool changed;
	int new_feed;			/* a slot to open for new_name, or -1 */
	const char *new_name;
};

/* Undo the plan: what it allocated; nothing else was touched. */
static void sg_block_plan_undo(struct sg_block_plan *pl)
{
	u32 k;

	for (k = 0; k < pl->nr; k++) {
		struct sg_block_step *st = &pl->steps[k];
		struct sg_block_timers *cur = st->slot ?
			rcu_dereference_protected(st->e->timers, true) : NULL;

		if (st->timers != cur)
			kfree(st->timers);
		if (!st->slot && st->e)
			kmem_cache_free(sg_block_cache, st->e);
	}
	kvfree(pl->steps);
	pl->steps = NULL;
}

/*
 * The next step of @pl: entry @st->e (in @st->slot, or new when the slot
 * is NULL) goes from @was to st->feeds and st->timers, which the caller
 * set; the plan's totals follow.  -ENOMEM when a new entry cannot be
 * made (st->timers is then freed).
 */
static int sg_block_plan_add(struct sg_block_plan *pl,
			     struct sg_block_step *st, u64 was,
			     const struct sg_prefix *p)
{
	bool packed = st->id && !st->timers;
	u64 flips;

	if (!st->slot && !packed) {
		st->e = kmem_cache_zalloc(sg_block_cache, GFP_KERNEL_ACCOUNT);
		if (!st->e) {
			kfree(st->timers);
			return -ENOMEM;
		}
		st->e->pfx = *p;
	}
	for (flips = was ^ st->feeds; flips; flips &= flips - 1)
		pl->feed_change[__ffs64(flips)] +=
			st->feeds & flips & -flips ? 1 : -1;
	pl->listings_removed += hweight64(was & ~st->feeds);
	pl->new_entries += !st->slot && !packed;
	if (!was && st->feeds)
		pl->fresh++;
	else if (was && !st->feeds)
		pl->removed++;
	if (st->timers && (!st->slot || !st->e->timed_indexed))
		pl->timed++;
	if (packed ? st->feeds != was :
	    !st->slot || st->feeds != was ||
	    st->timers != rcu_access_pointer(st->e->timers))
		pl->changed = true;
	pl->nr++;
	return 0;
}

/*
 * One prefix of an ADD or DEL, planned.  1 when the change needs a merge:
 * a prefix to delete that is not listed (the merge words the fault).
 */
static int sg_block_plan_prefix(struct sg_block_plan *pl,
				struct sg_blockset *set,
				const struct sg_block_change *c, u64 bit,
				const struct sg_prefix *p)
{
	struct sg_block_step *st = &pl->steps[pl->nr];
	struct sg_block_timers *cur = NULL;
	u64 was = 0;
	int err;

	st->e = NULL;
	st->id = NULL;
	st->family = p->family;
	/* An object first: a packed host it replaced is dead (blockset.c). */
	st->slot = sg_block_table_host_slot(&set->table, p);
	if (st->slot) {
		st->e = sg_block_slot_tag(*st->slot, false);
		cur = rcu_dereference_protected(st->e->timers, true);
		was = st->e->feeds;	/* 0 when dead */
	} else {
		st->id = sg_block_table_packed_id(&set->table, p, &st->host);
		if (st->id)
			was = set->table.feedsets[*st->id];	/* 0: dead */
		/* Dead: a timed listing makes a new object beside it. */
		if (st->id && !was && c->expires)
			st->id = NULL;
	}
	if (c->op == SG_BLOCK_DEL) {
		if (!(was & bit))
			return 1;
		st->feeds = was & ~bit;
		err = sg_timers_derive(cur, ~bit, 0, 0, &st->timers);
	} else {
		st->feeds = was | bit;
		err = sg_timers_derive(cur, ~0ULL, bit,
				       sg_block_add_expires(cur, was, bit,
							    c->expires),
				       &st->timers);
	}
	if (err)
		return err;
	/* A packed host's new feed set needs an id; none left: merge. */
	if (st->id && !st->timers && st->feeds &&
	    sg_block_table_feedset_find(&set->table, st->feeds) < 0) {
		if (set->table.nr_feedsets == set->table.max_feedsets)
			return 1;
		sg_block_table_feedset_get(&set->table, st->feeds);
	}
	return sg_block_plan_add(pl, st, was, p);
}

/*
 * The new entries of @pl (those without a slot: in prefix order, as the
 * change's prefixes are) into added[], largest first, each after one
 * binary search, moving the entries above it once: a request of many
 * moves added[] once, not once per entry.  There is room; only the
 * writer and dumps, under the lock, read added[].
 */
static void sg_block_added_merge(struct sg_blockset *set,
				 const struct sg_block_plan *pl)
{
	u32 k = pl->nr, old = set->nr_added, left = pl->new_entries;

	while (left) {
		const struct sg_block_step *st = &pl->steps[--k];
		u32 at;

		/* In a slot, or a packed host: nothing to add. */
		if (st->slot || !st->e)
			continue;
		at = sg_block_upper_bound(set->added, old, &st->e->pfx);
		memmove(&set->added[at + left], &set->added[at],
			(old - at) * sizeof(*set->added));
		set->added[at + left - 1] = st->e;
		old = at;
		left--;
	}
	set->nr_added += pl->new_entries;
}

/* The hit record of packed host @st, if it has one. */
static struct sg_block_hit *sg_block_step_hits(struct sg_blockset *set,
					       const struct sg_block_step *st)
{
	struct sg_block_match m = { .host = st->host, .family = st->family };

	return sg_block_hit_rec(rcu_dereference_protected(set->hits, true),
				sg_block_hit_key(set, &m), NULL);
}

/* A packed host's step: one store of its feed set's id. */
static void sg_block_packed_apply(struct sg_blockset *set,
				  struct sg_block_step *st)
{
	struct sg_block_hit *r;

	if (!*st->id) {
		/* Listed anew: hits anew. */
		r = sg_block_step_hits(set, st);
		if (r) {
			atomic64_set(&r->hits, 0);
			WRITE_ONCE(r->last_hit, 0);
		}
		set->nr_dead--;
	} else if (!st->feeds) {
		set->nr_dead++;
	}
	/* Release: the feed set (and a feed opened in place) first. */
	smp_store_release(st->id, st->feeds ?
			  sg_block_table_feedset_get(&set->table, st->feeds) :
			  0);
}

/* Make one planned step; nothing can fail any more. */
static void sg_block_step_apply(struct sg_blockset *set,
				struct sg_block_step *st,
				struct sg_block_garbage *g, s64 *bytes)
{
	struct sg_block_entry *e = st->e;
	struct sg_block_timers *cur;

	if (!e) {
		sg_block_packed_apply(set, st);
		return;
	}
	cur = rcu_dereference_protected(e->timers, true);

	if (cur != st->timers) {
		rcu_assign_pointer(e->timers, st->timers);
		if (cur) {
			g->timers[g->nr_timers++] = cur;
			*bytes -= struct_size(cur, expires,
					      hweight64(cur->feeds));
		}
		if (st->timers)
			*bytes += struct_size(st->timers, expires,
					      hweight64(st->timers->feeds));
	}
	if (st->timers && !e->timed_indexed) {
		e->timed_indexed = true;
		set->timed[set->nr_timed++] = e;
	}
	if (!st->slot) {
		e->feeds = st->feeds;
		if (st->id) {
			/* A packed host that took a timer: its hits move. */
			struct sg_block_hit *r = sg_block_step_hits(set, st);

			if (r) {
				atomic64_set(&e->hits, atomic64_read(&r->hits));
				e->last_hit = READ_ONCE(r->last_hit);
			}
		}
		sg_block_table_host_insert(&set->table, e);
		*bytes += kmem_cache_size(sg_block_cache);
		if (st->id) {
			/* Found as the object from here: the host dies. */
			smp_store_release(st->id, 0);
			set->nr_dead++;
		}
		return;
	}
	if (!e->feeds) {
		sg_block_entry_reset(e);
		set->nr_dead--;
	} else if (!st->feeds) {
		set->nr_dead++;
	}
	/* Release: a feed opened in place is named before its bit shows. */
	smp_store_release(&e->feeds, st->feeds);
	/* Readers that found it dead see it listed from here, and back. */
	smp_store_release(st->slot, sg_block_slot_tag(e, !st->feeds));
}

/*
 * A kvmalloc'ed array of @n pointers for the set's in-place changes, on
 * the first one (its size is fixed until the next merge).
 */
static int sg_block_alloc_once(struct sg_block_entry ***arr, u32 n,
			       s64 *bytes)
{
	if (*arr)
		return 0;
	*arr = kvmalloc_array(n, sizeof(**arr), GFP_KERNEL_ACCOUNT);
	if (!*arr)
		return -ENOMEM;
	*bytes += (s64)n * sizeof(**arr);
	return 0;
}

/*
 * Make planned @pl in @set, publishing each entry with one store, and
 * @next_expiry the set's.  1 when it needs a merge after all (the set
 * would be empty, or past max_block_entries: the merge says so), 0 when
 * made, -ENOMEM.  The plan is used up either way.
 */
static int sg_block_commit(struct sg_blocklist *bl, struct sg_blockset *set,
			   struct sg_block_plan *pl, unsigned long next_expiry,
			   struct sg_block_outcome *out)
{
	u32 live = set->nr_entries + pl->fresh - pl->removed;
	struct sg_block_garbage *g = NULL;
	s64 bytes = 0;
	int err = 1;
	u32 k;

	if (!pl->changed) {
		sg_block_plan_undo(pl);
		set->next_expiry = next_expiry;
		out->next_expiry = next_expiry;
		return 0;
	}
	if (!live || (live > set->nr_entries && live > sg_block_max_entries()))
		goto undo;
	err = -ENOMEM;
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (g)
		g->timers = kvmalloc_array(pl->nr, sizeof(*g->timers),
					   GFP_KERNEL_ACCOUNT);
	if (!g || !g->timers ||
	    (pl->new_entries &&
	     sg_block_alloc_once(&set->added, set->in_place_max, &bytes)) ||
	    (pl->timed && sg_block_alloc_once(&set->timed, set->timed_max,
					      &bytes)))
		goto undo;

	if (pl->new_feed >= 0)
		sg_block_feed_open(bl, set, pl->new_feed, pl->new_name);
	for (k = 0; k < pl->nr; k++)
		sg_block_step_apply(set, &pl->steps[k], g, &bytes);
	sg_block_added_merge(set, pl);
	for (k = 0; k < SMTPGUARD_MAX_FEEDS; k++) {
		if (!pl->feed_change[k])
			continue;
		set->feeds[k].entries += pl->feed_change[k];
		/* Emptied: retired until the next merge (sg_feed_in_use()). */
		if (!set->feeds[k].entries)
			WRITE_ONCE(set->nr_feeds, set->nr_feeds - 1);
	}
	set->next_expiry = next_expiry;
	WRITE_ONCE(set->nr_entries, live);
	WRITE_ONCE(set->bytes, set->bytes + bytes);
	WRITE_ONCE(bl->gen, bl->gen + 1);
	kvfree(pl->steps);
	pl->steps = NULL;
	INIT_RCU_WORK(&g->rwork, sg_block_gc_work);
	queue_rcu_work(sg_block_wq, &g->rwork);
	out->nr_entries = live;
	out->listings_removed = pl->listings_removed;
	out->next_expiry = next_expiry;
	return 0;

undo:
	sg_block_plan_undo(pl);
	if (g)
		kvfree(g->timers);
	kfree(g);
	/* An array allocated for nothing stays for the next change. */
	WRITE_ONCE(set->bytes, set->bytes + bytes);
	return err;
}

/*
 * A small ADD or DEL of host prefixes, made in @set itself; see the top
 * of this file.  1 when the change is not one (or would fail: the merge
 * words why), 0 when made, -ENOMEM.
 */
static int sg_block_update_in_place(struct sg_blocklist *bl,
				    struct sg_blockset *set,
				    const struct sg_block_change *c,
				    struct sg_block_outcome *out)
{
	struct sg_block_plan pl = { .new_feed = -1 };
	unsigned long next = set->next_expiry;
	u32 k, nr4 = 0;
	u64 bit = ~0ULL;
	int feed, err;

	if ((c->op != SG_BLOCK_ADD && c->op != SG_BLOCK_DEL) || !c->nr ||
	    (u64)set->nr_added + set->nr_dead + c->nr > set->in_place_max ||
	    (c->expires && (u64)set->nr_timed + c->nr > set->timed_max))
		return 1;
	if (c->feed) {
		feed = sg_block_feed_find(set, c->feed);
		if (feed < 0 && c->op == SG_BLOCK_ADD) {
			feed = sg_block_feed_fresh_slot(set);
			pl.new_feed = feed;
			pl.new_name = c->feed;
		}
		if (feed < 0)
			return 1;
		bit = BIT_ULL(feed);
	} else if (c->op == SG_BLOCK_ADD) {
		return 1;
	}
	for (k = 0; k < c->nr; k++) {
		if (c->pfx[k].len != sg_prefix_max_len(c->pfx[k].family))
			return 1;
		nr4 += c->pfx[k].family == AF_INET;
	}
	if ((nr4 && !sg_block_table_host_ready(&set->table, AF_INET, nr4)) ||
	    (nr4 < c->nr &&
	     !sg_block_table_host_ready(&set->table, AF_INET6, c->nr - nr4)))
		return 1;

	pl.steps = kvmalloc_array(c->nr, sizeof(*pl.steps), GFP_KERNEL_ACCOUNT);
	if (!pl.steps)
		return -ENOMEM;
	for (k = 0; k < c->nr; k++) {
		err = sg_block_plan_prefix(&pl, set, c, bit, &c->pfx[k]);
		if (err) {
			sg_block_plan_undo(&pl);
			return err;
		}
		next = sg_timers_next(pl.steps[k].timers, next);
	}
	return sg_block_commit(bl, set, &pl, next, out);
}

/*
 * The listings of timed host entries that ran out, removed in @set
 * itself: the timed index holds every entry that had a timer since the
 * last merge, so this costs the timed entries, not the set.  1 when it
 * takes a merge (a shorter prefix expires, or too many entries go), 0
 * when done (the exact next expiry in @out), -ENOMEM.
 */
static int sg_block_expire_in_place(struct sg_blocklist *bl,
				    struct sg_blockset *set,
				    struct sg_block_outcome *out)
{
	struct sg_block_plan pl = { .new_feed = -1 };
	/* One instant for both passes: the first counts what the second does. */
	unsigned long now = jiffies, next = 0;
	u32 k, nr = 0;
	int err;

	for (k = 0; k < set->nr_timed; k++) {
		const struct sg_block_entry *e = set->timed[k];
		const struct sg_block_timers *t =
			rcu_dereference_protected(e->timers, true);

		if (!(sg_timers_expired(t, now) & e->feeds))
			continue;
		if (e->pfx.len != sg_prefix_max_len(e->pfx.family) ||
		    !sg_block_table_host_ready(&set->table, e->pfx.family, 0))
			return 1;
		nr++;
	}
	if ((u64)set->nr_added + set->nr_dead + nr > set->in_place_max)
		return 1;
	pl.steps = kvmalloc_array(max(nr, 1U), sizeof(*pl.steps),
				  GFP_KERNEL_ACCOUNT);
	if (!pl.steps)
		return -ENOMEM;
	for (k = 0; k < set->nr_timed; k++) {
		struct sg_block_entry *e = set->timed[k];
		struct sg_block_timers *t =
			rcu_dereference_protected(e->timers, true);
		u64 gone = sg_timers_expired(t, now) & e->feeds;
		struct sg_block_step *st = &pl.steps[pl.nr];

		if (!gone) {
			next = sg_timers_next(t, next);
			continue;
		}
		st->e = e;
		st->id = NULL;
		st->slot = sg_block_table_host_slot(&set->table, &e->pfx);
		st->feeds = e->feeds & ~gone;
		err = sg_timers_derive(t, ~gone, 0, 0, &st->timers);
		if (!err)
			err = sg_block_plan_add(&pl, st, e->feeds, &e->pfx);
		if (err) {
			sg_block_plan_undo(&pl);
			return err;
		}
		next = sg_timers_next(st->timers, next);
	}
	return sg_block_commit(bl, set, &pl, next, out);
}

/*
 * The timed index of merged @set: room for its timed entries and for as
 * many again as in-place changes may add (in_place_max).
 */
static int sg_block_timed_alloc(struct sg_blockset *set,
				const struct sg_block_merge *m)
{
	u32 k, nr = 0;

	for (k = 0; k < m->nr_out; k++)
		nr += !!m->timers[k];
	set->timed_max = nr + set->in_place_max;
	if (!nr)
		return 0;
	set->timed = kvmalloc_array(set->timed_max, sizeof(*set->timed),
				    GFP_KERNEL_ACCOUNT);
	if (!set->timed)
		return -ENOMEM;
	set->bytes += (size_t)set->timed_max * sizeof(*set->timed);
	return 0;
}

/* @out before a change of @old: nothing changed yet. */
static void sg_block_outcome_init(struct sg_block_outcome *out,
				  const struct sg_blockset *old)
{
	memset(out, 0, sizeof(*out));
	out->nr_entries = old ? old->nr_entries : 0;
	out->next_expiry = old ? old->next_expiry : 0;
}

/*
 * Apply @c under bl->lock: all of it or, on error, nothing (out->fault
 * says why, when it was not for lack of memory).  Never waits for a grace
 * period: what only the old snapshot held goes to a worker.
 */
int sg_block_update(struct sg_blocklist *bl, const struct sg_block_change *c,
		    struct sg_block_outcome *out)
{
	struct sg_blockset *old = sg_block_locked(bl), *new;
	u32 old_n = old ? old->nr_sorted + old->nr_added +
			  old->table.hosts4.nr + old->table.hosts6.nr : 0;
	u32 old_live = old ? old->nr_entries : 0;
	struct sg_block_merge m = {};
	int feed, err;
	u32 k;

	sg_block_outcome_init(out, old);
	if (old) {
		err = c->op == SG_BLOCK_EXPIRE ?
		      sg_block_expire_in_place(bl, old, out) :
		      sg_block_update_in_place(bl, old, c, out);
		if (err == -ENOMEM) {
			out->fault = SG_BLOCK_FAULT_NOMEM;
			out->listings_removed = 0;
		}
		if (err <= 0)
			return err;
		/* Declined: whatever it noted is the merge's to say. */
		sg_block_outcome_init(out, old);
	}

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	/* Slots emptied in place are free in the new snapshot. */
	for (k = 0; old && k < SMTPGUARD_MAX_FEEDS; k++) {
		if (sg_feed_in_use(&old->feeds[k]))
			new->feeds[k] = old->feeds[k];
	}

	feed = sg_block_find_feed(new, c, out);
	if (feed < -1) {
		err = feed;
		goto err_free;
	}

	err = sg_block_merge_alloc(&m, old_n, c->nr);
	if (!err)
		err = sg_block_merge(&m, old, c, feed, out);
	if (err)
		goto err_merge;
	if (!m.changed) {
		/* Exact again: in-place deletes and re-times leave it early. */
		sg_block_tally(new, &m);
		if (old)
			old->next_expiry = new->next_expiry;
		out->next_expiry = new->next_expiry;
		sg_block_merge_undo(&m);
		sg_block_merge_free(&m);
		kfree(new);
		return 0;
	}
	if (m.nr_out > old_live && m.nr_out > sg_block_max_entries()) {
		out->fault = SG_BLOCK_FAULT_FULL;
		out->nr_entries = m.nr_out;
		err = -ENOSPC;
		goto err_merge;
	}

	sg_block_tally(new, &m);
	new->nr_entries = m.nr_out;
	new->in_place_max = max(new->nr_entries / SG_BLOCK_IN_PLACE_SHARE,
				SG_BLOCK_IN_PLACE_MIN);
	m.old = old;
	err = sg_block_pack_plan(&m);
	if (!err)
		err = sg_block_lay_out(&m, new);
	if (err)
		goto err_merge;
	new->bytes = sizeof(*new) +
		     (size_t)m.nr_objects * (sizeof(*new->entries) +
					     kmem_cache_size(sg_block_cache)) +
		     sg_block_hits_bytes(rcu_dereference_protected(new->hits,
								   true));
	if (new->nr_entries) {
		err = sg_block_build_tables(new, out);
		if (!err)
			err = sg_block_timed_alloc(new, &m);
		if (err)
			goto err_merge;
	}

	/* Past the last failure: make the entries final and publish. */
	for (k = 0; k < m.nr_out; k++) {
		struct sg_block_entry *e = m.out[k].e;
		struct sg_block_timers *t = m.timers[k];

		if (sg_block_out_packed(&m, k)) {
			/* An object no more: freed after a grace period. */
			if (e)
				m.garbage->entries[m.garbage->nr_entries++] = e;
			continue;
		}
		/* Dead since an in-place delete: listed anew, hits anew. */
		if (!e->feeds)
			sg_block_entry_reset(e);
		e->timed_indexed = t;
		if (t)
			new->timed[new->nr_timed++] = e;
		WRITE_ONCE(e->feeds, m.feeds[k]);
		if (t != rcu_access_pointer(e->timers))
			rcu_assign_pointer(e->timers, t);
		if (t)
			new->bytes += struct_size(t, expires,
						  hweight64(t->feeds));
		if (!(k % SG_BLOCK_STEP))
			cond_resched();
	}
	if (!new->nr_entries) {
		sg_blockset_free(new);
		new = NULL;
	} else {
		sg_block_apply_modes(bl, new);
		sg_block_reset_new_slots(bl, old, new);
	}
	rcu_assign_pointer(bl->set, new);
	WRITE_ONCE(bl->gen, bl->gen + 1);

	m.garbage->set = old;
	INIT_RCU_WORK(&m.garbage->rwork, sg_block_gc_work);
	queue_rcu_work(sg_block_wq, &m.garbage->rwork);
	m.garbage = NULL;

	out->nr_entries = new ? new->nr_entries : 0;
	out->rebuilt = true;
	out->listings_removed = m.listings_removed;
	out->next_expiry = new ? new->next_expiry : 0;
	m.nr_fresh = 0;
	sg_block_merge_free(&m);
	return 0;

err_merge:
	if (err == -ENOMEM && out->fault == SG_BLOCK_FAULT_NONE)
		out->fault = SG_BLOCK_FAULT_NOMEM;
	sg_block_merge_undo(&m);
	sg_block_merge_free(&m);
err_free:
	sg_blockset_free(new);
	if (out->fault != SG_BLOCK_FAULT_FULL)
		out->nr_entries = old_live;
	return err;
}

u32 sg_block_nr_entries(struct sg_blocklist *bl)
{
	const struct sg_blockset *set = sg_block_locked(bl);

	return set ? set->nr_entries : 0;
}

void sg_blocklist_init(struct sg_blocklist *bl, struct mutex *lock)
{
	RCU_INIT_POINTER(bl->set, NULL);
	bl->lock = lock;
	bl->gen = 0;
	bl->nr_modes = 0;
}

/* The namespace is gone, after a grace period: no reader is left. */
void sg_blocklist_destroy(struct sg_blocklist *bl)
{
	struct sg_blockset *set = rcu_dereference_protected(bl->set, true);
	struct sg_block_cursor cur = {};
	struct sg_block_item it;
	u32 k = 0;

	RCU_INIT_POINTER(bl->set, NULL);
	if (!set)
		return;
	/* The cursor never looks at an entry again once it returned it. */
	while (sg_block_next(set, &cur, &it)) {
		struct sg_block_entry *e = it.m.e;

		if (e) {
			kfree(rcu_dereference_protected(e->timers, true));
			kmem_cache_free(sg_block_cache, e);
		}
		if (!(++k % SG_BLOCK_STEP))
			cond_resched();
	}
	sg_blockset_free(set);
}

int __init sg_block_module_init(void)
{
	sg_block_table_seed();
	sg_block_wq = alloc_workqueue("smtpguard_block", WQ_UNBOUND, 0);
	if (!sg_block_wq)
		return -ENOMEM;
	sg_block_cache = kmem_cache_create("smtpguard_block",
					   sizeof(struct sg_block_entry), 0,
					   SLAB_ACCOUNT, NULL);
	if (!sg_block_cache) {
		destroy_workqueue(sg_block_wq);
		return -ENOMEM;
	}
	return 0;
}

void sg_block_module_exit(void)
{
	/* Every queue_rcu_work() has queued its work; then drain them. */
	rcu_barrier();
	destroy_workqueue(sg_block_wq);
	kmem_cache_destroy(sg_block_cache);
}
