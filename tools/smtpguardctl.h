/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguardctl: what main() and the per-object files share.
 */
#ifndef SMTPGUARDCTL_H
#define SMTPGUARDCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>
#include <time.h>

#include <linux/smtpguard.h>

#include "addr.h"
#include "feed.h"
#include "words.h"

#define PROG_NAME "smtpguardctl"

/* Exit status, documented in 'smtpguardctl help'. */
enum sg_exit {
	SG_EXIT_OK		= 0,
	SG_EXIT_NEGATIVE	= 1,	/* 'block test': the address is not blocked */
	SG_EXIT_USAGE		= 2,	/* bad command line or input */
	SG_EXIT_KERNEL		= 3,	/* the kernel refused or failed it */
	SG_EXIT_UNAVAILABLE	= 4,	/* module not loaded, netns not found */
};

struct sg_nl;
struct sg_req;

typedef int (*sg_run_fn)(struct sg_nl *nl, const struct sg_req *req);

/*
 * One validated request.  The parsers fill it completely before anything
 * touches a namespace or a socket, so bad input never changes state.
 */
struct sg_req {
	sg_run_fn run;			/* NULL: nothing for the kernel */
	bool offline;			/* run with nl NULL: no netns, no socket */
	bool kernel_optional;		/* no module: run with nl NULL all the same */
	struct sg_prefix *prefixes;	/* allow/block add/del/test/load, owned */
	size_t nprefixes;
	uint16_t ports[SMTPGUARD_MAX_PORTS];
	size_t nports;
	uint8_t mode;
	/* block */
	const char *feed;		/* SMTPGUARD_A_FEED; NULL: leave it out */
	char feed_buf[SMTPGUARD_FEED_NAME_MAX + 1];	/* a name from a path */
	uint32_t timeout;		/* seconds; 0: permanent */
	bool replace;			/* load --replace */
	int action, direction;		/* block feed: -1 leave as it is */
	const char *file;		/* load: FILE as given, "-" for stdin */
	struct sg_feed_stats feed_stats;	/* load: what the parser saw */
	/* offenders, monitor */
	/* inside, outside */
	uint8_t role;			/* enum smtpguard_role */
	char ifnames[SMTPGUARD_MAX_ROLE_IFS][16];
	size_t nifnames;
	uint32_t reason;		/* SMTPGUARD_A_REASON; 0: leave it out */
	unsigned int events;		/* monitor: SG_EV_* to print */
	uint64_t count;			/* monitor: stop after this many; 0: never */
	const char *netns;		/* -n NETNS, set by main() */
	/* save, restore, feeds: their own parsed input, freed by main() */
	void *ctx;
	void (*ctx_free)(void *ctx);
};

extern const struct option sg_long_options[];
/* "list", "show", or "ls" as ip(8) users type it. */
bool sg_is_list(const char *word);
/*
 * Is standard input something to read (a file or a pipe), not a
 * terminal?  Then "restore" and "block load" without FILE read it.
 */
bool sg_stdin_is_input(void);
/* Set by "-batch -": standard input holds the commands, no line reads it. */
extern bool sg_batch_stdin;
/*
 * A command that would read standard input (FILE "-"): 0 if it may, else
 * SG_EXIT_USAGE with "OBJ: WHAT: standard input holds the commands ..."
 * (WHAT NULL: "OBJ: standard input ...").
 */
int sg_stdin_free(const char *obj, const char *what);
/* "-j", "--netns=x", ...: an option of ours, typed where it cannot go. */
bool sg_is_global_option(const char *arg);
/* The full usage text: every command, option and exit status. */
void sg_usage(FILE *fp);

