// SPDX-License-Identifier: GPL-2.0
/*
 * monitor [events|config|all] [count N]
 *
 * Joins the family's "events" multicast group (its id comes with the
 * family, from CTRL_CMD_GETFAMILY) and prints one line per event, or one
 * JSON object per line, flushed as it comes, until SIGINT or SIGTERM (exit
 * 0, quietly), N events, or, with -n NETNS, until that namespace is
 * deleted: the socket would otherwise keep it alive.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "feed.h"
#include "nl.h"
#include "print.h"
#include "smtpguardctl.h"

#ifndef NETLINK_ADD_MEMBERSHIP
#define NETLINK_ADD_MEMBERSHIP	1
#endif
#ifndef NETLINK_BROADCAST_ERROR
#define NETLINK_BROADCAST_ERROR	4
#endif

#define MONITOR_WHAT	"events, config, all"
/* Room for a burst of events before the kernel has to drop any. */
#define MONITOR_RCVBUF	(1 << 20)

/* ---- one event -------------------------------------------------------- */

struct event {
	uint8_t cmd;		/* for a config change, the command that made it */
	bool has_change;
	uint8_t change;
	bool has_mode;
	uint8_t mode;
	bool mode_explicit, mode_auto, replace;
	bool has_allow, has_block, has_count, has_reason, has_ports;
	uint32_t allow_entries, block_entries, count, reason;
	uint16_t ports[SMTPGUARD_MAX_PORTS];
	size_t nports;
	const char *feed;
	struct sg_prefix prefixes[SMTPGUARD_EVENT_MAX_PREFIXES];
	size_t nprefixes;
	uint8_t role;		/* ROLE_*: enum smtpguard_role; 0: none */
	bool has_action, has_direction;
	uint8_t action, direction;
	const char *ifnames[SMTPGUARD_MAX_ROLE_IFS];
	size_t nifnames;
	bool has_offender;
	struct sg_offender off;
};

static int event_attr_cb(const struct nlattr *attr, void *data)
{
	struct event *e = data;
	uint32_t *u32 = NULL;
	bool *has = NULL;

	switch (mnl_attr_get_type(attr)) {
	case SMTPGUARD_A_CHANGE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		e->has_change = true;
		e->change = mnl_attr_get_u8(attr);
		break;
	case SMTPGUARD_A_MODE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		e->has_mode = true;
		e->mode = mnl_attr_get_u8(attr);
		break;
	case SMTPGUARD_A_MODE_EXPLICIT:
		e->mode_explicit = true;
		break;
	case SMTPGUARD_A_MODE_AUTO:
		e->mode_auto = true;
		break;
	case SMTPGUARD_A_REPLACE:
		e->replace = true;
		break;
	case SMTPGUARD_A_ALLOW_ENTRIES:
		u32 = &e->allow_entries;
		has = &e->has_allow;
		break;
	case SMTPGUARD_A_BLOCK_ENTRIES:
		u32 = &e->block_entries;
		has = &e->has_block;
		break;
	case SMTPGUARD_A_COUNT:
		u32 = &e->count;
		has = &e->has_count;
		break;
	case SMTPGUARD_A_REASON:
		u32 = &e->reason;
		has = &e->has_reason;
		break;
	case SMTPGUARD_A_PORTS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    sg_ports_from_nest(attr, e->ports, &e->nports) < 0)
			return MNL_CB_ERROR;
		e->has_ports = true;
		break;
	case SMTPGUARD_A_FEED:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		e->feed = mnl_attr_get_str(attr);
		break;
	case SMTPGUARD_A_ROLE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		e->role = mnl_attr_get_u8(attr);
		break;
	case SMTPGUARD_A_ACTION:
	case SMTPGUARD_A_DIRECTION:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		if (mnl_attr_get_type(attr) == SMTPGUARD_A_ACTION) {
			e->has_action = true;
			e->action = mnl_attr_get_u8(attr);
		} else {
			e->has_direction = true;
			e->direction = mnl_attr_get_u8(attr);
		}
		break;
	case SMTPGUARD_A_IFNAME:
		if (e->nifnames == SMTPGUARD_MAX_ROLE_IFS ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		e->ifnames[e->nifnames++] = mnl_attr_get_str(attr);
		break;
	case SMTPGUARD_A_PREFIX:
		/* At most SMTPGUARD_EVENT_MAX_PREFIXES; more would be a bug. */
		if (e->nprefixes == SMTPGUARD_EVENT_MAX_PREFIXES ||
		    mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    sg_prefix_from_nest(attr, &e->prefixes[e->nprefixes]) < 0)
			return MNL_CB_ERROR;
		e->nprefixes++;
		break;
	case SMTPGUARD_A_OFFENDER:
		if (sg_offender_from_nest(attr, &e->off) < 0)
			return MNL_CB_ERROR;
		e->has_offender = true;
		break;
	}
	if (u32) {
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		*u32 = mnl_attr_get_u32(attr);
		*has = true;
	}
	return MNL_CB_OK;
}

