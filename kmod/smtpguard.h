/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: internal declarations shared by the module's files.
 * Every symbol visible outside its file carries the sg_ prefix.
 */
#ifndef _SG_SMTPGUARD_H
#define _SG_SMTPGUARD_H

#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/percpu.h>
#include <linux/ratelimit_types.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/seqlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include <linux/smtpguard.h>

/* Keep equal to PACKAGE_VERSION in dkms.conf. */
#define SMTPGUARD_VERSION	"0.1.0"

#define SG_DEFAULT_PORT		25

/* One allow-list entry as configured: the network address, host bits 0. */
struct sg_prefix {
	struct in6_addr addr;	/* AF_INET: the address is in s6_addr32[0] */
	u16 family;
	u8 len;
};

/* Inclusive address ranges, derived from the prefixes, host byte order. */
struct sg_range4 {
	u32 first;
	u32 last;
};

struct sg_u128 {
	u64 hi;
	u64 lo;
};

struct sg_range6 {
	struct sg_u128 first;
	struct sg_u128 last;
};

/*
 * The whole policy of one namespace, immutable once published.  Writers
 * build a new one under sg_net.lock and swap the pointer; the data path reads
 * it under RCU.  The first cache line holds all a non-SMTP packet looks at.
 *
 * refcnt is only for readers that must keep a snapshot across sleeps (a
 * netlink dump); the RCU readers in the data path take no reference.
 */
struct sg_policy {
	u8 mode;			/* enum smtpguard_mode */
	u8 nr_ports;
	u16 ports[SMTPGUARD_MAX_PORTS];	/* sorted, distinct */
	bool mode_explicit;		/* set by MODE_SET at least once */
	u32 nr_ranges4;
	u32 nr_ranges6;
	u32 nr_prefixes;
	const struct sg_range4 *ranges4;	/* sorted, disjoint */
	const struct sg_range6 *ranges6;	/* sorted, disjoint */
	const struct sg_prefix *prefixes;	/* sorted, distinct */
	refcount_t refcnt;
	struct rcu_head rcu;
	/* ranges6[], ranges4[] and prefixes[] follow, in that order */
	u64 data[];
};

/*
 * One blocklist entry.  Consecutive snapshots share it, so its counters
 * survive changes to the rest of the set; it is freed a grace period after
 * the last snapshot holding it was replaced.
 */
struct sg_block_entry {
	struct sg_prefix pfx;
	u64 feeds;		/* bit n: feed n lists it; written under lock */
	unsigned long expires;	/* jiffies; 0: never */
	atomic64_t hits;	/* written only on a match */
	u64 last_hit;		/* unix seconds of the last match, 0: never */
};

/* Hash slots: the key is the address masked to the slot's level. */
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

struct sg_feed {
	char name[SMTPGUARD_FEED_NAME_MAX + 1];	/* "": free */
	u32 entries;
};

/*
 * The blocklist of one namespace, immutable once published (see block.c).
 * NULL when empty.
 */
struct sg_blockset {
	u16 levels4;			/* bit n: level 8 * (n + 1) in use */
	u16 levels6;
	u32 mask4;			/* slots - 1 */
	u32 mask6;
	u32 nr_entries;
	const struct sg_block_slot4 *slots4;
	const struct sg_block_slot6 *slots6;
	struct sg_block_entry **entries;	/* sorted by prefix */
	unsigned long next_expiry;	/* jiffies; 0: nothing expires */
	size_t bytes;			/* everything above, entries included */
	u32 nr_feeds;
	struct sg_feed feeds[SMTPGUARD_MAX_FEEDS];
};

/* A feed load in progress: prefixes staged until commit or abort. */
struct sg_block_txn {
	struct list_head list;
	u32 id;
	u32 portid;			/* the socket that opened it */
	bool replace;
	char feed[SMTPGUARD_FEED_NAME_MAX + 1];
	struct sg_prefix *pfx;
	u32 nr;
	u32 cap;
};

/* The other end of an offence, as a ledger record keeps it. */
struct sg_offender_dest {
	struct in6_addr addr;
	int port;		/* the peer's port; -1: none */
	u16 family;
	u8 proto;
	u8 reason;		/* enum smtpguard_reason */
	char feed[SMTPGUARD_FEED_NAME_MAX + 1];	/* cnc: the listing feed */
};

/* One offending host (see ledger.c for who writes what, when). */
struct sg_offender {
	struct hlist_node hnode;	/* RCU hash chain */
	struct list_head lru;		/* under ledger->lock, newest first */
	struct in6_addr addr;
	u16 family;
	bool dead;			/* unlinked; under ledger->lock */
	atomic64_t smtp_packets;
	atomic64_t cnc_packets;
	u64 first_seen;			/* unix seconds */
	u64 last_seen;
	unsigned long lru_stamp;	/* jiffies of the last LRU move */
	unsigned long next_report;	/* jiffies; claimed by cmpxchg */
	/* Protects the fields below; written only when they change. */
	spinlock_t lock;
	u32 reasons;			/* OR of enum smtpguard_reason */
	int ifindex;
	char ifname[IFNAMSIZ];
	u8 mac[ETH_ALEN];
	bool has_mac;
	u8 nr_dests;
	struct sg_offender_dest dests[SMTPGUARD_OFFENDER_DESTS];
	struct rcu_head rcu;
};

