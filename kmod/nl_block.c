// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: the blocklist commands.  Policies and the ops table are in
 * genl_ops.c with the other commands.
 *
 * A feed load is a transaction: BEGIN names the feed, BLOCK_ADD with
 * TXN_ID stages chunks, COMMIT applies all of it in one snapshot swap.
 * Staged prefixes live in the kernel, charged to the loader's memcg, until
 * commit, abort or the close of the socket that opened the transaction;
 * all of a namespace's transactions together stage at most
 * max_block_entries prefixes.
 *
 * Reading the blocklist is open to every user of the namespace, but the
 * hit counts and last hit times are traffic data (when did someone behind
 * this router last reach a C&C server): they go only to CAP_NET_ADMIN.
 */

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "compat.h"
#include "events.h"
#include "genl.h"
#include "netns.h"
#include "nl.h"

#define SG_DEFAULT_FEED		"manual"
/* Open feed loads per namespace. */
#define SG_MAX_TXNS		8

/* A feed load in progress: prefixes staged until commit or abort. */
struct sg_block_txn {
	struct list_head list;
	u32 id;
	u32 portid;			/* the socket that opened it */
	bool replace;
	char feed[SMTPGUARD_FEED_NAME_MAX + 1];
	struct sg_prefix *pfx;
	u32 nr;
	u32 cap;
};

static struct sg_block_txn *sg_nl_txn_find(struct sg_net *sn, u32 id,
					   u32 portid,
					   struct netlink_ext_ack *extack)
{
	struct sg_block_txn *txn;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(txn, &sn->txns.list, list) {
		if (txn->id != id)
			continue;
		if (txn->portid == portid)
			return txn;
		NL_SET_ERR_MSG(extack,
			       "transaction belongs to another socket");
		return ERR_PTR(-EPERM);
	}
	NL_SET_ERR_MSG(extack, "no such transaction");
	return ERR_PTR(-ENOENT);
}

static void sg_nl_txn_free(struct sg_net *sn, struct sg_block_txn *txn)
{
	lockdep_assert_held(&sn->lock);
	list_del(&txn->list);
	WRITE_ONCE(sn->txns.nr, sn->txns.nr - 1);
	sn->txns.staged -= txn->nr;
	kvfree(txn->pfx);
	kfree(txn);
}

/* The socket that opened them is gone: abort, nothing was applied. */
void sg_nl_txn_release(struct sg_net *sn, u32 portid)
{
	struct sg_block_txn *txn, *tmp;

	/* Every genetlink socket close lands here: most have nothing to do,
	 * and must not wait behind a long change holding the lock.  A socket
	 * that opened one saw its BEGIN answered after the count went up.
	 */
	if (!READ_ONCE(sn->txns.nr))
		return;
	mutex_lock(&sn->lock);
	list_for_each_entry_safe(txn, tmp, &sn->txns.list, list) {
		if (txn->portid == portid)
			sg_nl_txn_free(sn, txn);
	}
	mutex_unlock(&sn->lock);
}

/* Namespace exit: no socket is left. */
void sg_nl_txn_free_all(struct sg_net *sn)
{
	struct sg_block_txn *txn, *tmp;

	mutex_lock(&sn->lock);
	list_for_each_entry_safe(txn, tmp, &sn->txns.list, list)
		sg_nl_txn_free(sn, txn);
	mutex_unlock(&sn->lock);
}

/* Seconds until @expires (jiffies), rounded up; 0 once it passed. */
static u32 sg_nl_seconds_left(unsigned long expires)
{
	long left = (long)(expires - jiffies);

	return left > 0 ? DIV_ROUND_UP(left, HZ) : 0;
}

static u32 sg_nl_count_prefixes(struct genl_info *info)
{
	const struct nlattr *nla;
	u32 nr = 0;
	int rem;

	nla_for_each_attr(nla, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem)
		nr += nla_type(nla) == SMTPGUARD_A_PREFIX;
	return nr;
}

/* Every top-level SMTPGUARD_A_PREFIX into @dst, which has room for all. */
static int sg_nl_parse_prefixes_into(struct genl_info *info,
				     struct sg_prefix *dst)
{
	const struct nlattr *nla;
	int rem, err;

