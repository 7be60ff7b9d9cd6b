// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end tests of smtpguardctl against a fake kernel: the tool's own
 * main() (built as smtpguardctl_main) runs in a child whose libmnl socket
 * calls are replaced by a model of the smtpguard family that follows
 * include/uapi/linux/smtpguard.h.  This checks what the kernel cannot be
 * loaded here to check: request layout, NLM_F_ACK, reply parsing, dumps,
 * extack errors, and the exact plain and JSON output of every command.
 *
 * The model's state lives in a shared mapping, so what one command changes
 * the next one sees, and the test can inspect every request.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/smtpguard.h>

#include "addr.h"
#include "feed.h"
#include "json.h"
#include "ktap.h"
#include "nl.h"
#include "print.h"
#include "run.h"
#include "smtpguardctl.h"

#define FAKE_FAMILY_ID	0x1234
#define FAKE_PORTID	4242
#define FAKE_MAX_PFX	64
#define FAKE_MAX_BLOCK	8192		/* blocklist entries, staged ones too */
#define FAKE_MAX_REQ_PFX 4096		/* prefixes in one request */
#define FAKE_LOG	64
#define FAKE_TXN_ID	0x5eed0001u
/* The kernel's largest dump skb: SKB_WITH_OVERHEAD(32768), about this. */
#define FAKE_DUMP_MAX	32448
#define FAKE_EVENTS_GRP	9		/* the "events" group's id */
#define FAKE_MAX_OFF	8		/* offender records */
#define FAKE_MAX_EV	16		/* scripted event datagrams */

int smtpguardctl_main(int argc, char **argv);

struct fake_entry {
	struct sg_prefix p;
	uint64_t feeds;			/* bit n: fk->feeds[n] lists it */
	uint64_t hits;
	uint64_t last_hit;		/* 0: never */
	uint32_t expires;		/* 0: permanent */
	uint64_t permanent;		/* feeds listing it permanently when it
					 * expires (else each listing does)
					 */
};

/* What the fake saw of one request to the family, in order. */
struct fake_req {
	uint8_t cmd;
	uint16_t flags;
	uint32_t len;
	size_t nprefix;
	bool has_feed, has_timeout, has_txn, replace;
	char feed[40];
	uint32_t timeout, txn;
	bool has_reason;
	uint32_t reason;
	bool failed;			/* answered with an error */
};

/* One offender record of the fake ledger. */
struct fake_offender {
	struct sg_prefix addr;
	bool has_mac;
	uint8_t mac[6];
	uint32_t ifindex;
	char ifname[16];
	uint32_t reasons;
	uint64_t packets, smtp, cnc, first, last;
	struct sg_prefix dest;		/* one destination */
	uint16_t port;
	uint8_t proto;
	char feed[32];
};

/* A datagram the events group delivers; len 0: ENOBUFS instead. */
struct fake_event {
	size_t len;
	unsigned char buf[1024];
};

struct fake_state {
	bool family;			/* registered, i.e. module loaded */
	uint8_t mode;
	bool explicit;
	bool smtp_policy;		/* an allow-list is configured */
	int flush_policy;		/* the last ALLOW_FLUSH's SMTP_POLICY, -1: none */
	struct sg_prefix pfx[FAKE_MAX_PFX];
	/* Exceptions and configured roles, kept as sent. */
	struct sg_prefix exc[FAKE_MAX_PFX];
	size_t nexc;
	char role_if[2][SMTPGUARD_MAX_ROLE_IFS][16];
	size_t nrole_if[2];
	struct sg_prefix inside[FAKE_MAX_PFX];
	size_t ninside;
	size_t npfx;
	uint16_t ports[SMTPGUARD_MAX_PORTS];
	size_t nports;
	uint64_t inspected, allowed, dropped, would_drop;
	uint8_t fail_cmd;		/* answer this command with fail_errno */
	int fail_errno;
	char fail_msg[128];
	char warn_msg[128];		/* extack text on a successful ack */
	bool dump_intr;
	bool uncapped;			/* errors echo the request (no CAP_ACK) */
	bool garble;			/* MODE attribute with a wrong size */
	unsigned int sends;
	unsigned int bad_flags;		/* requests without REQUEST|ACK */
	int ext_ack, cap_ack;
	uint8_t last_cmd;
	uint16_t last_flags;
	unsigned char last[65536];
	size_t last_len;
	unsigned int opens;		/* mnl_socket_open2() calls */
	unsigned int fail_skip;		/* fail_cmd requests let through first */
	/* The blocklist. */
	struct fake_entry block[FAKE_MAX_BLOCK];
	size_t nblock;
	char feeds[SMTPGUARD_MAX_FEEDS][SMTPGUARD_FEED_NAME_MAX + 1];
	uint8_t feed_action[SMTPGUARD_MAX_FEEDS], feed_dir[SMTPGUARD_MAX_FEEDS];
	uint64_t feed_dropped[SMTPGUARD_MAX_FEEDS];
	bool block_stats;		/* STATS_GET carries the block numbers */
	uint64_t cnc_dropped, cnc_would_drop, block_bytes;
	bool txn_open, txn_replace;
	uint32_t txn_id;
	char txn_feed[SMTPGUARD_FEED_NAME_MAX + 1];
	struct sg_prefix staged[FAKE_MAX_BLOCK];
	size_t nstaged;
	bool staged_unsorted;		/* a chunk broke the global order */
	size_t synth;			/* BLOCK_GET dumps this many made-up entries */
	bool hide_traffic;		/* a caller without CAP_NET_ADMIN */
	bool has_except;		/* BLOCK_TEST: an exception covers... */
	struct sg_prefix except;	/* ...the addresses of this prefix */
	size_t intr_from;		/* BLOCK_GET: DUMP_INTR from entry N - 1 on */
	size_t dump_rx_min;		/* smallest receive buffer during a dump */
	struct fake_req log[FAKE_LOG];
	unsigned int nlog;
	/* The offender ledger and the events group. */
	struct fake_offender off[FAKE_MAX_OFF];
	size_t noff;
	bool ledger_stats;		/* STATS_GET carries its numbers */
	bool no_events_group;		/* an older module */
	int join_errno;			/* NETLINK_ADD_MEMBERSHIP fails so */
	int joined;			/* the group joined, 0 if none */
	struct fake_event ev[FAKE_MAX_EV];
	size_t nev, next_ev;
	bool ev_term;			/* SIGTERM with the last event */
	char ev_unlink[128];		/* path removed after the last event */
	bool ev_replace;		/* ...and a new file put in its place */
	unsigned int setns_calls;
};

static struct fake_state *fk;

/* ---- the reply queue of the process that talks to the fake ---- */

struct datagram {
	unsigned char buf[4096];
	size_t len;
};

static struct datagram queue[80];
static size_t q_head, q_tail;

static struct nlmsghdr *msg_new(const struct nlmsghdr *req, uint16_t type,
				uint16_t flags, bool same_datagram)
{
	struct datagram *d;
	struct nlmsghdr *nlh;

	if (!same_datagram || q_tail == q_head)
		queue[q_tail++].len = 0;
	d = &queue[q_tail - 1];
	nlh = mnl_nlmsg_put_header(d->buf + d->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = FAKE_PORTID;
	return nlh;
}

static void msg_end(struct nlmsghdr *nlh)
{
	queue[q_tail - 1].len += MNL_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *genl_new(const struct nlmsghdr *req, uint8_t cmd,
				 uint16_t flags, bool same)
{
	struct nlmsghdr *nlh = msg_new(req, req->nlmsg_type, flags, same);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = SMTPGUARD_GENL_VERSION;
	return nlh;
}

static void ack(const struct nlmsghdr *req, int err, const char *msg)
{
	bool echo = err && fk->uncapped;
	struct nlmsghdr *nlh = msg_new(req, NLMSG_ERROR,
				       echo ? 0 : NLM_F_CAPPED, false);
	struct nlmsgerr *e;

	/* As the kernel does: the whole request after the header if uncapped. */
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e) + (echo ?
				       req->nlmsg_len - sizeof(*req) : 0));
	e->error = err;
	memcpy(&e->msg, req, echo ? req->nlmsg_len : sizeof(*req));
	if (msg && *msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	msg_end(nlh);
}

static void done(const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = msg_new(req, NLMSG_DONE, NLM_F_MULTI, false);
	int *v = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*v = 0;
	msg_end(nlh);
}

/* ---- the model of the family ---- */

static int pfx_index(const struct sg_prefix *p)
{
	size_t i;

	for (i = 0; i < fk->npfx; i++)
		if (!sg_prefix_cmp(&fk->pfx[i], p))
			return (int)i;
	return -1;
}

/* One SMTPGUARD_A_PREFIX nest, strictly: exact sizes, no unknown members. */
static int parse_one_prefix(const struct nlattr *a, struct sg_prefix *out,
			    const char **why)
{
	const struct nlattr *b;
	struct sg_prefix p = { 0 };
	bool fam = false, addr = false, len = false;
	size_t alen;

	mnl_attr_for_each_nested(b, a) {
		switch (mnl_attr_get_type(b)) {
		case SMTPGUARD_PREFIX_A_FAMILY:
			if (mnl_attr_get_payload_len(b) != 2)
				return *why = "bad family size", -EINVAL;
			p.family = mnl_attr_get_u16(b);
			fam = true;
			break;
		case SMTPGUARD_PREFIX_A_ADDR:
			alen = mnl_attr_get_payload_len(b);
			if (alen != 4 && alen != 16)
				return *why = "bad address size", -EINVAL;
			memcpy(p.addr, mnl_attr_get_payload(b), alen);
			addr = true;
			break;
		case SMTPGUARD_PREFIX_A_PREFIXLEN:
			if (mnl_attr_get_payload_len(b) != 1)
				return *why = "bad length size", -EINVAL;
			p.len = mnl_attr_get_u8(b);
			len = true;
			break;
		default:
			return *why = "unknown prefix attribute", -EINVAL;
		}
	}
	alen = sg_addr_len(p.family);
	if (!fam || !addr || !alen)
		return *why = "incomplete prefix", -EINVAL;
	if (!len)
		p.len = (uint8_t)(alen * 8);
	if (p.len > alen * 8)
		return *why = "incomplete prefix", -EINVAL;
	for (size_t i = 0; i < alen; i++) {
		unsigned int bits = p.len > i * 8 ? p.len - i * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		if (p.addr[i] & ~m)
			return *why = "host bits set", -EINVAL;
	}
	*out = p;
	return 0;
}

/* Strict, like a kernel policy: exact sizes, no unknown attributes. */
static int parse_prefixes(const struct nlmsghdr *req, struct sg_prefix *out,
			  size_t *n, const char **why)
{
	const struct nlattr *a;
	int err;

	*n = 0;
	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != SMTPGUARD_A_PREFIX) {
			*why = "unexpected attribute";
			return -EINVAL;
		}
		if (*n == FAKE_MAX_PFX)
			return *why = "too many", -ENOSPC;
		err = parse_one_prefix(a, &out[*n], why);
		if (err)
			return err;
		(*n)++;
	}
	return 0;
}

static void put_ports(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_PORTS);
	size_t i;

	for (i = 0; i < fk->nports; i++)
		mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT, fk->ports[i]);
	mnl_attr_nest_end(nlh, nest);
}

static void put_mode(struct nlmsghdr *nlh)
{
	if (fk->garble)
		mnl_attr_put_u32(nlh, SMTPGUARD_A_MODE, fk->mode);
	else
		mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, fk->mode);
}

/* ---- the blocklist model ---- */

struct breq {
	const char *feed;
	bool has_timeout, has_txn, replace;
	uint32_t timeout, txn;
	struct sg_prefix p[FAKE_MAX_REQ_PFX];
	size_t n;
};

/* Every attribute of a block command, checked as a strict policy would. */
static int parse_breq(const struct nlmsghdr *req, struct breq *br,
		      const char **why)
{
	const struct nlattr *a;
	int err;

	memset(br, 0, sizeof(*br));
	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case SMTPGUARD_A_FEED:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
			    !sg_feed_name_ok(mnl_attr_get_str(a)))
				return *why = "bad feed name", -EINVAL;
			br->feed = mnl_attr_get_str(a);
			break;
		case SMTPGUARD_A_TIMEOUT:
			if (mnl_attr_get_payload_len(a) != 4)
				return *why = "bad timeout size", -EINVAL;
			br->timeout = mnl_attr_get_u32(a);
			if (!br->timeout || br->timeout > SMTPGUARD_MAX_TIMEOUT)
				return *why = "timeout out of range", -ERANGE;
			br->has_timeout = true;
			break;
		case SMTPGUARD_A_TXN_ID:
			if (mnl_attr_get_payload_len(a) != 4)
				return *why = "bad transaction id size", -EINVAL;
			br->txn = mnl_attr_get_u32(a);
			br->has_txn = true;
			break;
		case SMTPGUARD_A_REPLACE:
			if (mnl_attr_get_payload_len(a) != 0)
				return *why = "bad flag", -EINVAL;
			br->replace = true;
			break;
		case SMTPGUARD_A_PREFIX:
			if (br->n == FAKE_MAX_REQ_PFX)
				return *why = "too many prefixes", -E2BIG;
			err = parse_one_prefix(a, &br->p[br->n], why);
			if (err)
				return err;
			br->n++;
			break;
		default:
			return *why = "unexpected attribute", -EINVAL;
		}
	}
	return 0;
}

static void log_request(const struct nlmsghdr *req, uint8_t cmd)
{
	static struct breq br;
	struct fake_req *l;
	const char *why;

	if (fk->nlog == FAKE_LOG)
		return;
	l = &fk->log[fk->nlog++];
	memset(l, 0, sizeof(*l));
	l->cmd = cmd;
	l->flags = req->nlmsg_flags;
	l->len = req->nlmsg_len;
	if (cmd == SMTPGUARD_CMD_OFFENDER_GET || cmd == SMTPGUARD_CMD_OFFENDER_FLUSH) {
		const struct nlattr *a;

		mnl_attr_for_each(a, req, sizeof(struct genlmsghdr))
			if (mnl_attr_get_type(a) == SMTPGUARD_A_REASON &&
			    mnl_attr_get_payload_len(a) == 4) {
				l->has_reason = true;
				l->reason = mnl_attr_get_u32(a);
			}
		return;
	}
	if (cmd < SMTPGUARD_CMD_BLOCK_ADD || parse_breq(req, &br, &why) < 0)
		return;
	l->nprefix = br.n;
	l->has_feed = br.feed != NULL;
	if (br.feed)
		snprintf(l->feed, sizeof(l->feed), "%s", br.feed);
	l->has_timeout = br.has_timeout;
	l->timeout = br.timeout;
	l->has_txn = br.has_txn;
	l->txn = br.txn;
	l->replace = br.replace;
}

static int feed_index(const char *name, bool create)
{
	int i, free_slot = -1;

	for (i = 0; i < SMTPGUARD_MAX_FEEDS; i++) {
		if (!strcmp(fk->feeds[i], name))
			return i;
		if (!fk->feeds[i][0] && free_slot < 0)
			free_slot = i;
	}
	if (!create || free_slot < 0)
		return -1;
	snprintf(fk->feeds[free_slot], sizeof(fk->feeds[0]), "%s", name);
	return free_slot;
}

static int block_index(const struct sg_prefix *p)
{
	size_t i;

	for (i = 0; i < fk->nblock; i++)
		if (!sg_prefix_cmp(&fk->block[i].p, p))
			return (int)i;
	return -1;
}

static int entry_cmp(const void *a, const void *b)
{
	return sg_prefix_cmp(&((const struct fake_entry *)a)->p,
			     &((const struct fake_entry *)b)->p);
}

static void block_put(const struct sg_prefix *p, int feed, uint32_t timeout)
{
	int k = block_index(p);

	if (k < 0) {
		if (fk->nblock == FAKE_MAX_BLOCK)
			return;
		k = (int)fk->nblock++;
		memset(&fk->block[k], 0, sizeof(fk->block[k]));
		fk->block[k].p = *p;
	}
	fk->block[k].feeds |= 1ULL << feed;
	if (timeout)
		fk->block[k].expires = timeout;
}

/* Drops the entries no feed lists any more, keeps the order. */
static void block_compact(void)
{
	size_t i, o = 0;

	for (i = 0; i < fk->nblock; i++)
		if (fk->block[i].feeds)
			fk->block[o++] = fk->block[i];
	fk->nblock = o;
	qsort(fk->block, fk->nblock, sizeof(fk->block[0]), entry_cmp);
}

static void put_pfx(struct nlmsghdr *nlh, uint16_t type, const struct sg_prefix *p);

static void put_block_reply(const struct nlmsghdr *req, uint8_t cmd)
{
	struct nlmsghdr *nlh = genl_new(req, cmd, 0, false);

	if (!fk->explicit && fk->mode != SMTPGUARD_MODE_ENFORCE) {
		fk->mode = SMTPGUARD_MODE_ENFORCE;
		mnl_attr_put(nlh, SMTPGUARD_A_MODE_AUTO, 0, NULL);
	}
	put_mode(nlh);
	mnl_attr_put_u32(nlh, SMTPGUARD_A_BLOCK_ENTRIES, (uint32_t)fk->nblock);
	msg_end(nlh);
}

static bool covers(const struct sg_prefix *p, const struct sg_prefix *a)
{
	unsigned int i, bits;
	uint8_t m;

	if (p->family != a->family)
		return false;
	for (i = 0; i * 8 < p->len; i++) {
		bits = p->len - i * 8;
		m = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
		if ((a->addr[i] & m) != p->addr[i])
			return false;
	}
	return true;
}

/* Made-up entry i of a synthetic set: 10.x.y.z/32, one feed. */
static void synth_entry(size_t i, struct fake_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->p.family = AF_INET;
	e->p.len = 32;
	e->p.addr[0] = 10;
	e->p.addr[1] = (uint8_t)(i >> 16);
	e->p.addr[2] = (uint8_t)(i >> 8);
	e->p.addr[3] = (uint8_t)i;
	e->feeds = 1;
	e->hits = i;
	if (i % 2)
		e->last_hit = 1700000000 + i;
}

static void put_entry(struct nlmsghdr *nlh, const struct fake_entry *e)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_BLOCK_ENTRY);
	struct nlattr *pn;
	int i;

	/* As nla_put_u64_64bit() may: a PAD first, to skip. */
	mnl_attr_put(nlh, SMTPGUARD_BLOCK_A_PAD, 0, NULL);
	pn = mnl_attr_nest_start(nlh, SMTPGUARD_BLOCK_A_PREFIX);
	mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY, e->p.family);
	mnl_attr_put(nlh, SMTPGUARD_PREFIX_A_ADDR, sg_addr_len(e->p.family),
		     e->p.addr);
	mnl_attr_put_u8(nlh, SMTPGUARD_PREFIX_A_PREFIXLEN, e->p.len);
	mnl_attr_nest_end(nlh, pn);
	for (i = 0; i < SMTPGUARD_MAX_FEEDS; i++)
		if (e->feeds & (1ULL << i))
			mnl_attr_put_strz(nlh, SMTPGUARD_BLOCK_A_FEED,
					  fk->synth ? "drop" : fk->feeds[i]);
	/* As the kernel does: HITS for an admin only, LAST_HIT once hit. */
	if (!fk->hide_traffic)
		mnl_attr_put_u64(nlh, SMTPGUARD_BLOCK_A_HITS, e->hits);
	if (e->last_hit && !fk->hide_traffic)
		mnl_attr_put_u64(nlh, SMTPGUARD_BLOCK_A_LAST_HIT, e->last_hit);
	if (e->expires && !e->permanent)
		mnl_attr_put_u32(nlh, SMTPGUARD_BLOCK_A_EXPIRES, e->expires);
	for (i = 0; i < SMTPGUARD_MAX_FEEDS; i++) {
		struct nlattr *ln;

		if (!(e->feeds & (1ULL << i)))
			continue;
		ln = mnl_attr_nest_start(nlh, SMTPGUARD_BLOCK_A_LISTING);
		mnl_attr_put_strz(nlh, SMTPGUARD_LISTING_A_FEED,
				  fk->synth ? "drop" : fk->feeds[i]);
		if (e->expires && !(e->permanent & (1ULL << i)))
			mnl_attr_put_u32(nlh, SMTPGUARD_LISTING_A_EXPIRES,
					 e->expires);
		mnl_attr_nest_end(nlh, ln);
	}
	/* A member from a newer kernel: ignored, not an error. */
	mnl_attr_put_u32(nlh, __SMTPGUARD_BLOCK_A_LAST, 1);
	mnl_attr_nest_end(nlh, nest);
}

/*
 * BLOCK_GET is answered lazily, as the kernel does: each receive gets the
 * next datagram, as full as the kernel would make it, so a dump of a
 * million entries needs no queue.
 */
static struct {
	bool active;
	uint32_t seq;
	uint16_t type;
	int feed;			/* -1: every feed */
	size_t next;
} bdump;

