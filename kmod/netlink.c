// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the "smtpguard" generic netlink family.
 *
 * The contract is include/uapi/linux/smtpguard.h and its YNL twin.  6.1 has
 * no split ops, so struct genl_ops is written by hand, one strict policy per
 * command.  Every rejection names the bad attribute in the extended ack.
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
#include "smtpguard.h"

static const struct nla_policy sg_nl_prefix_policy[SMTPGUARD_PREFIX_A_MAX + 1] = {
	[SMTPGUARD_PREFIX_A_FAMILY] = { .type = NLA_U16 },
	/* Any length: the handler names the mismatch with the family. */
	[SMTPGUARD_PREFIX_A_ADDR] = { .type = NLA_BINARY },
	[SMTPGUARD_PREFIX_A_PREFIXLEN] = { .type = NLA_U8 },
};

static const struct nla_policy sg_nl_ports_policy[SMTPGUARD_PORTS_A_MAX + 1] = {
	[SMTPGUARD_PORTS_A_PORT] = { .type = NLA_U16 },
};

/* ALLOW_ADD, ALLOW_DEL */
static const struct nla_policy sg_nl_allow_policy[SMTPGUARD_A_PREFIX + 1] = {
	[SMTPGUARD_A_PREFIX] = NLA_POLICY_NESTED(sg_nl_prefix_policy),
};

/* PORTS_SET */
static const struct nla_policy sg_nl_ports_set_policy[SMTPGUARD_A_PORTS + 1] = {
	[SMTPGUARD_A_PORTS] = NLA_POLICY_NESTED(sg_nl_ports_policy),
};

/* BLOCK_ADD; TXN_ID stages into a transaction instead. */
static const struct nla_policy sg_nl_block_add_policy[SMTPGUARD_A_TXN_ID + 1] = {
	[SMTPGUARD_A_PREFIX] = NLA_POLICY_NESTED(sg_nl_prefix_policy),
	[SMTPGUARD_A_FEED] = { .type = NLA_NUL_STRING,
			       .len = SMTPGUARD_FEED_NAME_MAX },
	[SMTPGUARD_A_TIMEOUT] = { .type = NLA_U32 },
	[SMTPGUARD_A_TXN_ID] = { .type = NLA_U32 },
};

/* BLOCK_DEL, BLOCK_TEST (which allows one PREFIX and no FEED) */
static const struct nla_policy sg_nl_block_del_policy[SMTPGUARD_A_FEED + 1] = {
	[SMTPGUARD_A_PREFIX] = NLA_POLICY_NESTED(sg_nl_prefix_policy),
	[SMTPGUARD_A_FEED] = { .type = NLA_NUL_STRING,
			       .len = SMTPGUARD_FEED_NAME_MAX },
};

static const struct nla_policy sg_nl_block_test_policy[SMTPGUARD_A_PREFIX + 1] = {
	[SMTPGUARD_A_PREFIX] = NLA_POLICY_NESTED(sg_nl_prefix_policy),
};

/* BLOCK_FLUSH, BLOCK_GET: an optional feed. */
static const struct nla_policy sg_nl_feed_policy[SMTPGUARD_A_FEED + 1] = {
	[SMTPGUARD_A_FEED] = { .type = NLA_NUL_STRING,
			       .len = SMTPGUARD_FEED_NAME_MAX },
};

static const struct nla_policy sg_nl_txn_begin_policy[SMTPGUARD_A_REPLACE + 1] = {
	[SMTPGUARD_A_FEED] = { .type = NLA_NUL_STRING,
			       .len = SMTPGUARD_FEED_NAME_MAX },
	[SMTPGUARD_A_REPLACE] = { .type = NLA_FLAG },
};

/* BLOCK_TXN_COMMIT, BLOCK_TXN_ABORT */
static const struct nla_policy sg_nl_txn_id_policy[SMTPGUARD_A_TXN_ID + 1] = {
	[SMTPGUARD_A_TXN_ID] = { .type = NLA_U32 },
};

/* MODE_SET; the range is checked by hand to name the bad value. */
static const struct nla_policy sg_nl_mode_set_policy[SMTPGUARD_A_MODE + 1] = {
	[SMTPGUARD_A_MODE] = { .type = NLA_U8 },
};

