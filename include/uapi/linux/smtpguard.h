/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * smtpguard: SMTP egress allow-list and C&C blocklist for Linux routers
 * and hosts.
 *
 * Generic netlink family "smtpguard", version SMTPGUARD_GENL_VERSION.
 * The same contract as a YNL spec: Documentation/netlink/specs/smtpguard.yaml.
 *
 * Every command acts on the network namespace of the requesting socket.
 * Commands that change state need CAP_NET_ADMIN in the user namespace that
 * owns that network namespace (GENL_UNS_ADMIN_PERM); the read-only GET and
 * dump commands are open to everyone in the namespace, but traffic data
 * (a blocklist entry's HITS and LAST_HIT, the offender ledger, the events
 * group) needs CAP_NET_ADMIN too.
 *
 * Policy, per namespace: once an allow-list is configured (SMTP_POLICY 1:
 * ALLOW_ADD, or ALLOW_FLUSH asking for it), a TCP packet whose destination
 * port is in the SMTP port set is allowed only when its source or its
 * destination address is covered by an allow-list prefix.  Everything
 * else is untouched.
 *
 * Attribute tree of every command ("*" = may repeat, "?" = optional):
 *
 * SMTPGUARD_CMD_ALLOW_ADD (do, admin)       all or nothing; adding a
 *   SMTPGUARD_A_PREFIX*: NLA_NESTED          prefix that is present is
 *     SMTPGUARD_PREFIX_A_FAMILY: u16          not an error
 *     SMTPGUARD_PREFIX_A_ADDR: binary        4 bytes (AF_INET) or 16
 *     SMTPGUARD_PREFIX_A_PREFIXLEN?: u8      default: the full length
 *   reply: SMTPGUARD_A_MODE: u8, SMTPGUARD_A_ALLOW_ENTRIES: u32,
 *          SMTPGUARD_A_MODE_AUTO?: flag      set when this request switched
 *                                            the namespace to enforce
 *
 * SMTPGUARD_CMD_ALLOW_DEL (do, admin)       all or nothing; deleting a
 *   SMTPGUARD_A_PREFIX*: NLA_NESTED          prefix that is absent fails
 *                                            with ENOENT
 *
 * SMTPGUARD_CMD_ALLOW_FLUSH (do, admin)     empties the allow-list
 *   SMTPGUARD_A_SMTP_POLICY?: u8             1: SMTP stays inspected (no
 *                                            SMTP at all; switches a fresh
 *                                            namespace to enforce, as
 *                                            ALLOW_ADD), 0: not inspected;
 *                                            absent: as it was
 *   reply: as ALLOW_ADD
 *
 * SMTPGUARD_CMD_ALLOW_GET (dump)            one message per prefix:
 *   SMTPGUARD_A_PREFIX: NLA_NESTED           (the layout above)
 *
 * SMTPGUARD_CMD_PORTS_SET (do, admin)       replaces the whole set
 *   SMTPGUARD_A_PORTS: NLA_NESTED
 *     SMTPGUARD_PORTS_A_PORT*: u16           1..65535, at most
 *                                            SMTPGUARD_MAX_PORTS distinct
 *
 * SMTPGUARD_CMD_PORTS_GET (do)
 *   reply: SMTPGUARD_A_PORTS: NLA_NESTED (sorted, distinct)
 *
 * SMTPGUARD_CMD_MODE_SET (do, admin)
 *   SMTPGUARD_A_MODE: u8 (enum smtpguard_mode)
 *
 * SMTPGUARD_CMD_MODE_GET (do)
 *   reply: SMTPGUARD_A_MODE: u8, SMTPGUARD_A_MODE_EXPLICIT?: flag,
 *          SMTPGUARD_A_SMTP_POLICY: u8
 *
 * SMTPGUARD_CMD_STATS_GET (do)              the same numbers as
 *   reply: SMTPGUARD_A_MODE: u8              /proc/net/smtpguard
 *          SMTPGUARD_A_MODE_EXPLICIT?: flag
 *          SMTPGUARD_A_ALLOW_ENTRIES: u32
 *          SMTPGUARD_A_PORTS: NLA_NESTED
 *          SMTPGUARD_A_STATS: NLA_NESTED
 *            SMTPGUARD_STATS_A_SMTP_INSPECTED: u64
 *            SMTPGUARD_STATS_A_SMTP_ALLOWED: u64
 *            SMTPGUARD_STATS_A_SMTP_DROPPED: u64
 *            SMTPGUARD_STATS_A_SMTP_WOULD_DROP: u64
 *
 * SMTPGUARD_CMD_STATS_RESET (do, admin)     counters restart from zero
 *
 * The C&C blocklist: one set of IPv4/IPv6 prefixes per namespace; any
 * packet whose source or destination is covered is dropped (enforce) or
 * counted (monitor).  Every entry belongs to one or more named feeds (at
 * most SMTPGUARD_MAX_FEEDS per namespace) and stays until all drop it.
 *
 * SMTPGUARD_CMD_BLOCK_ADD (do, admin)       all or nothing
 *   SMTPGUARD_A_FEED?: string                default "manual"
 *   SMTPGUARD_A_TIMEOUT?: u32                seconds; the entry expires
 *   SMTPGUARD_A_TXN_ID?: u32                 stage into this transaction
 *                                            instead (no TIMEOUT, no FEED)
 *   SMTPGUARD_A_PREFIX*: NLA_NESTED
 *   reply: SMTPGUARD_A_MODE, SMTPGUARD_A_BLOCK_ENTRIES: u32,
 *          SMTPGUARD_A_MODE_AUTO?
 *
 * SMTPGUARD_CMD_BLOCK_DEL (do, admin)       all or nothing; ENOENT if a
 *   SMTPGUARD_A_FEED?: string                prefix is absent (from FEED)
 *   SMTPGUARD_A_PREFIX*: NLA_NESTED          without FEED: from all feeds
 *
 * SMTPGUARD_CMD_BLOCK_FLUSH (do, admin)     one feed (ENOENT if unknown)
 *   SMTPGUARD_A_FEED?: string                or everything
 *
 * SMTPGUARD_CMD_BLOCK_GET (dump)            one message per entry, sorted;
 *   SMTPGUARD_A_FEED?: string                NLM_F_DUMP_INTR if the set
 *   each: SMTPGUARD_A_BLOCK_ENTRY            changed during the dump
 *
 * SMTPGUARD_CMD_BLOCK_TEST (do)
 *   SMTPGUARD_A_PREFIX: NLA_NESTED           one address (full length)
 *   reply: SMTPGUARD_A_BLOCK_ENTRY?          the most specific entry that
 *                                            covers it; absent: not blocked
 *
 * SMTPGUARD_CMD_BLOCK_TXN_BEGIN (do, admin) one feed, staged in chunks by
 *   SMTPGUARD_A_FEED: string                 BLOCK_ADD with TXN_ID; only
 *   SMTPGUARD_A_REPLACE?: flag               the opening socket may use it,
 *   reply: SMTPGUARD_A_TXN_ID: u32           closing it aborts
 *
 * SMTPGUARD_CMD_BLOCK_TXN_COMMIT (do, admin) atomically: with REPLACE the
 *   SMTPGUARD_A_TXN_ID: u32                  feed becomes exactly the staged
 *   reply: as BLOCK_ADD                      entries, else they are added
 *
 * SMTPGUARD_CMD_BLOCK_TXN_ABORT (do, admin) nothing changes
 *   SMTPGUARD_A_TXN_ID: u32
 *
 * SMTPGUARD_CMD_FEED_GET (dump)             one message per feed:
 *   SMTPGUARD_A_FEED: string, SMTPGUARD_A_BLOCK_ENTRIES: u32,
 *   SMTPGUARD_A_ACTION: u8, SMTPGUARD_A_DIRECTION: u8,
 *   SMTPGUARD_A_STATS: NLA_NESTED            its CNC_DROPPED and
 *                                            CNC_WOULD_DROP (for as long
 *                                            as the feed has entries)
 *   also a feed with settings and no entries (BLOCK_ENTRIES 0)
 *
 * SMTPGUARD_CMD_FEED_SET (do, admin)        a feed's action and direction
 *   SMTPGUARD_A_FEED: string                 (kept while it has no entries;
 *   SMTPGUARD_A_ACTION?: u8                  default enforce and both: the
 *   SMTPGUARD_A_DIRECTION?: u8               setting is then forgotten),
 *                                            at least one of them
 *
 * A packet whose listed address a feed lists: the feeds whose direction
 * applies to it decide; none: it passes (CNC_OTHER_DIRECTION).  It is
 * dropped in mode enforce when one of them has action enforce, else
 * counted as would-drop; either way counted per feed and recorded.
 *
 * STATS_GET also carries SMTPGUARD_A_BLOCK_ENTRIES, SMTPGUARD_A_BLOCK_FEEDS
 * and, in SMTPGUARD_A_STATS, CNC_DROPPED, CNC_WOULD_DROP and BLOCK_BYTES.
 *
 * The offender ledger: one record per internal host that broke the policy,
 * keyed by its address as seen before source NAT (the source of what it
 * sent).  Only inside senders are recorded (see ROLE_ADD).  Bounded by
 * the module parameter max_offenders (0: no ledger); the least recently
 * seen record makes room for a new one.  Offender data needs CAP_NET_ADMIN.
 *
 * SMTPGUARD_CMD_OFFENDER_GET (dump, admin)  one message per record:
 *   SMTPGUARD_A_REASON?: u32                 only records with this reason
 *   each: SMTPGUARD_A_OFFENDER: NLA_NESTED   (enum smtpguard_offender_attr)
 *
 * SMTPGUARD_CMD_OFFENDER_FLUSH (do, admin)  every record, or only those
 *   SMTPGUARD_A_REASON?: u32                 with this reason
 *   reply: SMTPGUARD_A_COUNT: u32            records removed
 *
 * Multicast group SMTPGUARD_MCGRP_EVENTS (CAP_NET_ADMIN to join):
 *   SMTPGUARD_CMD_OFFENDER_NEW               a host's first offence (at
 *                                            most offender_events a second,
 *                                            module parameter)
 *   SMTPGUARD_CMD_OFFENDER_SUPPRESSED        at the end of a second that
 *     SMTPGUARD_A_COUNT: u32                 held back NEW events: how many
 *   SMTPGUARD_CMD_OFFENDER_UPDATE            at most one per host per
 *     SMTPGUARD_A_MODE: u8                   offender_interval seconds
 *     SMTPGUARD_A_OFFENDER: NLA_NESTED       (module parameter), with the
 *                                            counts so far
 *   SMTPGUARD_CMD_CONFIG_CHANGE              a configuration change
 *     SMTPGUARD_A_CHANGE: u8                 the command that made it:
 *                                            ALLOW_ADD, ALLOW_DEL,
 *                                            ALLOW_FLUSH, PORTS_SET,
 *                                            MODE_SET, STATS_RESET,
 *                                            BLOCK_ADD, BLOCK_DEL,
 *                                            BLOCK_FLUSH, BLOCK_TXN_COMMIT,
 *                                            OFFENDER_FLUSH, or BLOCK_EXPIRE
 *                                            (entries timed out)
 *     and what applies of:
 *     SMTPGUARD_A_MODE: u8, SMTPGUARD_A_MODE_EXPLICIT?, SMTPGUARD_A_MODE_AUTO?
 *     SMTPGUARD_A_ALLOW_ENTRIES: u32, SMTPGUARD_A_BLOCK_ENTRIES: u32
 *     SMTPGUARD_A_PORTS (PORTS_SET), SMTPGUARD_A_FEED, SMTPGUARD_A_REPLACE
 *     SMTPGUARD_A_COUNT: u32                 prefixes in the change (or
 *                                            records / entries removed)
 *     SMTPGUARD_A_PREFIX*                    the prefixes themselves when
 *                                            there are at most
 *                                            SMTPGUARD_EVENT_MAX_PREFIXES
 *
 * STATS_GET also carries SMTPGUARD_A_OFFENDERS and, in SMTPGUARD_A_STATS,
 * OFFENDERS_EVICTED, EVENTS_SENT and EVENTS_DROPPED; and SMTP_POLICY and
 * OFFENDERS_HASHSIZE (the ledger's hash buckets).
 *
 * A blocklist entry (SMTPGUARD_A_BLOCK_ENTRY) holds its PREFIX, a FEED per
 * feed listing it, HITS and LAST_HIT (only to CAP_NET_ADMIN), EXPIRES
 * (when its last timed listing runs out; absent if a feed lists it
 * permanently) and a LISTING nest per feed: FEED and, for a timed listing,
 * its own EXPIRES.  A timeout belongs to one feed's listing.
 *
 * Exceptions: prefixes no feed blocks.  A packet whose listed address is
 * covered by an exception passes (counted: CNC_EXCEPTED); the allow-list
 * is not affected.
 *
 * SMTPGUARD_CMD_EXCEPT_ADD (do, admin)      as ALLOW_ADD, at most
 * SMTPGUARD_CMD_EXCEPT_DEL (do, admin)      SMTPGUARD_MAX_EXCEPT prefixes
 *   SMTPGUARD_A_PREFIX*                      of any length
 *   reply (ADD): SMTPGUARD_A_EXCEPT_ENTRIES: u32
 * SMTPGUARD_CMD_EXCEPT_FLUSH (do, admin)
 * SMTPGUARD_CMD_EXCEPT_GET (dump)           one SMTPGUARD_A_PREFIX each
 *
 * BLOCK_TEST's reply also carries SMTPGUARD_A_EXCEPT (a prefix nest): the
 * most specific exception covering the address, whether listed or not.
 *
 * Inside and outside: only an inside host (or this host, for what it
 * sends itself) is recorded in the ledger; what an outside sender does is
 * counted (SMTP_OUTSIDE, CNC_OUTSIDE) and still refused.  A packet from a
 * listed address is never blamed on anyone.  Without configuration a
 * sender is outside when it came in on an interface a default route
 * leaves by, or when the route back to its address is a default route
 * (prefix length 0) or leaves by another interface than the one the
 * packet came in on; every other sender is inside.  Once any role is
 * configured: a sender is outside when it came in
 * on an outside interface; otherwise inside when no inside interface or
 * prefix is configured, or when it came in on an inside interface, or
 * its address is in an inside prefix.
 *
 * SMTPGUARD_CMD_ROLE_ADD (do, admin)        all or nothing
 * SMTPGUARD_CMD_ROLE_DEL (do, admin)        ENOENT if one is absent
 *   SMTPGUARD_A_ROLE: u8                     enum smtpguard_role
 *   SMTPGUARD_A_IFNAME*: string              an interface name
 *   SMTPGUARD_A_PREFIX*                      inside only
 * SMTPGUARD_CMD_ROLE_FLUSH (do, admin)      back to derived roles
 *   SMTPGUARD_A_ROLE?: u8                    only this role's
 * SMTPGUARD_CMD_ROLE_GET (dump)             one message per item:
 *   SMTPGUARD_A_ROLE and SMTPGUARD_A_IFNAME or SMTPGUARD_A_PREFIX
 *
 * STATS_GET also carries SMTPGUARD_A_EXCEPT_ENTRIES,
 * SMTPGUARD_A_ROLES_CONFIGURED (u8, 1: configured) and, in
 * SMTPGUARD_A_STATS, SMTP_OUTSIDE, CNC_OUTSIDE, CNC_EXCEPTED,
 * CNC_OTHER_DIRECTION, OFFENDERS_SUPPRESSED, EVENTS_SUPPRESSED and
 * BLOCK_REBUILDS.
 *
 * ABI rules: numbers are never reused or reordered; new commands and
 * attributes only ever go before the __*_MAX sentinel of their enum.
 */
#ifndef _UAPI_LINUX_SMTPGUARD_H
#define _UAPI_LINUX_SMTPGUARD_H

#define SMTPGUARD_GENL_NAME	"smtpguard"
#define SMTPGUARD_GENL_VERSION	1

/* Most SMTP ports one namespace may guard (25, 465, 587, 2525, ...). */
#define SMTPGUARD_MAX_PORTS	32
/* Most allow-list prefixes per namespace. */
#define SMTPGUARD_MAX_ALLOW	4096
/* Most feeds per namespace; a feed name is 1..31 of [A-Za-z0-9._-]. */
#define SMTPGUARD_MAX_FEEDS	64
#define SMTPGUARD_FEED_NAME_MAX	31
/* Default cap on blocklist entries per namespace (module parameter). */
#define SMTPGUARD_BLOCK_MAX_DEFAULT	(4U << 20)
/* Longest timeout in seconds: 30 days. */
#define SMTPGUARD_MAX_TIMEOUT	2592000
/* Default bound of the offender ledger per namespace (module parameter). */
#define SMTPGUARD_OFFENDERS_DEFAULT	4096
/* Destinations kept per offender, most recent first. */
#define SMTPGUARD_OFFENDER_DESTS	4
/* A configuration event lists the prefixes when there are at most this many. */
#define SMTPGUARD_EVENT_MAX_PREFIXES	16
/* Most exception prefixes, inside prefixes, and interfaces per role. */
#define SMTPGUARD_MAX_EXCEPT	4096
#define SMTPGUARD_MAX_INSIDE	4096
#define SMTPGUARD_MAX_ROLE_IFS	16

/* What a feed's entries do (FEED_SET); the namespace's mode still rules. */
enum smtpguard_action {
	SMTPGUARD_ACTION_ENFORCE,	/* drop (in mode enforce) */
	SMTPGUARD_ACTION_MONITOR,	/* count and record, never drop */
};

/*
 * Which traffic a feed applies to, by who opened the connection (from
 * conntrack when the packet has an entry; else by which address is the
 * listed one: its destination is "out").
 */
enum smtpguard_direction {
	SMTPGUARD_DIRECTION_BOTH,
	SMTPGUARD_DIRECTION_IN,		/* opened by the listed address */
	SMTPGUARD_DIRECTION_OUT,	/* opened towards it (from our side) */
};

enum smtpguard_role {
	SMTPGUARD_ROLE_INSIDE = 1,	/* our own hosts */
	SMTPGUARD_ROLE_OUTSIDE = 2,	/* the Internet */
};

#define SMTPGUARD_MCGRP_EVENTS	"events"

/* Why a host is in the ledger; a record holds the OR of them. */
enum smtpguard_reason {
	SMTPGUARD_REASON_SMTP = 1,	/* SMTP to a destination not allowed */
	SMTPGUARD_REASON_CNC = 2,	/* traffic with a listed address */
};

enum smtpguard_mode {
	SMTPGUARD_MODE_OFF,		/* no inspection at all */
	SMTPGUARD_MODE_MONITOR,		/* count and log, let it pass */
	SMTPGUARD_MODE_ENFORCE,		/* count, log and drop */
	__SMTPGUARD_MODE_LAST,
	SMTPGUARD_MODE_MAX = __SMTPGUARD_MODE_LAST - 1
};

enum smtpguard_cmd {
	SMTPGUARD_CMD_UNSPEC,
	SMTPGUARD_CMD_ALLOW_ADD,
	SMTPGUARD_CMD_ALLOW_DEL,
	SMTPGUARD_CMD_ALLOW_FLUSH,
	SMTPGUARD_CMD_ALLOW_GET,
	SMTPGUARD_CMD_PORTS_SET,
	SMTPGUARD_CMD_PORTS_GET,
	SMTPGUARD_CMD_MODE_SET,
	SMTPGUARD_CMD_MODE_GET,
	SMTPGUARD_CMD_STATS_GET,
	SMTPGUARD_CMD_STATS_RESET,
	SMTPGUARD_CMD_BLOCK_ADD,
	SMTPGUARD_CMD_BLOCK_DEL,
	SMTPGUARD_CMD_BLOCK_FLUSH,
	SMTPGUARD_CMD_BLOCK_GET,
	SMTPGUARD_CMD_BLOCK_TEST,
	SMTPGUARD_CMD_BLOCK_TXN_BEGIN,
	SMTPGUARD_CMD_BLOCK_TXN_COMMIT,
	SMTPGUARD_CMD_BLOCK_TXN_ABORT,
	SMTPGUARD_CMD_FEED_GET,
	SMTPGUARD_CMD_OFFENDER_GET,
	SMTPGUARD_CMD_OFFENDER_FLUSH,
	SMTPGUARD_CMD_OFFENDER_NEW,	/* event only */
	SMTPGUARD_CMD_OFFENDER_UPDATE,	/* event only */
	SMTPGUARD_CMD_BLOCK_EXPIRE,	/* a CHANGE value: entries timed out */
	SMTPGUARD_CMD_CONFIG_CHANGE,	/* event only */
	SMTPGUARD_CMD_EXCEPT_ADD,
	SMTPGUARD_CMD_EXCEPT_DEL,
	SMTPGUARD_CMD_EXCEPT_FLUSH,
	SMTPGUARD_CMD_EXCEPT_GET,
	SMTPGUARD_CMD_ROLE_ADD,
	SMTPGUARD_CMD_ROLE_DEL,
	SMTPGUARD_CMD_ROLE_FLUSH,
	SMTPGUARD_CMD_ROLE_GET,
	SMTPGUARD_CMD_FEED_SET,
	SMTPGUARD_CMD_OFFENDER_SUPPRESSED,	/* event only */
	__SMTPGUARD_CMD_LAST,
	SMTPGUARD_CMD_MAX = __SMTPGUARD_CMD_LAST - 1
};

enum smtpguard_attr {
	SMTPGUARD_A_UNSPEC,
	SMTPGUARD_A_PREFIX,		/* nest: enum smtpguard_prefix_attr */
	SMTPGUARD_A_MODE,		/* u8: enum smtpguard_mode */
	SMTPGUARD_A_MODE_EXPLICIT,	/* flag: mode was set by MODE_SET */
	SMTPGUARD_A_MODE_AUTO,		/* flag: this request set enforce */
	SMTPGUARD_A_PORTS,		/* nest: enum smtpguard_ports_attr */
	SMTPGUARD_A_ALLOW_ENTRIES,	/* u32 */
	SMTPGUARD_A_STATS,		/* nest: enum smtpguard_stats_attr */
	SMTPGUARD_A_FEED,		/* string: feed name */
	SMTPGUARD_A_TIMEOUT,		/* u32: seconds, 1..MAX_TIMEOUT */
	SMTPGUARD_A_TXN_ID,		/* u32 */
	SMTPGUARD_A_REPLACE,		/* flag */
	SMTPGUARD_A_BLOCK_ENTRY,	/* nest: enum smtpguard_block_attr */
	SMTPGUARD_A_BLOCK_ENTRIES,	/* u32 */
	SMTPGUARD_A_BLOCK_FEEDS,	/* u32 */
	SMTPGUARD_A_REASON,		/* u32: enum smtpguard_reason */
	SMTPGUARD_A_OFFENDER,		/* nest: enum smtpguard_offender_attr */
	SMTPGUARD_A_COUNT,		/* u32 */
	SMTPGUARD_A_OFFENDERS,		/* u32: records in the ledger */
	SMTPGUARD_A_CHANGE,		/* u8: enum smtpguard_cmd */
	SMTPGUARD_A_SMTP_POLICY,	/* u8: 1 an allow-list is in effect */
	SMTPGUARD_A_OFFENDERS_HASHSIZE,	/* u32: buckets of the ledger */
	SMTPGUARD_A_EXCEPT,		/* nest: enum smtpguard_prefix_attr */
	SMTPGUARD_A_EXCEPT_ENTRIES,	/* u32 */
	SMTPGUARD_A_ROLE,		/* u8: enum smtpguard_role */
	SMTPGUARD_A_IFNAME,		/* string: an interface name */
	SMTPGUARD_A_ROLES_CONFIGURED,	/* u8: 1 configured, 0 derived */
	SMTPGUARD_A_ACTION,		/* u8: enum smtpguard_action */
	SMTPGUARD_A_DIRECTION,		/* u8: enum smtpguard_direction */
	__SMTPGUARD_A_LAST,
	SMTPGUARD_A_MAX = __SMTPGUARD_A_LAST - 1
};

enum smtpguard_prefix_attr {
	SMTPGUARD_PREFIX_A_UNSPEC,
	SMTPGUARD_PREFIX_A_FAMILY,	/* u16: AF_INET or AF_INET6 */
	SMTPGUARD_PREFIX_A_ADDR,	/* binary: 4 or 16 bytes, network order */
	SMTPGUARD_PREFIX_A_PREFIXLEN,	/* u8: 0..32 or 0..128 */
	__SMTPGUARD_PREFIX_A_LAST,
	SMTPGUARD_PREFIX_A_MAX = __SMTPGUARD_PREFIX_A_LAST - 1
};

enum smtpguard_ports_attr {
	SMTPGUARD_PORTS_A_UNSPEC,
	SMTPGUARD_PORTS_A_PORT,		/* u16, host order */
	__SMTPGUARD_PORTS_A_LAST,
	SMTPGUARD_PORTS_A_MAX = __SMTPGUARD_PORTS_A_LAST - 1
};

enum smtpguard_stats_attr {
	SMTPGUARD_STATS_A_UNSPEC,
	SMTPGUARD_STATS_A_PAD,
	SMTPGUARD_STATS_A_SMTP_INSPECTED,	/* u64 */
	SMTPGUARD_STATS_A_SMTP_ALLOWED,		/* u64 */
	SMTPGUARD_STATS_A_SMTP_DROPPED,		/* u64 */
	SMTPGUARD_STATS_A_SMTP_WOULD_DROP,	/* u64 */
	SMTPGUARD_STATS_A_CNC_DROPPED,		/* u64 */
	SMTPGUARD_STATS_A_CNC_WOULD_DROP,	/* u64 */
	SMTPGUARD_STATS_A_BLOCK_BYTES,		/* u64: memory of the set */
	SMTPGUARD_STATS_A_OFFENDERS_EVICTED,	/* u64 */
	SMTPGUARD_STATS_A_EVENTS_SENT,		/* u64 */
	SMTPGUARD_STATS_A_EVENTS_DROPPED,	/* u64: no room at a listener */
	SMTPGUARD_STATS_A_SMTP_OUTSIDE,		/* u64: refused, sender outside */
	SMTPGUARD_STATS_A_CNC_OUTSIDE,		/* u64: refused, not blamed */
	SMTPGUARD_STATS_A_CNC_EXCEPTED,		/* u64: listed but excepted */
	SMTPGUARD_STATS_A_CNC_OTHER_DIRECTION,	/* u64: feeds for the other way */
	SMTPGUARD_STATS_A_OFFENDERS_SUPPRESSED,	/* u64: past offender_inserts */
	SMTPGUARD_STATS_A_EVENTS_SUPPRESSED,	/* u64: past offender_events */
	SMTPGUARD_STATS_A_BLOCK_REBUILDS,	/* u64: blocklist built whole */
	SMTPGUARD_STATS_A_BLOCK_HITS_UNRECORDED,	/* u64: no room in hit table */
	__SMTPGUARD_STATS_A_LAST,
	SMTPGUARD_STATS_A_MAX = __SMTPGUARD_STATS_A_LAST - 1
};

enum smtpguard_block_attr {
	SMTPGUARD_BLOCK_A_UNSPEC,
	SMTPGUARD_BLOCK_A_PAD,
	SMTPGUARD_BLOCK_A_PREFIX,	/* nest: enum smtpguard_prefix_attr */
	SMTPGUARD_BLOCK_A_FEED,		/* string, one per feed listing it */
	SMTPGUARD_BLOCK_A_HITS,		/* u64: packets it matched */
	SMTPGUARD_BLOCK_A_LAST_HIT,	/* u64: unix seconds; absent: never */
	SMTPGUARD_BLOCK_A_EXPIRES,	/* u32: seconds left; absent: never */
	SMTPGUARD_BLOCK_A_LISTING,	/* nest, one per feed listing it:
					 * enum smtpguard_listing_attr
					 */
	__SMTPGUARD_BLOCK_A_LAST,
	SMTPGUARD_BLOCK_A_MAX = __SMTPGUARD_BLOCK_A_LAST - 1
};

/* One feed's listing of a blocklist entry. */
enum smtpguard_listing_attr {
	SMTPGUARD_LISTING_A_UNSPEC,
	SMTPGUARD_LISTING_A_FEED,	/* string */
	SMTPGUARD_LISTING_A_EXPIRES,	/* u32: seconds left; absent: never */
	__SMTPGUARD_LISTING_A_LAST,
	SMTPGUARD_LISTING_A_MAX = __SMTPGUARD_LISTING_A_LAST - 1
};

enum smtpguard_offender_attr {
	SMTPGUARD_OFFENDER_A_UNSPEC,
	SMTPGUARD_OFFENDER_A_PAD,
	SMTPGUARD_OFFENDER_A_ADDR,	/* nest: enum smtpguard_prefix_attr */
	SMTPGUARD_OFFENDER_A_MAC,	/* binary, 6: absent: not seen */
	SMTPGUARD_OFFENDER_A_IFINDEX,	/* u32: where its packets came in */
	SMTPGUARD_OFFENDER_A_IFNAME,	/* string: that interface's name */
	SMTPGUARD_OFFENDER_A_REASONS,	/* u32: OR of enum smtpguard_reason */
	SMTPGUARD_OFFENDER_A_PACKETS,	/* u64: all its offending packets */
	SMTPGUARD_OFFENDER_A_SMTP_PACKETS,	/* u64 */
	SMTPGUARD_OFFENDER_A_CNC_PACKETS,	/* u64 */
	SMTPGUARD_OFFENDER_A_FIRST_SEEN,	/* u64: unix seconds */
	SMTPGUARD_OFFENDER_A_LAST_SEEN,		/* u64: unix seconds */
	SMTPGUARD_OFFENDER_A_DEST,	/* nest, repeated, most recent first:
					 * enum smtpguard_dest_attr
					 */
	__SMTPGUARD_OFFENDER_A_LAST,
	SMTPGUARD_OFFENDER_A_MAX = __SMTPGUARD_OFFENDER_A_LAST - 1
};

enum smtpguard_dest_attr {
	SMTPGUARD_DEST_A_UNSPEC,
	SMTPGUARD_DEST_A_ADDR,		/* nest: enum smtpguard_prefix_attr */
	SMTPGUARD_DEST_A_PORT,		/* u16: absent without TCP/UDP ports */
	SMTPGUARD_DEST_A_PROTO,		/* u8: IP protocol / next header */
	SMTPGUARD_DEST_A_REASON,	/* u32: enum smtpguard_reason */
	SMTPGUARD_DEST_A_FEED,		/* string: cnc, the feed listing it */
	__SMTPGUARD_DEST_A_LAST,
	SMTPGUARD_DEST_A_MAX = __SMTPGUARD_DEST_A_LAST - 1
};

#endif /* _UAPI_LINUX_SMTPGUARD_H */
