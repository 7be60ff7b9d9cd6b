// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the netfilter hooks, verdicts, counters and the log.
 *
 * Every packet: when the namespace has a blocklist, one hash probe per
 * level in use for each of its two addresses (see block.c).  Then, for
 * traffic that is not SMTP: a protocol compare, one small header read and a
 * scan of at most SMTPGUARD_MAX_PORTS ports in one cache line.  Only packets
 * to an SMTP port look at the allow-list.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/ratelimit.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "smtpguard.h"

/* The two ports at the start of the TCP header. */
struct sg_ports {
	__be16 source;
	__be16 dest;
};

static bool sg_port_match(const struct sg_policy *pol, u16 port)
{
	u8 i;

	/* Sorted: stop at the first port that is not smaller. */
	for (i = 0; i < pol->nr_ports; i++) {
		if (pol->ports[i] >= port)
			return pol->ports[i] == port;
	}
	return false;
}

static const char *sg_dev_name(const struct net_device *dev)
{
	return dev ? dev->name : "-";
}

static void sg_log(struct sg_net *sn, const struct nf_hook_state *state,
		   const struct sk_buff *skb, u16 dport, bool drop, bool tiny)
{
	const char *what = drop ? "dropped" : "would drop";
	const char *why = tiny ? " (tiny first fragment)" : "";

	if (!__ratelimit(&sn->log_rs))
		return;

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		pr_info("%s SMTP %pI4 -> %pI4:%u in=%s out=%s netns=%u%s\n",
			what, &iph->saddr, &iph->daddr, dport,
			sg_dev_name(state->in), sg_dev_name(state->out),
			state->net->ns.inum, why);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		pr_info("%s SMTP %pI6c -> [%pI6c]:%u in=%s out=%s netns=%u%s\n",
			what, &ip6h->saddr, &ip6h->daddr, dport,
			sg_dev_name(state->in), sg_dev_name(state->out),
			state->net->ns.inum, why);
	}
}

static void sg_log_cnc(struct sg_net *sn, const struct nf_hook_state *state,
		       const struct sk_buff *skb, const struct sg_blockset *set,
		       const struct sg_block_entry *e, bool drop)
{
	const char *what = drop ? "dropped" : "would drop";
	u64 feeds = READ_ONCE(e->feeds);
	const char *feed = feeds ? set->feeds[__ffs64(feeds)].name : "";

	if (!__ratelimit(&sn->log_rs))
		return;

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		pr_info("%s C&C %pI4 -> %pI4 proto %u listed %pI4/%u feed %s in=%s out=%s netns=%u\n",
			what, &iph->saddr, &iph->daddr, iph->protocol,
			&e->pfx.addr.s6_addr32[0], e->pfx.len, feed,
			sg_dev_name(state->in), sg_dev_name(state->out),
			state->net->ns.inum);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		pr_info("%s C&C %pI6c -> %pI6c nexthdr %u listed %pI6c/%u feed %s in=%s out=%s netns=%u\n",
			what, &ip6h->saddr, &ip6h->daddr, ip6h->nexthdr,
			&e->pfx.addr, e->pfx.len, feed,
			sg_dev_name(state->in), sg_dev_name(state->out),
			state->net->ns.inum);
	}
}

/*
 * A packet from or to a listed address, whatever its protocol.  The mode
 * is read only here, on a match: the hooks exist only while it is not off,
 * the check covers the moment it changes.
 */
static unsigned int sg_refuse_cnc(struct sg_net *sn,
				  const struct nf_hook_state *state,
				  const struct sk_buff *skb,
				  const struct sg_blockset *set,
				  struct sg_block_entry *e)
{
	const struct sg_policy *pol = rcu_dereference(sn->policy);
	bool drop;

	if (unlikely(!pol || pol->mode == SMTPGUARD_MODE_OFF))
		return NF_ACCEPT;
	drop = pol->mode == SMTPGUARD_MODE_ENFORCE;
	sg_block_hit(e);
	if (drop)
		this_cpu_inc(sn->stats->cnc_dropped);
	else
		this_cpu_inc(sn->stats->cnc_would_drop);
	sg_log_cnc(sn, state, skb, set, e, drop);
	return drop ? NF_DROP : NF_ACCEPT;
}

/* A packet to an SMTP port whose addresses are not allowed. */
static unsigned int sg_refuse(struct sg_net *sn, const struct sg_policy *pol,
			      const struct nf_hook_state *state,
			      const struct sk_buff *skb, u16 dport, bool tiny)
{
	bool drop = pol->mode == SMTPGUARD_MODE_ENFORCE;

	if (drop)
		this_cpu_inc(sn->stats->dropped);
	else
		this_cpu_inc(sn->stats->would_drop);
	sg_log(sn, state, skb, dport, drop, tiny);
	return drop ? NF_DROP : NF_ACCEPT;
}

/*
 * Packets that arrive on loopback were sent from this namespace and already
 * judged at LOCAL_OUT; judging them again would count each one twice.
 */
static bool sg_skip_loopback(const struct nf_hook_state *state)
{
	return state->hook == NF_INET_LOCAL_IN && state->in &&
	       (state->in->flags & IFF_LOOPBACK);
}

static unsigned int sg_judge(const struct sk_buff *skb,
			     const struct nf_hook_state *state,
			     struct sg_net *sn, unsigned int thoff)
{
	const struct sg_ports *ports;
	const struct sg_policy *pol;
	struct sg_ports _ports;
	bool allowed;
	u16 dport;

