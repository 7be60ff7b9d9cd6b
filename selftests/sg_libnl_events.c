// SPDX-License-Identifier: GPL-2.0
/*
 * sg_libnl_events: an independent consumer of smtpguard's "events" group,
 * written against libnl-genl-3 only (not smtpguardctl's code, not libmnl),
 * to show that a client we did not write can use the ABI: it resolves the
 * family and its multicast group by name through the generic netlink
 * controller, joins the group and prints one line per event.
 *
 *   sg_libnl_events [-n COUNT] [-t SECONDS]
 *
 *   -n COUNT    exit 0 after COUNT events (default 1)
 *   -t SECONDS  exit 1 if they have not come within SECONDS (default 10)
 *
 * Output, line-buffered: "subscribed family ID group ID" once joined, then
 * one line per event, the command's name first:
 *
 *   offender-new 192.0.2.10 mode enforce reasons smtp packets 1 smtp 1 cnc 0 in cli0 mac 52:54:00:12:34:56
 *   allow-add mode enforce allow-entries 1 block-entries 0 count 1 prefix 10.10.10.10/32
 *
 * (offender-update like offender-new; configuration events print what they
 * carry of auto, feed, replace, count, ports and their prefixes).  The
 * attributes are parsed with this file's own nla_policy tables.  Exit
 * status: 0 COUNT events seen, 1 timeout (the events seen so far are
 * printed), 2 bad command line, 3 the family or the group is not there or
 * the socket failed.  Joining the group needs CAP_NET_ADMIN.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/smtpguard.h>

static const char *const cmd_names[] = {
	[SMTPGUARD_CMD_ALLOW_ADD] = "allow-add",
	[SMTPGUARD_CMD_ALLOW_DEL] = "allow-del",
	[SMTPGUARD_CMD_ALLOW_FLUSH] = "allow-flush",
	[SMTPGUARD_CMD_PORTS_SET] = "ports-set",
	[SMTPGUARD_CMD_MODE_SET] = "mode-set",
	[SMTPGUARD_CMD_STATS_RESET] = "stats-reset",
	[SMTPGUARD_CMD_BLOCK_ADD] = "block-add",
	[SMTPGUARD_CMD_BLOCK_DEL] = "block-del",
	[SMTPGUARD_CMD_BLOCK_FLUSH] = "block-flush",
	[SMTPGUARD_CMD_BLOCK_TXN_COMMIT] = "block-txn-commit",
	[SMTPGUARD_CMD_OFFENDER_FLUSH] = "offender-flush",
	[SMTPGUARD_CMD_OFFENDER_NEW] = "offender-new",
	[SMTPGUARD_CMD_OFFENDER_UPDATE] = "offender-update",
	[SMTPGUARD_CMD_BLOCK_EXPIRE] = "block-expire",
};

static const char *const mode_names[] = { "off", "monitor", "enforce" };

/* Our own policies: what this client expects of each attribute. */
static struct nla_policy top_policy[SMTPGUARD_A_MAX + 1] = {
	[SMTPGUARD_A_PREFIX] = { .type = NLA_NESTED },
	[SMTPGUARD_A_MODE] = { .type = NLA_U8 },
	[SMTPGUARD_A_MODE_EXPLICIT] = { .type = NLA_FLAG },
	[SMTPGUARD_A_MODE_AUTO] = { .type = NLA_FLAG },
	[SMTPGUARD_A_PORTS] = { .type = NLA_NESTED },
	[SMTPGUARD_A_ALLOW_ENTRIES] = { .type = NLA_U32 },
	[SMTPGUARD_A_FEED] = { .type = NLA_STRING,
			       .maxlen = SMTPGUARD_FEED_NAME_MAX + 1 },
	[SMTPGUARD_A_REPLACE] = { .type = NLA_FLAG },
	[SMTPGUARD_A_BLOCK_ENTRIES] = { .type = NLA_U32 },
	[SMTPGUARD_A_OFFENDER] = { .type = NLA_NESTED },
	[SMTPGUARD_A_COUNT] = { .type = NLA_U32 },
	[SMTPGUARD_A_CHANGE] = { .type = NLA_U8 },
};