	nla_for_each_attr(nla, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(nla) != SMTPGUARD_A_PREFIX)
			continue;
		err = sg_nl_parse_prefix(nla, dst++, info->extack);
		if (err)
			return err;
	}
	return 0;
}

/* Parsed, sorted and distinct, in a new array. */
static int sg_nl_parse_prefix_set(struct genl_info *info,
				  struct sg_prefix **pfxp, u32 *nrp)
{
	int err;

	err = sg_nl_parse_prefix_list(info, pfxp, nrp);
	if (err)
		return err;
	err = sg_prefixes_sort_unique(*pfxp, *nrp, nrp);
	if (err)
		kvfree(*pfxp);
	return err;
}

static int sg_nl_get_feed(struct genl_info *info, const char *dflt,
			  const char **feed)
{
	const struct nlattr *nla = info->attrs[SMTPGUARD_A_FEED];

	*feed = dflt;
	if (!nla)
		return 0;
	/* NLA_NUL_STRING: terminated, at most SMTPGUARD_FEED_NAME_MAX. */
	if (!sg_feed_name_valid(nla_data(nla))) {
		NL_SET_ERR_MSG_ATTR(info->extack, nla,
				    "feed name must be 1-31 of A-Z a-z 0-9 . _ - and start with a letter or digit");
		return -EINVAL;
	}
	*feed = nla_data(nla);
	return 0;
}

/* Why the blocklist refused a change, in words. */
static void sg_nl_block_fault(struct netlink_ext_ack *extack,
			      const struct sg_block_change *c,
			      const struct sg_block_outcome *out)
{
	switch (out->fault) {
	case SG_BLOCK_FAULT_ABSENT:
		sg_nl_err_not_in(extack, &out->absent,
				 out->absent_in_feed ? "that feed" :
						       "the blocklist");
		break;
	case SG_BLOCK_FAULT_NO_FEED:
		sg_err_fmt(extack, "no such feed", "no such feed: %s",
			   c->feed);
		break;
	case SG_BLOCK_FAULT_FEEDS:
		NL_SET_ERR_MSG(extack, "too many feeds (max "
			       __stringify(SMTPGUARD_MAX_FEEDS)
			       "); flush one first");
		break;
	case SG_BLOCK_FAULT_FULL:
		sg_err_fmt(extack, "blocklist is full (max_block_entries)",
			   "blocklist is full: %u entries, max_block_entries is %u",
			   out->nr_entries, sg_block_max_entries());
		break;
	case SG_BLOCK_FAULT_SLOTS:
		NL_SET_ERR_MSG(extack,
			       "blocklist too large: its prefixes expand to more hash slots than max_block_entries allows");
		break;
	case SG_BLOCK_FAULT_NOMEM:
		NL_SET_ERR_MSG(extack, "no memory for the blocklist");
		break;
	case SG_BLOCK_FAULT_NONE:
		break;
	}
}

static int sg_nl_block_update(struct genl_info *info, struct sg_net *sn,
			      const struct sg_block_change *c,
			      struct sg_block_outcome *out)
{
	int err = sg_netns_block_update(sn, c, out);

	if (err)
		sg_nl_block_fault(info->extack, c, out);
	return err;
}

/*
 * The answer to a change that may have switched the namespace to enforce:
 * the mode, the entry count and MODE_AUTO when it did.  Called under lock
 * after @c was applied; a failure to switch is reported, the change stays.
 */
static int sg_nl_block_apply(struct genl_info *info, struct sg_net *sn,
			     const struct sg_block_change *c,
			     struct sk_buff *msg)
{
	struct sg_event_config ev = {
		.feed = c->feed,
		.replace = c->op == SG_BLOCK_REPLACE,
		.pfx = c->pfx,
		.nr_pfx = c->nr,
		.count = c->nr,
		.has_count = true,
	};
	struct sg_block_outcome out;
	bool switched;
	int err;