	ports = skb_header_pointer(skb, thoff, sizeof(_ports), &_ports);
	pol = rcu_dereference(sn->policy);
	if (unlikely(!pol || pol->mode == SMTPGUARD_MODE_OFF))
		return NF_ACCEPT;

	if (unlikely(!ports)) {
		/* RFC 1858: a first fragment too short to hold the ports could
		 * hide an SMTP port; refuse it when enforcing, whatever the
		 * addresses, as xt_tcpudp's "evil tinygram" rule does.
		 */
		if (pol->mode != SMTPGUARD_MODE_ENFORCE ||
		    sg_skip_loopback(state))
			return NF_ACCEPT;
		return sg_refuse(sn, pol, state, skb, 0, true);
	}

	dport = ntohs(ports->dest);
	if (likely(!sg_port_match(pol, dport)))
		return NF_ACCEPT;
	if (sg_skip_loopback(state))
		return NF_ACCEPT;

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		allowed = sg_allow_lookup4(pol, iph->saddr) ||
			  sg_allow_lookup4(pol, iph->daddr);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		allowed = sg_allow_lookup6(pol, &ip6h->saddr) ||
			  sg_allow_lookup6(pol, &ip6h->daddr);
	}

	if (allowed) {
		this_cpu_inc(sn->stats->allowed);
		return NF_ACCEPT;
	}
	return sg_refuse(sn, pol, state, skb, dport, false);
}

static unsigned int sg_hook_ipv4(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct sg_net *sn = sg_pernet(state->net);
	const struct sg_blockset *set = rcu_dereference(sn->block);

	if (set && !sg_skip_loopback(state)) {
		struct sg_block_entry *e = sg_block_lookup4(set, iph->saddr);

		if (!e)
			e = sg_block_lookup4(set, iph->daddr);
		if (unlikely(e))
			return sg_refuse_cnc(sn, state, skb, set, e);
	}

	if (likely(iph->protocol != IPPROTO_TCP))
		return NF_ACCEPT;
	/* Non-first fragments carry no ports. */
	if (unlikely(iph->frag_off & htons(IP_OFFSET)))
		return NF_ACCEPT;

	return sg_judge(skb, state, sn,
			skb_network_offset(skb) + ip_hdrlen(skb));
}

static unsigned int sg_hook_ipv6(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct sg_net *sn = sg_pernet(state->net);
	const struct sg_blockset *set = rcu_dereference(sn->block);
	unsigned short fragoff = 0;
	unsigned int thoff = 0;
	int flags = 0;

	if (set && !sg_skip_loopback(state)) {
		struct sg_block_entry *e = sg_block_lookup6(set, &ip6h->saddr);

		if (!e)
			e = sg_block_lookup6(set, &ip6h->daddr);
		if (unlikely(e))
			return sg_refuse_cnc(sn, state, skb, set, e);
	}

	if (likely(ip6h->nexthdr == IPPROTO_TCP))
		return sg_judge(skb, state, sn,
				skb_network_offset(skb) + sizeof(*ip6h));

	/* Neither TCP nor an extension header that might precede it. */
	if (likely(!ipv6_ext_hdr(ip6h->nexthdr)))
		return NF_ACCEPT;

	/* Returns -ENOENT for a non-first fragment: it has no ports. */
	if (ipv6_find_hdr(skb, &thoff, IPPROTO_TCP, &fragoff, &flags) !=
	    IPPROTO_TCP || fragoff)
		return NF_ACCEPT;

	return sg_judge(skb, state, sn, thoff);
}

#define SG_HOOK(_fn, _pf, _hooknum, _prio) {	\
	.hook = (_fn),				\
	.pf = (_pf),				\
	.hooknum = (_hooknum),			\
	.priority = (_prio),			\
}

/*
 * Just before the filter table, so an ACCEPT there cannot bypass us.  The
 * same const array serves every namespace: netfilter keys registrations by
 * (net, ops).
 */
static const struct nf_hook_ops sg_hook_ops[] = {
	SG_HOOK(sg_hook_ipv4, NFPROTO_IPV4, NF_INET_FORWARD,
		NF_IP_PRI_FILTER - 1),
	SG_HOOK(sg_hook_ipv4, NFPROTO_IPV4, NF_INET_LOCAL_OUT,
		NF_IP_PRI_FILTER - 1),
	SG_HOOK(sg_hook_ipv4, NFPROTO_IPV4, NF_INET_LOCAL_IN,
		NF_IP_PRI_FILTER - 1),
	SG_HOOK(sg_hook_ipv6, NFPROTO_IPV6, NF_INET_FORWARD,
		NF_IP6_PRI_FILTER - 1),
	SG_HOOK(sg_hook_ipv6, NFPROTO_IPV6, NF_INET_LOCAL_OUT,
		NF_IP6_PRI_FILTER - 1),
	SG_HOOK(sg_hook_ipv6, NFPROTO_IPV6, NF_INET_LOCAL_IN,
		NF_IP6_PRI_FILTER - 1),
};

int sg_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, sg_hook_ops, ARRAY_SIZE(sg_hook_ops));
}

void sg_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, sg_hook_ops, ARRAY_SIZE(sg_hook_ops));
}
