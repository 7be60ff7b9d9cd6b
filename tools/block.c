// SPDX-License-Identifier: GPL-2.0
/*
 * block [add] ADDR[/LEN]... [feed NAME] [timeout SECONDS]
 * | block del ADDR[/LEN]... [feed NAME] | block [list|show] [feed NAME]
 * | block flush [feed NAME] | block feeds | block test ADDR
 * | block load [--replace] [--feed NAME] [--skip-bad] [--dry-run] [--allow-wide] FILE|-
 *
 * A feed file is read, parsed, deduplicated and sorted before a socket
 * exists, so a bad line changes nothing.  Loading it is one kernel
 * transaction: TXN_BEGIN, then BLOCK_ADD messages of at most BLOCK_CHUNK
 * prefixes tagged with the TXN_ID, then TXN_COMMIT; any failure sends
 * TXN_ABORT (and closing the socket would abort it too).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>

#include "feed.h"
#include "nl.h"
#include "print.h"
#include "smtpguardctl.h"

/*
 * Prefixes per BLOCK_ADD: 1024 nests of SG_PREFIX_NEST_SIZE (40) bytes,
 * about 40 KiB, well below the 64 KiB a netlink message can carry.  The
 * command line is held to one such message, so add and del stay all or
 * nothing; a file of any size goes through 'block load'.
 */
#define BLOCK_CHUNK	1024

/* The feed the kernel takes when a request names none. */
#define DEFAULT_FEED	"manual"

#define BLOCK_CMDS	"add, del, list, show, flush, feeds, test, load, help"
#define FEED_NAME_RULE	"1 to 31 of A-Z a-z 0-9 . _ -, starting with a letter or digit"

/* Attribute sizes for sg_nl_msg(): a u32 and a flag. */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define U32_ATTR_SIZE	(MNL_ATTR_HDRLEN + MNL_ALIGN(sizeof(uint32_t)))
#define FLAG_ATTR_SIZE	MNL_ATTR_HDRLEN

/* ---- parsing ---------------------------------------------------------- */

static bool is_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

static int nomem(void)
{
	fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
	return SG_EXIT_USAGE;
}

static int check_feed_name(const char *cmd, const char *name)
{
	char q[SG_QUOTE_LEN];

	if (sg_feed_name_ok(name))
		return 0;
	return sg_usage_err("block", "%s: '%s' is not a feed name (" FEED_NAME_RULE ")",
			    cmd, sg_quote(name, q, sizeof(q)));
}

/* "feed NAME" at argv[*i]; advances *i past NAME. */
static int take_feed(struct sg_req *req, const char *cmd, int argc,
		     char **argv, int *i)
{
	if (req->feed)
		return sg_usage_err("block", "%s: feed given twice", cmd);
	if (++*i == argc)
		return sg_usage_err("block", "%s: feed: missing NAME", cmd);
	if (check_feed_name(cmd, argv[*i]))
		return SG_EXIT_USAGE;
	req->feed = argv[*i];
	return 0;
}

static int block_add_txn(struct sg_nl *nl, const struct sg_req *req);

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * The prefixes of standard input: words separated by blanks and newlines,
 * '#' at the start of a word comments out the rest of its line.  Each word
 * parsed as a command-line word is; the first bad one is "stdin:LINE:
 * reason", exit 2.
 */
static int read_stdin_prefixes(struct sg_req *req)
{
	char err[SG_ERR_LEN], *buf, *p, *end, *word;
	struct sg_prefix *pfx = NULL, *np;
	size_t len, line = 1, n = 0, cap = 0;
	int ret = SG_EXIT_USAGE;
	bool nl;

	if (sg_feed_read("-", &buf, &len, err, sizeof(err)) < 0)
		return sg_usage_err(NULL, "%s", err);
	end = buf + len;	/* *end is '\0' */
	for (p = buf; p < end; p++) {
		if (*p == '\n') {
			line++;
			continue;
		}
		if (is_blank(*p))
			continue;
		if (*p == '#') {
			while (p + 1 < end && p[1] != '\n')
				p++;
			continue;
		}
		for (word = p; *p && *p != '\n' && !is_blank(*p); p++)
			;
		if (p < end && !*p) {
			sg_usage_err(NULL, "stdin:%zu: a NUL byte", line);
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			np = realloc(pfx, cap * sizeof(*pfx));
			if (!np) {
				ret = nomem();
				goto out;
			}
			pfx = np;
		}
		nl = *p == '\n';	/* the newline the word ends at */
		*p = '\0';
		if (sg_parse_prefix(word, &pfx[n], err, sizeof(err)) < 0) {
			sg_usage_err(NULL, "stdin:%zu: %s", line, err);
			goto out;
		}
		n++;
		line += nl;
	}
	if (!n) {
		sg_usage_err(NULL, "stdin: no addresses (ADDR[/LEN]..., separated by blanks or newlines)");
		goto out;
	}
	req->prefixes = pfx;
	req->nprefixes = sg_prefix_unique(pfx, n);
	pfx = NULL;
	ret = 0;
out:
	free(pfx);
	free(buf);
	return ret;
}

/* Where "-" stands for the addresses (not as a feed's NAME): -1 nowhere. */
static int stdin_word(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "feed") || !strcmp(argv[i], "timeout"))
			i++;
		else if (!strcmp(argv[i], "-"))
			return i;
	}
	return -1;
}

/*
 * "block add - [feed NAME] [timeout SECONDS]" and "block del - [feed
 * NAME]": the words say feed and timeout, standard input the prefixes,
 * all of them read and parsed before anything is sent.  Up to BLOCK_CHUNK
 * go in one request, as on the command line; more, an add goes in one
 * transaction (all or nothing still), which takes no timeout; a delete
 * has no transaction: refused.
 */
