// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the policy commands: allow-list, exceptions, inside and
 * outside, SMTP ports, mode, counters.
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

/* The words of errors, by set. */
static const char *const sg_set_where[SG_NR_SETS] = {
	[SG_SET_ALLOW] = "the allow-list",
	[SG_SET_EXCEPT] = "the exceptions",
	[SG_SET_INSIDE] = "the inside prefixes",
};

/* NL_SET_ERR_MSG keeps a literal: one per set. */
static void sg_nl_err_full(struct netlink_ext_ack *extack,
			   enum sg_set_kind kind)
{
	switch (kind) {
	case SG_SET_ALLOW:
		NL_SET_ERR_MSG(extack, "allow-list is full (max "
			       __stringify(SMTPGUARD_MAX_ALLOW) ")");
		break;
	case SG_SET_EXCEPT:
		NL_SET_ERR_MSG(extack, "exceptions are full (max "
			       __stringify(SMTPGUARD_MAX_EXCEPT) ")");
		break;
	default:
		NL_SET_ERR_MSG(extack, "inside prefixes are full (max "
			       __stringify(SMTPGUARD_MAX_INSIDE) ")");
	}
}

/*
 * New snapshot = @old with @pfx added to, or deleted from, set @kind;
 * deleting a prefix that is not there is -ENOENT, named.  @nr may be 0.
 */
static int sg_nl_set_edit(const struct sg_policy *old, enum sg_set_kind kind,
			  bool add, struct sg_prefix *pfx, u32 nr,
			  struct netlink_ext_ack *extack,
			  struct sg_policy **newp)
{
	u32 i;
	int err;

	if (!nr) {
		*newp = sg_policy_copy(old);
		return *newp ? 0 : -ENOMEM;
	}
	if (add) {
		err = sg_policy_add(old, kind, pfx, nr, newp);
		if (err == -ENOSPC)
			sg_nl_err_full(extack, kind);
		return err;
	}
	for (i = 0; i < nr; i++) {
		if (!sg_pset_has(&old->sets[kind], &pfx[i])) {
			sg_nl_err_not_in(extack, &pfx[i], sg_set_where[kind]);
			return -ENOENT;
		}
	}
	return sg_policy_del(old, kind, pfx, nr, newp);
}

/* The SMTPGUARD_A_PREFIX list of a request, which needs one at least. */
static int sg_nl_prefixes(struct genl_info *info, struct sg_prefix **pfxp,
			  u32 *nrp)
{
	int err;

	if (!sg_nl_require(info, SMTPGUARD_A_PREFIX))
		return -EINVAL;
	err = sg_nl_check_top_repeats(info, BIT(SMTPGUARD_A_PREFIX));
	if (err)
		return err;
	return sg_nl_parse_prefix_list(info, pfxp, nrp);
}

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

	err = sg_nl_prefixes(info, &prefixes, &nr);
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
	err = sg_nl_set_edit(old, SG_SET_ALLOW, true, prefixes, nr,
			     info->extack, &new);
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
	    nla_put_u32(msg, SMTPGUARD_A_ALLOW_ENTRIES,
			new->sets[SG_SET_ALLOW].nr_prefixes) ||
	    (auto_mode && nla_put_flag(msg, SMTPGUARD_A_MODE_AUTO)))
		err = -EMSGSIZE;

out_unlock:
	mutex_unlock(&sn->lock);
	err = sg_nl_reply_send(msg, hdr, info, err);
out_free:
	kvfree(prefixes);
	return err;
}

/* ALLOW_DEL, EXCEPT_DEL: all or nothing. */
static int sg_nl_set_del(struct genl_info *info, enum sg_set_kind kind)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_prefix *prefixes;
	struct sg_policy *new;
	u32 nr;
	int err;

	err = sg_nl_prefixes(info, &prefixes, &nr);
	if (err)
		return err;

	mutex_lock(&sn->lock);
	err = sg_nl_set_edit(sg_policy_locked(sn), kind, false, prefixes, nr,
			     info->extack, &new);
	if (!err)
		err = sg_netns_publish(sn, new);
	if (!err)
		sg_event_prefixes(sn, info->genlhdr->cmd, prefixes, nr, false);
	mutex_unlock(&sn->lock);
	kvfree(prefixes);
	return err;
}

int sg_nl_allow_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sg_nl_set_del(info, SG_SET_ALLOW);
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
	new = sg_policy_copy_flushed(old, SG_SET_ALLOW);
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