/* OFFENDER_GET, OFFENDER_FLUSH: an optional reason. */
static const struct nla_policy sg_nl_reason_policy[SMTPGUARD_A_REASON + 1] = {
	[SMTPGUARD_A_REASON] = NLA_POLICY_RANGE(NLA_U32, SMTPGUARD_REASON_SMTP,
						SMTPGUARD_REASON_CNC),
};

/*
 * Commands without attributes.  With no policy at all genetlink would not
 * parse the message and would silently ignore attributes; this rejects
 * every known one by name and, strict validation, every unknown one.
 */
static const struct nla_policy sg_nl_no_attr_policy[SMTPGUARD_A_MAX + 1] = {
	[0 ... SMTPGUARD_A_MAX] = {
		.type = NLA_REJECT,
		.reject_message = "this command takes no attributes",
	},
};

static const char *const sg_nl_attr_names[SMTPGUARD_A_MAX + 1] = {
	[SMTPGUARD_A_PREFIX] = "SMTPGUARD_A_PREFIX",
	[SMTPGUARD_A_MODE] = "SMTPGUARD_A_MODE",
	[SMTPGUARD_A_MODE_EXPLICIT] = "SMTPGUARD_A_MODE_EXPLICIT",
	[SMTPGUARD_A_MODE_AUTO] = "SMTPGUARD_A_MODE_AUTO",
	[SMTPGUARD_A_PORTS] = "SMTPGUARD_A_PORTS",
	[SMTPGUARD_A_ALLOW_ENTRIES] = "SMTPGUARD_A_ALLOW_ENTRIES",
	[SMTPGUARD_A_STATS] = "SMTPGUARD_A_STATS",
	[SMTPGUARD_A_FEED] = "SMTPGUARD_A_FEED",
	[SMTPGUARD_A_TIMEOUT] = "SMTPGUARD_A_TIMEOUT",
	[SMTPGUARD_A_TXN_ID] = "SMTPGUARD_A_TXN_ID",
	[SMTPGUARD_A_REPLACE] = "SMTPGUARD_A_REPLACE",
	[SMTPGUARD_A_BLOCK_ENTRY] = "SMTPGUARD_A_BLOCK_ENTRY",
	[SMTPGUARD_A_BLOCK_ENTRIES] = "SMTPGUARD_A_BLOCK_ENTRIES",
	[SMTPGUARD_A_BLOCK_FEEDS] = "SMTPGUARD_A_BLOCK_FEEDS",
	[SMTPGUARD_A_REASON] = "SMTPGUARD_A_REASON",
	[SMTPGUARD_A_OFFENDER] = "SMTPGUARD_A_OFFENDER",
	[SMTPGUARD_A_COUNT] = "SMTPGUARD_A_COUNT",
	[SMTPGUARD_A_OFFENDERS] = "SMTPGUARD_A_OFFENDERS",
	[SMTPGUARD_A_CHANGE] = "SMTPGUARD_A_CHANGE",
};

static const char *const sg_nl_prefix_attr_names[SMTPGUARD_PREFIX_A_MAX + 1] = {
	[SMTPGUARD_PREFIX_A_FAMILY] = "SMTPGUARD_PREFIX_A_FAMILY",
	[SMTPGUARD_PREFIX_A_ADDR] = "SMTPGUARD_PREFIX_A_ADDR",
	[SMTPGUARD_PREFIX_A_PREFIXLEN] = "SMTPGUARD_PREFIX_A_PREFIXLEN",
};

/*
 * nla_parse() keeps the last of repeated attributes; a repeated
 * single-valued one is a caller bug, so refuse it.  The policy has already
 * rejected unknown types, so every type fits the bitmap.
 */
static int sg_nl_check_repeats(const struct nlattr *head, int len,
			       unsigned long multi, const char *const *names,
			       unsigned int maxtype,
			       struct netlink_ext_ack *extack)
{
	const struct nlattr *nla;
	unsigned long seen = 0;
	int rem;

	BUILD_BUG_ON(SMTPGUARD_A_MAX >= BITS_PER_LONG);
	BUILD_BUG_ON(SMTPGUARD_PREFIX_A_MAX >= BITS_PER_LONG);