static int parse_stdin_entries(struct sg_req *req, const char *cmd,
			       bool add, int argc, char **argv, int dash)
{
	char err[SG_ERR_LEN], q[SG_QUOTE_LEN];
	struct sg_block_words w;
	size_t nopts = 0;
	char **opts;
	int i, r;

	opts = calloc((size_t)argc, sizeof(*opts));
	if (!opts)
		return nomem();
	for (i = 0; i < argc; i++) {
		if (i == dash)
			continue;
		if (!strcmp(argv[i], "feed") || !strcmp(argv[i], "timeout")) {
			opts[nopts++] = argv[i];
			if (i + 1 < argc)
				opts[nopts++] = argv[++i];
			continue;
		}
		free(opts);
		if (!strcmp(argv[i], "-"))
			return sg_usage_err("block", "%s: '-' given twice", cmd);
		return sg_usage_err("block", "%s: '%s' and '-': with '-' the addresses come from standard input only",
				    cmd, sg_quote(argv[i], q, sizeof(q)));
	}
	r = sg_parse_block_words(opts, nopts, add, NULL, &w, err, sizeof(err));
	free(opts);
	if (r < 0)
		return sg_usage_err("block", "%s: %s", cmd, err);
	req->feed = w.feed;
	req->timeout = w.timeout;
	if (sg_stdin_free("block", add ? "add -" : "del -"))
		return SG_EXIT_USAGE;
	r = read_stdin_prefixes(req);
	if (r || req->nprefixes <= BLOCK_CHUNK)
		return r;
	if (!add)
		return sg_usage_err("block", "del: %zu prefixes from stdin: at most %d go in one request, and a delete has no transaction to keep more all or nothing; split them ('block del' lines for -batch)",
				    req->nprefixes, BLOCK_CHUNK);
	if (req->timeout)
		return sg_usage_err("block", "add: %zu prefixes from stdin with a timeout: at most %d go in one request, and the transaction that takes more has no timeout; split them, or leave timeout out",
				    req->nprefixes, BLOCK_CHUNK);
	req->run = block_add_txn;
	return 0;
}

/*
 * ADDR[/LEN]... with "feed NAME" and (add only) "timeout SECONDS" among
 * them.  implicit: "block ADDR...", where a mistyped command lands too.
 * "-" for ADDR...: standard input's.
 */
static int parse_entries(struct sg_req *req, const char *cmd, bool implicit,
			 bool add, int argc, char **argv)
{
	char err[SG_ERR_LEN], q[SG_QUOTE_LEN];
	struct sg_block_words w;
	int dash = stdin_word(argc, argv);
	size_t n;

	if (dash >= 0)
		return parse_stdin_entries(req, cmd, add, argc, argv, dash);
	/* "block feed": surely "block feeds", not an add without addresses. */
	if (implicit && argc == 1 &&
	    (!strcmp(argv[0], "feed") || !strcmp(argv[0], "timeout")))
		return sg_usage_err("block", "unknown command '%s' (" BLOCK_CMDS ")",
				    argv[0]);
	req->prefixes = calloc(argc > 0 ? (size_t)argc : 1,
			       sizeof(*req->prefixes));
	if (!req->prefixes)
		return nomem();
	if (sg_parse_block_words(argv, (size_t)argc, add, req->prefixes, &w,
				 err, sizeof(err)) < 0) {
		if (implicit && w.bad_first && is_word(argv[0]))
			return sg_usage_err("block", "unknown command '%s' (" BLOCK_CMDS ") and not an address",
					    sg_quote(argv[0], q, sizeof(q)));
		if (w.bad_prefix)
			return sg_usage_err("block", "%s", err);
		return sg_usage_err("block", "%s: %s", cmd, err);
	}
	n = w.n;
	req->feed = w.feed;
	req->timeout = w.timeout;
	if (n > BLOCK_CHUNK)
		return sg_usage_err("block", "%s: too many prefixes: %zu (at most %d; 'block load' takes a file of any size)",
				    cmd, n, BLOCK_CHUNK);
	req->nprefixes = sg_prefix_unique(req->prefixes, n);
	return 0;
}

/* Nothing, or "feed NAME". */
static int parse_feed_only(struct sg_req *req, const char *cmd, int argc,
			   char **argv)
{
	char q[SG_QUOTE_LEN];
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "feed"))
			return sg_usage_err("block", "%s: unexpected argument '%s'",
					    cmd, sg_quote(argv[i], q, sizeof(q)));
		if (take_feed(req, cmd, argc, argv, &i))
			return SG_EXIT_USAGE;
	}
	return 0;
}

static int parse_test(struct sg_req *req, int argc, char **argv)
{
	char err[SG_ERR_LEN], q[SG_QUOTE_LEN];

	if (argc < 1)
		return sg_usage_err("block", "test: missing address (ADDR)");
	if (argc > 1)
		return sg_usage_err("block", "test: unexpected argument '%s' (one address only)",
				    sg_quote(argv[1], q, sizeof(q)));
	if (strchr(argv[0], '/'))
		return sg_usage_err("block", "test: '%s' is a prefix; test takes one address, without /LEN",
				    sg_quote(argv[0], q, sizeof(q)));
	req->prefixes = calloc(1, sizeof(*req->prefixes));
	if (!req->prefixes)
		return nomem();
	if (sg_parse_prefix(argv[0], &req->prefixes[0], err, sizeof(err)) < 0)
		return sg_usage_err("block", "test: %s", err);
	req->nprefixes = 1;
	return 0;
}

static int block_load(struct sg_nl *nl, const struct sg_req *req);
static int block_dry_run(struct sg_nl *nl, const struct sg_req *req);

/*
 * Everything a load needs, from the command line and the file, before any
 * socket: a malformed file exits 2 here and the kernel never hears of it.
 */