static struct nla_policy prefix_policy[SMTPGUARD_PREFIX_A_MAX + 1] = {
	[SMTPGUARD_PREFIX_A_FAMILY] = { .type = NLA_U16 },
	[SMTPGUARD_PREFIX_A_ADDR] = { .type = NLA_UNSPEC, .minlen = 4,
				      .maxlen = 16 },
	[SMTPGUARD_PREFIX_A_PREFIXLEN] = { .type = NLA_U8 },
};

static struct nla_policy offender_policy[SMTPGUARD_OFFENDER_A_MAX + 1] = {
	[SMTPGUARD_OFFENDER_A_ADDR] = { .type = NLA_NESTED },
	[SMTPGUARD_OFFENDER_A_MAC] = { .type = NLA_UNSPEC, .minlen = 6,
				       .maxlen = 6 },
	[SMTPGUARD_OFFENDER_A_IFINDEX] = { .type = NLA_U32 },
	[SMTPGUARD_OFFENDER_A_IFNAME] = { .type = NLA_STRING },
	[SMTPGUARD_OFFENDER_A_REASONS] = { .type = NLA_U32 },
	[SMTPGUARD_OFFENDER_A_PACKETS] = { .type = NLA_U64 },
	[SMTPGUARD_OFFENDER_A_SMTP_PACKETS] = { .type = NLA_U64 },
	[SMTPGUARD_OFFENDER_A_CNC_PACKETS] = { .type = NLA_U64 },
	[SMTPGUARD_OFFENDER_A_FIRST_SEEN] = { .type = NLA_U64 },
	[SMTPGUARD_OFFENDER_A_LAST_SEEN] = { .type = NLA_U64 },
	[SMTPGUARD_OFFENDER_A_DEST] = { .type = NLA_NESTED },
};

static struct nla_policy ports_policy[SMTPGUARD_PORTS_A_MAX + 1] = {
	[SMTPGUARD_PORTS_A_PORT] = { .type = NLA_U16 },
};

struct state {
	int want;		/* events to print before exiting */
	int seen;
	int bad;		/* a message that did not parse */
};

/* "ADDR" or "ADDR/LEN" of a prefix nest, into buf; -1 if malformed. */
static int format_prefix(struct nlattr *nest, char *buf, size_t len,
			 int with_len)
{
	struct nlattr *tb[SMTPGUARD_PREFIX_A_MAX + 1];
	char addr[INET6_ADDRSTRLEN];
	unsigned char raw[16];
	int family, alen, plen;

	if (nla_parse_nested(tb, SMTPGUARD_PREFIX_A_MAX, nest, prefix_policy) < 0 ||
	    !tb[SMTPGUARD_PREFIX_A_FAMILY] || !tb[SMTPGUARD_PREFIX_A_ADDR])
		return -1;
	family = nla_get_u16(tb[SMTPGUARD_PREFIX_A_FAMILY]);
	alen = family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
	if (alen < 0 || nla_len(tb[SMTPGUARD_PREFIX_A_ADDR]) != alen)
		return -1;
	memcpy(raw, nla_data(tb[SMTPGUARD_PREFIX_A_ADDR]), alen);
	if (!inet_ntop(family, raw, addr, sizeof(addr)))
		return -1;
	plen = tb[SMTPGUARD_PREFIX_A_PREFIXLEN] ?
	       nla_get_u8(tb[SMTPGUARD_PREFIX_A_PREFIXLEN]) : alen * 8;
	if (with_len)
		snprintf(buf, len, "%s/%d", addr, plen);
	else
		snprintf(buf, len, "%s", addr);
	return 0;
}

static const char *reasons_str(unsigned int r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s",
		 r & SMTPGUARD_REASON_SMTP ? "smtp" : "",
		 (r & SMTPGUARD_REASON_SMTP) && (r & SMTPGUARD_REASON_CNC) ? "," : "",
		 r & SMTPGUARD_REASON_CNC ? "cnc" : "");
	return buf;
}