/* The configuration events: command, JSON name, plain words. */
enum { N_NONE, N_ALLOW, N_BLOCK };

static const struct {
	uint8_t cmd;
	const char *name;
	const char *words;
	const char *noun;	/* what COUNT counts, without prefixes */
	int entries;		/* the size the plain line ends with */
} config_cmds[] = {
	{ SMTPGUARD_CMD_ALLOW_ADD, "allow-add", "allow add", "prefixes", N_ALLOW },
	{ SMTPGUARD_CMD_ALLOW_DEL, "allow-del", "allow del", "prefixes", N_ALLOW },
	{ SMTPGUARD_CMD_ALLOW_FLUSH, "allow-flush", "allow flush", "prefixes",
	  N_ALLOW },
	{ SMTPGUARD_CMD_PORTS_SET, "ports-set", "ports", NULL, N_NONE },
	{ SMTPGUARD_CMD_MODE_SET, "mode-set", "mode", NULL, N_NONE },
	{ SMTPGUARD_CMD_STATS_RESET, "stats-reset", "stats reset", NULL, N_NONE },
	{ SMTPGUARD_CMD_BLOCK_ADD, "block-add", "block add", "entries", N_BLOCK },
	{ SMTPGUARD_CMD_BLOCK_DEL, "block-del", "block del", "entries", N_BLOCK },
	{ SMTPGUARD_CMD_BLOCK_FLUSH, "block-flush", "block flush", "entries",
	  N_BLOCK },
	{ SMTPGUARD_CMD_BLOCK_TXN_COMMIT, "block-txn-commit", "block load",
	  "entries", N_BLOCK },
	{ SMTPGUARD_CMD_OFFENDER_FLUSH, "offender-flush", "offenders flush",
	  "offenders", N_NONE },
	{ SMTPGUARD_CMD_BLOCK_EXPIRE, "block-expire", "block expire",
	  "entries", N_BLOCK },
	{ SMTPGUARD_CMD_EXCEPT_ADD, "except-add", "except add", "prefixes",
	  N_NONE },
	{ SMTPGUARD_CMD_EXCEPT_DEL, "except-del", "except del", "prefixes",
	  N_NONE },
	{ SMTPGUARD_CMD_EXCEPT_FLUSH, "except-flush", "except flush", NULL,
	  N_NONE },
	/* "role": the event's ROLE names it, "inside add". */
	{ SMTPGUARD_CMD_ROLE_ADD, "role-add", "add", "prefixes", N_NONE },
	{ SMTPGUARD_CMD_ROLE_DEL, "role-del", "del", "prefixes", N_NONE },
	{ SMTPGUARD_CMD_ROLE_FLUSH, "role-flush", "flush", NULL, N_NONE },
	{ SMTPGUARD_CMD_FEED_SET, "feed-set", "block feed", NULL, N_NONE },
};

static const char *role_word(uint8_t role)
{
	switch (role) {
	case SMTPGUARD_ROLE_INSIDE:
		return "inside";
	case SMTPGUARD_ROLE_OUTSIDE:
		return "outside";
	}
	return "roles";
}