	nla_for_each_attr(nla, head, len, rem) {
		unsigned int type = nla_type(nla);

		if (type > maxtype || (multi & BIT(type)))
			continue;
		if (seen & BIT(type)) {
			sg_err_attr_fmt(extack, nla,
					"single-valued attribute given more than once",
					"%s given more than once",
					names[type] ?: "attribute");
			return -EINVAL;
		}
		seen |= BIT(type);
	}
	return 0;
}

int sg_nl_check_top_repeats(struct genl_info *info, unsigned long multi)
{
	return sg_nl_check_repeats(genlmsg_data(info->genlhdr),
				   genlmsg_len(info->genlhdr), multi,
				   sg_nl_attr_names, SMTPGUARD_A_MAX,
				   info->extack);
}

static bool sg_nl_require(struct genl_info *info, int type)
{
	if (!GENL_REQ_ATTR_CHECK(info, type))
		return true;
	switch (type) {
	case SMTPGUARD_A_PREFIX:
		NL_SET_ERR_MSG(info->extack, "missing attribute SMTPGUARD_A_PREFIX");
		break;
	case SMTPGUARD_A_PORTS:
		NL_SET_ERR_MSG(info->extack, "missing attribute SMTPGUARD_A_PORTS");
		break;
	case SMTPGUARD_A_MODE:
		NL_SET_ERR_MSG(info->extack, "missing attribute SMTPGUARD_A_MODE");
		break;
	}
	return false;
}

static const char *sg_family_name(u16 family)
{
	return family == AF_INET ? "AF_INET" : "AF_INET6";
}

int sg_nl_parse_prefix(const struct nlattr *nest, struct sg_prefix *p,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SMTPGUARD_PREFIX_A_MAX + 1];
	struct sg_prefix masked;
	unsigned int max_len;
	int err, addr_len;

	err = nla_parse_nested(tb, SMTPGUARD_PREFIX_A_MAX, nest,
			       sg_nl_prefix_policy, extack);
	if (err)
		return err;
	err = sg_nl_check_repeats(nla_data(nest), nla_len(nest), 0,
				  sg_nl_prefix_attr_names,
				  SMTPGUARD_PREFIX_A_MAX, extack);
	if (err)
		return err;

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, SMTPGUARD_PREFIX_A_FAMILY)) {
		NL_SET_ERR_MSG(extack, "prefix without SMTPGUARD_PREFIX_A_FAMILY");
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, SMTPGUARD_PREFIX_A_ADDR)) {
		NL_SET_ERR_MSG(extack, "prefix without SMTPGUARD_PREFIX_A_ADDR");
		return -EINVAL;
	}

	memset(p, 0, sizeof(*p));
	p->family = nla_get_u16(tb[SMTPGUARD_PREFIX_A_FAMILY]);
	switch (p->family) {
	case AF_INET:
		max_len = 32;
		break;
	case AF_INET6:
		max_len = 128;
		break;
	default:
		sg_err_attr_fmt(extack, tb[SMTPGUARD_PREFIX_A_FAMILY],
				"address family must be AF_INET or AF_INET6",
				"unknown address family %u, expected AF_INET or AF_INET6",
				p->family);
		return -EAFNOSUPPORT;
	}

	addr_len = nla_len(tb[SMTPGUARD_PREFIX_A_ADDR]);
	if (addr_len != max_len / 8) {
		sg_err_attr_fmt(extack, tb[SMTPGUARD_PREFIX_A_ADDR],
				"address length does not match the family",
				"address length %d does not match family %s",
				addr_len, sg_family_name(p->family));
		return -EINVAL;
	}
	memcpy(&p->addr, nla_data(tb[SMTPGUARD_PREFIX_A_ADDR]), addr_len);

	p->len = max_len;
	if (tb[SMTPGUARD_PREFIX_A_PREFIXLEN]) {
		p->len = nla_get_u8(tb[SMTPGUARD_PREFIX_A_PREFIXLEN]);
		if (p->len > max_len) {
			sg_err_attr_fmt(extack, tb[SMTPGUARD_PREFIX_A_PREFIXLEN],
					"prefix length is out of range for the family",
					"prefix length %u is out of range for %s",
					p->len,
					p->family == AF_INET ? "IPv4" : "IPv6");
			return -EINVAL;
		}
	}

	if (sg_prefix_check_host_bits(p, &masked)) {
		if (p->family == AF_INET)
			sg_err_attr_fmt(extack, tb[SMTPGUARD_PREFIX_A_ADDR],
					"host bits set in prefix",
					"host bits set in prefix, expected %pI4/%u",
					&masked.addr.s6_addr32[0], masked.len);
		else
			sg_err_attr_fmt(extack, tb[SMTPGUARD_PREFIX_A_ADDR],
					"host bits set in prefix",
					"host bits set in prefix, expected %pI6c/%u",
					&masked.addr, masked.len);
		return -EINVAL;
	}
	return 0;
}

