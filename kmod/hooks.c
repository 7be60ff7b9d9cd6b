// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the netfilter hooks, verdicts, counters and the log.
 *
 * Every packet, once: when the namespace has a blocklist, one hash probe
 * per level in use for each of its two addresses (see blockset.c), at
 * PRE_ROUTING for what arrives, at LOCAL_OUT for what the host sends.
 * Then, at FORWARD, LOCAL_IN and LOCAL_OUT, for traffic that is not SMTP:
 * a protocol compare, one small header read and a
 * scan of at most SMTPGUARD_MAX_PORTS ports in one cache line.  Only packets
 * to an SMTP port look at the allow-list, and only once one was configured
 * (smtp_armed).  Only refused packets touch the offender ledger (ledger.c),
 * which decides what is logged and which packet raises an event.
 *
 * The hooks find their namespace's state in their registration's .priv:
 * each namespace registers its own copy of sg_hook_ops.
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
#include <linux/timekeeping.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>

#include "events.h"
#include "hooks.h"
#include "netns.h"
#include "roles.h"

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
		       const struct sg_blockset *set,
		       const struct sg_block_match *m, const char *feed,
		       bool drop, const char *lead)
{
	const char *what = drop ? "dropped" : "would drop";
	struct sg_prefix listed;

	if (!__ratelimit(&sn->log_rs))
		return;
	sg_block_match_prefix(set, m, &listed);

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		pr_info("%s%s C&C %pI4 -> %pI4 proto %u listed %pI4/%u feed %s in=%s out=%s netns=%u\n",
			lead, what, &iph->saddr, &iph->daddr, iph->protocol,
			&listed.addr.s6_addr32[0], listed.len, feed,
			sg_dev_name(state->in), sg_dev_name(state->out),
			state->net->ns.inum);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		pr_info("%s%s C&C %pI6c -> %pI6c nexthdr %u listed %pI6c/%u feed %s in=%s out=%s netns=%u\n",
			lead, what, &ip6h->saddr, &ip6h->daddr, ip6h->nexthdr,
			&listed.addr, listed.len, feed,
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
		off->port = ntohs(ports->dest);
}

/*
 * Start of the log line: "" when the ledger is off (then every packet may
 * log, within the namespace's rate limit), else the offender's report.
 */
static void sg_report_lead(char *buf, size_t len, enum sg_report report,
			   struct sg_offender *o)
{
	u64 smtp, cnc, age;
	char mac[24] = "";
	int n;

	buf[0] = 0;
	if (report == SG_REPORT_OFF)
		return;
	smtp = atomic64_read(&o->smtp_packets);
	cnc = atomic64_read(&o->cnc_packets);
	age = ktime_get_real_seconds() - o->first_seen;
	if (READ_ONCE(o->has_mac))
		snprintf(mac, sizeof(mac), " mac %pM", o->mac);
	if (o->family == AF_INET)
		n = scnprintf(buf, len, "%soffender %pI4%s",
			      report == SG_REPORT_NEW ? "new " : "",
			      &o->addr.s6_addr32[0], mac);
	else
		n = scnprintf(buf, len, "%soffender %pI6c%s",
			      report == SG_REPORT_NEW ? "new " : "",
			      &o->addr, mac);
	if (report == SG_REPORT_NEW)
		scnprintf(buf + n, len - n, ": ");
	else
		scnprintf(buf + n, len - n,
			  ": %llu packets (smtp %llu, cnc %llu) since first seen %llu s ago, last: ",
			  smtp + cnc, smtp, cnc, age);
}

/*
 * Count the offence against its host; returns whether to log, with the
 * line's start in @lead.  The packet that reports raises the event.
 */
static bool sg_offence(struct sg_net *sn, const struct nf_hook_state *state,
		       const struct sk_buff *skb, const struct sg_offence *off,
		       char *lead, size_t lead_len)
{
	struct sg_ledger_note note;
	enum sg_report report;

	report = sg_ledger_record(&sn->ledger, state, skb, off, &note);
	if (note.evicted)
		this_cpu_add(sn->counters.pcpu->offenders_evicted, note.evicted);
	if (unlikely(note.suppressed))
		this_cpu_inc(sn->counters.pcpu->offenders_suppressed);
	if (report == SG_REPORT_NONE)
		return false;
	if (note.o)
		sg_event_offender(sn, note.o,
				  report == SG_REPORT_NEW ?
				  SMTPGUARD_CMD_OFFENDER_NEW :
				  SMTPGUARD_CMD_OFFENDER_UPDATE, off->mode);
	sg_report_lead(lead, lead_len, report, note.o);
	return true;
}

/* No verdict from the blocklist: the SMTP policy decides. */
#define SG_NO_VERDICT		(-1)

/*
 * Was the packet's connection opened towards the listed address (from our
 * side: "out") rather than by it ("in")?  conntrack knows when the packet
 * has an entry: the listed address is the original destination.  Without
 * one, the listed destination of this packet is "out".
 */
static bool sg_towards_listed(const struct sk_buff *skb, bool listed_is_dst)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	enum ip_conntrack_info ctinfo;

	if (nf_ct_get(skb, &ctinfo))
		return listed_is_dst != (CTINFO2DIR(ctinfo) == IP_CT_DIR_REPLY);
#endif
	return listed_is_dst;
}

