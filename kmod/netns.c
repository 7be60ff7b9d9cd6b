// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the state of one namespace, and the changes that involve
 * more than one of its parts.
 *
 * Loading the module changes no traffic: a namespace gets netfilter hooks
 * (and its offender ledger) only once its mode becomes monitor or enforce,
 * and loses the hooks when it goes back to off.
 *
 * Lifetime: sg_netns_stop() (pernet pre_exit) unregisters the hooks and
 * stops every worker; the netns core then waits a grace period, so no
 * packet is left inside a hook when sg_netns_destroy() (pernet exit) frees
 * what they touch.  The same order holds at module unload.
 */

#include <linux/jiffies.h>
#include <linux/ratelimit.h>
#include <linux/workqueue.h>

#include "events.h"
#include "hooks.h"
#include "netns.h"

unsigned int sg_net_id __read_mostly;

/* 10 log lines per 5 s per namespace, then a "suppressed" summary. */
#define SG_LOG_INTERVAL		(5 * HZ)
#define SG_LOG_BURST		10

static void sg_netns_block_expiry(struct work_struct *work);

int sg_netns_init(struct net *net, struct sg_net *sn)
{
	struct sg_policy *pol;
	int err;

	write_pnet(&sn->net, net);
	mutex_init(&sn->lock);
	ratelimit_state_init(&sn->log_rs, SG_LOG_INTERVAL, SG_LOG_BURST);
	sg_blocklist_init(&sn->block, &sn->lock);
	sg_ledger_init(&sn->ledger);
	sg_event_budget_init(&sn->ev_budget);
	INIT_DELAYED_WORK(&sn->block_expiry, sg_netns_block_expiry);
	INIT_LIST_HEAD(&sn->txns.list);
	sn->txns.next_id = 1;

	err = sg_counters_init(&sn->counters, &sn->lock);
	if (err)
		return err;
	pol = sg_policy_new_default();
	if (!pol) {
		sg_counters_free(&sn->counters);
		return -ENOMEM;
	}
	RCU_INIT_POINTER(sn->policy, pol);
	return 0;
}

/* Under sn->lock: every hook of the namespace goes. */
static void sg_netns_unregister_hooks(struct sg_net *sn)
{
	if (sn->prerouting_registered) {
		sg_prerouting_unregister(sn);
		sn->prerouting_registered = false;
	}
	if (sn->hooks_registered) {
		sg_hooks_unregister(sn);
		sn->hooks_registered = false;
	}
}

/*
 * PRE_ROUTING serves only the blocklist, so a namespace without one pays
 * nothing there.  Its hooks join the others the first time an inspecting
 * namespace gets a blocklist, and stay until the mode goes off: a
 * blocklist that empties and fills again (a fail2ban ban expiring)
 * neither waits for a grace period nor leaves a moment uncovered.
 * Under sn->lock; registered before the blocklist that needs them.
 */
static int sg_netns_need_prerouting(struct sg_net *sn)
{
	int err;

	if (sn->prerouting_registered)
		return 0;
	err = sg_prerouting_register(sn);
	if (!err)
		sn->prerouting_registered = true;
	return err;
}

/* pernet pre_exit: nothing may run in the namespace once this returns. */
void sg_netns_stop(struct sg_net *sn)
{
	mutex_lock(&sn->lock);
	sn->dying = true;
	sg_netns_unregister_hooks(sn);
	mutex_unlock(&sn->lock);
	/* It re-arms itself only while the namespace is not dying. */
	cancel_delayed_work_sync(&sn->block_expiry);
	sg_ledger_stop(&sn->ledger);
	sg_event_budget_stop(&sn->ev_budget);
}

/* pernet exit, a grace period after sg_netns_stop(): no reader is left. */
void sg_netns_destroy(struct sg_net *sn)
{
	sg_event_budget_stop(&sn->ev_budget);
	sg_ledger_destroy(&sn->ledger);
	sg_blocklist_destroy(&sn->block);
	sg_policy_put(rcu_dereference_protected(sn->policy, true));
	RCU_INIT_POINTER(sn->policy, NULL);
	sg_counters_free(&sn->counters);
	mutex_destroy(&sn->lock);
}

/*
 * Make @new the policy of the namespace, under sn->lock.  Hooks are
 * registered before a policy that needs them is visible and unregistered
 * after one that does not, so a failure leaves everything as it was.
 * Consumes @new in every case.
 */
