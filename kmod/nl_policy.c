// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the policy commands: allow-list, SMTP ports, mode, counters.
 * Changes are all or nothing: everything is validated and a complete new
 * snapshot is built before it is published.
 */

#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/stringify.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "compat.h"
#include "events.h"
#include "genl.h"
#include "netns.h"
#include "nl.h"

int sg_nl_allow_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_policy *old, *new;
	struct sg_prefix *prefixes;
	struct sk_buff *msg;
	bool auto_mode;
	void *hdr;
	u32 nr;
	int err;

	if (!sg_nl_require(info, SMTPGUARD_A_PREFIX))
		return -EINVAL;
	err = sg_nl_check_top_repeats(info, BIT(SMTPGUARD_A_PREFIX));
	if (err)
		return err;
	err = sg_nl_parse_prefix_list(info, &prefixes, &nr);
	if (err)
		return err;

	/* Allocated up front: once published, the change must be reported. */
	msg = sg_nl_reply_new(info, &hdr);
	if (!msg) {
		err = -ENOMEM;
		goto out_free;
	}

	mutex_lock(&sn->lock);
	old = sg_policy_locked(sn);
	err = sg_policy_add(old, prefixes, nr, &new);
	if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "allow-list is full (max "
			       __stringify(SMTPGUARD_MAX_ALLOW) ")");
	if (err == -ENOMEM)
		NL_SET_ERR_MSG(info->extack, "no memory for the allow-list");
	if (err)
		goto out_unlock;

	/* Say so in the reply when this switches the namespace to enforce. */
	auto_mode = sg_netns_wants_auto_enforce(old);
	if (auto_mode)
		new->mode = SMTPGUARD_MODE_ENFORCE;

	err = sg_netns_publish(sn, new);
	if (err)
		goto out_unlock;

	sg_event_prefixes(sn, SMTPGUARD_CMD_ALLOW_ADD, prefixes, nr, auto_mode);
	if (nla_put_u8(msg, SMTPGUARD_A_MODE, new->mode) ||
	    nla_put_u32(msg, SMTPGUARD_A_ALLOW_ENTRIES, new->nr_prefixes) ||
	    (auto_mode && nla_put_flag(msg, SMTPGUARD_A_MODE_AUTO)))
		err = -EMSGSIZE;

out_unlock:
	mutex_unlock(&sn->lock);
	err = sg_nl_reply_send(msg, hdr, info, err);
out_free:
	kvfree(prefixes);
	return err;
}

int sg_nl_allow_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_policy *old, *new;
	struct sg_prefix *prefixes;
	u32 nr, i;
	int err;

	if (!sg_nl_require(info, SMTPGUARD_A_PREFIX))
		return -EINVAL;
	err = sg_nl_check_top_repeats(info, BIT(SMTPGUARD_A_PREFIX));
	if (err)
		return err;
	err = sg_nl_parse_prefix_list(info, &prefixes, &nr);
	if (err)
		return err;

	mutex_lock(&sn->lock);
	old = sg_policy_locked(sn);
	for (i = 0; i < nr; i++) {
		if (!sg_policy_has_prefix(old, &prefixes[i])) {
			sg_nl_err_not_in(info->extack, &prefixes[i],
					 "the allow-list");
			err = -ENOENT;
			goto out_unlock;
		}
	}
	err = sg_policy_del(old, prefixes, nr, &new);
	if (!err)
		err = sg_netns_publish(sn, new);
	if (!err)
		sg_event_prefixes(sn, SMTPGUARD_CMD_ALLOW_DEL, prefixes, nr,
				  false);
out_unlock:
	mutex_unlock(&sn->lock);
	kvfree(prefixes);
	return err;
}

/*
 * Empties the allow-list.  The SMTP policy stays as it was (an armed
 * namespace with an empty list drops all SMTP, as the seed chain with no
 * ACCEPT line does) unless SMTP_POLICY says: 1 armed, 0 not inspected.
 * Arming is configuring an allow-list: like the first ALLOW_ADD, it
 * switches a namespace nobody set a mode for to enforce.  The reply is
 * ALLOW_ADD's.
 */