/* Each feed of @applies counts the packet as dropped or as would-drop. */
static void sg_feed_count(struct sg_net *sn, u64 applies, u64 dropping)
{
	for (; applies; applies &= applies - 1) {
		unsigned int f = __ffs64(applies);
		struct sg_feed_stat *st = &sn->block.stats[f];

		atomic64_inc(dropping & BIT_ULL(f) ? &st->dropped :
			     &st->would_drop);
	}
}

/*
 * A packet from or to a listed address, whatever its protocol.  The mode
 * is read only here, on a match: the hooks exist only while it is not off,
 * the check covers the moment it changes.  @from_listed: the source is the
 * listed one.  Anyone can forge that, so such a packet is blamed on no
 * one; nor is one sent by an outside host.  The feeds whose direction
 * applies decide: none, no verdict (the other address may still be
 * listed); one with action enforce, a drop in mode enforce.
 */
static int sg_refuse_cnc(struct sg_net *sn, const struct sg_policy *pol,
			 const struct nf_hook_state *state,
			 const struct sk_buff *skb,
			 const struct sg_blockset *set,
			 const struct sg_block_match *m, bool from_listed)
{
	bool out = sg_towards_listed(skb, !from_listed);
	/* Read with acquire: a feed is named and set before its bit shows. */
	u64 applies = m->feeds &
		      ~(out ? READ_ONCE(set->in_feeds) : READ_ONCE(set->out_feeds));
	u64 enforcing = applies & ~READ_ONCE(set->monitor_feeds);
	struct sg_offence off = { .reason = SMTPGUARD_REASON_CNC };
	char lead[SG_LOG_LEAD_LEN];
	bool drop;

	if (unlikely(pol->mode == SMTPGUARD_MODE_OFF))
		return NF_ACCEPT;
	if (!applies) {
		this_cpu_inc(sn->counters.pcpu->cnc_other_direction);
		return SG_NO_VERDICT;
	}
	drop = pol->mode == SMTPGUARD_MODE_ENFORCE && enforcing;
	switch (sg_block_hit(set, m)) {
	case SG_HIT_GROW:
		/* The expiry work grows the hit table (netns.c). */
		if (!READ_ONCE(sn->dying))
			mod_delayed_work(system_wq, &sn->block_expiry, 0);
		break;
	case SG_HIT_LOST:
		this_cpu_inc(sn->counters.pcpu->block_hits_unrecorded);
		break;
	}
	sg_feed_count(sn, applies, drop ? enforcing : 0);
	if (drop)
		this_cpu_inc(sn->counters.pcpu->cnc_dropped);
	else
		this_cpu_inc(sn->counters.pcpu->cnc_would_drop);
	if (from_listed || !sg_sender_inside(pol, state, skb)) {
		this_cpu_inc(sn->counters.pcpu->cnc_outside);
		return drop ? NF_DROP : NF_ACCEPT;
	}

	/* the feed that decided: an enforcing one when it drops */
	off.feed = set->feeds[__ffs64(drop ? enforcing : applies)].name;
	off.mode = pol->mode;
	sg_cnc_peer(skb, state, &off);
	if (sg_offence(sn, state, skb, &off, lead, sizeof(lead)))
		sg_log_cnc(sn, state, skb, set, m, off.feed, drop, lead);
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
		.port = tiny ? -1 : dport,
		.proto = IPPROTO_TCP,
		.mode = pol->mode,
	};
	char lead[SG_LOG_LEAD_LEN];

	if (drop)
		this_cpu_inc(sn->counters.pcpu->dropped);
	else
		this_cpu_inc(sn->counters.pcpu->would_drop);
	/* A port scan from the Internet: counted, no one to blame. */
	if (!sg_sender_inside(pol, state, skb)) {
		this_cpu_inc(sn->counters.pcpu->smtp_outside);
		return drop ? NF_DROP : NF_ACCEPT;
	}
	if (sg_offence(sn, state, skb, &off, lead, sizeof(lead)))
		sg_log(sn, state, skb, dport, drop, tiny, lead);
	return drop ? NF_DROP : NF_ACCEPT;
}