int sg_netns_publish(struct sg_net *sn, struct sg_policy *new)
{
	struct sg_policy *old;
	int err;

	lockdep_assert_held(&sn->lock);
	if (new->mode != SMTPGUARD_MODE_OFF && !sn->hooks_registered) {
		err = sn->dying ? -ENODEV : sg_ledger_start(&sn->ledger);
		if (!err && rcu_access_pointer(sn->block.set))
			err = sg_netns_need_prerouting(sn);
		if (!err)
			err = sg_hooks_register(sn);
		if (err) {
			sg_netns_unregister_hooks(sn);
			sg_policy_put(new);
			return err;
		}
		sn->hooks_registered = true;
	}

	old = rcu_replace_pointer(sn->policy, new, lockdep_is_held(&sn->lock));
	sg_policy_put(old);

	if (new->mode == SMTPGUARD_MODE_OFF)
		sg_netns_unregister_hooks(sn);
	return 0;
}

/*
 * The first allow or block configuration in a namespace nobody set a mode
 * for means "guard it": switch to enforce.
 */
bool sg_netns_wants_auto_enforce(const struct sg_policy *pol)
{
	return !pol->mode_explicit && pol->mode != SMTPGUARD_MODE_ENFORCE;
}

/* Under sn->lock; *@switched says whether it did. */
int sg_netns_auto_enforce(struct sg_net *sn, bool *switched)
{
	struct sg_policy *new;
	int err;

	*switched = false;
	if (!sg_netns_wants_auto_enforce(sg_policy_locked(sn)))
		return 0;
	new = sg_policy_copy(sg_policy_locked(sn));
	if (!new)
		return -ENOMEM;
	new->mode = SMTPGUARD_MODE_ENFORCE;
	err = sg_netns_publish(sn, new);
	*switched = !err;
	return err;
}

/* Under sn->lock: run the expiry when the next listing runs out. */
static void sg_netns_schedule_expiry(struct sg_net *sn, unsigned long when)
{
	long delay;

	if (!when || sn->dying)
		return;
	delay = (long)(when - jiffies);
	mod_delayed_work(system_wq, &sn->block_expiry, max(delay, 0L) + 1);
}

/* Under sn->lock. */
int sg_netns_block_update(struct sg_net *sn, const struct sg_block_change *c,
			  struct sg_block_outcome *out)
{
	int err;

	lockdep_assert_held(&sn->lock);
	if (sn->hooks_registered &&
	    (c->op == SG_BLOCK_ADD || c->op == SG_BLOCK_REPLACE)) {
		err = sg_netns_need_prerouting(sn);
		if (err) {
			*out = (struct sg_block_outcome){
				.fault = err == -ENOMEM ? SG_BLOCK_FAULT_NOMEM :
							  SG_BLOCK_FAULT_NONE,
				.nr_entries = sg_block_nr_entries(&sn->block),
			};
			return err;
		}
	}
	err = sg_block_update(&sn->block, c, out);
	if (out->rebuilt)
		this_cpu_inc(sn->counters.pcpu->block_rebuilds);
	if (!err)
		sg_netns_schedule_expiry(sn, out->next_expiry);
	return err;
}

/*
 * The hit table of packed hosts, grown when the packet path asked (it
 * runs this work at once), charged like the ledger's records.
 */
static void sg_netns_block_hits_grow(struct sg_net *sn)
{
	struct mem_cgroup *old = sg_memcg_begin(&sn->ledger.payer);

	sg_block_hits_grow(&sn->block);
	sg_memcg_end(old);
}

static void sg_netns_block_expiry(struct work_struct *work)
{
	struct sg_net *sn = container_of(to_delayed_work(work), struct sg_net,
					 block_expiry);
	struct sg_block_change c = { .op = SG_BLOCK_EXPIRE };
	struct sg_block_outcome out;

	mutex_lock(&sn->lock);
	if (sn->dying)
		goto out;
	sg_netns_block_hits_grow(sn);
	if (sg_block_update(&sn->block, &c, &out)) {
		/* No memory: try again in a second. */
		mod_delayed_work(system_wq, &sn->block_expiry, HZ);
		goto out;
	}
	if (out.rebuilt)
		this_cpu_inc(sn->counters.pcpu->block_rebuilds);
	if (out.listings_removed) {
		struct sg_event_config ev = {
			.count = out.listings_removed,
			.has_count = true,
		};

		sg_event_config(sn, SMTPGUARD_CMD_BLOCK_EXPIRE, &ev);
	}
	sg_netns_schedule_expiry(sn, out.next_expiry);
out:
	mutex_unlock(&sn->lock);
}
