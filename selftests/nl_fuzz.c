// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz: a seeded generic netlink fuzzer for the smtpguard family.
 *
 *   nl_fuzz bad  SEED COUNT   only messages that must be refused
 *   nl_fuzz mix  SEED COUNT   valid messages and mutations, dumps cancelled
 *                             midway, transactions on several sockets
 *   nl_fuzz control SEED COUNT
 *                             the valid base messages the other two start
 *                             from, COUNT of each command, unmutated
 *
 * "bad": every message is built valid for its command, then broken in one
 * way the kernel must refuse: an unknown, unsupported or wrongly sized
 * attribute, garbage in a nest, a missing or repeated attribute, a value out
 * of range, an unknown or event-only command, a reserved header field or
 * flag, a dump flag on a "do" command and the reverse, a datagram shorter
 * than its header claims.  Each must be answered with an error, and with an
 * extended ack (a message or an offset) whenever the refusal is about an
 * attribute.  The caller compares the namespace's state before and after.
 *
 * "mix": random valid messages (the blocklist ones rarer: every change
 * waits for an RCU grace period), mutated ones, dumps read halfway and then
 * abandoned by closing the socket, feed transactions begun, fed, committed,
 * aborted or left open on one of three sockets that are closed and reopened
 * at random, and an "events" listener that never reads.
 *
 * "control": the negative control of the other two.  If the builder of the
 * valid base messages broke, every mutation would be refused for the wrong
 * reason and "bad" would pass: each base message must be accepted, or
 * refused only for the namespace's state (ENOENT: no such prefix, feed or
 * transaction; EBUSY, ENOSPC: a limit), never for its form (EINVAL,
 * ERANGE, EOPNOTSUPP, EMSGSIZE, ...).  "mix" applies the same rule to its
 * valid messages.
 *
 * Prints one summary line; exits 1 when a message that must fail was
 * accepted, an attribute error came without an extended ack, an answer
 * did not come, or a valid message was refused for its form.  Runs in the
 * caller's network namespace.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/smtpguard.h>

#define MSG_MAX		65536
#define NR_SOCKS	3
#define NR_FEEDS	4

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic for a seed, which is all we need. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned int rn(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

struct stats {
	unsigned long sent, valid, bad, refused, with_extack, accepted_bad;
	unsigned long missing_extack, no_answer, dumps, dumps_cancelled;
	unsigned long txn_begun, txn_committed, txn_aborted, txn_dropped;
	unsigned long truncated, errors_valid, form_refused;
};

static struct stats st;
static uint16_t family_id;
static uint32_t seq;
static const char *const feeds[NR_FEEDS] = { "fz0", "fz1", "fz2", "manual" };

struct sock {
	struct mnl_socket *nl;
	uint32_t txn;		/* an open transaction of this socket, or 0 */
};

static struct sock socks[NR_SOCKS];

static struct mnl_socket *sock_open(void)
{
	struct timeval tv = { .tv_sec = 10 };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	int one = 1;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nl_fuzz: netlink socket");
		exit(2);
	}
	setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	return nl;
}

static struct nlmsghdr *msg_start(char *buf, uint16_t type, uint16_t flags,
				  uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = SMTPGUARD_GENL_VERSION;
	return nlh;
}

static uint32_t events_group;

static int grp_attr_cb(const struct nlattr *a, void *data)
{
	const char **name = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
		name[0] = mnl_attr_get_str(a);
	else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
		name[1] = (const char *)a;
	return MNL_CB_OK;
}

/* CTRL_CMD_GETFAMILY: the family's id and its "events" group. */
static int family_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr *grp;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
		*(uint16_t *)data = mnl_attr_get_u16(a);
	if (mnl_attr_get_type(a) != CTRL_ATTR_MCAST_GROUPS)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(grp, a) {
		const char *found[2] = { NULL, NULL };

		mnl_attr_parse_nested(grp, grp_attr_cb, found);
		if (found[0] && found[1] &&
		    !strcmp(found[0], SMTPGUARD_MCGRP_EVENTS))
			events_group = mnl_attr_get_u32((const struct nlattr *)found[1]);
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
			      data);
}

static void resolve_family(struct mnl_socket *nl)
{
	char buf[16384];
	struct nlmsghdr *nlh;
	int n;

	nlh = msg_start(buf, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
			CTRL_CMD_GETFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SMTPGUARD_GENL_NAME);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		exit(2);
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		n = mnl_cb_run(buf, n, nlh->nlmsg_seq, 0, family_cb,
			       &family_id);
		if (n <= MNL_CB_STOP)
			break;
	}
	if (!family_id) {
		fprintf(stderr, "nl_fuzz: family %s not found\n",
			SMTPGUARD_GENL_NAME);
		exit(4);
	}
}