/*
 * Packets that arrive on loopback were sent from this namespace and already
 * judged at LOCAL_OUT; judging them again would count each one twice.
 */
static bool sg_skip_loopback(const struct nf_hook_state *state)
{
	return state->hook != NF_INET_LOCAL_OUT && state->in &&
	       (state->in->flags & IFF_LOOPBACK);
}

/*
 * The feeds whose listings apply to one direction only.  Which way a
 * packet goes needs conntrack's entry for it, so their entries are judged
 * after conntrack, at FORWARD and LOCAL_IN; every other entry of arriving
 * traffic at PRE_ROUTING, ahead of conntrack, so that a flood from a
 * listed address never fills the conntrack table.
 */
static u64 sg_directed_feeds(const struct sg_blockset *set)
{
	return READ_ONCE(set->in_feeds) | READ_ONCE(set->out_feeds);
}

/* Does this hook judge the packets of match @m?  Each is judged once. */
static bool sg_block_judged_here(const struct sg_blockset *set,
				 const struct sg_block_match *m,
				 unsigned int hook)
{
	/* m->feeds, read with acquire: a feed's masks are set before. */
	bool directed = m->feeds & sg_directed_feeds(set);

	if (hook == NF_INET_LOCAL_OUT)
		return true;
	return directed != (hook == NF_INET_PRE_ROUTING);
}

/* Whether this hook looks the packet's addresses up at all. */
static bool sg_block_checked_here(const struct sg_blockset *set,
				  const struct nf_hook_state *state)
{
	if (!set || sg_skip_loopback(state))
		return false;
	if (state->hook == NF_INET_FORWARD || state->hook == NF_INET_LOCAL_IN)
		return sg_directed_feeds(set);
	return true;
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

	pol = rcu_dereference(sn->policy);
	/* No allow-list configured: SMTP is not this namespace's concern. */
	if (!pol->smtp_armed || unlikely(pol->mode == SMTPGUARD_MODE_OFF))
		return NF_ACCEPT;
	ports = skb_header_pointer(skb, thoff, sizeof(_ports), &_ports);

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
		this_cpu_inc(sn->counters.pcpu->allowed);
		return NF_ACCEPT;
	}
	return sg_refuse(sn, pol, state, skb, dport, false);
}

/*
 * Address @i of the packet (0: source, 1: destination) is listed by @e;
 * @excepted: an exception covers it.  The verdict, or SG_NO_VERDICT when
 * the other address decides (*@any_excepted then says whether to count
 * an exception).
 */
static int sg_cnc_listed(struct sg_net *sn, const struct sg_policy *pol,
			 const struct nf_hook_state *state,
			 const struct sk_buff *skb,
			 const struct sg_blockset *set,
			 const struct sg_block_match *m, int i, bool excepted,
			 bool *any_excepted)
{
	if (excepted) {
		*any_excepted = true;
		return SG_NO_VERDICT;
	}
	return sg_refuse_cnc(sn, pol, state, skb, set, m, i == 0);
}

/* No verdict, but an exception let a listed address pass: count it once. */
static int sg_cnc_passed(struct sg_net *sn, const struct sg_policy *pol,
			 bool excepted)
{
	if (unlikely(excepted) && pol->mode != SMTPGUARD_MODE_OFF)
		this_cpu_inc(sn->counters.pcpu->cnc_excepted);
	return SG_NO_VERDICT;
}

/*
 * Both addresses of the packet against the blocklist.  The policy (and
 * with it the exceptions) is read only on a match.
 */
static int sg_cnc4(struct sg_net *sn, const struct nf_hook_state *state,
		   const struct sk_buff *skb, const struct sg_blockset *set)
{
	const struct iphdr *iph = ip_hdr(skb);
	__be32 addrs[2] = { iph->saddr, iph->daddr };
	const struct sg_policy *pol = NULL;
	bool excepted = false;
	int i, verdict;

	for (i = 0; i < 2; i++) {
		struct sg_block_match m;

		if (likely(!sg_block_lookup4(&set->table, addrs[i], &m)) ||
		    !sg_block_judged_here(set, &m, state->hook))
			continue;
		pol = rcu_dereference(sn->policy);
		verdict = sg_cnc_listed(sn, pol, state, skb, set, &m, i,
					sg_pset_lookup4(&pol->sets[SG_SET_EXCEPT],
							addrs[i]), &excepted);
		if (verdict != SG_NO_VERDICT)
			return verdict;
	}
	return pol ? sg_cnc_passed(sn, pol, excepted) : SG_NO_VERDICT;
}

