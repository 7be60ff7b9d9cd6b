/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the state of one network namespace, and the changes to it
 * that involve more than one of its parts (netns.c).
 *
 * The layers of kmod/, each calling only those below it:
 *
 *   main.c                       module init/exit, namespace lifetime
 *   genl_ops.c                   the family's ops table and policies
 *   nl_policy.c nl_block.c       the commands, by object
 *   nl_offender.c proc.c
 *   netns.c                      publishing a policy (hooks come and go
 *                                with the mode), blocklist changes and
 *                                their expiry
 *   hooks.c                      the packet path
 *   events.c                     configuration and offender events
 *   genl.c                       the family object, attribute helpers
 *   allow.c blockset.c ledger.c  data structures, no netlink
 *   block_table.c stats.c
 *   memcg.c prefix.c
 *
 * check/kmod_layers.py checks it on the built objects.
 */
#ifndef _SG_NETNS_H
#define _SG_NETNS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/ratelimit_types.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "allow.h"
#include "blockset.h"
#include "events.h"
#include "ledger.h"
#include "stats.h"

/* IPv4 and IPv6 at FORWARD, LOCAL_OUT and LOCAL_IN. */
#define SG_NR_HOOKS		6
/* IPv4 and IPv6 at PRE_ROUTING, for the blocklist only. */
#define SG_NR_PREROUTING_HOOKS	2

/* Feed loads in progress (nl_block.c), under sg_net.lock. */
struct sg_txns {
	struct list_head list;		/* struct sg_block_txn */
	u32 nr;
	u32 next_id;
	u64 staged;			/* prefixes staged in all of them */
};

struct sg_net {
	/* Serialises writers; protects what is marked "under lock". */
	struct mutex lock;
	struct sg_policy __rcu *policy;
	struct sg_counters counters;
	struct ratelimit_state log_rs;
	struct sg_blocklist block;
	struct sg_ledger ledger;
	struct sg_event_budget ev_budget;
	struct delayed_work block_expiry;	/* runs SG_BLOCK_EXPIRE */
	struct sg_txns txns;			/* under lock */
	bool hooks_registered;			/* under lock */
	bool prerouting_registered;		/* under lock */
	bool dying;				/* under lock: pre_exit ran */
	possible_net_t net;
	/* This namespace's registration: .priv leads the hooks here. */
	struct nf_hook_ops hook_ops[SG_NR_HOOKS];
	struct nf_hook_ops prerouting_ops[SG_NR_PREROUTING_HOOKS];
};

extern unsigned int sg_net_id;

static inline struct sg_net *sg_pernet(const struct net *net)
{
	return net_generic(net, sg_net_id);
}

static inline struct net *sg_net_of(struct sg_net *sn)
{
	return read_pnet(&sn->net);
}

static inline struct sg_policy *sg_policy_locked(struct sg_net *sn)
{
	return rcu_dereference_protected(sn->policy,
					 lockdep_is_held(&sn->lock));
}

int sg_netns_init(struct net *net, struct sg_net *sn);
void sg_netns_stop(struct sg_net *sn);
void sg_netns_destroy(struct sg_net *sn);
int sg_netns_publish(struct sg_net *sn, struct sg_policy *new);
bool sg_netns_wants_auto_enforce(const struct sg_policy *pol);
int sg_netns_auto_enforce(struct sg_net *sn, bool *switched);
int sg_netns_block_update(struct sg_net *sn, const struct sg_block_change *c,
			  struct sg_block_outcome *out);

#endif /* _SG_NETNS_H */
