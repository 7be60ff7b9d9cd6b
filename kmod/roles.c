// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: is the sender of a refused packet one of our own hosts?
 *
 * Only inside hosts are recorded as offenders: a router on the Internet
 * receives port scans and forged packets all day, and none of those may
 * bury the infected PC the admin is looking for.  Asked only for refused
 * packets, never on the common path.
 *
 * Configured roles decide when there are any.  Otherwise the routing
 * table does: a sender is inside unless it came in on an interface a
 * default route leaves by, and the route back to its address (as
 * reverse-path filtering looks it up) must be a unicast route more
 * specific than a default route that leaves by the interface the packet
 * came in on.  An IPv6 LAN with global addresses is inside by its
 * connected route; the uplink, its own subnet included, is outside; a
 * forged LAN address arriving on the uplink fails the interface check.
 */

#include <linux/netdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip_fib.h>
#include <net/ip6_fib.h>
#include <net/ipv6_stubs.h>
#include <net/nexthop.h>

#include "roles.h"

/*
 * The unicast route to @daddr: its prefix length in *@plen and whether a
 * next hop of it leaves by @in.  False when there is none.
 */
static bool sg_route4(struct net *net, __be32 daddr, __be32 saddr, u32 mark,
		      const struct net_device *in, u8 *plen, bool *via_in)
{
	struct flowi4 fl4 = {
		.daddr = daddr,
		.saddr = saddr,
		.flowi4_iif = LOOPBACK_IFINDEX,
		.flowi4_mark = mark,
		.flowi4_scope = RT_SCOPE_UNIVERSE,
	};
	struct fib_result res;
	unsigned int i;

	if (fib_lookup(net, &fl4, &res, FIB_LOOKUP_IGNORE_LINKSTATE) ||
	    res.type != RTN_UNICAST || !res.fi)
		return false;
	*plen = res.prefixlen;
	*via_in = false;
	for (i = 0; i < fib_info_num_path(res.fi); i++)
		*via_in |= fib_info_nhc(res.fi, i)->nhc_dev == in;
	return true;
}

static bool sg_route6(struct net *net, const struct in6_addr *daddr,
		      const struct in6_addr *saddr, u32 mark,
		      const struct net_device *in, u8 *plen, bool *via_in)
{
	struct flowi6 fl6 = {
		.daddr = *daddr,
		.saddr = *saddr,
		.flowi6_iif = LOOPBACK_IFINDEX,
		.flowi6_mark = mark,
	};
	struct fib6_result res = {};

	if (ipv6_stub->fib6_lookup(net, 0, &fl6, &res, 0) || !res.f6i ||
	    res.f6i == net->ipv6.fib6_null_entry ||
	    res.fib6_type != RTN_UNICAST)
		return false;
	*plen = res.f6i->fib6_dst.plen;
	/* Among equal-cost next hops, one that leaves by @in if any. */
	ipv6_stub->fib6_select_path(net, &res, &fl6, in->ifindex, true, NULL,
				    0);
	*via_in = res.nh && res.nh->fib_nh_dev == in;
	return true;
}

/*
 * Outside: @in is an interface a default route leaves by (the lookup of
 * the unspecified address finds the default route, if there is one), or
 * the route back to the sender is a default route or leaves by another
 * interface (a forged source).
 */
static bool sg_derived_inside(struct net *net, const struct net_device *in,
			      const struct nf_hook_state *state,
			      const struct sk_buff *skb)
{
	bool via_in;
	u8 plen;

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		if (sg_route4(net, htonl(INADDR_ANY), 0, skb->mark, in, &plen,
			      &via_in) && !plen && via_in)
			return false;
		return sg_route4(net, iph->saddr, iph->daddr, skb->mark, in,
				 &plen, &via_in) && plen && via_in;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		if (sg_route6(net, &in6addr_any, &in6addr_any, skb->mark, in,
			      &plen, &via_in) && !plen && via_in)
			return false;
		return sg_route6(net, &ip6h->saddr, &ip6h->daddr, skb->mark,
				 in, &plen, &via_in) && plen && via_in;
	}
}

/* Called under RCU from the hooks, for a refused packet. */
bool sg_sender_inside(const struct sg_policy *pol,
		      const struct nf_hook_state *state,
		      const struct sk_buff *skb)
{
	const struct net_device *in = state->in;
	const struct sg_pset *nets = &pol->sets[SG_SET_INSIDE];

	/* What this host sends itself: it is ours. */
	if (state->hook == NF_INET_LOCAL_OUT)
		return true;
	if (!in)
		return false;

	if (sg_policy_has_roles(pol)) {
		const struct sg_role_ifs *inside = &pol->role_ifs[0];

		if (sg_role_ifs_has(&pol->role_ifs[1], in->name))
			return false;
		if (!inside->nr && !nets->nr_prefixes)
			return true;
		if (sg_role_ifs_has(inside, in->name))
			return true;
		if (state->pf == NFPROTO_IPV4)
			return sg_pset_lookup4(nets, ip_hdr(skb)->saddr);
		return sg_pset_lookup6(nets, &ipv6_hdr(skb)->saddr);
	}

	return sg_derived_inside(state->net, in, state, skb);
}