/* Exceptions never change the mode: they only narrow the blocklist. */
int sg_nl_except_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_prefix *prefixes;
	struct sg_policy *new;
	struct sk_buff *msg;
	void *hdr;
	u32 nr;
	int err;

	err = sg_nl_prefixes(info, &prefixes, &nr);
	if (err)
		return err;
	msg = sg_nl_reply_new(info, &hdr);
	if (!msg) {
		err = -ENOMEM;
		goto out_free;
	}

	mutex_lock(&sn->lock);
	err = sg_nl_set_edit(sg_policy_locked(sn), SG_SET_EXCEPT, true,
			     prefixes, nr, info->extack, &new);
	if (!err)
		err = sg_netns_publish(sn, new);
	if (!err) {
		sg_event_prefixes(sn, SMTPGUARD_CMD_EXCEPT_ADD, prefixes, nr,
				  false);
		if (nla_put_u32(msg, SMTPGUARD_A_EXCEPT_ENTRIES,
				new->sets[SG_SET_EXCEPT].nr_prefixes))
			err = -EMSGSIZE;
	}
	mutex_unlock(&sn->lock);
	err = sg_nl_reply_send(msg, hdr, info, err);
out_free:
	kvfree(prefixes);
	return err;
}

int sg_nl_except_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sg_nl_set_del(info, SG_SET_EXCEPT);
}

int sg_nl_except_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_event_config ev = {};
	struct sg_policy *new;
	int err = -ENOMEM;

	mutex_lock(&sn->lock);
	new = sg_policy_copy_flushed(sg_policy_locked(sn), SG_SET_EXCEPT);
	if (new)
		err = sg_netns_publish(sn, new);
	if (!err)
		sg_event_config(sn, SMTPGUARD_CMD_EXCEPT_FLUSH, &ev);
	mutex_unlock(&sn->lock);
	return err;
}

/* The interface names of a ROLE_ADD or ROLE_DEL, checked. */
static int sg_nl_role_ifnames(struct genl_info *info,
			      struct sg_role_ifs *ifs)
{
	const struct nlattr *head = genlmsg_data(info->genlhdr);
	int len = genlmsg_len(info->genlhdr);
	const struct nlattr *nla;
	int rem;

	ifs->nr = 0;
	nla_for_each_attr(nla, head, len, rem) {
		if (nla_type(nla) != SMTPGUARD_A_IFNAME)
			continue;
		if (ifs->nr == SMTPGUARD_MAX_ROLE_IFS) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "too many interfaces (max "
					    __stringify(SMTPGUARD_MAX_ROLE_IFS) ")");
			return -EINVAL;
		}
		/* The policy bounds the length and needs the NUL. */
		nla_strscpy(ifs->ifs[ifs->nr].name, nla, IFNAMSIZ);
		if (!dev_valid_name(ifs->ifs[ifs->nr].name)) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "not a valid interface name");
			return -EINVAL;
		}
		ifs->nr++;
	}
	return 0;
}

/*
 * Apply @ifs to @pol's interfaces of @role (0 inside, 1 outside): add
 * (present ones are not an error; one named for the other role is) or
 * delete (an absent one is -ENOENT).
 */
static int sg_nl_role_ifs_edit(struct sg_policy *pol, int role, bool add,
			       const struct sg_role_ifs *ifs,
			       struct netlink_ext_ack *extack)
{
	struct sg_role_ifs *r = &pol->role_ifs[role];
	const char *other = role ? "inside" : "outside";
	u8 i, j;

	for (i = 0; i < ifs->nr; i++) {
		const char *name = ifs->ifs[i].name;

		for (j = 0; j < r->nr; j++)
			if (!strncmp(r->ifs[j].name, name, IFNAMSIZ))
				break;
		if (!add) {
			if (j == r->nr) {
				sg_err_fmt(extack, "interface does not have this role",
					   "%s is not %s", name,
					   role ? "outside" : "inside");
				return -ENOENT;
			}
			r->ifs[j] = r->ifs[--r->nr];
			continue;
		}
		if (sg_role_ifs_has(&pol->role_ifs[!role], name)) {
			sg_err_fmt(extack, "interface has the other role: delete it there first",
				   "%s is %s: delete it there first", name,
				   other);
			return -EEXIST;
		}
		if (j < r->nr)
			continue;
		if (r->nr == SMTPGUARD_MAX_ROLE_IFS) {
			NL_SET_ERR_MSG(extack, "too many interfaces for this role (max "
				       __stringify(SMTPGUARD_MAX_ROLE_IFS) ")");
			return -ENOSPC;
		}
		r->ifs[r->nr++] = ifs->ifs[i];
	}
	return 0;
}