/* A growing line; what does not fit is cut, never overrun. */
struct line {
	char buf[2048];
	size_t len;
};

static void add(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof(l->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len > sizeof(l->buf) - 1)
		l->len = sizeof(l->buf) - 1;
}

/* Always with its length: an event names exactly what changed. */
static const char *prefix_len_str(const struct sg_prefix *p, char *buf,
				  size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", sg_format_addr(p->family, p->addr, a,
						    sizeof(a)), p->len);
	return buf;
}

static void start_event(time_t now, const char *kind, struct line *l)
{
	char t[SG_TIME_STRLEN];

	open_json_object(NULL);
	print_string(PRINT_JSON, "time", NULL,
		     sg_rfc3339((uint64_t)now, t, sizeof(t)));
	print_string(PRINT_JSON, "event", NULL, kind);
	l->len = 0;
	l->buf[0] = '\0';
	add(l, "%s ", sg_local_time((uint64_t)now, t, sizeof(t)));
}

static void end_event(struct line *l)
{
	print_string(PRINT_FP, NULL, "%s\n", l->buf);
	close_json_object();
}

static void print_offender_event(const struct event *e, time_t now)
{
	const struct sg_offender *o = &e->off;
	bool is_new = e->cmd == SMTPGUARD_CMD_OFFENDER_NEW;
	char a[INET6_ADDRSTRLEN], b[SG_DEST_STRLEN];
	static struct line l;

	start_event(now, is_new ? "offender-new" : "offender-update", &l);
	if (e->has_mode)
		print_string(PRINT_JSON, "mode", NULL, sg_mode_name(e->mode));
	sg_print_offender_json(o);

	sg_format_addr(o->addr.family, o->addr.addr, a, sizeof(a));
	if (is_new) {
		add(&l, "new offender %s", a);
		if (o->has_mac)
			add(&l, " mac %s", sg_mac_str(o->mac, b, sizeof(b)));
		if (o->ifname[0])
			add(&l, " in %s", o->ifname);
		else if (o->ifindex)
			add(&l, " in if%" PRIu32, o->ifindex);
		add(&l, " %s %" PRIu64 " packet%s",
		    sg_reasons_str(o->reasons, b, sizeof(b)), o->packets,
		    o->packets == 1 ? "" : "s");
		if (o->ndests)
			add(&l, " -> %s", sg_dest_str(&o->dests[0], b, sizeof(b)));
	} else {
		const char *sep = "";

		add(&l, "offender %s still active: %" PRIu64 " packet%s (", a,
		    o->packets, o->packets == 1 ? "" : "s");
		if (o->reasons & SMTPGUARD_REASON_SMTP) {
			add(&l, "smtp %" PRIu64, o->smtp_packets);
			sep = ", ";
		}
		if (o->reasons & SMTPGUARD_REASON_CNC)
			add(&l, "%scnc %" PRIu64, sep, o->cnc_packets);
		add(&l, ")");
		if (o->ndests)
			add(&l, " last %s", sg_dest_str(&o->dests[0], b, sizeof(b)));
	}
	end_event(&l);
}