	err = sg_nl_block_update(info, sn, c, &out);
	if (err)
		return err;
	err = sg_netns_auto_enforce(sn, &switched);
	ev.mode_auto = switched;
	sg_event_config(sn, info->genlhdr->cmd, &ev);
	if (err)
		return err;
	if (nla_put_u8(msg, SMTPGUARD_A_MODE, sg_policy_locked(sn)->mode) ||
	    nla_put_u32(msg, SMTPGUARD_A_BLOCK_ENTRIES, out.nr_entries) ||
	    (switched && nla_put_flag(msg, SMTPGUARD_A_MODE_AUTO)))
		return -EMSGSIZE;
	return 0;
}

/* BLOCK_ADD with TXN_ID: append to the transaction, all or nothing. */
static int sg_nl_txn_stage(struct genl_info *info, struct sg_net *sn)
{
	u32 id = nla_get_u32(info->attrs[SMTPGUARD_A_TXN_ID]);
	u32 nr = sg_nl_count_prefixes(info);
	struct sg_block_txn *txn;
	int err;

	if (info->attrs[SMTPGUARD_A_FEED] || info->attrs[SMTPGUARD_A_TIMEOUT]) {
		NL_SET_ERR_MSG(info->extack,
			       "staged prefixes take the transaction's feed and no timeout");
		return -EINVAL;
	}
	if (!nr) {
		NL_SET_ERR_MSG(info->extack, "missing attribute SMTPGUARD_A_PREFIX");
		return -EINVAL;
	}

	mutex_lock(&sn->lock);
	txn = sg_nl_txn_find(sn, id, info->snd_portid, info->extack);
	if (IS_ERR(txn)) {
		err = PTR_ERR(txn);
		goto out_unlock;
	}
	if ((u64)txn->nr + nr > sg_block_max_entries()) {
		sg_err_fmt(info->extack, "transaction is larger than max_block_entries",
			   "transaction is larger than max_block_entries (%u)",
			   sg_block_max_entries());
		err = -ENOSPC;
		goto out_unlock;
	}
	/* All open transactions together: what one commit could make. */
	if (sn->txns.staged + nr > sg_block_max_entries()) {
		sg_err_fmt(info->extack, "open transactions stage more than max_block_entries",
			   "open transactions stage more than max_block_entries (%u)",
			   sg_block_max_entries());
		err = -ENOSPC;
		goto out_unlock;
	}
	if (txn->nr + nr > txn->cap) {
		u32 cap = max3(txn->cap * 2, txn->nr + nr, 1024U);
		struct sg_prefix *pfx;

		pfx = kvmalloc_array(cap, sizeof(*pfx), GFP_KERNEL_ACCOUNT);
		if (!pfx) {
			err = -ENOMEM;
			goto out_unlock;
		}
		if (txn->nr)
			memcpy(pfx, txn->pfx, txn->nr * sizeof(*pfx));
		kvfree(txn->pfx);
		txn->pfx = pfx;
		txn->cap = cap;
	}
	/* Parsed past the end; counted only if the whole chunk is valid. */
	err = sg_nl_parse_prefixes_into(info, &txn->pfx[txn->nr]);
	if (!err) {
		txn->nr += nr;
		sn->txns.staged += nr;
	}
out_unlock:
	mutex_unlock(&sn->lock);
	return err;
}

int sg_nl_block_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_block_change c = { .op = SG_BLOCK_ADD };
	const struct nlattr *nla;
	struct sg_prefix *pfx;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = sg_nl_check_top_repeats(info, BIT(SMTPGUARD_A_PREFIX));
	if (err)
		return err;
	if (info->attrs[SMTPGUARD_A_TXN_ID])
		return sg_nl_txn_stage(info, sn);

	err = sg_nl_get_feed(info, SG_DEFAULT_FEED, &c.feed);
	if (err)
		return err;
	nla = info->attrs[SMTPGUARD_A_TIMEOUT];
	if (nla) {
		/* The policy bounds it to 1..SMTPGUARD_MAX_TIMEOUT. */
		u32 timeout = nla_get_u32(nla);

		/* 0 means "never"; a deadline that lands on it moves by one. */
		c.expires = (jiffies + (unsigned long)timeout * HZ) ?: 1;
	}
	err = sg_nl_parse_prefix_set(info, &pfx, &c.nr);
	if (err)
		return err;
	c.pfx = pfx;

	msg = sg_nl_reply_new(info, &hdr);
	if (!msg) {
		err = -ENOMEM;
		goto out_free;
	}
	mutex_lock(&sn->lock);
	err = sg_nl_block_apply(info, sn, &c, msg);
	mutex_unlock(&sn->lock);
	err = sg_nl_reply_send(msg, hdr, info, err);
