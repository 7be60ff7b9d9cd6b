// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: SMTP egress allow-list and C&C blocklist for Linux routers
 * and hosts.
 *
 * Module init/exit and the per-namespace state.  Loading the module changes
 * no traffic: a namespace gets netfilter hooks only once its mode becomes
 * monitor or enforce, and loses them when it goes back to off.
 */

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/ratelimit.h>
#include <linux/seqlock.h>
#include <net/genetlink.h>

#include "smtpguard.h"

unsigned int sg_net_id __read_mostly;

/* 10 log lines per 5 s per namespace, then a "suppressed" summary. */
#define SG_LOG_INTERVAL		(5 * HZ)
#define SG_LOG_BURST		10

const char *sg_mode_name(u8 mode)
{
	switch (mode) {
	case SMTPGUARD_MODE_OFF:
		return "off";
	case SMTPGUARD_MODE_MONITOR:
		return "monitor";
	case SMTPGUARD_MODE_ENFORCE:
		return "enforce";
	}
	return "unknown";
}

/*
 * Make @new the policy of the namespace, under sn->lock.  Hooks are
 * registered before a policy that needs them is visible and unregistered
 * after one that does not, so a failure leaves everything as it was.
 * Consumes @new in every case.
 */
int sg_policy_publish(struct net *net, struct sg_net *sn, struct sg_policy *new)
{
	struct sg_policy *old;
	int err;

	lockdep_assert_held(&sn->lock);

	if (new->mode != SMTPGUARD_MODE_OFF && !sn->hooks_registered) {
		/* The hooks write to it; it outlives them until netns exit. */
		err = sg_ledger_create(sn);
		if (!err)
			err = sg_hooks_register(net);
		if (err) {
			sg_policy_put(new);
			return err;
		}
		sn->hooks_registered = true;
	}

	old = rcu_replace_pointer(sn->policy, new, lockdep_is_held(&sn->lock));
	sg_policy_put(old);

	if (new->mode == SMTPGUARD_MODE_OFF && sn->hooks_registered) {
		sg_hooks_unregister(net);
		sn->hooks_registered = false;
	}
	return 0;
}

static void sg_stats_sum(struct sg_net *sn, struct sg_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct sg_stats *s = per_cpu_ptr(sn->stats, cpu);

		sum->allowed += READ_ONCE(s->allowed);
		sum->dropped += READ_ONCE(s->dropped);
		sum->would_drop += READ_ONCE(s->would_drop);
		sum->cnc_dropped += READ_ONCE(s->cnc_dropped);
		sum->cnc_would_drop += READ_ONCE(s->cnc_would_drop);
		sum->offenders_evicted += READ_ONCE(s->offenders_evicted);
		sum->events_sent += READ_ONCE(s->events_sent);
		sum->events_dropped += READ_ONCE(s->events_dropped);
	}
}

/*
 * Lock-free for readers: the sum is taken inside the seqcount section, so a
 * reset racing with us makes us retry, and since the counters only grow,
 * "current - baseline" never goes below zero.
 */
void sg_stats_read(struct sg_net *sn, struct sg_stats_report *r)
{
	struct sg_stats now, base;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&sn->baseline_seq);
		base = sn->baseline;
		sg_stats_sum(sn, &now);
	} while (read_seqcount_retry(&sn->baseline_seq, seq));

	r->allowed = now.allowed - base.allowed;
	r->dropped = now.dropped - base.dropped;
	r->would_drop = now.would_drop - base.would_drop;
	r->inspected = r->allowed + r->dropped + r->would_drop;
	r->cnc_dropped = now.cnc_dropped - base.cnc_dropped;
	r->cnc_would_drop = now.cnc_would_drop - base.cnc_would_drop;
	r->offenders_evicted = now.offenders_evicted - base.offenders_evicted;
	r->events_sent = now.events_sent - base.events_sent;
	r->events_dropped = now.events_dropped - base.events_dropped;
}

/* The fast path keeps counting: a reset only moves the baseline. */
void sg_stats_reset(struct sg_net *sn)
{
	struct sg_event_config ev = {};
	struct sg_stats now;

	mutex_lock(&sn->lock);
	sg_stats_sum(sn, &now);
	write_seqcount_begin(&sn->baseline_seq);
	sn->baseline = now;
	write_seqcount_end(&sn->baseline_seq);
	sg_event_config(read_pnet(&sn->net), sn, SMTPGUARD_CMD_STATS_RESET, &ev);
	mutex_unlock(&sn->lock);
}