static void print_config_event(const struct event *e, size_t k, time_t now)
{
	const char *close = "";
	static struct line l;
	char b[SG_PREFIX_STRLEN + 8];
	size_t i;

	start_event(now, "config", &l);
	print_string(PRINT_JSON, "command", NULL, config_cmds[k].name);

	if (e->cmd == SMTPGUARD_CMD_BLOCK_TXN_COMMIT && e->replace)
		add(&l, "config block replace");
	else if (e->cmd >= SMTPGUARD_CMD_ROLE_ADD &&
		 e->cmd <= SMTPGUARD_CMD_ROLE_FLUSH)
		add(&l, "config %s %s", role_word(e->role),
		    config_cmds[k].words);
	else
		add(&l, "config %s", config_cmds[k].words);
	if (e->role)
		print_string(PRINT_JSON, "role", NULL, role_word(e->role));
	if (e->nifnames) {
		open_json_array("interfaces");
		for (i = 0; i < e->nifnames; i++) {
			print_string(PRINT_JSON, NULL, NULL, e->ifnames[i]);
			add(&l, " %s", e->ifnames[i]);
		}
		close_json_array();
	}

	if (e->has_mode) {
		print_string(PRINT_JSON, "mode", NULL, sg_mode_name(e->mode));
		print_bool(PRINT_JSON, "mode_explicit", NULL, e->mode_explicit);
		print_bool(PRINT_JSON, "mode_auto", NULL, e->mode_auto);
		if (e->cmd == SMTPGUARD_CMD_MODE_SET)
			add(&l, " %s%s", sg_mode_name(e->mode),
			    e->mode_auto ? " (auto)" : "");
	}
	if (e->has_ports) {
		sg_print_ports("ports", NULL, NULL, e->ports, e->nports);
		for (i = 0; i < e->nports; i++)
			add(&l, " %u", e->ports[i]);
	}
	if (e->feed) {
		print_string(PRINT_JSON, "feed", NULL, e->feed);
		/* "config block feed NAME action ...", as it was typed */
		add(&l, e->cmd == SMTPGUARD_CMD_FEED_SET ? " %s" : " feed %s",
		    e->feed);
	}
	if (e->has_action) {
		print_string(PRINT_JSON, "action", NULL, sg_action_name(e->action));
		add(&l, " action %s", sg_action_name(e->action));
	}
	if (e->has_direction) {
		print_string(PRINT_JSON, "direction", NULL,
			     sg_direction_name(e->direction));
		add(&l, " direction %s", sg_direction_name(e->direction));
	}
	if (e->cmd == SMTPGUARD_CMD_BLOCK_TXN_COMMIT)
		print_bool(PRINT_JSON, "replace", NULL, e->replace);
	if (e->has_reason) {
		print_string(PRINT_JSON, "reason", NULL,
			     sg_reasons_str(e->reason, b, sizeof(b)));
		add(&l, " reason %s", b);
	}
	if (e->has_count)
		print_uint(PRINT_JSON, "count", NULL, e->count);
	if (e->nprefixes) {
		open_json_array("prefixes");
		for (i = 0; i < e->nprefixes; i++) {
			prefix_len_str(&e->prefixes[i], b, sizeof(b));
			print_string(PRINT_JSON, NULL, NULL, b);
			add(&l, " %s", b);
		}
		close_json_array();
	} else if (e->has_count && config_cmds[k].noun) {
		add(&l, " %" PRIu32 " %s", e->count, config_cmds[k].noun);
	}
	/*
	 * JSON: every size the kernel sent.  Plain: the one this command
	 * changes (the kernel sends both with every change).
	 */
	if (e->has_allow) {
		print_uint(PRINT_JSON, "allow_entries", NULL, e->allow_entries);
		if (config_cmds[k].entries == N_ALLOW) {
			add(&l, " (allow entries %" PRIu32, e->allow_entries);
			close = ")";
		}
	}
	if (e->has_block) {
		print_uint(PRINT_JSON, "block_entries", NULL, e->block_entries);
		if (config_cmds[k].entries == N_BLOCK) {
			add(&l, " (block entries %" PRIu32, e->block_entries);
			close = ")";
		}
	}
	add(&l, "%s", close);
	if (e->mode_auto && e->cmd != SMTPGUARD_CMD_MODE_SET && e->has_mode)
		add(&l, ", mode %s (auto)", sg_mode_name(e->mode));
	end_event(&l);
}