static ssize_t block_dump_datagram(void *buf, size_t len)
{
	size_t room = len < FAKE_DUMP_MAX ? len : FAKE_DUMP_MAX, used = 0;
	size_t total = fk->synth ? fk->synth : fk->nblock;
	static char tmp[8192];

	if (!fk->dump_rx_min || len < fk->dump_rx_min)
		fk->dump_rx_min = len;
	while (bdump.next < total) {
		struct fake_entry e;
		struct nlmsghdr *nlh;
		struct genlmsghdr *g;

		if (fk->synth)
			synth_entry(bdump.next, &e);
		else
			e = fk->block[bdump.next];
		if (bdump.feed >= 0 && !(e.feeds & (1ULL << bdump.feed))) {
			bdump.next++;
			continue;
		}
		nlh = mnl_nlmsg_put_header(tmp);
		nlh->nlmsg_type = bdump.type;
		nlh->nlmsg_flags = NLM_F_MULTI;
		if (fk->intr_from && bdump.next + 1 >= fk->intr_from)
			nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
		nlh->nlmsg_seq = bdump.seq;
		nlh->nlmsg_pid = FAKE_PORTID;
		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->cmd = SMTPGUARD_CMD_BLOCK_GET;
		g->version = SMTPGUARD_GENL_VERSION;
		put_entry(nlh, &e);
		if (used + MNL_ALIGN(nlh->nlmsg_len) > room)
			break;
		memcpy((char *)buf + used, tmp, nlh->nlmsg_len);
		used += MNL_ALIGN(nlh->nlmsg_len);
		bdump.next++;
	}
	if (bdump.next == total && used + MNL_NLMSG_HDRLEN + 4 <= room) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header((char *)buf + used);
		int *v = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

		nlh->nlmsg_type = NLMSG_DONE;
		nlh->nlmsg_flags = NLM_F_MULTI;
		nlh->nlmsg_seq = bdump.seq;
		nlh->nlmsg_pid = FAKE_PORTID;
		*v = 0;
		used += MNL_ALIGN(nlh->nlmsg_len);
		bdump.active = false;
	}
	return (ssize_t)used;
}

static void block_request(const struct nlmsghdr *req, uint8_t cmd)
{
	static struct breq br;
	const char *why = NULL;
	struct nlmsghdr *nlh;
	size_t i;
	int err, f;

	err = parse_breq(req, &br, &why);
	if (err) {
		ack(req, err, why);
		return;
	}
	switch (cmd) {
	case SMTPGUARD_CMD_BLOCK_ADD:
		if (!br.n || br.replace) {
			ack(req, -EINVAL, "bad BLOCK_ADD");
			return;
		}
		if (br.has_txn) {
			if (br.feed || br.has_timeout) {
				ack(req, -EINVAL, "FEED and TIMEOUT do not go with TXN_ID");
				return;
			}
			if (!fk->txn_open || br.txn != fk->txn_id) {
				ack(req, -ENOENT, "unknown transaction");
				return;
			}
			for (i = 0; i < br.n; i++) {
				if ((fk->nstaged || i) &&
				    sg_prefix_cmp(i ? &br.p[i - 1] :
						  &fk->staged[fk->nstaged - 1],
						  &br.p[i]) >= 0)
					fk->staged_unsorted = true;
				if (fk->nstaged < FAKE_MAX_BLOCK)
					fk->staged[fk->nstaged++] = br.p[i];
			}
			nlh = genl_new(req, cmd, 0, false);
			put_mode(nlh);
			mnl_attr_put_u32(nlh, SMTPGUARD_A_BLOCK_ENTRIES,
					 (uint32_t)fk->nblock);
			msg_end(nlh);
			break;
		}
		f = feed_index(br.feed ? br.feed : "manual", true);
		if (f < 0) {
			ack(req, -ENOSPC, "too many feeds");
			return;
		}
		for (i = 0; i < br.n; i++)
			block_put(&br.p[i], f, br.timeout);
		block_compact();
		put_block_reply(req, cmd);
		break;
	case SMTPGUARD_CMD_BLOCK_DEL:
		f = br.feed ? feed_index(br.feed, false) : -1;
		if (!br.n || br.has_txn || br.has_timeout || br.replace ||
		    (br.feed && f < 0)) {
			ack(req, br.feed && f < 0 ? -ENOENT : -EINVAL,
			    "bad BLOCK_DEL");
			return;
		}
		for (i = 0; i < br.n; i++) {
			int k = block_index(&br.p[i]);

			if (k < 0 || (f >= 0 && !(fk->block[k].feeds & (1ULL << f)))) {
				ack(req, -ENOENT, "prefix is not in the blocklist");
				return;
			}
		}
		for (i = 0; i < br.n; i++) {
			int k = block_index(&br.p[i]);

			fk->block[k].feeds &= f >= 0 ? ~(1ULL << f) : 0;
		}
		block_compact();
		break;
	case SMTPGUARD_CMD_BLOCK_FLUSH:
		if (br.n || br.has_txn || br.has_timeout || br.replace) {
			ack(req, -EINVAL, "bad BLOCK_FLUSH");
			return;
		}
		if (br.feed) {
			f = feed_index(br.feed, false);
			if (f < 0) {
				ack(req, -ENOENT, "no such feed");
				return;
			}
			for (i = 0; i < fk->nblock; i++)
				fk->block[i].feeds &= ~(1ULL << f);
			fk->feeds[f][0] = '\0';
		} else {
			for (i = 0; i < fk->nblock; i++)
				fk->block[i].feeds = 0;
			memset(fk->feeds, 0, sizeof(fk->feeds));
		}
		block_compact();
		break;
	case SMTPGUARD_CMD_BLOCK_GET:
		if (!(req->nlmsg_flags & NLM_F_DUMP) || br.n || br.has_txn ||
		    br.has_timeout || br.replace) {
			ack(req, -EINVAL, "bad BLOCK_GET");
			return;
		}
		/* As the kernel does: an unknown feed lists nothing. */
		f = br.feed ? feed_index(br.feed, false) : -1;
		bdump.active = true;
		bdump.seq = req->nlmsg_seq;
		bdump.type = req->nlmsg_type;
		bdump.feed = f;
		bdump.next = br.feed && f < 0 ? (fk->synth ? fk->synth : fk->nblock) : 0;
		return;		/* the datagrams are made as they are read */
	case SMTPGUARD_CMD_BLOCK_TEST: {
		int best = -1;

		if (br.n != 1 || br.feed || br.has_txn || br.has_timeout ||
		    br.replace || br.p[0].len != sg_addr_len(br.p[0].family) * 8) {
			ack(req, -EINVAL, "BLOCK_TEST takes one address");
			return;
		}
		for (i = 0; i < fk->nblock; i++)
			if (covers(&fk->block[i].p, &br.p[0]) &&
			    (best < 0 || fk->block[i].p.len > fk->block[best].p.len))
				best = (int)i;
		nlh = genl_new(req, cmd, 0, false);
		if (best >= 0)
			put_entry(nlh, &fk->block[best]);
		if (fk->has_except && covers(&fk->except, &br.p[0]))
			put_pfx(nlh, SMTPGUARD_A_EXCEPT, &fk->except);
		msg_end(nlh);
		break;
	}
	case SMTPGUARD_CMD_BLOCK_TXN_BEGIN:
		if (!br.feed || br.n || br.has_txn || br.has_timeout) {
			ack(req, -EINVAL, "TXN_BEGIN needs FEED, nothing else");
			return;
		}
		if (fk->txn_open) {
			ack(req, -EBUSY, "a transaction is open");
			return;
		}
		fk->txn_open = true;
		fk->txn_id = FAKE_TXN_ID;
		fk->txn_replace = br.replace;
		snprintf(fk->txn_feed, sizeof(fk->txn_feed), "%s", br.feed);
		fk->nstaged = 0;
		fk->staged_unsorted = false;
		nlh = genl_new(req, cmd, 0, false);
		mnl_attr_put_u32(nlh, SMTPGUARD_A_TXN_ID, fk->txn_id);
		msg_end(nlh);
		break;
	case SMTPGUARD_CMD_BLOCK_TXN_COMMIT:
	case SMTPGUARD_CMD_BLOCK_TXN_ABORT:
		if (!br.has_txn || br.feed || br.n || br.has_timeout ||
		    br.replace) {
			ack(req, -EINVAL, "TXN_ID only");
			return;
		}
		if (!fk->txn_open || br.txn != fk->txn_id) {
			ack(req, -ENOENT, "unknown transaction");
			return;
		}
		fk->txn_open = false;
		if (cmd == SMTPGUARD_CMD_BLOCK_TXN_ABORT)
			break;
		f = feed_index(fk->txn_feed, true);
		if (fk->txn_replace)
			for (i = 0; i < fk->nblock; i++)
				fk->block[i].feeds &= ~(1ULL << f);
		for (i = 0; i < fk->nstaged; i++)
			block_put(&fk->staged[i], f, 0);
		block_compact();
		put_block_reply(req, cmd);
		break;
	case SMTPGUARD_CMD_FEED_GET:
		if (!(req->nlmsg_flags & NLM_F_DUMP)) {
			ack(req, -EOPNOTSUPP, NULL);
			return;
		}
		for (f = 0, i = 0; f < SMTPGUARD_MAX_FEEDS; f++) {
			uint32_t count = 0;
			size_t k;

			if (!fk->feeds[f][0])
				continue;
			for (k = 0; k < fk->nblock; k++)
				count += !!(fk->block[k].feeds & (1ULL << f));
			nlh = genl_new(req, cmd, NLM_F_MULTI, i++ % 2);
			mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, fk->feeds[f]);
			mnl_attr_put_u32(nlh, SMTPGUARD_A_BLOCK_ENTRIES, count);
			mnl_attr_put_u8(nlh, SMTPGUARD_A_ACTION, fk->feed_action[f]);
			mnl_attr_put_u8(nlh, SMTPGUARD_A_DIRECTION, fk->feed_dir[f]);
			{
				struct nlattr *st = mnl_attr_nest_start(nlh, SMTPGUARD_A_STATS);

				mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_CNC_DROPPED,
						 fk->feed_dropped[f]);
				mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_CNC_WOULD_DROP, 0);
				mnl_attr_nest_end(nlh, st);
			}
			msg_end(nlh);
		}
		done(req);
		return;
	}
	ack(req, 0, fk->warn_msg);
}

/* ---- the offender ledger model ---- */

static void put_pfx(struct nlmsghdr *nlh, uint16_t type, const struct sg_prefix *p)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY, p->family);
	mnl_attr_put(nlh, SMTPGUARD_PREFIX_A_ADDR, sg_addr_len(p->family), p->addr);
	if (p->len < sg_addr_len(p->family) * 8)
		mnl_attr_put_u8(nlh, SMTPGUARD_PREFIX_A_PREFIXLEN, p->len);
	mnl_attr_nest_end(nlh, n);
}

static void put_offender(struct nlmsghdr *nlh, const struct fake_offender *o)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_OFFENDER);
	struct nlattr *d;

	put_pfx(nlh, SMTPGUARD_OFFENDER_A_ADDR, &o->addr);
	if (o->has_mac)
		mnl_attr_put(nlh, SMTPGUARD_OFFENDER_A_MAC, 6, o->mac);
	mnl_attr_put_u32(nlh, SMTPGUARD_OFFENDER_A_IFINDEX, o->ifindex);
	if (o->ifname[0])
		mnl_attr_put_strz(nlh, SMTPGUARD_OFFENDER_A_IFNAME, o->ifname);
	mnl_attr_put_u32(nlh, SMTPGUARD_OFFENDER_A_REASONS, o->reasons);
	mnl_attr_put_u64(nlh, SMTPGUARD_OFFENDER_A_PACKETS, o->packets);
	mnl_attr_put_u64(nlh, SMTPGUARD_OFFENDER_A_SMTP_PACKETS, o->smtp);
	mnl_attr_put_u64(nlh, SMTPGUARD_OFFENDER_A_CNC_PACKETS, o->cnc);
	mnl_attr_put_u64(nlh, SMTPGUARD_OFFENDER_A_FIRST_SEEN, o->first);
	mnl_attr_put_u64(nlh, SMTPGUARD_OFFENDER_A_LAST_SEEN, o->last);
	if (o->dest.family) {
		d = mnl_attr_nest_start(nlh, SMTPGUARD_OFFENDER_A_DEST);
		put_pfx(nlh, SMTPGUARD_DEST_A_ADDR, &o->dest);
		if (o->port)
			mnl_attr_put_u16(nlh, SMTPGUARD_DEST_A_PORT, o->port);
		mnl_attr_put_u8(nlh, SMTPGUARD_DEST_A_PROTO, o->proto);
		mnl_attr_put_u32(nlh, SMTPGUARD_DEST_A_REASON,
				 o->feed[0] ? SMTPGUARD_REASON_CNC : SMTPGUARD_REASON_SMTP);
		if (o->feed[0])
			mnl_attr_put_strz(nlh, SMTPGUARD_DEST_A_FEED, o->feed);
		mnl_attr_nest_end(nlh, d);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* OFFENDER_GET and OFFENDER_FLUSH, strictly: only an optional REASON. */
static void offender_request(const struct nlmsghdr *req, uint8_t cmd)
{
	const struct nlattr *a;
	struct nlmsghdr *nlh;
	uint32_t reason = 0, count = 0;
	size_t i, o;

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != SMTPGUARD_A_REASON ||
		    mnl_attr_get_payload_len(a) != 4) {
			ack(req, -EINVAL, "unexpected attribute");
			return;
		}
		reason = mnl_attr_get_u32(a);
		if (reason != SMTPGUARD_REASON_SMTP && reason != SMTPGUARD_REASON_CNC) {
			ack(req, -EINVAL, "bad reason");
			return;
		}
	}
	if (cmd == SMTPGUARD_CMD_OFFENDER_GET) {
		if (!(req->nlmsg_flags & NLM_F_DUMP)) {
			ack(req, -EOPNOTSUPP, NULL);
			return;
		}
		/* In the kernel's order, not by last seen: the tool sorts. */
		for (i = 0; i < fk->noff; i++) {
			if (reason && !(fk->off[i].reasons & reason))
				continue;
			nlh = genl_new(req, cmd, NLM_F_MULTI, i % 2);
			put_offender(nlh, &fk->off[i]);
			msg_end(nlh);
		}
		done(req);
		return;
	}
	for (i = 0, o = 0; i < fk->noff; i++) {
		if (reason && !(fk->off[i].reasons & reason))
			fk->off[o++] = fk->off[i];
		else
			count++;
	}
	fk->noff = o;
	nlh = genl_new(req, cmd, 0, false);
	mnl_attr_put_u32(nlh, SMTPGUARD_A_COUNT, count);
	msg_end(nlh);
	ack(req, 0, NULL);
}

static void family_request(const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	static struct sg_prefix p[FAKE_MAX_PFX];
	const char *why = NULL;
	struct nlmsghdr *nlh;
	const struct nlattr *a, *b;
	size_t n, i;
	int err;

	fk->last_cmd = g->cmd;
	log_request(req, g->cmd);
	if (fk->fail_cmd && g->cmd == fk->fail_cmd) {
		if (fk->fail_skip) {
			fk->fail_skip--;
		} else {
			if (fk->nlog <= FAKE_LOG && fk->nlog)
				fk->log[fk->nlog - 1].failed = true;
			ack(req, -fk->fail_errno, fk->fail_msg);
			return;
		}
	}
	if (g->cmd >= SMTPGUARD_CMD_BLOCK_ADD && g->cmd <= SMTPGUARD_CMD_FEED_GET) {
		block_request(req, g->cmd);
		return;
	}
	if (g->cmd == SMTPGUARD_CMD_FEED_SET) {
		const struct nlattr *fa;
		const char *name = NULL;
		int action = -1, dir = -1, f;

		mnl_attr_for_each(fa, req, sizeof(struct genlmsghdr)) {
			switch (mnl_attr_get_type(fa)) {
			case SMTPGUARD_A_FEED:
				name = mnl_attr_get_str(fa);
				break;
			case SMTPGUARD_A_ACTION:
				action = mnl_attr_get_u8(fa);
				break;
			case SMTPGUARD_A_DIRECTION:
				dir = mnl_attr_get_u8(fa);
				break;
			}
		}
		f = name ? feed_index(name, true) : -1;
		if (f < 0 || (action < 0 && dir < 0) || action > 1 || dir > 2) {
			ack(req, -EINVAL, "bad FEED_SET");
			return;
		}
		if (action >= 0)
			fk->feed_action[f] = (uint8_t)action;
		if (dir >= 0)
			fk->feed_dir[f] = (uint8_t)dir;
		ack(req, 0, NULL);
		return;
	}
	if (g->cmd == SMTPGUARD_CMD_OFFENDER_GET ||
	    g->cmd == SMTPGUARD_CMD_OFFENDER_FLUSH) {
		offender_request(req, g->cmd);
		return;
	}
	switch (g->cmd) {
	case SMTPGUARD_CMD_ALLOW_ADD:
		err = parse_prefixes(req, p, &n, &why);
		if (err) {
			ack(req, err, why);
			return;
		}
		for (i = 0; i < n; i++)
			if (pfx_index(&p[i]) < 0 && fk->npfx < FAKE_MAX_PFX)
				fk->pfx[fk->npfx++] = p[i];
		qsort(fk->pfx, fk->npfx, sizeof(fk->pfx[0]), sg_prefix_cmp);
		fk->smtp_policy = true;
		nlh = genl_new(req, g->cmd, 0, false);
		if (!fk->explicit && fk->mode != SMTPGUARD_MODE_ENFORCE) {
			fk->mode = SMTPGUARD_MODE_ENFORCE;
			mnl_attr_put(nlh, SMTPGUARD_A_MODE_AUTO, 0, NULL);
		}
		put_mode(nlh);
		mnl_attr_put_u32(nlh, SMTPGUARD_A_ALLOW_ENTRIES, (uint32_t)fk->npfx);
		msg_end(nlh);
		break;
	case SMTPGUARD_CMD_ALLOW_DEL:
		err = parse_prefixes(req, p, &n, &why);
		if (err) {
			ack(req, err, why);
			return;
		}
		for (i = 0; i < n; i++)
			if (pfx_index(&p[i]) < 0) {
				ack(req, -ENOENT, "prefix is not in the allow-list");
				return;
			}
		for (i = 0; i < n; i++) {
			int k = pfx_index(&p[i]);

			fk->pfx[k] = fk->pfx[--fk->npfx];
		}
		qsort(fk->pfx, fk->npfx, sizeof(fk->pfx[0]), sg_prefix_cmp);
		break;
	case SMTPGUARD_CMD_ALLOW_FLUSH: {
		const struct nlattr *pa;
		bool mode_auto = false;

		fk->npfx = 0;
		fk->flush_policy = -1;
		mnl_attr_for_each(pa, req, sizeof(struct genlmsghdr)) {
			if (mnl_attr_get_type(pa) != SMTPGUARD_A_SMTP_POLICY)
				continue;
			fk->flush_policy = mnl_attr_get_u8(pa);
			fk->smtp_policy = fk->flush_policy;
			mode_auto = fk->smtp_policy && !fk->explicit &&
				    fk->mode != SMTPGUARD_MODE_ENFORCE;
		}
		nlh = genl_new(req, g->cmd, 0, false);
		if (mode_auto) {
			fk->mode = SMTPGUARD_MODE_ENFORCE;
			mnl_attr_put(nlh, SMTPGUARD_A_MODE_AUTO, 0, NULL);
		}
		put_mode(nlh);
		mnl_attr_put_u32(nlh, SMTPGUARD_A_ALLOW_ENTRIES, 0);
		msg_end(nlh);
		break;
	}
	case SMTPGUARD_CMD_EXCEPT_ADD:
	case SMTPGUARD_CMD_EXCEPT_DEL:
		err = parse_prefixes(req, p, &n, &why);
		if (err) {
			ack(req, err, why);
			return;
		}
		for (i = 0; i < n; i++) {
			size_t k;

			for (k = 0; k < fk->nexc; k++)
				if (!sg_prefix_cmp(&fk->exc[k], &p[i]))
					break;
			if (g->cmd == SMTPGUARD_CMD_EXCEPT_DEL && k == fk->nexc) {
				ack(req, -ENOENT, "prefix is not in the exceptions");
				return;
			}
			if (g->cmd == SMTPGUARD_CMD_EXCEPT_DEL)
				fk->exc[k] = fk->exc[--fk->nexc];
			else if (k == fk->nexc && fk->nexc < FAKE_MAX_PFX)
				fk->exc[fk->nexc++] = p[i];
		}
		qsort(fk->exc, fk->nexc, sizeof(fk->exc[0]), sg_prefix_cmp);
		break;
	case SMTPGUARD_CMD_EXCEPT_FLUSH:
		fk->nexc = 0;
		break;
	case SMTPGUARD_CMD_EXCEPT_GET:
		for (i = 0; i < fk->nexc; i++) {
			nlh = genl_new(req, g->cmd, NLM_F_MULTI, i % 2);
			put_pfx(nlh, SMTPGUARD_A_PREFIX, &fk->exc[i]);
			msg_end(nlh);
		}
		done(req);
		return;
	case SMTPGUARD_CMD_ROLE_ADD: {
		const struct nlattr *ra;
		int role = -1;

		mnl_attr_for_each(ra, req, sizeof(struct genlmsghdr)) {
			switch (mnl_attr_get_type(ra)) {
			case SMTPGUARD_A_ROLE:
				role = mnl_attr_get_u8(ra) - 1;
				break;
			case SMTPGUARD_A_IFNAME:
				if (role < 0 || fk->nrole_if[role] == SMTPGUARD_MAX_ROLE_IFS)
					break;
				snprintf(fk->role_if[role][fk->nrole_if[role]++], 16,
					 "%s", mnl_attr_get_str(ra));
				break;
			case SMTPGUARD_A_PREFIX:
				if (fk->ninside < FAKE_MAX_PFX &&
				    !parse_one_prefix(ra, &fk->inside[fk->ninside], &why))
					fk->ninside++;
				break;
			}
		}
		break;
	}
	case SMTPGUARD_CMD_ROLE_FLUSH:
		fk->nrole_if[0] = fk->nrole_if[1] = 0;
		fk->ninside = 0;
		break;
	case SMTPGUARD_CMD_ROLE_GET: {
		unsigned int k, j = 0;

		for (k = 0; k < 2; k++)
			for (i = 0; i < fk->nrole_if[k]; i++) {
				nlh = genl_new(req, g->cmd, NLM_F_MULTI, j++ % 2);
				mnl_attr_put_u8(nlh, SMTPGUARD_A_ROLE, (uint8_t)(k + 1));
				mnl_attr_put_strz(nlh, SMTPGUARD_A_IFNAME, fk->role_if[k][i]);
				msg_end(nlh);
			}
		for (i = 0; i < fk->ninside; i++) {
			nlh = genl_new(req, g->cmd, NLM_F_MULTI, j++ % 2);
			mnl_attr_put_u8(nlh, SMTPGUARD_A_ROLE, SMTPGUARD_ROLE_INSIDE);
			put_pfx(nlh, SMTPGUARD_A_PREFIX, &fk->inside[i]);
			msg_end(nlh);
		}
		done(req);
		return;
	}
	case SMTPGUARD_CMD_ALLOW_GET:
		if (!(req->nlmsg_flags & NLM_F_DUMP)) {
			ack(req, -EOPNOTSUPP, NULL);
			return;
		}
		/* Two prefixes per datagram: the tool must walk them all. */
		for (i = 0; i < fk->npfx; i++) {
			struct nlattr *nest;

			nlh = genl_new(req, g->cmd, NLM_F_MULTI |
				       (fk->dump_intr ? NLM_F_DUMP_INTR : 0),
				       i % 2);
			nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_PREFIX);
			mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY, fk->pfx[i].family);
			mnl_attr_put(nlh, SMTPGUARD_PREFIX_A_ADDR,
				     sg_addr_len(fk->pfx[i].family), fk->pfx[i].addr);
			/* Full-length prefixes leave the optional length out. */
			if (fk->pfx[i].len != sg_addr_len(fk->pfx[i].family) * 8)
				mnl_attr_put_u8(nlh, SMTPGUARD_PREFIX_A_PREFIXLEN,
						fk->pfx[i].len);
			mnl_attr_nest_end(nlh, nest);
			msg_end(nlh);
		}
		done(req);
		return;		/* a successful dump is not acked */
	case SMTPGUARD_CMD_PORTS_SET: {
		uint16_t ports[SMTPGUARD_MAX_PORTS];

		n = 0;
		mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
			if (mnl_attr_get_type(a) != SMTPGUARD_A_PORTS) {
				ack(req, -EINVAL, "unexpected attribute");
				return;
			}
			mnl_attr_for_each_nested(b, a) {
				uint16_t port;

				if (mnl_attr_get_type(b) != SMTPGUARD_PORTS_A_PORT ||
				    mnl_attr_get_payload_len(b) != 2) {
					ack(req, -EINVAL, "bad port attribute");
					return;
				}
				port = mnl_attr_get_u16(b);
				for (i = 0; i < n; i++)
					if (ports[i] == port) {
						ack(req, -EINVAL, "duplicate port");
						return;
					}
				if (!port || n == SMTPGUARD_MAX_PORTS) {
					ack(req, -EINVAL, "bad port");
					return;
				}
				ports[n++] = port;
			}
		}
		memcpy(fk->ports, ports, n * sizeof(ports[0]));
		fk->nports = sg_port_unique(fk->ports, n);
		break;
	}
	case SMTPGUARD_CMD_PORTS_GET:
		nlh = genl_new(req, g->cmd, 0, false);
		put_ports(nlh);
		msg_end(nlh);
		break;
	case SMTPGUARD_CMD_MODE_SET:
		a = NULL;
		mnl_attr_for_each(b, req, sizeof(struct genlmsghdr))
			if (mnl_attr_get_type(b) == SMTPGUARD_A_MODE)
				a = b;
		if (!a || mnl_attr_get_payload_len(a) != 1 ||
		    mnl_attr_get_u8(a) > SMTPGUARD_MODE_MAX) {
			ack(req, -EINVAL, "bad mode");
			return;
		}
		fk->mode = mnl_attr_get_u8(a);
		fk->explicit = true;
		break;
	case SMTPGUARD_CMD_MODE_GET:
		nlh = genl_new(req, g->cmd, 0, false);
		put_mode(nlh);
		if (fk->explicit)
			mnl_attr_put(nlh, SMTPGUARD_A_MODE_EXPLICIT, 0, NULL);
		mnl_attr_put_u8(nlh, SMTPGUARD_A_SMTP_POLICY, fk->smtp_policy);
		msg_end(nlh);
		break;
	case SMTPGUARD_CMD_STATS_GET: {
		struct nlattr *nest;

		nlh = genl_new(req, g->cmd, 0, false);
		put_mode(nlh);
		if (fk->explicit)
			mnl_attr_put(nlh, SMTPGUARD_A_MODE_EXPLICIT, 0, NULL);
		mnl_attr_put_u32(nlh, SMTPGUARD_A_ALLOW_ENTRIES, (uint32_t)fk->npfx);
		put_ports(nlh);
		nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_STATS);
		/* As nla_put_u64_64bit() may: a PAD attribute to skip. */
		mnl_attr_put(nlh, SMTPGUARD_STATS_A_PAD, 0, NULL);
		mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_SMTP_INSPECTED, fk->inspected);
		mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_SMTP_ALLOWED, fk->allowed);
		mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_SMTP_DROPPED, fk->dropped);
		mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_SMTP_WOULD_DROP, fk->would_drop);
		if (fk->block_stats) {
			mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_CNC_DROPPED, fk->cnc_dropped);
			mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_CNC_WOULD_DROP, fk->cnc_would_drop);
			mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_BLOCK_BYTES, fk->block_bytes);
		}
		if (fk->ledger_stats) {
			mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_OFFENDERS_EVICTED, 21);
			mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_EVENTS_SENT, 1099511627776ULL);
			mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_EVENTS_DROPPED, 3);
		}
		/* A counter from a newer kernel: ignored, not an error. */
		mnl_attr_put_u64(nlh, __SMTPGUARD_STATS_A_LAST, 7);
		mnl_attr_nest_end(nlh, nest);
		if (fk->ledger_stats)
			mnl_attr_put_u32(nlh, SMTPGUARD_A_OFFENDERS, (uint32_t)fk->noff);
		if (fk->block_stats) {
			mnl_attr_put_u32(nlh, SMTPGUARD_A_BLOCK_ENTRIES, (uint32_t)fk->nblock);
			mnl_attr_put_u32(nlh, SMTPGUARD_A_BLOCK_FEEDS, 2);
		}
		msg_end(nlh);
		break;
	}
	case SMTPGUARD_CMD_STATS_RESET:
		fk->inspected = fk->allowed = fk->dropped = fk->would_drop = 0;
		break;
	default:
		ack(req, -EOPNOTSUPP, NULL);
		return;
	}
	ack(req, 0, fk->warn_msg);
}