/* ------------------------------------------------------------ builders */

static void put_prefix(struct nlmsghdr *nlh, uint16_t type, bool full)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	bool v6 = rn(4) == 0;
	uint8_t addr[16] = { 0 };
	unsigned int len, i, bits = v6 ? 128 : 32;

	for (i = 0; i < bits / 8; i++)
		addr[i] = (uint8_t)rnd();
	if (v6) {
		addr[0] = 0x20;
		addr[1] = 0x01;
		addr[2] = 0x0d;
		addr[3] = 0xb8;
	} else {
		/* Mostly documentation space, so traffic stays meaningful. */
		addr[0] = rn(2) ? 198 : 203;
	}
	len = full ? bits : (rn(3) ? bits : 8 + rn(bits - 7));
	for (i = 0; i < bits; i++) {
		if (i >= len)
			addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	}
	mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY,
			 v6 ? AF_INET6 : AF_INET);
	mnl_attr_put(nlh, SMTPGUARD_PREFIX_A_ADDR, bits / 8, addr);
	if (!full || rn(2))
		mnl_attr_put_u8(nlh, SMTPGUARD_PREFIX_A_PREFIXLEN, len);
	mnl_attr_nest_end(nlh, nest);
}

static bool is_dump(uint8_t cmd)
{
	return cmd == SMTPGUARD_CMD_ALLOW_GET ||
	       cmd == SMTPGUARD_CMD_BLOCK_GET ||
	       cmd == SMTPGUARD_CMD_FEED_GET ||
	       cmd == SMTPGUARD_CMD_OFFENDER_GET ||
	       cmd == SMTPGUARD_CMD_EXCEPT_GET ||
	       cmd == SMTPGUARD_CMD_ROLE_GET;
}

static bool is_block_change(uint8_t cmd)
{
	return cmd == SMTPGUARD_CMD_BLOCK_ADD ||
	       cmd == SMTPGUARD_CMD_BLOCK_DEL ||
	       cmd == SMTPGUARD_CMD_BLOCK_FLUSH ||
	       cmd == SMTPGUARD_CMD_BLOCK_TXN_COMMIT;
}

/* A valid request for cmd (valid in form; it may still fail, e.g. ENOENT). */
static struct nlmsghdr *build_valid(char *buf, uint8_t cmd, uint32_t txn)
{
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int i, n;

