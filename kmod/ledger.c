// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the offender ledger, records only.
 *
 * One record per internal host that broke the policy, so the admin learns
 * "which PC" in one look instead of grepping a log that floods under a bot.
 * A bot sending 100k packets a second updates one record: the data path
 * finds it under RCU and bumps atomics.  Locks are taken only for what
 * changes rarely: a new record or an eviction (the ledger's lock), a new
 * destination, MAC or interface (the record's own lock), and the LRU
 * position, at most once a second per record.  So the LRU order has a one
 * second grain, which is all eviction needs.
 *
 * The hash table starts small and grows (doubling at least) once records
 * average more than SG_LEDGER_CHAIN_AVG per bucket, as max_offenders may be
 * raised at any time.  A worker migrates the records into the new table a
 * batch of buckets at a time, so bottom halves are never off for long;
 * meanwhile lookups try both tables, and an insert, under the lock, looks
 * in both and adds to the new one.  A lockless lookup may miss a record
 * while it moves; the insert path then finds it under the lock.  Flushes
 * work in the same batches.
 *
 * Records are allocated in the data path (GFP_ATOMIC), charged to the
 * memory cgroup of whoever first configured the namespace (memcg.c), not
 * to the unlucky task that happened to be running.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/log2.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/netfilter.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "ledger.h"

#define SG_OFFENDERS_LIMIT		BIT(20)
#define SG_LEDGER_BUCKETS_MIN		64U
/* A new table is at most this large; it grows with its records. */
#define SG_LEDGER_BUCKETS_START		4096U
#define SG_LEDGER_BUCKETS_MAX		BIT(20)
#define SG_LEDGER_CHAIN_AVG		2
/* Buckets migrated or flushed per hold of the lock. */
#define SG_LEDGER_BATCH			64
#define SG_INTERVAL_DEFAULT		60U
#define SG_INTERVAL_MAX			86400U
#define SG_INSERTS_DEFAULT		1000U
#define SG_INSERTS_MAX			1048576U

int sg_param_set_bounded(const char *val, const struct kernel_param *kp,
			 unsigned int min, unsigned int max)
{
	unsigned int v;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	if (v < min || v > max)
		return -ERANGE;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static int sg_param_set_max_offenders(const char *val,
				      const struct kernel_param *kp)
{
	return sg_param_set_bounded(val, kp, 0, SG_OFFENDERS_LIMIT);
}

static int sg_param_set_interval(const char *val,
				 const struct kernel_param *kp)
{
	return sg_param_set_bounded(val, kp, 1, SG_INTERVAL_MAX);
}

static const struct kernel_param_ops sg_max_offenders_ops = {
	.set = sg_param_set_max_offenders,
	.get = param_get_uint,
};

static const struct kernel_param_ops sg_interval_ops = {
	.set = sg_param_set_interval,
	.get = param_get_uint,
};

static unsigned int sg_max_offenders = SMTPGUARD_OFFENDERS_DEFAULT;
module_param_cb(max_offenders, &sg_max_offenders_ops, &sg_max_offenders, 0644);
MODULE_PARM_DESC(max_offenders,
		 "Most offender records per network namespace, 0..1048576; 0 turns the ledger off (default 4096)");

static int sg_param_set_inserts(const char *val, const struct kernel_param *kp)
{
	return sg_param_set_bounded(val, kp, 0, SG_INSERTS_MAX);
}

static const struct kernel_param_ops sg_inserts_ops = {
	.set = sg_param_set_inserts,
	.get = param_get_uint,
};

/*
 * A flood of new hosts (spoofed sources from inside) may make this many
 * records a second per namespace; the rest are counted, not allocated.
 */
static unsigned int sg_inserts = SG_INSERTS_DEFAULT;
module_param_cb(offender_inserts, &sg_inserts_ops, &sg_inserts, 0644);
MODULE_PARM_DESC(offender_inserts,
		 "New offender records per second per network namespace, 0..1048576; 0: no limit (default 1000)");

static unsigned int sg_interval = SG_INTERVAL_DEFAULT;
module_param_cb(offender_interval, &sg_interval_ops, &sg_interval, 0644);
MODULE_PARM_DESC(offender_interval,
		 "Seconds between two reports (log line, event) about one offender, 1..86400 (default 60)");

static struct kmem_cache *sg_offender_cache __ro_after_init;
static siphash_key_t sg_ledger_key __ro_after_init;

int __init sg_ledger_module_init(void)
{
	get_random_bytes(&sg_ledger_key, sizeof(sg_ledger_key));
	sg_offender_cache = kmem_cache_create("smtpguard_offender",
					      sizeof(struct sg_offender), 0,
					      SLAB_ACCOUNT, NULL);
	return sg_offender_cache ? 0 : -ENOMEM;
}

void sg_ledger_module_exit(void)
{
	/* The records' call_rcu() callbacks use the cache. */
	rcu_barrier();
	kmem_cache_destroy(sg_offender_cache);
}

static struct sg_ledger_table *sg_ledger_table_alloc(u32 nr)
{
	struct sg_ledger_table *t;

	t = kvzalloc(struct_size(t, buckets, nr), GFP_KERNEL_ACCOUNT);
	if (t)
		t->mask = nr - 1;
	return t;
}

static u32 sg_offender_hash(const struct in6_addr *addr, u16 family)
{
	return (u32)siphash_3u64(((const u64 *)addr)[0],
				 ((const u64 *)addr)[1], family,
				 &sg_ledger_key);
}

static struct hlist_head *sg_ledger_bucket(struct sg_ledger_table *t,
					   u32 hash)
{
	return &t->buckets[hash & t->mask];
}

static void sg_ledger_resize_work(struct work_struct *work);

void sg_ledger_init(struct sg_ledger *l)
{
	spin_lock_init(&l->lock);
	INIT_LIST_HEAD(&l->lru);
	mutex_init(&l->resize_lock);
	INIT_WORK(&l->resize_work, sg_ledger_resize_work);
}

/*
 * The namespace is being configured for the first time (under its lock,
 * before its hooks exist): the caller's cgroup pays for the records.
 */
int sg_ledger_start(struct sg_ledger *l)
{
	unsigned int want = max(READ_ONCE(sg_max_offenders), 1U);
	struct sg_ledger_table *t;

	if (rcu_access_pointer(l->table))
		return 0;
	t = sg_ledger_table_alloc(clamp(roundup_pow_of_two(want),
					SG_LEDGER_BUCKETS_MIN,
					SG_LEDGER_BUCKETS_START));
	if (!t)
		return -ENOMEM;
	sg_memcg_init_current(&l->payer);
	rcu_assign_pointer(l->table, t);
	return 0;
}

/* The namespace is going: its hooks are gone, no resize may start. */
void sg_ledger_stop(struct sg_ledger *l)
{
	spin_lock_bh(&l->lock);
	l->stopped = true;
	spin_unlock_bh(&l->lock);
	cancel_work_sync(&l->resize_work);
}

/* After sg_ledger_stop() and a grace period: nobody else touches @l. */
void sg_ledger_destroy(struct sg_ledger *l)
{
	struct sg_offender *o, *tmp;
	u32 n = 0;

	list_for_each_entry_safe(o, tmp, &l->lru, lru) {
		kmem_cache_free(sg_offender_cache, o);
		if (!(++n % 1024))
			cond_resched();
	}
	INIT_LIST_HEAD(&l->lru);
	l->count = 0;
	kvfree(rcu_dereference_protected(l->table, true));
	kvfree(rcu_dereference_protected(l->future, true));
	RCU_INIT_POINTER(l->table, NULL);
	RCU_INIT_POINTER(l->future, NULL);
	sg_memcg_release(&l->payer);
	mutex_destroy(&l->resize_lock);
}

u32 sg_ledger_count(struct sg_ledger *l)
{
	return READ_ONCE(l->count);
}

u32 sg_ledger_gen(struct sg_ledger *l)
{
	return READ_ONCE(l->gen);
}

/* Buckets of the hash table; 0 before the first configuration. */
u32 sg_ledger_hashsize(struct sg_ledger *l)
{
	struct sg_ledger_table *t;
	u32 n;

	rcu_read_lock();
	t = rcu_dereference(l->table);
	n = t ? t->mask + 1 : 0;
	rcu_read_unlock();
	return n;
}

static void sg_offender_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(sg_offender_cache,
			container_of(head, struct sg_offender, rcu));
}

/* Under l->lock. */
static void sg_offender_unlink(struct sg_ledger *l, struct sg_offender *o)
{
	hlist_del_rcu(&o->hnode);
	list_del_init(&o->lru);
	o->dead = true;
	WRITE_ONCE(l->count, l->count - 1);
	WRITE_ONCE(l->gen, l->gen + 1);
	call_rcu(&o->rcu, sg_offender_free_rcu);
}

static struct sg_offender *sg_chain_find(struct sg_ledger *l,
					 struct hlist_head *head,
					 const struct in6_addr *addr,
					 u16 family)
{
	struct sg_offender *o;

	hlist_for_each_entry_rcu(o, head, hnode, lockdep_is_held(&l->lock)) {
		if (o->family == family && ipv6_addr_equal(&o->addr, addr))
			return o;
	}
	return NULL;
}

/*
 * Under RCU, a record may be missed while a resize moves it; under
 * l->lock the answer is exact.
 */
static struct sg_offender *sg_ledger_find(struct sg_ledger *l,
					  struct sg_ledger_table *t,
					  const struct in6_addr *addr,
					  u16 family, u32 hash)
{
	struct sg_offender *o = sg_chain_find(l, sg_ledger_bucket(t, hash),
					      addr, family);

	if (!o) {
		t = rcu_dereference_check(l->future, lockdep_is_held(&l->lock));
		if (t)
			o = sg_chain_find(l, sg_ledger_bucket(t, hash), addr,
					  family);
	}
	return o;
}

/* Under l->lock, after an insert: queue a resize when chains grew long. */
static void sg_ledger_maybe_grow(struct sg_ledger *l, struct sg_ledger_table *t)
{
	if (l->stopped || rcu_access_pointer(l->future) ||
	    t->mask + 1 >= SG_LEDGER_BUCKETS_MAX ||
	    l->count <= SG_LEDGER_CHAIN_AVG * (t->mask + 1))
		return;
	queue_work(system_unbound_wq, &l->resize_work);
}

static void sg_ledger_migrate(struct sg_ledger *l, struct sg_ledger_table *old,
			      struct sg_ledger_table *new)
{
	struct sg_offender *o;
	struct hlist_node *tmp;
	u32 b, i;

	for (b = 0; b <= old->mask; b += SG_LEDGER_BATCH) {
		spin_lock_bh(&l->lock);
		for (i = b; i <= old->mask && i < b + SG_LEDGER_BATCH; i++) {
			hlist_for_each_entry_safe(o, tmp, &old->buckets[i],
						  hnode) {
				u32 hash = sg_offender_hash(&o->addr,
							    o->family);

				/* A reader on @o follows it into the new
				 * chain, which ends: it may miss, never loop.
				 */
				hlist_del_rcu(&o->hnode);
				hlist_add_head_rcu(&o->hnode,
						   sg_ledger_bucket(new, hash));
			}
		}
		spin_unlock_bh(&l->lock);
		cond_resched();
	}
}

static void sg_ledger_resize_work(struct work_struct *work)
{
	struct sg_ledger *l = container_of(work, struct sg_ledger,
					   resize_work);
	struct sg_ledger_table *old, *new;
	struct mem_cgroup *memcg, *prev;
	u32 nr;

	mutex_lock(&l->resize_lock);
	old = rcu_dereference_protected(l->table,
					lockdep_is_held(&l->resize_lock));
	nr = min_t(u32, roundup_pow_of_two(max(READ_ONCE(l->count), 1U)) * 2,
		   SG_LEDGER_BUCKETS_MAX);
	if (nr <= old->mask + 1)
		goto out;

	memcg = sg_memcg_get(&l->payer);
	prev = set_active_memcg(memcg);
	new = sg_ledger_table_alloc(nr);
	set_active_memcg(prev);
	mem_cgroup_put(memcg);
	if (!new)
		goto out;

	spin_lock_bh(&l->lock);
	rcu_assign_pointer(l->future, new);
	WRITE_ONCE(l->gen, l->gen + 1);
	spin_unlock_bh(&l->lock);

	sg_ledger_migrate(l, old, new);

	spin_lock_bh(&l->lock);
	rcu_assign_pointer(l->table, new);
	RCU_INIT_POINTER(l->future, NULL);
	WRITE_ONCE(l->gen, l->gen + 1);
	spin_unlock_bh(&l->lock);
	kvfree_rcu(old, rcu);
out:
	mutex_unlock(&l->resize_lock);
}

/*
 * A host not yet in the ledger: allocate outside the lock, then insert
 * unless another CPU won the race.  *is_new says which happened.
 */
/*
 * Under l->lock: may one more record be made this second?  The window
 * restarts a second after it began.
 */
static bool sg_ledger_budget_take(struct sg_ledger *l, u32 budget)
{
	unsigned long now = jiffies;

	if (time_after_eq(now, l->budget_end)) {
		WRITE_ONCE(l->budget_end, now + HZ);
		WRITE_ONCE(l->budget_used, 0);
	}
	if (l->budget_used >= budget)
		return false;
	WRITE_ONCE(l->budget_used, l->budget_used + 1);
	return true;
}

/* Racy peek, before allocating: spent for this second already. */
static bool sg_ledger_budget_spent(const struct sg_ledger *l, u32 budget)
{
	return budget && READ_ONCE(l->budget_used) >= budget &&
	       time_before(jiffies, READ_ONCE(l->budget_end));
}

static struct sg_offender *sg_offender_add(struct sg_ledger *l,
					   const struct in6_addr *addr,
					   u16 family, u32 hash, u32 cap,
					   bool *is_new,
					   struct sg_ledger_note *note)
{
	u32 budget = READ_ONCE(sg_inserts);
	struct sg_ledger_table *t, *into;
	struct mem_cgroup *old_memcg;
	struct sg_offender *n, *o;
	u64 now = ktime_get_real_seconds();

	if (sg_ledger_budget_spent(l, budget)) {
		note->suppressed = true;
		return NULL;
	}
	old_memcg = sg_memcg_begin(&l->payer);
	n = kmem_cache_zalloc(sg_offender_cache, GFP_ATOMIC | __GFP_NOWARN);
	sg_memcg_end(old_memcg);
	if (!n)
		return NULL;
	n->addr = *addr;
	n->family = family;
	n->first_seen = now;
	n->last_seen = now;
	n->lru_stamp = jiffies;
	n->next_report = jiffies + READ_ONCE(sg_interval) * HZ;
	spin_lock_init(&n->lock);

	spin_lock_bh(&l->lock);
	t = rcu_dereference_protected(l->table, lockdep_is_held(&l->lock));
	o = sg_ledger_find(l, t, addr, family, hash);
	if (o) {
		spin_unlock_bh(&l->lock);
		kmem_cache_free(sg_offender_cache, n);
		*is_new = false;
		return o;
	}
	if (budget && !sg_ledger_budget_take(l, budget)) {
		spin_unlock_bh(&l->lock);
		kmem_cache_free(sg_offender_cache, n);
		note->suppressed = true;
		return NULL;
	}
	while (l->count >= cap && !list_empty(&l->lru)) {
		sg_offender_unlink(l, list_last_entry(&l->lru,
						      struct sg_offender, lru));
		note->evicted++;
	}
	/* During a resize, new records go to the new table. */
	into = rcu_dereference_protected(l->future, lockdep_is_held(&l->lock));
	hlist_add_head_rcu(&n->hnode, sg_ledger_bucket(into ?: t, hash));
	list_add(&n->lru, &l->lru);
	WRITE_ONCE(l->count, l->count + 1);
	WRITE_ONCE(l->gen, l->gen + 1);
	sg_ledger_maybe_grow(l, t);
	spin_unlock_bh(&l->lock);
	*is_new = true;
	return n;
}

/* The other end of the offence, as the record keeps it. */
static void sg_dest_build(struct sg_offender_dest *d,
			  const struct nf_hook_state *state,
			  const struct sk_buff *skb,
			  const struct sg_offence *off)
{
	memset(d, 0, sizeof(*d));
	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		d->family = AF_INET;
		d->addr.s6_addr32[0] = iph->daddr;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		d->family = AF_INET6;
		d->addr = ip6h->daddr;
	}
	d->port = off->port;
	d->proto = off->proto;
	d->reason = off->reason;
	if (off->feed)
		strscpy(d->feed, off->feed, sizeof(d->feed));
}

/* Under o->lock: @d becomes the most recent destination. */
static void sg_dest_push(struct sg_offender *o,
			 const struct sg_offender_dest *d)
{
	u8 i;

	for (i = 0; i < o->nr_dests; i++) {
		if (!memcmp(&o->dests[i], d, sizeof(*d)))
			break;
	}
	if (i == o->nr_dests && o->nr_dests < SMTPGUARD_OFFENDER_DESTS)
		WRITE_ONCE(o->nr_dests, o->nr_dests + 1);
	if (i == SMTPGUARD_OFFENDER_DESTS)
		i--;
	memmove(&o->dests[1], &o->dests[0], i * sizeof(*d));
	o->dests[0] = *d;
}

/*
 * Where the host is seen from (its own frames' MAC and interface) and what
 * it tried.  Returns true when the offence is of a kind new for the host:
 * a spammer that starts calling a C&C server is news right away.
 */
static bool sg_offender_note(struct sg_offender *o,
			     const struct nf_hook_state *state,
			     const struct sk_buff *skb,
			     const struct sg_offence *off,
			     const struct sg_offender_dest *d)
{
	const struct net_device *dev = state->in;
	const u8 *mac = NULL;
	bool dest_new, dev_new, mac_new, reason_new = false;

	if (dev && dev->type == ARPHRD_ETHER &&
	    skb_mac_header_was_set(skb) &&
	    skb_mac_header_len(skb) >= ETH_HLEN)
		mac = eth_hdr(skb)->h_source;

	/* data_race: racy peeks; a stale answer only costs the lock. */
	dest_new = data_race(memcmp(&o->dests[0], d, sizeof(*d))) != 0 ||
		   !READ_ONCE(o->nr_dests);
	dev_new = dev && READ_ONCE(o->ifindex) != dev->ifindex;
	/* data_race: as above. */
	mac_new = mac && data_race(!o->has_mac || !ether_addr_equal(o->mac, mac));
	if (!dest_new && !dev_new && !mac_new)
		return false;

	spin_lock_bh(&o->lock);
	if (dest_new) {
		sg_dest_push(o, d);
		/* A record's first reason is not news: it is new itself. */
		reason_new = o->reasons && !(o->reasons & off->reason);
		WRITE_ONCE(o->reasons, o->reasons | off->reason);
	}
	if (dev_new) {
		WRITE_ONCE(o->ifindex, dev->ifindex);
		strscpy(o->ifname, dev->name, sizeof(o->ifname));
	}
	if (mac_new) {
		ether_addr_copy(o->mac, mac);
		WRITE_ONCE(o->has_mac, true);
	}
	spin_unlock_bh(&o->lock);
	return reason_new;
}

void sg_offender_view(struct sg_offender *o, struct sg_offender_view *v)
{
	v->addr = o->addr;
	v->family = o->family;
	v->smtp_packets = atomic64_read(&o->smtp_packets);
	v->cnc_packets = atomic64_read(&o->cnc_packets);
	v->first_seen = o->first_seen;
	v->last_seen = READ_ONCE(o->last_seen);

	spin_lock_bh(&o->lock);
	memcpy(v->mac, o->mac, ETH_ALEN);
	v->has_mac = o->has_mac;
	v->ifindex = o->ifindex;
	memcpy(v->ifname, o->ifname, IFNAMSIZ);
	v->reasons = o->reasons;
	v->nr_dests = o->nr_dests;
	memcpy(v->dests, o->dests, sizeof(v->dests));
	spin_unlock_bh(&o->lock);
}

/*
 * Count the offence against its host, creating the record on first sight.
 * Returns whether this packet is the one that reports: the first of a new
 * offender or the first after its interval ran out; note->o is the record
 * then.  Under RCU (the data path).
 */
enum sg_report sg_ledger_record(struct sg_ledger *l,
				const struct nf_hook_state *state,
				const struct sk_buff *skb,
				const struct sg_offence *off,
				struct sg_ledger_note *note)
{
	struct sg_ledger_table *t = rcu_dereference(l->table);
	u32 cap = READ_ONCE(sg_max_offenders);
	struct sg_offender_dest d;
	struct sg_offender *o;
	struct in6_addr host;
	bool is_new = false, reason_new;
	unsigned long due;
	u16 family;
	u32 hash;

	note->o = NULL;
	note->evicted = 0;
	note->suppressed = false;
	if (!t || !cap)
		return SG_REPORT_OFF;

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		memset(&host, 0, sizeof(host));
		host.s6_addr32[0] = iph->saddr;
		family = AF_INET;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		host = ip6h->saddr;
		family = AF_INET6;
	}

	hash = sg_offender_hash(&host, family);
	o = sg_ledger_find(l, t, &host, family, hash);
	if (!o) {
		o = sg_offender_add(l, &host, family, hash, cap, &is_new,
				    note);
		if (!o)
			return SG_REPORT_NONE;
	}

	if (off->reason == SMTPGUARD_REASON_SMTP)
		atomic64_inc(&o->smtp_packets);
	else
		atomic64_inc(&o->cnc_packets);
	WRITE_ONCE(o->last_seen, ktime_get_real_seconds());

	sg_dest_build(&d, state, skb, off);
	reason_new = sg_offender_note(o, state, skb, off, &d);

	if (time_after(jiffies, READ_ONCE(o->lru_stamp) + HZ)) {
		WRITE_ONCE(o->lru_stamp, jiffies);
		spin_lock_bh(&l->lock);
		if (!o->dead)
			list_move(&o->lru, &l->lru);
		spin_unlock_bh(&l->lock);
	}

	if (reason_new) {
		WRITE_ONCE(o->next_report,
			   jiffies + READ_ONCE(sg_interval) * HZ);
	} else if (!is_new) {
		due = READ_ONCE(o->next_report);
		if (time_before(jiffies, due) ||
		    cmpxchg(&o->next_report, due,
			    jiffies + READ_ONCE(sg_interval) * HZ) != due)
			return SG_REPORT_NONE;
	}
	note->o = o;
	return is_new ? SG_REPORT_NEW : SG_REPORT_UPDATE;
}