/* The ledger of one namespace, created with its hooks, freed at exit. */
struct sg_ledger {
	spinlock_t lock;		/* inserts, evictions, LRU moves */
	struct list_head lru;
	u32 count;
	u32 gen;			/* bumped when records come or go */
	u32 mask;			/* buckets - 1 */
	struct mem_cgroup *memcg;	/* charged for the records */
	struct rcu_head rcu;
	struct hlist_head buckets[];
};

/* What the hooks tell the ledger about one refused packet. */
struct sg_offence {
	u32 reason;		/* enum smtpguard_reason */
	bool host_is_src;	/* false: a packet from a listed address */
	int port;		/* the peer's port; -1: none */
	u8 proto;
	u8 mode;
	const char *feed;	/* cnc: the feed listing the peer */
};

enum sg_report {
	SG_REPORT_OFF,		/* no ledger: log per packet, rate-limited */
	SG_REPORT_NONE,		/* counted; nothing to say this time */
	SG_REPORT_NEW,		/* the host's first offence */
	SG_REPORT_UPDATE,	/* its interval ran out */
};

/* What a configuration event says besides mode and entry counts. */
struct sg_event_config {
	const char *feed;
	const struct sg_prefix *pfx;
	u32 nr_pfx;
	u32 count;
	bool has_count;
	bool replace;
	bool mode_auto;
};

/* Index of the "events" group in the family's mcgrps[]. */
#define SG_MCGRP_EVENTS		0

/* Per-CPU, written only by the CPU that owns it. */
struct sg_stats {
	u64 allowed;
	u64 dropped;
	u64 would_drop;
	u64 cnc_dropped;
	u64 cnc_would_drop;
	u64 offenders_evicted;
	u64 events_sent;
	u64 events_dropped;
};

/* What /proc and STATS_GET report: current counters minus the baseline. */
struct sg_stats_report {
	u64 inspected;
	u64 allowed;
	u64 dropped;
	u64 would_drop;
	u64 cnc_dropped;
	u64 cnc_would_drop;
	u64 offenders_evicted;
	u64 events_sent;
	u64 events_dropped;
};

struct sg_net {
	struct sg_policy __rcu *policy;
	struct sg_stats __percpu *stats;
	struct ratelimit_state log_rs;
	/* Serialises writers; protects hooks_registered. */
	struct mutex lock;
	/* Counter values at the last STATS_RESET; written under lock. */
	seqcount_mutex_t baseline_seq;
	struct sg_stats baseline;
	bool hooks_registered;
	/* The blocklist; written under lock. */
	struct sg_blockset __rcu *block;
	u32 block_gen;			/* bumped on every publish, for dumps */
	struct list_head txns;		/* struct sg_block_txn, under lock */
	u32 nr_txns;
	u32 next_txn_id;
	struct delayed_work block_gc;	/* removes expired entries */
	struct sg_ledger __rcu *ledger;	/* NULL until first configured */
	possible_net_t net;		/* for the block_gc's events */
};

extern unsigned int sg_net_id;

static inline struct sg_net *sg_pernet(const struct net *net)
{
	return net_generic(net, sg_net_id);
}

static inline struct sg_policy *sg_policy_locked(struct sg_net *sn)
{
	return rcu_dereference_protected(sn->policy,
					 lockdep_is_held(&sn->lock));
}

static inline struct sg_blockset *sg_block_locked(struct sg_net *sn)
{
	return rcu_dereference_protected(sn->block, lockdep_is_held(&sn->lock));
}

/* allow.c */
int sg_prefix_cmp(const void *a, const void *b);
u32 sg_prefixes_sort_unique(struct sg_prefix *p, u32 nr);
struct sg_policy *sg_policy_new_default(void);
struct sg_policy *sg_policy_copy(const struct sg_policy *old);
struct sg_policy *sg_policy_copy_settings_only(const struct sg_policy *old);
int sg_policy_add(const struct sg_policy *old, struct sg_prefix *add,
		  u32 nr_add, struct sg_policy **newp);
int sg_policy_del(const struct sg_policy *old, struct sg_prefix *del,
		  u32 nr_del, struct sg_policy **newp);
bool sg_policy_has_prefix(const struct sg_policy *pol,
			  const struct sg_prefix *p);
int sg_prefix_check_host_bits(const struct sg_prefix *p,
			      struct sg_prefix *masked);