static int parse_load(struct sg_req *req, int argc, char **argv)
{
	char err[SG_ERR_LEN], q[SG_QUOTE_LEN];
	const char *name = NULL, *fname;
	bool opts_done = false, skip_bad = false, dry_run = false;
	bool allow_wide = false;
	struct sg_prefix *p = NULL;
	size_t len, n = 0;
	char *buf;
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (opts_done || a[0] != '-' || !a[1]) {	/* "-" is stdin */
			if (req->file)
				return sg_usage_err("block", "load: unexpected argument '%s' (one FILE only)",
						    sg_quote(a, q, sizeof(q)));
			req->file = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			opts_done = true;
		} else if (!strcmp(a, "--replace")) {
			req->replace = true;
		} else if (!strcmp(a, "--skip-bad")) {
			skip_bad = true;
		} else if (!strcmp(a, "--dry-run")) {
			dry_run = true;
		} else if (!strcmp(a, "--allow-wide")) {
			allow_wide = true;
		} else if (!strcmp(a, "--feed") || !strncmp(a, "--feed=", 7)) {
			if (name)
				return sg_usage_err("block", "load: --feed given twice");
			if (a[6] != '=' && i + 1 == argc)
				return sg_usage_err("block", "load: --feed: missing NAME");
			name = a[6] == '=' ? a + 7 : argv[++i];
			if (check_feed_name("load", name))
				return SG_EXIT_USAGE;
		} else {
			return sg_usage_err("block", "load: unknown option '%s' (--replace, --feed NAME, --skip-bad, --dry-run, --allow-wide)",
					    sg_quote(a, q, sizeof(q)));
		}
	}
	/* "block load --feed x < file": standard input, as restore reads it */
	if (!req->file && sg_stdin_is_input())
		req->file = "-";
	if (!req->file)
		return sg_usage_err("block", "load: missing FILE (a feed file, or - for stdin)");
	if (!strcmp(req->file, "-") && sg_stdin_free("block", "load"))
		return SG_EXIT_USAGE;

	if (name) {
		snprintf(req->feed_buf, sizeof(req->feed_buf), "%s", name);
	} else if (!strcmp(req->file, "-")) {
		return sg_usage_err("block", "load: reading stdin needs --feed NAME");
	} else if (sg_feed_name_from_path(req->file, req->feed_buf,
					  sizeof(req->feed_buf), err,
					  sizeof(err)) < 0) {
		return sg_usage_err("block", "load: %s; use --feed NAME", err);
	}
	req->feed = req->feed_buf;

	if (sg_feed_read(req->file, &buf, &len, err, sizeof(err)) < 0)
		return sg_usage_err(NULL, "%s", err);
	fname = strcmp(req->file, "-") ? req->file : "stdin";
	i = sg_feed_parse(buf, len, fname, skip_bad, &p, &n, &req->feed_stats,
			  err, sizeof(err));
	free(buf);
	if (i < 0 && req->feed_stats.bad) {
		/* every malformed line, as nft -c does, and nothing loaded */
		sg_feed_report(stderr, PROG_NAME, &req->feed_stats, fname,
			       SG_FEED_REPORT_ERRORS);
		return SG_EXIT_USAGE;
	}
	if (i < 0)
		return sg_usage_err(NULL, "%s", err);
	req->prefixes = p;
	if (req->feed_stats.skipped)
		fprintf(stderr, PROG_NAME ": skipped %zu malformed line%s of %s; the first: %s\n",
			req->feed_stats.skipped,
			req->feed_stats.skipped == 1 ? "" : "s", fname, err);
	sg_feed_report(stderr, PROG_NAME, &req->feed_stats, fname,
		       SG_FEED_REPORT_WARNINGS |
		       (allow_wide ? 0 : SG_FEED_REPORT_WIDE));
	if (req->feed_stats.wide && !allow_wide)
		fprintf(stderr, PROG_NAME ": %s: %zu wide entr%s kept; --allow-wide takes them without a warning\n",
			fname, req->feed_stats.wide,
			req->feed_stats.wide == 1 ? "y" : "ies");
	/* Sorted and distinct: the kernel then skips its own sort. */
	req->nprefixes = sg_feed_merge(p, n, &req->feed_stats);
	if (!req->nprefixes)
		return sg_usage_err(NULL, "%s: no entries to load (to empty a feed: " PROG_NAME " block flush feed %s)",
				    fname, req->feed);
	req->run = dry_run ? block_dry_run : block_load;
	req->offline = dry_run;
	return 0;
}

/* ---- replies ---------------------------------------------------------- */

struct add_reply {
	bool has_mode;
	uint8_t mode;
	bool has_entries;
	uint32_t entries;
	bool mode_auto;		/* sticky over the replies of one load */
	bool has_txn;
	uint32_t txn;
};

