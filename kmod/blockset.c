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
 * new one, never a mix.  Entries carry their hit counters and are shared
 * by consecutive snapshots.  What only the old snapshot held (its tables,
 * retired entries, replaced timers) is freed by a worker after a grace
 * period: the writer never waits for one under the namespace's lock, and
 * every long loop reschedules.
 *
 * A merge costs time in proportion to the whole set, which a fail2ban or
 * CrowdSec action adding one address to a million cannot afford.  So a
 * small ADD or DEL of host entries (/32, /128) within existing feeds is
 * made in the current snapshot instead (sg_block_update_in_place()):
 * each prefix is one store into its hash slot, which readers see whole, so
 * a packet sees each entry before or after, never half.  A new entry goes
 * to the snapshot's added[] and a deleted one stays, dead, where it was;
 * both until a merge, which the next large change or a budget of
 * in_place_max such entries brings, so that cost is shared by many
 * changes.
 */

#include <linux/bitops.h>
#include <linux/ctype.h>
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

/* Only matches write: a miss leaves every entry's cache line alone. */
void sg_block_hit(struct sg_block_entry *e)
{
	u64 now = ktime_get_real_seconds();

	atomic64_inc(&e->hits);
	if (READ_ONCE(e->last_hit) != now)
		WRITE_ONCE(e->last_hit, now);
}

/* The tables of @set's entries; FAULT_SLOTS when they expand too far. */
static int sg_block_build_tables(struct sg_blockset *set,
				 struct sg_block_outcome *out)
{
	u64 limit = (u64)max(sg_block_max_entries(), 1024U) *
		    SG_SLOTS_PER_ENTRY_MAX;
	int err;

