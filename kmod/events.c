// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: events.  Nothing is built unless someone listens; a listener
 * anywhere makes genl_has_listeners() true, so a namespace with none of
 * its own gets -ESRCH from the send and counts nothing.
 */

#define SG_EVENTS_DEFAULT	20U
#define SG_EVENTS_MAX		100000U

#include <linux/moduleparam.h>
#include <net/genetlink.h>

#include "events.h"
#include "genl.h"
#include "netns.h"

/*
 * Multicast a finished event.  Delivered to a listener, it counts as sent.
 * -ENOBUFS: a listener that set NETLINK_BROADCAST_ERROR (smtpguardctl
 * monitor does) had no room for it: dropped.  -ESRCH: nobody in this
 * namespace listens, or only listeners that asked not to hear of
 * overruns: neither.
 */
static void sg_event_send(struct sg_net *sn, struct sk_buff *skb, gfp_t gfp)
{
	int err = genlmsg_multicast_netns(&sg_nl_family, sg_net_of(sn), skb, 0,
					  SG_MCGRP_EVENTS, gfp);

	if (!err)
		this_cpu_inc(sn->counters.pcpu->events_sent);
	else if (err != -ESRCH)
		this_cpu_inc(sn->counters.pcpu->events_dropped);
}

static bool sg_event_wanted(struct sg_net *sn)
{
	return genl_has_listeners(&sg_nl_family, sg_net_of(sn),
				  SG_MCGRP_EVENTS);
}

static int sg_param_set_events(const char *val, const struct kernel_param *kp)
{
	return sg_param_set_bounded(val, kp, 0, SG_EVENTS_MAX);
}

static const struct kernel_param_ops sg_events_ops = {
	.set = sg_param_set_events,
	.get = param_get_uint,
};

static unsigned int sg_events_per_sec = SG_EVENTS_DEFAULT;
module_param_cb(offender_events, &sg_events_ops, &sg_events_per_sec, 0644);
MODULE_PARM_DESC(offender_events,
		 "New-offender events per second per network namespace, 0..100000; 0: no limit (default 20)");

/* The summary of a second that held events back, from a worker. */
static void sg_event_summary(struct work_struct *work)
{
	struct sg_event_budget *b = container_of(to_delayed_work(work),
						 struct sg_event_budget,
						 summary);
	struct sg_net *sn = container_of(b, struct sg_net, ev_budget);
	struct sk_buff *skb;
	void *hdr;
	u32 n;

	spin_lock_bh(&b->lock);
	n = b->suppressed;
	b->suppressed = 0;
	spin_unlock_bh(&b->lock);
	if (!n || !sg_event_wanted(sn))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		goto dropped;
	hdr = genlmsg_put(skb, 0, 0, &sg_nl_family, 0,
			  SMTPGUARD_CMD_OFFENDER_SUPPRESSED);
	if (!hdr || nla_put_u32(skb, SMTPGUARD_A_COUNT, n)) {
		nlmsg_free(skb);
		goto dropped;
	}
	genlmsg_end(skb, hdr);
	sg_event_send(sn, skb, GFP_KERNEL);
	return;
dropped:
	this_cpu_inc(sn->counters.pcpu->events_dropped);
}

void sg_event_budget_init(struct sg_event_budget *b)
{
	spin_lock_init(&b->lock);
	INIT_DELAYED_WORK(&b->summary, sg_event_summary);
}

/*
 * pre_exit, and again at exit: a packet still in a hook may have queued
 * the summary after the first call; none can after the grace period that
 * comes before the second.
 */
void sg_event_budget_stop(struct sg_event_budget *b)
{
	WRITE_ONCE(b->stopped, true);
	cancel_delayed_work_sync(&b->summary);
}

/* May a new-offender event go out?  Else counted, and summarised later. */
static bool sg_event_budget_take(struct sg_net *sn)
{
	u32 budget = READ_ONCE(sg_events_per_sec);
	struct sg_event_budget *b = &sn->ev_budget;
	unsigned long now = jiffies, end;
	bool ok, first = false;

	if (!budget)
		return true;
	spin_lock_bh(&b->lock);
	if (time_after_eq(now, b->window_end)) {
		b->window_end = now + HZ;
		b->used = 0;
	}
	ok = b->used < budget;
	if (ok)
		b->used++;
	else
		first = !b->suppressed++;
	end = b->window_end;
	spin_unlock_bh(&b->lock);
	if (ok)
		return true;
	this_cpu_inc(sn->counters.pcpu->events_suppressed);
	if (first && !READ_ONCE(b->stopped))
		queue_delayed_work(system_wq, &b->summary, end - now + 1);
	return false;
}