static int add_attr_cb(const struct nlattr *attr, void *data)
{
	struct add_reply *r = data;

	switch (mnl_attr_get_type(attr)) {
	case SMTPGUARD_A_MODE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		r->has_mode = true;
		r->mode = mnl_attr_get_u8(attr);
		break;
	case SMTPGUARD_A_BLOCK_ENTRIES:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		r->has_entries = true;
		r->entries = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_A_MODE_AUTO:
		r->mode_auto = true;
		break;
	case SMTPGUARD_A_TXN_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		r->has_txn = true;
		r->txn = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static int add_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), add_attr_cb,
			      data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* The JSON members of an add or commit reply; plain: the mode notice only. */
static void print_add_reply(const struct add_reply *r)
{
	if (r->has_mode)
		print_string(PRINT_JSON, "mode", NULL, sg_mode_name(r->mode));
	if (r->has_entries)
		print_uint(PRINT_JSON, "block_entries", NULL, r->entries);
	print_bool(PRINT_JSON, "mode_auto", NULL, r->mode_auto);
	if (r->mode_auto)
		sg_print_mode_auto("block entry");
}

struct entry_parse {
	struct sg_block_entry *e;
	bool has_prefix;
};

struct listing {
	const char *feed;
	bool timed;
	uint32_t expires;
};

static int listing_attr_cb(const struct nlattr *attr, void *data)
{
	struct listing *l = data;

	switch (mnl_attr_get_type(attr)) {
	case SMTPGUARD_LISTING_A_FEED:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		l->feed = mnl_attr_get_str(attr);
		break;
	case SMTPGUARD_LISTING_A_EXPIRES:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		l->timed = true;
		l->expires = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

/* A feed's listing: its timeout, if it has one, goes with the feed. */
static int listing_from_nest(const struct nlattr *nest,
			     struct sg_block_entry *e)
{
	struct listing l = { NULL, false, 0 };
	size_t i;

	if (mnl_attr_parse_nested(nest, listing_attr_cb, &l) < 0 || !l.feed)
		return -1;
	for (i = 0; i < e->nfeeds; i++) {
		if (!strcmp(e->feeds[i], l.feed)) {
			e->timed[i] = l.timed;
			e->feed_expires[i] = l.expires;
			return 0;
		}
	}
	/* The kernel names a listing's feed among the entry's feeds. */
	return -1;
}

static int entry_attr_cb(const struct nlattr *attr, void *data)
{
	struct entry_parse *ep = data;
	struct sg_block_entry *e = ep->e;
	size_t len;

	switch (mnl_attr_get_type(attr)) {
	case SMTPGUARD_BLOCK_A_PREFIX:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    sg_prefix_from_nest(attr, &e->pfx) < 0)
			return MNL_CB_ERROR;
		ep->has_prefix = true;
		break;
	case SMTPGUARD_BLOCK_A_FEED:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
		    e->nfeeds == SMTPGUARD_MAX_FEEDS)
			return MNL_CB_ERROR;
		len = strlen(mnl_attr_get_str(attr));
		if (!len || len > SMTPGUARD_FEED_NAME_MAX)
			return MNL_CB_ERROR;
		e->timed[e->nfeeds] = false;
		e->feed_expires[e->nfeeds] = 0;
		memcpy(e->feeds[e->nfeeds++], mnl_attr_get_str(attr), len + 1);
		break;
	case SMTPGUARD_BLOCK_A_HITS:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		e->has_hits = true;
		e->hits = mnl_attr_get_u64(attr);
		break;
	case SMTPGUARD_BLOCK_A_LAST_HIT:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		e->has_last_hit = true;
		e->last_hit = mnl_attr_get_u64(attr);
		break;
	case SMTPGUARD_BLOCK_A_EXPIRES:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		e->has_expires = true;
		e->expires = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_BLOCK_A_LISTING:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    listing_from_nest(attr, e) < 0)
			return MNL_CB_ERROR;
		break;
	}
	return MNL_CB_OK;
}

/* Only the scalars reset: this runs once per entry. */
int sg_block_entry_from_nest(const struct nlattr *nest,
			     struct sg_block_entry *e)
{
	struct entry_parse ep = { .e = e, .has_prefix = false };

	e->nfeeds = 0;
	e->has_hits = false;
	e->hits = 0;
	e->has_last_hit = false;
	e->has_expires = false;
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0 ||
	    mnl_attr_parse_nested(nest, entry_attr_cb, &ep) < 0 ||
	    !ep.has_prefix)
		return -1;
	return 0;
}

/*
 * The plain line is built by hand, without printf: a listing of a million
 * entries spends its time here.  The JSON keeps the print_*() path.
 */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* Prefix, 64 feeds of 31 characters, the numbers: always less than this. */
#define ENTRY_LINE_MAX	(SG_PREFIX_STRLEN + \
			 SMTPGUARD_MAX_FEEDS * (SMTPGUARD_FEED_NAME_MAX + 1) + 160)

/*
 * Plain: "PREFIX feeds A,B:59m58s hits N last_hit YYYY-MM-DD HH:MM:SS|never
 * expires 1h2m3s|never", local time; a feed whose listing is timed carries
 * the time it has left; hits and last_hit are "-" when the kernel keeps
 * them from the caller (no CAP_NET_ADMIN).  JSON: an object; last_hit
 * and expires (seconds) are left out when the kernel left
 * them out: never hit, permanent; hits and last_hit null when hidden;
 * last_hit is RFC 3339 with the local offset, as everywhere else;
 * "listings": one object per feed, with "expires" when timed.
 */
static void print_entry(const struct sg_block_entry *e, const char *key)
{
	char text[SG_PREFIX_STRLEN], a[INET6_ADDRSTRLEN], t[48];
	size_t i;

	if (!is_json()) {
		char line[ENTRY_LINE_MAX], *p = line;

		p = put_str(p, sg_format_prefix(&e->pfx, text, sizeof(text)));
		p = put_str(p, " feeds ");
		for (i = 0; i < e->nfeeds; i++) {
			if (i)
				*p++ = ',';
			p = put_str(p, e->feeds[i]);
			if (e->timed[i]) {
				*p++ = ':';
				p = put_str(p, sg_duration_str(e->feed_expires[i],
							       t, sizeof(t)));
			}
		}
		if (!e->nfeeds)
			*p++ = '-';
		p = put_str(p, " hits ");
		p = e->has_hits ? put_u64(p, e->hits) : put_str(p, "-");
		p = put_str(p, " last_hit ");
		p = !e->has_hits ? put_str(p, "-") :
		    e->has_last_hit ?
			put_str(p, sg_local_time(e->last_hit, t, sizeof(t))) :
			put_str(p, "never");
		p = put_str(p, " expires ");
		p = e->has_expires ?
			put_str(p, sg_duration_str(e->expires, t, sizeof(t))) :
			put_str(p, "never");
		*p++ = '\n';
		*p = '\0';
		print_string(PRINT_FP, NULL, "%s", line);
		return;
	}
	open_json_object(key);
	print_string(PRINT_JSON, "prefix", NULL,
		     sg_format_prefix(&e->pfx, text, sizeof(text)));
	print_string(PRINT_JSON, "family", NULL,
		     e->pfx.family == AF_INET ? "inet" : "inet6");
	print_string(PRINT_JSON, "address", NULL,
		     sg_format_addr(e->pfx.family, e->pfx.addr, a, sizeof(a)));
	print_uint(PRINT_JSON, "prefixlen", NULL, e->pfx.len);
	open_json_array("feeds");
	for (i = 0; i < e->nfeeds; i++)
		print_string(PRINT_JSON, NULL, NULL, e->feeds[i]);
	close_json_array();
	open_json_array("listings");
	for (i = 0; i < e->nfeeds; i++) {
		open_json_object(NULL);
		print_string(PRINT_JSON, "feed", NULL, e->feeds[i]);
		if (e->timed[i])
			print_uint(PRINT_JSON, "expires", NULL,
				   e->feed_expires[i]);
		close_json_object();
	}
	close_json_array();
	if (!e->has_hits) {
		print_null(PRINT_JSON, "hits", NULL, NULL);
		print_null(PRINT_JSON, "last_hit", NULL, NULL);
	} else {
		print_u64(PRINT_JSON, "hits", NULL, e->hits);
		if (e->has_last_hit)
			print_string(PRINT_JSON, "last_hit", NULL,
				     sg_rfc3339(e->last_hit, t, sizeof(t)));
	}
	if (e->has_expires)
		print_uint(PRINT_JSON, "expires", NULL, e->expires);
	close_json_object();
}

