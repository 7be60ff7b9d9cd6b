// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the "smtpguard" generic netlink family object, and the
 * attribute helpers its commands and events share.
 *
 * The contract is include/uapi/linux/smtpguard.h and its YNL twin.  Every
 * rejection names the bad attribute in the extended ack.
 */

#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "allow.h"
#include "compat.h"
#include "genl.h"

/* The prefix nest, in every command that carries prefixes. */
const struct nla_policy sg_nl_prefix_policy[SMTPGUARD_PREFIX_A_MAX + 1] = {
	[SMTPGUARD_PREFIX_A_FAMILY] = { .type = NLA_U16 },
	[SMTPGUARD_PREFIX_A_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SMTPGUARD_PREFIX_A_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
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
	[SMTPGUARD_A_SMTP_POLICY] = "SMTPGUARD_A_SMTP_POLICY",
	[SMTPGUARD_A_OFFENDERS_HASHSIZE] = "SMTPGUARD_A_OFFENDERS_HASHSIZE",
	[SMTPGUARD_A_EXCEPT] = "SMTPGUARD_A_EXCEPT",
	[SMTPGUARD_A_EXCEPT_ENTRIES] = "SMTPGUARD_A_EXCEPT_ENTRIES",
	[SMTPGUARD_A_ROLE] = "SMTPGUARD_A_ROLE",
	[SMTPGUARD_A_IFNAME] = "SMTPGUARD_A_IFNAME",
	[SMTPGUARD_A_ROLES_CONFIGURED] = "SMTPGUARD_A_ROLES_CONFIGURED",
	[SMTPGUARD_A_ACTION] = "SMTPGUARD_A_ACTION",
	[SMTPGUARD_A_DIRECTION] = "SMTPGUARD_A_DIRECTION",
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

bool sg_nl_require(struct genl_info *info, int type)
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

	/* The policy bounds it to 4..16; the family decides which. */
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
 * Every top-level SMTPGUARD_A_PREFIX, parsed into a new array (in the
 * request's order, not checked for repeats).  At least one.
 */
int sg_nl_parse_prefix_list(struct genl_info *info, struct sg_prefix **pfxp,
			    u32 *nrp)
{
	const struct nlattr *head = genlmsg_data(info->genlhdr);
	int len = genlmsg_len(info->genlhdr);
	struct sg_prefix *pfx;
	const struct nlattr *nla;
	u32 nr = 0;
	int rem, err;

	nla_for_each_attr(nla, head, len, rem)
		nr += nla_type(nla) == SMTPGUARD_A_PREFIX;
	if (!nr) {
		NL_SET_ERR_MSG(info->extack, "missing attribute SMTPGUARD_A_PREFIX");
		return -EINVAL;
	}
	/* Bounded by the size of the request, charged to its sender. */
	pfx = kvmalloc_array(nr, sizeof(*pfx), GFP_KERNEL_ACCOUNT);
	if (!pfx)
		return -ENOMEM;
	nr = 0;
	nla_for_each_attr(nla, head, len, rem) {
		if (nla_type(nla) != SMTPGUARD_A_PREFIX)
			continue;
		err = sg_nl_parse_prefix(nla, &pfx[nr++], info->extack);
		if (err) {
			kvfree(pfx);
			return err;
		}
	}
	*pfxp = pfx;
	*nrp = nr;
	return 0;
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

static int sg_nl_put_addr(struct sk_buff *skb, int type,
			  const struct in6_addr *addr, u16 family)
{
	struct sg_prefix p = {
		.addr = *addr,
		.family = family,
		.len = family == AF_INET ? 32 : 128,
	};

	return sg_nl_put_prefix(skb, type, &p);
}

static int sg_nl_put_dest(struct sk_buff *skb, const struct sg_offender_dest *d)
{
	struct nlattr *nest = nla_nest_start(skb, SMTPGUARD_OFFENDER_A_DEST);

	if (!nest)
		return -EMSGSIZE;
	if (sg_nl_put_addr(skb, SMTPGUARD_DEST_A_ADDR, &d->addr, d->family) ||
	    (d->port >= 0 && nla_put_u16(skb, SMTPGUARD_DEST_A_PORT, d->port)) ||
	    nla_put_u8(skb, SMTPGUARD_DEST_A_PROTO, d->proto) ||
	    nla_put_u32(skb, SMTPGUARD_DEST_A_REASON, d->reason) ||
	    (d->feed[0] && nla_put_string(skb, SMTPGUARD_DEST_A_FEED, d->feed))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int sg_nl_put_offender(struct sk_buff *skb, struct sg_offender *o)
{
	struct sg_offender_view v;
	struct nlattr *nest;
	u8 i;

	sg_offender_view(o, &v);
	nest = nla_nest_start(skb, SMTPGUARD_A_OFFENDER);
	if (!nest)
		return -EMSGSIZE;
	if (sg_nl_put_addr(skb, SMTPGUARD_OFFENDER_A_ADDR, &v.addr, v.family) ||
	    (v.has_mac && nla_put(skb, SMTPGUARD_OFFENDER_A_MAC, ETH_ALEN,
				  v.mac)) ||
	    (v.ifindex && (nla_put_u32(skb, SMTPGUARD_OFFENDER_A_IFINDEX,
				       v.ifindex) ||
			   nla_put_string(skb, SMTPGUARD_OFFENDER_A_IFNAME,
					  v.ifname))) ||
	    nla_put_u32(skb, SMTPGUARD_OFFENDER_A_REASONS, v.reasons) ||
	    nla_put_u64_64bit(skb, SMTPGUARD_OFFENDER_A_PACKETS,
			      v.smtp_packets + v.cnc_packets,
			      SMTPGUARD_OFFENDER_A_PAD) ||
	    nla_put_u64_64bit(skb, SMTPGUARD_OFFENDER_A_SMTP_PACKETS,
			      v.smtp_packets, SMTPGUARD_OFFENDER_A_PAD) ||
	    nla_put_u64_64bit(skb, SMTPGUARD_OFFENDER_A_CNC_PACKETS,
			      v.cnc_packets, SMTPGUARD_OFFENDER_A_PAD) ||
	    nla_put_u64_64bit(skb, SMTPGUARD_OFFENDER_A_FIRST_SEEN,
			      v.first_seen, SMTPGUARD_OFFENDER_A_PAD) ||
	    nla_put_u64_64bit(skb, SMTPGUARD_OFFENDER_A_LAST_SEEN,
			      v.last_seen, SMTPGUARD_OFFENDER_A_PAD))
		goto cancel;
	for (i = 0; i < v.nr_dests; i++) {
		if (sg_nl_put_dest(skb, &v.dests[i]))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* ENOENT's words: "192.0.2.0/24 is not in the allow-list". */
void sg_nl_err_not_in(struct netlink_ext_ack *extack,
		      const struct sg_prefix *p, const char *where)
{
	if (p->family == AF_INET)
		sg_err_fmt(extack, "prefix is not listed there",
			   "%pI4/%u is not in %s", &p->addr.s6_addr32[0],
			   p->len, where);
	else
		sg_err_fmt(extack, "prefix is not listed there",
			   "%pI6c/%u is not in %s", &p->addr, p->len, where);
}

/*
 * May the sender of @skb see traffic data (hits, last hit, offenders)?
 * Like changing the configuration, it needs CAP_NET_ADMIN in the user
 * namespace that owns the network namespace.
 */
bool sg_nl_sees_traffic(const struct sk_buff *skb)
{
	return netlink_ns_capable(skb, sock_net(skb->sk)->user_ns,
				  CAP_NET_ADMIN);
}

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
 * no global genl_mutex (parallel_ops).  The ops are attached by
 * sg_genl_register() (genl_ops.c).
 */
struct genl_family sg_nl_family __ro_after_init = {
	.name = SMTPGUARD_GENL_NAME,
	.version = SMTPGUARD_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.mcgrps = sg_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(sg_nl_mcgrps),
};