static int __net_init sg_net_init(struct net *net)
{
	struct sg_net *sn = sg_pernet(net);
	struct sg_policy *pol;
	int err;

	write_pnet(&sn->net, net);
	mutex_init(&sn->lock);
	seqcount_mutex_init(&sn->baseline_seq, &sn->lock);
	ratelimit_state_init(&sn->log_rs, SG_LOG_INTERVAL, SG_LOG_BURST);
	sg_block_init_net(sn);

	sn->stats = alloc_percpu_gfp(struct sg_stats, GFP_KERNEL_ACCOUNT);
	if (!sn->stats)
		return -ENOMEM;

	pol = sg_policy_new_default();
	if (!pol) {
		err = -ENOMEM;
		goto err_policy;
	}
	RCU_INIT_POINTER(sn->policy, pol);

	err = sg_proc_init_net(net);
	if (err)
		goto err_proc;
	return 0;

err_proc:
	RCU_INIT_POINTER(sn->policy, NULL);
	sg_policy_put(pol);
err_policy:
	free_percpu(sn->stats);
	return err;
}

static void __net_exit sg_net_exit(struct net *net)
{
	struct sg_net *sn = sg_pernet(net);
	struct sg_policy *pol;

	sg_proc_exit_net(net);

	/* No netlink socket is left in a dying namespace, but the lock keeps
	 * lockdep and the publish rules simple.
	 */
	mutex_lock(&sn->lock);
	if (sn->hooks_registered) {
		/* Waits for packets still inside the hooks. */
		sg_hooks_unregister(net);
		sn->hooks_registered = false;
	}
	pol = sg_policy_locked(sn);
	RCU_INIT_POINTER(sn->policy, NULL);
	mutex_unlock(&sn->lock);

	sg_policy_put(pol);
	sg_ledger_destroy(sn);
	sg_block_exit_net(sn);
	free_percpu(sn->stats);
	mutex_destroy(&sn->lock);
}

static struct pernet_operations sg_net_ops = {
	.init = sg_net_init,
	.exit = sg_net_exit,
	.id = &sg_net_id,
	.size = sizeof(struct sg_net),
};

/* A socket that opened feed transactions is gone: abort them. */
static int sg_netlink_notify(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    n->portid)
		sg_block_txn_release(sg_pernet(n->net), n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block sg_netlink_notifier = {
	.notifier_call = sg_netlink_notify,
};

/*
 * ORDER: the per-namespace state must exist before the genetlink family can
 * hand a request to a handler, so pernet goes first on init; on exit the
 * family goes first, so no handler runs while the state is torn down.
 */
static int __init sg_mod_init(void)
{
	int err;

	err = sg_block_init();
	if (err)
		return err;

	err = sg_ledger_init();
	if (err)
		goto err_ledger;

	err = register_pernet_subsys(&sg_net_ops);
	if (err)
		goto err_pernet;

	err = netlink_register_notifier(&sg_netlink_notifier);
	if (err)
		goto err_notifier;

	err = sg_netlink_init();
	if (err)
		goto err_netlink;

	pr_info("version %s loaded\n", SMTPGUARD_VERSION);
	return 0;

err_netlink:
	netlink_unregister_notifier(&sg_netlink_notifier);
err_notifier:
	unregister_pernet_subsys(&sg_net_ops);
err_pernet:
	sg_ledger_exit();
err_ledger:
	sg_block_exit();
	return err;
}

static void __exit sg_mod_exit(void)
{
	sg_netlink_exit();
	netlink_unregister_notifier(&sg_netlink_notifier);
	unregister_pernet_subsys(&sg_net_ops);
	sg_ledger_exit();
	sg_block_exit();
	/* Snapshots freed by kvfree_rcu() need no module code; nothing else
	 * is left in flight once the hooks are gone.
	 */
}

module_init(sg_mod_init);
module_exit(sg_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SMTP egress allow-list and C&C blocklist for routers and hosts");
MODULE_AUTHOR("smtpguard authors");
MODULE_VERSION(SMTPGUARD_VERSION);
MODULE_ALIAS_GENL_FAMILY(SMTPGUARD_GENL_NAME);