out_free:
	kvfree(pfx);
	return err;
}

int sg_nl_block_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_block_change c = { .op = SG_BLOCK_DEL };
	struct sg_block_outcome out;
	struct sg_prefix *pfx;
	int err;

	err = sg_nl_check_top_repeats(info, BIT(SMTPGUARD_A_PREFIX));
	if (err)
		return err;
	err = sg_nl_get_feed(info, NULL, &c.feed);
	if (err)
		return err;
	err = sg_nl_parse_prefix_set(info, &pfx, &c.nr);
	if (err)
		return err;
	c.pfx = pfx;

	mutex_lock(&sn->lock);
	err = sg_nl_block_update(info, sn, &c, &out);
	if (!err)
		sg_event_prefixes(sn, SMTPGUARD_CMD_BLOCK_DEL, pfx, c.nr, false);
	mutex_unlock(&sn->lock);
	kvfree(pfx);
	return err;
}

int sg_nl_block_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_block_change c = { .op = SG_BLOCK_FLUSH };
	struct sg_block_outcome out;
	u32 before;
	int err;

	err = sg_nl_check_top_repeats(info, 0);
	if (err)
		return err;
	err = sg_nl_get_feed(info, NULL, &c.feed);
	if (err)
		return err;

	mutex_lock(&sn->lock);
	before = sg_block_nr_entries(&sn->block);
	err = sg_nl_block_update(info, sn, &c, &out);
	if (!err) {
		struct sg_event_config ev = {
			.feed = c.feed,
			.count = before - out.nr_entries,
			.has_count = true,
		};

		sg_event_config(sn, SMTPGUARD_CMD_BLOCK_FLUSH, &ev);
	}
	mutex_unlock(&sn->lock);
	return err;
}