	err = sg_block_table_build(&set->table, set->entries,
				   set->nr_entries, limit);
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
struct sg_block_merge {
	struct sg_block_entry **out;
	u64 *feeds;
	struct sg_block_timers **timers;
	u32 nr_out;
	struct sg_block_entry **fresh;	/* allocated by this change */
	u32 nr_fresh;
	struct sg_block_garbage *garbage;
	u32 listings_removed;
	bool changed;
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
}

/* Undo what a failed merge allocated; the old snapshot is untouched. */
static void sg_block_merge_undo(struct sg_block_merge *m)
{
	struct sg_block_garbage *g = m->garbage;
	u32 k;

	for (k = 0; k < m->nr_out; k++) {
		struct sg_block_timers *t = m->timers[k];

		if (t && t != rcu_access_pointer(m->out[k]->timers))
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

/* @e stays with (@feeds, @t), or retires when no feed lists it any more. */
static void sg_block_keep(struct sg_block_merge *m, struct sg_block_entry *e,
			  u64 feeds, struct sg_block_timers *t)
{
	struct sg_block_timers *cur = rcu_dereference_protected(e->timers,
								true);
	struct sg_block_garbage *g = m->garbage;

	m->listings_removed += hweight64(e->feeds & ~feeds);
	if (!feeds) {
		g->entries[g->nr_entries++] = e;
		if (cur)
			g->timers[g->nr_timers++] = cur;
		if (t != cur)
			kfree(t);
		m->changed = true;
		return;
	}
	if (feeds != e->feeds || t != cur)
		m->changed = true;
	if (cur && t != cur)
		g->timers[g->nr_timers++] = cur;
	m->out[m->nr_out] = e;
	m->feeds[m->nr_out] = feeds;
	m->timers[m->nr_out] = t;
	m->nr_out++;
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

/* An old entry that the change does not name. */
static int sg_block_merge_old(struct sg_block_merge *m,
			      const struct sg_block_change *c, u64 bit,
			      struct sg_block_entry *e)
{
	const struct sg_block_timers *cur =
		rcu_dereference_protected(e->timers, true);
	struct sg_block_timers *t = (struct sg_block_timers *)cur;
	u64 feeds = e->feeds;
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
	sg_block_keep(m, e, feeds, t);
	return 0;
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
			       struct sg_block_entry *e,
			       struct sg_block_outcome *out)
{
	const struct sg_block_timers *cur =
		rcu_dereference_protected(e->timers, true);
	struct sg_block_timers *t = (struct sg_block_timers *)cur;
	u64 feeds = e->feeds;
	int err = 0;

	switch (c->op) {
	case SG_BLOCK_DEL:
		/* A dead entry (feeds 0) is listed nowhere. */
		if (!(feeds & bit))
			return sg_block_absent(out, &e->pfx, feeds != 0);
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
	sg_block_keep(m, e, feeds, t);
	return 0;
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
	n = kmem_cache_zalloc(sg_block_cache, GFP_KERNEL_ACCOUNT);
	if (!n) {
		kfree(t);
		return -ENOMEM;
	}
	n->pfx = *p;
	m->fresh[m->nr_fresh++] = n;
	m->changed = true;
	m->out[m->nr_out] = n;
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
	struct sg_block_entry *e = old ? sg_block_next(old, &cur) : NULL;
	u32 j = 0, steps = 0;
	int err;

	while (e || j < c->nr) {
		const struct sg_prefix *p = j < c->nr ? &c->pfx[j] : NULL;
		int cmp = !e ? 1 : !p ? -1 : sg_prefix_cmp(&e->pfx, p);

		if (cmp < 0) {
			err = sg_block_merge_old(m, c, bit, e);
			e = sg_block_next(old, &cur);
		} else if (cmp == 0) {
			err = sg_block_merge_both(m, c, bit, e, out);
			e = sg_block_next(old, &cur);
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
	m->fresh = kvmalloc_array(nr, sizeof(*m->fresh), GFP_KERNEL_ACCOUNT);
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	m->garbage = g;
	if (g) {
		g->entries = kvmalloc_array(old_n, sizeof(*g->entries),
					    GFP_KERNEL_ACCOUNT);
		g->timers = kvmalloc_array(old_n, sizeof(*g->timers),
					   GFP_KERNEL_ACCOUNT);
	}
	if ((max_out && (!m->out || !m->feeds || !m->timers)) ||
	    (nr && !m->fresh) || !g ||
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
}

/*
 * The entry at @cur, then @cur past it; NULL after the last.  Entries of
 * both arrays, merged by prefix: a prefix is in one of them only.  Under
 * the lock, or on a snapshot no in-place change reaches.
 */
struct sg_block_entry *sg_block_next(const struct sg_blockset *set,
				     struct sg_block_cursor *cur)
{
	struct sg_block_entry *a = cur->sorted < set->nr_sorted ?
				   set->entries[cur->sorted] : NULL;
	struct sg_block_entry *b = cur->added < set->nr_added ?
				   set->added[cur->added] : NULL;

	if (a && (!b || sg_prefix_cmp(&a->pfx, &b->pfx) < 0)) {
		cur->sorted++;
		return a;
	}
	if (b)
		cur->added++;
	return b;
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

/* What an in-place change does to one entry, worked out before any of it. */
struct sg_block_step {
	struct sg_block_entry *e;
	struct sg_block_entry **slot;	/* NULL: e is new, without a slot */
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
		if (!st->slot)
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
	u64 flips;

	if (!st->slot) {
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
	pl->new_entries += !st->slot;
	if (!was && st->feeds)
		pl->fresh++;
	else if (was && !st->feeds)
		pl->removed++;
	if (st->timers && (!st->slot || !st->e->timed_indexed))
		pl->timed++;
	if (!st->slot || st->feeds != was ||
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
	st->slot = sg_block_table_host_slot(&set->table, p);
	if (st->slot) {
		st->e = sg_block_slot_tag(*st->slot, false);
		cur = rcu_dereference_protected(st->e->timers, true);
		was = st->e->feeds;	/* 0 when dead */
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
	return err ?: sg_block_plan_add(pl, st, was, p);
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

		if (st->slot)
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

/* Make one planned step; nothing can fail any more. */
static void sg_block_step_apply(struct sg_blockset *set,
				struct sg_block_step *st,
				struct sg_block_garbage *g, s64 *bytes)
{
	struct sg_block_entry *e = st->e;
	struct sg_block_timers *cur = rcu_dereference_protected(e->timers,
								true);

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
		sg_block_table_host_insert(&set->table, e);
		*bytes += kmem_cache_size(sg_block_cache);
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
	u32 old_n = old ? old->nr_sorted + old->nr_added : 0;
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
	new->entries = m.out;
	new->nr_entries = m.nr_out;
	new->nr_sorted = m.nr_out;
	new->in_place_max = max(new->nr_entries / SG_BLOCK_IN_PLACE_SHARE,
				SG_BLOCK_IN_PLACE_MIN);
	m.out = NULL;
	new->bytes = sizeof(*new) +
		     (size_t)(old_n + c->nr) * sizeof(*new->entries) +
		     (size_t)new->nr_entries * kmem_cache_size(sg_block_cache);
	if (new->nr_entries) {
		err = sg_block_build_tables(new, out);
		if (!err)
			err = sg_block_timed_alloc(new, &m);
		if (err)
			goto err_built;
	}

	/* Past the last failure: make the entries final and publish. */
	for (k = 0; k < new->nr_entries; k++) {
		struct sg_block_entry *e = new->entries[k];

		struct sg_block_timers *t = m.timers[k];

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

err_built:
	m.out = new->entries;
	new->entries = NULL;
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
	struct sg_block_entry *e;
	u32 k = 0;

	RCU_INIT_POINTER(bl->set, NULL);
	if (!set)
		return;
	/* The cursor never looks at an entry again once it returned it. */
	while ((e = sg_block_next(set, &cur))) {
		kfree(rcu_dereference_protected(e->timers, true));
		kmem_cache_free(sg_block_cache, e);
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
