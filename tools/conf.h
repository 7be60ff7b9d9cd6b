/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The saved configuration ("save" / "restore") and the feed definitions
 * (feeds.conf, "feeds update"): parsing and formatting, pure functions
 * apart from the file reads, so the unit tests drive them with buffers.
 *
 * A save file, one statement a line, '#' starts a comment:
 *
 *   mode enforce|monitor|off [auto]   auto: not set explicitly (the first
 *                                     allow or block switched it)
 *   ports PORT...                     the SMTP port set (default 25)
 *   allow ADDR[/LEN]...               allow-list prefixes
 *   allow none                        an allow-list without prefixes: no
 *                                     SMTP at all (without any allow line
 *                                     SMTP is not inspected)
 *   except ADDR[/LEN]...              prefixes that no feed blocks
 *   inside IFNAME|ADDR/LEN...         inside interfaces and prefixes
 *   outside IFNAME...                 outside interfaces (no inside or
 *                                     outside line: derived from routes)
 *   block ADDR[/LEN]... [feed NAME] [timeout T]
 *                                     blocklist entries (feed "manual" by
 *                                     default; T seconds or 90s/30m/1h/2d)
 *   feed NAME [file PATH] [action enforce|monitor] [direction in|out|both]
 *                                     file: the feed's entries are the feed
 *                                     file PATH (relative: to the save
 *                                     file's directory), no block lines for
 *                                     NAME; action, direction: the feed's
 *                                     (default enforce, both)
 *
 * feeds.conf, one feed a line:
 *
 *   feed NAME url http(s)://... [every DURATION] [action A] [direction D]
 *   feed NAME file PATH [every DURATION] [action A] [direction D]
 *
 * DURATION: seconds or a number with s, m, h or d; default 1h.
 */
#ifndef SG_CONF_H
#define SG_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/smtpguard.h>

#include "addr.h"
#include "words.h"

#define SG_CONF_PATH		"/etc/smtpguard/smtpguard.conf"
#define SG_FEEDS_CONF_PATH	"/etc/smtpguard/feeds.conf"
#define SG_STATE_DIR		"/var/lib/smtpguard"
/* Default "every" of a feed: one hour. */
#define SG_FEED_EVERY_DEFAULT	3600
/* Longest URL or path in feeds.conf and a save file. */
#define SG_CONF_PATH_MAX	1024

/* The first SG_ERRORS_MAX errors of a file, and how many there were. */
#define SG_ERRORS_MAX		20

struct sg_errors {
	size_t n, total;
	char msg[SG_ERRORS_MAX][SG_ERR_LEN];	/* "FILE:LINE: reason" */
};

/*
 * Prints each kept message as "PROG: message", then "PROG: FILE: N more
 * errors not shown" if some were left out.
 */
void sg_errors_print(FILE *fp, const char *prog, const struct sg_errors *e,
		     const char *fname);

struct sg_conf_feed {
	char name[SMTPGUARD_FEED_NAME_MAX + 1];
	char *file;		/* "feed NAME file PATH", malloc'ed; NULL: inline */
	size_t line;		/* the line that named it first (0: none) */
	uint8_t action;		/* enum smtpguard_action (0: enforce) */
	uint8_t direction;	/* enum smtpguard_direction (0: both) */
};

struct sg_conf_entry {
	struct sg_prefix p;
	uint32_t timeout;	/* seconds; 0: permanent */
	uint8_t feed;		/* index into feeds[] */
};

struct sg_conf {
	size_t statements;	/* lines with a statement, parsed or not */
	struct sg_errors errors;	/* what sg_conf_parse() found wrong */
	bool has_mode;
	bool explicit;		/* "mode X" without "auto" */
	uint8_t mode;
	bool has_ports;
	uint16_t ports[SMTPGUARD_MAX_PORTS];
	size_t nports;
	bool smtp_policy;	/* an allow line: the SMTP policy is in effect */
	struct sg_prefix *allow;
	size_t nallow, allow_cap;
	struct sg_conf_feed feeds[SMTPGUARD_MAX_FEEDS];
	size_t nfeeds;
	struct sg_conf_entry *block;
	size_t nblock, block_cap;
	struct sg_prefix *except;
	size_t nexcept, except_cap;
	/* Configured roles: [0] inside, [1] outside interfaces, sorted. */
	char role_ifs[2][SMTPGUARD_MAX_ROLE_IFS][16];
	size_t nrole_ifs[2];
	struct sg_prefix *inside;
	size_t ninside, inside_cap;
};

void sg_conf_init(struct sg_conf *c);
void sg_conf_free(struct sg_conf *c);
/* The index of feed name; create: add it if absent.  -1: absent or full. */
int sg_conf_feed(struct sg_conf *c, const char *name, bool create);
/* 0, or -1 out of memory. */
int sg_conf_add_allow(struct sg_conf *c, const struct sg_prefix *p);
int sg_conf_add_except(struct sg_conf *c, const struct sg_prefix *p);
int sg_conf_add_inside(struct sg_conf *c, const struct sg_prefix *p);
/* 0 added (or present), -1 full; role: 0 inside, 1 outside. */
int sg_conf_add_role_if(struct sg_conf *c, int role, const char *name);
int sg_conf_add_block(struct sg_conf *c, const struct sg_prefix *p,
		      int feed, uint32_t timeout);
/*
 * Canonical order: allow sorted and distinct, feeds by name, entries by
 * feed and prefix, one per (feed, prefix): a permanent listing wins over a
 * timed one, else the longest timeout.
 */
void sg_conf_sort(struct sg_conf *c);

/*
 * Parses a save file, every line of it.  Returns 0, or -1 with err = the
 * first "FNAME:LINE: reason" and c->errors holding the first
 * SG_ERRORS_MAX of them (sg_conf_free() c either way).
 * Referenced feed files are not read here: sg_conf_load_files().
 */
int sg_conf_parse(const char *buf, size_t len, const char *fname,
		  struct sg_conf *c, char *err, size_t errlen);
/*
 * Reads and parses (tools/feed.c, strict) the file of every "feed NAME
 * file PATH" and adds its entries to the feed; a relative PATH is taken
 * from basedir (NULL: the current directory).  Returns 0, or -1 with err
 * = "FNAME:LINE: feed NAME: reason".
 */
int sg_conf_load_files(struct sg_conf *c, const char *fname,
		       const char *basedir, char *err, size_t errlen);

/*
 * Writes c (sorted) as a save file after the comment lines of header
 * (each line is prefixed "# "; NULL: none).  Entries of a feed with a file
 * are not written.  Returns 0, or -1 if fp had an error.
 */
int sg_conf_write(FILE *fp, const struct sg_conf *c, const char *header);

/* "90", "90s", "30m", "1h", "2d": 1 second to 365 days.  -1 with err. */
int sg_parse_duration(const char *arg, uint32_t *secs, char *err,
		      size_t errlen);

/* ---- feeds.conf ---- */

struct sg_feed_def {
	char name[SMTPGUARD_FEED_NAME_MAX + 1];
	bool is_url;
	char source[SG_CONF_PATH_MAX + 1];	/* the URL or the path */
	uint32_t every;				/* seconds */
	size_t line;
	uint8_t action, direction;		/* as in the save file */
};

struct sg_feeds_conf {
	struct sg_feed_def defs[SMTPGUARD_MAX_FEEDS];
	size_t n;
	struct sg_errors errors;	/* as sg_conf_parse()'s */
};

/* Every line parsed; errors as sg_conf_parse() reports them. */
int sg_feeds_conf_parse(const char *buf, size_t len, const char *fname,
			struct sg_feeds_conf *fc, char *err, size_t errlen);
const struct sg_feed_def *sg_feeds_conf_find(const struct sg_feeds_conf *fc,
					     const char *name);

/*
 * The state of one feed, in STATE_DIR/feeds/NAME.state, "key value"
 * lines: last_success, last_attempt (unix seconds), entries, source, error,
 * http_status, and the validators of the last good download for the next
 * conditional GET: etag, last_modified.
 */
struct sg_feed_state {
	uint64_t last_success;		/* 0: never */
	uint64_t last_attempt;
	uint64_t entries;		/* in the last good file */
	char source[SG_CONF_PATH_MAX + 1];
	char error[256];		/* the last attempt's failure; "" if it worked */
	unsigned int http_status;	/* the last download's (304: not modified) */
	char etag[256];			/* the last good file's validators */
	char last_modified[64];
};

void sg_feed_state_parse(const char *buf, size_t len,
			 struct sg_feed_state *st);
int sg_feed_state_write(FILE *fp, const struct sg_feed_state *st);
/*
 * Is def due at now?  Never fetched, its source changed, or every seconds
 * since the last success.  *next: seconds until it is due (0 if due).
 */
bool sg_feed_due(const struct sg_feed_def *def,
		 const struct sg_feed_state *st, uint64_t now, uint64_t *next);

#endif /* SG_CONF_H */