/* Prints "smtpguardctl: OBJ: message" on one line; returns SG_EXIT_USAGE. */
int sg_usage_err(const char *obj, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Rejects argv[0] if there is one: "unexpected argument". */
int sg_no_more_args(const char *obj, int argc, char **argv);

/* "help": the whole usage; "OBJECT help": that object's commands. */
int sg_help(const char *obj, int argc, char **argv);
/* The usage's commands of one object ("inside" also has inside|outside's). */
void sg_usage_object(FILE *fp, const char *obj);

int allow_parse(struct sg_req *req, int argc, char **argv);
int ports_parse(struct sg_req *req, int argc, char **argv);
int mode_parse(struct sg_req *req, int argc, char **argv);
int stats_parse(struct sg_req *req, int argc, char **argv);
int block_parse(struct sg_req *req, int argc, char **argv);
int offenders_parse(struct sg_req *req, int argc, char **argv);
int monitor_parse(struct sg_req *req, int argc, char **argv);
int save_parse(struct sg_req *req, int argc, char **argv);
int restore_parse(struct sg_req *req, int argc, char **argv);
int feeds_parse(struct sg_req *req, int argc, char **argv);
int except_parse(struct sg_req *req, int argc, char **argv);
int inside_parse(struct sg_req *req, int argc, char **argv);
int outside_parse(struct sg_req *req, int argc, char **argv);

/* ALLOW_GET or EXCEPT_GET, printed: a prefix per line or a JSON array. */
int sg_prefix_list(struct sg_nl *nl, uint8_t cmd);

/* ---- inside and outside (roles.c) ---- */

struct nlmsghdr;

struct sg_role_ifs {
	size_t n;
	char names[SMTPGUARD_MAX_ROLE_IFS][16];
};

/* The configured roles; none configured: derived from the routes. */
struct sg_roles {
	struct sg_role_ifs ifs[2];	/* [0] inside, [1] outside */
	size_t nprefixes;		/* inside prefixes */
	struct sg_prefix prefixes[SMTPGUARD_MAX_INSIDE];
};
/* One ROLE_GET message into r; -1 if malformed or r is full. */
int sg_roles_from_msg(const struct nlmsghdr *nlh, struct sg_roles *r);
int sg_roles_get(struct sg_nl *nl, struct sg_roles *r);
/* ROLE_ADD or ROLE_DEL of interfaces and (inside) prefixes, as is. */
int sg_role_change(struct sg_nl *nl, uint8_t cmd, uint8_t role,
		   const char (*ifnames)[16], size_t nifnames,
		   const struct sg_prefix *prefixes, size_t nprefixes);
/* ROLE_FLUSH of one role, or of both (role 0): derived again. */
int sg_role_flush(struct sg_nl *nl, uint8_t role);
bool sg_roles_configured(const struct sg_roles *r);

/* Reply parsing and printing, shared with the unit tests. */
struct nlattr;
struct nlmsghdr;
int sg_prefix_from_nest(const struct nlattr *nest, struct sg_prefix *p);
void sg_print_prefix(const struct sg_prefix *p);

/* One SMTPGUARD_A_BLOCK_ENTRY, copied out of the receive buffer. */
struct sg_block_entry {
	struct sg_prefix pfx;
	size_t nfeeds;
	char feeds[SMTPGUARD_MAX_FEEDS][SMTPGUARD_FEED_NAME_MAX + 1];
	/* Per feed: seconds its listing has left; 0 with !timed: permanent. */
	bool timed[SMTPGUARD_MAX_FEEDS];
	uint32_t feed_expires[SMTPGUARD_MAX_FEEDS];
	bool has_hits;		/* absent: not for this caller to see */
	uint64_t hits;
	bool has_last_hit;
	uint64_t last_hit;
	bool has_expires;
	uint32_t expires;
};

/*
 * Fills e from one entry nest (the prefix is required, feed names are 1 to
 * SMTPGUARD_FEED_NAME_MAX bytes); -1 if the kernel sent something else.
 * No allocation: the listing runs it once per entry.
 */
int sg_block_entry_from_nest(const struct nlattr *nest,
			     struct sg_block_entry *e);

/*
 * Room for one SMTPGUARD_A_PREFIX nest in a request: the nest header, the
 * family (u16), the address (16 bytes at most) and the length (u8).  For
 * files that include libmnl.
 */
#define SG_PREFIX_NEST_SIZE (MNL_ATTR_HDRLEN + MNL_ALIGN(MNL_ATTR_HDRLEN + 2) + \
			     MNL_ALIGN(MNL_ATTR_HDRLEN + 16) + \
			     MNL_ALIGN(MNL_ATTR_HDRLEN + 1))