/*
 * Parse every top-level SMTPGUARD_A_PREFIX into a new array.  With @present
 * (ALLOW_DEL, called under the lock), each one must also be in it.
 */
static int sg_nl_parse_prefixes(struct genl_info *info,
				const struct sg_policy *present,
				struct sg_prefix **prefixesp, u32 *nrp)
{
	const struct nlattr *head = genlmsg_data(info->genlhdr);
	int len = genlmsg_len(info->genlhdr);
	struct sg_prefix *prefixes;
	const struct nlattr *nla;
	u32 nr = 0;
	int rem, err;

	nla_for_each_attr(nla, head, len, rem)
		nr += nla_type(nla) == SMTPGUARD_A_PREFIX;

	/* Bounded by the size of the request, charged to its sender. */
	prefixes = kvmalloc_array(nr, sizeof(*prefixes), GFP_KERNEL_ACCOUNT);
	if (!prefixes)
		return -ENOMEM;

	nr = 0;
	nla_for_each_attr(nla, head, len, rem) {
		struct sg_prefix *p = &prefixes[nr];

		if (nla_type(nla) != SMTPGUARD_A_PREFIX)
			continue;
		err = sg_nl_parse_prefix(nla, p, info->extack);
		if (err)
			goto err_free;
		if (present && !sg_policy_has_prefix(present, p)) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "prefix not in allow-list");
			err = -ENOENT;
			goto err_free;
		}
		nr++;
	}
	*prefixesp = prefixes;
	*nrp = nr;
	return 0;

err_free:
	kvfree(prefixes);
	return err;
}

struct sk_buff *sg_nl_reply_new(struct genl_info *info, void **hdrp)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL_ACCOUNT);
	if (!msg)
		return NULL;
	*hdrp = genlmsg_put_reply(msg, info, &sg_nl_family, 0,
				  info->genlhdr->cmd);
	if (!*hdrp) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int sg_nl_reply_send(struct sk_buff *msg, void *hdr, struct genl_info *info,
		     int err)
{
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * The first allow or block configuration in a namespace nobody set a mode
 * for means "guard it": switch to enforce.  Under sn->lock.
 */
static bool sg_nl_wants_auto_enforce(const struct sg_policy *pol)
{
	return !pol->mode_explicit && pol->mode != SMTPGUARD_MODE_ENFORCE;
}

int sg_nl_auto_enforce(struct net *net, struct sg_net *sn, bool *switched)
{
	struct sg_policy *new;
	int err;

	*switched = false;
	if (!sg_nl_wants_auto_enforce(sg_policy_locked(sn)))
		return 0;
	new = sg_policy_copy(sg_policy_locked(sn));
	if (!new)
		return -ENOMEM;
	new->mode = SMTPGUARD_MODE_ENFORCE;
	err = sg_policy_publish(net, sn, new);
	*switched = !err;
	return err;
}

/* Under sn->lock, once the change is published. */
void sg_nl_event_prefixes(struct net *net, struct sg_net *sn, u8 cmd,
			  const struct sg_prefix *pfx, u32 nr, bool mode_auto)
{
	struct sg_event_config ev = {
		.pfx = pfx,
		.nr_pfx = nr,
		.count = nr,
		.has_count = true,
		.mode_auto = mode_auto,
	};

	sg_event_config(net, sn, cmd, &ev);
}

static int sg_nl_allow_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sg_net *sn = sg_pernet(net);
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
	err = sg_nl_parse_prefixes(info, NULL, &prefixes, &nr);
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
	if (err)
		goto out_unlock;

	/* Say so in the reply when this switches the namespace to enforce. */
	auto_mode = sg_nl_wants_auto_enforce(old);
	if (auto_mode)
		new->mode = SMTPGUARD_MODE_ENFORCE;

	err = sg_policy_publish(net, sn, new);
	if (err)
		goto out_unlock;

	sg_nl_event_prefixes(net, sn, SMTPGUARD_CMD_ALLOW_ADD, prefixes, nr,
			     auto_mode);
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

static int sg_nl_allow_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sg_net *sn = sg_pernet(net);
	struct sg_policy *old, *new;
	struct sg_prefix *prefixes;
	u32 nr;
	int err;

	if (!sg_nl_require(info, SMTPGUARD_A_PREFIX))
		return -EINVAL;
	err = sg_nl_check_top_repeats(info, BIT(SMTPGUARD_A_PREFIX));
	if (err)
		return err;

	mutex_lock(&sn->lock);
	old = sg_policy_locked(sn);
	err = sg_nl_parse_prefixes(info, old, &prefixes, &nr);
	if (err)
		goto out_unlock;
	err = sg_policy_del(old, prefixes, nr, &new);
	if (!err)
		err = sg_policy_publish(net, sn, new);
	if (!err)
		sg_nl_event_prefixes(net, sn, SMTPGUARD_CMD_ALLOW_DEL,
				     prefixes, nr, false);
	kvfree(prefixes);
out_unlock:
	mutex_unlock(&sn->lock);
	return err;
}