	if (is_dump(cmd))
		flags |= NLM_F_DUMP;
	nlh = msg_start(buf, family_id, flags, cmd);
	switch (cmd) {
	case SMTPGUARD_CMD_ALLOW_ADD:
	case SMTPGUARD_CMD_ALLOW_DEL:
		for (i = 0, n = 1 + rn(3); i < n; i++)
			put_prefix(nlh, SMTPGUARD_A_PREFIX, false);
		break;
	case SMTPGUARD_CMD_PORTS_SET:
		nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_PORTS);
		mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT, 25);
		for (i = 0, n = rn(3); i < n; i++)
			mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT,
					 1 + rn(65535));
		mnl_attr_nest_end(nlh, nest);
		break;
	case SMTPGUARD_CMD_MODE_SET:
		mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, 1 + rn(2));
		break;
	case SMTPGUARD_CMD_BLOCK_ADD:
		if (txn) {
			mnl_attr_put_u32(nlh, SMTPGUARD_A_TXN_ID, txn);
		} else {
			mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED,
					  feeds[rn(NR_FEEDS)]);
			if (rn(4) == 0)
				mnl_attr_put_u32(nlh, SMTPGUARD_A_TIMEOUT,
						 1 + rn(100));
		}
		n = rn(8) ? 1 + rn(4) : 1 + rn(1500);
		for (i = 0; i < n; i++)
			put_prefix(nlh, SMTPGUARD_A_PREFIX, false);
		break;
	case SMTPGUARD_CMD_BLOCK_DEL:
		if (rn(2))
			mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED,
					  feeds[rn(NR_FEEDS)]);
		put_prefix(nlh, SMTPGUARD_A_PREFIX, false);
		break;
	case SMTPGUARD_CMD_BLOCK_FLUSH:
	case SMTPGUARD_CMD_BLOCK_GET:
		if (rn(2))
			mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED,
					  feeds[rn(NR_FEEDS)]);
		break;
	case SMTPGUARD_CMD_BLOCK_TEST:
		put_prefix(nlh, SMTPGUARD_A_PREFIX, true);
		break;
	case SMTPGUARD_CMD_BLOCK_TXN_BEGIN:
		mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, feeds[rn(NR_FEEDS)]);
		if (rn(2))
			mnl_attr_put(nlh, SMTPGUARD_A_REPLACE, 0, NULL);
		break;
	case SMTPGUARD_CMD_BLOCK_TXN_COMMIT:
	case SMTPGUARD_CMD_BLOCK_TXN_ABORT:
		mnl_attr_put_u32(nlh, SMTPGUARD_A_TXN_ID, txn ? txn : rnd());
		break;
	case SMTPGUARD_CMD_OFFENDER_GET:
	case SMTPGUARD_CMD_OFFENDER_FLUSH:
		if (rn(2))
			mnl_attr_put_u32(nlh, SMTPGUARD_A_REASON, 1 + rn(3));
		break;
	case SMTPGUARD_CMD_ALLOW_FLUSH:
		if (rn(3) == 0)
			mnl_attr_put_u8(nlh, SMTPGUARD_A_SMTP_POLICY, rn(2));
		break;
	case SMTPGUARD_CMD_EXCEPT_ADD:
	case SMTPGUARD_CMD_EXCEPT_DEL:
		for (i = 0, n = 1 + rn(3); i < n; i++)
			put_prefix(nlh, SMTPGUARD_A_PREFIX, false);
		break;
	case SMTPGUARD_CMD_ROLE_ADD:
	case SMTPGUARD_CMD_ROLE_DEL: {
		/* a pool of names per role: never one name in both */
		static const char *const names[2][3] = {
			{ "fzi0", "fzi1", "fzi2" }, { "fzo0", "fzo1", "fzo2" },
		};
		unsigned int role = rn(2);

		mnl_attr_put_u8(nlh, SMTPGUARD_A_ROLE, 1 + role);
		mnl_attr_put_strz(nlh, SMTPGUARD_A_IFNAME, names[role][rn(3)]);
		if (!role && rn(2))
			put_prefix(nlh, SMTPGUARD_A_PREFIX, false);
		break;
	}
	case SMTPGUARD_CMD_ROLE_FLUSH:
		if (rn(2))
			mnl_attr_put_u8(nlh, SMTPGUARD_A_ROLE, 1 + rn(2));
		break;
	case SMTPGUARD_CMD_FEED_SET:
		mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, feeds[rn(NR_FEEDS)]);
		n = 1 + rn(3);
		if (n & 1)
			mnl_attr_put_u8(nlh, SMTPGUARD_A_ACTION, rn(2));
		if (n & 2)
			mnl_attr_put_u8(nlh, SMTPGUARD_A_DIRECTION, rn(3));
		break;
	}
	return nlh;
}

/* The attributes each command accepts at the top level (its policy). */
static uint16_t max_attr(uint8_t cmd)
{
	switch (cmd) {
	case SMTPGUARD_CMD_ALLOW_ADD:
	case SMTPGUARD_CMD_ALLOW_DEL:
	case SMTPGUARD_CMD_BLOCK_TEST:
		return SMTPGUARD_A_PREFIX;
	case SMTPGUARD_CMD_PORTS_SET:
		return SMTPGUARD_A_PORTS;
	case SMTPGUARD_CMD_MODE_SET:
		return SMTPGUARD_A_MODE;
	case SMTPGUARD_CMD_BLOCK_ADD:
	case SMTPGUARD_CMD_BLOCK_TXN_COMMIT:
	case SMTPGUARD_CMD_BLOCK_TXN_ABORT:
		return SMTPGUARD_A_TXN_ID;
	case SMTPGUARD_CMD_BLOCK_DEL:
	case SMTPGUARD_CMD_BLOCK_FLUSH:
	case SMTPGUARD_CMD_BLOCK_GET:
		return SMTPGUARD_A_FEED;
	case SMTPGUARD_CMD_BLOCK_TXN_BEGIN:
		return SMTPGUARD_A_REPLACE;
	case SMTPGUARD_CMD_OFFENDER_GET:
	case SMTPGUARD_CMD_OFFENDER_FLUSH:
		return SMTPGUARD_A_REASON;
	case SMTPGUARD_CMD_ALLOW_FLUSH:
		return SMTPGUARD_A_SMTP_POLICY;
	case SMTPGUARD_CMD_EXCEPT_ADD:
	case SMTPGUARD_CMD_EXCEPT_DEL:
		return SMTPGUARD_A_PREFIX;
	case SMTPGUARD_CMD_ROLE_ADD:
	case SMTPGUARD_CMD_ROLE_DEL:
		return SMTPGUARD_A_IFNAME;
	case SMTPGUARD_CMD_ROLE_FLUSH:
		return SMTPGUARD_A_ROLE;
	case SMTPGUARD_CMD_FEED_SET:
		return SMTPGUARD_A_DIRECTION;
	}
	return 0;
}