/* From the data path, under RCU: @o is the record that reports. */
void sg_event_offender(struct sg_net *sn, struct sg_offender *o, u8 cmd,
		       u8 mode)
{
	struct sk_buff *skb;
	void *hdr;

	if (!sg_event_wanted(sn))
		return;
	if (cmd == SMTPGUARD_CMD_OFFENDER_NEW && !sg_event_budget_take(sn))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC | __GFP_NOWARN);
	if (!skb)
		goto dropped;
	hdr = genlmsg_put(skb, 0, 0, &sg_nl_family, 0, cmd);
	if (!hdr || nla_put_u8(skb, SMTPGUARD_A_MODE, mode) ||
	    sg_nl_put_offender(skb, o)) {
		nlmsg_free(skb);
		goto dropped;
	}
	genlmsg_end(skb, hdr);
	sg_event_send(sn, skb, GFP_ATOMIC);
	return;
dropped:
	this_cpu_inc(sn->counters.pcpu->events_dropped);
}

/*
 * A configuration change, under sn->lock, after it was published; the
 * namespace's policy exists until namespace exit, which comes after every
 * writer (sg_netns_stop() stops the expiry worker first).
 */
void sg_event_config(struct sg_net *sn, u8 cmd,
		     const struct sg_event_config *ev)
{
	const struct sg_blockset *set;
	const struct sg_policy *pol;
	struct sk_buff *skb;
	void *hdr;
	u32 i;

	lockdep_assert_held(&sn->lock);
	if (!sg_event_wanted(sn))
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
	set = sg_block_locked(&sn->block);
	if (nla_put_u8(skb, SMTPGUARD_A_MODE, pol->mode) ||
	    (pol->mode_explicit &&
	     nla_put_flag(skb, SMTPGUARD_A_MODE_EXPLICIT)) ||
	    (ev->mode_auto && nla_put_flag(skb, SMTPGUARD_A_MODE_AUTO)) ||
	    nla_put_u32(skb, SMTPGUARD_A_ALLOW_ENTRIES,
			pol->sets[SG_SET_ALLOW].nr_prefixes) ||
	    nla_put_u8(skb, SMTPGUARD_A_SMTP_POLICY, pol->smtp_armed) ||
	    nla_put_u32(skb, SMTPGUARD_A_EXCEPT_ENTRIES,
			pol->sets[SG_SET_EXCEPT].nr_prefixes) ||
	    nla_put_u8(skb, SMTPGUARD_A_ROLES_CONFIGURED,
		       sg_policy_has_roles(pol)) ||
	    (ev->role && nla_put_u8(skb, SMTPGUARD_A_ROLE, ev->role)) ||
	    (ev->action && nla_put_u8(skb, SMTPGUARD_A_ACTION, ev->action - 1)) ||
	    (ev->direction &&
	     nla_put_u8(skb, SMTPGUARD_A_DIRECTION, ev->direction - 1)) ||
	    nla_put_u32(skb, SMTPGUARD_A_BLOCK_ENTRIES,
			set ? set->nr_entries : 0) ||
	    (ev->feed && nla_put_string(skb, SMTPGUARD_A_FEED, ev->feed)) ||
	    (ev->replace && nla_put_flag(skb, SMTPGUARD_A_REPLACE)) ||
	    (ev->has_count && nla_put_u32(skb, SMTPGUARD_A_COUNT, ev->count)))
		goto cancel;
	if (cmd == SMTPGUARD_CMD_PORTS_SET && sg_nl_put_ports(skb, pol))
		goto cancel;
	for (i = 0; ev->ifs && i < ev->ifs->nr; i++) {
		if (nla_put_string(skb, SMTPGUARD_A_IFNAME,
				   ev->ifs->ifs[i].name))
			goto cancel;
	}
	if (ev->nr_pfx <= SMTPGUARD_EVENT_MAX_PREFIXES) {
		for (i = 0; i < ev->nr_pfx; i++) {
			if (sg_nl_put_prefix(skb, SMTPGUARD_A_PREFIX,
					     &ev->pfx[i]))
				goto cancel;
		}
	}
	genlmsg_end(skb, hdr);
	sg_event_send(sn, skb, GFP_KERNEL);
	return;
cancel:
	nlmsg_free(skb);
dropped:
	this_cpu_inc(sn->counters.pcpu->events_dropped);
}

/* A change that names prefixes: the prefixes and their count. */
void sg_event_prefixes(struct sg_net *sn, u8 cmd, const struct sg_prefix *pfx,
		       u32 nr, bool mode_auto)
{
	struct sg_event_config ev = {
		.pfx = pfx,
		.nr_pfx = nr,
		.count = nr,
		.has_count = true,
		.mode_auto = mode_auto,
	};

	sg_event_config(sn, cmd, &ev);
}