static int sg_nl_allow_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sg_net *sn = sg_pernet(net);
	struct sg_event_config ev = {};
	struct sg_policy *new;
	int err;

	mutex_lock(&sn->lock);
	new = sg_policy_copy_settings_only(sg_policy_locked(sn));
	err = new ? sg_policy_publish(net, sn, new) : -ENOMEM;
	if (!err)
		sg_event_config(net, sn, SMTPGUARD_CMD_ALLOW_FLUSH, &ev);
	mutex_unlock(&sn->lock);
	return err;
}

int sg_nl_put_prefix(struct sk_buff *skb, int type, const struct sg_prefix *p)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, SMTPGUARD_PREFIX_A_FAMILY, p->family) ||
	    nla_put(skb, SMTPGUARD_PREFIX_A_ADDR,
		    p->family == AF_INET ? 4 : sizeof(p->addr), &p->addr) ||
	    nla_put_u8(skb, SMTPGUARD_PREFIX_A_PREFIXLEN, p->len)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
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

static int sg_nl_allow_get_start(struct netlink_callback *cb)
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

static int sg_nl_allow_get_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
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

static int sg_nl_allow_get_done(struct netlink_callback *cb)
{
	sg_policy_put(sg_nl_dump_ctx(cb)->pol);
	return 0;
}

int sg_nl_put_ports(struct sk_buff *msg, const struct sg_policy *pol)
{
	struct nlattr *nest;
	u8 i;

	nest = nla_nest_start(msg, SMTPGUARD_A_PORTS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < pol->nr_ports; i++) {
		if (nla_put_u16(msg, SMTPGUARD_PORTS_A_PORT, pol->ports[i])) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int sg_nl_ports_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	u16 ports[SMTPGUARD_MAX_PORTS];
	struct sg_event_config ev = {};
	struct net *net = genl_info_net(info);
	struct sg_net *sn = sg_pernet(net);
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
		u16 port = nla_get_u16(nla);

		if (!port) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "port 0 is not valid");
			return -EINVAL;
		}
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
		err = sg_policy_publish(net, sn, new);
		if (!err)
			sg_event_config(net, sn, SMTPGUARD_CMD_PORTS_SET, &ev);
	} else {
		err = -ENOMEM;
	}
	mutex_unlock(&sn->lock);
	return err;
}

static int sg_nl_ports_get_doit(struct sk_buff *skb, struct genl_info *info)
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