/* One listing: the feed and, for a timed one, the seconds it has left. */
static int sg_nl_put_listing(struct sk_buff *skb, const char *feed,
			     unsigned long expires)
{
	struct nlattr *nest = nla_nest_start(skb, SMTPGUARD_BLOCK_A_LISTING);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, SMTPGUARD_LISTING_A_FEED, feed) ||
	    (expires && nla_put_u32(skb, SMTPGUARD_LISTING_A_EXPIRES,
				    sg_nl_seconds_left(expires)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Under RCU.  @pfx listed by match @m; @traffic: the hits and the last hit
 * may be shown.
 */
static int sg_nl_put_block_entry(struct sk_buff *skb,
				 const struct sg_blockset *set,
				 const struct sg_prefix *pfx,
				 const struct sg_block_match *m, bool traffic)
{
	const struct sg_block_timers *t = m->e ? rcu_dereference(m->e->timers) :
						 NULL;
	u64 feeds = m->feeds, bits, hits, last_hit;
	unsigned long expires = sg_block_entry_expires(feeds, t);
	struct nlattr *nest;

	sg_block_match_hits(set, m, &hits, &last_hit);
	nest = nla_nest_start(skb, SMTPGUARD_A_BLOCK_ENTRY);
	if (!nest)
		return -EMSGSIZE;
	if (sg_nl_put_prefix(skb, SMTPGUARD_BLOCK_A_PREFIX, pfx))
		goto cancel;
	for (bits = feeds; bits; bits &= bits - 1) {
		const char *name = set->feeds[__ffs64(bits)].name;

		/* A feed added by a change not yet published has no name. */
		if (name[0] &&
		    nla_put_string(skb, SMTPGUARD_BLOCK_A_FEED, name))
			goto cancel;
	}
	if (traffic && hits &&
	    nla_put_u64_64bit(skb, SMTPGUARD_BLOCK_A_HITS, hits,
			      SMTPGUARD_BLOCK_A_PAD))
		goto cancel;
	if (traffic && last_hit &&
	    nla_put_u64_64bit(skb, SMTPGUARD_BLOCK_A_LAST_HIT, last_hit,
			      SMTPGUARD_BLOCK_A_PAD))
		goto cancel;
	if (expires && nla_put_u32(skb, SMTPGUARD_BLOCK_A_EXPIRES,
				   sg_nl_seconds_left(expires)))
		goto cancel;
	for (bits = feeds; bits; bits &= bits - 1) {
		unsigned int feed = __ffs64(bits);
		const char *name = set->feeds[feed].name;

		if (name[0] &&
		    sg_nl_put_listing(skb, name,
				      sg_block_listing_expires(t, feed)))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int sg_nl_block_test_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	const struct nlattr *nla = info->attrs[SMTPGUARD_A_PREFIX];
	const struct sg_prefix *except;
	const struct sg_blockset *set;
	struct sg_block_match m;
	struct sg_prefix p, listed;
	bool found = false;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!nla) {
		NL_SET_ERR_MSG(info->extack, "missing attribute SMTPGUARD_A_PREFIX");
		return -EINVAL;
	}
	err = sg_nl_check_top_repeats(info, 0);
	if (err)
		return err;
	err = sg_nl_parse_prefix(nla, &p, info->extack);
	if (err)
		return err;
	if (p.len != (p.family == AF_INET ? 32 : 128)) {
		NL_SET_ERR_MSG_ATTR(info->extack, nla,
				    "test takes one address, not a prefix");
		return -EINVAL;
	}

	msg = sg_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;
	rcu_read_lock();
	set = rcu_dereference(sn->block.set);
	if (set)
		found = p.family == AF_INET ?
			sg_block_lookup4(&set->table, p.addr.s6_addr32[0], &m) :
			sg_block_lookup6(&set->table, &p.addr, &m);
	if (found) {
		sg_block_match_prefix(set, &m, &listed);
		err = sg_nl_put_block_entry(msg, set, &listed, &m,
					    sg_nl_sees_traffic(skb));
	}
	/* Whether listed or not: an exception covering it is news. */
	except = sg_pset_cover(&rcu_dereference(sn->policy)->sets[SG_SET_EXCEPT],
			       &p);
	if (!err && except)
		err = sg_nl_put_prefix(msg, SMTPGUARD_A_EXCEPT, except);
	rcu_read_unlock();
	return sg_nl_reply_send(msg, hdr, info, err);
}

/*
 * Resumes after the last prefix sent rather than at an index, so a change
 * between two recv() calls neither repeats nor skips an unchanged entry;
 * NLM_F_DUMP_INTR tells the reader that it happened.  Under the lock,
 * since changes made in place move entries within added[].
 */
struct sg_nl_block_dump {
	struct sg_prefix last;
	bool started;
};

int sg_nl_block_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sg_nl_block_dump *ctx = (struct sg_nl_block_dump *)cb->ctx;
	struct sg_net *sn = sg_pernet(sock_net(cb->skb->sk));
	bool traffic = sg_nl_sees_traffic(cb->skb);
	const struct nlattr *feed_attr;
	struct sg_block_cursor cur = {};
	const struct sg_blockset *set;
	struct sg_block_item it;
	u64 want = ~0ULL;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	/* Validated by the op's policy before the first call. */
	feed_attr = nlmsg_find_attr(cb->nlh, GENL_HDRLEN, SMTPGUARD_A_FEED);

	mutex_lock(&sn->lock);
	cb->seq = READ_ONCE(sn->block.gen) << 1 | 1;
	/* The entries' timers are RCU pointers. */
	rcu_read_lock();
	set = rcu_dereference(sn->block.set);
	if (!set)
		goto out;
	if (feed_attr) {
		int feed = sg_block_feed_find(set, nla_data(feed_attr));

		if (feed < 0)
			goto out;
		want = BIT_ULL(feed);
	}

	if (ctx->started)
		sg_block_seek(set, &cur, &ctx->last);
	while (sg_block_next(set, &cur, &it)) {
		void *hdr;

		if (!(it.m.feeds & want))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &sg_nl_family,
				  NLM_F_MULTI, SMTPGUARD_CMD_BLOCK_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (sg_nl_put_block_entry(skb, set, &it.pfx, &it.m, traffic)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->last = it.pfx;
		ctx->started = true;
	}
out:
	rcu_read_unlock();
	mutex_unlock(&sn->lock);
	return skb->len;
}

static int sg_nl_put_feed(struct sk_buff *skb, struct netlink_callback *cb,
			  const struct sg_feed_mode *m, u32 entries,
			  const struct sg_feed_stat *st)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &sg_nl_family, NLM_F_MULTI, SMTPGUARD_CMD_FEED_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_string(skb, SMTPGUARD_A_FEED, m->name) ||
	    nla_put_u32(skb, SMTPGUARD_A_BLOCK_ENTRIES, entries) ||
	    nla_put_u8(skb, SMTPGUARD_A_ACTION, m->action) ||
	    nla_put_u8(skb, SMTPGUARD_A_DIRECTION, m->direction))
		goto cancel;
	nest = nla_nest_start(skb, SMTPGUARD_A_STATS);
	if (!nest ||
	    nla_put_u64_64bit(skb, SMTPGUARD_STATS_A_CNC_DROPPED,
			      st ? atomic64_read(&st->dropped) : 0,
			      SMTPGUARD_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SMTPGUARD_STATS_A_CNC_WOULD_DROP,
			      st ? atomic64_read(&st->would_drop) : 0,
			      SMTPGUARD_STATS_A_PAD))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * The feeds with entries (by slot), then the feeds that have only a
 * setting; under the lock, which the modes need (a dump may sleep).
 */
int sg_nl_feed_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sg_net *sn = sg_pernet(sock_net(cb->skb->sk));
	struct sg_blocklist *bl = &sn->block;
	const struct sg_blockset *set;
	long i = cb->args[0];

	mutex_lock(&sn->lock);
	cb->seq = READ_ONCE(bl->gen) << 1 | 1;
	set = sg_block_locked(bl);
	for (; i < SMTPGUARD_MAX_FEEDS; i++) {
		const struct sg_feed *f = set ? &set->feeds[i] : NULL;
		struct sg_feed_mode m;

		if (!f || !f->entries)
			continue;
		m = sg_block_feed_mode(bl, f->name);
		if (sg_nl_put_feed(skb, cb, &m, f->entries, &bl->stats[i]))
			goto out;
	}
	for (; i < SMTPGUARD_MAX_FEEDS + bl->nr_modes; i++) {
		const struct sg_feed_mode *m = &bl->modes[i - SMTPGUARD_MAX_FEEDS];

		if (set && sg_block_feed_find(set, m->name) >= 0)
			continue;
		if (sg_nl_put_feed(skb, cb, m, 0, NULL))
			goto out;
	}
out:
	mutex_unlock(&sn->lock);
	cb->args[0] = i;
	return skb->len;
}