/* ---- the commands ----------------------------------------------------- */

static size_t feed_attr_size(const char *feed)
{
	return feed ? MNL_ATTR_HDRLEN + MNL_ALIGN(strlen(feed) + 1) : 0;
}

static struct nlmsghdr *block_msg(struct sg_nl *nl, uint8_t cmd,
				  uint16_t flags, size_t payload)
{
	struct nlmsghdr *nlh = sg_nl_msg(nl, cmd, flags, payload);

	if (!nlh)
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
	return nlh;
}

static int block_add(struct sg_nl *nl, const struct sg_req *req)
{
	struct add_reply r = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = block_msg(nl, SMTPGUARD_CMD_BLOCK_ADD, 0,
			feed_attr_size(req->feed) + U32_ATTR_SIZE +
			req->nprefixes * SG_PREFIX_NEST_SIZE);
	if (!nlh)
		return SG_EXIT_KERNEL;
	/* No FEED means "manual" to the kernel. */
	if (req->feed)
		mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, req->feed);
	if (req->timeout)
		mnl_attr_put_u32(nlh, SMTPGUARD_A_TIMEOUT, req->timeout);
	sg_put_prefixes(nlh, req->prefixes, req->nprefixes);
	ret = sg_nl_do(nl, nlh, add_cb, &r);
	if (ret)
		return ret;
	open_json_object(NULL);
	print_add_reply(&r);
	close_json_object();
	return SG_EXIT_OK;
}

static int block_del(struct sg_nl *nl, const struct sg_req *req)
{
	struct nlmsghdr *nlh;

	nlh = block_msg(nl, SMTPGUARD_CMD_BLOCK_DEL, 0,
			feed_attr_size(req->feed) +
			req->nprefixes * SG_PREFIX_NEST_SIZE);
	if (!nlh)
		return SG_EXIT_KERNEL;
	if (req->feed)
		mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, req->feed);
	sg_put_prefixes(nlh, req->prefixes, req->nprefixes);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

static int block_flush(struct sg_nl *nl, const struct sg_req *req)
{
	struct nlmsghdr *nlh;

	nlh = block_msg(nl, SMTPGUARD_CMD_BLOCK_FLUSH, 0,
			feed_attr_size(req->feed));
	if (!nlh)
		return SG_EXIT_KERNEL;
	if (req->feed)
		mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, req->feed);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

struct list_ctx {
	bool opened;			/* the JSON array was started */
	struct sg_block_entry e;	/* reused for every entry */
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct list_ctx *ctx = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != SMTPGUARD_A_BLOCK_ENTRY)
			continue;
		if (sg_block_entry_from_nest(attr, &ctx->e) < 0)
			return MNL_CB_ERROR;
		if (!ctx->opened) {
			open_json_array(NULL);
			ctx->opened = true;
		}
		print_entry(&ctx->e, NULL);
	}
	return MNL_CB_OK;
}

static int block_list(struct sg_nl *nl, const struct sg_req *req)
{
	/* A million lines: few large writes, whatever stdout is. */
	static char outbuf[1 << 16];
	static struct list_ctx ctx;
	struct nlmsghdr *nlh;
	int ret;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	nlh = block_msg(nl, SMTPGUARD_CMD_BLOCK_GET, NLM_F_DUMP,
			feed_attr_size(req->feed));
	if (!nlh)
		return SG_EXIT_KERNEL;
	if (req->feed)
		mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, req->feed);
	/*
	 * Streamed as the dump arrives, one datagram of up to 32 KiB (the
	 * kernel's largest dump skb; nl.c receives into that much) at a time.
	 * An NLM_F_DUMP_INTR stops it with exit 3: what was printed stays,
	 * and the message says to run it again.
	 */
	ctx.opened = false;
	ret = sg_nl_do(nl, nlh, list_cb, &ctx);
	if (!ret && !ctx.opened)
		open_json_array(NULL);
	close_json_array();
	return ret;
}

static int feed_stats_cb(const struct nlattr *attr, void *data)
{
	struct sg_feed_info *f = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type != SMTPGUARD_STATS_A_CNC_DROPPED &&
	    type != SMTPGUARD_STATS_A_CNC_WOULD_DROP)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return MNL_CB_ERROR;
	if (type == SMTPGUARD_STATS_A_CNC_DROPPED)
		f->dropped = mnl_attr_get_u64(attr);
	else
		f->would_drop = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

int sg_feed_from_msg(const struct nlmsghdr *nlh, struct sg_feed_info *f)
{
	const struct nlattr *attr;

	memset(f, 0, sizeof(*f));
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case SMTPGUARD_A_FEED:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return -1;
			f->name = mnl_attr_get_str(attr);
			break;
		case SMTPGUARD_A_BLOCK_ENTRIES:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -1;
			f->entries = mnl_attr_get_u32(attr);
			f->has_entries = true;
			break;
		case SMTPGUARD_A_ACTION:
			if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
				return -1;
			f->action = mnl_attr_get_u8(attr);
			break;
		case SMTPGUARD_A_DIRECTION:
			if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
				return -1;
			f->direction = mnl_attr_get_u8(attr);
			break;
		case SMTPGUARD_A_STATS:
			if (mnl_attr_parse_nested(attr, feed_stats_cb, f) < 0)
				return -1;
			f->has_stats = true;
			break;
		}
	}
	return 0;
}