/* ROLE_ADD, ROLE_DEL: interfaces and (inside) prefixes, all or nothing. */
static int sg_nl_role_change(struct genl_info *info, bool add)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_event_config ev = {};
	struct sg_prefix *prefixes = NULL;
	struct sg_policy *new;
	struct sg_role_ifs *ifs;
	u32 nr = 0;
	int role, err;

	if (!sg_nl_require(info, SMTPGUARD_A_ROLE))
		return -EINVAL;
	err = sg_nl_check_top_repeats(info, BIT(SMTPGUARD_A_PREFIX) |
					    BIT(SMTPGUARD_A_IFNAME));
	if (err)
		return err;
	/* The policy allows INSIDE and OUTSIDE only. */
	role = nla_get_u8(info->attrs[SMTPGUARD_A_ROLE]) - SMTPGUARD_ROLE_INSIDE;
	if (info->attrs[SMTPGUARD_A_PREFIX]) {
		if (role) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[SMTPGUARD_A_PREFIX],
					    "outside takes interface names only");
			return -EINVAL;
		}
		err = sg_nl_parse_prefix_list(info, &prefixes, &nr);
		if (err)
			return err;
	}
	ifs = kzalloc(sizeof(*ifs), GFP_KERNEL);
	err = -ENOMEM;
	if (!ifs)
		goto out_free;
	err = sg_nl_role_ifnames(info, ifs);
	if (err)
		goto out_free;
	if (!ifs->nr && !nr) {
		NL_SET_ERR_MSG(info->extack,
			       "missing attribute SMTPGUARD_A_IFNAME or SMTPGUARD_A_PREFIX");
		err = -EINVAL;
		goto out_free;
	}

	mutex_lock(&sn->lock);
	err = sg_nl_set_edit(sg_policy_locked(sn), SG_SET_INSIDE, add,
			     prefixes, nr, info->extack, &new);
	if (err)
		goto out_unlock;
	err = sg_nl_role_ifs_edit(new, role, add, ifs, info->extack);
	if (err) {
		sg_policy_put(new);
		goto out_unlock;
	}
	err = sg_netns_publish(sn, new);
	if (!err) {
		ev.role = role + SMTPGUARD_ROLE_INSIDE;
		ev.ifs = ifs;
		ev.pfx = prefixes;
		ev.nr_pfx = nr;
		sg_event_config(sn, info->genlhdr->cmd, &ev);
	}
out_unlock:
	mutex_unlock(&sn->lock);
out_free:
	kfree(ifs);
	kvfree(prefixes);
	return err;
}

int sg_nl_role_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sg_nl_role_change(info, true);
}

int sg_nl_role_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sg_nl_role_change(info, false);
}

/* Back to roles derived from the routes (or only one role's items). */
int sg_nl_role_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	const struct nlattr *which = info->attrs[SMTPGUARD_A_ROLE];
	u8 role = which ? nla_get_u8(which) : 0;
	struct sg_event_config ev = { .role = role };
	struct sg_policy *old, *new;
	int err = -ENOMEM;

	mutex_lock(&sn->lock);
	old = sg_policy_locked(sn);
	if (role == SMTPGUARD_ROLE_OUTSIDE)
		new = sg_policy_copy(old);
	else
		new = sg_policy_copy_flushed(old, SG_SET_INSIDE);
	if (new) {
		if (role != SMTPGUARD_ROLE_OUTSIDE)
			new->role_ifs[0].nr = 0;
		if (role != SMTPGUARD_ROLE_INSIDE)
			new->role_ifs[1].nr = 0;
		err = sg_netns_publish(sn, new);
	}
	if (!err)
		sg_event_config(sn, SMTPGUARD_CMD_ROLE_FLUSH, &ev);
	mutex_unlock(&sn->lock);
	return err;
}

/*
 * The dump holds a reference to the snapshot it started with, so a listing
 * split over several recv() calls is one consistent list even if writers
 * publish new snapshots in between.
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

/* ALLOW_GET, EXCEPT_GET, ROLE_GET */
int sg_nl_policy_dump_start(struct netlink_callback *cb)
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

int sg_nl_policy_dump_done(struct netlink_callback *cb)
{
	sg_policy_put(sg_nl_dump_ctx(cb)->pol);
	return 0;
}

/*
 * Item @i of a dump: a prefix of set @kind; for ROLE_GET the inside
 * interfaces, the outside ones, then the inside prefixes.
 */
