/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: internal declarations shared by the module's files.
 * Every symbol visible outside its file carries the sg_ prefix.
 */
#ifndef _SG_SMTPGUARD_H
#define _SG_SMTPGUARD_H

#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/percpu.h>
#include <linux/ratelimit_types.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/seqlock.h>
#include <linux/types.h>
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

/* Per-CPU, written only by the CPU that owns it. */
struct sg_stats {
	u64 allowed;
	u64 dropped;
	u64 would_drop;
};

/* What /proc and STATS_GET report: current counters minus the baseline. */
struct sg_stats_report {
	u64 inspected;
	u64 allowed;
	u64 dropped;
	u64 would_drop;
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

/* allow.c */
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

/* proc.c */
int sg_proc_init_net(struct net *net);
void sg_proc_exit_net(struct net *net);

#endif /* _SG_SMTPGUARD_H */