/* One SMTPGUARD_A_PREFIX nest per prefix, the layout of the UAPI header. */
void sg_put_prefixes(struct nlmsghdr *nlh, const struct sg_prefix *p,
		     size_t n);
/*
 * The one plain line after a reply with SMTPGUARD_A_MODE_AUTO: "mode:
 * enforce (switched automatically by the first BY; ...)".  JSON: nothing.
 */
void sg_print_mode_auto(const char *by);
int sg_allow_flush(struct sg_nl *nl, int armed, bool *mode_auto);


/*
 * One message of a FEED_GET dump: the feed's name (NULL if the message
 * has none, pointing into nlh), its SMTPGUARD_A_BLOCK_ENTRIES (0 and
 * has_entries false if absent), action, direction and counters.  -1 if
 * an attribute is malformed.
 */
struct sg_feed_info {
	const char *name;		/* NULL: absent */
	bool has_entries;
	uint32_t entries;
	uint8_t action, direction;	/* 0 (enforce, both) when absent */
	bool has_stats;			/* an older module sends none */
	uint64_t dropped, would_drop;
};
int sg_feed_from_msg(const struct nlmsghdr *nlh, struct sg_feed_info *f);
void sg_print_feed(const struct sg_feed_info *f);
/* 'block feeds': every feed, one line (a JSON object) each. */
int sg_feeds_print(struct sg_nl *nl, const char *key);
/* FEED_SET: action, direction (< 0: as it is). */
int sg_feed_set(struct sg_nl *nl, const char *feed, int action, int direction);

int sg_ports_from_nest(const struct nlattr *nest, uint16_t *ports,
		       size_t *n);
/* An array under key in JSON; first/next formats join it in plain text. */
void sg_print_ports(const char *key, const char *first, const char *next,
		    const uint16_t *ports, size_t n);

struct sg_mode_reply {
	bool has_mode;
	uint8_t mode;
	bool explicit;
	bool has_smtp_policy;	/* an older module does not say */
	bool smtp_policy;	/* an allow-list is configured */
};
int sg_mode_get(struct sg_nl *nl, struct sg_mode_reply *r);

struct sg_stats {
	bool has_mode;
	bool has_stats;
	uint8_t mode;
	bool explicit;
	uint32_t allow_entries;
	uint16_t ports[SMTPGUARD_MAX_PORTS];
	size_t nports;
	uint64_t inspected;
	uint64_t allowed;
	uint64_t dropped;
	uint64_t would_drop;
	/* The blocklist's; each printed only when the kernel sent it. */
	bool has_block_entries, has_block_feeds;
	bool has_cnc_dropped, has_cnc_would_drop, has_block_bytes;
	uint32_t block_entries;
	uint32_t block_feeds;
	uint64_t cnc_dropped;
	uint64_t cnc_would_drop;
	uint64_t block_bytes;
	/* The offender ledger's and the events group's, likewise. */
	bool has_offenders, has_offenders_evicted;
	bool has_events_sent, has_events_dropped;
	uint32_t offenders;
	uint64_t offenders_evicted;
	uint64_t events_sent;
	uint64_t events_dropped;
	bool has_smtp_policy, has_offenders_hashsize;
	bool smtp_policy;
	uint32_t offenders_hashsize;
	/* Inside and outside, exceptions: an older module sends none. */
	bool has_scope, has_roles;
	uint64_t smtp_outside, cnc_outside, cnc_excepted;
	bool has_other_direction;
	uint64_t cnc_other_direction;
	bool has_suppressed;
	uint64_t offenders_suppressed, events_suppressed;
	bool has_block_rebuilds;
	uint64_t block_rebuilds;
	bool has_block_hits_unrecorded;
	uint64_t block_hits_unrecorded;
	uint32_t except_entries;
	bool roles_configured;
};
/* An mnl_cb_t: fills the struct sg_stats behind data from a reply. */
int sg_stats_parse(const struct nlmsghdr *nlh, void *data);
void sg_print_stats(const struct sg_stats *s);
/* stats --format prometheus [-f FILE] (metrics.c) */
int sg_metrics_run(struct sg_nl *nl, const struct sg_req *req);

