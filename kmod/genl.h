/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the "smtpguard" generic netlink family object and the
 * attribute helpers that its commands and events share.  The ops table
 * lives above the commands, in genl_ops.c, which attaches it at
 * registration; so events and replies can name the family without a
 * dependency circle.
 */
#ifndef _SG_GENL_H
#define _SG_GENL_H

#include <net/genetlink.h>
#include <net/netlink.h>

#include <linux/smtpguard.h>

#include "compat.h"
#include "ledger.h"
#include "prefix.h"

struct sg_policy;

/* Index of the "events" group in the family's mcgrps[]. */
#define SG_MCGRP_EVENTS		0

extern struct genl_family sg_nl_family;
extern const struct nla_policy sg_nl_prefix_policy[SMTPGUARD_PREFIX_A_MAX + 1];

int sg_nl_check_top_repeats(struct genl_info *info, unsigned long multi);
bool sg_nl_require(struct genl_info *info, int type);
int sg_nl_parse_prefix(const struct nlattr *nest, struct sg_prefix *p,
		       struct netlink_ext_ack *extack);
int sg_nl_parse_prefix_list(struct genl_info *info, struct sg_prefix **pfxp,
			    u32 *nrp);
int sg_nl_put_prefix(struct sk_buff *skb, int type, const struct sg_prefix *p);
int sg_nl_put_ports(struct sk_buff *msg, const struct sg_policy *pol);
int sg_nl_put_offender(struct sk_buff *skb, struct sg_offender *o);
struct sk_buff *sg_nl_reply_new(struct genl_info *info, void **hdrp);
int sg_nl_reply_send(struct sk_buff *msg, void *hdr, struct genl_info *info,
		     int err);
void sg_nl_err_not_in(struct netlink_ext_ack *extack,
		      const struct sg_prefix *p, const char *where);
bool sg_nl_sees_traffic(const struct sk_buff *skb);

#endif /* _SG_GENL_H */