static void ctrl_request(const struct nlmsghdr *req)
{
	const struct nlattr *a;
	const char *name = NULL;
	struct nlmsghdr *nlh;

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME)
			name = mnl_attr_get_str(a);
	if (!fk->family || !name || strcmp(name, SMTPGUARD_GENL_NAME)) {
		ack(req, -ENOENT, NULL);	/* what the controller says */
		return;
	}
	nlh = genl_new(req, CTRL_CMD_NEWFAMILY, 0, false);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAKE_FAMILY_ID);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SMTPGUARD_GENL_NAME);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, SMTPGUARD_GENL_VERSION);
	if (!fk->no_events_group) {
		struct nlattr *grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
		struct nlattr *g1;

		/* Another group first: the tool must pick "events" by name. */
		g1 = mnl_attr_nest_start(nlh, 1);
		mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, FAKE_EVENTS_GRP + 1);
		mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
		mnl_attr_nest_end(nlh, g1);
		g1 = mnl_attr_nest_start(nlh, 2);
		mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, SMTPGUARD_MCGRP_EVENTS);
		mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, FAKE_EVENTS_GRP);
		mnl_attr_nest_end(nlh, g1);
		mnl_attr_nest_end(nlh, grps);
	}
	msg_end(nlh);
	ack(req, 0, NULL);
}

/* ---- libmnl's socket calls, replaced (the executable's symbols win) ---- */

static char fake_socket;

struct mnl_socket *mnl_socket_open2(int bus, int flags)
{
	(void)flags;
	fk->opens++;
	if (bus != NETLINK_GENERIC) {
		errno = EPROTONOSUPPORT;
		return NULL;
	}
	return (struct mnl_socket *)&fake_socket;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf,
			  socklen_t len)
{
	int v = len == sizeof(int) ? *(int *)buf : -1;

	(void)nl;
	if (type == NETLINK_EXT_ACK)
		fk->ext_ack = v;
	if (type == NETLINK_CAP_ACK)
		fk->cap_ack = v;
	if (type == NETLINK_ADD_MEMBERSHIP) {
		if (fk->join_errno) {
			errno = fk->join_errno;
			return -1;
		}
		fk->joined = v;
	}
	return 0;
}

/*
 * The socket's descriptor, for poll(): a pipe with a byte per scripted
 * event, so it is readable exactly while events are waiting.
 */
static int ev_pipe[2] = { -1, -1 };

int mnl_socket_get_fd(const struct mnl_socket *nl)
{
	size_t i;

	(void)nl;
	if (ev_pipe[0] < 0) {
		if (pipe(ev_pipe))
			return -1;
		for (i = fk->next_ev; i < fk->nev; i++)
			if (write(ev_pipe[1], "e", 1) != 1)
				return -1;
	}
	return ev_pipe[0];
}

/* -n NETNS in a test: the file is opened and checked, nothing entered. */
int setns(int fd, int nstype)
{
	(void)fd;
	(void)nstype;
	fk->setns_calls++;
	return 0;
}

/* The next scripted event; the end of the script may signal or rename. */
static ssize_t next_event(void *buf, size_t len)
{
	struct fake_event *e = &fk->ev[fk->next_ev++];
	char c, moved[160];

	if (ev_pipe[0] >= 0 && read(ev_pipe[0], &c, 1) != 1)
		return -1;
	if (fk->next_ev == fk->nev && fk->ev_unlink[0]) {
		/* Deleted; or replaced by a new namespace of the same name. */
		snprintf(moved, sizeof(moved), "%s.new", fk->ev_unlink);
		if (fk->ev_replace) {
			close(open(moved, O_CREAT | O_WRONLY, 0600));
			rename(moved, fk->ev_unlink);
		} else {
			unlink(fk->ev_unlink);
		}
	}
	if (fk->next_ev == fk->nev && fk->ev_term)
		raise(SIGTERM);
	if (!e->len) {
		errno = ENOBUFS;
		return -1;
	}
	if (e->len > len) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, e->buf, e->len);
	return (ssize_t)e->len;
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl;
	(void)groups;
	(void)pid;
	return 0;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return FAKE_PORTID;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	(void)nl;
	return 0;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf,
			  size_t len)
{
	const struct nlmsghdr *req = buf;

	(void)nl;
	fk->sends++;
	if (len > sizeof(fk->last) || len < sizeof(*req) || req->nlmsg_len != len) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(fk->last, buf, len);
	fk->last_len = len;
	fk->last_flags = req->nlmsg_flags;
	if ((req->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK)) !=
	    (NLM_F_REQUEST | NLM_F_ACK))
		fk->bad_flags++;
	if (req->nlmsg_type == GENL_ID_CTRL)
		ctrl_request(req);
	else if (req->nlmsg_type == FAKE_FAMILY_ID)
		family_request(req);
	else
		ack(req, -EINVAL, NULL);
	return (ssize_t)len;
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
			    size_t len)
{
	struct datagram *d;

	(void)nl;
	if (q_head == q_tail && bdump.active)
		return block_dump_datagram(buf, len);
	if (q_head == q_tail && fk->joined && fk->next_ev < fk->nev)
		return next_event(buf, len);
	if (q_head == q_tail) {
		errno = EAGAIN;		/* the tool waited for nothing: a bug */
		return -1;
	}
	d = &queue[q_head++];
	if (q_head == q_tail)
		q_head = q_tail = 0;
	if (d->len > len) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, d->buf, d->len);
	return (ssize_t)d->len;
}

/* ---- the tests ---- */

static void fake_reset(void)
{
	memset(fk, 0, sizeof(*fk));
	fk->family = true;
	fk->mode = SMTPGUARD_MODE_OFF;
	fk->ports[0] = 25;
	fk->nports = 1;
}

struct call {
	const char *const *argv;
	const char *stdin_path;		/* NULL: the test's own stdin */
};

