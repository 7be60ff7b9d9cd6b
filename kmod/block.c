// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the C&C blocklist, one per namespace.
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
 * Timeouts cost the data path nothing: a delayed work wakes at the earliest
 * expiry and publishes a snapshot without the expired entries, so an entry
 * blocks until then, never less.
 *
 * The set is an immutable snapshot.  Every change merges the old snapshot's
 * sorted entries with the sorted change into a new snapshot and publishes
 * it with one pointer swap, so a feed replace is atomic for the data path:
 * a packet sees the old set or the new one, never a mix.  Entries carry
 * their hit counters and are shared by consecutive snapshots; those no
 * longer listed are freed after a grace period.
 */

#include <linux/bitops.h>
#include <linux/ctype.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "smtpguard.h"

static unsigned int max_block_entries = SMTPGUARD_BLOCK_MAX_DEFAULT;
module_param(max_block_entries, uint, 0644);
MODULE_PARM_DESC(max_block_entries,
		 "most blocklist entries per network namespace (default "
		 __stringify(SMTPGUARD_BLOCK_MAX_DEFAULT) ")");

/* Expansion is at most 128 slots per prefix; this caps the worst case. */
#define SG_SLOTS_PER_ENTRY_MAX	4

static struct kmem_cache *sg_block_cache __read_mostly;
static hsiphash_key_t sg_hash_key4 __read_mostly;
static siphash_key_t sg_hash_key6 __read_mostly;