static int sg_nl_mode_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sg_net *sn = sg_pernet(net);
	struct sg_event_config ev = {};
	const struct nlattr *nla;
	struct sg_policy *new;
	int err;
	u8 mode;

	if (!sg_nl_require(info, SMTPGUARD_A_MODE))
		return -EINVAL;
	err = sg_nl_check_top_repeats(info, 0);
	if (err)
		return err;

	nla = info->attrs[SMTPGUARD_A_MODE];
	mode = nla_get_u8(nla);
	if (mode > SMTPGUARD_MODE_MAX) {
		sg_err_attr_fmt(info->extack, nla,
				"unknown mode, expected off, monitor or enforce",
				"unknown mode %u", mode);
		return -EINVAL;
	}

	mutex_lock(&sn->lock);
	new = sg_policy_copy(sg_policy_locked(sn));
	if (new) {
		new->mode = mode;
		new->mode_explicit = true;
		err = sg_policy_publish(net, sn, new);
		if (!err)
			sg_event_config(net, sn, SMTPGUARD_CMD_MODE_SET, &ev);
	} else {
		err = -ENOMEM;
	}
	mutex_unlock(&sn->lock);
	return err;
}

static int sg_nl_mode_get_doit(struct sk_buff *skb, struct genl_info *info)
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
	     nla_put_flag(msg, SMTPGUARD_A_MODE_EXPLICIT)))
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

static int sg_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
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

	sg_stats_read(sn, &st);
	rcu_read_lock();
	pol = rcu_dereference(sn->policy);
	set = rcu_dereference(sn->block);
	if (nla_put_u8(msg, SMTPGUARD_A_MODE, pol->mode) ||
	    (pol->mode_explicit &&
	     nla_put_flag(msg, SMTPGUARD_A_MODE_EXPLICIT)) ||
	    nla_put_u32(msg, SMTPGUARD_A_ALLOW_ENTRIES, pol->nr_prefixes) ||
	    sg_nl_put_ports(msg, pol) ||
	    nla_put_u32(msg, SMTPGUARD_A_BLOCK_ENTRIES,
			set ? set->nr_entries : 0) ||
	    nla_put_u32(msg, SMTPGUARD_A_BLOCK_FEEDS, set ? set->nr_feeds : 0) ||
	    nla_put_u32(msg, SMTPGUARD_A_OFFENDERS, sg_ledger_count(sn)) ||
	    sg_nl_put_stats(msg, &st, set ? set->bytes : 0))
		err = -EMSGSIZE;
	rcu_read_unlock();
	return sg_nl_reply_send(msg, hdr, info, err);
}

static int sg_nl_stats_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	sg_stats_reset(sg_pernet(genl_info_net(info)));
	return 0;
}