static int call_main(void *arg)
{
	const struct call *c = arg;
	char *argv[64];
	int argc = 0;

	if (c->stdin_path && !freopen(c->stdin_path, "r", stdin))
		return 99;

	argv[argc++] = "smtpguardctl";
	while (c->argv[argc - 1] && argc < 63) {
		argv[argc] = (char *)c->argv[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	return smtpguardctl_main(argc, argv);
}

static struct result r;

static void tool_io(const char *stdin_path, const char *stdout_path,
		    const char *const *argv)
{
	struct call c = { argv, stdin_path };

	if (run_captured(&r, call_main, &c, stdout_path) < 0)
		r.status = -1;
}

static void tool_to(const char *stdout_path, const char *const *argv)
{
	struct call c = { argv, NULL };

	if (run_captured(&r, call_main, &c, stdout_path) < 0)
		r.status = -1;
}

#define TOOL(...) tool_to(NULL, (const char *const[]){ __VA_ARGS__, NULL })

/* Exact exit status, stdout and stderr. */
static bool expect(int status, const char *out, const char *err,
		   const char *what)
{
	bool ok = r.status == status && !strcmp(r.out, out) &&
		  !strcmp(r.err, err);

	if (!ktap_ok(ok, "%s", what))
		ktap_diag("exit %d (want %d)\n# stdout [%s] (want [%s])\n# stderr [%s] (want [%s])",
			  r.status, status, r.out, out, r.err, err);
	return ok;
}

static char tmpdir[64];

/* the fixture of test_family(): installed for this kernel, not loaded */
#define NOT_LOADED_FMT "smtpguardctl: smtpguard is not available: the module is installed for %s but not loaded (try: modprobe smtpguard; if that fails, dmesg says why)\n"
static char not_loaded[256];
#define NOT_LOADED not_loaded
#define AUTO_LINE "mode: enforce (switched automatically by the first allow; 'smtpguardctl mode monitor' only counts)\n"

/* The prefixes of the last request, as the fake's strict parser sees them. */
static size_t last_prefixes(struct sg_prefix *p)
{
	const char *why = NULL;
	size_t n = 0;

	if (parse_prefixes((const struct nlmsghdr *)fk->last, p, &n, &why) < 0)
		return (size_t)-1;
	return n;
}

static void test_family(void)
{
	static char mods[128], sysmod[128], dir[256], path[300];
	char want[512];
	struct utsname u;
	FILE *f;

	/* A /lib/modules and a /sys/module of our own. */
	uname(&u);
	snprintf(mods, sizeof(mods), "%s/modules", tmpdir);
	snprintf(sysmod, sizeof(sysmod), "%s/sysmodule", tmpdir);
	snprintf(dir, sizeof(dir), "%s/%s", mods, u.release);
	mkdir(mods, 0755);
	mkdir(sysmod, 0755);
	mkdir(dir, 0755);
	sg_modules_dir = mods;
	sg_sys_module_dir = sysmod;
	snprintf(path, sizeof(path), "%s/modules.dep", dir);

	fake_reset();
	fk->family = false;
	TOOL("stats");
	snprintf(want, sizeof(want),
		 "smtpguardctl: smtpguard is not available: no smtpguard module is installed for the running kernel %s (see 'dkms status'; 'make dkms-install' builds it)\n",
		 u.release);
	expect(4, "", want, "no family, no module for this kernel: exit 4, says so and names dkms");
	ktap_ok(fk->sends == 1, "no family: only the controller was asked");

	f = fopen(path, "w");
	fputs("kernel/net/foo.ko.xz:\nupdates/dkms/smtpguard.ko.xz:\n", f);
	fclose(f);
	snprintf(not_loaded, sizeof(not_loaded), NOT_LOADED_FMT, u.release);
	TOOL("stats");
	expect(4, "", NOT_LOADED, "installed for this kernel, not loaded: exit 4 and the modprobe hint");

	snprintf(path, sizeof(path), "%s/smtpguard", sysmod);
	mkdir(path, 0755);
	TOOL("stats");
	expect(4, "", "smtpguardctl: smtpguard is not available: the module is loaded but has no \"smtpguard\" netlink family (another version? rmmod smtpguard; modprobe smtpguard)\n",
	       "loaded without the family: exit 4, says so");
	rmdir(path);

	fake_reset();
	TOOL("allow", "10.0.0.1", "10.0.0.300");
	ktap_ok(r.status == 2 && fk->sends == 0,
		"bad input: exit 2 before any request is sent");

	fake_reset();
	TOOL("mode");
	ktap_ok(fk->ext_ack == 1 && fk->cap_ack == 1,
		"the socket enables NETLINK_EXT_ACK and NETLINK_CAP_ACK");
	ktap_ok(fk->bad_flags == 0 && fk->sends == 2,
		"every request carries NLM_F_REQUEST | NLM_F_ACK");
}

static void test_allow(void)
{
	struct sg_prefix p[FAKE_MAX_PFX];
	char a[SG_PREFIX_STRLEN], b[SG_PREFIX_STRLEN];
	size_t n;

	fake_reset();
	TOOL("allow", "10.10.10.10", "2001:db8::25", "10.10.10.10/32");
	expect(0, AUTO_LINE, "",
	       "first allow: one line says the mode switched to enforce");
	n = last_prefixes(p);
	ktap_ok(n == 2 && fk->last_cmd == SMTPGUARD_CMD_ALLOW_ADD &&
		!strcmp(sg_format_prefix(&p[0], a, sizeof(a)), "10.10.10.10") &&
		!strcmp(sg_format_prefix(&p[1], b, sizeof(b)), "2001:db8::25") &&
		p[0].len == 32 && p[1].len == 128,
		"ALLOW_ADD carries one nest per distinct prefix: family, 4/16 bytes, length");
	ktap_ok(fk->npfx == 2 && fk->mode == SMTPGUARD_MODE_ENFORCE,
		"the fake now holds 2 prefixes and enforces");

	TOOL("allow", "add", "10.10.10.10");
	expect(0, "", "", "second allow of the same prefix: silent, exit 0");

	TOOL("-j", "allow", "192.0.2.0/24");
	expect(0, "{\"mode\":\"enforce\",\"allow_entries\":3,\"mode_auto\":false}\n",
	       "", "allow -j: an object with mode, allow_entries, mode_auto");

	TOOL("allow", "list");
	expect(0, "10.10.10.10\n192.0.2.0/24\n2001:db8::25\n", "",
	       "allow list: one prefix per line, full length bare");

	TOOL("allow");
	expect(0, "10.10.10.10\n192.0.2.0/24\n2001:db8::25\n", "",
	       "allow alone lists");
	ktap_ok(fk->last_flags & NLM_F_DUMP, "allow list is a dump (NLM_F_DUMP)");

	TOOL("-j", "allow", "show");
	expect(0, "[{\"prefix\":\"10.10.10.10\",\"family\":\"inet\",\"address\":\"10.10.10.10\",\"prefixlen\":32},"
		  "{\"prefix\":\"192.0.2.0/24\",\"family\":\"inet\",\"address\":\"192.0.2.0\",\"prefixlen\":24},"
		  "{\"prefix\":\"2001:db8::25\",\"family\":\"inet6\",\"address\":\"2001:db8::25\",\"prefixlen\":128}]\n",
	       "", "allow show -j: array of {prefix, family, address, prefixlen}, as block list -j");

	TOOL("-p", "allow", "list");
	expect(0, "[\n"
		  "    {\n"
		  "        \"prefix\": \"10.10.10.10\",\n"
		  "        \"family\": \"inet\",\n"
		  "        \"address\": \"10.10.10.10\",\n"
		  "        \"prefixlen\": 32\n"
		  "    },\n"
		  "    {\n"
		  "        \"prefix\": \"192.0.2.0/24\",\n"
		  "        \"family\": \"inet\",\n"
		  "        \"address\": \"192.0.2.0\",\n"
		  "        \"prefixlen\": 24\n"
		  "    },\n"
		  "    {\n"
		  "        \"prefix\": \"2001:db8::25\",\n"
		  "        \"family\": \"inet6\",\n"
		  "        \"address\": \"2001:db8::25\",\n"
		  "        \"prefixlen\": 128\n"
		  "    }\n"
		  "]\n", "", "allow list -p: pretty JSON");

	TOOL("allow", "del", "192.0.2.0/24", "10.10.10.10");
	expect(0, "", "", "allow del of two present prefixes");
	ktap_ok(fk->npfx == 1 && fk->last_cmd == SMTPGUARD_CMD_ALLOW_DEL,
		"the fake holds 1 prefix");

	TOOL("allow", "del", "10.9.9.9");
	expect(3, "", "Error: prefix is not in the allow-list.\n",
	       "allow del of an absent prefix: exit 3, the extack message");

	fk->uncapped = true;
	TOOL("allow", "del", "10.9.9.9", "2001:db8::/32");
	expect(3, "", "Error: prefix is not in the allow-list.\n",
	       "the extack message is found after an echoed request (no NLM_F_CAPPED)");
	fk->uncapped = false;

	TOOL("allow", "flush");
	expect(0, "", "", "allow flush");
	ktap_ok(fk->npfx == 0 && fk->mode == SMTPGUARD_MODE_ENFORCE,
		"flush empties the list and keeps the mode");
	ktap_ok(fk->flush_policy == -1 && fk->smtp_policy,
		"allow flush keeps the SMTP policy: no SMTP_POLICY sent");
	TOOL("allow", "off");
	expect(0, "", "", "allow off: silent");
	ktap_ok(fk->flush_policy == 0 && !fk->smtp_policy && fk->npfx == 0,
		"allow off: ALLOW_FLUSH with SMTP_POLICY 0");
	fk->mode = SMTPGUARD_MODE_OFF;
	fk->explicit = false;
	TOOL("allow", "none");
	expect(0, AUTO_LINE, "", "allow none in an unconfigured namespace: the mode line");
	ktap_ok(fk->flush_policy == 1 && fk->smtp_policy &&
		fk->mode == SMTPGUARD_MODE_ENFORCE,
		"allow none: ALLOW_FLUSH with SMTP_POLICY 1, enforce");
	TOOL("allow", "none", "10.0.0.1");
	expect(2, "", "smtpguardctl: allow: unexpected argument '10.0.0.1'\n",
	       "allow none takes no address");

	TOOL("allow", "list");
	expect(0, "", "", "empty allow list: no output");
	TOOL("-j", "allow", "list");
	expect(0, "[]\n", "", "empty allow list -j: []");

	fake_reset();
	for (n = 0; n < 41; n++) {	/* spans several datagrams */
		fk->pfx[n].family = AF_INET;
		fk->pfx[n].len = 32;
		fk->pfx[n].addr[0] = 10;
		fk->pfx[n].addr[3] = (uint8_t)n;
	}
	fk->npfx = 41;
	TOOL("allow", "list");
	ktap_ok(r.status == 0 && strstr(r.out, "10.0.0.0\n10.0.0.1\n") &&
		strstr(r.out, "\n10.0.0.40\n") &&
		strlen(r.out) == 10 * 9 + 31 * 10,
		"a dump of 41 prefixes in several datagrams prints all 41");

	fk->fail_cmd = SMTPGUARD_CMD_ALLOW_GET;
	fk->fail_errno = EPERM;
	TOOL("-j", "allow", "list");
	expect(3, "", "Error: Operation not permitted.\n",
	       "a dump refused at once prints no \"[]\" that looks like an empty list");
	fk->fail_cmd = 0;

	fk->dump_intr = true;
	TOOL("allow", "list");
	if (!ktap_ok(r.status == 3 && strstr(r.err, "changed during the listing"),
		     "an interrupted dump (NLM_F_DUMP_INTR) is an error, exit 3"))
		ktap_diag("exit %d, stderr [%s]", r.status, r.err);

	fake_reset();
	fk->explicit = true;
	fk->mode = SMTPGUARD_MODE_MONITOR;
	TOOL("allow", "10.0.0.1");
	expect(0, "", "", "allow when the mode was set explicitly: no mode line");
	ktap_ok(fk->mode == SMTPGUARD_MODE_MONITOR, "and the mode is kept");

	fake_reset();
	TOOL("-j", "allow", "10.0.0.1");
	expect(0, "{\"mode\":\"enforce\",\"allow_entries\":1,\"mode_auto\":true}\n",
	       "", "first allow -j: mode_auto true, no plain line");
}

static void test_ports(void)
{
	fake_reset();
	TOOL("ports");
	expect(0, "25\n", "", "ports: the default set");

	TOOL("ports", "587", "25", "587", "2525");
	expect(0, "", "", "ports set");
	ktap_ok(fk->nports == 3 && fk->ports[0] == 25 && fk->ports[1] == 587 &&
		fk->ports[2] == 2525,
		"PORTS_SET carries each port once (the fake refuses duplicates)");

	TOOL("ports", "show");
	expect(0, "25 587 2525\n", "", "ports show: space-separated");
	TOOL("-j", "ports");
	expect(0, "{\"ports\":[25,587,2525]}\n", "", "ports -j: {\"ports\":[...]}");
}

static void test_mode(void)
{
	fake_reset();
	TOOL("mode");
	expect(0, "off\n", "", "mode: off on a fresh namespace");
	TOOL("-j", "mode");
	expect(0, "{\"mode\":\"off\",\"explicit\":false}\n", "",
	       "mode -j: explicit false");
	TOOL("mode", "monitor");
	expect(0, "", "", "mode monitor");
	ktap_ok(fk->mode == SMTPGUARD_MODE_MONITOR && fk->explicit,
		"MODE_SET reached the fake");
	TOOL("mode", "set", "enforce");
	TOOL("-j", "mode", "show");
	expect(0, "{\"mode\":\"enforce\",\"explicit\":true}\n", "",
	       "mode set enforce, then -j: explicit true");

	fk->fail_cmd = SMTPGUARD_CMD_MODE_SET;
	fk->fail_errno = EPERM;
	TOOL("mode", "off");
	expect(3, "", "Error: Operation not permitted.\n",
	       "no extack message: Error: <strerror>.");
	fk->fail_errno = EINVAL;
	snprintf(fk->fail_msg, sizeof(fk->fail_msg), "mode is out of range.");
	TOOL("mode", "off");
	expect(3, "", "Error: mode is out of range.\n",
	       "an extack message that ends in a period gets no second one");

	fake_reset();
	fk->garble = true;
	TOOL("mode");
	ktap_ok(r.status == 3 && !r.out[0] &&
		strstr(r.err, "reply this tool does not understand"),
		"a malformed reply is an error, exit 3, nothing printed");

	fake_reset();
	snprintf(fk->warn_msg, sizeof(fk->warn_msg), "nothing to change");
	TOOL("mode", "off");
	expect(0, "", "Warning: nothing to change.\n",
	       "an extack message on success is a warning");
}

static void test_stats(void)
{
	static const char plain[] =
		"mode enforce\n"
		"mode_explicit 0\n"
		"allow_entries 1\n"
		"smtp_ports 25,587\n"
		"smtp_inspected 1099511627786\n"
		"smtp_allowed 4\n"
		"smtp_dropped 1099511627776\n"
		"smtp_would_drop 6\n";
	unsigned int sends;

	fake_reset();
	TOOL("allow", "10.0.0.1");
	TOOL("ports", "25", "587");
	fk->inspected = 1099511627786ULL;
	fk->allowed = 4;
	fk->dropped = 1099511627776ULL;
	fk->would_drop = 6;
	TOOL("stats");
	expect(0, plain, "", "stats: the /proc/net/smtpguard lines");
	TOOL("stats", "show");
	expect(0, plain, "", "stats show");
	TOOL("-j", "stats");
	expect(0, "{\"mode\":\"enforce\",\"mode_explicit\":false,\"allow_entries\":1,"
		  "\"smtp_ports\":[25,587],\"smtp_inspected\":1099511627786,"
		  "\"smtp_allowed\":4,\"smtp_dropped\":1099511627776,"
		  "\"smtp_would_drop\":6,\"feeds\":[]}\n", "",
	       "stats -j: same keys, numbers, ports array, boolean, and feeds");

	TOOL("mode", "enforce");
	sends = fk->sends;
	TOOL("stats");
	ktap_ok(r.status == 0 && strstr(r.out, "mode_explicit 1\n") &&
		fk->sends - sends == 2,
		"mode_explicit comes from the STATS_GET reply, no second request");
	TOOL("-j", "stats");
	ktap_ok(r.status == 0 && strstr(r.out, "\"mode_explicit\":true"),
		"stats -j: mode_explicit true after mode set");

	TOOL("stats", "reset");
	expect(0, "", "", "stats reset");
	ktap_ok(fk->inspected == 0 && fk->dropped == 0 &&
		fk->last_cmd == SMTPGUARD_CMD_STATS_RESET,
		"STATS_RESET reached the fake");

	tool_to("/dev/full", (const char *const[]){ "stats", NULL });
	ktap_ok(r.status == 3 && strstr(r.err, "cannot write the output"),
		"stdout that cannot be written is an error, not a silent success");
}

/* ---- the blocklist ---- */

#define AUTO_BLOCK "mode: enforce (switched automatically by the first block entry; SMTP is not inspected until an allow-list is configured; 'smtpguardctl mode monitor' only counts)\n"


/* A file in the test's directory; returns its path (one of 8 buffers). */
static const char *write_file(const char *name, const char *text)
{
	static char paths[8][128];
	static unsigned int next;
	char *path = paths[next++ % 8];
	FILE *f;

	snprintf(path, sizeof(paths[0]), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	return path;
}

static const char *cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case SMTPGUARD_CMD_BLOCK_ADD:		return "ADD";
	case SMTPGUARD_CMD_BLOCK_DEL:		return "DEL";
	case SMTPGUARD_CMD_BLOCK_FLUSH:		return "FLUSH";
	case SMTPGUARD_CMD_BLOCK_GET:		return "GET";
	case SMTPGUARD_CMD_BLOCK_TEST:		return "TEST";
	case SMTPGUARD_CMD_BLOCK_TXN_BEGIN:	return "BEGIN";
	case SMTPGUARD_CMD_BLOCK_TXN_COMMIT:	return "COMMIT";
	case SMTPGUARD_CMD_BLOCK_TXN_ABORT:	return "ABORT";
	case SMTPGUARD_CMD_FEED_GET:		return "FEEDS";
	default:				return "OTHER";
	}
}

/* The requests in order: "BEGIN ADD(1024) ADD(452)! ABORT" ('!': refused). */
static const char *log_text(void)
{
	static char buf[1024];
	size_t o = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < fk->nlog && o < sizeof(buf) - 32; i++) {
		const struct fake_req *l = &fk->log[i];

		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? " " : "",
				      cmd_name(l->cmd));
		if (l->cmd == SMTPGUARD_CMD_BLOCK_ADD)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "(%zu)",
					      l->nprefix);
		if (l->failed)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "!");
	}
	return buf;
}

static bool log_is(const char *want, const char *what)
{
	bool ok = !strcmp(log_text(), want);

	if (!ktap_ok(ok, "%s", what))
		ktap_diag("requests [%s] (want [%s])", log_text(), want);
	return ok;
}

static void test_timeout_parse(void)
{
	static const struct {
		const char *in;
		long want;		/* -1: refused */
	} t[] = {
		{ "1", 1 }, { "90", 90 }, { "90s", 90 }, { "30m", 1800 },
		{ "1h", 3600 }, { "2d", 172800 }, { "30d", 2592000 },
		{ "2592000", 2592000 }, { "720h", 2592000 },
		{ "0", -1 }, { "0h", -1 }, { "31d", -1 }, { "2592001", -1 },
		{ "721h", -1 }, { "99999999999999999999999d", -1 }, { "1w", -1 },
		{ "1hh", -1 }, { "h", -1 }, { "", -1 }, { "-1", -1 },
		{ "1.5h", -1 }, { " 1", -1 }, { "1H", -1 }, { "+5", -1 },
	};
	char err[SG_ERR_LEN];
	size_t i, bad = 0;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t v = 0;
		int ret = sg_parse_timeout(t[i].in, &v, err, sizeof(err));

		if (t[i].want < 0 ? ret != -1 || !err[0] :
		    ret != 0 || v != (uint32_t)t[i].want) {
			ktap_diag("timeout '%s': ret %d, %u, [%s]", t[i].in, ret, v,
				  ret ? err : "");
			bad++;
		}
	}
	ktap_ok(!bad, "timeouts: seconds or s/m/h/d, 1 second to 30d, nothing else");
}

static void test_block_add(void)
{
	const struct fake_req *l;

	fake_reset();
	TOOL("block", "192.0.2.1", "198.51.100.0/24", "192.0.2.1/32");
	expect(0, AUTO_BLOCK, "",
	       "first block: one line says the mode switched, naming the block entry");
	l = &fk->log[0];
	ktap_ok(fk->nlog == 1 && l->cmd == SMTPGUARD_CMD_BLOCK_ADD &&
		l->nprefix == 2 && !l->has_feed && !l->has_timeout && !l->has_txn,
		"BLOCK_ADD: one nest per distinct prefix, no FEED (the kernel's \"manual\"), no TIMEOUT");
	ktap_ok(fk->nblock == 2 && !strcmp(fk->feeds[0], "manual") &&
		fk->block[0].expires == 0,
		"the fake holds 2 permanent entries of feed manual");

	TOOL("block", "add", "203.0.113.0/24", "feed", "spamhaus", "timeout", "1h");
	expect(0, "", "", "block add with feed and timeout: silent");
	l = &fk->log[1];
	ktap_ok(l->has_feed && !strcmp(l->feed, "spamhaus") && l->has_timeout &&
		l->timeout == 3600 && l->nprefix == 1,
		"FEED and TIMEOUT (1h = 3600 s) are in the request");

	TOOL("block", "feed", "spamhaus", "timeout", "90", "2001:db8::/32");
	l = &fk->log[2];
	ktap_ok(r.status == 0 && l->timeout == 90 && !strcmp(l->feed, "spamhaus"),
		"block feed NAME timeout N ADDR: the words may come first");

	TOOL("-j", "block", "add", "10.0.0.0/8", "timeout", "2d");
	expect(0, "{\"mode\":\"enforce\",\"block_entries\":5,\"mode_auto\":false}\n",
	       "", "block add -j: mode, block_entries, mode_auto");
	ktap_ok(fk->log[3].timeout == 172800, "timeout 2d is 172800 seconds");

	fk->fail_cmd = SMTPGUARD_CMD_BLOCK_ADD;
	fk->fail_errno = ENOSPC;
	snprintf(fk->fail_msg, sizeof(fk->fail_msg), "blocklist is full (4194304 entries)");
	TOOL("block", "10.1.0.0/16");
	expect(3, "", "Error: blocklist is full (4194304 entries).\n",
	       "a refused block add: exit 3, the extack message");

	fake_reset();
	TOOL("block", "add", "10.0.0.1", "timeout", "0");
	ktap_ok(r.status == 2 && fk->opens == 0 && fk->sends == 0,
		"timeout 0: exit 2 before a socket is opened");
	TOOL("block", "del", "10.0.0.1", "feed", "bad/name");
	ktap_ok(r.status == 2 && fk->opens == 0,
		"a bad feed name: exit 2 before a socket is opened");
}

/* Three entries of two feeds, the mode set, TZ 2 hours east of UTC. */
static void block_fixture(void)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	fake_reset();
	fk->explicit = true;
	fk->mode = SMTPGUARD_MODE_ENFORCE;
	snprintf(fk->feeds[0], sizeof(fk->feeds[0]), "drop");
	snprintf(fk->feeds[1], sizeof(fk->feeds[1]), "manual");
	fk->block[0] = (struct fake_entry){
		.p = { AF_INET, 24, { 192, 0, 2, 0 } }, .feeds = 3, .hits = 42,
		.last_hit = 1700000000,
	};
	fk->block[1] = (struct fake_entry){
		.p = { AF_INET, 32, { 198, 51, 100, 7 } }, .feeds = 2,
		.expires = 9045,
	};
	fk->block[2] = (struct fake_entry){
		.p = { AF_INET6, 32, { 0 } }, .feeds = 1, .hits = 3,
		.last_hit = 1700003600, .expires = 90061,
	};
	memcpy(fk->block[2].p.addr, v6, 16);
	fk->nblock = 3;
}

#define LINE0 "192.0.2.0/24 feeds drop,manual hits 42 last_hit 2023-11-15 00:13:20 expires never\n"
#define LINE1 "198.51.100.7 feeds manual:2h30m45s hits 0 last_hit never expires 2h30m45s\n"
#define LINE2 "2001:db8::/32 feeds drop:1d1h1m1s hits 3 last_hit 2023-11-15 01:13:20 expires 1d1h1m1s\n"
#define JSON0 "{\"prefix\":\"192.0.2.0/24\",\"family\":\"inet\",\"address\":\"192.0.2.0\",\"prefixlen\":24,\"feeds\":[\"drop\",\"manual\"],\"listings\":[{\"feed\":\"drop\"},{\"feed\":\"manual\"}],\"hits\":42,\"last_hit\":\"2023-11-15T00:13:20+02:00\"}"
#define JSON1 "{\"prefix\":\"198.51.100.7\",\"family\":\"inet\",\"address\":\"198.51.100.7\",\"prefixlen\":32,\"feeds\":[\"manual\"],\"listings\":[{\"feed\":\"manual\",\"expires\":9045}],\"hits\":0,\"expires\":9045}"
#define JSON2 "{\"prefix\":\"2001:db8::/32\",\"family\":\"inet6\",\"address\":\"2001:db8::\",\"prefixlen\":32,\"feeds\":[\"drop\"],\"listings\":[{\"feed\":\"drop\",\"expires\":90061}],\"hits\":3,\"last_hit\":\"2023-11-15T01:13:20+02:00\",\"expires\":90061}"

/* Sanitizers slow it tenfold; run.h's alarm allows 20 seconds. */
#ifdef __SANITIZE_ADDRESS__
#define BIG_LIST	100000
#else
#define BIG_LIST	1000000
#endif

static void test_block_list(void)
{
	char path[128], line[256];
	struct timespec t0, t1;
	size_t lines = 0;
	double secs;
	FILE *f;

	block_fixture();
	TOOL("block", "list");
	expect(0, LINE0 LINE1 LINE2, "",
	       "block list: prefix, feeds, hits, last hit in local time, time left");
	ktap_ok((fk->last_flags & NLM_F_DUMP) && fk->last_cmd == SMTPGUARD_CMD_BLOCK_GET &&
		!fk->log[0].has_feed, "block list is a BLOCK_GET dump without FEED");
	TOOL("block");
	expect(0, LINE0 LINE1 LINE2, "", "block alone lists");
	TOOL("block", "show", "feed", "drop");
	expect(0, LINE0 LINE2, "", "block show feed drop: that feed's entries");
	ktap_ok(fk->log[2].has_feed && !strcmp(fk->log[2].feed, "drop"),
		"block show feed NAME sends FEED");
	TOOL("-j", "block", "list");
	expect(0, "[" JSON0 "," JSON1 "," JSON2 "]\n", "",
	       "block list -j: last_hit RFC 3339 with the local offset, expires in seconds, absent when never");
	TOOL("block", "list", "feed", "nosuch");
	expect(0, "", "", "block list of an unknown feed: nothing, as the kernel lists it");
	fk->fail_cmd = SMTPGUARD_CMD_BLOCK_GET;
	fk->fail_errno = EPERM;
	TOOL("-j", "block", "list");
	expect(3, "", "Error: Operation not permitted.\n",
	       "a block dump refused at once prints no \"[]\" that looks like an empty list");
	fk->fail_cmd = 0;

	fk->hide_traffic = true;
	TOOL("block", "list");
	expect(0, "192.0.2.0/24 feeds drop,manual hits - last_hit - expires never\n"
	       "198.51.100.7 feeds manual:2h30m45s hits - last_hit - expires 2h30m45s\n"
	       "2001:db8::/32 feeds drop:1d1h1m1s hits - last_hit - expires 1d1h1m1s\n", "",
	       "block list without CAP_NET_ADMIN: the kernel sends no hits, the tool shows '-'");
	TOOL("-j", "block", "test", "192.0.2.1");
	expect(0, "{\"address\":\"192.0.2.1\",\"blocked\":true,\"listed\":true,\"entry\":{\"prefix\":\"192.0.2.0/24\",\"family\":\"inet\",\"address\":\"192.0.2.0\",\"prefixlen\":24,\"feeds\":[\"drop\",\"manual\"],\"listings\":[{\"feed\":\"drop\"},{\"feed\":\"manual\"}],\"hits\":null,\"last_hit\":null}}\n",
	       "", "block test -j without CAP_NET_ADMIN: hits and last_hit null");
	TOOL("block", "test", "192.0.2.1");
	expect(0, "192.0.2.1 is blocked by 192.0.2.0/24 (feeds drop,manual)\n", "",
	       "block test without CAP_NET_ADMIN: no hits");
	fk->hide_traffic = false;

	/* Each listing its own timeout: manual's runs out, drop's stays. */
	fk->block[0].expires = 60;
	fk->block[0].permanent = 1;
	TOOL("block", "list", "feed", "manual");
	expect(0, "192.0.2.0/24 feeds drop,manual:1m hits 42 last_hit 2023-11-15 00:13:20 expires never\n"
	       LINE1, "", "block list: a timed listing beside a permanent one, the entry never expires");
	fk->block[0].expires = 0;
	fk->block[0].permanent = 0;

	fk->intr_from = 2;
	TOOL("-j", "block", "list");
	expect(3, "[" JSON0 "]\n",
	       "smtpguardctl: the set changed during the listing; run again for a consistent view\n",
	       "NLM_F_DUMP_INTR: exit 3, what came before it, valid JSON, run again");
	fk->intr_from = 0;

	fake_reset();
	TOOL("block", "list");
	expect(0, "", "", "empty blocklist: no output");
	TOOL("-j", "block", "list");
	expect(0, "[]\n", "", "empty blocklist -j: []");

	/* A million entries, through datagrams as full as the kernel's. */
	fake_reset();
	fk->synth = BIG_LIST;
	snprintf(path, sizeof(path), "%s", write_file("list.out", ""));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tool_to(path, (const char *const[]){ "block", "list", NULL });
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	f = fopen(path, "r");
	if (f && fgets(line, sizeof(line), f)) {
		lines = 1;
		if (strcmp(line, "10.0.0.0 feeds drop hits 0 last_hit never expires never\n"))
			lines = 0;
		while (lines && fgets(line, sizeof(line), f))
			lines++;
	}
	if (f)
		fclose(f);
	unlink(path);
	ktap_ok(r.status == 0 && lines == BIG_LIST,
		"block list of %d entries: every line (%.2f s)", BIG_LIST, secs);
	ktap_ok(fk->dump_rx_min >= 32768,
		"dumps are received into a 32 KiB buffer, the kernel's largest dump datagram (%zu)",
		fk->dump_rx_min);
}