/* One line a feed: NAME ENTRIES action A direction D dropped N would_drop N */
void sg_print_feed(const struct sg_feed_info *f)
{
	open_json_object(NULL);
	print_string(PRINT_ANY, "feed", "%s", f->name);
	print_uint(PRINT_ANY, "entries", " %u", f->entries);
	print_string(PRINT_ANY, "action", " action %s", sg_action_name(f->action));
	print_string(PRINT_ANY, "direction", " direction %s",
		     sg_direction_name(f->direction));
	if (f->has_stats) {
		print_u64(PRINT_ANY, "dropped", " dropped %" PRIu64, f->dropped);
		print_u64(PRINT_ANY, "would_drop", " would_drop %" PRIu64,
			  f->would_drop);
	}
	print_string(PRINT_FP, NULL, "%s", "\n");
	close_json_object();
}

struct feeds_ctx {
	const char *key;	/* of the JSON array; NULL: a bare array */
	bool opened;
};

static int feeds_cb(const struct nlmsghdr *nlh, void *data)
{
	struct feeds_ctx *ctx = data;
	struct sg_feed_info f;

	if (sg_feed_from_msg(nlh, &f) < 0 || !f.name || !f.has_entries)
		return MNL_CB_ERROR;
	if (!ctx->opened) {
		open_json_array(ctx->key);
		ctx->opened = true;
	}
	sg_print_feed(&f);
	return MNL_CB_OK;
}

/*
 * FEED_GET, each feed printed as sg_print_feed() does, in a JSON array
 * (under key, in an open object, when key is not NULL).
 */
int sg_feeds_print(struct sg_nl *nl, const char *key)
{
	struct feeds_ctx ctx = { .key = key, .opened = false };
	struct nlmsghdr *nlh;
	int ret;

	nlh = block_msg(nl, SMTPGUARD_CMD_FEED_GET, NLM_F_DUMP, 0);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, feeds_cb, &ctx);
	if (!ret && !ctx.opened)
		open_json_array(key);
	if (ctx.opened || !ret)
		close_json_array();
	return ret;
}

static int block_feeds(struct sg_nl *nl, const struct sg_req *req)
{
	(void)req;
	return sg_feeds_print(nl, NULL);
}

/* FEED_SET: action or direction (< 0: as it is), or both. */
int sg_feed_set(struct sg_nl *nl, const char *feed, int action, int direction)
{
	struct nlmsghdr *nlh;

	nlh = block_msg(nl, SMTPGUARD_CMD_FEED_SET, 0,
			feed_attr_size(feed) + 2 * MNL_ALIGN(MNL_ATTR_HDRLEN + 1));
	if (!nlh)
		return SG_EXIT_KERNEL;
	mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, feed);
	if (action >= 0)
		mnl_attr_put_u8(nlh, SMTPGUARD_A_ACTION, (uint8_t)action);
	if (direction >= 0)
		mnl_attr_put_u8(nlh, SMTPGUARD_A_DIRECTION, (uint8_t)direction);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

static int block_feed_set(struct sg_nl *nl, const struct sg_req *req)
{
	return sg_feed_set(nl, req->feed, req->action, req->direction);
}

/* block feed NAME [action enforce|monitor] [direction in|out|both] */
static int parse_feed_set(struct sg_req *req, int argc, char **argv)
{
	char q[SG_QUOTE_LEN];
	int i, *slot;

	req->action = req->direction = -1;
	if (argc < 1)
		return sg_usage_err("block", "feed: missing NAME");
	if (!sg_feed_name_ok(argv[0]))
		return sg_usage_err("block", "feed: '%s' is not a feed name (1 to %d of A-Z a-z 0-9 . _ -, starting with a letter or digit)",
				    sg_quote(argv[0], q, sizeof(q)),
				    SMTPGUARD_FEED_NAME_MAX);
	req->feed = argv[0];
	for (i = 1; i < argc; i += 2) {
		bool is_action = !strcmp(argv[i], "action");

		if (!is_action && strcmp(argv[i], "direction"))
			return sg_usage_err("block", "feed %s: unexpected '%s' (action enforce|monitor, direction in|out|both)",
					    argv[0], sg_quote(argv[i], q, sizeof(q)));
		slot = is_action ? &req->action : &req->direction;
		if (*slot >= 0)
			return sg_usage_err("block", "feed %s: %s given twice",
					    argv[0], argv[i]);
		if (i + 1 == argc)
			return sg_usage_err("block", "feed %s: %s: missing %s",
					    argv[0], argv[i], is_action ?
					    "enforce or monitor" : "in, out or both");
		*slot = is_action ? sg_parse_action(argv[i + 1]) :
				    sg_parse_direction(argv[i + 1]);
		if (*slot < 0)
			return sg_usage_err("block", "feed %s: '%s' is not %s",
					    argv[0], sg_quote(argv[i + 1], q, sizeof(q)),
					    is_action ? "an action (enforce, monitor)" :
					    "a direction (in, out, both)");
	}
	if (req->action < 0 && req->direction < 0)
		return sg_usage_err("block", "feed %s: missing action or direction (see 'block feeds' for what it has)",
				    argv[0]);
	req->run = block_feed_set;
	return 0;
}

struct test_reply {
	bool found;
	struct sg_block_entry e;
	bool excepted;
	struct sg_prefix except;	/* the exception covering the address */
};

static int test_cb(const struct nlmsghdr *nlh, void *data)
{
	struct test_reply *r = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case SMTPGUARD_A_BLOCK_ENTRY:
			if (sg_block_entry_from_nest(attr, &r->e) < 0)
				return MNL_CB_ERROR;
			r->found = true;
			break;
		case SMTPGUARD_A_EXCEPT:
			if (sg_prefix_from_nest(attr, &r->except) < 0)
				return MNL_CB_ERROR;
			r->excepted = true;
			break;
		}
	}
	return MNL_CB_OK;
}