enum expect {
	EXPECT_ANY,		/* a valid request: any answer will do */
	EXPECT_ERR,		/* must fail */
	EXPECT_ERR_EXTACK,	/* must fail, with an extended ack */
	EXPECT_NOTHING,		/* a short datagram: dropped unanswered */
};

/* Commands that are neither do nor dump ones in our family. */
static uint8_t unknown_cmd(void)
{
	static const uint8_t event_only[] = {
		SMTPGUARD_CMD_UNSPEC, SMTPGUARD_CMD_OFFENDER_NEW,
		SMTPGUARD_CMD_OFFENDER_UPDATE, SMTPGUARD_CMD_BLOCK_EXPIRE,
		SMTPGUARD_CMD_CONFIG_CHANGE, SMTPGUARD_CMD_OFFENDER_SUPPRESSED,
	};

	if (rn(2))
		return event_only[rn(sizeof(event_only))];
	return SMTPGUARD_CMD_MAX + 1 + rn(255 - SMTPGUARD_CMD_MAX);
}

static void put_bad_prefix(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_PREFIX);
	uint8_t addr[17];
	unsigned int i;

	for (i = 0; i < sizeof(addr); i++)
		addr[i] = (uint8_t)rnd();
	switch (rn(5)) {
	case 0:		/* an unknown family */
		mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY, 3 + rn(7));
		mnl_attr_put(nlh, SMTPGUARD_PREFIX_A_ADDR, 4, addr);
		break;
	case 1:		/* an address of the other family's size */
		mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY, AF_INET);
		mnl_attr_put(nlh, SMTPGUARD_PREFIX_A_ADDR,
			     rn(2) ? 16 : 1 + rn(3), addr);
		break;
	case 2:		/* a length longer than the address */
		mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY, AF_INET6);
		mnl_attr_put(nlh, SMTPGUARD_PREFIX_A_ADDR, 16, addr);
		mnl_attr_put_u8(nlh, SMTPGUARD_PREFIX_A_PREFIXLEN, 129 + rn(127));
		break;
	case 3:		/* host bits set */
		addr[3] |= 1;
		mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY, AF_INET);
		mnl_attr_put(nlh, SMTPGUARD_PREFIX_A_ADDR, 4, addr);
		mnl_attr_put_u8(nlh, SMTPGUARD_PREFIX_A_PREFIXLEN, 8 + rn(23));
		break;
	default:	/* no address at all */
		mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY, AF_INET);
		break;
	}
	mnl_attr_nest_end(nlh, nest);
}

/* An attribute header claiming fewer bytes than a header: never valid. */
static void put_garbage_nest(struct nlmsghdr *nlh, uint16_t type)
{
	uint8_t junk[12];
	unsigned int i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rnd();
	junk[0] = 3;
	junk[1] = 0;
	mnl_attr_put(nlh, type | NLA_F_NESTED, sizeof(junk), junk);
}

/* Every do and dump command of the family. */
static const uint8_t fuzz_cmds[] = {
	SMTPGUARD_CMD_ALLOW_ADD, SMTPGUARD_CMD_ALLOW_DEL,
	SMTPGUARD_CMD_ALLOW_FLUSH, SMTPGUARD_CMD_ALLOW_GET,
	SMTPGUARD_CMD_PORTS_SET, SMTPGUARD_CMD_PORTS_GET,
	SMTPGUARD_CMD_MODE_SET, SMTPGUARD_CMD_MODE_GET,
	SMTPGUARD_CMD_STATS_GET, SMTPGUARD_CMD_STATS_RESET,
	SMTPGUARD_CMD_BLOCK_ADD, SMTPGUARD_CMD_BLOCK_DEL,
	SMTPGUARD_CMD_BLOCK_FLUSH, SMTPGUARD_CMD_BLOCK_GET,
	SMTPGUARD_CMD_BLOCK_TEST, SMTPGUARD_CMD_BLOCK_TXN_BEGIN,
	SMTPGUARD_CMD_BLOCK_TXN_COMMIT, SMTPGUARD_CMD_BLOCK_TXN_ABORT,
	SMTPGUARD_CMD_FEED_GET, SMTPGUARD_CMD_OFFENDER_GET,
	SMTPGUARD_CMD_OFFENDER_FLUSH,
	SMTPGUARD_CMD_EXCEPT_ADD, SMTPGUARD_CMD_EXCEPT_DEL,
	SMTPGUARD_CMD_EXCEPT_FLUSH, SMTPGUARD_CMD_EXCEPT_GET,
	SMTPGUARD_CMD_ROLE_ADD, SMTPGUARD_CMD_ROLE_DEL,
	SMTPGUARD_CMD_ROLE_FLUSH, SMTPGUARD_CMD_ROLE_GET,
	SMTPGUARD_CMD_FEED_SET,
};