bool sg_offender_matches(const struct sg_offender *o, u32 reason)
{
	return !reason || (READ_ONCE(o->reasons) & reason);
}

/*
 * Process context.  Returns the number of records removed.  A batch of
 * buckets per hold of the lock; a record that arrives meanwhile in a
 * bucket already flushed stays (it is news after the flush).
 */
u32 sg_ledger_flush(struct sg_ledger *l, u32 reason)
{
	struct sg_ledger_table *t;
	struct sg_offender *o;
	struct hlist_node *tmp;
	u32 b, i, n = 0;

	/* No migration meanwhile: every record is in l->table. */
	mutex_lock(&l->resize_lock);
	t = rcu_dereference_protected(l->table,
				      lockdep_is_held(&l->resize_lock));
	for (b = 0; t && b <= t->mask; b += SG_LEDGER_BATCH) {
		spin_lock_bh(&l->lock);
		for (i = b; i <= t->mask && i < b + SG_LEDGER_BATCH; i++) {
			hlist_for_each_entry_safe(o, tmp, &t->buckets[i],
						  hnode) {
				if (sg_offender_matches(o, reason)) {
					sg_offender_unlink(l, o);
					n++;
				}
			}
		}
		spin_unlock_bh(&l->lock);
		cond_resched();
	}
	mutex_unlock(&l->resize_lock);
	return n;
}

/*
 * Under RCU: call @fn for each record with @reason from @c on, until it
 * returns non-zero (then @c is left on that record) or all were seen.  A
 * resize moves records between buckets; it bumps the generation, which a
 * dump reports as NLM_F_DUMP_INTR.
 */
int sg_ledger_walk(struct sg_ledger *l, struct sg_ledger_cursor *c,
		   u32 reason, int (*fn)(struct sg_offender *o, void *arg),
		   void *arg)
{
	struct sg_ledger_table *t = rcu_dereference(l->table);
	struct sg_offender *o;
	int err;

	for (; t && c->bucket <= t->mask; c->bucket++, c->pos = 0) {
		long pos = 0;

		hlist_for_each_entry_rcu(o, &t->buckets[c->bucket], hnode) {
			if (pos++ < c->pos || !sg_offender_matches(o, reason))
				continue;
			err = fn(o, arg);
			if (err)
				return err;
			c->pos = pos;
		}
	}
	return 0;
}