static int print_offender(struct nlattr *nest, const char *mode)
{
	struct nlattr *tb[SMTPGUARD_OFFENDER_A_MAX + 1];
	char addr[INET6_ADDRSTRLEN + 4], rs[16];
	const unsigned char *mac;

	if (nla_parse_nested(tb, SMTPGUARD_OFFENDER_A_MAX, nest, offender_policy) < 0 ||
	    !tb[SMTPGUARD_OFFENDER_A_ADDR] ||
	    format_prefix(tb[SMTPGUARD_OFFENDER_A_ADDR], addr, sizeof(addr), 0) < 0)
		return -1;
	printf(" %s mode %s", addr, mode);
	if (tb[SMTPGUARD_OFFENDER_A_REASONS])
		printf(" reasons %s",
		       reasons_str(nla_get_u32(tb[SMTPGUARD_OFFENDER_A_REASONS]),
				   rs, sizeof(rs)));
	if (tb[SMTPGUARD_OFFENDER_A_PACKETS])
		printf(" packets %llu", (unsigned long long)
		       nla_get_u64(tb[SMTPGUARD_OFFENDER_A_PACKETS]));
	if (tb[SMTPGUARD_OFFENDER_A_SMTP_PACKETS])
		printf(" smtp %llu", (unsigned long long)
		       nla_get_u64(tb[SMTPGUARD_OFFENDER_A_SMTP_PACKETS]));
	if (tb[SMTPGUARD_OFFENDER_A_CNC_PACKETS])
		printf(" cnc %llu", (unsigned long long)
		       nla_get_u64(tb[SMTPGUARD_OFFENDER_A_CNC_PACKETS]));
	if (tb[SMTPGUARD_OFFENDER_A_IFNAME])
		printf(" in %s", nla_get_string(tb[SMTPGUARD_OFFENDER_A_IFNAME]));
	if (tb[SMTPGUARD_OFFENDER_A_MAC]) {
		mac = nla_data(tb[SMTPGUARD_OFFENDER_A_MAC]);
		printf(" mac %02x:%02x:%02x:%02x:%02x:%02x",
		       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	}
	return 0;
}

static int print_config(struct nlattr **tb, struct genlmsghdr *gnlh,
			const char *mode)
{
	char pfx[INET6_ADDRSTRLEN + 8];
	struct nlattr *ptb[SMTPGUARD_PORTS_A_MAX + 1];
	struct nlattr *a;
	int rem, first = 1;

	printf(" mode %s", mode);
	if (tb[SMTPGUARD_A_MODE_EXPLICIT])
		printf(" explicit");
	if (tb[SMTPGUARD_A_MODE_AUTO])
		printf(" auto");
	if (tb[SMTPGUARD_A_ALLOW_ENTRIES])
		printf(" allow-entries %u", nla_get_u32(tb[SMTPGUARD_A_ALLOW_ENTRIES]));
	if (tb[SMTPGUARD_A_BLOCK_ENTRIES])
		printf(" block-entries %u", nla_get_u32(tb[SMTPGUARD_A_BLOCK_ENTRIES]));
	if (tb[SMTPGUARD_A_FEED])
		printf(" feed %s", nla_get_string(tb[SMTPGUARD_A_FEED]));
	if (tb[SMTPGUARD_A_REPLACE])
		printf(" replace");
	if (tb[SMTPGUARD_A_COUNT])
		printf(" count %u", nla_get_u32(tb[SMTPGUARD_A_COUNT]));
	if (tb[SMTPGUARD_A_PORTS]) {
		/* only to validate the nest; the ports are repeated attributes */
		if (nla_parse_nested(ptb, SMTPGUARD_PORTS_A_MAX,
				     tb[SMTPGUARD_A_PORTS], ports_policy) < 0)
			return -1;
		printf(" ports");
		nla_for_each_nested(a, tb[SMTPGUARD_A_PORTS], rem) {
			if (nla_type(a) != SMTPGUARD_PORTS_A_PORT || nla_len(a) < 2)
				return -1;
			printf("%s%u", first ? " " : ",", nla_get_u16(a));
			first = 0;
		}
	}
	/* The prefixes repeat: walk the whole message, not the parsed table. */
	nla_for_each_attr(a, genlmsg_attrdata(gnlh, 0), genlmsg_attrlen(gnlh, 0), rem) {
		if (nla_type(a) != SMTPGUARD_A_PREFIX)
			continue;
		if (format_prefix(a, pfx, sizeof(pfx), 1) < 0)
			return -1;
		printf(" prefix %s", pfx);
	}
	return 0;
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gnlh = nlmsg_data(nlh);
	struct nlattr *tb[SMTPGUARD_A_MAX + 1];
	struct state *st = arg;
	const char *name = NULL, *mode = "?";
	unsigned int m, cmd = gnlh->cmd;
	int err;

	if (genlmsg_parse(nlh, 0, tb, SMTPGUARD_A_MAX, top_policy) < 0) {
		printf("unparsable event cmd %u\n", gnlh->cmd);
		st->bad++;
		goto out;
	}
	/* A configuration change names the command that made it. */
	if (cmd == SMTPGUARD_CMD_CONFIG_CHANGE) {
		if (!tb[SMTPGUARD_A_CHANGE]) {
			printf("config-change without a change (malformed)\n");
			st->bad++;
			goto out;
		}
		cmd = nla_get_u8(tb[SMTPGUARD_A_CHANGE]);
	}
	if (cmd < sizeof(cmd_names) / sizeof(cmd_names[0]))
		name = cmd_names[cmd];
	if (tb[SMTPGUARD_A_MODE]) {
		m = nla_get_u8(tb[SMTPGUARD_A_MODE]);
		mode = m <= SMTPGUARD_MODE_MAX ? mode_names[m] : "?";
	}
	if (name)
		printf("%s", name);
	else
		printf("cmd-%u", cmd);
	if (gnlh->cmd == SMTPGUARD_CMD_OFFENDER_NEW ||
	    gnlh->cmd == SMTPGUARD_CMD_OFFENDER_UPDATE)
		err = tb[SMTPGUARD_A_OFFENDER] ?
		      print_offender(tb[SMTPGUARD_A_OFFENDER], mode) : -1;
	else
		err = print_config(tb, gnlh, mode);
	if (err) {
		printf(" (malformed)");
		st->bad++;
	}
	printf("\n");
out:
	st->seen++;
	return NL_OK;
}

static void usage(void)
{
	fprintf(stderr, "usage: sg_libnl_events [-n COUNT] [-t SECONDS]\n");
	exit(2);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct state st = { .want = 1 };
	struct nl_sock *sk;
	struct pollfd pfd;
	long deadline, left;
	int family, grp, opt, err, timeout = 10;
	char *end;

	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		switch (opt) {
		case 'n':
			st.want = strtol(optarg, &end, 10);
			if (*end || st.want < 1)
				usage();
			break;
		case 't':
			timeout = strtol(optarg, &end, 10);
			if (*end || timeout < 1)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	sk = nl_socket_alloc();
	if (!sk) {
		fprintf(stderr, "sg_libnl_events: nl_socket_alloc failed\n");
		return 3;
	}
	err = genl_connect(sk);
	if (err < 0) {
		fprintf(stderr, "sg_libnl_events: genl_connect: %s\n", nl_geterror(err));
		return 3;
	}
	family = genl_ctrl_resolve(sk, SMTPGUARD_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "sg_libnl_events: family %s: %s\n",
			SMTPGUARD_GENL_NAME, nl_geterror(family));
		return 3;
	}
	grp = genl_ctrl_resolve_grp(sk, SMTPGUARD_GENL_NAME, SMTPGUARD_MCGRP_EVENTS);
	if (grp < 0) {
		fprintf(stderr, "sg_libnl_events: group %s: %s\n",
			SMTPGUARD_MCGRP_EVENTS, nl_geterror(grp));
		return 3;
	}
	/* Events are not answers to a request of ours: no sequence check. */
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, &st);
	err = nl_socket_add_membership(sk, grp);
	if (err < 0) {
		fprintf(stderr, "sg_libnl_events: joining group %d: %s\n",
			grp, nl_geterror(err));
		return 3;
	}
	printf("subscribed family %d group %d\n", family, grp);

	pfd.fd = nl_socket_get_fd(sk);
	pfd.events = POLLIN;
	deadline = now_ms() + timeout * 1000L;
	while (st.seen < st.want) {
		left = deadline - now_ms();
		if (left <= 0)
			break;
		err = poll(&pfd, 1, (int)left);
		if (err < 0 && errno != EINTR) {
			perror("sg_libnl_events: poll");
			return 3;
		}
		if (err <= 0)
			continue;
		err = nl_recvmsgs_default(sk);
		if (err < 0) {
			fprintf(stderr, "sg_libnl_events: receiving: %s\n", nl_geterror(err));
			return 3;
		}
	}
	nl_socket_free(sk);
	if (st.seen < st.want) {
		printf("timeout after %d of %d events\n", st.seen, st.want);
		return 1;
	}
	return st.bad ? 1 : 0;
}