static const struct genl_ops sg_nl_ops[] = {
	{
		.cmd = SMTPGUARD_CMD_ALLOW_ADD,
		.doit = sg_nl_allow_add_doit,
		.policy = sg_nl_allow_policy,
		.maxattr = ARRAY_SIZE(sg_nl_allow_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_ALLOW_DEL,
		.doit = sg_nl_allow_del_doit,
		.policy = sg_nl_allow_policy,
		.maxattr = ARRAY_SIZE(sg_nl_allow_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_ALLOW_FLUSH,
		.doit = sg_nl_allow_flush_doit,
		.policy = sg_nl_no_attr_policy,
		.maxattr = ARRAY_SIZE(sg_nl_no_attr_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_ALLOW_GET,
		.start = sg_nl_allow_get_start,
		.dumpit = sg_nl_allow_get_dumpit,
		.done = sg_nl_allow_get_done,
		.policy = sg_nl_no_attr_policy,
		.maxattr = ARRAY_SIZE(sg_nl_no_attr_policy) - 1,
	},
	{
		.cmd = SMTPGUARD_CMD_PORTS_SET,
		.doit = sg_nl_ports_set_doit,
		.policy = sg_nl_ports_set_policy,
		.maxattr = ARRAY_SIZE(sg_nl_ports_set_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_PORTS_GET,
		.doit = sg_nl_ports_get_doit,
		.policy = sg_nl_no_attr_policy,
		.maxattr = ARRAY_SIZE(sg_nl_no_attr_policy) - 1,
	},
	{
		.cmd = SMTPGUARD_CMD_MODE_SET,
		.doit = sg_nl_mode_set_doit,
		.policy = sg_nl_mode_set_policy,
		.maxattr = ARRAY_SIZE(sg_nl_mode_set_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_MODE_GET,
		.doit = sg_nl_mode_get_doit,
		.policy = sg_nl_no_attr_policy,
		.maxattr = ARRAY_SIZE(sg_nl_no_attr_policy) - 1,
	},
	{
		.cmd = SMTPGUARD_CMD_STATS_GET,
		.doit = sg_nl_stats_get_doit,
		.policy = sg_nl_no_attr_policy,
		.maxattr = ARRAY_SIZE(sg_nl_no_attr_policy) - 1,
	},
	{
		.cmd = SMTPGUARD_CMD_STATS_RESET,
		.doit = sg_nl_stats_reset_doit,
		.policy = sg_nl_no_attr_policy,
		.maxattr = ARRAY_SIZE(sg_nl_no_attr_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_BLOCK_ADD,
		.doit = sg_nl_block_add_doit,
		.policy = sg_nl_block_add_policy,
		.maxattr = ARRAY_SIZE(sg_nl_block_add_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_BLOCK_DEL,
		.doit = sg_nl_block_del_doit,
		.policy = sg_nl_block_del_policy,
		.maxattr = ARRAY_SIZE(sg_nl_block_del_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_BLOCK_FLUSH,
		.doit = sg_nl_block_flush_doit,
		.policy = sg_nl_feed_policy,
		.maxattr = ARRAY_SIZE(sg_nl_feed_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_BLOCK_GET,
		.dumpit = sg_nl_block_get_dumpit,
		.policy = sg_nl_feed_policy,
		.maxattr = ARRAY_SIZE(sg_nl_feed_policy) - 1,
	},
	{
		.cmd = SMTPGUARD_CMD_BLOCK_TEST,
		.doit = sg_nl_block_test_doit,
		.policy = sg_nl_block_test_policy,
		.maxattr = ARRAY_SIZE(sg_nl_block_test_policy) - 1,
	},
	{
		.cmd = SMTPGUARD_CMD_BLOCK_TXN_BEGIN,
		.doit = sg_nl_txn_begin_doit,
		.policy = sg_nl_txn_begin_policy,
		.maxattr = ARRAY_SIZE(sg_nl_txn_begin_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_BLOCK_TXN_COMMIT,
		.doit = sg_nl_txn_commit_doit,
		.policy = sg_nl_txn_id_policy,
		.maxattr = ARRAY_SIZE(sg_nl_txn_id_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_BLOCK_TXN_ABORT,
		.doit = sg_nl_txn_abort_doit,
		.policy = sg_nl_txn_id_policy,
		.maxattr = ARRAY_SIZE(sg_nl_txn_id_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_FEED_GET,
		.dumpit = sg_nl_feed_get_dumpit,
		.policy = sg_nl_no_attr_policy,
		.maxattr = ARRAY_SIZE(sg_nl_no_attr_policy) - 1,
	},
	{
		/* Offender data names hosts: admins only. */
		.cmd = SMTPGUARD_CMD_OFFENDER_GET,
		.dumpit = sg_nl_offender_get_dumpit,
		.policy = sg_nl_reason_policy,
		.maxattr = ARRAY_SIZE(sg_nl_reason_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_OFFENDER_FLUSH,
		.doit = sg_nl_offender_flush_doit,
		.policy = sg_nl_reason_policy,
		.maxattr = ARRAY_SIZE(sg_nl_reason_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

/* Events name offending hosts, so joining needs CAP_NET_ADMIN too. */
static const struct genl_multicast_group sg_nl_mcgrps[] = {
	[SG_MCGRP_EVENTS] = {
		.name = SMTPGUARD_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/*
 * resv_start_op stays 0: every command is validated strictly and must have
 * a zero reserved header field.  Handlers lock per namespace, so they need
 * no global genl_mutex (parallel_ops).
 */
struct genl_family sg_nl_family __ro_after_init = {
	.name = SMTPGUARD_GENL_NAME,
	.version = SMTPGUARD_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = sg_nl_ops,
	.n_ops = ARRAY_SIZE(sg_nl_ops),
	.mcgrps = sg_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(sg_nl_mcgrps),
};

int __init sg_netlink_init(void)
{
	return genl_register_family(&sg_nl_family);
}

void sg_netlink_exit(void)
{
	genl_unregister_family(&sg_nl_family);
}