static void print_feeds_of(const struct sg_block_entry *e)
{
	size_t i;

	for (i = 0; i < e->nfeeds; i++)
		print_string(PRINT_FP, NULL, i ? ",%s" : "%s", e->feeds[i]);
}

/*
 * Exit 0 if blocked, 1 if not (ipset test, grep).  An exception beats
 * every feed: listed and excepted is not blocked.
 */
static int block_test(struct sg_nl *nl, const struct sg_req *req)
{
	static struct test_reply r;
	char a[SG_PREFIX_STRLEN], p[SG_PREFIX_STRLEN], x[SG_PREFIX_STRLEN];
	struct nlmsghdr *nlh;
	bool blocked;
	int ret;

	memset(&r, 0, sizeof(r));	/* -batch: a test before this one */

	nlh = block_msg(nl, SMTPGUARD_CMD_BLOCK_TEST, 0, SG_PREFIX_NEST_SIZE);
	if (!nlh)
		return SG_EXIT_KERNEL;
	sg_put_prefixes(nlh, req->prefixes, 1);
	ret = sg_nl_do(nl, nlh, test_cb, &r);
	if (ret)
		return ret;

	blocked = r.found && !r.excepted;
	sg_format_prefix(&req->prefixes[0], a, sizeof(a));
	if (r.excepted)
		sg_format_prefix(&r.except, x, sizeof(x));
	open_json_object(NULL);
	print_string(PRINT_ANY, "address", "%s", a);
	print_bool(PRINT_JSON, "blocked", NULL, blocked);
	print_bool(PRINT_JSON, "listed", NULL, r.found);
	if (r.excepted)
		print_string(PRINT_JSON, "excepted_by", NULL, x);
	if (!r.found) {
		print_string(PRINT_FP, NULL, "%s", " is not blocked");
		if (r.excepted)
			print_string(PRINT_FP, NULL, " (excepted by %s)", x);
		print_string(PRINT_FP, NULL, "%s", "\n");
		close_json_object();
		return SG_EXIT_NEGATIVE;
	}
	sg_format_prefix(&r.e.pfx, p, sizeof(p));
	if (r.excepted) {
		print_string(PRINT_FP, NULL, "%s", " is not blocked: listed by feed ");
		print_feeds_of(&r.e);
		print_string(PRINT_FP, NULL, " (%s)", p);
		print_string(PRINT_FP, NULL, " but excepted by %s\n", x);
	} else {
		print_string(PRINT_FP, NULL, " is blocked by %s (feeds ", p);
		print_feeds_of(&r.e);
		if (r.e.has_hits)
			print_u64(PRINT_FP, NULL, "; hits %" PRIu64 ")\n",
				  r.e.hits);
		else
			print_string(PRINT_FP, NULL, "%s", ")\n");
	}
	if (is_json())
		print_entry(&r.e, "entry");
	close_json_object();
	return blocked ? SG_EXIT_OK : SG_EXIT_NEGATIVE;
}

static int txn_end(struct sg_nl *nl, uint8_t cmd, uint32_t txn,
		   struct add_reply *r)
{
	struct nlmsghdr *nlh = block_msg(nl, cmd, 0, U32_ATTR_SIZE);

	if (!nlh)
		return SG_EXIT_KERNEL;
	mnl_attr_put_u32(nlh, SMTPGUARD_A_TXN_ID, txn);
	if (!r)		/* the abort after a failure: its own is no news */
		return sg_nl_do_quiet(nl, nlh);
	return sg_nl_do(nl, nlh, add_cb, r);
}

/*
 * TXN_BEGIN on feed, BLOCK_ADD of at most BLOCK_CHUNK prefixes at a time,
 * TXN_COMMIT: all of them or, after any failure (TXN_ABORT), none.
 */
static int txn_add(struct sg_nl *nl, const char *feed, bool replace,
		   const struct sg_prefix *pfx, size_t n, struct add_reply *r)
{
	struct nlmsghdr *nlh;
	size_t off, k;
	uint32_t txn;
	int ret;

	nlh = block_msg(nl, SMTPGUARD_CMD_BLOCK_TXN_BEGIN, 0,
			feed_attr_size(feed) + FLAG_ATTR_SIZE);
	if (!nlh)
		return SG_EXIT_KERNEL;
	mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, feed);
	if (replace)
		mnl_attr_put(nlh, SMTPGUARD_A_REPLACE, 0, NULL);
	ret = sg_nl_do(nl, nlh, add_cb, r);
	if (ret)
		return ret;
	if (!r->has_txn) {	/* nothing to abort by id; closing the socket does */
		fprintf(stderr, PROG_NAME ": the kernel sent no transaction id\n");
		return SG_EXIT_KERNEL;
	}
	txn = r->txn;

	for (off = 0; off < n; off += k) {
		k = n - off;
		if (k > BLOCK_CHUNK)
			k = BLOCK_CHUNK;
		nlh = block_msg(nl, SMTPGUARD_CMD_BLOCK_ADD, 0,
				U32_ATTR_SIZE + k * SG_PREFIX_NEST_SIZE);
		if (!nlh) {
			ret = SG_EXIT_KERNEL;
			goto abort;
		}
		mnl_attr_put_u32(nlh, SMTPGUARD_A_TXN_ID, txn);
		sg_put_prefixes(nlh, pfx + off, k);
		ret = sg_nl_do(nl, nlh, add_cb, r);
		if (ret)
			goto abort;
	}
	ret = txn_end(nl, SMTPGUARD_CMD_BLOCK_TXN_COMMIT, txn, r);
	if (ret)
		goto abort;
	return SG_EXIT_OK;

abort:
	txn_end(nl, SMTPGUARD_CMD_BLOCK_TXN_ABORT, txn, NULL);
	return ret;
}

