// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: SMTP egress allow-list and C&C blocklist for Linux routers
 * and hosts.
 *
 * Module init/exit and the lifetime of each namespace's state; what the
 * state is and how it changes is in netns.c, the layers in netns.h.
 */

#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <net/genetlink.h>

#include "netns.h"
#include "nl.h"
#include "proc.h"
#include "version.h"

static int __net_init sg_net_init(struct net *net)
{
	struct sg_net *sn = sg_pernet(net);
	int err;

	err = sg_netns_init(net, sn);
	if (err)
		return err;
	err = sg_proc_init_net(net, sn);
	if (err)
		sg_netns_destroy(sn);
	return err;
}

/*
 * Stop what runs in the namespace: hooks, workers.  The netns core waits
 * a grace period before sg_net_exit(), at namespace deletion and at
 * module unload alike, so no packet is inside a hook any more when the
 * state it touches is freed.
 */
static void __net_exit sg_net_pre_exit(struct net *net)
{
	sg_netns_stop(sg_pernet(net));
}

static void __net_exit sg_net_exit(struct net *net)
{
	struct sg_net *sn = sg_pernet(net);

	/* No reader of the file is left once this returns. */
	sg_proc_exit_net(net);
	sg_nl_txn_free_all(sn);
	sg_netns_destroy(sn);
}

static struct pernet_operations sg_net_ops = {
	.init = sg_net_init,
	.pre_exit = sg_net_pre_exit,
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
		sg_nl_txn_release(sg_pernet(n->net), n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block sg_netlink_notifier = {
	.notifier_call = sg_netlink_notify,
};

/*
 * ORDER: the per-namespace state must exist before the genetlink family can
 * hand a request to a handler, so pernet goes first on init; on exit the
 * family goes first (unregistering it waits for running handlers), so no
 * handler runs while the state is torn down.  The slab caches and the
 * blocklist's workqueue outlive every namespace.
 */
static int __init sg_mod_init(void)
{
	int err;

	err = sg_block_module_init();
	if (err)
		return err;

	err = sg_ledger_module_init();
	if (err)
		goto err_ledger;

	err = register_pernet_subsys(&sg_net_ops);
	if (err)
		goto err_pernet;

	err = netlink_register_notifier(&sg_netlink_notifier);
	if (err)
		goto err_notifier;

	err = sg_genl_register();
	if (err)
		goto err_genl;

	pr_info("version %s loaded\n", SMTPGUARD_VERSION);
	return 0;

err_genl:
	netlink_unregister_notifier(&sg_netlink_notifier);
err_notifier:
	unregister_pernet_subsys(&sg_net_ops);
err_pernet:
	sg_ledger_module_exit();
err_ledger:
	sg_block_module_exit();
	return err;
}

static void __exit sg_mod_exit(void)
{
	sg_genl_unregister();
	netlink_unregister_notifier(&sg_netlink_notifier);
	unregister_pernet_subsys(&sg_net_ops);
	/* Both wait for their RCU callbacks and workers first. */
	sg_ledger_module_exit();
	sg_block_module_exit();
}

module_init(sg_mod_init);
module_exit(sg_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SMTP egress allow-list and C&C blocklist for routers and hosts");
MODULE_AUTHOR("smtpguard authors");
MODULE_VERSION(SMTPGUARD_VERSION);
MODULE_ALIAS_GENL_FAMILY(SMTPGUARD_GENL_NAME);