static void test_block_feeds_test(void)
{
	unsigned int sends;

	block_fixture();
	TOOL("block", "feeds");
	expect(0, "drop 2 action enforce direction both dropped 0 would_drop 0\n"
	       "manual 2 action enforce direction both dropped 0 would_drop 0\n", "",
	       "block feeds: name, entry count, action, direction, counters");
	ktap_ok((fk->last_flags & NLM_F_DUMP) && fk->last_cmd == SMTPGUARD_CMD_FEED_GET,
		"block feeds is a FEED_GET dump");
	TOOL("-j", "block", "feeds");
	expect(0, "[{\"feed\":\"drop\",\"entries\":2,\"action\":\"enforce\",\"direction\":\"both\",\"dropped\":0,\"would_drop\":0},"
	       "{\"feed\":\"manual\",\"entries\":2,\"action\":\"enforce\",\"direction\":\"both\",\"dropped\":0,\"would_drop\":0}]\n",
	       "", "block feeds -j");

	TOOL("block", "test", "192.0.2.77");
	expect(0, "192.0.2.77 is blocked by 192.0.2.0/24 (feeds drop,manual; hits 42)\n",
	       "", "block test of a covered address: exit 0, the entry");
	ktap_ok(fk->log[2].cmd == SMTPGUARD_CMD_BLOCK_TEST && fk->log[2].nprefix == 1 &&
		!(fk->last_flags & NLM_F_DUMP),
		"BLOCK_TEST carries one full-length prefix");
	/* A feed's action and direction: FEED_SET, shown by block feeds. */
	TOOL("block", "feed", "drop", "action", "monitor", "direction", "out");
	ktap_ok(r.status == 0 && fk->last_cmd == SMTPGUARD_CMD_FEED_SET &&
		fk->feed_action[feed_index("drop", false)] == SMTPGUARD_ACTION_MONITOR &&
		fk->feed_dir[feed_index("drop", false)] == SMTPGUARD_DIRECTION_OUT,
		"block feed NAME action monitor direction out: one FEED_SET");
	fk->feed_dropped[feed_index("drop", false)] = 7;
	TOOL("block", "feeds");
	expect(0, "drop 2 action monitor direction out dropped 7 would_drop 0\n"
	       "manual 2 action enforce direction both dropped 0 would_drop 0\n", "",
	       "block feeds shows the setting and the counters");
	TOOL("block", "feed", "drop", "action", "drop");
	expect(2, "", "smtpguardctl: block: feed drop: 'drop' is not an action (enforce, monitor)\n",
	       "block feed NAME action WORD: an unknown action, exit 2");
	TOOL("block", "feed", "drop", "direction", "in", "direction", "out");
	expect(2, "", "smtpguardctl: block: feed drop: direction given twice\n",
	       "block feed: a word given twice, exit 2");
	TOOL("save");
	ktap_ok(r.status == 0 && strstr(r.out, "\nfeed drop action monitor direction out\n"),
		"save writes the feed's action and direction");
	TOOL("block", "feed", "drop", "action", "enforce", "direction", "both");
	fk->feed_dropped[feed_index("drop", false)] = 0;
	TOOL("block", "test", "2001:DB8::1");
	expect(0, "2001:db8::1 is blocked by 2001:db8::/32 (feeds drop; hits 3)\n",
	       "", "block test IPv6");
	TOOL("block", "test", "203.0.113.1");
	expect(1, "203.0.113.1 is not blocked\n", "",
	       "block test of an address no entry covers: exit 1");
	TOOL("-j", "block", "test", "203.0.113.1");
	expect(1, "{\"address\":\"203.0.113.1\",\"blocked\":false,\"listed\":false}\n", "",
	       "block test -j, not blocked: exit 1");
	/* An exception beats every feed: listed and excepted is exit 1. */
	fk->has_except = true;
	{
		char e[SG_ERR_LEN];

		sg_parse_prefix("192.0.2.0/28", &fk->except, e, sizeof(e));
	}
	TOOL("block", "test", "192.0.2.1");
	expect(1, "192.0.2.1 is not blocked: listed by feed drop,manual (192.0.2.0/24) but excepted by 192.0.2.0/28\n",
	       "", "block test, listed but excepted: the feed, the exception, exit 1");
	TOOL("-j", "block", "test", "192.0.2.1");
	ktap_ok(r.status == 1 && strstr(r.out, "\"blocked\":false,\"listed\":true,\"excepted_by\":\"192.0.2.0/28\""),
		"block test -j, listed but excepted: blocked false, listed true, excepted_by");
	TOOL("block", "test", "192.0.2.200");
	expect(0, "192.0.2.200 is blocked by 192.0.2.0/24 (feeds drop,manual; hits 42)\n",
	       "", "block test beside the exception: blocked, exit 0");
	{
		char e[SG_ERR_LEN];

		sg_parse_prefix("203.0.113.0/24", &fk->except, e, sizeof(e));
	}
	TOOL("block", "test", "203.0.113.1");
	expect(1, "203.0.113.1 is not blocked (excepted by 203.0.113.0/24)\n", "",
	       "block test, not listed but excepted: says so, exit 1");
	fk->has_except = false;
	TOOL("-j", "block", "test", "198.51.100.7");
	expect(0, "{\"address\":\"198.51.100.7\",\"blocked\":true,\"listed\":true,\"entry\":" JSON1 "}\n",
	       "", "block test -j, blocked: the entry as block list -j shows it");
	fk->fail_cmd = SMTPGUARD_CMD_BLOCK_TEST;
	fk->fail_errno = EINVAL;
	TOOL("block", "test", "192.0.2.1");
	expect(3, "", "Error: Invalid argument.\n",
	       "block test refused by the kernel: exit 3, not 1");
	fk->fail_cmd = 0;
	sends = fk->sends;
	TOOL("block", "test", "192.0.2.0/24");
	ktap_ok(r.status == 2 && fk->sends == sends, "block test ADDR/LEN: exit 2, nothing sent");
}

static void test_block_del_flush(void)
{
	block_fixture();
	TOOL("block", "del", "198.51.100.7", "feed", "manual");
	expect(0, "", "", "block del ADDR feed NAME");
	ktap_ok(fk->nblock == 2 && fk->log[0].has_feed && fk->log[0].nprefix == 1,
		"BLOCK_DEL with FEED removed the entry only manual listed");
	TOOL("block", "delete", "192.0.2.0/24", "2001:db8::/32");
	expect(0, "", "", "block delete without a feed");
	ktap_ok(fk->nblock == 0 && !fk->log[1].has_feed && fk->log[1].nprefix == 2,
		"BLOCK_DEL without FEED: gone from every feed");
	TOOL("block", "del", "203.0.113.0/24");
	expect(3, "", "Error: prefix is not in the blocklist.\n",
	       "block del of an absent prefix: exit 3, the extack message");

	block_fixture();
	TOOL("block", "flush", "feed", "drop");
	expect(0, "", "", "block flush feed drop");
	ktap_ok(fk->nblock == 2 && fk->log[0].has_feed && !strcmp(fk->log[0].feed, "drop"),
		"BLOCK_FLUSH with FEED: that feed only");
	TOOL("block", "flush", "feed", "drop");
	expect(3, "", "Error: no such feed.\n", "flush of an unknown feed: exit 3");
	TOOL("block", "flush");
	expect(0, "", "", "block flush");
	ktap_ok(fk->nblock == 0 && !fk->log[2].has_feed, "BLOCK_FLUSH without FEED: everything");
}

/* 2500 distinct /24s, backwards, with a duplicate, comments and blanks. */
static const char *big_feed(const char *name)
{
	static char text[2600 * 32];
	size_t o = 0;
	int i;

	o += (size_t)snprintf(text + o, sizeof(text) - o, "; a DROP-style header\n\n");
	for (i = 2499; i >= 0; i--)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "45.%d.%d.0/24 ; SBL%d\n",
				      i / 256, i % 256, i);
	snprintf(text + o, sizeof(text) - o, "45.0.7.0/24\n");
	return write_file(name, text);
}

static void test_block_load(void)
{
	char want[512];
	const char *big, *small, *mixed, *bad, *empty;
	unsigned int i;
	bool ok;

	big = big_feed("drop.txt");
	small = write_file("small.list", "192.0.2.0/24\n198.51.100.0/24\n203.0.113.9\n");
	mixed = write_file("mixed.txt", "# three\n192.0.2.0/24\n198.51.100.1\n2001:db8::/32\n");
	bad = write_file("bad.txt", "192.0.2.0/24\n198.51.100.1\n10.0.0.256\n");
	empty = write_file("empty.txt", "# nothing yet\n\n");

	fake_reset();
	fk->explicit = true;
	TOOL("block", "load", big);
	expect(0, "feed drop: added 2500 entries\n", "",
	       "block load FILE: one summary line, feed named after the file");
	log_is("BEGIN ADD(1024) ADD(1024) ADD(452) COMMIT",
	       "TXN_BEGIN, BLOCK_ADD chunks of at most 1024 prefixes, TXN_COMMIT");
	ok = fk->log[0].has_feed && !strcmp(fk->log[0].feed, "drop") &&
	     !fk->log[0].replace && fk->log[4].has_txn && fk->log[4].txn == FAKE_TXN_ID;
	for (i = 1; i <= 3; i++)
		ok = ok && fk->log[i].has_txn && fk->log[i].txn == FAKE_TXN_ID &&
		     !fk->log[i].has_feed && !fk->log[i].has_timeout &&
		     fk->log[i].len < 48 * 1024;
	ktap_ok(ok, "BEGIN has FEED, no REPLACE; every chunk and the commit carry the TXN_ID only, each under 48 KiB");
	ktap_ok(!fk->staged_unsorted && fk->nblock == 2500,
		"the prefixes arrive sorted and distinct across chunks; 2500 entries committed");

	fk->nlog = 0;
	TOOL("block", "load", "--replace", "--feed", "drop", small);
	expect(0, "feed drop: replaced with 3 entries\n", "", "block load --replace --feed");
	ktap_ok(fk->log[0].replace && !strcmp(fk->log[0].feed, "drop") && fk->nblock == 3,
		"TXN_BEGIN carries REPLACE; the feed is now exactly the file");

	fk->nlog = 0;
	TOOL("block", "load", "--feed=spamhaus-drop", small, "--replace");
	ktap_ok(r.status == 0 && !strcmp(fk->log[0].feed, "spamhaus-drop") &&
		fk->log[0].replace, "--feed=NAME, options after FILE");

	fk->nlog = 0;
	tool_io(small, NULL, (const char *const[]){ "block", "load", "--feed", "from-stdin", "-", NULL });
	expect(0, "feed from-stdin: added 3 entries\n", "", "block load - reads stdin");
	tool_io(small, NULL, (const char *const[]){ "block", "load", "--feed", "stdin2", NULL });
	expect(0, "feed stdin2: added 3 entries\n", "",
	       "block load without FILE, stdin a file: reads stdin (as 'block load - <FILE')");

	/* Failures: TXN_ABORT with the same id, nothing committed. */
	fake_reset();
	fk->explicit = true;
	fk->fail_cmd = SMTPGUARD_CMD_BLOCK_ADD;
	fk->fail_skip = 1;
	fk->fail_errno = ENOSPC;
	snprintf(fk->fail_msg, sizeof(fk->fail_msg), "blocklist is full");
	TOOL("block", "load", big);
	expect(3, "", "Error: blocklist is full.\n",
	       "a refused chunk: exit 3 with the kernel's message, no summary");
	log_is("BEGIN ADD(1024) ADD(1024)! ABORT", "a refused chunk is followed by TXN_ABORT");
	ktap_ok(fk->log[3].txn == FAKE_TXN_ID && !fk->txn_open && fk->nblock == 0,
		"the abort names the transaction; nothing was committed");

	fake_reset();
	fk->explicit = true;
	fk->fail_cmd = SMTPGUARD_CMD_BLOCK_TXN_COMMIT;
	fk->fail_errno = ENOMEM;
	TOOL("block", "load", small);
	expect(3, "", "Error: Cannot allocate memory.\n", "a refused commit: exit 3");
	log_is("BEGIN ADD(3) COMMIT! ABORT", "a refused commit is followed by TXN_ABORT");

	fake_reset();
	fk->fail_cmd = SMTPGUARD_CMD_BLOCK_TXN_BEGIN;
	fk->fail_errno = EPERM;
	TOOL("block", "load", small);
	expect(3, "", "Error: Operation not permitted.\n", "a refused begin: exit 3");
	log_is("BEGIN!", "nothing follows a refused begin");

	fake_reset();
	fk->explicit = true;
	fk->fail_cmd = SMTPGUARD_CMD_BLOCK_ADD;
	fk->fail_errno = EINVAL;
	snprintf(fk->fail_msg, sizeof(fk->fail_msg), "prefix has host bits set");
	fk->txn_id = 0;
	TOOL("block", "load", small);
	fk->txn_open = false;	/* what a kernel that ends it on error leaves */
	expect(3, "", "Error: prefix has host bits set.\n",
	       "an abort that fails too adds no second error line");

	/* Bad input: exit 2 before any socket exists. */
	fake_reset();
	TOOL("block", "load", bad);
	snprintf(want, sizeof(want), "smtpguardctl: %s:3: ", bad);
	ktap_ok(r.status == 2 && !r.out[0] && !strncmp(r.err, want, strlen(want)) &&
		strstr(r.err, "10.0.0.256") && !strchr(r.err, '\n')[1] &&
		fk->opens == 0 && fk->sends == 0,
		"a malformed line: exit 2, \"FILE:LINE: reason\", no socket");
	if (r.status != 2 || strncmp(r.err, want, strlen(want)))
		ktap_diag("exit %d, stderr [%s]", r.status, r.err);

	/* An admin's pasted list: two per line, a typo, a RIPE range. */
	TOOL("block", "load", write_file("office.txt",
					 "45.9.148.1 185.220.101.5\n"
					 "1.2.3.0 - 1.2.3.255\n"
					 "1.2.3.0/24 1.2.4.0/24\n"
					 "203.0.113.300\n"));
	ktap_ok(r.status == 2 && !r.out[0] && fk->opens == 0 && fk->sends == 0 &&
		strstr(r.err, "office.txt:1: '45.9.148.1' and '185.220.101.5': two addresses on one line") &&
		strstr(r.err, "office.txt:3: '1.2.3.0/24' and '1.2.4.0/24': two addresses on one line") &&
		strstr(r.err, "office.txt:4: '203.0.113.300' is not a valid IPv4 address") &&
		!strstr(r.err, "office.txt:2:"),
		"every malformed line is named, two addresses on a line among them; nothing sent");
	if (r.status != 2)
		ktap_diag("exit %d, stderr [%s]", r.status, r.err);
	fake_reset();
	fk->explicit = true;
	TOOL("block", "load", write_file("level1.txt",
					 "10.0.0.0/8\n224.0.0.0/3\n198.51.100.0/24\n"));
	ktap_ok(r.status == 0 && strstr(r.out, "added 3 entries") &&
		strstr(r.err, "warning: ") &&
		strstr(r.err, "level1.txt:1: 10.0.0.0/8 overlaps 10.0.0.0/8, private space (RFC 1918)") &&
		strstr(r.err, "level1.txt:2: 224.0.0.0/3 is wider than a /8") &&
		strstr(r.err, "1 wide entry kept; --allow-wide"),
		"special-purpose and wide entries load with a warning naming each line");
	if (r.status)
		ktap_diag("exit %d, stdout [%s] stderr [%s]", r.status, r.out, r.err);
	fake_reset();
	fk->explicit = true;
	TOOL("block", "load", "--allow-wide", write_file("level1.txt",
							 "224.0.0.0/3\n"));
	ktap_ok(r.status == 0 && strstr(r.err, "multicast space") &&
		!strstr(r.err, "wider") && !strstr(r.err, "--allow-wide"),
		"--allow-wide: the wide entry passes quietly, special space still warns");

	fake_reset();
	fk->explicit = true;
	TOOL("block", "load", "--skip-bad", bad);
	snprintf(want, sizeof(want), "smtpguardctl: skipped 1 malformed line of %s; the first: %s:3: ",
		 bad, bad);
	ktap_ok(r.status == 0 && !strcmp(r.out, "feed bad: added 2 entries\n") &&
		!strncmp(r.err, want, strlen(want)) && !strchr(r.err, '\n')[1] &&
		fk->nblock == 2,
		"--skip-bad: one line counts the skipped lines and names the first, the rest loads");
	if (r.status)
		ktap_diag("exit %d, stdout [%s] stderr [%s]", r.status, r.out, r.err);

	fake_reset();
	TOOL("block", "load", "--dry-run", big);
	snprintf(want, sizeof(want),
		 "%s: 2500 entries (2500 IPv4, 0 IPv6), covering 640000 IPv4 and 0 IPv6 addresses\n"
		 "  2503 lines: 0 ranges split into prefixes; merged 1 duplicate and 0 entries inside a wider one; 0 malformed lines skipped; 0 special-purpose and 0 wide entries\n",
		 big);
	expect(0, want, "", "--dry-run: entries per family and the addresses covered");
	ktap_ok(fk->opens == 0 && fk->sends == 0, "--dry-run opens no socket");
	TOOL("-n", "sg-test-no-such-ns", "block", "load", "--dry-run", mixed);
	snprintf(want, sizeof(want),
		 "%s: 3 entries (2 IPv4, 1 IPv6), covering 257 IPv4 and 79228162514264337593543950336 IPv6 addresses\n"
		 "  4 lines: 0 ranges split into prefixes; merged 0 duplicates and 0 entries inside a wider one; 0 malformed lines skipped; 0 special-purpose and 0 wide entries\n",
		 mixed);
	expect(0, want, "", "--dry-run enters no namespace; IPv6 counts past 64 bits");
	TOOL("-j", "block", "load", "--dry-run", mixed);
	snprintf(want, sizeof(want),
		 "{\"file\":\"%s\",\"feed\":\"mixed\",\"entries\":3,\"ipv4\":2,\"ipv6\":1,"
		 "\"ipv4_addresses\":257,\"ipv6_addresses\":\"79228162514264337593543950336\","
		 "\"lines\":4,\"ranges\":0,\"duplicates\":0,\"overlaps\":0,\"skipped\":0,"
		 "\"special\":0,\"wide\":0}\n", mixed);
	expect(0, want, "", "--dry-run -j: the IPv6 count is a decimal string");
	ktap_ok(fk->opens == 0, "still no socket");

	TOOL("block", "load", empty);
	snprintf(want, sizeof(want),
		 "smtpguardctl: %s: no entries to load (to empty a feed: smtpguardctl block flush feed empty)\n",
		 empty);
	expect(2, "", want, "a file without entries is refused, never an empty replace");
	snprintf(want, sizeof(want), "%s/nope.txt", tmpdir);
	TOOL("block", "load", want);
	ktap_ok(r.status == 2 && strstr(r.err, "nope.txt: No such file or directory") &&
		fk->opens == 0, "a missing file: exit 2, the file and strerror");
	TOOL("block", "load", "-");
	ktap_ok(r.status == 2 && strstr(r.err, "reading stdin needs --feed NAME") &&
		fk->opens == 0, "load - without --feed: exit 2");

	/* The first load in a fresh namespace switches it to enforce. */
	fake_reset();
	TOOL("block", "load", mixed);
	expect(0, "feed mixed: added 3 entries\n" AUTO_BLOCK, "",
	       "a load whose commit switched the mode: the summary, then the mode line");
	fake_reset();
	TOOL("-j", "block", "load", mixed);
	expect(0, "{\"feed\":\"mixed\",\"replace\":false,\"entries\":3,\"mode\":\"enforce\","
		  "\"block_entries\":3,\"mode_auto\":true}\n", "", "block load -j");
}

/* As write_file(), len bytes: a NUL included. */
static const char *write_bytes(const char *name, const char *text, size_t len)
{
	const char *path = write_file(name, "");
	FILE *f = fopen(path, "w");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	return path;
}

/* n distinct addresses 10.A.B.C, one a line, backwards; a comment, a blank. */
static const char *addr_file(const char *name, unsigned int n)
{
	static char text[4096 * 20];
	size_t o = 0;
	unsigned int i;

	o += (size_t)snprintf(text + o, sizeof(text) - o, "# %u addresses\n\n", n);
	for (i = n; i-- > 0;)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "10.%u.%u.%u%s",
				      i >> 16, (i >> 8) & 255, i & 255,
				      i % 3 ? "\n" : " \t");
	snprintf(text + o, sizeof(text) - o, "\n");
	return write_file(name, text);
}

#define TOOL_IN(in, ...) tool_io(in, NULL, (const char *const[]){ __VA_ARGS__, NULL })