static int block_load(struct sg_nl *nl, const struct sg_req *req)
{
	struct add_reply r = { 0 };
	int ret;

	ret = txn_add(nl, req->feed, req->replace, req->prefixes,
		      req->nprefixes, &r);
	if (ret)
		return ret;
	open_json_object(NULL);
	print_string(PRINT_ANY, "feed", "feed %s: ", req->feed);
	print_bool(PRINT_JSON, "replace", NULL, req->replace);
	print_u64(PRINT_ANY, "entries",
		  req->replace ? "replaced with %" PRIu64 : "added %" PRIu64,
		  req->nprefixes);
	print_string(PRINT_FP, NULL, "%s\n",
		     req->nprefixes == 1 ? " entry" : " entries");
	print_add_reply(&r);
	close_json_object();
	return SG_EXIT_OK;
}

/*
 * "block add -" of more than BLOCK_CHUNK prefixes: one transaction, and
 * the output of a 'block add'.
 */
static int block_add_txn(struct sg_nl *nl, const struct sg_req *req)
{
	struct add_reply r = { 0 };
	int ret;

	ret = txn_add(nl, req->feed ? req->feed : DEFAULT_FEED, false,
		      req->prefixes, req->nprefixes, &r);
	if (ret)
		return ret;
	open_json_object(NULL);
	print_add_reply(&r);
	close_json_object();
	return SG_EXIT_OK;
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/*
 * "drop.txt: 1698 entries (1698 IPv4, 0 IPv6), covering 14863616 IPv4 and
 * 0 IPv6 addresses", then what the parser merged, skipped and warned of.  In JSON the IPv6 count is a decimal string: it may
 * reach 2^128 - 1, far past what a JSON reader takes for a number.
 */
static int block_dry_run(struct sg_nl *nl, const struct sg_req *req)
{
	const struct sg_feed_stats *st = &req->feed_stats;
	const char *fname = strcmp(req->file, "-") ? req->file : "stdin";
	char b[SG_U128_STRLEN], line[320];
	unsigned __int128 c6;
	size_t i, v4 = 0;
	uint64_t c4;

	(void)nl;
	for (i = 0; i < req->nprefixes; i++)
		v4 += req->prefixes[i].family == AF_INET;
	if (sg_feed_covered(req->prefixes, req->nprefixes, &c4, &c6) < 0) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		return SG_EXIT_USAGE;
	}
	open_json_object(NULL);
	print_string(PRINT_ANY, "file", "%s: ", fname);
	print_string(PRINT_JSON, "feed", NULL, req->feed);
	print_u64(PRINT_ANY, "entries",
		  req->nprefixes == 1 ? "%" PRIu64 " entry" : "%" PRIu64 " entries",
		  req->nprefixes);
	print_u64(PRINT_ANY, "ipv4", " (%" PRIu64 " IPv4, ", v4);
	print_u64(PRINT_ANY, "ipv6", "%" PRIu64 " IPv6), ",
		  req->nprefixes - v4);
	print_u64(PRINT_ANY, "ipv4_addresses", "covering %" PRIu64 " IPv4",
		  c4);
	print_string(PRINT_ANY, "ipv6_addresses", " and %s IPv6 addresses\n",
		     sg_u128_str(c6, b, sizeof(b)));
	print_u64(PRINT_JSON, "lines", NULL, st->lines);
	print_u64(PRINT_JSON, "ranges", NULL, st->ranges);
	print_u64(PRINT_JSON, "duplicates", NULL, st->duplicates);
	print_u64(PRINT_JSON, "overlaps", NULL, st->overlaps);
	print_u64(PRINT_JSON, "skipped", NULL, st->skipped);
	print_u64(PRINT_JSON, "special", NULL, st->special);
	print_u64(PRINT_JSON, "wide", NULL, st->wide);
	snprintf(line, sizeof(line),
		 "  %zu line%s: %zu range%s split into prefixes; merged %zu duplicate%s and %zu entr%s inside a wider one; %zu malformed line%s skipped; %zu special-purpose and %zu wide entr%s\n",
		 st->lines, plural(st->lines), st->ranges, plural(st->ranges),
		 st->duplicates, plural(st->duplicates), st->overlaps,
		 st->overlaps == 1 ? "y" : "ies", st->skipped,
		 plural(st->skipped), st->special, st->wide,
		 st->wide == 1 ? "y" : "ies");
	print_string(PRINT_FP, NULL, "%s", line);
	close_json_object();
	return SG_EXIT_OK;
}

int block_parse(struct sg_req *req, int argc, char **argv)
{
	const char *cmd = argc > 0 ? argv[0] : "list";

	if (sg_is_list(cmd)) {
		req->run = block_list;
		return argc > 0 ? parse_feed_only(req, cmd, argc - 1, argv + 1) : 0;
	}
	if (!strcmp(cmd, "flush")) {
		req->run = block_flush;
		return parse_feed_only(req, cmd, argc - 1, argv + 1);
	}
	if (!strcmp(cmd, "feeds")) {
		req->run = block_feeds;
		return sg_no_more_args("block", argc - 1, argv + 1);
	}
	/* "block feed NAME action ...": not "block feed NAME ADDR..." */
	if (!strcmp(cmd, "feed") && argc >= 3 &&
	    (!strcmp(argv[2], "action") || !strcmp(argv[2], "direction")))
		return parse_feed_set(req, argc - 1, argv + 1);
	if (!strcmp(cmd, "test")) {
		req->run = block_test;
		return parse_test(req, argc - 1, argv + 1);
	}
	if (!strcmp(cmd, "load"))
		return parse_load(req, argc - 1, argv + 1);
	if (!strcmp(cmd, "help"))
		return sg_help("block", argc - 1, argv + 1);
	if (!strcmp(cmd, "del") || !strcmp(cmd, "delete")) {
		req->run = block_del;
		return parse_entries(req, "del", false, false, argc - 1, argv + 1);
	}
	req->run = block_add;
	if (!strcmp(cmd, "add"))
		return parse_entries(req, "add", false, true, argc - 1, argv + 1);
	return parse_entries(req, "add", true, true, argc, argv);
}