/* A feed's action and direction: no entry needed, nothing else changes. */
int sg_nl_feed_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	const struct nlattr *a = info->attrs[SMTPGUARD_A_ACTION];
	const struct nlattr *d = info->attrs[SMTPGUARD_A_DIRECTION];
	struct sg_event_config ev = {};
	struct sg_feed_mode now;
	u8 action, direction;
	const char *feed;
	int err;

	if (!sg_nl_require(info, SMTPGUARD_A_FEED))
		return -EINVAL;
	if (!a && !d) {
		NL_SET_ERR_MSG(info->extack,
			       "missing attribute SMTPGUARD_A_ACTION or SMTPGUARD_A_DIRECTION");
		return -EINVAL;
	}
	err = sg_nl_check_top_repeats(info, 0);
	if (!err)
		err = sg_nl_get_feed(info, NULL, &feed);
	if (err)
		return err;
	/* The policy bounds both to their enums. */
	if (a)
		action = nla_get_u8(a);
	if (d)
		direction = nla_get_u8(d);

	mutex_lock(&sn->lock);
	err = sg_block_feed_set_mode(&sn->block, feed, a ? &action : NULL,
				     d ? &direction : NULL, &now);
	if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "too many feeds with settings (max "
			       __stringify(SMTPGUARD_MAX_FEEDS) ")");
	if (!err) {
		WRITE_ONCE(sn->block.gen, sn->block.gen + 1);
		ev.feed = feed;
		ev.action = now.action + 1;
		ev.direction = now.direction + 1;
		sg_event_config(sn, SMTPGUARD_CMD_FEED_SET, &ev);
	}
	mutex_unlock(&sn->lock);
	return err;
}