/* ---- the offender ledger (offender.c) ---- */

/* "smtp" or "cnc" -> SMTPGUARD_REASON_*; -1 otherwise. */
int sg_parse_reason(const char *arg, uint32_t *reason);
/* "smtp", "cnc", "smtp,cnc"; unknown bits as numbers; "-" for none. */
const char *sg_reasons_str(uint32_t reasons, char *buf, size_t len);

struct sg_dest {
	struct sg_prefix addr;
	bool has_port;
	uint16_t port;
	uint8_t proto;
	uint32_t reason;
	char feed[SMTPGUARD_FEED_NAME_MAX + 1];	/* "": none */
};

struct sg_offender {
	struct sg_prefix addr;
	bool has_mac;
	uint8_t mac[6];
	uint32_t ifindex;
	char ifname[16];		/* "": not sent */
	uint32_t reasons;
	uint64_t packets, smtp_packets, cnc_packets;
	uint64_t first_seen, last_seen;	/* unix seconds */
	size_t ndests;			/* most recent first */
	struct sg_dest dests[SMTPGUARD_OFFENDER_DESTS];
};

/*
 * OFFENDER_GET: every record (of reason, if not 0) into a malloc'ed array
 * (caller frees).  An exit status; nothing allocated on an error.
 */
int sg_offenders_get(struct sg_nl *nl, uint32_t reason,
		     struct sg_offender **out, size_t *n);
/* One SMTPGUARD_A_OFFENDER nest; -1 if malformed or without an address. */
int sg_offender_from_nest(const struct nlattr *nest, struct sg_offender *o);
/* "198.51.100.77:443 [feodo]", "[2001:db8::1]:25", "192.0.2.1 (icmp)". */
const char *sg_dest_str(const struct sg_dest *d, char *buf, size_t len);
#define SG_DEST_STRLEN	(SG_PREFIX_STRLEN + 64)
/* "52:54:00:12:34:56" */
const char *sg_mac_str(const uint8_t *mac, char *buf, size_t len);
/*
 * The members of one offender in a JSON object that is already open
 * (plain: nothing); shared by 'offenders -j' and 'monitor -j'.
 */
void sg_print_offender_json(const struct sg_offender *o);
/*
 * Sorts by last seen, most recent first, and prints the table (plain) or
 * the array (JSON).  filter: the reason asked for, 0 for all; it only
 * words the note of an empty ledger.
 */
void sg_print_offenders(struct sg_offender *o, size_t n, uint32_t filter);

/* ---- monitor (monitor.c) ---- */

enum {
	SG_EV_OFFENDER	= 1,	/* OFFENDER_NEW, OFFENDER_UPDATE */
	SG_EV_CONFIG	= 2,	/* the configuration changes */
	SG_EV_OTHER	= 4,	/* commands this tool does not know */
	SG_EV_ALL	= 7,
};

/*
 * Prints one event message of the family (genl header first) received at
 * now, if its kind is in mask.  Returns 1 if printed, 0 if filtered out,
 * -1 if malformed (nothing printed).
 */
int sg_event_print(const struct nlmsghdr *nlh, unsigned int mask, time_t now);
/* The line that replaces the events an overflowing socket lost. */
void sg_event_print_lost(time_t now);

#endif /* SMTPGUARDCTL_H */