/*
 * A request for a random command broken in one way it must be refused.
 * Returns what to expect; *len may be cut short of nlmsg_len.
 */
static enum expect build_bad(char *buf, size_t *len)
{
	uint8_t cmd = fuzz_cmds[rn(ARRAY_SIZE(fuzz_cmds))];
	struct nlmsghdr *nlh = build_valid(buf, cmd, 0);
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	uint16_t top = max_attr(cmd);
	struct nlattr *nest;
	uint8_t junk[8] = { 0 };

	*len = 0;
	switch (rn(12)) {
	case 0:		/* an attribute beyond the command's policy */
		mnl_attr_put_u32(nlh, top + 1 + rn(SMTPGUARD_A_MAX + 40 - top),
				 (uint32_t)rnd());
		break;
	case 1:		/* a reserved header field */
		g->reserved = 1 + rn(65535);
		return EXPECT_ERR_EXTACK;
	case 2:		/* flags the family does not allow */
		nlh->nlmsg_flags |= NLM_F_ATOMIC << rn(2);
		return EXPECT_ERR_EXTACK;
	case 3:		/* an unknown or event-only command */
		g->cmd = unknown_cmd();
		return EXPECT_ERR;
	case 4:		/* a dump flag on a "do" command, or none on a dump */
		nlh->nlmsg_flags ^= NLM_F_DUMP;
		return EXPECT_ERR;
	case 5:		/* a datagram shorter than nlmsg_len says */
		*len = nlh->nlmsg_len - 1 - rn(nlh->nlmsg_len - 16);
		return EXPECT_NOTHING;
	case 6:		/* trailing bytes that are no attribute */
		mnl_attr_put(nlh, 0, 0, NULL);
		nlh->nlmsg_len -= 2;
		memcpy((char *)nlh + nlh->nlmsg_len - 2, junk, 2);
		break;
	default:
		if (!top) {	/* no attributes allowed: give one */
			mnl_attr_put_u8(nlh, 1 + rn(SMTPGUARD_A_MAX), 1);
			break;
		}
		switch (cmd) {
		case SMTPGUARD_CMD_ALLOW_FLUSH:
			nlh = msg_start(buf, family_id, nlh->nlmsg_flags, cmd);
			if (rn(2))	/* out of range */
				mnl_attr_put_u8(nlh, SMTPGUARD_A_SMTP_POLICY,
						2 + rn(254));
			else		/* any other: rejected by name */
				mnl_attr_put_u8(nlh, 1 + rn(SMTPGUARD_A_SMTP_POLICY - 1),
						1);
			break;
		case SMTPGUARD_CMD_MODE_SET:
			nlh = msg_start(buf, family_id, nlh->nlmsg_flags, cmd);
			if (rn(3) == 0) {
				break;				/* missing */
			} else if (rn(2)) {
				mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE,
						3 + rn(253));	/* range */
			} else {
				mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, 1);
				mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, 2);
			}
			break;
		case SMTPGUARD_CMD_PORTS_SET:
			nlh = msg_start(buf, family_id, nlh->nlmsg_flags, cmd);
			nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_PORTS);
			if (rn(2))
				mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT, 0);
			else
				mnl_attr_put(nlh, SMTPGUARD_PORTS_A_PORT, 3,
					     junk);
			mnl_attr_nest_end(nlh, nest);
			break;
		case SMTPGUARD_CMD_BLOCK_ADD:
			if (rn(2))
				mnl_attr_put_u32(nlh, SMTPGUARD_A_TIMEOUT,
						 rn(2) ? 0 : SMTPGUARD_MAX_TIMEOUT + 1 + rn(1000));
			else
				mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED,
						  "second feed");
			break;
		case SMTPGUARD_CMD_BLOCK_TXN_BEGIN:
			nlh = msg_start(buf, family_id, nlh->nlmsg_flags, cmd);
			mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED,
					  rn(2) ? "bad name!" :
					  "a-feed-name-longer-than-31-chars");
			break;
		case SMTPGUARD_CMD_OFFENDER_GET:
		case SMTPGUARD_CMD_OFFENDER_FLUSH:
			/* a bit outside SMTP | CNC */
			mnl_attr_put_u32(nlh, SMTPGUARD_A_REASON,
					 (4u << rn(29)) | rn(4));
			break;
		case SMTPGUARD_CMD_BLOCK_TXN_COMMIT:
		case SMTPGUARD_CMD_BLOCK_TXN_ABORT:
			mnl_attr_put(nlh, SMTPGUARD_A_TXN_ID, 2, junk);
			break;
		case SMTPGUARD_CMD_BLOCK_GET:
		case SMTPGUARD_CMD_BLOCK_FLUSH:
			mnl_attr_put(nlh, SMTPGUARD_A_FEED, 4, "abcd");
			break;		/* not NUL-terminated */
		case SMTPGUARD_CMD_FEED_SET:
			nlh = msg_start(buf, family_id, nlh->nlmsg_flags, cmd);
			mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, feeds[0]);
			if (rn(3) == 0)
				break;			/* neither setting */
			if (rn(2))
				mnl_attr_put_u8(nlh, SMTPGUARD_A_ACTION,
						2 + rn(254));
			else
				mnl_attr_put_u8(nlh, SMTPGUARD_A_DIRECTION,
						3 + rn(253));
			break;
		case SMTPGUARD_CMD_ROLE_ADD:
		case SMTPGUARD_CMD_ROLE_DEL:
			nlh = msg_start(buf, family_id, nlh->nlmsg_flags, cmd);
			switch (rn(4)) {
			case 0:		/* no role, or one out of range */
				if (rn(2))
					mnl_attr_put_u8(nlh, SMTPGUARD_A_ROLE,
							rn(2) ? 0 : 3 + rn(253));
				mnl_attr_put_strz(nlh, SMTPGUARD_A_IFNAME, "fzi0");
				break;
			case 1:		/* a name no interface can have */
				mnl_attr_put_u8(nlh, SMTPGUARD_A_ROLE, 1 + rn(2));
				mnl_attr_put_strz(nlh, SMTPGUARD_A_IFNAME,
						  rn(2) ? "a/b" : "a-name-far-too-long");
				break;
			case 2:		/* a prefix for outside */
				mnl_attr_put_u8(nlh, SMTPGUARD_A_ROLE, 2);
				put_prefix(nlh, SMTPGUARD_A_PREFIX, false);
				break;
			default:	/* a role and nothing else */
				mnl_attr_put_u8(nlh, SMTPGUARD_A_ROLE, 1 + rn(2));
				break;
			}
			break;
		default:	/* a prefix, or garbage where one goes */
			if (rn(2))
				put_bad_prefix(nlh);
			else
				put_garbage_nest(nlh, SMTPGUARD_A_PREFIX);
			break;
		}
		break;
	}
	return EXPECT_ERR_EXTACK;
}