int sg_nl_txn_begin_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_block_txn *txn;
	struct sk_buff *msg;
	const char *feed;
	void *hdr;
	int err;

	if (!info->attrs[SMTPGUARD_A_FEED]) {
		NL_SET_ERR_MSG(info->extack, "missing attribute SMTPGUARD_A_FEED");
		return -EINVAL;
	}
	err = sg_nl_check_top_repeats(info, 0);
	if (err)
		return err;
	err = sg_nl_get_feed(info, NULL, &feed);
	if (err)
		return err;

	msg = sg_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;
	txn = kzalloc(sizeof(*txn), GFP_KERNEL_ACCOUNT);
	if (!txn) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	strscpy(txn->feed, feed, sizeof(txn->feed));
	txn->replace = nla_get_flag(info->attrs[SMTPGUARD_A_REPLACE]);
	txn->portid = info->snd_portid;

	mutex_lock(&sn->lock);
	if (sn->txns.nr >= SG_MAX_TXNS) {
		NL_SET_ERR_MSG(info->extack, "too many open transactions (max "
			       __stringify(SG_MAX_TXNS) ")");
		err = -EBUSY;
		kfree(txn);
	} else {
		txn->id = sn->txns.next_id++ ?: sn->txns.next_id++;
		list_add_tail(&txn->list, &sn->txns.list);
		WRITE_ONCE(sn->txns.nr, sn->txns.nr + 1);
		err = nla_put_u32(msg, SMTPGUARD_A_TXN_ID, txn->id);
		if (err)
			sg_nl_txn_free(sn, txn);
	}
	mutex_unlock(&sn->lock);
	return sg_nl_reply_send(msg, hdr, info, err);
}

int sg_nl_txn_commit_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_block_change c = {};
	struct sg_block_txn *txn;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!info->attrs[SMTPGUARD_A_TXN_ID]) {
		NL_SET_ERR_MSG(info->extack, "missing attribute SMTPGUARD_A_TXN_ID");
		return -EINVAL;
	}
	err = sg_nl_check_top_repeats(info, 0);
	if (err)
		return err;
	msg = sg_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&sn->lock);
	txn = sg_nl_txn_find(sn, nla_get_u32(info->attrs[SMTPGUARD_A_TXN_ID]),
			     info->snd_portid, info->extack);
	if (IS_ERR(txn)) {
		err = PTR_ERR(txn);
		goto out_unlock;
	}
	c.op = txn->replace ? SG_BLOCK_REPLACE : SG_BLOCK_ADD;
	c.feed = txn->feed;
	c.pfx = txn->pfx;
	err = sg_prefixes_sort_unique(txn->pfx, txn->nr, &c.nr);
	if (!err)
		err = sg_nl_block_apply(info, sn, &c, msg);
	/* Applied or refused, the transaction is over. */
	sg_nl_txn_free(sn, txn);
out_unlock:
	mutex_unlock(&sn->lock);
	return sg_nl_reply_send(msg, hdr, info, err);
}

int sg_nl_txn_abort_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));
	struct sg_block_txn *txn;
	int err;

	if (!info->attrs[SMTPGUARD_A_TXN_ID]) {
		NL_SET_ERR_MSG(info->extack, "missing attribute SMTPGUARD_A_TXN_ID");
		return -EINVAL;
	}
	err = sg_nl_check_top_repeats(info, 0);
	if (err)
		return err;

	mutex_lock(&sn->lock);
	txn = sg_nl_txn_find(sn, nla_get_u32(info->attrs[SMTPGUARD_A_TXN_ID]),
			     info->snd_portid, info->extack);
	if (IS_ERR(txn))
		err = PTR_ERR(txn);
	else
		sg_nl_txn_free(sn, txn);
	mutex_unlock(&sn->lock);
	return err;
}