static int sg_nl_put_item(struct sk_buff *skb, const struct sg_policy *pol,
			  u8 cmd, u32 i)
{
	const struct sg_role_ifs *r = pol->role_ifs;

	if (cmd == SMTPGUARD_CMD_ALLOW_GET)
		return sg_nl_put_prefix(skb, SMTPGUARD_A_PREFIX,
					&pol->sets[SG_SET_ALLOW].prefixes[i]);
	if (cmd == SMTPGUARD_CMD_EXCEPT_GET)
		return sg_nl_put_prefix(skb, SMTPGUARD_A_PREFIX,
					&pol->sets[SG_SET_EXCEPT].prefixes[i]);
	if (i < r[0].nr)
		return nla_put_u8(skb, SMTPGUARD_A_ROLE, SMTPGUARD_ROLE_INSIDE) ?:
		       nla_put_string(skb, SMTPGUARD_A_IFNAME, r[0].ifs[i].name);
	i -= r[0].nr;
	if (i < r[1].nr)
		return nla_put_u8(skb, SMTPGUARD_A_ROLE, SMTPGUARD_ROLE_OUTSIDE) ?:
		       nla_put_string(skb, SMTPGUARD_A_IFNAME, r[1].ifs[i].name);
	i -= r[1].nr;
	return nla_put_u8(skb, SMTPGUARD_A_ROLE, SMTPGUARD_ROLE_INSIDE) ?:
	       sg_nl_put_prefix(skb, SMTPGUARD_A_PREFIX,
				&pol->sets[SG_SET_INSIDE].prefixes[i]);
}

int sg_nl_policy_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sg_nl_dump_ctx *ctx = sg_nl_dump_ctx(cb);
	const struct sg_policy *pol = ctx->pol;
	u8 cmd = ((struct genlmsghdr *)nlmsg_data(cb->nlh))->cmd;
	u32 nr;
	void *hdr;

	if (cmd == SMTPGUARD_CMD_ALLOW_GET)
		nr = pol->sets[SG_SET_ALLOW].nr_prefixes;
	else if (cmd == SMTPGUARD_CMD_EXCEPT_GET)
		nr = pol->sets[SG_SET_EXCEPT].nr_prefixes;
	else
		nr = pol->role_ifs[0].nr + pol->role_ifs[1].nr +
		     pol->sets[SG_SET_INSIDE].nr_prefixes;

	for (; ctx->next < nr; ctx->next++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &sg_nl_family,
				  NLM_F_MULTI, cmd);
		if (!hdr)
			break;
		if (sg_nl_put_item(skb, pol, cmd, ctx->next)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	/* An empty skb would end the dump early; one entry always fits. */
	if (!skb->len && ctx->next < nr)
		return -EMSGSIZE;
	return skb->len;
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
			      st->events_dropped, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_SMTP_OUTSIDE,
			      st->smtp_outside, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_CNC_OUTSIDE,
			      st->cnc_outside, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_CNC_EXCEPTED,
			      st->cnc_excepted, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_CNC_OTHER_DIRECTION,
			      st->cnc_other_direction, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_OFFENDERS_SUPPRESSED,
			      st->offenders_suppressed, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_EVENTS_SUPPRESSED,
			      st->events_suppressed, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_BLOCK_REBUILDS,
			      st->block_rebuilds, SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, SMTPGUARD_STATS_A_BLOCK_HITS_UNRECORDED,
			      st->block_hits_unrecorded, SMTPGUARD_STATS_A_PAD)) {
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
	    nla_put_u32(msg, SMTPGUARD_A_ALLOW_ENTRIES,
			pol->sets[SG_SET_ALLOW].nr_prefixes) ||
	    nla_put_u8(msg, SMTPGUARD_A_SMTP_POLICY, pol->smtp_armed) ||
	    nla_put_u32(msg, SMTPGUARD_A_EXCEPT_ENTRIES,
			pol->sets[SG_SET_EXCEPT].nr_prefixes) ||
	    nla_put_u8(msg, SMTPGUARD_A_ROLES_CONFIGURED,
		       sg_policy_has_roles(pol)) ||
	    sg_nl_put_ports(msg, pol) ||
	    nla_put_u32(msg, SMTPGUARD_A_BLOCK_ENTRIES,
			set ? READ_ONCE(set->nr_entries) : 0) ||
	    nla_put_u32(msg, SMTPGUARD_A_BLOCK_FEEDS, set ? set->nr_feeds : 0) ||
	    nla_put_u32(msg, SMTPGUARD_A_OFFENDERS,
			sg_ledger_count(&sn->ledger)) ||
	    nla_put_u32(msg, SMTPGUARD_A_OFFENDERS_HASHSIZE,
			sg_ledger_hashsize(&sn->ledger)) ||
	    sg_nl_put_stats(msg, &st, set ? READ_ONCE(set->bytes) : 0))
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