int sg_event_print(const struct nlmsghdr *nlh, unsigned int mask, time_t now)
{
	const struct genlmsghdr *g;
	static struct event e;
	static struct line l;
	size_t k;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*g))
		return -1;
	g = mnl_nlmsg_get_payload(nlh);
	memset(&e, 0, sizeof(e));
	e.cmd = g->cmd;

	if (e.cmd == SMTPGUARD_CMD_OFFENDER_NEW ||
	    e.cmd == SMTPGUARD_CMD_OFFENDER_UPDATE) {
		if (!(mask & SG_EV_OFFENDER))
			return 0;
		if (mnl_attr_parse(nlh, sizeof(*g), event_attr_cb, &e) < 0 ||
		    !e.has_offender)
			return -1;
		print_offender_event(&e, now);
		return 1;
	}
	/* The summary of a second whose new-offender events were held back. */
	if (e.cmd == SMTPGUARD_CMD_OFFENDER_SUPPRESSED) {
		if (!(mask & SG_EV_OFFENDER))
			return 0;
		if (mnl_attr_parse(nlh, sizeof(*g), event_attr_cb, &e) < 0 ||
		    !e.has_count)
			return -1;
		start_event(now, "offender-suppressed", &l);
		print_uint(PRINT_JSON, "count", NULL, e.count);
		add(&l, "%" PRIu32 " new offender%s not reported (offender_events a second)",
		    e.count, e.count == 1 ? "" : "s");
		end_event(&l);
		return 1;
	}
	/* A config change names the command that made it in CHANGE. */
	if (e.cmd == SMTPGUARD_CMD_CONFIG_CHANGE) {
		if (mnl_attr_parse(nlh, sizeof(*g), event_attr_cb, &e) < 0 ||
		    !e.has_change)
			return -1;
		e.cmd = e.change;
		for (k = 0; k < sizeof(config_cmds) / sizeof(config_cmds[0]); k++)
			if (config_cmds[k].cmd == e.cmd)
				break;
		if (k < sizeof(config_cmds) / sizeof(config_cmds[0])) {
			if (!(mask & SG_EV_CONFIG))
				return 0;
			print_config_event(&e, k, now);
			return 1;
		}
		if (!(mask & SG_EV_OTHER))
			return 0;
		start_event(now, "unknown", &l);
		print_uint(PRINT_JSON, "change", NULL, e.cmd);
		add(&l, "unknown config change %u", e.cmd);
		end_event(&l);
		return 1;
	}
	if (!(mask & SG_EV_OTHER))
		return 0;
	start_event(now, "unknown", &l);
	print_uint(PRINT_JSON, "command", NULL, e.cmd);
	add(&l, "unknown event cmd %u", e.cmd);
	end_event(&l);
	return 1;
}

void sg_event_print_lost(time_t now)
{
	static struct line l;

	start_event(now, "lost", &l);
	add(&l, "events lost: the socket's receive buffer overflowed");
	end_event(&l);
}

/* ---- the loop --------------------------------------------------------- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Prints and flushes what one datagram holds; *seen counts what was shown. */
static int monitor_datagram(struct sg_nl *nl, const struct sg_req *req,
			    ssize_t len, uint64_t *seen)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->rx;
	time_t now = time(NULL);
	int left = (int)len, ret;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type != nl->family_id)
			continue;	/* NOOP and the like */
		ret = sg_event_print(nlh, req->events, now);
		if (ret < 0) {
			const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

			fprintf(stderr, PROG_NAME ": monitor: skipped an event this tool does not understand (cmd %u)\n",
				mnl_nlmsg_get_payload_len(nlh) >= sizeof(*g) ?
				g->cmd : 0);
			continue;
		}
		if (!ret)
			continue;
		if (print_finish() < 0)
			return SG_EXIT_KERNEL;	/* main() says why */
		if (req->count && ++*seen >= req->count)
			return -1;
	}
	return SG_EXIT_OK;
}