int sg_nl_allow_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	const struct nlattr *armed = info->attrs[SMTPGUARD_A_SMTP_POLICY];
	struct sg_event_config ev = {};
	struct sg_policy *old, *new;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = sg_nl_check_top_repeats(info, 0);
	if (err)
		return err;
	msg = sg_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&sn->lock);
	old = sg_policy_locked(sn);
	new = sg_policy_copy_settings_only(old);
	if (!new) {
		err = -ENOMEM;
		goto out_unlock;
	}
	if (armed)
		new->smtp_armed = nla_get_u8(armed);
	ev.mode_auto = armed && new->smtp_armed &&
		       sg_netns_wants_auto_enforce(old);
	if (ev.mode_auto)
		new->mode = SMTPGUARD_MODE_ENFORCE;
	err = sg_netns_publish(sn, new);
	if (err)
		goto out_unlock;
	sg_event_config(sn, SMTPGUARD_CMD_ALLOW_FLUSH, &ev);
	if (nla_put_u8(msg, SMTPGUARD_A_MODE, new->mode) ||
	    nla_put_u32(msg, SMTPGUARD_A_ALLOW_ENTRIES, 0) ||
	    (ev.mode_auto && nla_put_flag(msg, SMTPGUARD_A_MODE_AUTO)))
		err = -EMSGSIZE;
out_unlock:
	mutex_unlock(&sn->lock);
	return sg_nl_reply_send(msg, hdr, info, err);
}

/*
 * The dump holds a reference to the snapshot it started with, so a listing
 * split over several recv() calls is one consistent allow-list even if
 * writers publish new snapshots in between.
 */
struct sg_nl_dump_ctx {
	struct sg_policy *pol;
	u32 next;
};

static struct sg_nl_dump_ctx *sg_nl_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct sg_nl_dump_ctx) > sizeof(cb->ctx));
	return (struct sg_nl_dump_ctx *)cb->ctx;
}

int sg_nl_allow_get_start(struct netlink_callback *cb)
{
	struct sg_net *sn = sg_pernet(sock_net(cb->skb->sk));
	struct sg_nl_dump_ctx *ctx = sg_nl_dump_ctx(cb);

	mutex_lock(&sn->lock);
	ctx->pol = sg_policy_locked(sn);
	sg_policy_get(ctx->pol);
	mutex_unlock(&sn->lock);
	ctx->next = 0;
	return 0;
}

int sg_nl_allow_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sg_nl_dump_ctx *ctx = sg_nl_dump_ctx(cb);
	const struct sg_policy *pol = ctx->pol;
	void *hdr;

	for (; ctx->next < pol->nr_prefixes; ctx->next++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &sg_nl_family,
				  NLM_F_MULTI, SMTPGUARD_CMD_ALLOW_GET);
		if (!hdr)
			break;
		if (sg_nl_put_prefix(skb, SMTPGUARD_A_PREFIX,
				     &pol->prefixes[ctx->next])) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	/* An empty skb would end the dump early; one entry always fits. */
	if (!skb->len && ctx->next < pol->nr_prefixes)
		return -EMSGSIZE;
	return skb->len;
}

int sg_nl_allow_get_done(struct netlink_callback *cb)
{
	sg_policy_put(sg_nl_dump_ctx(cb)->pol);
	return 0;
}

int sg_nl_ports_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	u16 ports[SMTPGUARD_MAX_PORTS];
	struct sg_event_config ev = {};
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	const struct nlattr *nest, *nla;
	unsigned int nr = 0, i;
	struct sg_policy *new;
	int rem, err;

	if (!sg_nl_require(info, SMTPGUARD_A_PORTS))
		return -EINVAL;
	err = sg_nl_check_top_repeats(info, 0);
	if (err)
		return err;

	nest = info->attrs[SMTPGUARD_A_PORTS];
	/* The nested policy allows only SMTPGUARD_PORTS_A_PORT. */
	nla_for_each_nested(nla, nest, rem) {
		/* The nested policy refuses port 0. */
		u16 port = nla_get_u16(nla);

		/* Insertion sort into a distinct, ascending set. */
		for (i = 0; i < nr && ports[i] < port; i++)
			;
		if (i < nr && ports[i] == port)
			continue;
		if (nr == SMTPGUARD_MAX_PORTS) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "too many ports (max "
					    __stringify(SMTPGUARD_MAX_PORTS) ")");
			return -EINVAL;
		}
		memmove(&ports[i + 1], &ports[i], (nr - i) * sizeof(ports[0]));
		ports[i] = port;
		nr++;
	}
	if (!nr) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "port set is empty, use mode off to stop inspecting");
		return -EINVAL;
	}

	mutex_lock(&sn->lock);
	new = sg_policy_copy(sg_policy_locked(sn));
	if (new) {
		memset(new->ports, 0, sizeof(new->ports));
		memcpy(new->ports, ports, nr * sizeof(ports[0]));
		new->nr_ports = nr;
		err = sg_netns_publish(sn, new);
		if (!err)
			sg_event_config(sn, SMTPGUARD_CMD_PORTS_SET, &ev);
	} else {
		err = -ENOMEM;
	}
	mutex_unlock(&sn->lock);
	return err;
}