/* ------------------------------------------------------------- answers */

struct answer {
	uint32_t seq;
	int err;		/* 0: acked; <0: error; 1: none seen */
	bool extack;
	bool done;
	uint32_t txn_id;
	unsigned int parts;	/* dump messages */
};

static int txn_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == SMTPGUARD_A_TXN_ID &&
	    mnl_attr_get_payload_len(a) == 4)
		*(uint32_t *)data = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int tlv_cb(const struct nlattr *a, void *data)
{
	uint16_t t = mnl_attr_get_type(a);

	if (t == NLMSGERR_ATTR_MSG || t == NLMSGERR_ATTR_OFFS ||
	    t == NLMSGERR_ATTR_MISS_TYPE)
		*(bool *)data = true;
	return MNL_CB_OK;
}

static void read_answer(struct mnl_socket *nl, struct answer *a)
{
	static char buf[65536];
	int n;

	a->err = 1;
	while (!a->done) {
		struct nlmsghdr *nlh;

		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == ENOBUFS)
				continue;
			return;		/* timeout: no answer */
		}
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
		     nlh = mnl_nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_seq != a->seq)
				continue;	/* a stale answer */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				size_t off = sizeof(*e);

				a->err = e->error;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					mnl_attr_parse(nlh, off, tlv_cb,
						       &a->extack);
				a->done = true;
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				const int *e = mnl_nlmsg_get_payload(nlh);

				a->err = mnl_nlmsg_get_payload_len(nlh) >= sizeof(int) ? *e : 0;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					mnl_attr_parse(nlh, sizeof(int), tlv_cb,
						       &a->extack);
				a->done = true;
			} else {
				a->parts++;
				mnl_attr_parse(nlh, sizeof(struct genlmsghdr),
					       txn_attr_cb, &a->txn_id);
			}
		}
	}
}

