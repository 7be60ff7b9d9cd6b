// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the offender ledger, and the events that report it.
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
 * Records are allocated in the data path (GFP_ATOMIC), charged to the
 * memory cgroup of whoever first configured the namespace, not to the
 * unlucky task that happened to be running.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/log2.h>
#include <linux/memcontrol.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "smtpguard.h"

#define SG_OFFENDERS_LIMIT		BIT(20)
#define SG_LEDGER_BUCKETS_MIN		64U
#define SG_LEDGER_BUCKETS_MAX		BIT(16)
#define SG_INTERVAL_DEFAULT		60U
#define SG_INTERVAL_MAX			86400U

static int sg_param_set_bounded(const char *val, const struct kernel_param *kp,
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

static unsigned int sg_interval = SG_INTERVAL_DEFAULT;
module_param_cb(offender_interval, &sg_interval_ops, &sg_interval, 0644);
MODULE_PARM_DESC(offender_interval,
		 "Seconds between two reports (log line, event) about one offender, 1..86400 (default 60)");

static struct kmem_cache *sg_offender_cache __ro_after_init;
static siphash_key_t sg_ledger_key __ro_after_init;

/* Everything a record says, copied out under its lock. */
struct sg_offender_view {
	struct in6_addr addr;
	u16 family;
	u8 mac[ETH_ALEN];
	bool has_mac;
	int ifindex;
	char ifname[IFNAMSIZ];
	u32 reasons;
	u64 smtp_packets;
	u64 cnc_packets;
	u64 first_seen;
	u64 last_seen;
	u8 nr_dests;
	struct sg_offender_dest dests[SMTPGUARD_OFFENDER_DESTS];
};

int __init sg_ledger_init(void)
{
	get_random_bytes(&sg_ledger_key, sizeof(sg_ledger_key));
	sg_offender_cache = kmem_cache_create("smtpguard_offender",
					      sizeof(struct sg_offender), 0,
					      SLAB_ACCOUNT, NULL);
	return sg_offender_cache ? 0 : -ENOMEM;
}

void sg_ledger_exit(void)
{
	/* The records' call_rcu() callbacks use the cache. */
	rcu_barrier();
	kmem_cache_destroy(sg_offender_cache);
}

/* Under sn->lock, before the hooks of the namespace are registered. */
int sg_ledger_create(struct sg_net *sn)
{
	unsigned int want = max(READ_ONCE(sg_max_offenders), 1U);
	struct sg_ledger *l;
	u32 nr;

	lockdep_assert_held(&sn->lock);
	if (rcu_access_pointer(sn->ledger))
		return 0;

	nr = clamp(roundup_pow_of_two(want), SG_LEDGER_BUCKETS_MIN,
		   SG_LEDGER_BUCKETS_MAX);
	l = kvzalloc(struct_size(l, buckets, nr), GFP_KERNEL_ACCOUNT);
	if (!l)
		return -ENOMEM;
	spin_lock_init(&l->lock);
	INIT_LIST_HEAD(&l->lru);
	l->mask = nr - 1;
	l->memcg = get_mem_cgroup_from_mm(current->mm);
	rcu_assign_pointer(sn->ledger, l);
	return 0;
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
	l->count--;
	l->gen++;
	call_rcu(&o->rcu, sg_offender_free_rcu);
}

/* The hooks are gone by now; dumps and events still hold RCU readers. */
void sg_ledger_destroy(struct sg_net *sn)
{
	struct sg_ledger *l = rcu_dereference_protected(sn->ledger, true);
	struct sg_offender *o, *tmp;

	if (!l)
		return;
	RCU_INIT_POINTER(sn->ledger, NULL);
	spin_lock_bh(&l->lock);
	list_for_each_entry_safe(o, tmp, &l->lru, lru)
		sg_offender_unlink(l, o);
	spin_unlock_bh(&l->lock);
	mem_cgroup_put(l->memcg);
	kvfree_rcu(l, rcu);
}

u32 sg_ledger_count(struct sg_net *sn)
{
	struct sg_ledger *l;
	u32 n;

	rcu_read_lock();
	l = rcu_dereference(sn->ledger);
	n = l ? READ_ONCE(l->count) : 0;
	rcu_read_unlock();
	return n;
}

static u32 sg_offender_hash(const struct in6_addr *addr, u16 family)
{
	return (u32)siphash_3u64(((const u64 *)addr)[0],
				 ((const u64 *)addr)[1], family,
				 &sg_ledger_key);
}

static struct sg_offender *sg_offender_find(struct hlist_head *head,
					    const struct in6_addr *addr,
					    u16 family)
{
	struct sg_offender *o;

	hlist_for_each_entry_rcu(o, head, hnode) {
		if (o->family == family && ipv6_addr_equal(&o->addr, addr))
			return o;
	}
	return NULL;
}

/*
 * A host not yet in the ledger: allocate outside the lock, then insert
 * unless another CPU won the race.  *is_new says which happened.
 */
static struct sg_offender *sg_offender_add(struct sg_net *sn,
					   struct sg_ledger *l,
					   struct hlist_head *head,
					   const struct in6_addr *addr,
					   u16 family, u32 cap, bool *is_new)
{
	struct mem_cgroup *old_memcg;
	struct sg_offender *n, *o;
	u64 now = ktime_get_real_seconds();

	old_memcg = set_active_memcg(l->memcg);
	n = kmem_cache_zalloc(sg_offender_cache, GFP_ATOMIC | __GFP_NOWARN);
	set_active_memcg(old_memcg);
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
	o = sg_offender_find(head, addr, family);
	if (o) {
		spin_unlock_bh(&l->lock);
		kmem_cache_free(sg_offender_cache, n);
		*is_new = false;
		return o;
	}
	while (l->count >= cap && !list_empty(&l->lru)) {
		sg_offender_unlink(l, list_last_entry(&l->lru,
						      struct sg_offender, lru));
		this_cpu_inc(sn->stats->offenders_evicted);
	}
	hlist_add_head_rcu(&n->hnode, head);
	list_add(&n->lru, &l->lru);
	l->count++;
	l->gen++;
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
		d->addr.s6_addr32[0] = off->host_is_src ? iph->daddr :
							  iph->saddr;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		d->family = AF_INET6;
		d->addr = off->host_is_src ? ip6h->daddr : ip6h->saddr;
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
		o->nr_dests++;
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
	const struct net_device *dev = off->host_is_src ? state->in : state->out;
	const u8 *mac = NULL;
	bool dest_new, dev_new, mac_new, reason_new = false;

	if (off->host_is_src && dev && dev->type == ARPHRD_ETHER &&
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
		o->reasons |= off->reason;
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

static void sg_offender_view(struct sg_offender *o, struct sg_offender_view *v)
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

static int sg_nl_put_addr(struct sk_buff *skb, int type,
			  const struct in6_addr *addr, u16 family)
{
	struct sg_prefix p = {
		.addr = *addr,
		.family = family,
		.len = family == AF_INET ? 32 : 128,
	};

	return sg_nl_put_prefix(skb, type, &p);
}

static int sg_nl_put_dest(struct sk_buff *skb, const struct sg_offender_dest *d)
{
	struct nlattr *nest = nla_nest_start(skb, SMTPGUARD_OFFENDER_A_DEST);

	if (!nest)
		return -EMSGSIZE;
	if (sg_nl_put_addr(skb, SMTPGUARD_DEST_A_ADDR, &d->addr, d->family) ||
	    (d->port >= 0 && nla_put_u16(skb, SMTPGUARD_DEST_A_PORT, d->port)) ||
	    nla_put_u8(skb, SMTPGUARD_DEST_A_PROTO, d->proto) ||
	    nla_put_u32(skb, SMTPGUARD_DEST_A_REASON, d->reason) ||
	    (d->feed[0] && nla_put_string(skb, SMTPGUARD_DEST_A_FEED, d->feed))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sg_nl_put_offender(struct sk_buff *skb, struct sg_offender *o)
{
	struct sg_offender_view v;
	struct nlattr *nest;
	u8 i;

	sg_offender_view(o, &v);
	nest = nla_nest_start(skb, SMTPGUARD_A_OFFENDER);
	if (!nest)
		return -EMSGSIZE;
	if (sg_nl_put_addr(skb, SMTPGUARD_OFFENDER_A_ADDR, &v.addr, v.family) ||
	    (v.has_mac && nla_put(skb, SMTPGUARD_OFFENDER_A_MAC, ETH_ALEN,
				  v.mac)) ||
	    (v.ifindex && (nla_put_u32(skb, SMTPGUARD_OFFENDER_A_IFINDEX,
				       v.ifindex) ||
			   nla_put_string(skb, SMTPGUARD_OFFENDER_A_IFNAME,
					  v.ifname))) ||
	    nla_put_u32(skb, SMTPGUARD_OFFENDER_A_REASONS, v.reasons) ||
	    nla_put_u64_64bit(skb, SMTPGUARD_OFFENDER_A_PACKETS,
			      v.smtp_packets + v.cnc_packets,
			      SMTPGUARD_OFFENDER_A_PAD) ||
	    nla_put_u64_64bit(skb, SMTPGUARD_OFFENDER_A_SMTP_PACKETS,
			      v.smtp_packets, SMTPGUARD_OFFENDER_A_PAD) ||
	    nla_put_u64_64bit(skb, SMTPGUARD_OFFENDER_A_CNC_PACKETS,
			      v.cnc_packets, SMTPGUARD_OFFENDER_A_PAD) ||
	    nla_put_u64_64bit(skb, SMTPGUARD_OFFENDER_A_FIRST_SEEN,
			      v.first_seen, SMTPGUARD_OFFENDER_A_PAD) ||
	    nla_put_u64_64bit(skb, SMTPGUARD_OFFENDER_A_LAST_SEEN,
			      v.last_seen, SMTPGUARD_OFFENDER_A_PAD))
		goto cancel;
	for (i = 0; i < v.nr_dests; i++) {
		if (sg_nl_put_dest(skb, &v.dests[i]))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/*
 * Multicast a finished event.  Delivered to a listener, it counts as sent.
 * -ENOBUFS: a listener that set NETLINK_BROADCAST_ERROR (smtpguardctl
 * monitor does) had no room for it: dropped.  -ESRCH: nobody in this
 * namespace listens (genl_has_listeners() sees every namespace's
 * listeners, so a monitor in another one gets us this far), or only
 * listeners that asked not to hear of overruns: neither.
 */
static void sg_event_send(struct net *net, struct sg_net *sn,
			  struct sk_buff *skb, gfp_t gfp)
{
	int err = genlmsg_multicast_netns(&sg_nl_family, net, skb, 0,
					  SG_MCGRP_EVENTS, gfp);

	if (!err)
		this_cpu_inc(sn->stats->events_sent);
	else if (err != -ESRCH)
		this_cpu_inc(sn->stats->events_dropped);
}

static bool sg_event_wanted(struct net *net)
{
	return genl_has_listeners(&sg_nl_family, net, SG_MCGRP_EVENTS);
}

static void sg_event_offender(struct net *net, struct sg_net *sn,
			      struct sg_offender *o, u8 cmd, u8 mode)
{
	struct sk_buff *skb;
	void *hdr;

	if (!sg_event_wanted(net))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		goto dropped;
	hdr = genlmsg_put(skb, 0, 0, &sg_nl_family, 0, cmd);
	if (!hdr || nla_put_u8(skb, SMTPGUARD_A_MODE, mode) ||
	    sg_nl_put_offender(skb, o)) {
		nlmsg_free(skb);
		goto dropped;
	}
	genlmsg_end(skb, hdr);
	sg_event_send(net, sn, skb, GFP_ATOMIC);
	return;
dropped:
	this_cpu_inc(sn->stats->events_dropped);
}

static void sg_report_lead(char *buf, size_t len, struct sg_offender *o,
			   bool is_new)
{
	u64 smtp = atomic64_read(&o->smtp_packets);
	u64 cnc = atomic64_read(&o->cnc_packets);
	u64 age = ktime_get_real_seconds() - o->first_seen;
	char mac[24] = "";
	int n;

	if (READ_ONCE(o->has_mac))
		snprintf(mac, sizeof(mac), " mac %pM", o->mac);
	if (o->family == AF_INET)
		n = scnprintf(buf, len, "%soffender %pI4%s", is_new ? "new " : "",
			      &o->addr.s6_addr32[0], mac);
	else
		n = scnprintf(buf, len, "%soffender %pI6c%s",
			      is_new ? "new " : "", &o->addr, mac);
	if (is_new)
		scnprintf(buf + n, len - n, ": ");
	else
		scnprintf(buf + n, len - n,
			  ": %llu packets (smtp %llu, cnc %llu) since first seen %llu s ago, last: ",
			  smtp + cnc, smtp, cnc, age);
}

/*
 * Count the offence against its host, creating the record on first sight.
 * Returns whether this packet is the one that reports: the first of a new
 * offender or the first after its interval ran out.  @lead then holds the
 * start of the log line.
 */
enum sg_report sg_ledger_record(struct sg_net *sn,
				const struct nf_hook_state *state,
				const struct sk_buff *skb,
				const struct sg_offence *off,
				char *lead, size_t lead_len)
{
	struct sg_ledger *l = rcu_dereference(sn->ledger);
	u32 cap = READ_ONCE(sg_max_offenders);
	struct sg_offender_dest d;
	struct hlist_head *head;
	struct sg_offender *o;
	struct in6_addr host;
	bool is_new = false, reason_new;
	unsigned long due;
	u16 family;

	if (!l || !cap)
		return SG_REPORT_OFF;

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		memset(&host, 0, sizeof(host));
		host.s6_addr32[0] = off->host_is_src ? iph->saddr : iph->daddr;
		family = AF_INET;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		host = off->host_is_src ? ip6h->saddr : ip6h->daddr;
		family = AF_INET6;
	}

	head = &l->buckets[sg_offender_hash(&host, family) & l->mask];
	o = sg_offender_find(head, &host, family);
	if (!o) {
		o = sg_offender_add(sn, l, head, &host, family, cap, &is_new);
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

	sg_event_offender(state->net, sn, o,
			  is_new ? SMTPGUARD_CMD_OFFENDER_NEW :
				   SMTPGUARD_CMD_OFFENDER_UPDATE,
			  off->mode);
	sg_report_lead(lead, lead_len, o, is_new);
	return is_new ? SG_REPORT_NEW : SG_REPORT_UPDATE;
}

static bool sg_reason_matches(const struct sg_offender *o, u32 reason)
{
	return !reason || (READ_ONCE(o->reasons) & reason);
}

/* Under sn->lock.  Returns the number of records removed. */
u32 sg_ledger_flush(struct sg_net *sn, u32 reason)
{
	struct sg_ledger *l = rcu_dereference_protected(sn->ledger,
						lockdep_is_held(&sn->lock));
	struct sg_offender *o, *tmp;
	u32 n = 0;

	if (!l)
		return 0;
	spin_lock_bh(&l->lock);
	list_for_each_entry_safe(o, tmp, &l->lru, lru) {
		if (sg_reason_matches(o, reason)) {
			sg_offender_unlink(l, o);
			n++;
		}
	}
	spin_unlock_bh(&l->lock);
	return n;
}

/*
 * Resumes at (bucket, position in its chain); NLM_F_DUMP_INTR tells the
 * reader when records came or went meanwhile.
 */
int sg_nl_offender_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sg_net *sn = sg_pernet(sock_net(cb->skb->sk));
	const struct nlattr *reason_attr;
	unsigned long bucket = cb->args[0];
	long skip = cb->args[1];
	struct sg_ledger *l;
	u32 reason = 0;

	/* Validated by the op's policy before the first call. */
	reason_attr = nlmsg_find_attr(cb->nlh, GENL_HDRLEN, SMTPGUARD_A_REASON);
	if (reason_attr)
		reason = nla_get_u32(reason_attr);

	rcu_read_lock();
	l = rcu_dereference(sn->ledger);
	if (!l)
		goto out;
	cb->seq = READ_ONCE(l->gen) << 1 | 1;
	for (; bucket <= l->mask; bucket++, skip = 0) {
		struct sg_offender *o;
		long pos = 0;

		hlist_for_each_entry_rcu(o, &l->buckets[bucket], hnode) {
			void *hdr;

			if (pos++ < skip || !sg_reason_matches(o, reason))
				continue;
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, &sg_nl_family,
					  NLM_F_MULTI,
					  SMTPGUARD_CMD_OFFENDER_GET);
			if (!hdr)
				goto full;
			genl_dump_check_consistent(cb, hdr);
			if (sg_nl_put_offender(skb, o)) {
				genlmsg_cancel(skb, hdr);
				goto full;
			}
			genlmsg_end(skb, hdr);
			skip = pos;
		}
	}
	goto out;
full:
	cb->args[1] = skip;
out:
	cb->args[0] = bucket;
	rcu_read_unlock();
	return skb->len;
}

int sg_nl_offender_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sg_net *sn = sg_pernet(net);
	struct sg_event_config ev = {};
	struct sk_buff *msg;
	u32 reason = 0;
	void *hdr;
	int err;

	err = sg_nl_check_top_repeats(info, 0);
	if (err)
		return err;
	if (info->attrs[SMTPGUARD_A_REASON])
		reason = nla_get_u32(info->attrs[SMTPGUARD_A_REASON]);

	msg = sg_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	ev.count = sg_ledger_flush(sn, reason);
	ev.has_count = true;
	sg_event_config(net, sn, SMTPGUARD_CMD_OFFENDER_FLUSH, &ev);
	mutex_unlock(&sn->lock);
	return sg_nl_reply_send(msg, hdr, info,
				nla_put_u32(msg, SMTPGUARD_A_COUNT, ev.count));
}

/*
 * A configuration change, for `smtpguardctl monitor` (as `nft monitor`).
 * Under sn->lock, after the change was published.
 */
void sg_event_config(struct net *net, struct sg_net *sn, u8 cmd,
		     const struct sg_event_config *ev)
{
	const struct sg_blockset *set;
	const struct sg_policy *pol;
	struct sk_buff *skb;
	void *hdr;
	u32 i;

	if (!sg_event_wanted(net))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		goto dropped;
	/* One notification command, so a generic client can name it. */
	hdr = genlmsg_put(skb, 0, 0, &sg_nl_family, 0,
			  SMTPGUARD_CMD_CONFIG_CHANGE);
	if (!hdr || nla_put_u8(skb, SMTPGUARD_A_CHANGE, cmd))
		goto cancel;

	pol = sg_policy_locked(sn);
	set = sg_block_locked(sn);
	if (nla_put_u8(skb, SMTPGUARD_A_MODE, pol->mode) ||
	    (pol->mode_explicit &&
	     nla_put_flag(skb, SMTPGUARD_A_MODE_EXPLICIT)) ||
	    (ev->mode_auto && nla_put_flag(skb, SMTPGUARD_A_MODE_AUTO)) ||
	    nla_put_u32(skb, SMTPGUARD_A_ALLOW_ENTRIES, pol->nr_prefixes) ||
	    nla_put_u32(skb, SMTPGUARD_A_BLOCK_ENTRIES,
			set ? set->nr_entries : 0) ||
	    (ev->feed && nla_put_string(skb, SMTPGUARD_A_FEED, ev->feed)) ||
	    (ev->replace && nla_put_flag(skb, SMTPGUARD_A_REPLACE)) ||
	    (ev->has_count && nla_put_u32(skb, SMTPGUARD_A_COUNT, ev->count)))
		goto cancel;
	if (cmd == SMTPGUARD_CMD_PORTS_SET && sg_nl_put_ports(skb, pol))
		goto cancel;
	if (ev->nr_pfx <= SMTPGUARD_EVENT_MAX_PREFIXES) {
		for (i = 0; i < ev->nr_pfx; i++) {
			if (sg_nl_put_prefix(skb, SMTPGUARD_A_PREFIX,
					     &ev->pfx[i]))
				goto cancel;
		}
	}
	genlmsg_end(skb, hdr);
	sg_event_send(net, sn, skb, GFP_KERNEL);
	return;
cancel:
	nlmsg_free(skb);
dropped:
	this_cpu_inc(sn->stats->events_dropped);
}
