// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the offender ledger's commands.  Both need CAP_NET_ADMIN
 * (GENL_UNS_ADMIN_PERM in the ops table): records name hosts.
 */

#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "events.h"
#include "genl.h"
#include "netns.h"
#include "nl.h"

struct sg_nl_offender_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int sg_nl_offender_put(struct sg_offender *o, void *arg)
{
	struct sg_nl_offender_dump *d = arg;
	void *hdr;

	hdr = genlmsg_put(d->skb, NETLINK_CB(d->cb->skb).portid,
			  d->cb->nlh->nlmsg_seq, &sg_nl_family, NLM_F_MULTI,
			  SMTPGUARD_CMD_OFFENDER_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(d->cb, hdr);
	if (sg_nl_put_offender(d->skb, o)) {
		genlmsg_cancel(d->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(d->skb, hdr);
	return 0;
}

/*
 * Resumes at (bucket, position in its chain); NLM_F_DUMP_INTR tells the
 * reader when records came, went or moved meanwhile.
 */
int sg_nl_offender_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sg_net *sn = sg_pernet(sock_net(cb->skb->sk));
	struct sg_ledger_cursor *c = (struct sg_ledger_cursor *)cb->ctx;
	struct sg_nl_offender_dump d = { .skb = skb, .cb = cb };
	const struct nlattr *reason_attr;
	u32 reason = 0;

	BUILD_BUG_ON(sizeof(*c) > sizeof(cb->ctx));
	/* Validated by the op's policy before the first call. */
	reason_attr = nlmsg_find_attr(cb->nlh, GENL_HDRLEN, SMTPGUARD_A_REASON);
	if (reason_attr)
		reason = nla_get_u32(reason_attr);

	cb->seq = sg_ledger_gen(&sn->ledger) << 1 | 1;
	rcu_read_lock();
	sg_ledger_walk(&sn->ledger, c, reason, sg_nl_offender_put, &d);
	rcu_read_unlock();
	return skb->len;
}

int sg_nl_offender_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_event_config ev = {};
	struct sk_buff *msg;
	u32 reason = 0;
	void *hdr;
	int err;

	err = sg_nl_check_top_repeats(info, 0);
	if (err)
		return err;
	if (info->attrs[SMTPGUARD_A_REASON])
		reason = nla_get_u32(info->attrs[SMTPGUARD_A_REASON]);

	msg = sg_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	ev.count = sg_ledger_flush(&sn->ledger, reason);
	ev.has_count = true;
	sg_event_config(sn, SMTPGUARD_CMD_OFFENDER_FLUSH, &ev);
	mutex_unlock(&sn->lock);
	return sg_nl_reply_send(msg, hdr, info,
				nla_put_u32(msg, SMTPGUARD_A_COUNT, ev.count));
}
