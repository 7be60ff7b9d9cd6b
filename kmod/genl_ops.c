// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the ops table of the "smtpguard" family and its policies.
 *
 * 6.1 has no split ops, so struct genl_ops is written by hand, one strict
 * policy per command; value ranges are the policies' (NLA_POLICY_RANGE,
 * _MAX, _MASK), so the kernel refuses them, naming the attribute, before
 * a handler runs.
 */

#include <linux/bitops.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "genl.h"
#include "nl.h"

/* Not const: 6.1 points to it without const. */
static struct netlink_range_validation sg_nl_timeout_range = {
	.min = 1,
	.max = SMTPGUARD_MAX_TIMEOUT,
};

static const struct nla_policy sg_nl_ports_policy[SMTPGUARD_PORTS_A_MAX + 1] = {
	[SMTPGUARD_PORTS_A_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

/* ALLOW_ADD, ALLOW_DEL */
static const struct nla_policy sg_nl_allow_policy[SMTPGUARD_A_PREFIX + 1] = {
	[SMTPGUARD_A_PREFIX] = NLA_POLICY_NESTED(sg_nl_prefix_policy),
};

/* ROLE_ADD, ROLE_DEL, ROLE_FLUSH (which takes only an optional ROLE) */
static const struct nla_policy sg_nl_role_policy[SMTPGUARD_A_IFNAME + 1] = {
	[SMTPGUARD_A_PREFIX] = NLA_POLICY_NESTED(sg_nl_prefix_policy),
	[SMTPGUARD_A_ROLE] = NLA_POLICY_RANGE(NLA_U8, SMTPGUARD_ROLE_INSIDE,
					      SMTPGUARD_ROLE_OUTSIDE),
	[SMTPGUARD_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

static const struct nla_policy sg_nl_role_flush_policy[SMTPGUARD_A_ROLE + 1] = {
	[0 ... SMTPGUARD_A_ROLE - 1] = {
		.type = NLA_REJECT,
		.reject_message = "role flush takes only SMTPGUARD_A_ROLE",
	},
	[SMTPGUARD_A_ROLE] = NLA_POLICY_RANGE(NLA_U8, SMTPGUARD_ROLE_INSIDE,
					      SMTPGUARD_ROLE_OUTSIDE),
};

/* FEED_SET */
static const struct nla_policy sg_nl_feed_set_policy[SMTPGUARD_A_DIRECTION + 1] = {
	[SMTPGUARD_A_FEED] = { .type = NLA_NUL_STRING,
			       .len = SMTPGUARD_FEED_NAME_MAX },
	[SMTPGUARD_A_ACTION] = NLA_POLICY_MAX(NLA_U8, SMTPGUARD_ACTION_MONITOR),
	[SMTPGUARD_A_DIRECTION] = NLA_POLICY_MAX(NLA_U8,
						 SMTPGUARD_DIRECTION_OUT),
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
	[SMTPGUARD_A_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
						      &sg_nl_timeout_range),
	[SMTPGUARD_A_TXN_ID] = NLA_POLICY_MIN(NLA_U32, 1),
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
	[SMTPGUARD_A_TXN_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy sg_nl_mode_set_policy[SMTPGUARD_A_MODE + 1] = {
	[SMTPGUARD_A_MODE] = NLA_POLICY_MAX(NLA_U8, SMTPGUARD_MODE_MAX),
};

/* ALLOW_FLUSH: optionally arm (1) or disarm (0) the SMTP policy. */
static const struct nla_policy sg_nl_allow_flush_policy[SMTPGUARD_A_SMTP_POLICY + 1] = {
	[0 ... SMTPGUARD_A_SMTP_POLICY - 1] = {
		.type = NLA_REJECT,
		.reject_message = "allow flush takes only SMTPGUARD_A_SMTP_POLICY",
	},
	[SMTPGUARD_A_SMTP_POLICY] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* OFFENDER_GET, OFFENDER_FLUSH: optional reasons, any of them. */
static const struct nla_policy sg_nl_reason_policy[SMTPGUARD_A_REASON + 1] = {
	[SMTPGUARD_A_REASON] = NLA_POLICY_MASK(NLA_U32, SMTPGUARD_REASON_SMTP |
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
		.policy = sg_nl_allow_flush_policy,
		.maxattr = ARRAY_SIZE(sg_nl_allow_flush_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_ALLOW_GET,
		.start = sg_nl_policy_dump_start,
		.dumpit = sg_nl_policy_dumpit,
		.done = sg_nl_policy_dump_done,
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
	{
		.cmd = SMTPGUARD_CMD_EXCEPT_ADD,
		.doit = sg_nl_except_add_doit,
		.policy = sg_nl_allow_policy,
		.maxattr = ARRAY_SIZE(sg_nl_allow_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_EXCEPT_DEL,
		.doit = sg_nl_except_del_doit,
		.policy = sg_nl_allow_policy,
		.maxattr = ARRAY_SIZE(sg_nl_allow_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_EXCEPT_FLUSH,
		.doit = sg_nl_except_flush_doit,
		.policy = sg_nl_no_attr_policy,
		.maxattr = ARRAY_SIZE(sg_nl_no_attr_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_EXCEPT_GET,
		.start = sg_nl_policy_dump_start,
		.dumpit = sg_nl_policy_dumpit,
		.done = sg_nl_policy_dump_done,
		.policy = sg_nl_no_attr_policy,
		.maxattr = ARRAY_SIZE(sg_nl_no_attr_policy) - 1,
	},
	{
		.cmd = SMTPGUARD_CMD_ROLE_ADD,
		.doit = sg_nl_role_add_doit,
		.policy = sg_nl_role_policy,
		.maxattr = ARRAY_SIZE(sg_nl_role_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_ROLE_DEL,
		.doit = sg_nl_role_del_doit,
		.policy = sg_nl_role_policy,
		.maxattr = ARRAY_SIZE(sg_nl_role_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_ROLE_FLUSH,
		.doit = sg_nl_role_flush_doit,
		.policy = sg_nl_role_flush_policy,
		.maxattr = ARRAY_SIZE(sg_nl_role_flush_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_FEED_SET,
		.doit = sg_nl_feed_set_doit,
		.policy = sg_nl_feed_set_policy,
		.maxattr = ARRAY_SIZE(sg_nl_feed_set_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SMTPGUARD_CMD_ROLE_GET,
		.start = sg_nl_policy_dump_start,
		.dumpit = sg_nl_policy_dumpit,
		.done = sg_nl_policy_dump_done,
		.policy = sg_nl_no_attr_policy,
		.maxattr = ARRAY_SIZE(sg_nl_no_attr_policy) - 1,
	},
};

int __init sg_genl_register(void)
{
	/* The family object lives in genl.c, below the commands. */
	sg_nl_family.ops = sg_nl_ops;
	sg_nl_family.n_ops = ARRAY_SIZE(sg_nl_ops);
	return genl_register_family(&sg_nl_family);
}

void sg_genl_unregister(void)
{
	genl_unregister_family(&sg_nl_family);
}