static void test_block_stdin(void)
{
	const char *three, *big, *bad, *nul, *none;
	struct sg_prefix p[8];
	bool ok;

	three = write_file("three.txt", "# from a script\n192.0.2.1 198.51.100.0/24\n\n  2001:db8::/32 # a comment 10.0.0.256\n192.0.2.1\n");
	big = addr_file("big.txt", 3000);
	bad = write_file("badword.txt", "192.0.2.1\n198.51.100.0/24 # fine\n\n  192.0.2.2 foo 192.0.2.3\n");
	nul = write_bytes("nul.txt", "192.0.2.1\n192.0.2.2\0\n", 21);
	none = write_file("none.txt", "# nothing\n\n");

	fake_reset();
	fk->explicit = true;
	TOOL_IN(three, "block", "add", "-");
	expect(0, "", "", "block add -: the addresses of stdin, silent as block add");
	log_is("ADD(3)", "one BLOCK_ADD of the 3 distinct prefixes (comments, blanks, a duplicate)");
	ok = last_prefixes(p) == 3 && !fk->log[0].has_feed && !fk->log[0].has_timeout &&
	     !fk->log[0].has_txn && fk->nblock == 3;
	ktap_ok(ok, "no FEED, no TIMEOUT, no TXN_ID; 3 entries in the blocklist");

	fk->nlog = 0;
	TOOL_IN(three, "block", "add", "feed", "scripted", "-", "timeout", "1h");
	log_is("ADD(3)", "block add feed NAME - timeout T: one request");
	ktap_ok(r.status == 0 && fk->log[0].has_feed &&
		!strcmp(fk->log[0].feed, "scripted") && fk->log[0].has_timeout &&
		fk->log[0].timeout == 3600,
		"feed and timeout of the command line apply to every address of stdin");

	fk->nlog = 0;
	TOOL_IN(three, "block", "-");
	ktap_ok(r.status == 0 && fk->nlog == 1 &&
		fk->log[0].cmd == SMTPGUARD_CMD_BLOCK_ADD,
		"block - (add left out) adds too");

	fk->nlog = 0;
	TOOL_IN(three, "block", "del", "-", "feed", "scripted");
	expect(0, "", "", "block del - feed NAME");
	ktap_ok(fk->nlog == 1 && fk->log[0].cmd == SMTPGUARD_CMD_BLOCK_DEL &&
		fk->log[0].nprefix == 3 && !strcmp(fk->log[0].feed, "scripted"),
		"one BLOCK_DEL of the 3 prefixes, with FEED");

	/* More than one request holds: one transaction, all or nothing. */
	fake_reset();
	fk->explicit = true;
	TOOL_IN(big, "block", "add", "-");
	expect(0, "", "", "block add - of 3000 addresses: silent");
	log_is("BEGIN ADD(1024) ADD(1024) ADD(952) COMMIT",
	       "3000 addresses: TXN_BEGIN, chunks of at most 1024, TXN_COMMIT");
	ktap_ok(fk->log[0].has_feed && !strcmp(fk->log[0].feed, "manual") &&
		!fk->log[0].replace && fk->nblock == 3000 && !fk->staged_unsorted,
		"the transaction is on feed manual (the kernel's default), not a replace; sorted; 3000 entries");

	fake_reset();
	fk->explicit = true;
	tool_io(big, NULL, (const char *const[]){ "-j", "block", "add", "-", "feed", "bulk", NULL });
	ktap_ok(r.status == 0 && !strcmp(fk->log[0].feed, "bulk") &&
		!strcmp(r.out, "{\"mode\":\"off\",\"block_entries\":3000,\"mode_auto\":false}\n"),
		"-j block add - feed NAME: the transaction on NAME, the JSON of a block add");
	if (r.status || strcmp(r.out, "{\"mode\":\"off\",\"block_entries\":3000,\"mode_auto\":false}\n"))
		ktap_diag("exit %d, stdout [%s], stderr [%s]", r.status, r.out, r.err);

	fake_reset();
	fk->explicit = true;
	fk->fail_cmd = SMTPGUARD_CMD_BLOCK_ADD;
	fk->fail_skip = 1;
	fk->fail_errno = ENOSPC;
	snprintf(fk->fail_msg, sizeof(fk->fail_msg), "blocklist is full");
	TOOL_IN(big, "block", "add", "-");
	expect(3, "", "Error: blocklist is full.\n", "a refused chunk: exit 3");
	log_is("BEGIN ADD(1024) ADD(1024)! ABORT", "...then TXN_ABORT");
	ktap_ok(fk->nblock == 0, "nothing of the 3000 was added");

	/* Refused before any socket: nothing changes. */
	fake_reset();
	TOOL_IN(big, "block", "add", "-", "timeout", "1h");
	expect(2, "", "smtpguardctl: block: add: 3000 prefixes from stdin with a timeout: at most 1024 go in one request, and the transaction that takes more has no timeout; split them, or leave timeout out\n",
	       "block add - timeout with more than 1024: exit 2");
	ktap_ok(fk->opens == 0 && fk->sends == 0, "...before a socket is opened");
	TOOL_IN(big, "block", "del", "-");
	expect(2, "", "smtpguardctl: block: del: 3000 prefixes from stdin: at most 1024 go in one request, and a delete has no transaction to keep more all or nothing; split them ('block del' lines for -batch)\n",
	       "block del - with more than 1024: exit 2");
	TOOL_IN(bad, "block", "add", "-");
	expect(2, "", "smtpguardctl: stdin:4: 'foo' is not an IPv4 or IPv6 address (names are not resolved)\n",
	       "a bad word: stdin:LINE and the word, as the command line says it");
	ktap_ok(fk->opens == 0 && fk->sends == 0 && fk->nblock == 0,
		"a bad word: no socket, nothing added");
	TOOL_IN(bad, "block", "del", "-");
	ktap_ok(r.status == 2 && strstr(r.err, "stdin:4: 'foo'") && fk->opens == 0,
		"block del -: the same");
	TOOL_IN(nul, "block", "add", "-");
	ktap_ok(r.status == 2 && !strcmp(r.err, "smtpguardctl: stdin:2: a NUL byte\n") &&
		fk->opens == 0, "a NUL byte: refused, with its line");
	TOOL_IN(none, "block", "add", "-");
	expect(2, "", "smtpguardctl: stdin: no addresses (ADDR[/LEN]..., separated by blanks or newlines)\n",
	       "no address on stdin: exit 2");
	TOOL_IN(three, "block", "add", "-", "192.0.2.9");
	expect(2, "", "smtpguardctl: block: add: '192.0.2.9' and '-': with '-' the addresses come from standard input only\n",
	       "addresses on the command line and '-': exit 2");
	TOOL_IN(three, "block", "add", "-", "-");
	expect(2, "", "smtpguardctl: block: add: '-' given twice\n", "'-' twice: exit 2");
	TOOL_IN(three, "block", "del", "-", "timeout", "1h");
	expect(2, "", "smtpguardctl: block: del: timeout is only for add\n",
	       "block del - timeout: exit 2, as on the command line");
	TOOL_IN(three, "block", "add", "-", "feed", "bad/name");
	ktap_ok(r.status == 2 && strstr(r.err, "'bad/name' is not a feed name") &&
		fk->opens == 0 && fk->sends == 0,
		"block add - feed BAD: exit 2, no socket");
}

static void test_batch(void)
{
	const char *b, *stop, *parse, *neg, *in, *nested, *nul;
	char want[1024];

	static const char batch[] = "# a batch\n\n"
		"block add 192.0.2.1\n"
		"  block add 192.0.2.2 feed x   # the rest is a comment\n"
		"\tblock del 192.0.2.1\n"
		"block test 192.0.2.2\n";

	b = write_file("batch.txt", batch);
	fake_reset();
	fk->explicit = true;
	TOOL("-batch", b);
	expect(0, "192.0.2.2 is blocked by 192.0.2.2 (feeds x; hits 0)\n", "",
	       "-batch FILE: every line run, blank lines and comments skipped");
	log_is("ADD(1) ADD(1) DEL TEST", "the lines' requests, in order");
	ktap_ok(fk->opens == 1 && fk->nblock == 1,
		"one socket for the whole batch; the changes applied");

	fake_reset();
	fk->explicit = true;
	TOOL("-b", b);
	ktap_ok(r.status == 0 && fk->opens == 1 && fk->nlog == 4, "-b FILE");
	fake_reset();
	fk->explicit = true;
	TOOL("--batch", b);
	ktap_ok(r.status == 0 && fk->nlog == 4, "--batch FILE");
	fake_reset();
	fk->explicit = true;
	snprintf(want, sizeof(want), "--batch=%s", b);
	TOOL(want);
	ktap_ok(r.status == 0 && fk->nlog == 4, "--batch=FILE");

	fake_reset();
	fk->explicit = true;
	TOOL("-j", "-batch", b);
	expect(0, "{\"mode\":\"off\",\"block_entries\":1,\"mode_auto\":false}\n"
	       "{\"mode\":\"off\",\"block_entries\":2,\"mode_auto\":false}\n"
	       "{\"address\":\"192.0.2.2\",\"blocked\":true,\"listed\":true,"
	       "\"entry\":{\"prefix\":\"192.0.2.2\",\"family\":\"inet\",\"address\":\"192.0.2.2\","
	       "\"prefixlen\":32,\"feeds\":[\"x\"],\"listings\":[{\"feed\":\"x\"}],\"hits\":0}}\n", "",
	       "-j before -batch: each line's output is JSON");

	/* The first failing line ends it; the lines before it stay applied. */
	stop = write_file("stop.txt",
			  "block add 192.0.2.1\n"
			  "block add 192.0.2.2\n"
			  "block del 203.0.113.1\n"
			  "block add 192.0.2.3\n");
	fake_reset();
	fk->explicit = true;
	TOOL("-batch", stop);
	snprintf(want, sizeof(want),
		 "Error: prefix is not in the blocklist.\n"
		 "smtpguardctl: %s:3: failed (exit 3); the lines after it were not run\n",
		 stop);
	expect(3, "", want, "a line the kernel refuses: its error, FILE:LINE, exit 3");
	log_is("ADD(1) ADD(1) DEL", "the lines after it were not run");
	ktap_ok(fk->nblock == 2, "the lines before it stay applied: not a transaction");

	parse = write_file("parse.txt",
			   "block add 192.0.2.1\n"
			   "block add 192.0.2.256\n"
			   "block add 192.0.2.3\n");
	fake_reset();
	fk->explicit = true;
	TOOL("-batch", parse);
	snprintf(want, sizeof(want),
		 "smtpguardctl: block: '192.0.2.256' is not a valid IPv4 address\n"
		 "smtpguardctl: %s:2: failed (exit 2); the lines after it were not run\n",
		 parse);
	expect(2, "", want, "a line with a bad word: its usage error, FILE:LINE, exit 2");
	log_is("ADD(1)", "line 1 ran, line 3 did not");

	neg = write_file("neg.txt", "block test 192.0.2.9\nblock add 192.0.2.9\n");
	fake_reset();
	fk->explicit = true;
	TOOL("-batch", neg);
	snprintf(want, sizeof(want),
		 "smtpguardctl: %s:1: failed (exit 1); the lines after it were not run\n", neg);
	expect(1, "192.0.2.9 is not blocked\n", want,
	       "block test answering no ends the batch with exit 1");
	log_is("TEST", "nothing after it");

	neg = write_file("neg2.txt", "block add 192.0.2.2\nblock test 192.0.2.2\nblock test 192.0.2.9\n");
	fake_reset();
	fk->explicit = true;
	TOOL("-batch", neg);
	ktap_ok(r.status == 1 && !strcmp(r.out, "192.0.2.2 is blocked by 192.0.2.2 (feeds manual; hits 0)\n"
					     "192.0.2.9 is not blocked\n"),
		"a test after a test: each line's own answer");
	if (r.status != 1)
		ktap_diag("exit %d, stdout [%s]", r.status, r.out);

	/* -batch -: the commands on stdin. */
	in = write_file("in.txt", "block add 192.0.2.1\nblock add 192.0.2.2\n");
	fake_reset();
	fk->explicit = true;
	TOOL_IN(in, "-batch", "-");
	ktap_ok(r.status == 0 && fk->nlog == 2 && fk->opens == 1 && fk->nblock == 2,
		"-batch -: the lines of stdin, one socket");

	nested = write_file("nested.txt", "block add 192.0.2.1\nblock add - feed x\nblock add 192.0.2.3\n");
	fake_reset();
	fk->explicit = true;
	TOOL_IN(nested, "-batch", "-");
	expect(2, "", "smtpguardctl: block: add -: standard input holds the commands of -batch -; name a FILE\n"
	       "smtpguardctl: stdin:2: failed (exit 2); the lines after it were not run\n",
	       "block add - in a batch read from stdin: refused");
	log_is("ADD(1)", "...after line 1, before line 3");

	/* From a file, block add - reads stdin: fine. */
	nested = write_file("nested2.txt", "block add - feed x\n");
	fake_reset();
	fk->explicit = true;
	tool_io(in, NULL, (const char *const[]){ "-batch", nested, NULL });
	ktap_ok(r.status == 2 && fk->nlog == 0,
		"(stdin of batch lines is no address list: refused as such)");
	tool_io(write_file("addrs.txt", "192.0.2.7 192.0.2.8\n"), NULL,
		(const char *const[]){ "-batch", nested, NULL });
	ktap_ok(r.status == 0 && fk->nlog == 1 && fk->log[0].nprefix == 2 &&
		!strcmp(fk->log[0].feed, "x"),
		"-batch FILE with a line 'block add -': the addresses of stdin");

	static const struct {
		const char *line, *err;
	} refused[] = {
		{ "-batch other.txt\n", "smtpguardctl: stdin:1: '-batch' in a batch: batches do not nest\n" },
		{ "--batch=x\n", "smtpguardctl: stdin:1: '--batch=x' in a batch: batches do not nest\n" },
		{ "-j block list\n", "smtpguardctl: stdin:1: option '-j' goes before -batch, where it applies to every line\n" },
		{ "restore\n", "smtpguardctl: restore: standard input holds the commands of -batch -; name a FILE\n" },
		{ "restore -\n", "smtpguardctl: restore: standard input holds the commands of -batch -; name a FILE\n" },
		{ "block load --feed x\n", "smtpguardctl: block: load: standard input holds the commands of -batch -; name a FILE\n" },
		{ "block load --feed x -\n", "smtpguardctl: block: load: standard input holds the commands of -batch -; name a FILE\n" },
		{ "block list -j\n", "smtpguardctl: option '-j' must come before the object\n" },
		{ "blok add 192.0.2.1\n", "smtpguardctl: unknown object 'blok'" },
	};
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		fake_reset();
		TOOL_IN(write_file("refused.txt", refused[i].line), "-batch", "-");
		ktap_ok(r.status == 2 && !r.out[0] &&
			!strncmp(r.err, refused[i].err, strlen(refused[i].err)) &&
			strstr(r.err, "smtpguardctl: stdin:1: failed (exit 2); the lines after it were not run\n") &&
			fk->sends == 0,
			"-batch -, a line '%.*s': refused, exit 2",
			(int)strcspn(refused[i].line, "\n"), refused[i].line);
		if (r.status != 2 || strncmp(r.err, refused[i].err, strlen(refused[i].err)))
			ktap_diag("exit %d, stderr [%s]", r.status, r.err);
	}

	nul = write_bytes("nul-batch.txt", "block add 192.0.2.1\nblock add 192.0.2.2\0x\n", 42);
	fake_reset();
	fk->explicit = true;
	TOOL("-batch", nul);
	ktap_ok(r.status == 2 && fk->nlog == 1 && strstr(r.err, ":2: a NUL byte in the line\n"),
		"a line with a NUL byte ends the batch, exit 2");

	/* Global options: -n entered once for every line. */
	b = write_file("batch.txt", batch);	/* write_file() reuses its paths */
	fake_reset();
	fk->explicit = true;
	close(open(write_file("ns-batch", ""), O_RDONLY));
	sg_netns_run_dir = tmpdir;
	TOOL("-n", "ns-batch", "-batch", b);
	sg_netns_run_dir = "/run/netns";
	if (!ktap_ok(r.status == 0 && fk->opens == 1 && fk->setns_calls == 1 && fk->nlog == 4,
		     "-n NETNS -batch FILE: the namespace entered once, one socket, every line"))
		ktap_diag("exit %d, opens %u, setns %u, requests [%s], stderr [%s]", r.status,
			  fk->opens, fk->setns_calls, log_text(), r.err);

	/* Usage errors of -batch itself. */
	fake_reset();
	TOOL("-batch", b, "block", "list");
	expect(2, "", "smtpguardctl: -batch: unexpected argument 'block' (the commands are the lines of FILE)\n",
	       "-batch FILE OBJECT: exit 2");
	TOOL("-batch", b, "-b", b);
	expect(2, "", "smtpguardctl: -batch given twice\n", "-batch twice: exit 2");
	TOOL("-batch");
	expect(2, "", "smtpguardctl: option '-batch' needs an argument\n", "-batch without FILE");
	TOOL("block", "list", "-batch", b);
	expect(2, "", "smtpguardctl: option '-batch' must come before the object\n",
	       "-batch after the object: exit 2");
	snprintf(want, sizeof(want), "%s/no-such-batch", tmpdir);
	TOOL("-batch", want);
	ktap_ok(r.status == 2 && strstr(r.err, "No such file or directory") && fk->opens == 0,
		"-batch of a missing file: exit 2, no socket");
}

static void test_block_stats(void)
{
	block_fixture();
	fk->block_stats = true;
	fk->cnc_dropped = 11;
	fk->cnc_would_drop = 12;
	fk->block_bytes = 1099511627776ULL;
	TOOL("stats");
	expect(0, "mode enforce\nmode_explicit 1\nallow_entries 0\nsmtp_ports 25\n"
		  "smtp_inspected 0\nsmtp_allowed 0\nsmtp_dropped 0\nsmtp_would_drop 0\n"
		  "block_entries 3\nblock_feeds 2\nblock_bytes 1099511627776\n"
		  "cnc_dropped 11\ncnc_would_drop 12\n", "",
	       "stats: the blocklist's numbers after the SMTP ones, /proc's keys and order");
	TOOL("-j", "stats");
	ktap_ok(r.status == 0 && strstr(r.out, "\"smtp_would_drop\":0,\"block_entries\":3,"
		"\"block_feeds\":2,\"block_bytes\":1099511627776,\"cnc_dropped\":11,"
		"\"cnc_would_drop\":12,\"feeds\":[{\"feed\":"), "stats -j: the same keys, then the feeds");
}

/* ---- the offender ledger and the monitor ---- */

#define CAP_ERR "Error: Operation not permitted; offender data needs CAP_NET_ADMIN.\n"