int sg_nl_ports_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = sg_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;
	rcu_read_lock();
	err = sg_nl_put_ports(msg, rcu_dereference(sn->policy));
	rcu_read_unlock();
	return sg_nl_reply_send(msg, hdr, info, err);
}

int sg_nl_mode_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_event_config ev = {};
	struct sg_policy *new;
	int err;
	u8 mode;

	if (!sg_nl_require(info, SMTPGUARD_A_MODE))
		return -EINVAL;
	err = sg_nl_check_top_repeats(info, 0);
	if (err)
		return err;

	/* The policy allows 0..SMTPGUARD_MODE_MAX only. */
	mode = nla_get_u8(info->attrs[SMTPGUARD_A_MODE]);

	mutex_lock(&sn->lock);
	new = sg_policy_copy(sg_policy_locked(sn));
	if (new) {
		new->mode = mode;
		new->mode_explicit = true;
		err = sg_netns_publish(sn, new);
		if (!err)
			sg_event_config(sn, SMTPGUARD_CMD_MODE_SET, &ev);
	} else {
		err = -ENOMEM;
	}
	mutex_unlock(&sn->lock);
	return err;
}

int sg_nl_mode_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	const struct sg_policy *pol;
	struct sk_buff *msg;
	void *hdr;
	int err = 0;

	msg = sg_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;
	rcu_read_lock();
	pol = rcu_dereference(sn->policy);
	if (nla_put_u8(msg, SMTPGUARD_A_MODE, pol->mode) ||
	    (pol->mode_explicit &&
	     nla_put_flag(msg, SMTPGUARD_A_MODE_EXPLICIT)) ||
	    nla_put_u8(msg, SMTPGUARD_A_SMTP_POLICY, pol->smtp_armed))
		err = -EMSGSIZE;
	rcu_read_unlock();
	return sg_nl_reply_send(msg, hdr, info, err);
}

static int sg_nl_put_stats(struct sk_buff *msg,
			   const struct sg_stats_report *st, u64 block_bytes)
{
	struct nlattr *nest;

	nest = nla_nest_start(msg, SMTPGUARD_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_SMTP_INSPECTED,
			      st->inspected, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_SMTP_ALLOWED,
			      st->allowed, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_SMTP_DROPPED,
			      st->dropped, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_SMTP_WOULD_DROP,
			      st->would_drop, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_CNC_DROPPED,
			      st->cnc_dropped, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_CNC_WOULD_DROP,
			      st->cnc_would_drop, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_BLOCK_BYTES,
			      block_bytes, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_OFFENDERS_EVICTED,
			      st->offenders_evicted, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_EVENTS_SENT,
			      st->events_sent, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_EVENTS_DROPPED,
			      st->events_dropped, SMTPGUARD_STATS_A_PAD)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

int sg_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	const struct sg_blockset *set;
	const struct sg_policy *pol;
	struct sg_stats_report st;
	struct sk_buff *msg;
	void *hdr;
	int err = 0;

	msg = sg_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;

	sg_counters_read(&sn->counters, &st);
	rcu_read_lock();
	pol = rcu_dereference(sn->policy);
	set = rcu_dereference(sn->block.set);
	if (nla_put_u8(msg, SMTPGUARD_A_MODE, pol->mode) ||
	    (pol->mode_explicit &&
	     nla_put_flag(msg, SMTPGUARD_A_MODE_EXPLICIT)) ||
	    nla_put_u32(msg, SMTPGUARD_A_ALLOW_ENTRIES, pol->nr_prefixes) ||
	    nla_put_u8(msg, SMTPGUARD_A_SMTP_POLICY, pol->smtp_armed) ||
	    sg_nl_put_ports(msg, pol) ||
	    nla_put_u32(msg, SMTPGUARD_A_BLOCK_ENTRIES,
			set ? set->nr_entries : 0) ||
	    nla_put_u32(msg, SMTPGUARD_A_BLOCK_FEEDS, set ? set->nr_feeds : 0) ||
	    nla_put_u32(msg, SMTPGUARD_A_OFFENDERS,
			sg_ledger_count(&sn->ledger)) ||
	    nla_put_u32(msg, SMTPGUARD_A_OFFENDERS_HASHSIZE,
			sg_ledger_hashsize(&sn->ledger)) ||
	    sg_nl_put_stats(msg, &st, set ? set->bytes : 0))
		err = -EMSGSIZE;
	rcu_read_unlock();
	return sg_nl_reply_send(msg, hdr, info, err);
}

int sg_nl_stats_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_event_config ev = {};

	mutex_lock(&sn->lock);
	sg_counters_reset(&sn->counters);
	sg_event_config(sn, SMTPGUARD_CMD_STATS_RESET, &ev);
	mutex_unlock(&sn->lock);
	return 0;
}