u32 sg_block_max_entries(void)
{
	return READ_ONCE(max_block_entries);
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

static bool sg_entry_expired(const struct sg_block_entry *e)
{
	unsigned long expires = READ_ONCE(e->expires);

	return expires && time_after_eq(jiffies, expires);
}

struct sg_block_entry *sg_block_lookup4(const struct sg_blockset *set,
					__be32 addr)
{
	unsigned long levels = set->levels4;
	u32 a = ntohl(addr);

	while (levels) {
		unsigned int bit = __fls(levels);
		unsigned int level = (bit + 1) * 8;
		u32 key = a & sg_mask4(level);
		u32 i = sg_hash4(key, level) & set->mask4;

		levels &= ~BIT(bit);
		for (;; i = (i + 1) & set->mask4) {
			const struct sg_block_slot4 *s = &set->slots4[i];

			if (!s->entry)
				break;
			if (s->key == key && s->level == level)
				return s->entry;
		}
	}
	return NULL;
}

struct sg_block_entry *sg_block_lookup6(const struct sg_blockset *set,
					const struct in6_addr *addr)
{
	unsigned long levels = set->levels6;
	u64 ahi, alo;

	sg_split6(addr, &ahi, &alo);
	while (levels) {
		unsigned int bit = __fls(levels);
		unsigned int level = (bit + 1) * 8;
		u64 hi = ahi, lo = alo;
		u32 i;

		levels &= ~BIT(bit);
		sg_mask6(&hi, &lo, level);
		i = sg_hash6(hi, lo, level) & set->mask6;
		for (;; i = (i + 1) & set->mask6) {
			const struct sg_block_slot6 *s = &set->slots6[i];

			if (!s->entry)
				break;
			if (s->hi == hi && s->lo == lo && s->level == level)
				return s->entry;
		}
	}
	return NULL;
}

/* Only matches write: a miss leaves every entry's cache line alone. */
void sg_block_hit(struct sg_block_entry *e)
{
	u64 now = ktime_get_real_seconds();

	atomic64_inc(&e->hits);
	if (READ_ONCE(e->last_hit) != now)
		WRITE_ONCE(e->last_hit, now);
}

/* Keeps the most specific entry when two expand into the same slot. */
static void sg_slot4_insert(struct sg_block_slot4 *slots, u32 mask, u32 key,
			    unsigned int level, struct sg_block_entry *e)
{
	u32 i = sg_hash4(key, level) & mask;

	for (; slots[i].entry; i = (i + 1) & mask) {
		if (slots[i].key == key && slots[i].level == level) {
			if (e->pfx.len > slots[i].entry->pfx.len)
				slots[i].entry = e;
			return;
		}
	}
	slots[i].key = key;
	slots[i].level = level;
	slots[i].entry = e;
}

static void sg_slot6_insert(struct sg_block_slot6 *slots, u32 mask, u64 hi,
			    u64 lo, unsigned int level,
			    struct sg_block_entry *e)
{
	u32 i = sg_hash6(hi, lo, level) & mask;

	for (; slots[i].entry; i = (i + 1) & mask) {
		if (slots[i].hi == hi && slots[i].lo == lo &&
		    slots[i].level == level) {
			if (e->pfx.len > slots[i].entry->pfx.len)
				slots[i].entry = e;
			return;
		}
	}
	slots[i].hi = hi;
	slots[i].lo = lo;
	slots[i].level = level;
	slots[i].entry = e;
}

/* At most half full, so a miss ends after about two slots. */
static u32 sg_table_size(u64 slots)
{
	return slots ? roundup_pow_of_two(max_t(u64, slots * 2, 16)) : 0;
}

static int sg_block_build_tables(struct sg_blockset *set,
				 struct netlink_ext_ack *extack)
{
	u64 want4 = 0, want6 = 0, limit;
	struct sg_block_slot4 *slots4 = NULL;
	struct sg_block_slot6 *slots6 = NULL;
	u32 n, size4, size6;

	for (n = 0; n < set->nr_entries; n++) {
		const struct sg_prefix *p = &set->entries[n]->pfx;
		unsigned int level = sg_level(p);

		if (p->family == AF_INET) {
			want4 += 1U << (level - p->len);
			set->levels4 |= BIT(level / 8 - 1);
		} else {
			want6 += 1U << (level - p->len);
			set->levels6 |= BIT(level / 8 - 1);
		}
	}
	limit = (u64)max(sg_block_max_entries(), 1024U) * SG_SLOTS_PER_ENTRY_MAX;
	if (want4 + want6 > limit) {
		NL_SET_ERR_MSG(extack,
			       "blocklist too large: its prefixes expand to more hash slots than max_block_entries allows");
		return -ENOSPC;
	}

	size4 = sg_table_size(want4);
	size6 = sg_table_size(want6);
	if (size4) {
		slots4 = kvcalloc(size4, sizeof(*slots4), GFP_KERNEL_ACCOUNT);
		if (!slots4)
			return -ENOMEM;
	}
	if (size6) {
		slots6 = kvcalloc(size6, sizeof(*slots6), GFP_KERNEL_ACCOUNT);
		if (!slots6) {
			kvfree(slots4);
			return -ENOMEM;
		}
	}

	for (n = 0; n < set->nr_entries; n++) {
		struct sg_block_entry *e = set->entries[n];
		unsigned int level = sg_level(&e->pfx);
		unsigned int i, count = 1U << (level - e->pfx.len);

		if (e->pfx.family == AF_INET) {
			u32 base = ntohl(e->pfx.addr.s6_addr32[0]);

			for (i = 0; i < count; i++)
				sg_slot4_insert(slots4, size4 - 1,
						base + (i << (32 - level)),
						level, e);
		} else {
			u64 hi, lo;

			sg_split6(&e->pfx.addr, &hi, &lo);
			for (i = 0; i < count; i++) {
				if (level <= 64)
					sg_slot6_insert(slots6, size6 - 1,
							hi + ((u64)i << (64 - level)),
							lo, level, e);
				else
					sg_slot6_insert(slots6, size6 - 1, hi,
							lo + ((u64)i << (128 - level)),
							level, e);
			}
		}
		if (!(n & 4095))
			cond_resched();
	}

	set->slots4 = slots4;
	set->slots6 = slots6;
	set->mask4 = size4 ? size4 - 1 : 0;
	set->mask6 = size6 ? size6 - 1 : 0;
	set->bytes += (size_t)size4 * sizeof(*slots4) +
		      (size_t)size6 * sizeof(*slots6);
	return 0;
}

static void sg_blockset_free(struct sg_blockset *set)
{
	if (!set)
		return;
	kvfree(set->slots4);
	kvfree(set->slots6);
	kvfree(set->entries);
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

int sg_block_feed_find(const struct sg_blockset *set, const char *name)
{
	int i;

	if (!set)
		return -1;
	for (i = 0; i < SMTPGUARD_MAX_FEEDS; i++) {
		if (set->feeds[i].name[0] && !strcmp(set->feeds[i].name, name))
			return i;
	}
	return -1;
}

static int sg_block_feed_get(struct sg_blockset *set, const char *name,
			     struct netlink_ext_ack *extack)
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
	NL_SET_ERR_MSG(extack, "too many feeds (max "
		       __stringify(SMTPGUARD_MAX_FEEDS) "); flush one first");
	return -ENOSPC;
}

/*
 * The merge's working arrays.  Nothing in an entry the data path can see
 * changes until the new snapshot is complete; then feeds[] and expires[]
 * are copied into the entries and the snapshot is published.
 */
struct sg_block_merge {
	struct sg_block_entry **out;
	u64 *feeds;
	unsigned long *expires;
	u32 nr_out;
	struct sg_block_entry **retired;
	u32 nr_retired;
	struct sg_block_entry **fresh;
	u32 nr_fresh;
	bool changed;
};

static void sg_block_merge_free(struct sg_block_merge *m)
{
	kvfree(m->out);
	kvfree(m->feeds);
	kvfree(m->expires);
	kvfree(m->retired);
	kvfree(m->fresh);
}

static void sg_block_keep(struct sg_block_merge *m, struct sg_block_entry *e,
			  u64 feeds, unsigned long expires)
{
	if (!feeds) {
		m->retired[m->nr_retired++] = e;
		m->changed = true;
		return;
	}
	if (feeds != e->feeds || expires != e->expires)
		m->changed = true;
	m->out[m->nr_out] = e;
	m->feeds[m->nr_out] = feeds;
	m->expires[m->nr_out] = expires;
	m->nr_out++;
}

/* A permanent listing wins over a timed one; two timeouts: the later. */
static unsigned long sg_expires_merge(unsigned long old, unsigned long add)
{
	if (!old || !add)
		return 0;
	return time_after(add, old) ? add : old;
}

/* ENOENT for a delete: name the prefix and where it was looked for. */
static void sg_err_absent(struct netlink_ext_ack *extack,
			  const struct sg_prefix *p, bool in_feed)
{
	const char *where = in_feed ? "that feed" : "the blocklist";

	if (p->family == AF_INET)
		sg_err_fmt(extack, "prefix to delete is not listed",
			   "%pI4/%u is not in %s", &p->addr.s6_addr32[0],
			   p->len, where);
	else
		sg_err_fmt(extack, "prefix to delete is not listed",
			   "%pI6c/%u is not in %s", &p->addr, p->len, where);
}

/* One pass over two sorted lists: the old entries and the change. */
static int sg_block_merge(struct sg_block_merge *m,
			  const struct sg_blockset *old,
			  const struct sg_block_change *c, int feed,
			  struct netlink_ext_ack *extack)
{
	u32 old_n = old ? old->nr_entries : 0;
	u64 bit = feed >= 0 ? BIT_ULL(feed) : ~0ULL;
	u32 i = 0, j = 0;

	while (i < old_n || j < c->nr) {
		struct sg_block_entry *e = i < old_n ? old->entries[i] : NULL;
		const struct sg_prefix *p = j < c->nr ? &c->pfx[j] : NULL;
		int cmp = !e ? 1 : !p ? -1 : sg_prefix_cmp(&e->pfx, p);

		if (cmp < 0) {		/* only in the old set */
			u64 feeds = e->feeds;

			if (c->op == SG_BLOCK_REPLACE || c->op == SG_BLOCK_FLUSH)
				feeds &= ~bit;
			else if (c->op == SG_BLOCK_EXPIRE &&
				 sg_entry_expired(e))
				feeds = 0;
			sg_block_keep(m, e, feeds, e->expires);
			i++;
		} else if (cmp == 0) {	/* in both */
			if (c->op == SG_BLOCK_DEL) {
				if (!(e->feeds & bit)) {
					sg_err_absent(extack, p, true);
					return -ENOENT;
				}
				sg_block_keep(m, e, e->feeds & ~bit,
					      e->expires);
			} else {
				sg_block_keep(m, e, e->feeds | bit,
					      c->op == SG_BLOCK_ADD ?
					      sg_expires_merge(e->expires,
							       c->expires) :
					      0);
			}
			i++;
			j++;
		} else {		/* only in the change */
			struct sg_block_entry *n;

			if (c->op == SG_BLOCK_DEL) {
				sg_err_absent(extack, p, false);
				return -ENOENT;
			}
			n = kmem_cache_zalloc(sg_block_cache,
					      GFP_KERNEL_ACCOUNT);
			if (!n)
				return -ENOMEM;
			n->pfx = *p;
			m->fresh[m->nr_fresh++] = n;
			m->changed = true;
			m->out[m->nr_out] = n;
			m->feeds[m->nr_out] = bit;
			m->expires[m->nr_out] = c->op == SG_BLOCK_ADD ?
						c->expires : 0;
			m->nr_out++;
			j++;
		}
		if (!((i + j) & 4095))
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

static void sg_block_schedule_gc(struct sg_net *sn,
				 const struct sg_blockset *set)
{
	long delay;

	if (!set || !set->next_expiry)
		return;
	delay = (long)(set->next_expiry - jiffies);
	mod_delayed_work(system_wq, &sn->block_gc, max(delay, 0L) + 1);
}

/*
 * Apply @c under sn->lock: all of it or, on error, nothing.  Sleeps: waits
 * for a grace period before freeing what the old snapshot alone held.
 */
int sg_block_update(struct sg_net *sn, const struct sg_block_change *c,
		    struct netlink_ext_ack *extack)
{
	struct sg_blockset *old = sg_block_locked(sn), *new;
	u32 old_n = old ? old->nr_entries : 0;
	struct sg_block_merge m = {};
	u32 k, max_out = old_n + c->nr;
	int feed = -1, err;

	lockdep_assert_held(&sn->lock);

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	if (old)
		memcpy(new->feeds, old->feeds, sizeof(new->feeds));

	if (c->feed) {
		if (c->op == SG_BLOCK_ADD || c->op == SG_BLOCK_REPLACE)
			feed = sg_block_feed_get(new, c->feed, extack);
		else
			feed = sg_block_feed_find(new, c->feed);
		if (feed < 0) {
			err = feed == -ENOSPC ? feed : -ENOENT;
			if (err == -ENOENT)
				sg_err_fmt(extack, "no such feed",
					   "no such feed: %s", c->feed);
			goto err_free;
		}
	}

	err = -ENOMEM;
	m.out = kvmalloc_array(max_out, sizeof(*m.out), GFP_KERNEL_ACCOUNT);
	m.feeds = kvmalloc_array(max_out, sizeof(*m.feeds), GFP_KERNEL_ACCOUNT);
	m.expires = kvmalloc_array(max_out, sizeof(*m.expires),
				   GFP_KERNEL_ACCOUNT);
	m.retired = kvmalloc_array(old_n, sizeof(*m.retired),
				   GFP_KERNEL_ACCOUNT);
	m.fresh = kvmalloc_array(c->nr, sizeof(*m.fresh), GFP_KERNEL_ACCOUNT);
	if ((max_out && (!m.out || !m.feeds || !m.expires)) ||
	    (old_n && !m.retired) || (c->nr && !m.fresh))
		goto err_merge;

	err = sg_block_merge(&m, old, c, feed, extack);
	if (err)
		goto err_merge;
	if (!m.changed) {
		sg_block_merge_free(&m);
		kfree(new);
		sg_block_schedule_gc(sn, old);
		return 0;
	}
	if (m.nr_out > old_n && m.nr_out > sg_block_max_entries()) {
		sg_err_fmt(extack, "blocklist is full (max_block_entries)",
			   "blocklist is full: %u entries, max_block_entries is %u",
			   m.nr_out, sg_block_max_entries());
		err = -ENOSPC;
		goto err_merge;
	}

	/* Per-feed counts and the earliest expiry, from the final values. */
	for (k = 0; k < SMTPGUARD_MAX_FEEDS; k++)
		new->feeds[k].entries = 0;
	for (k = 0; k < m.nr_out; k++) {
		u64 bits;

		for (bits = m.feeds[k]; bits; bits &= bits - 1)
			new->feeds[__ffs64(bits)].entries++;
		new->next_expiry = sg_next_expiry(new->next_expiry,
						  m.expires[k]);
	}
	for (k = 0; k < SMTPGUARD_MAX_FEEDS; k++) {
		if (!new->feeds[k].entries)
			memset(new->feeds[k].name, 0, sizeof(new->feeds[k].name));
		else
			new->nr_feeds++;
	}

	new->entries = m.out;
	new->nr_entries = m.nr_out;
	m.out = NULL;
	new->bytes = sizeof(*new) +
		     (size_t)new->nr_entries * (sizeof(*new->entries) +
						kmem_cache_size(sg_block_cache));
	if (new->nr_entries) {
		err = sg_block_build_tables(new, extack);
		if (err)
			goto err_built;
	}

	/* Past the last failure: make the entries final and publish. */
	for (k = 0; k < new->nr_entries; k++) {
		WRITE_ONCE(new->entries[k]->feeds, m.feeds[k]);
		WRITE_ONCE(new->entries[k]->expires, m.expires[k]);
	}
	if (!new->nr_entries) {
		sg_blockset_free(new);
		new = NULL;
	}
	rcu_assign_pointer(sn->block, new);
	WRITE_ONCE(sn->block_gen, sn->block_gen + 1);
	sg_block_schedule_gc(sn, new);

	synchronize_rcu();
	for (k = 0; k < m.nr_retired; k++)
		kmem_cache_free(sg_block_cache, m.retired[k]);
	sg_blockset_free(old);
	m.nr_fresh = 0;
	sg_block_merge_free(&m);
	return 0;

err_built:
	m.out = new->entries;
	new->entries = NULL;
err_merge:
	for (k = 0; k < m.nr_fresh; k++)
		kmem_cache_free(sg_block_cache, m.fresh[k]);
	sg_block_merge_free(&m);
err_free:
	sg_blockset_free(new);
	return err;
}

static void sg_block_gc(struct work_struct *work)
{
	struct sg_net *sn = container_of(to_delayed_work(work), struct sg_net,
					 block_gc);
	struct sg_block_change c = { .op = SG_BLOCK_EXPIRE };
	struct sg_event_config ev = { .has_count = true };
	const struct sg_blockset *set;

	mutex_lock(&sn->lock);
	set = sg_block_locked(sn);
	ev.count = set ? set->nr_entries : 0;
	/* On failure (no memory) try again in a second. */
	if (sg_block_update(sn, &c, NULL)) {
		mod_delayed_work(system_wq, &sn->block_gc, HZ);
	} else {
		set = sg_block_locked(sn);
		ev.count -= set ? set->nr_entries : 0;
		if (ev.count)
			sg_event_config(read_pnet(&sn->net), sn,
					SMTPGUARD_CMD_BLOCK_EXPIRE, &ev);
	}
	mutex_unlock(&sn->lock);
}

struct sg_block_txn *sg_block_txn_find(struct sg_net *sn, u32 id, u32 portid,
				       struct netlink_ext_ack *extack)
{
	struct sg_block_txn *txn;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(txn, &sn->txns, list) {
		if (txn->id != id)
			continue;
		if (txn->portid == portid)
			return txn;
		NL_SET_ERR_MSG(extack,
			       "transaction belongs to another socket");
		return ERR_PTR(-EPERM);
	}
	NL_SET_ERR_MSG(extack, "no such transaction");
	return ERR_PTR(-ENOENT);
}

void sg_block_txn_free(struct sg_net *sn, struct sg_block_txn *txn)
{
	lockdep_assert_held(&sn->lock);
	list_del(&txn->list);
	WRITE_ONCE(sn->nr_txns, sn->nr_txns - 1);
	kvfree(txn->pfx);
	kfree(txn);
}

/* The socket that opened them is gone: abort, nothing was applied. */
void sg_block_txn_release(struct sg_net *sn, u32 portid)
{
	struct sg_block_txn *txn, *tmp;

	/* Every genetlink socket close lands here: most have nothing to do,
	 * and must not wait behind a long change holding the lock.  A socket
	 * that opened one saw its BEGIN answered after the count went up.
	 */
	if (!READ_ONCE(sn->nr_txns))
		return;
	mutex_lock(&sn->lock);
	list_for_each_entry_safe(txn, tmp, &sn->txns, list) {
		if (txn->portid == portid)
			sg_block_txn_free(sn, txn);
	}
	mutex_unlock(&sn->lock);
}

void sg_block_init_net(struct sg_net *sn)
{
	INIT_LIST_HEAD(&sn->txns);
	INIT_DELAYED_WORK(&sn->block_gc, sg_block_gc);
	sn->next_txn_id = 1;
}

/* The namespace is going: no netlink user and no packet is left. */
void sg_block_exit_net(struct sg_net *sn)
{
	struct sg_block_txn *txn, *tmp;
	struct sg_blockset *set;
	u32 k;

	cancel_delayed_work_sync(&sn->block_gc);

	mutex_lock(&sn->lock);
	list_for_each_entry_safe(txn, tmp, &sn->txns, list)
		sg_block_txn_free(sn, txn);
	set = sg_block_locked(sn);
	RCU_INIT_POINTER(sn->block, NULL);
	mutex_unlock(&sn->lock);

	if (!set)
		return;
	synchronize_rcu();
	for (k = 0; k < set->nr_entries; k++) {
		kmem_cache_free(sg_block_cache, set->entries[k]);
		if (!(k & 4095))
			cond_resched();
	}
	sg_blockset_free(set);
}

int __init sg_block_init(void)
{
	get_random_bytes(&sg_hash_key4, sizeof(sg_hash_key4));
	get_random_bytes(&sg_hash_key6, sizeof(sg_hash_key6));
	sg_block_cache = kmem_cache_create("smtpguard_block",
					   sizeof(struct sg_block_entry), 0,
					   SLAB_ACCOUNT, NULL);
	return sg_block_cache ? 0 : -ENOMEM;
}

void sg_block_exit(void)
{
	kmem_cache_destroy(sg_block_cache);
}
