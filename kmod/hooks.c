// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the netfilter hooks, verdicts, counters and the log.
 *
 * Every packet: when the namespace has a blocklist, one hash probe per
 * level in use for each of its two addresses (see block.c).  Then, for
 * traffic that is not SMTP: a protocol compare, one small header read and a
 * scan of at most SMTPGUARD_MAX_PORTS ports in one cache line.  Only packets
 * to an SMTP port look at the allow-list.  Only refused packets touch the
 * offender ledger (ledger.c), which also decides what is logged.
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

/* "new offender <IPv6> mac <MAC>: " or the summary with its counts. */
#define SG_LOG_LEAD_LEN		192

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

/*
 * @lead starts the line: "" when the ledger is off (then every packet may
 * log, within the namespace's rate limit), else the offender's report.
 * The rate limit stays as a backstop against floods of new offenders.
 */
static void sg_log(struct sg_net *sn, const struct nf_hook_state *state,
		   const struct sk_buff *skb, u16 dport, bool drop, bool tiny,
		   const char *lead)
{
	const char *what = drop ? "dropped" : "would drop";
	const char *why = tiny ? " (tiny first fragment)" : "";

	if (!__ratelimit(&sn->log_rs))
		return;

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		pr_info("%s%s SMTP %pI4 -> %pI4:%u in=%s out=%s netns=%u%s\n",
			lead, what, &iph->saddr, &iph->daddr, dport,
			sg_dev_name(state->in), sg_dev_name(state->out),
			state->net->ns.inum, why);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		pr_info("%s%s SMTP %pI6c -> [%pI6c]:%u in=%s out=%s netns=%u%s\n",
			lead, what, &ip6h->saddr, &ip6h->daddr, dport,
			sg_dev_name(state->in), sg_dev_name(state->out),
			state->net->ns.inum, why);
	}
}

static void sg_log_cnc(struct sg_net *sn, const struct nf_hook_state *state,
		       const struct sk_buff *skb,
		       const struct sg_block_entry *e, const char *feed,
		       bool drop, const char *lead)
{
	const char *what = drop ? "dropped" : "would drop";

	if (!__ratelimit(&sn->log_rs))
		return;

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		pr_info("%s%s C&C %pI4 -> %pI4 proto %u listed %pI4/%u feed %s in=%s out=%s netns=%u\n",
			lead, what, &iph->saddr, &iph->daddr, iph->protocol,
			&e->pfx.addr.s6_addr32[0], e->pfx.len, feed,
			sg_dev_name(state->in), sg_dev_name(state->out),
			state->net->ns.inum);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		pr_info("%s%s C&C %pI6c -> %pI6c nexthdr %u listed %pI6c/%u feed %s in=%s out=%s netns=%u\n",
			lead, what, &ip6h->saddr, &ip6h->daddr, ip6h->nexthdr,
			&e->pfx.addr, e->pfx.len, feed,
			sg_dev_name(state->in), sg_dev_name(state->out),
			state->net->ns.inum);
	}
}

/* The ports of TCP, UDP, UDP-Lite, SCTP and DCCP lead their header. */
static bool sg_proto_has_ports(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		return true;
	}
	return false;
}

/* The listed peer's protocol and port, for the offender's record. */
static void sg_cnc_peer(const struct sk_buff *skb,
			const struct nf_hook_state *state,
			struct sg_offence *off)
{
	const struct sg_ports *ports;
	struct sg_ports _ports;
	unsigned int thoff;

	off->port = -1;
	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		off->proto = iph->protocol;
		if (iph->frag_off & htons(IP_OFFSET))
			return;
		thoff = skb_network_offset(skb) + ip_hdrlen(skb);
	} else {
		off->proto = ipv6_hdr(skb)->nexthdr;
		thoff = skb_network_offset(skb) + sizeof(struct ipv6hdr);
	}
	if (!sg_proto_has_ports(off->proto))
		return;
	ports = skb_header_pointer(skb, thoff, sizeof(_ports), &_ports);
	if (ports)
		off->port = ntohs(off->host_is_src ? ports->dest :
						     ports->source);
}

/*
 * A packet from or to a listed address, whatever its protocol.  The mode
 * is read only here, on a match: the hooks exist only while it is not off,
 * the check covers the moment it changes.  @from_listed: the source is the
 * listed one, so the internal host is the destination.
 */
static unsigned int sg_refuse_cnc(struct sg_net *sn,
				  const struct nf_hook_state *state,
				  const struct sk_buff *skb,
				  const struct sg_blockset *set,
				  struct sg_block_entry *e, bool from_listed)
{
	const struct sg_policy *pol = rcu_dereference(sn->policy);
	u64 feeds = READ_ONCE(e->feeds);
	struct sg_offence off = {
		.reason = SMTPGUARD_REASON_CNC,
		.host_is_src = !from_listed,
		.feed = feeds ? set->feeds[__ffs64(feeds)].name : "",
	};
	char lead[SG_LOG_LEAD_LEN];
	enum sg_report report;
	bool drop;

	if (unlikely(!pol || pol->mode == SMTPGUARD_MODE_OFF))
		return NF_ACCEPT;
	drop = pol->mode == SMTPGUARD_MODE_ENFORCE;
	sg_block_hit(e);
	if (drop)
		this_cpu_inc(sn->stats->cnc_dropped);
	else
		this_cpu_inc(sn->stats->cnc_would_drop);

	off.mode = pol->mode;
	sg_cnc_peer(skb, state, &off);
	report = sg_ledger_record(sn, state, skb, &off, lead, sizeof(lead));
	if (report != SG_REPORT_NONE)
		sg_log_cnc(sn, state, skb, e, off.feed, drop,
			   report == SG_REPORT_OFF ? "" : lead);
	return drop ? NF_DROP : NF_ACCEPT;
}

/* A packet to an SMTP port whose addresses are not allowed. */
static unsigned int sg_refuse(struct sg_net *sn, const struct sg_policy *pol,
			      const struct nf_hook_state *state,
			      const struct sk_buff *skb, u16 dport, bool tiny)
{
	bool drop = pol->mode == SMTPGUARD_MODE_ENFORCE;
	struct sg_offence off = {
		.reason = SMTPGUARD_REASON_SMTP,
		.host_is_src = true,
		.port = tiny ? -1 : dport,
		.proto = IPPROTO_TCP,
		.mode = pol->mode,
	};
	char lead[SG_LOG_LEAD_LEN];
	enum sg_report report;

	if (drop)
		this_cpu_inc(sn->stats->dropped);
	else
		this_cpu_inc(sn->stats->would_drop);
	report = sg_ledger_record(sn, state, skb, &off, lead, sizeof(lead));
	if (report != SG_REPORT_NONE)
		sg_log(sn, state, skb, dport, drop, tiny,
		       report == SG_REPORT_OFF ? "" : lead);
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
		bool from_listed = e;

		if (!e)
			e = sg_block_lookup4(set, iph->daddr);
		if (unlikely(e))
			return sg_refuse_cnc(sn, state, skb, set, e,
					     from_listed);
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
		bool from_listed = e;

		if (!e)
			e = sg_block_lookup6(set, &ip6h->daddr);
		if (unlikely(e))
			return sg_refuse_cnc(sn, state, skb, set, e,
					     from_listed);
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
