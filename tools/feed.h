/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Blocklist feed files for "smtpguardctl block load": reading, parsing into
 * prefixes, counting what they cover, naming the feed.  Pure functions apart
 * from sg_feed_read(), so the unit tests drive them with crafted buffers.
 *
 * A feed is printable ASCII and TABs (comments included), one entry a line:
 *
 *   ADDR | ADDR/LEN                 one prefix
 *   START-END | START - END         a range, split into the fewest prefixes
 *   START<blank>END<blank>LEN ...   DShield: a range that must be exactly
 *                                   the one prefix of length LEN
 *   ADDR[/LEN]<blank>anything       further columns are ignored (ipsum),
 *                                   unless the second looks like an address
 *                                   or a prefix: two entries on one line are
 *                                   refused, never guessed into a range
 *
 * A column "looks like an address" when it is made of hex digits, dots
 * and colons (three dots, or at least two colons), maybe with /LEN.  '#'
 * or ';' starts a comment anywhere on a line; blanks are spaces and TABs;
 * lines end in LF, CRLF or a bare CR, the last one maybe in nothing; a
 * UTF-8 BOM may open the file.
 * Addresses follow sg_parse_prefix() (no zone ids, no host bits, no
 * IPv4-mapped IPv6), and a dotted quad with a leading zero is refused.
 */
#ifndef SG_FEED_H
#define SG_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

/* Longest line, without its line end. */
#define SG_FEED_LINE_MAX	4096
/* Largest file sg_feed_read() accepts. */
#define SG_FEED_FILE_MAX	(256u << 20)
/* A feed name is 1..SG_FEED_NAME_MAX of [A-Za-z0-9._-], led by [A-Za-z0-9]. */
#define SG_FEED_NAME_MAX	31
/* sg_u128_str(): 39 digits and the NUL. */
#define SG_U128_STRLEN		40

/* How many errors and how many warnings the parser keeps, with their text. */
#define SG_FEED_NOTES_MAX	20
/* An entry shorter than these is "wide": more than a /8 of IPv4, a /16 of IPv6. */
#define SG_FEED_WIDE_V4		8
#define SG_FEED_WIDE_V6		16

enum sg_feed_note_kind {
	SG_FEED_NOTE_ERROR,
	SG_FEED_NOTE_SPECIAL,	/* private, loopback, link-local, multicast, reserved */
	SG_FEED_NOTE_WIDE,	/* an entry wider than SG_FEED_WIDE_V4/V6 */
};

struct sg_feed_note {
	enum sg_feed_note_kind kind;
	char msg[SG_ERR_LEN];	/* "FILE:LINE: what" */
};

struct sg_feed_stats {
	size_t lines;		/* lines read */
	size_t entries;		/* prefixes produced (after range splitting, before dedupe) */
	size_t v4, v6;		/* prefixes per family */
	size_t ranges;		/* dashed or two-column ranges turned into prefixes */
	size_t skipped;		/* malformed lines skipped (skip_bad only) */
	size_t comments;	/* lines with nothing but a comment */
	size_t blank;		/* empty and blank-only lines */
	size_t bad;		/* malformed lines, in either mode */
	size_t special;		/* lines listing special-purpose space */
	size_t wide;		/* lines with an entry wider than SG_FEED_WIDE_* */
	/* Filled by sg_feed_merge(): */
	size_t duplicates;	/* prefixes listed more than once, dropped */
	size_t overlaps;	/* prefixes inside a wider one of the file, dropped */
	/* The first SG_FEED_NOTES_MAX errors and warnings, in file order. */
	size_t nerrors, nwarnings;
	struct sg_feed_note errors[SG_FEED_NOTES_MAX];
	struct sg_feed_note warnings[SG_FEED_NOTES_MAX];
};

/*
 * Reads a whole file ("-" = stdin) into a malloc'ed buffer, NUL-terminated
 * one byte past *len.  Returns 0, or -1 with err = "FILE: reason" (strerror,
 * or the size limit).
 */
int sg_feed_read(const char *path, char **buf, size_t *len,
		 char *err, size_t errlen);

/*
 * Parses len bytes of buf (NUL bytes in it are refused, not an end); fname
 * names it in messages.  On success returns 0 and *out is a malloc'ed array
 * of *nout prefixes (in file order, duplicates kept; caller may
 * sg_feed_merge() and must free()).  *out is NULL when *nout is 0.
 * Every line is parsed, in both modes; st->errors keeps the messages of
 * the first SG_FEED_NOTES_MAX malformed lines ("FILE:LINE: reason"), and
 * st->warnings those of lines that list special-purpose or wide space.
 * Strict (skip_bad false): any malformed line returns -1 with err = the
 * first message, *out NULL and *nout 0.
 * skip_bad: malformed lines are counted in st->skipped, err holds the
 * message of the first one ("" if none), returns 0.
 * Out of memory returns -1 with err = "FILE: out of memory" in both modes.
 * st may be NULL; it is filled even on failure.
 */
int sg_feed_parse(const char *buf, size_t len, const char *fname,
		  bool skip_bad, struct sg_prefix **out, size_t *nout,
		  struct sg_feed_stats *st, char *err, size_t errlen);

/*
 * Sorts p and drops what changes nothing: exact duplicates and prefixes
 * inside a wider one of the same array; counts both in st (may be NULL).
 * Returns the new count; p stays sorted (sg_prefix_cmp).
 */
size_t sg_feed_merge(struct sg_prefix *p, size_t n, struct sg_feed_stats *st);

/* What sg_feed_report() prints. */
#define SG_FEED_REPORT_ERRORS	0x1	/* the malformed lines */
#define SG_FEED_REPORT_WARNINGS	0x2	/* special-purpose space */
#define SG_FEED_REPORT_WIDE	0x4	/* wide entries (off: --allow-wide) */

/*
 * Prints what st kept: errors as "PROG: FILE:LINE: reason", warnings as
 * "PROG: warning: FILE:LINE: ...", each list followed by a count of the
 * lines it left out.
 */
void sg_feed_report(FILE *fp, const char *prog,
		    const struct sg_feed_stats *st, const char *fname,
		    unsigned int what);

/*
 * Addresses covered by the union of the prefixes (overlaps counted once),
 * per family.  The whole IPv6 space, 2^128, does not fit in 128 bits: *v6
 * saturates at 2^128 - 1.  Sorts a copy (the only allocation); if that
 * allocation fails, both counts are 0 and -1 is returned, else 0.
 */
int sg_feed_covered(const struct sg_prefix *p, size_t n, uint64_t *v4,
		    unsigned __int128 *v6);

/* Decimal text of a 128-bit count; buflen SG_U128_STRLEN is always enough. */
const char *sg_u128_str(unsigned __int128 v, char *buf, size_t buflen);

/*
 * Default feed name from a path: the base name without its last extension
 * ("/x/spamhaus_drop.netset" -> "spamhaus_drop").  Returns -1 with err if
 * that is not a valid feed name (or does not fit in namelen).
 */
int sg_feed_name_from_path(const char *path, char *name, size_t namelen,
			   char *err, size_t errlen);
/* 1 if name is a valid feed name, else 0. */
int sg_feed_name_ok(const char *name);

/*
 * A feed's action (enforce, monitor) and direction (both, in, out): the
 * UAPI's enum values, -1 for another word; and back.
 */
int sg_parse_action(const char *word);
int sg_parse_direction(const char *word);
const char *sg_action_name(unsigned int action);
const char *sg_direction_name(unsigned int direction);

#endif /* SG_FEED_H */