static void set_pfx(struct sg_prefix *p, const char *text)
{
	char err[SG_ERR_LEN];

	if (sg_parse_prefix(text, p, err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
}

/* 2026-11-23 18:04:05 UTC and earlier; the tests run in TZ=UTC here. */
#define T0	1795457045ULL

static void offender_fixture(void)
{
	struct fake_offender *o;

	fake_reset();
	o = &fk->off[0];		/* seen earlier: listed second */
	set_pfx(&o->addr, "2001:db8:1::10");
	o->ifindex = 4;
	snprintf(o->ifname, sizeof(o->ifname), "r-lan6");
	o->reasons = SMTPGUARD_REASON_SMTP;
	o->packets = o->smtp = 7;
	o->first = T0 - 3600;
	o->last = T0 - 240;
	set_pfx(&o->dest, "2001:db8:ff::25");
	o->port = 25;
	o->proto = 6;
	o = &fk->off[1];
	set_pfx(&o->addr, "192.0.2.10");
	o->has_mac = true;
	memcpy(o->mac, (const uint8_t[]){ 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, 6);
	o->ifindex = 3;
	snprintf(o->ifname, sizeof(o->ifname), "r-lan");
	o->reasons = SMTPGUARD_REASON_SMTP | SMTPGUARD_REASON_CNC;
	o->packets = 10235;
	o->smtp = 10234;
	o->cnc = 1;
	o->first = T0 - 3600;
	o->last = T0;
	set_pfx(&o->dest, "198.51.100.77");
	o->port = 443;
	o->proto = 6;
	snprintf(o->feed, sizeof(o->feed), "feodo");
	fk->noff = 2;
}

#define OFF_HEAD "HOST            MAC                IN      REASONS   PACKETS   SMTP  CNC  FIRST SEEN           LAST SEEN            DESTINATIONS\n"
#define OFF_ROW1 "192.0.2.10      52:54:00:12:34:56  r-lan   smtp,cnc    10235  10234    1  2026-11-23 17:04:05  2026-11-23 18:04:05  198.51.100.77:443 [feodo]\n"
#define OFF_ROW2 "2001:db8:1::10  -                  r-lan6  smtp            7      7    0  2026-11-23 17:04:05  2026-11-23 18:00:05  [2001:db8:ff::25]:25\n"
#define OFF_JSON1 "{\"address\":\"192.0.2.10\",\"mac\":\"52:54:00:12:34:56\",\"ifindex\":3,\"ifname\":\"r-lan\"," \
	"\"reasons\":[\"smtp\",\"cnc\"],\"packets\":10235,\"smtp_packets\":10234,\"cnc_packets\":1," \
	"\"first_seen\":\"2026-11-23T17:04:05+00:00\",\"last_seen\":\"2026-11-23T18:04:05+00:00\"," \
	"\"destinations\":[{\"address\":\"198.51.100.77\",\"port\":443,\"proto\":6,\"reason\":\"cnc\",\"feed\":\"feodo\"}]}"
#define OFF_JSON2 "{\"address\":\"2001:db8:1::10\",\"mac\":null,\"ifindex\":4,\"ifname\":\"r-lan6\"," \
	"\"reasons\":[\"smtp\"],\"packets\":7,\"smtp_packets\":7,\"cnc_packets\":0," \
	"\"first_seen\":\"2026-11-23T17:04:05+00:00\",\"last_seen\":\"2026-11-23T18:00:05+00:00\"," \
	"\"destinations\":[{\"address\":\"2001:db8:ff::25\",\"port\":25,\"proto\":6,\"reason\":\"smtp\",\"feed\":null}]}"

/* Exceptions, inside and outside: commands, errors, save and restore. */
static void test_scope(void)
{
	struct sg_prefix p[FAKE_MAX_PFX];
	const char *conf;
	size_t n;

	fake_reset();
	TOOL("except", "10.0.0.0/8", "2001:db8:20::/64");
	n = last_prefixes(p);
	expect(0, "", "", "except ADDR/LEN...: silent, exit 0, no mode line");
	ktap_ok(n == 2 && fk->last_cmd == SMTPGUARD_CMD_EXCEPT_ADD &&
		fk->mode == SMTPGUARD_MODE_OFF,
		"EXCEPT_ADD with both prefixes; an exception switches no mode");
	TOOL("except", "list");
	expect(0, "10.0.0.0/8\n2001:db8:20::/64\n", "", "except list");
	TOOL("except", "del", "10.0.0.0/8");
	ktap_ok(r.status == 0 && fk->nexc == 1, "except del");
	TOOL("except", "lsit");
	expect(2, "", "smtpguardctl: except: unknown command 'lsit' (add, del, list, show, flush, help) and not an address\n",
	       "except: a typo of a command is named as such, exit 2");
	TOOL("except", "10.0.0.1/8");
	ktap_ok(r.status == 2 && fk->nexc == 1 && strstr(r.err, "host bits"),
		"except with host bits set: exit 2, nothing sent");

	TOOL("outside", "203.0.113.1");
	expect(2, "", "smtpguardctl: outside: add: '203.0.113.1' is an address; outside takes interface names (a sender is outside by the interface it comes in on)\n",
	       "outside takes interface names only: exit 2");
	TOOL("inside", "a/b");
	ktap_ok(r.status == 2 && !fk->nrole_if[0] && strstr(r.err, "inside: add: 'a/b'"),
		"inside with a broken prefix: exit 2, nothing configured");
	TOOL("inside", "nosuchif0");
	expect(2, "", "smtpguardctl: inside: add: no interface 'nosuchif0' here (see 'ip link'); nothing changed\n",
	       "inside IFNAME that does not exist (a typo): exit 2, nothing configured");
	ktap_ok(!fk->nrole_if[0], "the typo configured nothing");
	TOOL("inside", "lo", "10.20.0.0/16");
	ktap_ok(r.status == 0 && fk->last_cmd == SMTPGUARD_CMD_ROLE_ADD &&
		fk->nrole_if[0] == 1 && fk->ninside == 1,
		"inside IFNAME ADDR/LEN: one ROLE_ADD with the name and the prefix");
	TOOL("inside");
	expect(0, "roles: configured\ninside: lo 10.20.0.0/16\noutside: none\n", "",
	       "inside: the configured roles");
	TOOL("-j", "outside");
	expect(0, "{\"roles\":\"configured\",\"inside\":{\"interfaces\":[\"lo\"],\"prefixes\":[\"10.20.0.0/16\"]},\"outside\":{\"interfaces\":[]}}\n",
	       "", "outside -j: the same object");

	TOOL("save");
	ktap_ok(r.status == 0 && strstr(r.out, "\nexcept 2001:db8:20::/64\ninside lo\ninside 10.20.0.0/16\n"),
		"save writes except and inside lines");
	conf = write_file("scope.conf", "mode enforce\nexcept 192.0.2.0/24\noutside wan0\n");
	TOOL("restore", conf);
	ktap_ok(r.status == 0 && fk->nexc == 1 && fk->nrole_if[1] == 1 &&
		!strcmp(fk->role_if[1][0], "wan0") && !fk->nrole_if[0] &&
		!fk->ninside,
		"restore: exceptions and roles exactly the file's (wan0 need not exist)");
	ktap_ok(strstr(r.out, "1 exception, roles configured"),
		"restore says how many exceptions and whether roles are configured");
	unlink(conf);
}

static void test_offenders(void)
{
	offender_fixture();
	TOOL("offenders");
	expect(0, OFF_HEAD OFF_ROW1 OFF_ROW2, "",
	       "offenders: a table, most recently seen first");
	ktap_ok((fk->last_flags & NLM_F_DUMP) && fk->last_cmd == SMTPGUARD_CMD_OFFENDER_GET &&
		!fk->log[0].has_reason, "offenders is an OFFENDER_GET dump without REASON");
	TOOL("offenders", "list", "reason", "cnc");
	expect(0, "HOST        MAC                IN     REASONS   PACKETS   SMTP  CNC  FIRST SEEN           LAST SEEN            DESTINATIONS\n"
		  "192.0.2.10  52:54:00:12:34:56  r-lan  smtp,cnc    10235  10234    1  2026-11-23 17:04:05  2026-11-23 18:04:05  198.51.100.77:443 [feodo]\n",
	       "", "offenders list reason cnc: the kernel filters; the columns fit what is shown");
	ktap_ok(fk->log[1].has_reason && fk->log[1].reason == SMTPGUARD_REASON_CNC,
		"reason cnc sends REASON 2");
	TOOL("offenders", "reason", "smtp");
	ktap_ok(r.status == 0 && fk->log[2].has_reason &&
		fk->log[2].reason == SMTPGUARD_REASON_SMTP && strstr(r.out, OFF_ROW2),
		"offenders reason smtp: list is the default, REASON 1");
	TOOL("-j", "offenders", "show");
	expect(0, "[" OFF_JSON1 "," OFF_JSON2 "]\n", "",
	       "offenders -j: an array, RFC 3339 times, numbers as numbers, mac null when absent");

	fk->fail_cmd = SMTPGUARD_CMD_OFFENDER_GET;
	fk->fail_errno = EPERM;
	TOOL("-j", "offenders");
	expect(3, "", CAP_ERR, "EPERM: exit 3, one line naming CAP_NET_ADMIN, no \"[]\"");
	fk->fail_cmd = 0;

	TOOL("offenders", "flush", "reason", "cnc");
	expect(0, "flushed 1 offender\n", "", "offenders flush reason cnc: the count removed");
	ktap_ok(fk->noff == 1 && fk->last_cmd == SMTPGUARD_CMD_OFFENDER_FLUSH &&
		fk->log[5].has_reason && fk->log[5].reason == SMTPGUARD_REASON_CNC &&
		!(fk->last_flags & NLM_F_DUMP), "OFFENDER_FLUSH with REASON reached the fake");
	TOOL("-j", "offenders", "flush");
	expect(0, "{\"flushed\":1}\n", "", "offenders flush -j: {\"flushed\":N}");
	ktap_ok(fk->noff == 0 && !fk->log[6].has_reason, "OFFENDER_FLUSH without REASON: everything");
	fk->fail_cmd = SMTPGUARD_CMD_OFFENDER_FLUSH;
	fk->fail_errno = EPERM;
	TOOL("offenders", "flush");
	expect(3, "", CAP_ERR, "flush refused with EPERM: the CAP_NET_ADMIN line");
	fk->fail_cmd = 0;

	TOOL("offenders");
	expect(0, "no offenders\n", "", "empty ledger: a one-line note");
	TOOL("offenders", "reason", "cnc");
	expect(0, "no offenders with reason cnc\n", "", "empty with a reason: the note says so");
	TOOL("-j", "offenders");
	expect(0, "[]\n", "", "empty ledger -j: []");

	fk->fail_cmd = SMTPGUARD_CMD_MODE_SET;
	fk->fail_errno = EPERM;
	TOOL("mode", "off");
	expect(3, "", "Error: Operation not permitted.\n",
	       "EPERM elsewhere keeps the plain message");
	fk->fail_cmd = 0;

	fake_reset();
	TOOL("offenders", "reason", "all");
	ktap_ok(r.status == 2 && fk->opens == 0, "a bad reason: exit 2 before any socket");
}

static void test_ledger_stats(void)
{
	offender_fixture();
	fk->ledger_stats = true;
	TOOL("stats");
	expect(0, "mode off\nmode_explicit 0\nallow_entries 0\nsmtp_ports 25\n"
		  "smtp_inspected 0\nsmtp_allowed 0\nsmtp_dropped 0\nsmtp_would_drop 0\n"
		  "offenders 2\noffenders_evicted 21\nevents_sent 1099511627776\nevents_dropped 3\n",
	       "", "stats: offenders, offenders_evicted, events_sent, events_dropped");
	TOOL("-j", "stats");
	ktap_ok(r.status == 0 && strstr(r.out, "\"smtp_would_drop\":0,\"offenders\":2,"
		"\"offenders_evicted\":21,\"events_sent\":1099511627776,\"events_dropped\":3,\"feeds\":"),
		"stats -j: the same keys, numbers");
	fk->ledger_stats = false;
	TOOL("stats");
	ktap_ok(r.status == 0 && !strstr(r.out, "offenders") && !strstr(r.out, "events_"),
		"an older module: none of them, no zeros");
}

/* Appends one event datagram to the script; returns its message. */
static struct nlmsghdr *ev_add(uint8_t cmd)
{
	struct fake_event *e = &fk->ev[fk->nev++];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(e->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = FAKE_FAMILY_ID;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = SMTPGUARD_GENL_VERSION;
	return nlh;
}

static void ev_end(struct nlmsghdr *nlh)
{
	fk->ev[fk->nev - 1].len = nlh->nlmsg_len;
}

static void ev_lost(void)
{
	fk->ev[fk->nev++].len = 0;
}

static void event_script_tail(void);

/* Five events: new offender, config, update, unknown, config. */
static void event_script(void)
{
	struct nlmsghdr *nlh;
	struct sg_prefix p;

	offender_fixture();
	nlh = ev_add(SMTPGUARD_CMD_OFFENDER_NEW);
	mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, SMTPGUARD_MODE_ENFORCE);
	put_offender(nlh, &fk->off[1]);
	ev_end(nlh);
	nlh = ev_add(SMTPGUARD_CMD_CONFIG_CHANGE);
	mnl_attr_put_u8(nlh, SMTPGUARD_A_CHANGE, SMTPGUARD_CMD_ALLOW_ADD);
	mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, SMTPGUARD_MODE_ENFORCE);
	mnl_attr_put_u32(nlh, SMTPGUARD_A_ALLOW_ENTRIES, 1);
	mnl_attr_put_u32(nlh, SMTPGUARD_A_BLOCK_ENTRIES, 0);
	mnl_attr_put_u32(nlh, SMTPGUARD_A_COUNT, 1);
	set_pfx(&p, "10.10.10.10");
	put_pfx(nlh, SMTPGUARD_A_PREFIX, &p);
	ev_end(nlh);
	/* Two in one datagram: an update and an unknown command. */
	nlh = ev_add(SMTPGUARD_CMD_OFFENDER_UPDATE);
	mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, SMTPGUARD_MODE_ENFORCE);
	put_offender(nlh, &fk->off[0]);
	ev_end(nlh);
	nlh = (struct nlmsghdr *)(fk->ev[fk->nev - 1].buf + MNL_ALIGN(nlh->nlmsg_len));
	nlh = mnl_nlmsg_put_header(nlh);
	nlh->nlmsg_type = FAKE_FAMILY_ID;
	((struct genlmsghdr *)mnl_nlmsg_put_extra_header(nlh, 4))->cmd = 99;
	fk->ev[fk->nev - 1].len = MNL_ALIGN(fk->ev[fk->nev - 1].len) + nlh->nlmsg_len;
	event_script_tail();
}

static size_t count_lines_of(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The last event of the script: the port set changed. */
static void event_script_tail(void)
{
	struct nlmsghdr *nlh;
	struct nlattr *n;

	nlh = ev_add(SMTPGUARD_CMD_CONFIG_CHANGE);
	mnl_attr_put_u8(nlh, SMTPGUARD_A_CHANGE, SMTPGUARD_CMD_PORTS_SET);
	n = mnl_attr_nest_start(nlh, SMTPGUARD_A_PORTS);
	mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT, 25);
	mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT, 587);
	mnl_attr_nest_end(nlh, n);
	ev_end(nlh);
}

/* The lines without their times, which are the tool's clock. */
static const char *untimed(const char *out)
{
	static char buf[8192];
	const char *line = out;
	size_t o = 0;

	while (*line && o < sizeof(buf) - 1) {
		const char *end = strchr(line, '\n');
		size_t n;

		if (!end)
			end = line + strlen(line);
		/* "YYYY-MM-DD HH:MM:SS " */
		if (end - line > 20 && line[4] == '-' && line[13] == ':' && line[19] == ' ')
			line += 20;
		n = (size_t)(end - line) + (*end ? 1 : 0);
		if (n > sizeof(buf) - 1 - o)
			n = sizeof(buf) - 1 - o;
		memcpy(buf + o, line, n);
		o += n;
		line = end + (*end ? 1 : 0);
	}
	buf[o] = '\0';
	return buf;
}

#define EV_NEW "new offender 192.0.2.10 mac 52:54:00:12:34:56 in r-lan smtp,cnc 10235 packets -> 198.51.100.77:443 [feodo]\n"
#define EV_ALLOW "config allow add 10.10.10.10/32 (allow entries 1)\n"
#define EV_UPD "offender 2001:db8:1::10 still active: 7 packets (smtp 7) last [2001:db8:ff::25]:25\n"
#define EV_UNK "unknown event cmd 99\n"
#define EV_PORTS "config ports 25 587\n"
#define EV_LOST "events lost: the socket's receive buffer overflowed\n"

static void test_monitor(void)
{
	char path[128];
	bool ok;

	event_script();
	fk->ev_term = true;
	TOOL("monitor");
	ok = expect(0, r.out, "", "monitor: SIGTERM ends it quietly with exit 0");
	ktap_ok(!strcmp(untimed(r.out), EV_NEW EV_ALLOW EV_UPD EV_UNK EV_PORTS),
		"monitor: one line per event, each kind, in order");
	if (ok && strcmp(untimed(r.out), EV_NEW EV_ALLOW EV_UPD EV_UNK EV_PORTS))
		ktap_diag("got [%s]", r.out);
	ktap_ok(fk->joined == FAKE_EVENTS_GRP, "monitor joins the \"events\" group by the id the controller gave");
	ktap_ok(r.out[4] == '-' && r.out[10] == ' ' && r.out[19] == ' ',
		"each line starts with the local time it was received");

	event_script();
	fk->ev_term = true;
	TOOL("monitor", "events");
	ktap_ok(r.status == 0 && !strcmp(untimed(r.out), EV_NEW EV_UPD),
		"monitor events: offender events only");
	event_script();
	fk->ev_term = true;
	TOOL("monitor", "config");
	ktap_ok(r.status == 0 && !strcmp(untimed(r.out), EV_ALLOW EV_PORTS),
		"monitor config: configuration events only");

	event_script();
	TOOL("monitor", "all", "count", "3");
	ktap_ok(r.status == 0 && !strcmp(untimed(r.out), EV_NEW EV_ALLOW EV_UPD) && !r.err[0],
		"monitor count 3: exits 0 after three events");
	event_script();
	TOOL("monitor", "count", "1", "config");
	ktap_ok(r.status == 0 && !strcmp(untimed(r.out), EV_ALLOW),
		"count counts only the events shown");

	event_script();
	TOOL("-j", "monitor", "count", "2");
	ok = r.status == 0 && !strncmp(r.out, "{\"time\":\"20", 11) &&
	     strstr(r.out, "+00:00\",\"event\":\"offender-new\",\"mode\":\"enforce\",\"address\":\"192.0.2.10\",") &&
	     strstr(r.out, "\"event\":\"config\",\"command\":\"allow-add\",\"mode\":\"enforce\","
		    "\"mode_explicit\":false,\"mode_auto\":false,\"count\":1,"
		    "\"prefixes\":[\"10.10.10.10/32\"],\"allow_entries\":1,\"block_entries\":0}\n") &&
	     count_lines_of(r.out) == 2;
	if (!ktap_ok(ok, "monitor -j: one JSON object per line, time RFC 3339, event, command, fields"))
		ktap_diag("got [%s]", r.out);

	/* -batch: the socket that joined the group is not the next line's. */
	event_script();
	TOOL("-batch", write_file("monitor.batch", "monitor count 1 config\nblock test 192.0.2.9\nstats\n"));
	ktap_ok(r.status == 1 && !strncmp(untimed(r.out), EV_ALLOW "192.0.2.9 is not blocked\n",
					  strlen(EV_ALLOW "192.0.2.9 is not blocked\n")) &&
		fk->opens == 2,
		"-batch: monitor, then a new socket for the line after it");
	if (r.status != 1 || fk->opens != 2)
		ktap_diag("exit %d, opens %u, stdout [%s], stderr [%s]", r.status, fk->opens,
			  r.out, r.err);

	/* Lost events: a line, and on. */
	offender_fixture();
	ev_lost();
	event_script_tail();
	fk->ev_term = true;
	TOOL("monitor");
	ktap_ok(r.status == 0 && !strcmp(untimed(r.out), EV_LOST EV_PORTS),
		"ENOBUFS: one line says events were lost, and it goes on");

	/* Failures. */
	fake_reset();
	fk->join_errno = EPERM;
	TOOL("monitor");
	expect(3, "", "Error: Operation not permitted; the events group needs CAP_NET_ADMIN.\n",
	       "joining refused: exit 3, one line naming CAP_NET_ADMIN");
	fake_reset();
	fk->no_events_group = true;
	TOOL("monitor");
	expect(4, "", "smtpguardctl: monitor: the loaded smtpguard has no \"events\" group (a module older than this tool)\n",
	       "a module without the events group: exit 4");
	fake_reset();
	fk->family = false;
	TOOL("monitor");
	expect(4, "", NOT_LOADED, "monitor without the module: exit 4, the modprobe hint");

	/* -n NETNS: deleted, or replaced by another of the same name. */
	sg_netns_run_dir = tmpdir;
	snprintf(path, sizeof(path), "%s", write_file("ns-test", ""));
	event_script();
	snprintf(fk->ev_unlink, sizeof(fk->ev_unlink), "%s", path);
	TOOL("-n", "ns-test", "monitor");
	expect(0, r.out, "smtpguardctl: monitor: network namespace ns-test was deleted\n",
	       "-n NETNS: the namespace deleted, monitor says so and exits 0");
	ktap_ok(!strcmp(untimed(r.out), EV_NEW EV_ALLOW EV_UPD EV_UNK EV_PORTS),
		"and it printed every event before that");
	write_file("ns-test", "");
	event_script();
	snprintf(fk->ev_unlink, sizeof(fk->ev_unlink), "%s", path);
	fk->ev_replace = true;
	TOOL("-n", "ns-test", "monitor", "events");
	expect(0, r.out, "smtpguardctl: monitor: network namespace ns-test was deleted\n",
	       "-n NETNS: another namespace under the same name counts as deleted");
	unlink(path);
	sg_netns_run_dir = "/run/netns";
}

/* ---- -j for every command: one JSON document, or nothing ---- */

enum json_kind {
	J_DOC,		/* prints: exactly one JSON value */
	J_QUIET,	/* changes: nothing, or one JSON value */
	J_LINES,	/* monitor: one JSON value per line */
};

struct json_case {
	void (*fixture)(void);	/* NULL: the state the previous case left */
	int status;
	enum json_kind kind;
	const char *argv[8];
};

/* The files that "@FEED@", "@CONF@" and "@BARE@" stand for. */
static const char *json_feed_path, *json_conf_path, *json_bare_path;

static void json_fixture_ledger(void)
{
	offender_fixture();
	fk->ledger_stats = true;
	fk->block_stats = true;
}