static int sg_cnc6(struct sg_net *sn, const struct nf_hook_state *state,
		   const struct sk_buff *skb, const struct sg_blockset *set)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	const struct in6_addr *addrs[2] = { &ip6h->saddr, &ip6h->daddr };
	const struct sg_policy *pol = NULL;
	bool excepted = false;
	int i, verdict;

	for (i = 0; i < 2; i++) {
		struct sg_block_match m;

		if (likely(!sg_block_lookup6(&set->table, addrs[i], &m)) ||
		    !sg_block_judged_here(set, &m, state->hook))
			continue;
		pol = rcu_dereference(sn->policy);
		verdict = sg_cnc_listed(sn, pol, state, skb, set, &m, i,
					sg_pset_lookup6(&pol->sets[SG_SET_EXCEPT],
							addrs[i]), &excepted);
		if (verdict != SG_NO_VERDICT)
			return verdict;
	}
	return pol ? sg_cnc_passed(sn, pol, excepted) : SG_NO_VERDICT;
}

static unsigned int sg_hook_ipv4(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct sg_net *sn = priv;
	const struct sg_blockset *set = rcu_dereference(sn->block.set);

	if (sg_block_checked_here(set, state)) {
		int verdict = sg_cnc4(sn, state, skb, set);

		if (unlikely(verdict != SG_NO_VERDICT))
			return verdict;
	}
	if (state->hook == NF_INET_PRE_ROUTING)
		return NF_ACCEPT;

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
	struct sg_net *sn = priv;
	const struct sg_blockset *set = rcu_dereference(sn->block.set);
	unsigned short fragoff = 0;
	unsigned int thoff = 0;
	int flags = 0;

	if (sg_block_checked_here(set, state)) {
		int verdict = sg_cnc6(sn, state, skb, set);

		if (unlikely(verdict != SG_NO_VERDICT))
			return verdict;
	}
	if (state->hook == NF_INET_PRE_ROUTING)
		return NF_ACCEPT;

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
 * Just before the filter table, so that its verdict comes first: a DROP
 * here ends the packet, whatever the filter chains would have said.  Each
 * namespace registers a copy of this table with .priv pointing to its
 * state.
 */
static const struct nf_hook_ops sg_hook_ops[SG_NR_HOOKS] = {
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

/*
 * The blocklist judges arriving traffic earlier, at PRE_ROUTING ahead of
 * conntrack like the raw table (after defragmentation), so that what it
 * drops never costs a conntrack entry.  Only the blocklist needs these:
 * netns.c registers them once the namespace has one.
 */
static const struct nf_hook_ops sg_prerouting_ops[SG_NR_PREROUTING_HOOKS] = {
	SG_HOOK(sg_hook_ipv4, NFPROTO_IPV4, NF_INET_PRE_ROUTING,
		NF_IP_PRI_CONNTRACK - 1),
	SG_HOOK(sg_hook_ipv6, NFPROTO_IPV6, NF_INET_PRE_ROUTING,
		NF_IP6_PRI_CONNTRACK - 1),
};

static int sg_register(struct sg_net *sn, struct nf_hook_ops *ops,
		       const struct nf_hook_ops *table, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		ops[i] = table[i];
		ops[i].priv = sn;
	}
	return nf_register_net_hooks(sg_net_of(sn), ops, n);
}

int sg_hooks_register(struct sg_net *sn)
{
	return sg_register(sn, sn->hook_ops, sg_hook_ops, SG_NR_HOOKS);
}

int sg_prerouting_register(struct sg_net *sn)
{
	return sg_register(sn, sn->prerouting_ops, sg_prerouting_ops,
			   SG_NR_PREROUTING_HOOKS);
}

/*
 * Packets already inside a hook may still run when these return: the
 * caller waits a grace period before freeing what they touch (namespace
 * exit) or keeps it (a mode change: the state lives on).
 */
void sg_hooks_unregister(struct sg_net *sn)
{
	nf_unregister_net_hooks(sg_net_of(sn), sn->hook_ops, SG_NR_HOOKS);
}

void sg_prerouting_unregister(struct sg_net *sn)
{
	nf_unregister_net_hooks(sg_net_of(sn), sn->prerouting_ops,
				SG_NR_PREROUTING_HOOKS);
}
