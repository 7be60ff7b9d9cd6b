/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the command handlers, by object, for the ops table in
 * genl_ops.c, and the registration of that table.
 */
#ifndef _SG_NL_H
#define _SG_NL_H

#include <net/genetlink.h>

struct sg_net;

/* nl_policy.c: allow-list, exceptions, roles, ports, mode, counters */
int sg_nl_allow_add_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_allow_del_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_allow_flush_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_except_add_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_except_del_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_except_flush_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_role_add_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_role_del_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_role_flush_doit(struct sk_buff *skb, struct genl_info *info);
/* ALLOW_GET, EXCEPT_GET, ROLE_GET */
int sg_nl_policy_dump_start(struct netlink_callback *cb);
int sg_nl_policy_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sg_nl_policy_dump_done(struct netlink_callback *cb);
int sg_nl_ports_set_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_ports_get_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_mode_set_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_mode_get_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_stats_reset_doit(struct sk_buff *skb, struct genl_info *info);

/* nl_block.c: the blocklist and its transactions */
int sg_nl_block_add_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_block_del_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_block_flush_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_block_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sg_nl_block_test_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_txn_begin_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_txn_commit_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_txn_abort_doit(struct sk_buff *skb, struct genl_info *info);
int sg_nl_feed_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sg_nl_feed_set_doit(struct sk_buff *skb, struct genl_info *info);
void sg_nl_txn_release(struct sg_net *sn, u32 portid);
void sg_nl_txn_free_all(struct sg_net *sn);

/* nl_offender.c: the ledger */
int sg_nl_offender_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sg_nl_offender_flush_doit(struct sk_buff *skb, struct genl_info *info);

/* genl_ops.c: the ops table */
int __init sg_genl_register(void);
void sg_genl_unregister(void);

#endif /* _SG_NL_H */