static char *slurp(const char *path)
{
	static char buf[65536];
	size_t n;
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* save -f: all or nothing; restore: never an empty file; dry run: removals. */
static void test_save_restore_safety(void)
{
	char path[160], dirpath[160], *text;
	static char want[16384 + 1];
	struct stat sb;
	const char *conf;

	block_fixture();
	fk->smtp_policy = true;
	fk->pfx[0] = (struct sg_prefix){ AF_INET, 32, { 10, 10, 10, 10 } };
	fk->npfx = 1;
	fk->exc[0] = (struct sg_prefix){ AF_INET, 24, { 192, 0, 2, 0 } };
	fk->nexc = 1;
	snprintf(fk->role_if[1][0], sizeof(fk->role_if[1][0]), "wan0");
	fk->nrole_if[1] = 1;

	snprintf(path, sizeof(path), "%s/smtpguard.conf", tmpdir);
	write_file("smtpguard.conf", "# the old file\nmode monitor\n");
	chmod(path, 0640);
	TOOL("save");
	snprintf(want, sizeof(want), "%s", r.out);
	TOOL("save", "-f", path);
	text = slurp(path);
	ktap_ok(r.status == 0 && !r.out[0] && !r.err[0] && text &&
		strstr(text, "allow 10.10.10.10\n") &&
		!strcmp(strstr(text, "\nmode "), strstr(want, "\nmode ")),
		"save -f FILE: silent, FILE holds what save prints");
	ktap_ok(!stat(path, &sb) && (sb.st_mode & 07777) == 0640,
		"save -f keeps the old file's permissions");

	fk->family = false;
	TOOL("save", "-f", path);
	ktap_ok(r.status == 4 && !strcmp(slurp(path), text),
		"save -f with the module not loaded: exit 4, FILE untouched");
	fk->family = true;
	snprintf(want, sizeof(want), "%s", slurp(path));
	fk->fail_cmd = SMTPGUARD_CMD_BLOCK_GET;
	fk->fail_errno = -EIO;
	TOOL("save", "-f", path);
	fk->fail_cmd = 0;
	ktap_ok(r.status == 3 && !strcmp(slurp(path), want),
		"save -f when reading the kernel fails halfway: exit 3, FILE untouched");
	snprintf(dirpath, sizeof(dirpath), "%s/adir", tmpdir);
	mkdir(dirpath, 0755);
	TOOL("save", "-f", dirpath);
	ktap_ok(r.status == 2 && strstr(r.err, "is not a regular file; nothing written"),
		"save -f DIRECTORY: refused, exit 2");
	TOOL("save", "-f");
	ktap_ok(r.status == 2 && strstr(r.err, "missing FILE"), "save -f without FILE: exit 2");
	TOOL("save", ">", path);
	ktap_ok(r.status == 2 && !strcmp(slurp(path), want),
		"save with a stray word: exit 2, nothing written");

	/* An empty file, or one of comments only, restores nothing. */
	conf = write_file("empty.conf", "# saved by nobody\n\n");
	fk->sends = 0;
	TOOL("restore", conf);
	snprintf(want, sizeof(want),
		 "smtpguardctl: %s has no statements: restoring it would remove the whole configuration; nothing changed (--allow-empty to insist)\n",
		 conf);
	expect(2, "", want, "restore of a file without statements: exit 2, one line");
	ktap_ok(fk->sends == 0 && fk->npfx == 1 && fk->nblock == 3,
		"the refused empty file changed nothing");
	TOOL("restore", "--dry-run", conf);
	ktap_ok(r.status == 2 && strstr(r.err, "has no statements"),
		"restore --dry-run of an empty file fails the same way");

	conf = write_file("two.conf", "mode enforce\nallow 10.0.0.1/8\nallow 10.10.10.10\nblok 192.0.2.1\n");
	fk->sends = 0;
	TOOL("restore", conf);
	ktap_ok(r.status == 2 && fk->sends == 0 && !r.out[0] &&
		strstr(r.err, "two.conf:2: 10.0.0.1/8 has host bits set") &&
		strstr(r.err, "two.conf:4: unknown statement 'blok'"),
		"restore of a file with two mistakes: both named, exit 2, nothing sent");

	/* One grammar, one parser: the same words give the same reason. */
	{
		static const char *const words[][4] = {
			{ "192.0.2.1", "timeout", "31d", NULL },
			{ "192.0.2.1", "timeout", "1x", NULL },
			{ "192.0.2.1", "feed", "-x", NULL },
			{ "192.0.2.1", "feed", "a", "feed" },
			{ "192.0.2.1/33", NULL },
		};
		char file_err[512], line[128];
		size_t i, k;
		bool same = true;

		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			char *reason;

			snprintf(line, sizeof(line), "block");
			for (k = 0; k < 4 && words[i][k]; k++)
				snprintf(line + strlen(line), sizeof(line) - strlen(line),
					 " %s", words[i][k]);
			strcat(line, "\n");
			conf = write_file("grammar.conf", line);
			TOOL("restore", conf);
			reason = strstr(r.err, ":1: ");
			snprintf(file_err, sizeof(file_err), "%s", reason ? reason + 4 : "?");
			if (!strncmp(file_err, "block: ", 7))
				memmove(file_err, file_err + 7, strlen(file_err + 7) + 1);
			switch (k) {
			case 1: TOOL("block", "add", words[i][0]); break;
			case 3: TOOL("block", "add", words[i][0], words[i][1], words[i][2]); break;
			default: TOOL("block", "add", words[i][0], words[i][1], words[i][2], words[i][3]); break;
			}
			reason = strstr(r.err, "add: ");
			reason = reason ? reason + 5 : strstr(r.err, "block: ");
			if (reason && !strncmp(reason, "block: ", 7))
				reason += 7;
			if (!reason || strcmp(reason, file_err)) {
				same = false;
				ktap_diag("file: %s command line: %s", file_err, r.err);
			}
		}
		ktap_ok(same, "a restore file and the command line give the same reason for the same block words");
	}

	/* restore < FILE: that file, not the default one */
	conf = write_file("piped.conf", "mode enforce\nallow 10.10.10.12\n");
	tool_io(conf, NULL, (const char *const[]){ "restore", "--dry-run", NULL });
	ktap_ok(r.status == 0 && strstr(r.out, "would restore stdin: mode enforce") &&
		strstr(r.out, "1 allow prefix,"),
		"restore --dry-run < FILE reads standard input, not /etc/smtpguard/smtpguard.conf");
	tool_io("/dev/null", NULL, (const char *const[]){ "restore", NULL });
	ktap_ok(r.status == 2 && strstr(r.err, "stdin has no statements"),
		"restore with an empty standard input: refused, nothing removed");

	/* --dry-run: what the kernel has and the file does not. */
	conf = write_file("new.conf", "mode enforce\nallow 10.10.10.11\nblock 198.51.100.7 feed manual\n");
	TOOL("restore", "--dry-run", conf);
	ktap_ok(r.status == 0 &&
		strstr(r.out, "would remove feed drop (2 entries)\n") &&
		!strstr(r.out, "feed manual") &&
		strstr(r.out, "would remove allow 10.10.10.10\n") &&
		strstr(r.out, "would remove except 192.0.2.0/24\n") &&
		strstr(r.out, "would remove outside wan0\n") &&
		!strstr(r.out, "SMTP policy") && fk->npfx == 1,
		"restore --dry-run lists the feeds, allow prefixes, exceptions and roles it would remove");
	if (!strstr(r.out, "would remove outside wan0"))
		ktap_diag("exit %d, stdout [%s] stderr [%s]", r.status, r.out, r.err);
	TOOL("-j", "restore", "--dry-run", conf);
	ktap_ok(r.status == 0 &&
		strstr(r.out, "\"remove\":{\"feeds\":[{\"name\":\"drop\",\"entries\":2}],\"allow\":[\"10.10.10.10\"],\"smtp_policy\":false,\"except\":[\"192.0.2.0/24\"],\"inside\":[],\"outside\":[\"wan0\"],\"inside_prefixes\":[]}"),
		"restore --dry-run -j: the same as a \"remove\" object");
	if (!strstr(r.out, "\"inside_prefixes\":[]}"))
		ktap_diag("stdout [%s]", r.out);
	conf = write_file("timed.conf", "mode enforce\nallow 10.10.10.10\n"
			  "block 198.51.100.7 198.51.100.8\nblock 198.51.100.9 timeout 1h\n");
	TOOL("restore", "--dry-run", conf);
	ktap_ok(r.status == 0 && strstr(r.out, "1 feed with 3 entries (1 with a timeout)"),
		"restore --dry-run text: every entry counted, the timed one said");
	TOOL("-j", "restore", "--dry-run", conf);
	ktap_ok(r.status == 0 && strstr(r.out, "\"entries\":3,\"timed_entries\":1"),
		"restore --dry-run -j: the same 3 entries, 1 timed (text and JSON agree)");
	conf = write_file("noallow.conf", "mode enforce\nblock 198.51.100.7\n");
	TOOL("restore", "--dry-run", conf);
	ktap_ok(r.status == 0 && strstr(r.out, "would remove the SMTP policy: the file has no allow line"),
		"a file without allow lines: the dry run says SMTP would no longer be inspected");
	fk->family = false;
	TOOL("restore", "--dry-run", conf);
	ktap_ok(r.status == 0 && strstr(r.out, "would restore") &&
		!strstr(r.out, "would remove") &&
		strstr(r.err, "not loaded here; nothing to compare"),
		"restore --dry-run without the module: the file is checked, the comparison said to be missing");
	TOOL("-j", "restore", "--dry-run", conf);
	ktap_ok(r.status == 0 && strstr(r.out, "\"remove\":null"),
		"... and \"remove\": null in JSON");
	fk->family = true;
}

/* stats --format prometheus: the text exposition format, labels, files. */
static void test_metrics(void)
{
	char empty[160], path[160], conf[300], *text;

	offender_fixture();
	fk->ledger_stats = true;
	fk->block_stats = true;
	fk->mode = SMTPGUARD_MODE_ENFORCE;
	fk->explicit = true;
	fk->dropped = 7;
	snprintf(fk->feeds[0], sizeof(fk->feeds[0]), "drop");
	fk->block[0] = (struct fake_entry){
		.p = { AF_INET, 24, { 192, 0, 2, 0 } }, .feeds = 1,
	};
	fk->nblock = 1;
	fk->feed_dropped[0] = 5;
	/* no other namespace to visit */
	snprintf(empty, sizeof(empty), "%s/no-netns", tmpdir);
	mkdir(empty, 0755);
	sg_netns_run_dir = empty;
	snprintf(conf, sizeof(conf), "%s", write_file("metrics-feeds.conf",
		 "feed drop url https://www.spamhaus.org/drop/drop.txt every 12h\n"));
	setenv("SMTPGUARD_FEEDS_CONF", conf, 1);
	TOOL("stats", "--format", "prometheus");
	ktap_ok(r.status == 0 && !r.err[0] &&
		strstr(r.out, "# HELP smtpguard_smtp_dropped_total ") &&
		strstr(r.out, "# TYPE smtpguard_smtp_dropped_total counter\n") &&
		strstr(r.out, "\nsmtpguard_smtp_dropped_total{netns=\"\"} 7\n") &&
		strstr(r.out, "\nsmtpguard_mode{netns=\"\",mode=\"enforce\"} 1\n") &&
		strstr(r.out, "\nsmtpguard_mode{netns=\"\",mode=\"monitor\"} 0\n") &&
		strstr(r.out, "# TYPE smtpguard_block_entries gauge\n") &&
		strstr(r.out, "\nsmtpguard_feed_entries{netns=\"\",feed=\"drop\"} 1\n") &&
		strstr(r.out, "\nsmtpguard_feed_dropped_total{netns=\"\",feed=\"drop\"} 5\n") &&
		strstr(r.out, "\nsmtpguard_offenders_by_reason{netns=\"\",reason=\"smtp\"} 2\n") &&
		strstr(r.out, "\nsmtpguard_offenders_by_reason{netns=\"\",reason=\"cnc\"} 1\n") &&
		strstr(r.out, "\nsmtpguard_feed_update_interval_seconds{netns=\"\",feed=\"drop\"} 43200\n") &&
		strstr(r.out, "\nsmtpguard_feed_last_success_timestamp_seconds{netns=\"\",feed=\"drop\"} 0\n"),
		"stats --format prometheus: HELP and TYPE, counters _total, labels netns, mode, feed, reason");
	if (r.status || !strstr(r.out, "smtpguard_feed_last_success"))
		ktap_diag("exit %d stdout [%s] stderr [%s]", r.status, r.out, r.err);
	snprintf(path, sizeof(path), "%s/smtpguard.prom", tmpdir);
	TOOL("stats", "--format", "prometheus", "-f", path);
	text = slurp(path);
	ktap_ok(r.status == 0 && !r.out[0] && text &&
		strstr(text, "smtpguard_smtp_dropped_total{netns=\"\"} 7\n"),
		"-f FILE: the same text in FILE, nothing on stdout");
	fk->family = false;
	TOOL("stats", "--format", "prometheus", "-f", path);
	ktap_ok(r.status == 4 && strstr(slurp(path), "} 7\n"),
		"-f FILE without the module: exit 4, the last file stays for the collector");
	fk->family = true;
	TOOL("-n", "sg-test-no-such-ns", "stats", "--format", "prometheus");
	ktap_ok(r.status == 4, "-n with a missing namespace: exit 4");
	TOOL("stats", "--format", "yaml");
	ktap_ok(r.status == 2 && strstr(r.err, "'yaml' is not a format"),
		"an unknown format: exit 2");
	TOOL("stats", "-f", path);
	ktap_ok(r.status == 2 && strstr(r.err, "-f FILE goes with --format prometheus"),
		"-f without --format prometheus: exit 2");
	unsetenv("SMTPGUARD_FEEDS_CONF");
	sg_netns_run_dir = "/run/netns";
}

static void json_fixture_events(void)
{
	event_script();
}

#define FEED "@FEED@"
#define CONF "@CONF@"		/* a save file */
#define BARE "@BARE@"		/* a save file without a mode line */

static const char *json_arg(const char *a)
{
	return !strcmp(a, FEED) ? json_feed_path :
	       !strcmp(a, CONF) ? json_conf_path :
	       !strcmp(a, BARE) ? json_bare_path : a;
}

static const struct json_case json_cases[] = {
	{ fake_reset, 0, J_DOC, { "allow", "10.10.10.10", "2001:db8::25" } },
	{ NULL, 0, J_DOC, { "allow", "list" } },
	{ NULL, 0, J_DOC, { "allow", "show" } },
	{ NULL, 0, J_DOC, { "allow", "10.10.10.11" } },
	{ NULL, 0, J_QUIET, { "allow", "del", "10.10.10.11" } },
	{ NULL, 0, J_DOC, { "ports" } },
	{ NULL, 0, J_QUIET, { "ports", "25", "587" } },
	{ NULL, 0, J_DOC, { "ports", "show" } },
	{ NULL, 0, J_DOC, { "mode" } },
	{ NULL, 0, J_QUIET, { "mode", "monitor" } },
	{ NULL, 0, J_DOC, { "mode", "show" } },
	{ NULL, 0, J_DOC, { "stats" } },
	{ NULL, 0, J_QUIET, { "stats", "reset" } },
	{ NULL, 0, J_QUIET, { "allow", "flush" } },
	{ NULL, 0, J_DOC, { "allow", "list" } },		/* [] */
	{ block_fixture, 0, J_DOC, { "block", "list" } },
	{ NULL, 0, J_DOC, { "block" } },
	{ NULL, 0, J_DOC, { "block", "list", "feed", "drop" } },
	{ NULL, 0, J_DOC, { "block", "feeds" } },
	{ NULL, 0, J_DOC, { "block", "test", "192.0.2.77" } },
	{ NULL, 1, J_DOC, { "block", "test", "203.0.113.1" } },
	{ NULL, 0, J_DOC, { "block", "203.0.113.7", "timeout", "1h" } },
	{ NULL, 0, J_DOC, { "block", "add", "203.0.113.8", "feed", "manual" } },
	{ NULL, 0, J_QUIET, { "block", "del", "203.0.113.7" } },
	{ NULL, 0, J_DOC, { "block", "load", FEED } },
	{ NULL, 0, J_DOC, { "block", "load", "--replace", "--feed", "feodo", FEED } },
	{ NULL, 0, J_DOC, { "block", "load", "--dry-run", FEED } },
	{ NULL, 0, J_QUIET, { "block", "flush", "feed", "drop" } },
	{ NULL, 0, J_QUIET, { "block", "flush" } },
	{ NULL, 0, J_DOC, { "block", "list" } },		/* [] */
	{ NULL, 0, J_DOC, { "block", "feeds" } },		/* [] */
	{ json_fixture_ledger, 0, J_DOC, { "stats" } },
	{ NULL, 0, J_DOC, { "offenders" } },
	{ NULL, 0, J_DOC, { "offenders", "list", "reason", "smtp" } },
	{ NULL, 0, J_DOC, { "offenders", "flush", "reason", "cnc" } },
	{ NULL, 0, J_DOC, { "offenders", "flush" } },
	{ NULL, 0, J_DOC, { "offenders" } },			/* [] */
	{ json_fixture_events, 0, J_LINES, { "monitor", "count", "5" } },
	{ json_fixture_events, 0, J_LINES, { "monitor", "events", "count", "2" } },
	{ json_fixture_events, 0, J_LINES, { "monitor", "config", "count", "2" } },
	/* save, restore, feeds (feeds.conf and the state in tmpdir) */
	{ block_fixture, 0, J_DOC, { "save" } },
	{ NULL, 0, J_DOC, { "restore", "--dry-run", CONF } },
	{ NULL, 0, J_DOC, { "restore", "--dry-run", BARE } },
	{ NULL, 0, J_DOC, { "restore", CONF } },
	{ NULL, 0, J_DOC, { "save" } },
	{ NULL, 0, J_DOC, { "feeds" } },
	{ NULL, 0, J_DOC, { "feeds", "status" } },
	{ NULL, 0, J_DOC, { "feeds", "update" } },
	{ NULL, 0, J_DOC, { "feeds", "update" } },		/* not due */
	{ NULL, 0, J_DOC, { "feeds", "list" } },
	{ NULL, 0, J_DOC, { "restore", BARE } },
	{ fake_reset, 0, J_DOC, { "save" } },			/* nothing set */
};

static void test_json_every_command(void)
{
	static const char *const opts[] = { "-j", "-p" };
	unsigned int bad = 0, runs = 0;
	size_t i, o, k;

	char state[256], conf[160], cmd[320];

	json_feed_path = write_file("json.txt", "192.0.2.0/24\n198.51.100.1\n2001:db8::/32\n");
	json_conf_path = write_file("json.conf",
				    "mode enforce\nports 25 587\nallow 10.10.10.10 2001:db8::25\n"
				    "block 203.0.113.7 timeout 1h\nblock 198.51.100.0/24 feed drop\n");
	json_bare_path = write_file("json-bare.conf", "allow 10.10.10.10\n");
	snprintf(state, sizeof(state), "feed office file %s\n", json_feed_path);
	snprintf(conf, sizeof(conf), "%s", write_file("json-feeds.conf", state));
	snprintf(state, sizeof(state), "%s/state", tmpdir);
	setenv("SMTPGUARD_FEEDS_CONF", conf, 1);
	setenv("SMTPGUARD_STATE_DIR", state, 1);
	for (o = 0; o < 2; o++) {
		for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
			const struct json_case *c = &json_cases[i];
			const char *argv[12] = { opts[o] };
			bool ok;

			for (k = 0; k < 8 && c->argv[k]; k++)
				argv[k + 1] = json_arg(c->argv[k]);
			argv[k + 1] = NULL;
			if (c->fixture)
				c->fixture();
			if (c->kind == J_LINES && o == 1)
				continue;	/* monitor -p: as -j, one line each */
			tool_to(NULL, argv);
			runs++;
			switch (c->kind) {
			case J_DOC:
				ok = json_valid(r.out);
				break;
			case J_QUIET:
				ok = !r.out[0] || json_valid(r.out);
				break;
			default:
				ok = json_lines_valid(r.out);
				break;
			}
			ok = ok && r.status == c->status && !r.err[0];
			if (!ok) {
				bad++;
				ktap_diag("%s %s%s%s%s%s: exit %d (want %d), stdout [%s], stderr [%s]",
					  opts[o], c->argv[0],
					  c->argv[1] ? " " : "", c->argv[1] ? c->argv[1] : "",
					  c->argv[2] ? " " : "", c->argv[2] ? c->argv[2] : "",
					  r.status, c->status, r.out, r.err);
			}
		}
	}
	unlink(json_feed_path);
	unlink(json_conf_path);
	unlink(json_bare_path);
	unlink(conf);
	unsetenv("SMTPGUARD_FEEDS_CONF");
	unsetenv("SMTPGUARD_STATE_DIR");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
	if (system(cmd))
		ktap_diag("could not remove %s", state);
	ktap_ok(bad == 0 && runs > 90,
		"-j and -p: every printing command prints one valid JSON document (%u runs, %u bad)",
		runs, bad);

	/* The validator itself, so that a pass means something. */
	ktap_ok(json_valid("{\"a\":[1,-2.5e3,true,false,null,\"x\\u00e9\\n\"],\"b\":{}}\n") &&
		json_valid(" [] ") && !json_valid("") && !json_valid("{\"a\":1,}") &&
		!json_valid("[1] [2]") && !json_valid("{\"a\" 1}") && !json_valid("[01]") &&
		!json_valid("\"a\tb\"") && !json_valid("[1,]") && !json_valid("{a:1}") &&
		json_lines_valid("{}\n[]\n") && !json_lines_valid("{}\n\n") &&
		!json_lines_valid(""),
		"the test's JSON validator accepts JSON and refuses near misses");
}

int main(void)
{
	fk = mmap(NULL, sizeof(*fk), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fk == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	ktap_header();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sg-test-nl.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_family();
	test_allow();
	test_ports();
	test_mode();
	test_stats();

	/* Local time 2 hours east of UTC: an offset that shows. */
	setenv("TZ", "TST-2", 1);
	tzset();
	test_timeout_parse();
	test_block_add();
	test_block_list();
	test_block_feeds_test();
	test_block_del_flush();
	test_block_load();
	test_block_stdin();
	test_batch();
	test_block_stats();
	test_scope();
	test_save_restore_safety();

	setenv("TZ", "UTC", 1);
	tzset();
	test_offenders();
	test_ledger_stats();
	test_metrics();
	test_monitor();
	test_json_every_command();
	{
		static const char *const names[] = {
			"drop.txt", "small.list", "mixed.txt", "bad.txt", "empty.txt",
			"three.txt", "big.txt", "badword.txt", "nul.txt", "none.txt",
			"batch.txt", "stop.txt", "parse.txt", "neg.txt", "neg2.txt", "in.txt",
			"nested.txt", "nested2.txt", "addrs.txt", "refused.txt",
			"nul-batch.txt", "ns-batch", "monitor.batch",
		};
		char path[128];
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
			unlink(path);
		}
		rmdir(tmpdir);
	}
	munmap(fk, sizeof(*fk));
	return ktap_finish();
}