/* Sends one request and reads its answer; a dump may be abandoned. */
static void exchange(struct sock *s, struct nlmsghdr *nlh, size_t len,
		     enum expect want, bool cancel_dump)
{
	struct answer a = { .seq = nlh->nlmsg_seq };
	char probe[256];

	st.sent++;
	if (mnl_socket_sendto(s->nl, nlh, len ? len : nlh->nlmsg_len) < 0) {
		st.no_answer++;
		fprintf(stderr, "nl_fuzz: send: %s\n", strerror(errno));
		return;
	}
	if (want == EXPECT_NOTHING) {
		/* The short datagram is dropped; the next request answers. */
		struct nlmsghdr *p = msg_start(probe, family_id,
					       NLM_F_REQUEST | NLM_F_ACK,
					       SMTPGUARD_CMD_MODE_GET);

		st.truncated++;
		exchange(s, p, 0, EXPECT_ANY, false);
		return;
	}
	if (cancel_dump) {
		char buf[16384];

		/* One batch, then the socket goes with the dump half read. */
		if (mnl_socket_recvfrom(s->nl, buf, sizeof(buf)) > 0)
			st.dumps_cancelled++;
		mnl_socket_close(s->nl);
		if (s->txn)
			st.txn_dropped++;
		s->nl = sock_open();
		s->txn = 0;
		return;
	}
	read_answer(s->nl, &a);
	if (a.err == 1) {
		st.no_answer++;
		fprintf(stderr, "nl_fuzz: no answer to cmd %u (seq %u)\n",
			((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd,
			a.seq);
		return;
	}
	if (a.parts)
		st.dumps++;
	if (want == EXPECT_ANY) {
		st.valid++;
		if (a.err)
			st.errors_valid++;
		/* Refused for the state it met, or for its form? */
		if (a.err && a.err != -ENOENT && a.err != -EBUSY &&
		    a.err != -ENOSPC) {
			if (st.form_refused++ < 10)
				fprintf(stderr, "nl_fuzz: a valid request refused for its form: cmd %u seq %u: %s\n",
					((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd,
					a.seq, strerror(-a.err));
		}
		if (!a.err && a.txn_id)
			s->txn = a.txn_id;
		return;
	}
	st.bad++;
	if (!a.err) {
		st.accepted_bad++;
		fprintf(stderr, "nl_fuzz: accepted a bad request: cmd %u seq %u\n",
			((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd,
			a.seq);
		return;
	}
	st.refused++;
	if (a.extack)
		st.with_extack++;
	else if (want == EXPECT_ERR_EXTACK)
		st.missing_extack++;
}

/* ---------------------------------------------------------------- main */

static void step_mix(char *buf, bool late)
{
	struct sock *s = &socks[rn(NR_SOCKS)];
	struct nlmsghdr *nlh;
	unsigned int r = rn(1000);
	uint8_t cmd;

	if (r < 300) {			/* a mutation */
		size_t len;
		enum expect want = build_bad(buf, &len);

		exchange(s, (struct nlmsghdr *)buf, len, want, false);
		return;
	}
	if (r < 310) {			/* a dump abandoned halfway */
		nlh = build_valid(buf, SMTPGUARD_CMD_BLOCK_GET, 0);
		exchange(s, nlh, 0, EXPECT_ANY, true);
		return;
	}
	if (r < 320) {			/* a socket closed, maybe mid-txn */
		if (s->txn)
			st.txn_dropped++;
		mnl_socket_close(s->nl);
		s->nl = sock_open();
		s->txn = 0;
		return;
	}
	if (r < 340) {			/* transactions */
		if (!s->txn) {
			nlh = build_valid(buf, SMTPGUARD_CMD_BLOCK_TXN_BEGIN, 0);
			exchange(s, nlh, 0, EXPECT_ANY, false);
			st.txn_begun += !!s->txn;
		} else if (rn(3)) {
			nlh = build_valid(buf, SMTPGUARD_CMD_BLOCK_ADD, s->txn);
			exchange(s, nlh, 0, EXPECT_ANY, false);
		} else {
			/* Sometimes another socket's: that must be refused. */
			struct sock *o = &socks[rn(NR_SOCKS)];
			bool commit = rn(2);

			cmd = commit ? SMTPGUARD_CMD_BLOCK_TXN_COMMIT :
				       SMTPGUARD_CMD_BLOCK_TXN_ABORT;
			nlh = build_valid(buf, cmd, s->txn);
			if (o != s) {
				exchange(o, nlh, 0, EXPECT_ERR_EXTACK, false);
				return;
			}
			exchange(s, nlh, 0, EXPECT_ANY, false);
			if (commit)
				st.txn_committed++;
			else
				st.txn_aborted++;
			s->txn = 0;
		}
		return;
	}
	/* Any valid request; blocklist changes wait for RCU, keep them rare. */
	/* Stats resets rare and none at the end: the event counters that
	 * the caller reads afterwards are then this run's.
	 */
	do {
		cmd = 1 + rn(SMTPGUARD_CMD_OFFENDER_FLUSH);
	} while ((is_block_change(cmd) && rn(20)) ||
		 (cmd == SMTPGUARD_CMD_STATS_RESET && (rn(20) || late)) ||
		 cmd == SMTPGUARD_CMD_BLOCK_TXN_BEGIN ||
		 cmd == SMTPGUARD_CMD_BLOCK_TXN_COMMIT);
	nlh = build_valid(buf, cmd, 0);
	exchange(s, nlh, 0, EXPECT_ANY, false);
}

int main(int argc, char **argv)
{
	static char buf[MSG_MAX];
	unsigned long count, i;
	struct mnl_socket *listener;
	bool mix, control;
	int grp;

	if (argc != 4 || (strcmp(argv[1], "bad") && strcmp(argv[1], "mix") &&
			  strcmp(argv[1], "control"))) {
		fprintf(stderr, "usage: nl_fuzz bad|mix|control SEED COUNT\n");
		return 2;
	}
	mix = !strcmp(argv[1], "mix");
	control = !strcmp(argv[1], "control");
	rng_state = strtoull(argv[2], NULL, 0) * 0x9e3779b97f4a7c15ULL + 1;
	count = strtoul(argv[3], NULL, 0);

	for (i = 0; i < NR_SOCKS; i++)
		socks[i].nl = sock_open();
	resolve_family(socks[0].nl);

	/* A listener that never reads: its queue fills, events get dropped. */
	listener = sock_open();
	grp = (int)events_group;
	if (mix && grp &&
	    mnl_socket_setsockopt(listener, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		perror("nl_fuzz: joining the events group");
	/* As smtpguardctl monitor: the module hears of every overrun. */
	if (mix && grp) {
		int one = 1;

		mnl_socket_setsockopt(listener, NETLINK_BROADCAST_ERROR, &one,
				      sizeof(one));
	}

	for (i = 0; control && i < count * ARRAY_SIZE(fuzz_cmds); i++) {
		struct sock *sk = &socks[0];
		uint8_t cmd = fuzz_cmds[i % ARRAY_SIZE(fuzz_cmds)];

		exchange(sk, build_valid(buf, cmd, sk->txn), 0, EXPECT_ANY,
			 false);
	}
	for (i = 0; !control && i < count; i++) {
		if (mix) {
			step_mix(buf, i >= count - count / 5);
		} else {
			size_t len;
			enum expect want = build_bad(buf, &len);

			exchange(&socks[rn(NR_SOCKS)], (struct nlmsghdr *)buf,
				 len, want, false);
		}
	}

	printf("nl_fuzz %s: events group %d%s; %lu messages (%lu must fail: %lu refused, %lu with extack; %lu valid, %lu of them refused, %lu for their form), %lu short datagrams, %lu dumps, %lu abandoned halfway, transactions %lu begun %lu committed %lu aborted %lu dropped with their socket; accepted bad %lu, missing extack %lu, unanswered %lu\n",
	       argv[1], grp, mix && grp ? " joined, never read" : "",
	       st.sent, st.bad, st.refused, st.with_extack, st.valid,
	       st.errors_valid, st.form_refused, st.truncated, st.dumps,
	       st.dumps_cancelled, st.txn_begun, st.txn_committed,
	       st.txn_aborted, st.txn_dropped, st.accepted_bad,
	       st.missing_extack, st.no_answer);
	for (i = 0; i < NR_SOCKS; i++)
		mnl_socket_close(socks[i].nl);
	mnl_socket_close(listener);
	if (control && st.valid != count * ARRAY_SIZE(fuzz_cmds))
		return 1;
	return st.accepted_bad || st.missing_extack || st.no_answer ||
	       st.form_refused ? 1 : 0;
}