static int monitor_loop(struct sg_nl *nl, const struct sg_req *req,
			const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sock),
			      .events = POLLIN };
	const struct timespec tick = { .tv_sec = 1, .tv_nsec = 0 };
	struct timespec last, now;
	uint64_t seen = 0;
	ssize_t len;
	int n, ret;

	clock_gettime(CLOCK_MONOTONIC, &last);
	while (!stop) {
		n = ppoll(&pfd, 1, req->netns ? &tick : NULL, waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG_NAME ": monitor: poll: %s\n",
				strerror(errno));
			return SG_EXIT_KERNEL;
		}
		/* Once a second, whether or not events keep coming. */
		if (req->netns) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (!n || now.tv_sec - last.tv_sec >= 1) {
				last = now;
				if (!sg_netns_still_there(req->netns)) {
					fprintf(stderr, PROG_NAME ": monitor: network namespace %s was deleted\n",
						req->netns);
					return SG_EXIT_OK;
				}
			}
		}
		if (!n)
			continue;
		len = mnl_socket_recvfrom(nl->sock, nl->rx, nl->rxlen);
		if (len < 0) {
			if (errno == ENOBUFS) {
				sg_event_print_lost(time(NULL));
				if (print_finish() < 0)
					return SG_EXIT_KERNEL;
				continue;
			}
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, PROG_NAME ": monitor: netlink: %s\n",
				strerror(errno));
			return SG_EXIT_KERNEL;
		}
		ret = monitor_datagram(nl, req, len, &seen);
		if (ret)
			return ret < 0 ? SG_EXIT_OK : ret;
	}
	return SG_EXIT_OK;
}

static int monitor_run(struct sg_nl *nl, const struct sg_req *req)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	int group = (int)nl->events_group, size = MONITOR_RCVBUF, one = 1, ret;
	sigset_t block, old;

	if (!nl->events_group) {
		fprintf(stderr, PROG_NAME ": monitor: the loaded smtpguard has no \"" SMTPGUARD_MCGRP_EVENTS "\" group (a module older than this tool)\n");
		return SG_EXIT_UNAVAILABLE;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		if (errno == EPERM)
			fprintf(stderr, "Error: Operation not permitted; the events group needs CAP_NET_ADMIN.\n");
		else
			fprintf(stderr, PROG_NAME ": monitor: cannot join the events group: %s\n",
				strerror(errno));
		return SG_EXIT_KERNEL;
	}
	/* Best effort: a small buffer only means ENOBUFS sooner. */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF, &size,
		   sizeof(size));
	/* So that the module learns of an event this socket had no room for
	 * and counts it in events_dropped.
	 */
	mnl_socket_setsockopt(nl->sock, NETLINK_BROADCAST_ERROR, &one,
			      sizeof(one));

	/* Blocked except inside ppoll(): a signal cannot slip in between. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	stop = 0;

	ret = monitor_loop(nl, req, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* Decimal, 1 or more, nothing else. */
static int parse_count(const char *arg, uint64_t *count)
{
	char *end;

	if (*arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	*count = strtoull(arg, &end, 10);
	return *end || errno || !*count ? -1 : 0;
}

int monitor_parse(struct sg_req *req, int argc, char **argv)
{
	char q[SG_QUOTE_LEN];
	bool what = false;
	int i;

	req->events = SG_EV_ALL;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "help"))
			return sg_help("monitor", argc - i - 1, argv + i + 1);
		if (!strcmp(a, "events") || !strcmp(a, "config") ||
		    !strcmp(a, "all")) {
			if (what)
				return sg_usage_err("monitor", "'%s': what to monitor given twice (" MONITOR_WHAT ")",
						    a);
			what = true;
			req->events = !strcmp(a, "events") ? SG_EV_OFFENDER :
				      !strcmp(a, "config") ? SG_EV_CONFIG :
							     SG_EV_ALL;
			continue;
		}
		if (!strcmp(a, "count")) {
			if (req->count)
				return sg_usage_err("monitor", "count given twice");
			if (++i == argc)
				return sg_usage_err("monitor", "count: missing N");
			if (parse_count(argv[i], &req->count) < 0)
				return sg_usage_err("monitor", "count: '%s' is not a number of events (1 or more)",
						    sg_quote(argv[i], q, sizeof(q)));
			continue;
		}
		return sg_usage_err("monitor", "unknown argument '%s' (" MONITOR_WHAT ", count N, help)",
				    sg_quote(a, q, sizeof(q)));
	}
	req->run = monitor_run;
	return 0;
}