bool sg_allow_lookup4(const struct sg_policy *pol, __be32 addr);
bool sg_allow_lookup6(const struct sg_policy *pol, const struct in6_addr *a);
void sg_policy_put(struct sg_policy *pol);

static inline void sg_policy_get(struct sg_policy *pol)
{
	refcount_inc(&pol->refcnt);
}

/* block.c */
enum sg_block_op {
	SG_BLOCK_ADD,		/* the prefixes join the feed */
	SG_BLOCK_DEL,		/* they leave the feed (or all feeds) */
	SG_BLOCK_REPLACE,	/* the feed becomes exactly the prefixes */
	SG_BLOCK_FLUSH,		/* the feed (or every feed) is emptied */
	SG_BLOCK_EXPIRE,	/* entries past their timeout go */
};

struct sg_block_change {
	enum sg_block_op op;
	const char *feed;		/* NULL: all feeds (DEL, FLUSH) */
	unsigned long expires;		/* ADD: jiffies, 0: permanent */
	const struct sg_prefix *pfx;	/* sorted and distinct */
	u32 nr;
};

int __init sg_block_init(void);
void sg_block_exit(void);
void sg_block_init_net(struct sg_net *sn);
void sg_block_exit_net(struct sg_net *sn);
int sg_block_update(struct sg_net *sn, const struct sg_block_change *c,
		    struct netlink_ext_ack *extack);
struct sg_block_entry *sg_block_lookup4(const struct sg_blockset *set,
					__be32 addr);
struct sg_block_entry *sg_block_lookup6(const struct sg_blockset *set,
					const struct in6_addr *addr);
void sg_block_hit(struct sg_block_entry *e);
int sg_block_feed_find(const struct sg_blockset *set, const char *name);
bool sg_feed_name_valid(const char *name);
u32 sg_block_max_entries(void);
struct sg_block_txn *sg_block_txn_find(struct sg_net *sn, u32 id, u32 portid,
				       struct netlink_ext_ack *extack);
void sg_block_txn_free(struct sg_net *sn, struct sg_block_txn *txn);
void sg_block_txn_release(struct sg_net *sn, u32 portid);

/* main.c */
int sg_policy_publish(struct net *net, struct sg_net *sn,
		      struct sg_policy *new);
void sg_stats_read(struct sg_net *sn, struct sg_stats_report *r);
void sg_stats_reset(struct sg_net *sn);
const char *sg_mode_name(u8 mode);

/* hooks.c */
int sg_hooks_register(struct net *net);
void sg_hooks_unregister(struct net *net);

/* netlink.c */
int sg_netlink_init(void);
void sg_netlink_exit(void);
extern struct genl_family sg_nl_family;
struct genl_info;
int sg_nl_check_top_repeats(struct genl_info *info, unsigned long multi);
int sg_nl_parse_prefix(const struct nlattr *nest, struct sg_prefix *p,
		       struct netlink_ext_ack *extack);
int sg_nl_put_prefix(struct sk_buff *skb, int type, const struct sg_prefix *p);
struct sk_buff *sg_nl_reply_new(struct genl_info *info, void **hdrp);
int sg_nl_reply_send(struct sk_buff *msg, void *hdr, struct genl_info *info,
		     int err);
int sg_nl_auto_enforce(struct net *net, struct sg_net *sn, bool *switched);
int sg_nl_put_ports(struct sk_buff *msg, const struct sg_policy *pol);
void sg_nl_event_prefixes(struct net *net, struct sg_net *sn, u8 cmd,
			  const struct sg_prefix *pfx, u32 nr, bool mode_auto);

/* block_netlink.c: handlers for the ops table in netlink.c */
int sg_nl_block_add_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_block_del_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_block_flush_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_block_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sg_nl_block_test_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_txn_begin_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_txn_commit_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_txn_abort_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_feed_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

/* ledger.c */
struct nf_hook_state;
int __init sg_ledger_init(void);
void sg_ledger_exit(void);
int sg_ledger_create(struct sg_net *sn);
void sg_ledger_destroy(struct sg_net *sn);
u32 sg_ledger_count(struct sg_net *sn);
u32 sg_ledger_flush(struct sg_net *sn, u32 reason);
enum sg_report sg_ledger_record(struct sg_net *sn,
				const struct nf_hook_state *state,
				const struct sk_buff *skb,
				const struct sg_offence *off,
				char *lead, size_t lead_len);
void sg_event_config(struct net *net, struct sg_net *sn, u8 cmd,
		     const struct sg_event_config *ev);
int sg_nl_offender_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sg_nl_offender_flush_doit(struct sk_buff *skb, struct genl_info *info);

/* proc.c */
int sg_proc_init_net(struct net *net);
void sg_proc_exit_net(struct net *net);

#endif /* _SG_SMTPGUARD_H */
